package bench_test

import (
	"context"
	"io"
	"testing"

	"sakimori/internal/bench"
)

// runQuick runs benchmark name in quick mode on SQLite and (when
// configured) PostgreSQL and returns its figures by name, the stores it
// ran on ("sqlite", "postgres") and the configuration.
func runQuick(t *testing.T, name string) (map[string]bench.Result, []string, bench.Config) {
	t.Helper()
	cfg := auditConfig(t, true)
	b, ok := bench.Get(name)
	if !ok {
		t.Fatalf("%s not registered", name)
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
	return got, stores, cfg
}
