package api

// The live push routes (issue #7, docs/push.md): the Server-Sent Events
// stream of the events the caller's organisation may receive (resumable
// with Last-Event-ID), the same log as JSON pages for pollers, and the
// organisation's webhook subscriptions.

import (
	"net/http"

	"sakimori/internal/apperr"
	"sakimori/internal/event"
	"sakimori/internal/org"
	"sakimori/internal/push"
)

// pushRoutes are the routes of the event stream (SSE) and webhook subscriptions (issue #7).
func (a *API) pushRoutes() []route {
	const tag = "events"
	kinds := param{Name: "kinds", Type: "string", Desc: "only these kinds or families, comma-separated (" + kindList() + "); default every kind"}
	rs := []route{
		{Method: "GET", Path: "/api/v1/events", ID: "streamEvents", Raw: true, Produces: "text/event-stream", Tag: tag, Scope: org.ScopeRead, Status: 200,
			Summary: "Server-Sent Events (text/event-stream) of the events your organisation may receive: `id:` is the event's id (opaque: it reveals neither the platform's event count nor the order), `event:` its kind, `data:` the event as JSON. " +
				"Resume with the Last-Event-ID header (or last_event_id): the log after it is replayed, then live events follow without gap or duplicate; " +
				"heartbeat comments every 15 s; a stream that falls behind is ended and resumes from its last id",
			Query: []param{kinds, {Name: "last_event_id", Type: "string", Desc: "resume after the event of this id (the Last-Event-ID header wins); 0: replay the whole log"}},
			h:     a.streamEvents},
		{Method: "GET", Path: "/api/v1/events/log", ID: "listEvents", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "EventPage",
			Summary: "The event log after an event id, oldest first, as JSON pages for pollers: pass next as after for the next page",
			Query: []param{{Name: "after", Type: "string", Desc: "events after the event of this id (default 0: from the start of the log)"},
				{Name: "limit", Type: "integer", Desc: "page size, 1 to 1000 (default 100)"}, kinds},
			h: a.listEvents},
		{Method: "GET", Path: "/api/v1/webhooks", ID: "listWebhooks", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "WebhookList",
			Summary: "Your organisation's webhook subscriptions with their delivery state (its administrators)",
			Query:   []param{{Name: "org", Type: "string", Desc: "organisation id (platform administrators)"}}, h: a.listWebhooks},
		{Method: "POST", Path: "/api/v1/webhooks", ID: "createWebhook", Tag: tag, Scope: org.ScopeAdmin, Body: "WebhookInput", Status: 201, Resp: "NewWebhook",
			Summary: "Subscribe a URL to your organisation's events (its administrators); the signing secret is in `secret` and is shown only this once", h: a.createWebhook},
		{Method: "GET", Path: "/api/v1/webhooks/{id}", ID: "getWebhook", Tag: tag, Scope: org.ScopeRead, Status: 200, Resp: "Webhook",
			Summary: "One webhook subscription: cursor, consecutive failures, last error", h: a.getWebhook},
		{Method: "DELETE", Path: "/api/v1/webhooks/{id}", ID: "deleteWebhook", Tag: tag, Scope: org.ScopeAdmin, Status: 204,
			Summary: "Remove a webhook subscription", h: a.deleteWebhook},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/test", ID: "testWebhook", Tag: tag, Scope: org.ScopeAdmin, Status: 200, Resp: "WebhookTestResult",
			Summary: "Send a signed ping (type ping) to the webhook now, once, and report the outcome", h: a.testWebhook},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/enable", ID: "enableWebhook", Tag: tag, Scope: org.ScopeAdmin, Status: 200, Resp: "Webhook",
			Summary: "Re-enable a webhook (clears its failures; delivery resumes from its cursor, nothing is lost)", h: a.enableWebhook(true)},
		{Method: "POST", Path: "/api/v1/webhooks/{id}/disable", ID: "disableWebhook", Tag: tag, Scope: org.ScopeAdmin, Status: 200, Resp: "Webhook",
			Summary: "Pause a webhook (events wait in the log, within its retention)", h: a.enableWebhook(false)},
	}
	for i := range rs {
		h := rs[i].h
		rs[i].h = func(c *call) (int, any, error) {
			if c.api.opt.Push == nil {
				return 0, nil, apperr.New(apperr.CodeUnavailable, "live push is not enabled on this server")
			}
			return h(c)
		}
	}
	return rs
}

func kindList() string {
	s := ""
	for i, k := range event.Kinds {
		if i > 0 {
			s += ", "
		}
		s += string(k)
	}
	return s + ", or a family such as alert"
}

func (c *call) push() *push.Service { return c.api.opt.Push }

func (a *API) streamEvents(c *call) (int, any, error) {
	if err := c.push().ServeSSE(c.w, c.r, c.p); err != nil {
		return 0, nil, err
	}
	return 0, nil, errWritten
}

// EventPage is the body of GET /events/log.
type EventPage = push.Page

func (a *API) listEvents(c *call) (int, any, error) {
	q := c.r.URL.Query()
	limit, err := c.limit(100)
	if err != nil {
		return 0, nil, err
	}
	kinds, err := push.ParseKinds(q.Get("kinds"))
	if err != nil {
		return 0, nil, err
	}
	pg, err := c.push().EventLog(c.r.Context(), c.p, q.Get("after"), limit, kinds)
	return 200, pg, err
}

func (a *API) listWebhooks(c *call) (int, any, error) {
	ws, err := c.push().ListWebhooks(c.r.Context(), c.p, c.r.URL.Query().Get("org"))
	return 200, listOf(ws), err
}

func (a *API) createWebhook(c *call) (int, any, error) {
	var in push.WebhookInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	nw, err := c.push().CreateWebhook(c.r.Context(), c.p, in)
	return 201, nw, err
}

func (a *API) getWebhook(c *call) (int, any, error) {
	w, err := c.push().GetWebhook(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, w, err
}

func (a *API) deleteWebhook(c *call) (int, any, error) {
	return http.StatusNoContent, nil, c.push().DeleteWebhook(c.r.Context(), c.p, c.r.PathValue("id"))
}

func (a *API) testWebhook(c *call) (int, any, error) {
	r, err := c.push().TestWebhook(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, r, err
}

func (a *API) enableWebhook(on bool) func(*call) (int, any, error) {
	return func(c *call) (int, any, error) {
		w, err := c.push().SetWebhookEnabled(c.r.Context(), c.p, c.r.PathValue("id"), on)
		return 200, w, err
	}
}
