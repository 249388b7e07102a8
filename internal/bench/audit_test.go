package bench_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/store/storetest"
)

func auditConfig(t testing.TB, quick bool) bench.Config {
	cfg := bench.Config{Dir: t.TempDir(), Quick: quick, PostgresURL: storetest.PostgresURL()}
	if os.Getenv("SAKIMORI_BENCH_NO_POSTGRES") != "" {
		cfg.PostgresURL = ""
	}
	return cfg
}

// TestAuditQuick runs the audit benchmark in quick mode: every figure is
// produced and positive (the benchmark code itself works).
func TestAuditQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	b, ok := bench.Get("audit")
	if !ok {
		t.Fatal("bench audit not registered")
	}
	rs, err := b.Run(context.Background(), auditConfig(t, true), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"audit/memory/verify-workers-1", "audit/sqlite/verify", "audit/sqlite/append"}
	if auditConfig(t, true).PostgresURL != "" {
		want = append(want, "audit/postgres/verify", "audit/postgres/append")
	}
	got := map[string]bench.Result{}
	for _, r := range rs {
		got[r.Name] = r
	}
	for _, name := range want {
		r, ok := got[name]
		if !ok || r.Value <= 0 || r.N <= 0 || r.Unit != "entries/s" {
			t.Errorf("%s: %+v (all: %v)", name, r, rs)
		}
	}
}

// BenchmarkAudit runs the full audit benchmark (1M entries) once and logs
// the figures that `sakimori bench audit` prints:
//
//	go test -run '^$' -bench BenchmarkAudit -benchtime 1x -timeout 30m ./internal/bench/
func BenchmarkAudit(b *testing.B) {
	ab, _ := bench.Get("audit")
	for b.Loop() {
		var log strings.Builder
		rs, err := ab.Run(context.Background(), auditConfig(b, testing.Short()), &log)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			b.Log(r)
		}
	}
}
