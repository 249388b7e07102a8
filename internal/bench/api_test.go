package bench_test

import (
	"context"
	"strings"
	"testing"

	"sakimori/internal/bench"
)

// TestAPIQuick runs the API benchmark in quick mode: every figure is
// produced and positive, on both stores.
func TestAPIQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	b, ok := bench.Get("api")
	if !ok {
		t.Fatal("bench api not registered")
	}
	cfg := auditConfig(t, true)
	rs, err := b.Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	stores := []string{"sqlite"}
	if cfg.PostgresURL != "" {
		stores = append(stores, "postgres")
	}
	got := map[string]bool{}
	for _, r := range rs {
		if r.Value <= 0 || r.N <= 0 || r.Unit != "req/s" {
			t.Errorf("%v: not a positive req/s figure", r)
		}
		got[r.Name] = true
	}
	for _, s := range stores {
		for _, op := range []string{"org-create", "user-create (Argon2id)", "org-get", "org-list (50/page)", "user-list (50/page)", "user-patch"} {
			if !got["api/"+s+"/"+op] {
				t.Errorf("missing api/%s/%s in %v", s, op, strings.Join(keys(got), ", "))
			}
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestSTIXQuick runs the STIX benchmark in quick mode: every generated
// indicator parses and validates, and each pattern yields its one atom.
func TestSTIXQuick(t *testing.T) {
	b, ok := bench.Get("stix")
	if !ok {
		t.Fatal("bench stix not registered")
	}
	rs, err := b.Run(context.Background(), bench.Config{Quick: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Value <= 0 || rs[1].Value <= 0 {
		t.Fatalf("results %v", rs)
	}
}
