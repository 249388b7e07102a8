package bench_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"sakimori/internal/bench"
)

// TestMatchScanQuick runs the scanning benchmark in quick mode: every
// figure is produced, and the generated logs really contain listed
// values (a scan that hit nothing would measure nothing).
func TestMatchScanQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("benchmark smoke test")
	}
	b, ok := bench.Get("match-scan")
	if !ok {
		t.Fatal("match-scan not registered")
	}
	rs, err := b.Run(context.Background(), bench.Config{Dir: t.TempDir(), Quick: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bench.Result{}
	for _, r := range rs {
		got[r.Name] = r
	}
	for _, n := range []string{"zeek-conn-tsv", "zeek-dns-tsv", "suricata-eve", "text"} {
		for _, p := range []string{"match-scan/", "match-scan/full-"} {
			r, ok := got[p+n]
			if !ok || r.Value <= 0 || strings.Contains(r.Note, " 0 hits") {
				t.Errorf("%s%s: %+v", p, n, r)
			}
			if _, ok := got[p+n+"-batched"]; !ok {
				t.Errorf("%s%s-batched missing", p, n)
			}
		}
	}
	if r, ok := got["match-scan/grep-F-f-zeek-conn"]; ok && !strings.Contains(r.Note, "faster") {
		t.Errorf("grep comparison: %+v", r)
	}
}
