package exposure_test

import (
	"testing"

	"sakimori/internal/bench"
	"sakimori/internal/exposure"
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
	b.ResetTimer()
	for b.Loop() {
		if got := ix.Match(&v); len(got) != n {
			b.Fatalf("%d exposures, want %d", len(got), n)
		}
	}
}
