package api_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// BenchmarkAPI measures API requests over real HTTP (httptest server, real
// accounts service, real token) on both stores, with at least
// bench.APIConcurrency concurrent clients. `sakimori bench api` prints the
// same operations with latency percentiles.
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
		var orgs, users atomic.Int64
		parallel := func(b *testing.B, op func(i int64) error) {
			b.SetParallelism(max(1, (bench.APIConcurrency+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0)))
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := op(n.Add(1)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		}
		b.Run(string(d)+"/org-create", func(b *testing.B) {
			parallel(b, func(int64) error {
				i := orgs.Add(1)
				return f.Do("POST", "/api/v1/orgs", fmt.Appendf(nil, `{"slug":"v-%d","kind":"vendor","name":{"ja":"ベンダー","en":"Vendor"},"emergency_contact":{"name":"PSIRT","email":"p@v.example"}}`, i), 201)
			})
		})
		b.Run(string(d)+"/user-create-argon2id", func(b *testing.B) {
			parallel(b, func(int64) error {
				i := users.Add(1)
				return f.Do("POST", "/api/v1/users", fmt.Appendf(nil, `{"email":"u%d@nco.example","display_name":"User %d","roles":["analyst"],"password":"a long enough password"}`, i, i), 201)
			})
		})
		b.Run(string(d)+"/user-patch", func(b *testing.B) {
			for users.Load() < bench.APIConcurrency { // when user-create was filtered out
				i := users.Add(1)
				if err := f.Do("POST", "/api/v1/users", fmt.Appendf(nil, `{"email":"u%d@nco.example","display_name":"User %d","roles":["analyst"],"password":"a long enough password"}`, i, i), 201); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			parallel(b, func(i int64) error {
				u := i%users.Load() + 1
				return f.Do("PATCH", fmt.Sprintf("/api/v1/users/u%d@nco.example", u), fmt.Appendf(nil, `{"display_name":"Renamed %d"}`, i), 200)
			})
		})
		b.Run(string(d)+"/org-get", func(b *testing.B) {
			parallel(b, func(int64) error { return f.Do("GET", "/api/v1/orgs/nco", nil, 200) })
		})
		b.Run(string(d)+"/org-list", func(b *testing.B) {
			parallel(b, func(int64) error { return f.Do("GET", "/api/v1/orgs?limit=50", nil, 200) })
		})
		b.Run(string(d)+"/user-list", func(b *testing.B) {
			parallel(b, func(int64) error { return f.Do("GET", "/api/v1/users?limit=50", nil, 200) })
		})
	}
}
