package demo_test

import (
	"context"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/demo"
	"sakimori/internal/exposure"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/reporting"
	"sakimori/internal/stats"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestSeedHistory seeds as `sakimori demo` does (the history before the
// shared objects) and checks that every chart has something to draw for
// the NCO and an operator, that the other seeds still add what they did,
// and that a second run adds nothing.
func TestSeedHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		corr := correlate.New(db, inteltest.Quiet)
		isvc := intel.New(db, inteltest.Quiet)
		isvc.Observers = []intel.Observer{corr}
		corr.Intel = isvc
		rsvc := reporting.New(db, inteltest.Quiet)
		rsvc.Intel = isvc
		rsvc.Observers = []reporting.Observer{corr}
		if _, err := demo.Seed(ctx, accounts.New(db, inteltest.Quiet)); err != nil {
			t.Fatal(err)
		}
		res, err := demo.SeedHistory(ctx, rsvc, isvc)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(res)
		if _, err := demo.SeedIntel(ctx, isvc); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.SeedExposure(ctx, exposure.New(db, inteltest.Quiet)); err != nil {
			t.Fatal(err)
		}
		rres, err := demo.SeedReporting(ctx, rsvc)
		if err != nil {
			t.Fatal(err)
		}
		if rres.Incidents != 4 {
			t.Errorf("SeedReporting after the history added %d incidents, want 4", rres.Incidents)
		}
		if again, err := demo.SeedHistory(ctx, rsvc, isvc); err != nil || again != "already there" {
			t.Errorf("second run: %q %v", again, err)
		}

		st := stats.New(db, isvc, inteltest.Quiet)
		as := func(email string) *auth.Principal { return demoUser(t, db, email) }
		get := func(p *auth.Principal, chart string) *stats.Stats {
			t.Helper()
			s, err := st.Get(ctx, p, chart, 12)
			if err != nil {
				t.Fatalf("%s: %v", chart, err)
			}
			return s
		}
		weeksWith := func(s *stats.Stats) int {
			n := 0
			for i := range s.Weeks {
				for _, sr := range s.Series {
					if sr.Values[i] > 0 {
						n++
						break
					}
				}
			}
			return n
		}
		nco := as("analyst@nco.example")
		if s := get(nco, stats.Reports); len(s.Series) < 4 || weeksWith(s) < 9 {
			t.Errorf("NCO reports: %d sectors over %d weeks", len(s.Series), weeksWith(s))
		}
		if s := get(nco, stats.Techniques); len(s.Ranking) < 5 || s.Ranking[0].Shared == 0 && s.Ranking[1].Shared == 0 && s.Ranking[2].Shared == 0 {
			t.Errorf("NCO techniques (reports and shared attack patterns): %v", s.Ranking)
		}
		if s := get(nco, stats.Indicators); len(s.Series) < 4 || weeksWith(s) < 9 {
			t.Errorf("NCO indicators: %d types over %d weeks", len(s.Series), weeksWith(s))
		}
		if s := get(nco, stats.Sightings); weeksWith(s) < 10 {
			t.Errorf("NCO sightings over %d weeks", weeksWith(s))
		}
		var met, late, missed int64
		for _, c := range get(nco, stats.Deadlines).Compliance {
			m, l, x := c.Totals()
			met, late, missed = met+m, late+l, missed+x
		}
		if met == 0 || late == 0 || missed == 0 {
			t.Errorf("NCO deadlines: met %d, late %d, missed %d", met, late, missed)
		}
		op := as("admin@toto-electric.example")
		if s := get(op, stats.Reports); len(s.Series) != 1 || s.Series[0].Key != "electricity" || weeksWith(s) < 3 {
			t.Errorf("Toto Electric reports: %+v", s.Series)
		}
	})
}
