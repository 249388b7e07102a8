package push_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/event"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/push"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/webhook"
)

// users are one principal per organisation of the reportingtest world
// (inteltest's plus a sector ministry and a police agency).
var users = []string{"nco-analyst", "op-a-analyst", "op-b-analyst", "sup-analyst", "ven-analyst", "isac-analyst", "min-analyst", "npa-analyst"}

// serveWorld serves the SSE stream and the log over real HTTP; the
// bearer "token" is the user name of the world.
func serveWorld(t *testing.T, w *inteltest.World, svc *push.Service) *httptest.Server {
	t.Helper()
	p := func(r *http.Request) *auth.Principal {
		name := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if _, ok := w.Users[name]; !ok {
			return nil
		}
		return w.P(name)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/events", func(rw http.ResponseWriter, r *http.Request) {
		if err := svc.ServeSSE(rw, r, p(r)); err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { svc.Close(); srv.Close() })
	return srv
}

func newService(t *testing.T, db *store.DB, w *inteltest.World) *push.Service {
	svc := push.New(db, inteltest.Quiet)
	svc.Intel = w.Svc
	svc.Webhook = &webhook.Sender{AllowPrivate: true, Attempts: 1, Backoff: 10 * time.Millisecond}
	svc.Poll = 100 * time.Millisecond
	svc.WebhookInterval = 50 * time.Millisecond
	return svc
}

// audiences are the events published: every kind of audience.
func audiences(w *inteltest.World) map[string]event.Audience {
	scope := func(alias string) *event.IntelScope {
		c := w.Colls[alias]
		return &event.IntelScope{Collection: c.ID, TLP: c.TLP, Owner: c.OwnerOrgID}
	}
	return map[string]event.Audience{
		"everyone":    {Everyone: true},
		"gov":         {Gov: true},
		"op-b":        {Orgs: []string{w.Orgs["op-b"].ID}},
		"op-a+sup":    {Orgs: []string{w.Orgs["op-a"].ID, w.Orgs["sup"].ID}},
		"advisories":  {Intel: scope("advisories")},
		"exchange":    {Intel: scope("exchange")},
		"op-a-amber":  {Intel: scope("op-a-amber")},
		"council-red": {Intel: scope("council-red")},
		"red-as-amb":  {Intel: &event.IntelScope{Collection: w.Colls["council-red"].ID, TLP: marking.TLPAmber, Owner: w.Orgs["nco"].ID}},
		"unknown":     {Intel: &event.IntelScope{Collection: "no-such-collection", TLP: marking.TLPClear, Owner: w.Orgs["nco"].ID}},
		"gov+op-b":    {Gov: true, Orgs: []string{w.Orgs["op-b"].ID}},
	}
}

// expected is which organisations each audience admits: independent
// facts about the world, not the push service's decision.
func expected(w *inteltest.World) map[string][]string {
	all := []string{"nco", "op-a", "op-b", "sup", "ven", "isac", "min", "npa"}
	return map[string][]string{
		"everyone":    all,
		"gov":         {"nco", "min", "npa"},
		"op-b":        {"op-b"},
		"op-a+sup":    {"op-a", "sup"},
		"advisories":  all,
		"exchange":    all,
		"op-a-amber":  {"op-a", "op-b"},
		"council-red": {"nco", "op-b"},
		"red-as-amb":  {"nco", "op-b"},
		"unknown":     nil,
		"gov+op-b":    {"nco", "op-b", "min", "npa"},
	}
}

// publishAll publishes one event per audience with the audience's name as
// subject, then a sentinel to everyone.
func publishAll(t *testing.T, svc *push.Service, w *inteltest.World) {
	t.Helper()
	ctx := context.Background()
	names := make([]string, 0)
	for n := range audiences(w) {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := svc.Publish(ctx, &event.Event{Kind: event.AlertPublished, Subject: n, Audience: audiences(w)[n], Data: event.Data(map[string]string{"n": n})}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Publish(ctx, &event.Event{Kind: event.ReportStatus, Subject: "sentinel", Audience: event.Audience{Everyone: true}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Publish(ctx, &event.Event{Kind: event.ReportStatus, Subject: "x"}); err == nil {
		t.Fatal("an event without audience was accepted")
	}
}

// tail reads a stream until the sentinel and returns the subjects.
func tail(t *testing.T, base, user string, after string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	c := &push.Client{Base: base, Token: user, Retry: 50 * time.Millisecond}
	err := c.Tail(ctx, after, func(e *push.Wire) error {
		if e.Subject == "sentinel" {
			return push.ErrStop
		}
		got = append(got, e.Subject)
		return nil
	})
	if err != nil || ctx.Err() != nil {
		t.Fatalf("%s: tail: %v %v (got %v)", user, err, ctx.Err(), got)
	}
	sort.Strings(got)
	return got
}

func want(w *inteltest.World, orgKey string) []string {
	var out []string
	for aud, orgs := range expected(w) {
		if slices.Contains(orgs, orgKey) {
			out = append(out, aud)
		}
	}
	sort.Strings(out)
	return out
}

// TestEntitlement: no event reaches an organisation outside its audience,
// live, on replay, in the log and by webhook; each reaches every
// organisation inside it.
func TestEntitlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := reportingtest.New(t, db)
		svc := newService(t, db, w)
		srv := serveWorld(t, w, svc)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()

		// Webhooks: one per organisation, each to its own receiver.
		var mu sync.Mutex
		hooked := map[string][]string{}
		secrets := map[string]string{}
		recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			orgKey := strings.TrimPrefix(r.URL.Path, "/")
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if !webhook.Verify(secrets[orgKey], r.Header.Get(webhook.HeaderTimestamp), body, r.Header.Get(webhook.HeaderSignature)) {
				t.Errorf("%s: bad signature", orgKey)
			}
			var ev struct {
				ID   string          `json:"id"`
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			}
			json.Unmarshal(body, &ev)
			var d map[string]string
			json.Unmarshal(ev.Data, &d)
			if d["n"] != "" {
				hooked[orgKey] = append(hooked[orgKey], d["n"])
			} else {
				hooked[orgKey] = append(hooked[orgKey], "sentinel")
			}
			if r.Header.Get(webhook.HeaderDelivery) != ev.ID {
				t.Errorf("delivery id %q vs %q", r.Header.Get(webhook.HeaderDelivery), ev.ID)
			}
		}))
		defer recv.Close()
		for _, u := range users {
			orgKey := strings.TrimSuffix(u, "-analyst")
			admin := auth.System("test") // the ministry and the police have no administrator in the world
			if _, ok := w.Users[orgKey+"-admin"]; ok {
				admin = w.P(orgKey + "-admin")
			}
			nw, err := svc.CreateWebhook(ctx, admin, push.WebhookInput{OrgID: w.Orgs[orgKey].ID, URL: recv.URL + "/" + orgKey})
			if err != nil {
				t.Fatal(err)
			}
			secrets[orgKey] = nw.Secret
		}
		svc.Start(ctx)

		// Live streams, connected before anything is published.
		type result struct {
			user string
			got  []string
		}
		res := make(chan result, len(users))
		for _, u := range users {
			go func() { res <- result{u, tail(t, srv.URL, u, "")} }()
		}
		waitFor(t, func() bool { return svc.Subscribers() == len(users) })
		publishAll(t, svc, w)
		for range users {
			r := <-res
			orgKey := strings.TrimSuffix(r.user, "-analyst")
			if !slices.Equal(r.got, want(w, orgKey)) {
				t.Errorf("live %s got %v, want %v", r.user, r.got, want(w, orgKey))
			}
		}
		// Replay from the start of the log.
		for _, u := range users {
			orgKey := strings.TrimSuffix(u, "-analyst")
			if got := tail(t, srv.URL, u, push.LogStart); !slices.Equal(got, want(w, orgKey)) {
				t.Errorf("replay %s got %v, want %v", u, got, want(w, orgKey))
			}
			pg, err := svc.EventLog(ctx, w.P(u), push.LogStart, 1000, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range pg.Events {
				if e.Subject != "sentinel" {
					got = append(got, e.Subject)
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, want(w, orgKey)) {
				t.Errorf("log %s got %v, want %v", u, got, want(w, orgKey))
			}
		}
		// Webhooks.
		waitFor(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, u := range users {
				if h := hooked[strings.TrimSuffix(u, "-analyst")]; len(h) == 0 || h[len(h)-1] != "sentinel" {
					return false
				}
			}
			return true
		})
		mu.Lock()
		for orgKey, got := range hooked {
			got = slices.Clone(got[:len(got)-1])
			sort.Strings(got)
			if !slices.Equal(got, want(w, orgKey)) {
				t.Errorf("webhook %s got %v, want %v", orgKey, got, want(w, orgKey))
			}
		}
		mu.Unlock()
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestResume: a client that disconnects repeatedly while events are
// published gets every event exactly once, in order.
func TestResume(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := inteltest.New(t, db)
		svc := newService(t, db, w)
		srv := serveWorld(t, w, svc)
		const n = 300
		go func() {
			for i := 1; i <= n; i++ {
				svc.Publish(context.Background(), &event.Event{Kind: event.AlertUpdated, Subject: strconv.Itoa(i), Audience: event.Audience{Everyone: true}})
				if i%50 == 0 {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
		var got []string
		after := push.LogStart
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for len(got) < n && ctx.Err() == nil {
			// Each connection reads at most 37 events, then hangs up and
			// resumes from the id of the last one.
			c := &push.Client{Base: srv.URL, Token: "op-a-analyst", Retry: 10 * time.Millisecond}
			k := 0
			c.Tail(ctx, after, func(e *push.Wire) error {
				got = append(got, e.Subject)
				after = e.ID
				if k++; k == 37 || len(got) == n {
					return push.ErrStop
				}
				return nil
			})
		}
		if len(got) != n {
			t.Fatalf("got %d events, want %d", len(got), n)
		}
		for i, s := range got {
			if s != strconv.Itoa(i+1) {
				t.Fatalf("event %d is %s: gap or duplicate", i+1, s)
			}
		}
	})
}

// TestSlowSubscriber: a subscriber that does not keep up is cut off; its
// client resumes and loses nothing.
func TestSlowSubscriber(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	svc := newService(t, db, w)
	svc.Buffer = 4
	ctx := context.Background()
	sub, err := svc.Subscribe(ctx, w.P("op-a-analyst"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		svc.Publish(ctx, &event.Event{Kind: event.AlertUpdated, Subject: "s", Audience: event.Audience{Everyone: true}})
	}
	select {
	case <-sub.Done():
		if sub.Reason() != "slow" {
			t.Fatalf("ended: %s", sub.Reason())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a slow subscriber was not cut off")
	}
	svc.Unsubscribe(sub)
	srv := serveWorld(t, w, svc)
	var got int
	c := &push.Client{Base: srv.URL, Token: "op-a-analyst"}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c.Tail(cctx, push.LogStart, func(e *push.Wire) error {
		if got++; got == 10 {
			return push.ErrStop
		}
		return nil
	})
	if got != 10 {
		t.Fatalf("resumed and got %d of 10", got)
	}
}

// TestCloseEndsStreams: closing the service ends open streams at once.
func TestCloseEndsStreams(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	svc := newService(t, db, w)
	srv := serveWorld(t, w, svc)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer op-a-analyst")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	done := make(chan error, 1)
	go func() { _, err := io.ReadAll(resp.Body); done <- err }()
	waitFor(t, func() bool { return svc.Subscribers() == 1 })
	start := time.Now()
	svc.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stream ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open after Close")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

// TestBadRequests: parameters are validated before the stream starts;
// principals without an organisation get nothing.
func TestBadRequests(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	svc := newService(t, db, w)
	srv := serveWorld(t, w, svc)
	for _, tc := range []struct{ q, hdr, user string }{
		{"?kinds=nope", "", "op-a-analyst"},
		{"", "abc", "op-a-analyst"},
		{"?last_event_id=-1", "", "op-a-analyst"},
		{"?last_event_id=5", "", "op-a-analyst"},                        // a seq is not an id
		{"", "AAAAAAAAAAAAAAAAAAAAAA", "op-a-analyst"},                  // made up
		{"?last_event_id=AAAAAAAAAAAAAAAAAAAAA%2B", "", "op-a-analyst"}, // not base64url
		{"", "", "nobody"},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events"+tc.q, nil)
		req.Header.Set("Authorization", "Bearer "+tc.user)
		if tc.hdr != "" {
			req.Header.Set("Last-Event-ID", tc.hdr)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%+v: status %d", tc, resp.StatusCode)
		}
	}
	if _, err := push.ParseKinds("alert,indicator.added"); err != nil {
		t.Fatal(err)
	}
	if !push.MatchKinds([]string{"alert"}, event.AlertWithdrawn) || push.MatchKinds([]string{"alert.published"}, event.AlertWithdrawn) {
		t.Fatal("MatchKinds")
	}
}

// TestWebhookFailures: a failing endpoint keeps its cursor (nothing is
// lost: the events arrive once it recovers), its failures are visible, and
// it is disabled after MaxFailures in a row.
func TestWebhookFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := inteltest.New(t, db)
		svc := newService(t, db, w)
		svc.MaxFailures = 3
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var mu sync.Mutex
		failing := true
		var ids []string
		recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if failing {
				rw.WriteHeader(503)
				return
			}
			ids = append(ids, r.Header.Get(webhook.HeaderDelivery))
		}))
		defer recv.Close()
		admin := w.P("op-a-admin")
		if _, err := svc.CreateWebhook(ctx, w.P("op-a-analyst"), push.WebhookInput{URL: recv.URL}); err == nil {
			t.Fatal("an analyst created a webhook")
		}
		if _, err := svc.CreateWebhook(ctx, admin, push.WebhookInput{URL: "ftp://x"}); err == nil {
			t.Fatal("a bad URL was accepted")
		}
		nw, err := svc.CreateWebhook(ctx, admin, push.WebhookInput{URL: recv.URL, Kinds: []string{"alert"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.GetWebhook(ctx, w.P("op-b-admin"), nw.ID); err == nil {
			t.Fatal("another organisation's admin sees the webhook")
		}
		if r, _ := svc.TestWebhook(ctx, admin, nw.ID); r.OK {
			t.Fatal("ping succeeded against a failing endpoint")
		}
		svc.Start(ctx)
		svc.Publish(ctx, &event.Event{Kind: event.AlertPublished, Subject: "1", Audience: event.Audience{Everyone: true}},
			&event.Event{Kind: event.ReportStatus, Subject: "2", Audience: event.Audience{Everyone: true}},
			&event.Event{Kind: event.AlertUpdated, Subject: "3", Audience: event.Audience{Everyone: true}})
		// Fails, backs off (1 s, 2 s), and is disabled after the third failure.
		waitFor(t, func() bool {
			h, _ := svc.GetWebhook(ctx, admin, nw.ID)
			return h.State == store.WebhookDisabled
		})
		h, _ := svc.GetWebhook(ctx, admin, nw.ID)
		if h.Failures != 3 || !strings.Contains(h.LastError, "503") || h.Cursor != nw.Cursor {
			t.Fatalf("after failures: %+v", h)
		}
		mu.Lock()
		failing = false
		mu.Unlock()
		if r, _ := svc.TestWebhook(ctx, admin, nw.ID); !r.OK {
			t.Fatalf("ping: %+v", r)
		}
		if _, err := svc.SetWebhookEnabled(ctx, admin, nw.ID, true); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(ids) >= 3 })
		mu.Lock()
		// The ping, then events 1 and 3 (2 is not an alert).
		got := fmt.Sprint(ids[1:])
		mu.Unlock()
		// Delivery ids are event ids (ids.go): the seqs after the cursor,
		// encrypted; the cursor shown is the id of the cursor's seq.
		seq := nw.Webhook.Webhook.Cursor
		e1, _ := svc.EventID(ctx, seq+1)
		e3, _ := svc.EventID(ctx, seq+3)
		if got != fmt.Sprintf("[%s %s]", e1, e3) {
			t.Fatalf("deliveries %s (cursor was %d: want %s, %s)", got, seq, e1, e3)
		}
		if got, err := svc.ParseEventID(ctx, "cursor", nw.Cursor); err != nil || got != seq {
			t.Fatalf("cursor shown %q decodes to %d, %v; want %d", nw.Cursor, got, err, seq)
		}
		if err := svc.DeleteWebhook(ctx, admin, nw.ID); err != nil {
			t.Fatal(err)
		}
		ws, _ := svc.ListWebhooks(ctx, admin, "")
		if len(ws) != 0 {
			t.Fatalf("after delete: %d", len(ws))
		}
	})
}

// TestTwoNodes: two push services on one PostgreSQL; an event published
// on node A reaches a subscriber on node B, over NATS JetStream and, with
// NATS off, by polling the log. Only one node delivers each webhook.
func TestTwoNodes(t *testing.T) {
	for _, mode := range []string{"nats", "poll"} {
		t.Run(mode, func(t *testing.T) {
			dsn := storetest.DSN(t, store.Postgres)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), dsn, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			dbA := open()
			if _, err := dbA.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			w := inteltest.New(t, dbA)
			dbB := open()
			a, b := newService(t, dbA, w), newService(t, dbB, w)
			if mode == "nats" {
				needNATS(t)
				a.NATS, b.NATS = natsURL(), natsURL()
				t.Cleanup(func() { dropStream(t, dbA) })
				a.Poll, b.Poll = time.Hour, time.Hour // NATS alone carries the events
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			deliveries := map[string]int{}
			recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				mu.Lock()
				deliveries[r.Header.Get(webhook.HeaderDelivery)]++
				mu.Unlock()
			}))
			defer recv.Close()
			if _, err := a.CreateWebhook(ctx, w.P("op-b-admin"), push.WebhookInput{URL: recv.URL}); err != nil {
				t.Fatal(err)
			}
			a.Start(ctx)
			b.Start(ctx)
			if mode == "nats" {
				for _, s := range []*push.Service{a, b} {
					select {
					case <-s.NATSReady():
					case <-time.After(15 * time.Second):
						t.Fatalf("NATS at %s not ready (a JetStream server is required)", natsURL())
					}
				}
			}
			srvB := serveWorld(t, w, b)
			got := make(chan []string, 1)
			go func() { got <- tail(t, srvB.URL, "op-b-analyst", "") }()
			waitFor(t, func() bool { return b.Subscribers() == 1 })
			// One deployment, one id key: either node resumes the other's ids.
			ia, errA := a.EventID(ctx, 5)
			ib, errB := b.EventID(ctx, 5)
			if errA != nil || errB != nil || ia != ib {
				t.Fatalf("nodes disagree on event ids: %q %v, %q %v", ia, errA, ib, errB)
			}
			start := time.Now()
			for i := 0; i < 20; i++ {
				aud := event.Audience{Orgs: []string{w.Orgs["op-b"].ID}}
				if i%2 == 1 {
					aud = event.Audience{Orgs: []string{w.Orgs["op-a"].ID}} // not for op-b
				}
				if err := a.Publish(ctx, &event.Event{Kind: event.ReportStatus, Subject: fmt.Sprintf("e%02d", i), Audience: aud}); err != nil {
					t.Fatal(err)
				}
			}
			a.Publish(ctx, &event.Event{Kind: event.ReportStatus, Subject: "sentinel", Audience: event.Audience{Everyone: true}})
			var subjects []string
			select {
			case subjects = <-got:
			case <-time.After(20 * time.Second):
				t.Fatal("node B's subscriber got nothing")
			}
			t.Logf("%s: 21 events from A to a subscriber on B in %s", mode, time.Since(start))
			if len(subjects) != 10 {
				t.Fatalf("B got %v", subjects)
			}
			for _, s := range subjects {
				n, _ := strconv.Atoi(s[1:])
				if n%2 == 1 {
					t.Fatalf("op-b got %s", s)
				}
			}
			waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(deliveries) == 11 })
			time.Sleep(300 * time.Millisecond)
			mu.Lock()
			for id, n := range deliveries {
				if n != 1 {
					t.Errorf("delivery %s sent %d times", id, n)
				}
			}
			mu.Unlock()
		})
	}
}

// TestHeartbeat: an idle stream carries heartbeat comments.
func TestHeartbeat(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	svc := newService(t, db, w)
	svc.Heartbeat = 50 * time.Millisecond
	srv := serveWorld(t, w, svc)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer op-a-analyst")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 0, 256)
	tmp := make([]byte, 64)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(string(buf), ": heartbeat\n\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no heartbeat in %q", buf)
		}
		n, err := resp.Body.Read(tmp)
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, tmp[:n]...)
	}
	if !strings.HasPrefix(string(buf), "retry: 2000\nid: 0\n\n") {
		t.Fatalf("preamble %q", buf)
	}
}

// TestStreamAge: a stream ends after MaxStreamAge and the client resumes
// without loss, entitled afresh.
func TestStreamAge(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	svc := newService(t, db, w)
	svc.MaxStreamAge = 100 * time.Millisecond
	srv := serveWorld(t, w, svc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	conns := 0
	c := &push.Client{Base: srv.URL, Token: "op-a-analyst", Retry: 10 * time.Millisecond, OnError: func(error) { conns++ }}
	go func() {
		for i := 1; i <= 10; i++ {
			svc.Publish(ctx, &event.Event{Kind: event.AlertUpdated, Subject: strconv.Itoa(i), Audience: event.Audience{Everyone: true}})
			time.Sleep(40 * time.Millisecond)
		}
	}()
	c.Tail(ctx, push.LogStart, func(e *push.Wire) error {
		got = append(got, e.Subject)
		if len(got) == 10 {
			return push.ErrStop
		}
		return nil
	})
	if len(got) != 10 || conns == 0 {
		t.Fatalf("got %v over %d reconnects", got, conns)
	}
	for i, s := range got {
		if s != strconv.Itoa(i+1) {
			t.Fatalf("events %v", got)
		}
	}
}

// TestGroupCommit: concurrent Publish calls share commits, yet each call's
// batch is stored whole and in order, and every seq is used once.
func TestGroupCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := push.New(db, nil)
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[int64]bool{}
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					evs := []*event.Event{
						{Kind: event.AlertPublished, Subject: "a", Audience: event.Audience{Everyone: true}},
						{Kind: event.AlertUpdated, Subject: "b", Audience: event.Audience{Everyone: true}},
						{Kind: event.AlertWithdrawn, Subject: "c", Audience: event.Audience{Everyone: true}},
					}
					if err := p.Publish(context.Background(), evs...); err != nil {
						t.Error(err)
						return
					}
					if evs[1].Seq != evs[0].Seq+1 || evs[2].Seq != evs[1].Seq+1 {
						t.Errorf("batch seqs %d %d %d", evs[0].Seq, evs[1].Seq, evs[2].Seq)
					}
					mu.Lock()
					for _, e := range evs {
						if seen[e.Seq] {
							t.Errorf("seq %d twice", e.Seq)
						}
						seen[e.Seq] = true
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if n, _ := db.LastEventSeq(context.Background()); n != 16*20*3 || len(seen) != int(n) {
			t.Fatalf("head %d, %d seqs", n, len(seen))
		}
	})
}

// TestMaxSubscribers: a node refuses streams beyond its limit.
func TestMaxSubscribers(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	w := inteltest.New(t, db)
	svc := newService(t, db, w)
	svc.MaxSubscribers = 2
	ctx := context.Background()
	a, err := svc.Subscribe(ctx, w.P("op-a-analyst"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Subscribe(ctx, w.P("op-b-analyst"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Subscribe(ctx, w.P("nco-analyst"), nil); apperr.CodeOf(err) != apperr.CodeUnavailable {
		t.Fatalf("third stream: %v", err)
	}
	svc.Unsubscribe(a)
	if _, err := svc.Subscribe(ctx, w.P("nco-analyst"), nil); err != nil {
		t.Fatalf("after one closed: %v", err)
	}
	if _, err := svc.Subscribe(ctx, &auth.Principal{System: "cli"}, nil); err == nil {
		t.Fatal("a principal without an organisation subscribed")
	}
}
