package bench_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"sakimori/internal/bench"
)

// TestReportingQuick runs the reporting benchmark in quick mode: every
// figure is produced and positive on each store.
func TestReportingQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	cfg := auditConfig(t, true)
	b, ok := bench.Get("reporting")
	if !ok {
		t.Fatal("reporting not registered")
	}
	rs, err := b.Run(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bench.Result{}
	for _, r := range rs {
		got[r.Name] = r
	}
	want := []string{"reporting/engine/timeline-all-regimes", "reporting/engine/derive-sanitised-stix", "reporting/engine/sanitise-text"}
	stores := []string{"sqlite"}
	if cfg.PostgresURL != "" {
		stores = append(stores, "postgres")
	}
	for _, st := range stores {
		for _, f := range []string{"create-and-submit", "receiver-view", "triage-queue", "reminder-sweep"} {
			want = append(want, "reporting/"+st+"/"+f)
		}
	}
	for _, w := range want {
		r, ok := got[w]
		if !ok || r.Value <= 0 || r.N <= 0 {
			t.Errorf("%s: %+v (present %v)", w, r, ok)
		}
	}
	if !strings.Contains(got["reporting/engine/timeline-all-regimes"].Note, "13 stages") {
		t.Errorf("timeline note: %s", got["reporting/engine/timeline-all-regimes"].Note)
	}
}
