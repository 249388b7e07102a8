package bench_test

import (
	"testing"
)

// TestCorrelateQuick runs the correlation benchmark in quick mode: every
// figure is produced and positive on each store.
func TestCorrelateQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	got, stores, _ := runQuick(t, "correlate")
	for _, st := range stores {
		for _, f := range []string{"load", "bytes-per-observation", "report-50-indicators"} {
			if r, ok := got["correlate/"+st+"/"+f]; !ok || r.Value <= 0 || r.N <= 0 {
				t.Errorf("%s/%s: %+v (present %v)", st, f, r, ok)
			}
		}
	}
}
