package bench_test

import (
	"testing"
)

// TestAlertsQuick runs the alerts benchmark in quick mode: every figure is
// produced and positive on each store.
func TestAlertsQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	got, stores, _ := runQuick(t, "alerts")
	for _, st := range stores {
		for _, n := range []string{"publish-everyone", "acknowledge", "inbox", "recipient-table"} {
			if r, ok := got["alerts/"+st+"/"+n]; !ok || r.Value <= 0 || r.N <= 0 {
				t.Errorf("%s/%s: %+v (present %v)", st, n, r, ok)
			}
		}
	}
}
