package store_test

import (
	"context"
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// BenchmarkVerifyAudit measures `audit verify` end to end (store.VerifyAudit
// reading the chain from the database) on each dialect: 1M entries, or 20k
// with -short (metric: entries/s).
func BenchmarkVerifyAudit(b *testing.B) {
	n := bench.AuditVerifyEntries
	if testing.Short() {
		n = bench.AuditVerifyEntriesQuick
	}
	es := bench.AuditEntries(n)
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			dsn := storetest.DSN(b, d)
			db, err := store.Open(context.Background(), dsn, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			if err := bench.LoadAudit(context.Background(), dsn, es); err != nil {
				b.Fatal(err)
			}
			var total int64
			for b.Loop() {
				v, err := db.VerifyAudit(context.Background(), nil)
				if err != nil || v.Problem() != nil || v.Count() != int64(n) {
					b.Fatalf("verify: %d entries, problem %v, err %v", v.Count(), v.Problem(), err)
				}
				total += v.Count()
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// BenchmarkAppend measures single appends (one entry per transaction).
func BenchmarkAppend(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d)
			e := cli.Event("org.read_contact", "org", "x", "success", "")
			for b.Loop() {
				if err := db.Append(context.Background(), e); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
