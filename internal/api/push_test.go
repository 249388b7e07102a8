package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"sakimori/internal/event"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/push"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/webhook"
)

func init() {
	requestTypes["WebhookInput"] = &push.WebhookInput{}
}

func newPushFixture(t *testing.T, db *store.DB) (*intelFixture, *push.Service) {
	t.Helper()
	f := newIntelFixture(t, db)
	p := push.New(db, inteltest.Quiet)
	p.Intel = f.w.Svc
	p.Webhook = &webhook.Sender{AllowPrivate: true, Attempts: 1}
	f.api = New(f.svc, Options{MaxBodyBytes: 1 << 20, Log: inteltest.Quiet, Version: "test", Intel: f.w.Svc, Push: p})
	f.srv.Config.Handler = f.api
	t.Cleanup(p.Close)
	return f, p
}

func TestPushAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, p := newPushFixture(t, db)
		c := compiler(t, f.api.openapi)
		doc := f.api.openapi
		ctx := context.Background()

		// The stream over the real API handler, with a token; the live
		// event and, after a reconnect, the log replay.
		got := make(chan *push.Wire, 10)
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		go (&push.Client{Base: f.srv.URL, Token: f.tokens["op-b-analyst:read"], Kinds: []string{"alert"}}).Tail(cctx, "", func(e *push.Wire) error {
			got <- e
			return nil
		})
		deadline := time.Now().Add(10 * time.Second)
		for p.Subscribers() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		p.Publish(ctx, &event.Event{Kind: event.ReportStatus, Subject: "not-an-alert", Audience: event.Audience{Everyone: true}},
			&event.Event{Kind: event.AlertPublished, Subject: "for-op-a", Audience: event.Audience{Orgs: []string{f.w.Orgs["op-a"].ID}}},
			&event.Event{Kind: event.AlertPublished, Subject: "for-op-b", Audience: event.Audience{Orgs: []string{f.w.Orgs["op-b"].ID}}, Data: event.Data(map[string]int{"x": 1})})
		select {
		case e := <-got:
			if id3, _ := p.EventID(ctx, 3); e.Subject != "for-op-b" || e.ID != id3 || string(e.Data) != `{"x":1}` {
				t.Fatalf("got %+v", e)
			}
			validate(t, c, "#/components/schemas/Event", e, "SSE event")
		case <-cctx.Done():
			t.Fatal("no event on the stream")
		}

		r := f.do("GET", "/api/v1/events/log?after=0&kinds=alert", "op-b-analyst:read", nil)
		validateResp(t, c, doc, "GET", "/api/v1/events/log", r)
		id1, _ := p.EventID(ctx, 1)
		id3, _ := p.EventID(ctx, 3)
		if m := r.json(t); r.Status != 200 || len(m["events"].([]any)) != 1 || m["next"] == id3 || func() bool { n, err := p.ParseEventID(ctx, "next", m["next"].(string)); return err != nil || n != 3 }() {
			t.Fatalf("log: %d %s", r.Status, r.Body)
		}
		flipped := "A" + id3[1:]
		if id3[0] == 'A' {
			flipped = "B" + id3[1:]
		}
		for _, after := range []string{"-1", "3", flipped} {
			if r := f.do("GET", "/api/v1/events/log?after="+after, "op-b-analyst", nil); r.Status != 400 || !strings.Contains(string(r.Body), "after") {
				t.Fatalf("after=%s: %d %s", after, r.Status, r.Body)
			}
		}
		if r := f.do("GET", "/api/v1/events?kinds=bogus", "op-b-analyst", nil); r.Status != 400 {
			t.Fatalf("kinds=bogus: %d %s", r.Status, r.Body)
		}
		if r := f.do("GET", "/api/v1/events", "", nil); r.Status != 401 {
			t.Fatalf("no token: %d", r.Status)
		}
		// Resume: Last-Event-ID 0 replays what op-b may see.
		req, _ := http.NewRequestWithContext(cctx, "GET", f.srv.URL+"/api/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens["op-b-analyst"])
		req.Header.Set("Last-Event-ID", "0")
		req.Header.Set("Accept", "text/event-stream")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		push.ReadSSE(res.Body, func(m push.Message) error {
			if m.Data != "" {
				ids = append(ids, m.ID)
			}
			if len(ids) == 2 {
				res.Body.Close()
			}
			return nil
		})
		if strings.Join(ids, ",") != id1+","+id3 {
			t.Fatalf("replay ids %v", ids)
		}

		// Webhooks: administrators only; the secret once.
		body := map[string]any{"url": f.srv.URL + "/hook", "kinds": []string{"alert"}, "description": "SOC"}
		if r := f.do("POST", "/api/v1/webhooks", "op-a-analyst", body); r.Status != 403 {
			t.Fatalf("analyst create: %d %s", r.Status, r.Body)
		}
		r = f.do("POST", "/api/v1/webhooks", "op-a-admin", body)
		validateResp(t, c, doc, "POST", "/api/v1/webhooks", r)
		if r.Status != 201 || !strings.HasPrefix(r.json(t)["secret"].(string), "whsec_") {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := r.json(t)["id"].(string)
		r = f.do("GET", "/api/v1/webhooks", "op-a-admin", nil)
		validateResp(t, c, doc, "GET", "/api/v1/webhooks", r)
		if strings.Contains(string(r.Body), "whsec_") {
			t.Fatal("the secret is shown again")
		}
		r = f.do("GET", "/api/v1/webhooks/"+id, "op-a-admin", nil)
		validateResp(t, c, doc, "GET", "/api/v1/webhooks/{id}", r)
		if r := f.do("GET", "/api/v1/webhooks/"+id, "op-b-admin", nil); r.Status != 404 {
			t.Fatalf("other org: %d", r.Status)
		}
		r = f.do("POST", "/api/v1/webhooks/"+id+"/test", "op-a-admin", nil)
		validateResp(t, c, doc, "POST", "/api/v1/webhooks/{id}/test", r)
		if r.json(t)["ok"] != false { // /hook is a 404 of the API
			t.Fatalf("test: %s", r.Body)
		}
		r = f.do("POST", "/api/v1/webhooks/"+id+"/disable", "op-a-admin", nil)
		validateResp(t, c, doc, "POST", "/api/v1/webhooks/{id}/disable", r)
		if r.json(t)["state"] != "disabled" {
			t.Fatalf("disable: %s", r.Body)
		}
		if r := f.do("DELETE", "/api/v1/webhooks/"+id, "op-a-admin", nil); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := f.do("POST", "/api/v1/webhooks", "op-a-admin", map[string]any{"url": "ftp://x"}); r.Status != 400 {
			t.Fatalf("bad url: %d", r.Status)
		}
	})
}
