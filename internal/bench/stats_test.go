package bench_test

import (
	"context"
	"fmt"
	"testing"

	"sakimori/internal/auth"
	"sakimori/internal/bench"
	"sakimori/internal/stats"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestStatsQuick runs the stats benchmark in quick mode: every figure is
// produced and positive on each store.
func TestStatsQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	got, stores, _ := runQuick(t, "stats")
	for _, st := range stores {
		for _, c := range stats.Charts {
			for _, who := range []string{"gov", "operator"} {
				for _, w := range []string{"12w", "52w"} {
					name := "stats/" + st + "/" + c + "-" + who + "-" + w
					if r, ok := got[name]; !ok || r.Value <= 0 || r.N <= 0 {
						t.Errorf("%s: %+v (present %v)", name, r, ok)
					}
				}
			}
		}
	}
}

// BenchmarkStats measures each chart's numbers for the government over 12
// weeks on each store, loaded with bench.StatsFull (20k reports, 1M
// indicators, 1M sightings; seeding takes minutes):
//
//	go test ./internal/bench -run '^$' -bench Stats -benchtime 20x
func BenchmarkStats(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			dsn := storetest.DSN(b, d)
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			svc, gov, op, err := bench.StatsSeed(ctx, db, dsn, bench.StatsFull)
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range stats.Charts {
				for name, p := range map[string]*auth.Principal{"gov": gov, "operator": op} {
					b.Run(c+"/"+name, func(b *testing.B) {
						for b.Loop() {
							if _, err := svc.Get(ctx, p, c, 12); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}

// TestStatsSeedFillsEveryChart: the benchmark's seed, written with plain
// SQL beside the store, gives every chart something to count on each
// store (a chart that counted nothing would be measured too fast); the
// indicators chart sees each family the seed writes.
func TestStatsSeedFillsEveryChart(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, d)
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			svc, gov, _, err := bench.StatsSeed(ctx, db, dsn, bench.StatsQuick)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range stats.Charts {
				st, err := svc.Get(ctx, gov, c, 52)
				if err != nil || st.Empty() {
					t.Errorf("%s: empty (%v)", c, err)
				}
				if c != "indicators" {
					continue
				}
				var keys []string
				for _, s := range st.Series {
					keys = append(keys, s.Key)
				}
				if fmt.Sprint(keys) != "[ipv4 ipv6 domain url email hash]" {
					t.Errorf("indicator families %v", keys)
				}
			}
		})
	}
}
