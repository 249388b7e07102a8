package store_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/event"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestEventLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if n, err := db.LastEventSeq(ctx); err != nil || n != 0 {
			t.Fatalf("LastEventSeq on empty = %d, %v", n, err)
		}
		// Concurrent publishers: seqs are dense and strictly increasing.
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					evs := []*event.Event{
						{Kind: event.AlertPublished, Subject: "a", Audience: event.Audience{Everyone: true}, Data: event.Data(map[string]int{"i": i})},
						{Kind: event.ReportStatus, Subject: "r", Audience: event.Audience{Orgs: []string{"x"}}},
					}
					if err := db.AppendEvents(ctx, evs); err != nil {
						t.Error(err)
						return
					}
					if evs[1].Seq != evs[0].Seq+1 {
						t.Errorf("batch seqs %d %d", evs[0].Seq, evs[1].Seq)
					}
				}
			}()
		}
		wg.Wait()
		all, err := db.EventsAfter(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 40 {
			t.Fatalf("stored %d events, want 40", len(all))
		}
		for i, e := range all {
			if e.Seq != int64(i+1) {
				t.Fatalf("event %d has seq %d", i, e.Seq)
			}
			if e.Kind == event.ReportStatus && (len(e.Audience.Orgs) != 1 || e.Audience.Orgs[0] != "x" || string(e.Data) != "null") {
				t.Fatalf("round trip: %+v %s", e.Audience, e.Data)
			}
		}
		if n, _ := db.LastEventSeq(ctx); n != 40 {
			t.Fatalf("LastEventSeq = %d", n)
		}
		page, _ := db.EventsAfter(ctx, 38, 10)
		if len(page) != 2 || page[0].Seq != 39 {
			t.Fatalf("after 38: %d events", len(page))
		}
		n, err := db.PruneEvents(ctx, time.Now().Add(time.Hour))
		if err != nil || n != 40 {
			t.Fatalf("PruneEvents = %d, %v", n, err)
		}
		// The head survives pruning: seqs never go back.
		evs := []*event.Event{{Kind: event.AlertPublished, Subject: "a", Audience: event.Audience{Gov: true}}}
		if err := db.AppendEvents(ctx, evs); err != nil || evs[0].Seq != 41 {
			t.Fatalf("after prune seq = %d, %v", evs[0].Seq, err)
		}
	})
}

func TestWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := mustCreateOrg(t, db, newOrg("op", org.KindOperator, org.Sectors[0]))
		if err := db.AppendEvents(ctx, []*event.Event{{Kind: event.AlertPublished, Subject: "a", Audience: event.Audience{Everyone: true}}}); err != nil {
			t.Fatal(err)
		}
		w := &store.Webhook{OrgID: o.ID, URL: "https://hooks.example/x?token=s", Secret: "k", Kinds: []string{"alert"}, CreatedBy: "u"}
		if err := db.CreateWebhook(ctx, cli, w); err != nil {
			t.Fatal(err)
		}
		if w.Cursor != 1 || w.State != store.WebhookActive {
			t.Fatalf("new webhook: %+v", w)
		}
		got, err := db.GetWebhook(ctx, w.ID)
		if err != nil || got.Secret != "k" || got.Kinds[0] != "alert" {
			t.Fatalf("GetWebhook: %+v %v", got, err)
		}
		until := time.Now().Add(time.Minute)
		if _, ok, err := db.LeaseWebhook(ctx, w.ID, "node-a", until); err != nil || !ok {
			t.Fatalf("lease a: %v %v", ok, err)
		}
		if _, ok, err := db.LeaseWebhook(ctx, w.ID, "node-b", until); err != nil || ok {
			t.Fatalf("lease b while a holds it: %v %v", ok, err)
		}
		if err := db.WebhookAdvanced(ctx, w.ID, "node-b", 5, true); apperr.CodeOf(err) != apperr.CodeConflict {
			t.Fatalf("advance without lease: %v", err)
		}
		if err := db.WebhookAdvanced(ctx, w.ID, "node-a", 5, true); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			disabled, err := db.WebhookFailed(ctx, w.ID, "node-a", "status 500", 3)
			if err != nil || disabled != (i == 3) {
				t.Fatalf("failure %d: %v %v", i, disabled, err)
			}
		}
		got, _ = db.GetWebhook(ctx, w.ID)
		if got.State != store.WebhookDisabled || got.Failures != 3 || got.LastError != "status 500" || got.Cursor != 5 {
			t.Fatalf("after failures: %+v", got)
		}
		if _, ok, _ := db.LeaseWebhook(ctx, w.ID, "node-a", until); ok {
			t.Fatal("a disabled webhook was leased")
		}
		if err := db.SetWebhookState(ctx, cli, w.ID, store.WebhookActive); err != nil {
			t.Fatal(err)
		}
		if err := db.ReleaseWebhook(ctx, w.ID, "node-a"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := db.LeaseWebhook(ctx, w.ID, "node-b", until); !ok {
			t.Fatal("b could not lease after release")
		}
		ws, _ := db.ListWebhooks(ctx, o.ID, store.WebhookActive)
		if len(ws) != 1 {
			t.Fatalf("ListWebhooks = %d", len(ws))
		}
		if err := db.DeleteWebhook(ctx, cli, w.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetWebhook(ctx, w.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("after delete: %v", err)
		}
		// Creation, the automatic disabling, enabling and removal are audited,
		// never with the secret or the URL's path and query.
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "webhook.", ObjectID: w.ID})
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range es {
			acts = append(acts, e.Action)
			if strings.Contains(e.Detail, "token=s") || strings.Contains(e.Detail, "/x") {
				t.Errorf("audit detail leaks the URL: %q", e.Detail)
			}
		}
		slices.Sort(acts)
		if strings.Join(acts, ",") != "webhook.create,webhook.delete,webhook.disable,webhook.enable" {
			t.Fatalf("audited %v", acts)
		}
	})
}
