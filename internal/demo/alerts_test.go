package demo_test

import (
	"context"
	"testing"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/auth"
	"sakimori/internal/demo"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestSeedAlerts seeds the demo as `sakimori demo` does and checks it has
// one published alert drafted from the demo cluster, addressed to demo
// organisations, one of them acknowledged; seeding again adds nothing.
func TestSeedAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedBeforeAnalysis(t, db)
		al := a.Alerting
		msg, err := demo.SeedAnalysis(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		sys := auth.System(demo.Actor)
		vs, err := al.List(ctx, sys, alerting.Query{})
		if err != nil || len(vs) != 1 {
			t.Fatalf("alerts: %v %d (%s)", err, len(vs), msg)
		}
		v := vs[0]
		if v.State != alert.Published || v.ClusterID == "" || len(v.Indicators) == 0 {
			t.Fatalf("demo alert: %+v", v.Alert)
		}
		tab, err := al.Recipients(ctx, sys, v.ID)
		if err != nil || tab.Counts["total"] < 3 || tab.Counts["actioned"] != 1 {
			t.Fatalf("recipients: %v %v", err, tab.Counts)
		}
		if _, err := al.Export(ctx, sys, v.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.SeedAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		if again, _ := al.List(ctx, sys, alerting.Query{}); len(again) != 1 {
			t.Fatalf("seeding again: %d alerts", len(again))
		}
		t.Logf("%s: %s; %d recipients", db.Dialect(), msg, tab.Counts["total"])
	})
}
