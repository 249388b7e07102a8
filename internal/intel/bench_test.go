package intel_test

import (
	"context"
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/intel"
	"sakimori/internal/stix"
	"sakimori/internal/store/storetest"
)

// BenchmarkIngest measures intel.Service.Ingest of parsed synthetic
// indicators (bench.IntelIndicator) into a fresh store on each dialect, in
// the service's default batches: the code `sakimori bench intel-ingest`
// times (100k indicators; 10k with -short). Metric: objects/s.
//
//	go test -run '^$' -bench BenchmarkIngest -benchtime 1x ./internal/intel/
func BenchmarkIngest(b *testing.B) {
	n := bench.IntelIngestObjects
	if testing.Short() {
		n = bench.IntelIngestObjectsQuick
	}
	objs, err := intel.ParseObjects(bench.IntelBundle(0, n))
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			var total int
			for b.Loop() {
				b.StopTimer()
				w, err := bench.NewIntelWorld(context.Background(), storetest.DSN(b, d))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				j, err := w.Svc.Ingest(context.Background(), w.Writer, w.Coll.ID, objs, intel.IngestOptions{})
				if err != nil || j.Accepted != n {
					b.Fatalf("ingest: %v %+v", err, j)
				}
				total += n
				b.StopTimer()
				w.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}

// BenchmarkParseObjects measures intel.ParseObjects of one bundle of
// synthetic indicators (metric: objects/s).
func BenchmarkParseObjects(b *testing.B) {
	n := bench.IntelIngestObjectsQuick
	data := bench.IntelBundle(0, n)
	var objs []*stix.Object
	for b.Loop() {
		var err error
		if objs, err = intel.ParseObjects(data); err != nil || len(objs) != n {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "objects/s")
}
