package bench

// `sakimori bench correlate` (issue #7): correlating a new incident report
// with 50 indicators against 10 million stored observations (100,000 with
// --quick), on SQLite and PostgreSQL. The observations are generated inside
// the database (store.CorrGenerate); each repeat then submits a report of a
// fresh organisation whose 50 IOCs include 10 values already observed by
// another organisation, so every report creates a cluster. Also reported:
// the storage bytes per observation (tables and indexes).

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/correlate"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/report"
	"sakimori/internal/store"
)

func init() {
	Register(Bench{Name: "correlate", Description: "correlating a report with 50 indicators against 10M stored observations (p50/p99) and storage bytes per observation, on SQLite and PostgreSQL",
		Run: runCorrelate})
}

// Correlation workload.
const (
	CorrObservations      = 10_000_000
	CorrObservationsQuick = 100_000
	CorrIndicators        = 50 // per report
	CorrOverlap           = 10 // of which already observed by another organisation
	CorrRepeats           = 100
	CorrRepeatsQuick      = 20
	corrOrgs              = 1000
)

func runCorrelate(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	return eachStore(ctx, cfg, "correlate", func(tg target) ([]Result, error) {
		return correlateBench(ctx, tg, cfg.Quick, progress)
	})
}

func correlateBench(ctx context.Context, tg target, quick bool, progress io.Writer) ([]Result, error) {
	dsn, cleanup, err := tg.dsn()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	n, repeats := CorrObservations, CorrRepeats
	if quick {
		n, repeats = CorrObservationsQuick, CorrRepeatsQuick
	}
	at := time.Now().UTC().Add(-24 * time.Hour)
	fmt.Fprintf(progress, "correlate/%s: generating %d observations\n", tg.name, n)
	t0 := time.Now()
	if err := db.CorrGenerate(ctx, 0, n, corrOrgs, at); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	load := time.Since(t0)
	usage, err := db.CorrStorageUsage(ctx)
	if err != nil {
		return nil, err
	}
	prefix := "correlate/" + tg.name + "/"
	out := []Result{
		{Name: prefix + "load", Value: float64(n) / load.Seconds(), Unit: "obs/s", N: int64(n), Note: fmt.Sprintf("%s for %d observations", load.Round(time.Second), n)},
		{Name: prefix + "bytes-per-observation", Value: float64(usage.Bytes) / float64(max(usage.Observations, 1)), Unit: "B", N: usage.Observations,
			Note: fmt.Sprintf("%.1f MiB for %d observations and %d values, indexes included", float64(usage.Bytes)/(1<<20), usage.Observations, usage.Values)},
	}
	fmt.Fprintf(progress, "correlate/%s: loaded in %s, %d bytes\n", tg.name, load.Round(time.Second), usage.Bytes)

	svc := correlate.New(db, slog.New(slog.DiscardHandler))
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	lat := make([]time.Duration, 0, repeats)
	clusters := 0
	for r := range repeats {
		o := &org.Organisation{Slug: fmt.Sprintf("bench-op-%d", r), Kind: org.KindOperator, Sector: org.SectorElectricity,
			Name: org.Names{JA: "ベンチ", EN: "bench"}, Contact: org.Contact{Name: "duty", Email: "duty@bench.example"}}
		if err := db.CreateOrg(ctx, audit.Actor{Name: "bench"}, o); err != nil {
			return out, err
		}
		iocs := make([]report.IOC, 0, CorrIndicators)
		for i := range CorrIndicators {
			if i < CorrOverlap {
				iocs = append(iocs, report.IOC{Type: "sha256", Value: store.BenchValue(rng.IntN(n))})
			} else {
				iocs = append(iocs, report.IOC{Type: "ipv4", Value: fmt.Sprintf("10.%d.%d.%d", r%256, i, rng.IntN(256))})
			}
		}
		in := &incident.Incident{ID: store.NewID(), OrgID: o.ID, State: incident.Submitted, SubmittedVersion: 1,
			Content: report.Content{IOCs: report.Field[[]report.IOC]{Value: iocs}}}
		t := time.Now()
		svc.ReportChanged(ctx, in, true)
		lat = append(lat, time.Since(t))
		cs, err := db.SourceClusters(ctx, correlate.SourceReport, in.ID)
		if err != nil {
			return out, err
		}
		clusters += len(cs)
	}
	if clusters == 0 {
		return out, fmt.Errorf("no report correlated: the benchmark measured nothing")
	}
	p50, p99, worst := percentiles(lat)
	out = append(out, Result{Name: prefix + "report-50-indicators", Value: float64(p50.Microseconds()) / 1000, Unit: "ms p50", N: int64(repeats),
		Note: fmt.Sprintf("p90 %s p99 %s max %s against %d observations; %d of %d indicators already observed; %d cluster links (goal < 50 ms)",
			pct(lat, .9).Round(10*time.Microsecond), p99.Round(10*time.Microsecond), worst.Round(10*time.Microsecond), n, CorrOverlap, CorrIndicators, clusters)})
	for _, r := range out {
		fmt.Fprintln(progress, r)
	}
	return out, nil
}
