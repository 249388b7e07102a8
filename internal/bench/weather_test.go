package bench_test

import (
	"testing"
)

// TestWeatherQuick runs the weather benchmark in quick mode: every figure
// is produced and positive on each store.
func TestWeatherQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	got, stores, _ := runQuick(t, "weather")
	want := []string{"weather/engine/trend-7-days"}
	for _, st := range stores {
		want = append(want, "weather/"+st+"/org-and-sector", "weather/"+st+"/overview")
	}
	for _, w := range want {
		if r, ok := got[w]; !ok || r.Value <= 0 || r.N <= 0 {
			t.Errorf("%s: %+v (present %v)", w, r, ok)
		}
	}
}
