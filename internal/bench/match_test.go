package bench_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"sakimori/internal/bench"
)

// TestMatchQuick runs the matching-engine benchmark in quick mode: every
// figure is produced, lookups do not allocate and the workload matches.
func TestMatchQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	b, ok := bench.Get("match")
	if !ok {
		t.Fatal("match not registered")
	}
	rs, err := b.Run(context.Background(), bench.Config{Quick: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bench.Result{}
	for _, r := range rs {
		got[r.Name] = r
	}
	for _, w := range []string{"match/bytes-per-ipv4", "match/bytes-per-domain", "match/build", "match/lookup-1core", "match/lookup-2cores", "match/lookup-ipv4-1core", "match/lookup-batch-1core", "match/lookup-batch-ipv4-1core",
		"match/domain-walk", "match/snapshot-write", "match/snapshot-read", "match/apply"} {
		if r, ok := got[w]; !ok || r.Value <= 0 || r.N <= 0 {
			t.Errorf("%s: %+v", w, r)
		}
	}
	if r, ok := got["match/allocs"]; !ok || r.Value != 0 {
		t.Errorf("lookups allocate: %+v", r)
	}
	if r := got["match/lookup-1core"]; !strings.Contains(r.Note, "% matched") || strings.Contains(r.Note, " 0.0% matched") {
		t.Errorf("nothing matched: %s", r.Note)
	}
}

// BenchmarkMatch runs the full matching-engine benchmark once (-short:
// the quick workload) and logs its figures:
//
//	go test -run '^$' -bench BenchmarkMatch -benchtime 1x -timeout 30m ./internal/bench/
func BenchmarkMatch(b *testing.B) { runIntel(b, "match") }
