package demo_test

import (
	"context"
	"testing"

	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/demo"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestSeedClusters seeds the demo as `sakimori demo` does (the correlation
// engine observing intel and reporting) and checks that it has a cluster
// from independent organisations, and that seeding again adds nothing.
func TestSeedClusters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedBeforeAnalysis(t, db)
		a.Alerting = nil // the clusters alone
		corr := a.Correlate
		if _, err := demo.SeedAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		sys := auth.System(demo.Actor)
		cs, err := corr.List(ctx, sys, correlate.Query{})
		if err != nil || len(cs) == 0 {
			t.Fatalf("no cluster: %v", err)
		}
		d, err := corr.Get(ctx, sys, cs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, v := range d.Evidence {
			found = found || v.Value == "198.51.100.23" && v.Joins
		}
		if !found || d.Orgs < 3 || d.Strength == 0 {
			t.Fatalf("demo cluster: %+v", d)
		}
		if _, err := demo.SeedAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		again, _ := corr.List(ctx, sys, correlate.Query{})
		if len(again) != len(cs) {
			t.Fatalf("seeding again: %d clusters, had %d", len(again), len(cs))
		}
		// The NCO analyst linked Toto Electric's report A to its cluster,
		// once.
		ins, err := db.ListIncidents(ctx, store.IncidentQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		linked := 0
		for _, in := range ins {
			if in.Title != demo.IncidentA {
				continue
			}
			for _, l := range in.Links {
				if l.Kind == "cluster" {
					linked++
					if c, err := corr.Get(ctx, sys, l.Ref); err != nil || c.Ref != l.Ref {
						t.Errorf("report A links %q: %v", l.Ref, err)
					}
				}
			}
		}
		if linked != 1 {
			t.Errorf("report A has %d cluster links, want 1", linked)
		}
		// ... and gave its advice once, which the reporter sees.
		advice := 0
		for _, in := range ins {
			if in.Title != demo.IncidentA {
				continue
			}
			evs, err := db.IncidentEvents(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Kind == "advice" && e.Shared {
					advice++
				}
			}
		}
		if advice != 1 {
			t.Errorf("report A has %d pieces of advice, want 1", advice)
		}
		t.Logf("%s: %d clusters; %s strength %d, %d organisations, %d values", db.Dialect(), len(cs), d.Ref, d.Strength, d.Orgs, len(d.Evidence))
	})
}
