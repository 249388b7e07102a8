package exposure_test

import (
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/exposure"
	"sakimori/internal/registry"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

// BenchmarkMatchEveryOpenSSL matches a vulnerability affecting every
// version of a component every computer has, against 100,000 computers
// (the worst case of one match; metric: exposures found).
func BenchmarkMatchEveryOpenSSL(b *testing.B) {
	cat := bench.MatchCatalogue()
	ix := exposure.NewIndex()
	n := bench.MatchComputers
	if testing.Short() {
		n = bench.MatchComputersQuick
	}
	for i := range n {
		c := bench.MatchComputer(cat, i)
		c.ID, c.OrgID, c.Version = "c"+string(rune(i)), "o", 1
		ix.Add(&c)
	}
	v := vuln.Vulnerability{ID: "CVE-2026-99999", Title: "worst case", Affected: []vuln.Affected{{CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*"}}}
	ix.Match(&v) // the first Match sorts the index
	b.ResetTimer()
	for b.Loop() {
		if got := ix.Match(&v); len(got) != n {
			b.Fatalf("%d exposures, want %d", len(got), n)
		}
	}
}

// BenchmarkMatchOpenSSLRange matches a vulnerability with a narrow range
// in a component every computer has (every computer a candidate, few
// affected: the slowest common case).
func BenchmarkMatchOpenSSLRange(b *testing.B) {
	cat := bench.MatchCatalogue()
	ix := exposure.NewIndex()
	n := bench.MatchComputers
	if testing.Short() {
		n = bench.MatchComputersQuick
	}
	for i := range n {
		c := bench.MatchComputer(cat, i)
		c.ID, c.OrgID, c.Version = "c"+string(rune(i)), "o", 1
		ix.Add(&c)
	}
	v := vuln.Vulnerability{ID: "CVE-2026-99998", Title: "range", Affected: []vuln.Affected{{CPE: "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*",
		Ranges: []version.Range{{StartIncluding: "2.3.0", EndExcluding: "2.3.5"}, {StartIncluding: "3.1.0", EndExcluding: "3.1.2"}}}}}
	ix.Match(&v) // the first Match sorts the index
	b.ResetTimer()
	hits := 0
	for b.Loop() {
		hits = len(ix.Match(&v))
	}
	b.ReportMetric(float64(hits), "exposures")
}

// BenchmarkIndexBuild builds the index of 100,000 computers (three
// components each) and sorts it (metric: computers/s).
func BenchmarkIndexBuild(b *testing.B) {
	cat := bench.MatchCatalogue()
	n := bench.MatchComputers
	if testing.Short() {
		n = bench.MatchComputersQuick
	}
	cs := make([]registry.Computer, n)
	for i := range cs {
		cs[i] = bench.MatchComputer(cat, i)
		cs[i].ID, cs[i].OrgID, cs[i].Version = "c"+string(rune(i)), "o", 1
	}
	b.ResetTimer()
	for b.Loop() {
		ix := exposure.NewIndex()
		for i := range cs {
			ix.Add(&cs[i])
		}
		ix.Prepare()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "computers/s")
}
