package bench_test

import (
	"testing"
)

// TestPushQuick runs the push benchmark in quick mode: every figure is
// produced and positive on each store.
func TestPushQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	got, stores, cfg := runQuick(t, "push")
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
