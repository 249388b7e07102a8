package web

// Live events (issue #7, docs/push.md): the /events page lists the latest
// events the user's organisation may receive and, with the one script the
// dashboard serves (static/push.js, an EventSource on /events/stream),
// shows new ones as they arrive; /webhooks manages the organisation's
// webhook subscriptions (its administrators).

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/push"
)

// pushRoutes registers the live event pages and webhook subscriptions (issue #7).
func (s *server) pushRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Push == nil {
		return
	}
	mux.Handle("GET /events", s.user(s.eventsPage))
	mux.Handle("GET /events/stream", s.user(s.eventsStream))
	mux.Handle("GET /webhooks", s.user(s.webhooksPage))
	mux.Handle("POST /webhooks", s.user(s.webhookCreate))
	mux.Handle("POST /webhooks/{id}/test", s.user(s.webhookAction("test")))
	mux.Handle("POST /webhooks/{id}/enable", s.user(s.webhookAction("enable")))
	mux.Handle("POST /webhooks/{id}/disable", s.user(s.webhookAction("disable")))
	mux.Handle("POST /webhooks/{id}/remove", s.user(s.webhookAction("remove")))
}

// pushNav adds this file's sections to the navigation.
func (s *server) pushNav(rq *req, items []navItem) []navItem {
	if s.opt.Push == nil || rq.P == nil || rq.P.User == nil {
		return items
	}
	return insertNav(rq, items, navItem{Path: "/events", Label: "push.nav"})
}

type liveRow struct {
	ID      string
	At      any
	Kind    string
	Label   string
	Subject string
}

type eventsData struct {
	Rows      []liveRow
	Last      string
	JS        string
	Labels    template.JS // kind -> label, JSON, for the script
	CanHooks  bool
	KindsHelp string
}

// kindKeys are the catalogue keys of the event kinds.
var kindKeys = map[event.Kind]string{
	event.AlertPublished: "push.kind.alert_published", event.AlertUpdated: "push.kind.alert_updated",
	event.AlertWithdrawn: "push.kind.alert_withdrawn", event.AlertAcked: "push.kind.alert_acknowledged",
	event.IndicatorAdded: "push.kind.indicator_added", event.IndicatorChanged: "push.kind.indicator_changed",
	event.IndicatorRevoked: "push.kind.indicator_revoked", event.ReportStatus: "push.kind.report_status",
	event.ClusterCreated: "push.kind.cluster_created", event.ClusterUpdated: "push.kind.cluster_updated",
}

// familyKeys are the kind families a webhook may subscribe to, with their
// catalogue keys.
var familyKeys = [][2]string{{"alert", "push.family.alert"}, {"indicator", "push.family.indicator"},
	{"report", "push.family.report"}, {"cluster", "push.family.cluster"}}

// kindLabels are the translated labels of the kinds, for the table and
// the script.
func kindLabels(rq *req) map[string]string {
	m := map[string]string{}
	for _, k := range event.Kinds {
		if key, ok := kindKeys[k]; ok {
			m[string(k)] = rq.T(key)
		} else {
			m[string(k)] = string(k)
		}
	}
	return m
}

func (s *server) eventsPage(w http.ResponseWriter, rq *req) {
	ctx := rq.Context()
	// The latest events: those among the log's last 200, shown newest first.
	pg, err := s.opt.Push.Recent(ctx, rq.P, 200)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	labels := kindLabels(rq)
	// The stream resumes after the newest event shown: an event the user
	// may see, never the platform's head (which would count everyone's
	// events). With none shown, the stream starts live.
	d := &eventsData{JS: s.scriptPath("push.js"),
		CanHooks: rq.P.Org != nil && auth.Can(rq.P, auth.ActOrgUpdate, auth.Target{OrgID: rq.P.Org.ID, OrgKind: rq.P.Org.Kind})}
	evs := pg.Events
	if len(evs) > 0 {
		d.Last = evs[len(evs)-1].ID
	}
	if len(evs) > 50 {
		evs = evs[len(evs)-50:]
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		d.Rows = append(d.Rows, liveRow{ID: e.ID, At: e.At, Kind: string(e.Kind), Label: labels[string(e.Kind)], Subject: e.Subject})
	}
	b, _ := json.Marshal(labels)
	d.Labels = template.JS(b)
	s.render(w, rq, http.StatusOK, "events", d)
}

// eventsStream is the SSE stream of the dashboard (session cookie).
func (s *server) eventsStream(w http.ResponseWriter, rq *req) {
	if err := s.opt.Push.ServeSSE(w, rq.Request, rq.P); err != nil {
		ae := apperr.As(err)
		http.Error(w, ae.Message, apperr.Status(ae))
	}
}

type webhooksData struct {
	Hooks       []*push.Webhook
	Form        *form
	KindOptions []option
	Created     *push.NewWebhook
	Result      *push.TestResult
	ResultID    string
	Error       string
}

func (s *server) webhooksData(rq *req, f *form) (*webhooksData, error) {
	ws, err := s.opt.Push.ListWebhooks(rq.Context(), rq.P, "")
	if err != nil {
		return nil, err
	}
	if f == nil {
		f = newForm(nil)
	}
	d := &webhooksData{Hooks: ws, Form: f}
	for _, fk := range familyKeys {
		d.KindOptions = append(d.KindOptions, option{Value: fk[0], Label: rq.T(fk[1])})
	}
	return d, nil
}

func (s *server) webhooksPage(w http.ResponseWriter, rq *req) {
	d, err := s.webhooksData(rq, nil)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "webhooks", d)
}

func (s *server) webhookCreate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	in := push.WebhookInput{URL: strings.TrimSpace(f.Get("url")), Description: strings.TrimSpace(f.Get("description"))}
	for _, k := range f.Values["kinds"] {
		if !slices.Contains(in.Kinds, k) {
			in.Kinds = append(in.Kinds, k)
		}
	}
	rq.here = "/webhooks"
	nw, err := s.opt.Push.CreateWebhook(rq.Context(), rq.P, in)
	status := http.StatusCreated
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden || apperr.CodeOf(err) == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, nil)
	}
	d, derr := s.webhooksData(rq, f)
	if derr != nil {
		s.errorPage(w, rq, derr)
		return
	}
	if err == nil {
		d.Created = nw
		d.Form = newForm(nil)
	}
	s.render(w, rq, status, "webhooks", d)
}

func (s *server) webhookAction(action string) handlerFunc {
	return func(w http.ResponseWriter, rq *req) {
		ctx, id := rq.Context(), rq.PathValue("id")
		var res *push.TestResult
		var err error
		switch action {
		case "test":
			res, err = s.opt.Push.TestWebhook(ctx, rq.P, id)
		case "enable", "disable":
			_, err = s.opt.Push.SetWebhookEnabled(ctx, rq.P, id, action == "enable")
		case "remove":
			err = s.opt.Push.DeleteWebhook(ctx, rq.P, id)
		}
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		if res == nil {
			http.Redirect(w, rq.Request, "/webhooks", http.StatusSeeOther)
			return
		}
		d, err := s.webhooksData(rq, nil)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		d.Result, d.ResultID = res, id
		rq.here = "/webhooks"
		s.render(w, rq, http.StatusOK, "webhooks", d)
	}
}
