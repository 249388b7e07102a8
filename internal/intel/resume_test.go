package intel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestJobResumesAfterInterruption stops the worker after the first stored
// batch of an asynchronous job (as a crash or shutdown would) and checks
// that the next worker finishes it without storing or counting anything
// twice.
func TestJobResumesAfterInterruption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		act := audit.Actor{Name: "cli"}
		o := &org.Organisation{Slug: "nco", Kind: org.KindGovernment, Name: org.Names{EN: "NCO", JA: "NCO"}, Contact: org.Contact{Name: "x", Email: "a@b.example"}}
		if err := db.CreateOrg(ctx, act, o); err != nil {
			t.Fatal(err)
		}
		c := &share.Collection{Alias: "adv", Title: org.Names{EN: "Adv"}, OwnerOrgID: o.ID, TLP: marking.TLPClear, WritePolicy: share.WriteOwner}
		if err := db.CreateCollection(ctx, act, c); err != nil {
			t.Fatal(err)
		}
		s := New(db, nil)
		s.BatchSize = 2
		p := &auth.Principal{System: "cli", Org: o}
		body := `{"objects":[`
		for i := range 5 {
			if i > 0 {
				body += ","
			}
			body += fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z",`+
				`"modified":"2026-11-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.%d']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"}`, i, i+1)
		}
		body += `,{"type":"indicator"}]}`
		j, err := s.Submit(ctx, p, "adv", []byte(body), IngestOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// First worker: stops after one batch.
		wctx, stop := context.WithCancel(ctx)
		s.afterBatch = stop
		s.Run(wctx)
		got, err := db.GetJob(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != share.JobPending || got.Done() != 2 || got.Accepted != 2 {
			t.Fatalf("after the interruption: %+v", got)
		}
		// Second worker: finishes.
		s.afterBatch = nil
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		go s.Run(rctx)
		s.kick()
		if err := s.Wait(rctx); err != nil {
			t.Fatal(err)
		}
		got, _ = db.GetJob(ctx, j.ID)
		if got.Status != share.JobComplete || got.Total != 6 || got.Accepted != 5 || got.Rejected != 1 || len(got.Successes) != 5 || len(got.Failures) != 1 {
			t.Fatalf("after resuming: %+v", got)
		}
		n, err := db.CountObjects(ctx, store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: c.ID, Allowed: marking.TLPs}}, Versions: share.VersionMatch{All: true}})
		if err != nil || n != 5 {
			t.Fatalf("stored %d objects (%v), want 5", n, err)
		}
	})
}
