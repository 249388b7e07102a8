package bench_test

import (
	"context"
	"io"
	"testing"

	"sakimori/internal/bench"
)

// TestPushQuick runs the push benchmark in quick mode: every figure is
// produced and positive on each store.
func TestPushQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	cfg := auditConfig(t, true)
	b, ok := bench.Get("push")
	if !ok {
		t.Fatal("push not registered")
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
	if cfg.PostgresURL != "" {
		// two-nodes-nats needs a NATS server (present in CI).
		if r, ok := got["push/postgres/two-nodes-poll"]; !ok || r.Value <= 0 {
			t.Errorf("push/postgres/two-nodes-poll: %+v (present %v)", r, ok)
		}
	}
	for _, st := range stores {
		for _, f := range []string{"publish-rate-16", "ingest-to-subscribers", "publish-to-subscribers", "publish-rate", "burst-delivered", "ingest-to-subscribers-of-many-orgs"} {
			if r, ok := got["push/"+st+"/"+f]; !ok || r.Value <= 0 || r.N <= 0 {
				t.Errorf("push/%s/%s: %+v (present %v)", st, f, r, ok)
			}
		}
	}
}
