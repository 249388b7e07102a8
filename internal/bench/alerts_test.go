package bench_test

import (
	"context"
	"io"
	"testing"

	"sakimori/internal/bench"
)

// TestAlertsQuick runs the alerts benchmark in quick mode: every figure is
// produced and positive on each store.
func TestAlertsQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	cfg := auditConfig(t, true)
	b, ok := bench.Get("alerts")
	if !ok {
		t.Fatal("alerts not registered")
	}
	rs, err := b.Run(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bench.Result{}
	for _, r := range rs {
		got[r.Name] = r
	}
	stores := []string{"sqlite"}
	if cfg.PostgresURL != "" {
		stores = append(stores, "postgres")
	}
	for _, st := range stores {
		for _, n := range []string{"publish-everyone", "acknowledge", "inbox", "recipient-table"} {
			if r, ok := got["alerts/"+st+"/"+n]; !ok || r.Value <= 0 || r.N <= 0 {
				t.Errorf("%s/%s: %+v (present %v)", st, n, r, ok)
			}
		}
	}
}
