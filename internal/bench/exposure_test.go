package bench_test

import (
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/version"
)

// TestVulnMatchQuick runs the matching benchmark in quick mode: every
// figure is produced, and the workload really exposes computers (a
// benchmark that matched nothing would measure nothing).
func TestVulnMatchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	got, stores, _ := runQuick(t, "vuln-match")
	want := []string{"vuln-match/engine/index-build", "vuln-match/engine/one-vuln", "vuln-match/engine/full-rematch", "vuln-match/engine/one-vuln-every-openssl"}
	for _, st := range stores {
		want = append(want, "vuln-match/"+st+"/register", "vuln-match/"+st+"/full-rematch-first", "vuln-match/"+st+"/one-vuln", "vuln-match/"+st+"/notify-then-vuln")
	}
	for _, w := range want {
		if r, ok := got[w]; !ok || r.Value <= 0 || r.N <= 0 {
			t.Errorf("%s: %+v", w, r)
		}
	}
}

// TestMatchWorkload: the synthetic ranges are valid in their schemes and
// non-empty (bumpLast moves the end after the start).
func TestMatchWorkload(t *testing.T) {
	cat := bench.MatchCatalogue()
	for i := range 2000 {
		v := bench.MatchVuln(cat, i)
		v.Normalize()
		if err := v.Validate(); err != nil {
			t.Fatalf("vuln %d: %v", i, err)
		}
		for _, r := range v.Affected[0].Ranges {
			r.Scheme = version.SchemeFor(v.Affected[0].Vendor)
			if err := r.Validate(); err != nil {
				t.Fatalf("vuln %d range %+v: %v", i, r, err)
			}
		}
		c := bench.MatchComputer(cat, i)
		c.Normalize()
		if err := c.Validate(); err != nil {
			t.Fatalf("computer %d: %v", i, err)
		}
	}
}

// BenchmarkVulnMatch runs the full matching benchmark once (-short: the
// quick workload) and logs the figures `sakimori bench vuln-match` prints:
//
//	go test -run '^$' -bench BenchmarkVulnMatch -benchtime 1x -timeout 30m ./internal/bench/
func BenchmarkVulnMatch(b *testing.B) { runIntel(b, "vuln-match") }
