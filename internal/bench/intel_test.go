package bench_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sakimori/internal/bench"
	"sakimori/internal/intel"
	"sakimori/internal/share"
	"sakimori/internal/store/storetest"
)

// TestIntelIndicators checks the synthetic indicators: deterministic,
// 600-900 bytes, and every one accepted by the STIX validation of ingest.
func TestIntelIndicators(t *testing.T) {
	if string(bench.IntelIndicator(7)) != string(bench.IntelIndicator(7)) {
		t.Fatal("not deterministic")
	}
	const n = 2000
	lo, hi := 1<<30, 0
	for i := range n {
		l := len(bench.IntelIndicator(i))
		lo, hi = min(lo, l), max(hi, l)
	}
	if lo < 600 || hi > 900 {
		t.Errorf("indicators of %d to %d bytes, want 600 to 900", lo, hi)
	}
	objs, err := intel.ParseObjects(bench.IntelBundle(0, n))
	if err != nil || len(objs) != n {
		t.Fatalf("parse: %d objects, %v", len(objs), err)
	}
	for i, o := range objs {
		if o == nil {
			t.Fatalf("object %d did not parse: %s", i, bench.IntelIndicator(i))
		}
	}
}

// TestIntelQuick runs the intel benchmarks in quick mode: every figure is
// produced and positive.
func TestIntelQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	cfg := auditConfig(t, true)
	stores := []string{"sqlite"}
	if cfg.PostgresURL != "" {
		stores = append(stores, "postgres")
	}
	for _, name := range []string{"intel-ingest", "intel-size", "intel-page"} {
		b, ok := bench.Get(name)
		if !ok {
			t.Fatalf("bench %s not registered", name)
		}
		rs, err := b.Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bench.Result{}
		for _, r := range rs {
			got[r.Name] = r
		}
		for _, st := range stores {
			want := map[string][]string{
				"intel-ingest": {"intel-ingest/" + st + "/ingest", "intel-ingest/" + st + "/parse+ingest", "intel-ingest/" + st + "/ingest/alloc"},
				"intel-size":   {"intel-size/" + st + "/disk"},
				"intel-page":   {"intel-page/" + st + "/walk-next", "intel-page/" + st + "/objects-random-c1", "intel-page/" + st + "/objects-random-c8"},
			}[name]
			for _, w := range want {
				if r, ok := got[w]; !ok || r.Value <= 0 || r.N <= 0 {
					t.Errorf("%s: %+v (all: %v)", w, r, rs)
				}
			}
		}
	}
}

func runIntel(b *testing.B, name string) {
	ib, _ := bench.Get(name)
	for b.Loop() {
		var log strings.Builder
		rs, err := ib.Run(context.Background(), auditConfig(b, testing.Short()), &log)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			b.Log(r)
		}
	}
}

// BenchmarkIntelIngest, BenchmarkIntelPage and BenchmarkIntelSize run the
// full benchmarks once (-short: the quick workloads) and log the figures
// that `sakimori bench intel-ingest|intel-page|intel-size` prints:
//
//	go test -run '^$' -bench BenchmarkIntel -benchtime 1x -timeout 30m ./internal/bench/
func BenchmarkIntelIngest(b *testing.B) { runIntel(b, "intel-ingest") }
func BenchmarkIntelPage(b *testing.B)   { runIntel(b, "intel-page") }
func BenchmarkIntelSize(b *testing.B)   { runIntel(b, "intel-size") }

// BenchmarkIntelServiceIngest measures only intel.Service.Ingest of parsed
// synthetic indicators into a fresh store on each dialect, in the service's
// default batches (100k indicators; 10k with -short); metric objects/s.
// For profiles:
//
//	go test -run '^$' -bench BenchmarkIntelServiceIngest/sqlite -benchtime 2x -cpuprofile cpu.out ./internal/bench/
func BenchmarkIntelServiceIngest(b *testing.B) {
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

// BenchmarkIntelParseObjects measures intel.ParseObjects of one bundle of
// 10k synthetic indicators (metric: objects/s).
func BenchmarkIntelParseObjects(b *testing.B) {
	n := bench.IntelIngestObjectsQuick
	data := bench.IntelBundle(0, n)
	for b.Loop() {
		if objs, err := intel.ParseObjects(data); err != nil || len(objs) != n {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// TestIntelFillStore checks that the fast fill stores what the service
// stores for the same indicators.
func TestIntelFillStore(t *testing.T) {
	ctx := context.Background()
	var pages [2][]share.Record
	for k := range 2 {
		w, err := bench.NewIntelWorld(ctx, "sqlite:"+t.TempDir()+"/w.db")
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if k == 0 {
			err = w.Fill(ctx, 0, 300, 100)
		} else {
			err = w.FillStore(ctx, 0, 300, 100)
		}
		if err != nil {
			t.Fatal(err)
		}
		pg, err := w.Svc.Objects(ctx, w.Writer, share.Query{Collection: w.Coll.ID, Limit: 1000})
		if err != nil || len(pg.Records) != 300 {
			t.Fatalf("%d records, %v", len(pg.Records), err)
		}
		pages[k] = pg.Records
	}
	for i := range pages[0] {
		a, b := pages[0][i], pages[1][i]
		a.DateAdded, a.CollectionID, b.CollectionID, a.OwnerOrgID, b.OwnerOrgID = b.DateAdded, "", "", "", ""
		if a.Confidence == nil || b.Confidence == nil || *a.Confidence != *b.Confidence || a.ValidUntil == nil || b.ValidUntil == nil ||
			!a.ValidUntil.Equal(*b.ValidUntil) {
			t.Fatalf("record %d: confidence or valid_until differ", i)
		}
		a.Confidence, b.Confidence, a.ValidUntil, b.ValidUntil = nil, nil, nil, nil
		if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", b) {
			t.Fatalf("record %d:\nservice %+v\nstore   %+v", i, a, b)
		}
	}
}

// BenchmarkIntelObjectsPage measures one TAXII page (intel.Service.Objects,
// 1000 objects) from a collection of 100k indicators filled through the
// store, at random added_after points, on each dialect (metric: ms/page).
// For profiles of the read path.
func BenchmarkIntelObjectsPage(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			w, err := bench.NewIntelWorld(ctx, storetest.DSN(b, d))
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			if err := w.FillStore(ctx, 0, n, bench.IntelFillBatch); err != nil {
				b.Fatal(err)
			}
			pg, err := w.Svc.Manifest(ctx, w.Reader, share.Query{Collection: w.Coll.ID, Limit: 1000})
			if err != nil {
				b.Fatal(err)
			}
			t0 := pg.First
			i := 0
			for b.Loop() {
				at := t0.Add(time.Duration(i*7919%(n-2000)) * time.Microsecond)
				i++
				pg, err := w.Svc.Objects(ctx, w.Reader, share.Query{Collection: w.Coll.ID, Limit: bench.IntelPageSize, AddedAfter: at})
				if err != nil || len(pg.Records) != bench.IntelPageSize {
					b.Fatalf("%d records, %v", len(pg.Records), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
		})
	}
}
