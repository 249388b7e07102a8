package correlate_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"sakimori/internal/bench"
)

// BenchmarkCorrelateQuick wraps `sakimori bench correlate --quick` for go
// test -bench (SQLite only; the command measures both stores and 10M).
func BenchmarkCorrelateQuick(b *testing.B) {
	bm, ok := bench.Get("correlate")
	if !ok {
		b.Fatal("correlate not registered")
	}
	for b.Loop() {
		rs, err := bm.Run(context.Background(), bench.Config{Dir: b.TempDir(), Quick: true}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			b.ReportMetric(r.Value, fmt.Sprintf("%s(%s)", r.Name, r.Unit))
		}
	}
}
