package audit_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"sakimori/internal/audit"
	"sakimori/internal/bench"
)

var benchChain = sync.OnceValue(func() []audit.Entry { return bench.AuditEntries(bench.AuditVerifyEntries) })

// BenchmarkVerify measures pure verification of a 1M-entry chain in memory,
// with one worker and with GOMAXPROCS workers (metric: entries/s).
func BenchmarkVerify(b *testing.B) {
	es := benchChain()
	for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			var n int
			for b.Loop() {
				if _, err := bench.VerifyEntries(es, w); err != nil {
					b.Fatal(err)
				}
				n += len(es)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
