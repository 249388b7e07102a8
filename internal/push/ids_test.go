package push_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/event"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/push"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// TestEventIDsHideTheLog: what a subscriber is given (SSE ids, the preamble
// of a live stream, event JSON, log pages) never carries the platform's
// event sequence, so an organisation cannot count the events others get;
// the ids still resume exactly.
func TestEventIDsHideTheLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		svc := newService(t, db, w)
		srv := serveWorld(t, w, svc)
		opA := event.Audience{Orgs: []string{w.Orgs["op-a"].ID}}
		opB := event.Audience{Orgs: []string{w.Orgs["op-b"].ID}}
		publish := func(n int, aud event.Audience, subject string) {
			for range n {
				if err := svc.Publish(ctx, &event.Event{Kind: event.ReportStatus, Subject: subject, Audience: aud}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// 40 events op-b is not told about, then one for op-b, 40 more, one more.
		publish(40, opA, "a")
		publish(1, opB, "b1")
		publish(40, opA, "a")
		publish(1, opB, "b2")
		head, err := db.LastEventSeq(ctx)
		if err != nil || head != 82 {
			t.Fatalf("head %d, %v", head, err)
		}
		// The stream from the start of the log: two events, opaque ids.
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events?last_event_id=0", nil)
		req.Header.Set("Authorization", "Bearer op-b-analyst")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		err = push.ReadSSE(resp.Body, func(m push.Message) error {
			if m.Data != "" {
				// The event as JSON: its id is the SSE id; no seq.
				var e map[string]any
				if err := json.Unmarshal([]byte(m.Data), &e); err != nil || e["id"] != m.ID || e["seq"] != nil {
					t.Errorf("event %q (SSE id %q)", m.Data, m.ID)
				}
				ids = append(ids, m.ID)
				if len(ids) == 2 {
					return push.ErrStop
				}
			}
			return nil
		})
		resp.Body.Close()
		if len(ids) != 2 || ids[0] == ids[1] {
			t.Fatalf("ids %v (%v)", ids, err)
		}
		for _, id := range ids {
			if !idRE.MatchString(id) {
				t.Errorf("id %q is not 22 characters of base64url", id)
			}
		}

		// A live stream's preamble: where it starts, opaque too, and fresh:
		// two streams started with nothing published in between do not
		// get the same text (which would say that nothing happened).
		preamble := func() string {
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/events", nil)
			req.Header.Set("Authorization", "Bearer op-b-analyst")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			var pre string
			for !strings.HasSuffix(pre, "\n\n") {
				l, err := br.ReadString('\n')
				if err != nil {
					t.Fatal(err)
				}
				pre += l
			}
			m := regexp.MustCompile(`(?m)^id: (.*)$`).FindStringSubmatch(pre)
			if m == nil || !idRE.MatchString(m[1]) {
				t.Fatalf("preamble %q", pre)
			}
			if seq, err := svc.ParseEventID(ctx, "x", m[1]); err != nil || seq != head {
				t.Errorf("preamble id decodes to %d, %v; want the head %d", seq, err, head)
			}
			return m[1]
		}
		if a, b := preamble(), preamble(); a == b {
			t.Errorf("two preambles at one head are the same text %q", a)
		}

		// The log for pollers: the events and next are opaque.
		pg, err := svc.EventLog(ctx, w.P("op-b-analyst"), push.LogStart, 1000, nil)
		if err != nil || len(pg.Events) != 2 {
			t.Fatalf("log: %+v, %v", pg, err)
		}
		if pg.Events[0].ID != ids[0] || pg.Events[1].ID != ids[1] {
			t.Errorf("log ids %s %s, stream ids %v", pg.Events[0].ID, pg.Events[1].ID, ids)
		}
		if !idRE.MatchString(pg.Next) {
			t.Errorf("the log's next %q", pg.Next)
		}
		if again, err := svc.EventLog(ctx, w.P("op-b-analyst"), push.LogStart, 1000, nil); err != nil || again.Next == pg.Next {
			t.Errorf("the same page twice has the same next %q (%v)", pg.Next, err)
		}
		// Resuming from the first id gives the second event only.
		pg, err = svc.EventLog(ctx, w.P("op-b-analyst"), ids[0], 1000, nil)
		if err != nil || len(pg.Events) != 1 || pg.Events[0].Subject != "b2" {
			t.Fatalf("resume: %+v, %v", pg, err)
		}

		// Ids round-trip, differ, and any edit is refused.
		seen := map[string]bool{}
		for seq := int64(1); seq <= 500; seq++ {
			id, err := svc.EventID(ctx, seq)
			if err != nil || !idRE.MatchString(id) || seen[id] {
				t.Fatalf("EventID(%d) = %q, %v", seq, id, err)
			}
			seen[id] = true
			if got, err := svc.ParseEventID(ctx, "after", id); err != nil || got != seq {
				t.Fatalf("ParseEventID(EventID(%d)) = %d, %v", seq, got, err)
			}
		}
		id, _ := svc.EventID(ctx, 41)
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		for i := range id {
			for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, id[i])+1)%64], alphabet[(strings.IndexByte(alphabet, id[i])+37)%64]} {
				bad := id[:i] + string(c) + id[i+1:]
				if seq, err := svc.ParseEventID(ctx, "after", bad); err == nil {
					t.Errorf("edited id %q accepted as %d", bad, seq)
				} else if apperr.CodeOf(err) != apperr.CodeInvalid || !strings.Contains(err.Error(), "after") {
					t.Errorf("edited id: %v", err)
				}
			}
		}
		for _, bad := range []string{"", "-1", "41", "1e3", strings.Repeat("A", 22), strings.Repeat("A", 23), id + "=", " " + id[1:]} {
			if _, err := svc.ParseEventID(ctx, "after", bad); err == nil {
				t.Errorf("%q accepted", bad)
			}
		}
		if got, err := svc.ParseEventID(ctx, "after", " "+id+"\n"); err != nil || got != 41 {
			t.Errorf("an id with spaces around: %d, %v", got, err)
		}
	})
}

// TestEventIDsPerDeployment: another deployment (another database) has
// another key, so its ids mean nothing here; the key survives a restart.
func TestEventIDsPerDeployment(t *testing.T) {
	ctx := context.Background()
	db1, db2 := storetest.Open(t, store.SQLite), storetest.Open(t, store.SQLite)
	a := push.New(db1, inteltest.Quiet)
	b := push.New(db2, inteltest.Quiet)
	t.Cleanup(func() { a.Close(); b.Close() })
	ida, err := a.EventID(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	idb, err := b.EventID(ctx, 7)
	if err != nil || ida == idb {
		t.Fatalf("two deployments gave %q and %q, %v", ida, idb, err)
	}
	if _, err := a.ParseEventID(ctx, "Last-Event-ID", idb); err == nil || !strings.Contains(err.Error(), "Last-Event-ID") {
		t.Fatalf("another deployment's id: %v", err)
	}
	// A new service on the same store (a restart) reads the same key.
	again := push.New(db1, inteltest.Quiet)
	t.Cleanup(again.Close)
	if id, err := again.EventID(ctx, 7); err != nil || id != ida {
		t.Fatalf("after a restart %q, %v; want %q", id, err, ida)
	}
	if seq, err := again.ParseEventID(ctx, "after", ida); err != nil || seq != 7 {
		t.Fatalf("after a restart: %d, %v", seq, err)
	}
}
