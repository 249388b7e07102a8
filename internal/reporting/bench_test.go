package reporting_test

import (
	"testing"
	"time"

	"sakimori/internal/bench"
	"sakimori/internal/incident"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/reportexport"
)

// BenchmarkTimelineAllRegimes computes one incident's deadlines under
// every shipped regime (what every view and reminder sweep does).
func BenchmarkTimelineAllRegimes(b *testing.B) {
	regs, err := regime.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	in := &incident.Incident{Content: bench.ReportContent(0), State: incident.Submitted}
	for _, r := range regs {
		in.Regimes = append(in.Regimes, incident.RegimeChoice{Regime: r.ID, Reportable: incident.ReportableYes})
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		n := 0
		for i, r := range regs {
			n += len(r.Timeline(in.Facts(in.Regimes[i], nil), report.JST, nil, now))
		}
		if n == 0 {
			b.Fatal("no stages")
		}
	}
}

// BenchmarkDeriveSanitised derives shareable STIX from a full report.
func BenchmarkDeriveSanitised(b *testing.B) {
	in := &incident.Incident{ID: "bench", Content: bench.ReportContent(0)}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for b.Loop() {
		d, err := reportexport.Derive(in, reportexport.DeriveOptions{TLP: "green", Sector: "electricity", InternalDomains: []string{"corp.example.co.jp"}, Now: now})
		if err != nil || len(d.Objects) == 0 {
			b.Fatal(err)
		}
	}
}
