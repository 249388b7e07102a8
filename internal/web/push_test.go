package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sakimori/internal/event"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/push"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

func TestLiveEventsPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := inteltest.New(t, db)
		p := push.New(db, inteltest.Quiet)
		p.Intel = w.Svc
		t.Cleanup(p.Close)
		e := serveWorld(t, db, w, web.Options{Push: p})
		ctx := context.Background()
		p.Publish(ctx, &event.Event{Kind: event.AlertPublished, Subject: "alert-for-op-a", Audience: event.Audience{Orgs: []string{w.Orgs["op-a"].ID}}},
			&event.Event{Kind: event.ClusterCreated, Subject: "cluster-for-gov", Audience: event.Audience{Gov: true}})

		for _, lang := range []string{"ja", "en"} {
			c := e.client(lang)
			c.login(w.Users["op-a-analyst"].Email)
			pg := c.get("/events").must(t, 200)
			pg.has(t, "alert-for-op-a", `<script src="/static/push.js?v=`, `data-stream="/events/stream"`, `<script type="application/json" id="live-labels">{"alert.acknowledged":`)
			pg.hasNot(t, "cluster-for-gov", "/webhooks\"") // an analyst manages no webhooks
			// The stream resumes after the newest event op-a may see (the
			// alert, 1), never the platform's head (the cluster, 2): the
			// page must not count others' events.
			id1, _ := p.EventID(ctx, 1)
			id2, _ := p.EventID(ctx, 2)
			pg.has(t, `data-last="`+id1+`"`, `data-id="`+id1+`"`)
			pg.hasNot(t, id2, `data-seq`)
			if lang == "ja" {
				pg.has(t, "ライブイベント", "注意喚起の発出")
			} else {
				pg.has(t, "Live events", "Alert published")
			}
			if csp := pg.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Fatalf("CSP %q", csp)
			}
			js := c.get("/static/push.js").must(t, 200)
			if !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || !strings.Contains(js.Body, "EventSource") {
				t.Fatalf("push.js: %s", js.Header.Get("Content-Type"))
			}
		}

		// Someone who sees no event gets a stream that starts live.
		ob := e.client("en")
		ob.login(w.Users["op-b-analyst"].Email)
		ob.get("/events").must(t, 200).hasNot(t, "data-last", "alert-for-op-a", "cluster-for-gov")

		// The stream, with the session cookie, resuming from 0.
		c := e.client("en")
		c.login(w.Users["nco-analyst"].Email)
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(rctx, "GET", e.srv.URL+"/events/stream?last_event_id=0", nil)
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var subjects []string
		push.ReadSSE(resp.Body, func(m push.Message) error {
			if m.Data != "" {
				subjects = append(subjects, m.Event)
				resp.Body.Close()
			}
			return nil
		})
		if len(subjects) != 1 || subjects[0] != "cluster.created" {
			t.Fatalf("nco stream: %v", subjects)
		}
		if r := e.client("en").get("/events/stream"); r.Status != http.StatusSeeOther {
			t.Fatalf("stream without a session: %d", r.Status)
		}

		// Webhooks: the administrator adds one (secret shown once), lists,
		// disables and removes it.
		a := e.client("en")
		a.login(w.Users["op-a-admin"].Email)
		a.get("/events").must(t, 200).has(t, `href="/webhooks"`)
		pg := a.post("/webhooks", url.Values{"url": {"https://hooks.example.jp/sakimori"}, "kinds": {"alert", "indicator"}, "description": {"SOC"}}).must(t, 201)
		pg.has(t, "whsec_", "https://hooks.example.jp/sakimori")
		id := regexp.MustCompile(`<tr id="webhook-([^"]+)"`).FindStringSubmatch(pg.Body)
		if id == nil {
			t.Fatal("no webhook row")
		}
		a.get("/webhooks").must(t, 200).hasNot(t, "whsec_")
		a.post("/webhooks", url.Values{"url": {"ftp://x"}}).must(t, 400)
		a.post("/webhooks/"+id[1]+"/disable", nil).must(t, 303)
		a.get("/webhooks").must(t, 200).has(t, "Disabled")
		b := e.client("en")
		b.login(w.Users["op-b-admin"].Email)
		b.post("/webhooks/"+id[1]+"/remove", nil).must(t, 404)
		a.post("/webhooks/"+id[1]+"/remove", nil).must(t, 303)
		a.get("/webhooks").must(t, 200).hasNot(t, "hooks.example.jp")
		e.client("en").get("/webhooks").must(t, 303)
		an := e.client("ja")
		an.login(w.Users["op-a-analyst"].Email)
		an.get("/webhooks").must(t, 403)
	})
}
