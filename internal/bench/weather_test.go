package bench_test

import (
	"context"
	"io"
	"testing"

	"sakimori/internal/bench"
)

// TestWeatherQuick runs the weather benchmark in quick mode: every figure
// is produced and positive on each store.
func TestWeatherQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	cfg := auditConfig(t, true)
	b, ok := bench.Get("weather")
	if !ok {
		t.Fatal("weather not registered")
	}
	rs, err := b.Run(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bench.Result{}
	for _, r := range rs {
		got[r.Name] = r
	}
	want := []string{"weather/engine/trend-7-days"}
	stores := []string{"sqlite"}
	if cfg.PostgresURL != "" {
		stores = append(stores, "postgres")
	}
	for _, st := range stores {
		want = append(want, "weather/"+st+"/org-and-sector", "weather/"+st+"/overview")
	}
	for _, w := range want {
		if r, ok := got[w]; !ok || r.Value <= 0 || r.N <= 0 {
			t.Errorf("%s: %+v (present %v)", w, r, ok)
		}
	}
}
