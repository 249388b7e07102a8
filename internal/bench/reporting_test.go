package bench_test

import (
	"strings"
	"testing"
)

// TestReportingQuick runs the reporting benchmark in quick mode: every
// figure is produced and positive on each store.
func TestReportingQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	got, stores, _ := runQuick(t, "reporting")
	want := []string{"reporting/engine/timeline-all-regimes", "reporting/engine/derive-sanitised-stix", "reporting/engine/sanitise-text"}
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
