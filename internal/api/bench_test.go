package api_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// BenchmarkAPI measures API requests over real HTTP on both stores, with
// bench.APIConcurrency clients (b.SetParallelism). `sakimori bench api`
// prints the same figures with latency percentiles.
func BenchmarkAPI(b *testing.B) {
	for _, d := range storetest.Dialects {
		dsn := "sqlite:" + filepath.Join(b.TempDir(), "api.db")
		if d == store.Postgres {
			dsn = storetest.DSN(b, d)
		}
		f, err := bench.NewAPIFixture(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(f.Close)
		var n int
		b.Run(string(d)+"/org-create", func(b *testing.B) {
			for b.Loop() {
				n++
				if err := f.Do("POST", "/api/v1/orgs", fmt.Appendf(nil, `{"slug":"v-%d","kind":"vendor","name":{"ja":"ベンダー","en":"Vendor"},"emergency_contact":{"name":"PSIRT","email":"p@v.example"}}`, n), 201); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(d)+"/org-get", func(b *testing.B) {
			for b.Loop() {
				if err := f.Do("GET", "/api/v1/orgs/nco", nil, 200); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(d)+"/org-list", func(b *testing.B) {
			for b.Loop() {
				if err := f.Do("GET", "/api/v1/orgs?limit=50", nil, 200); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
