package export

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/match"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	t1 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
)

const (
	idA = "indicator--0a1b2c3d-0000-4000-8000-000000000001"
	idB = "indicator--0a1b2c3d-0000-4000-8000-000000000002"
	idC = "indicator--0a1b2c3d-0000-4000-8000-000000000003"
	idD = "indicator--0a1b2c3d-0000-4000-8000-000000000004"
)

func ind(k match.Kind, v, id string, tlp marking.TLP) match.Indicator {
	return match.Indicator{Kind: k, Value: v, ID: id, TLP: tlp, Confidence: 80, Score: 70, Modified: t0}
}

// fixture covers every kind and the tricky values: IDN domain, IPv6,
// nested CIDRs, an address inside a CIDR, a URL with quotes, semicolons,
// backslash and pipe, an upper-case hash, an IPv4-mapped address, one
// STIX id with two values, and two invalid values.
func fixture() []match.Indicator {
	named := ind(match.KindIPv4, "1.2.3.4", idA, marking.TLPGreen)
	named.Name = `Bad "host"; with\backslash`
	named.ValidUntil = &t1
	noconf := ind(match.KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", idD, marking.TLPClear)
	noconf.Confidence = -1
	return []match.Indicator{
		named,
		ind(match.KindDomain, "evil.example", idA, marking.TLPGreen),
		ind(match.KindIPv4, "::ffff:5.6.7.8", idB, marking.TLPAmber),
		ind(match.KindIPv4, "10.1.2.3", idB, marking.TLPAmber),
		ind(match.KindIPv6, "2001:DB8:0:0:1::2", idB, marking.TLPAmber),
		ind(match.KindIPv6, "2001:db8::1", idB, marking.TLPAmber),
		ind(match.KindCIDR4, "10.0.0.0/8", idB, marking.TLPAmber),
		ind(match.KindCIDR4, "10.1.0.0/16", idC, marking.TLPAmberStrict),
		ind(match.KindCIDR4, "192.0.2.0/24", idC, marking.TLPAmberStrict),
		ind(match.KindCIDR6, "2001:db8:100::/48", idC, marking.TLPAmberStrict),
		ind(match.KindDomain, "sub.evil.example", idC, marking.TLPAmberStrict),
		ind(match.KindDomain, "xn--r8jz45g.example", idC, marking.TLPRed),
		ind(match.KindDomain, "under_score.example", idC, marking.TLPRed),
		ind(match.KindURL, `http://evil.example/a?b="c";d\e|f`, idD, marking.TLPClear),
		ind(match.KindURL, "http://evil.example:8080/p/%E3%81%82", idD, marking.TLPClear),
		ind(match.KindURL, "https://login.evil.example/", idD, marking.TLPClear),
		ind(match.KindURL, "http://[2001:db8::1]/x", idD, marking.TLPClear),
		ind(match.KindEmail, "Bad.Sender@evil.example", idD, marking.TLPClear),
		ind(match.KindMD5, "D41D8CD98F00B204E9800998ECF8427E", idD, marking.TLPClear),
		noconf,
		ind(match.KindSHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", idD, marking.TLPClear),
		ind(match.KindSHA512, strings.Repeat("cf83e135", 16), idD, marking.TLPClear),
		ind(match.KindDomain, "bad domain.example", idD, marking.TLPClear), // invalid
		ind(match.KindURL, "http://x.example/a\nb", idD, marking.TLPClear), // invalid
	}
}

func opts() Options {
	return Options{Name: "sakimori-block", Generated: t0.Add(time.Hour), Source: "https://sakimori.example/api"}
}

func render(t *testing.T, f Format, inds []match.Indicator, o Options) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Write(&buf, f, inds, o)
	if err != nil {
		t.Fatalf("Write(%s): %v", f, err)
	}
	return buf.Bytes(), st
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			o := opts()
			if f == FormatSuricataDataset {
				for _, k := range Supported(f) {
					o.Kinds = []match.Kind{k}
					got, _ := render(t, f, fixture(), o)
					golden(t, FileName(f, o), got)
				}
				return
			}
			if f == FormatMISPFeed {
				files, _, err := MISPFeed(fixture(), o)
				if err != nil {
					t.Fatal(err)
				}
				var all bytes.Buffer
				for _, n := range sortedKeys(files) {
					all.WriteString("==> " + n + " <==\n")
					all.Write(files[n])
				}
				golden(t, "misp-feed.golden", all.Bytes())
				return
			}
			got, _ := render(t, f, fixture(), o)
			golden(t, FileName(f, o), got)
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestStats(t *testing.T) {
	all := len(fixture())
	cases := []struct {
		f       Format
		kinds   []match.Kind
		written int
		skipped map[match.Kind]int
	}{
		{FormatTXT, nil, all - 2, map[match.Kind]int{match.KindDomain: 1, match.KindURL: 1}},
		{FormatTXT, []match.Kind{match.KindDomain}, 4, map[match.Kind]int{match.KindDomain: 1, match.KindIPv4: 3, match.KindIPv6: 2, match.KindCIDR4: 3, match.KindCIDR6: 1, match.KindURL: 5, match.KindEmail: 1, match.KindMD5: 1, match.KindSHA1: 1, match.KindSHA256: 1, match.KindSHA512: 1}},
		{FormatNFT, nil, 9, map[match.Kind]int{match.KindDomain: 5, match.KindURL: 5, match.KindEmail: 1, match.KindMD5: 1, match.KindSHA1: 1, match.KindSHA256: 1, match.KindSHA512: 1}},
		{FormatHosts, nil, 4, map[match.Kind]int{match.KindDomain: 1, match.KindIPv4: 3, match.KindIPv6: 2, match.KindCIDR4: 3, match.KindCIDR6: 1, match.KindURL: 5, match.KindEmail: 1, match.KindMD5: 1, match.KindSHA1: 1, match.KindSHA256: 1, match.KindSHA512: 1}},
		// Suricata: https and IPv6-literal URLs and the invalid one are skipped, hashes and e-mail too.
		{FormatSuricata, nil, 9 + 4 + 2, map[match.Kind]int{match.KindDomain: 1, match.KindURL: 3, match.KindEmail: 1, match.KindMD5: 1, match.KindSHA1: 1, match.KindSHA256: 1, match.KindSHA512: 1}},
		{FormatZeek, nil, all - 2 - 1, map[match.Kind]int{match.KindDomain: 1, match.KindURL: 2}},
	}
	for _, c := range cases {
		o := opts()
		o.Kinds = c.kinds
		_, st := render(t, c.f, fixture(), o)
		if st.Written != c.written || st.Written+st.Skipped != all {
			t.Errorf("%s %v: written %d skipped %d, want written %d of %d", c.f, c.kinds, st.Written, st.Skipped, c.written, all)
		}
		for k, n := range c.skipped {
			if st.SkippedKinds[k] != n {
				t.Errorf("%s %v: skipped %s = %d, want %d (%v)", c.f, c.kinds, k, st.SkippedKinds[k], n, st.SkippedKinds)
			}
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	cases := []struct {
		f     Format
		o     Options
		field string
	}{
		{FormatTXT, Options{Name: "Bad"}, "name"},
		{FormatTXT, Options{Name: "a b"}, "name"},
		{FormatTXT, Options{Name: "1abc"}, "name"},
		{FormatTXT, Options{Name: strings.Repeat("a", 32)}, "name"},
		{FormatNFT, Options{Name: strings.Repeat("a", 29)}, "name"},
		{FormatIPSet, Options{Name: strings.Repeat("a", 29)}, "name"},
		{FormatRPZ, Options{Zone: "bad zone."}, "zone"},
		{FormatTXT, Options{SIDBase: -1}, "sid_base"},
		{FormatTXT, Options{Source: "a\nb"}, "source"},
		{FormatSuricataDataset, Options{}, "kinds"},
		{FormatSuricataDataset, Options{Kinds: []match.Kind{match.KindIPv4, match.KindIPv6}}, "kinds"},
		{FormatSuricataDataset, Options{Kinds: []match.Kind{match.KindCIDR4}}, "kinds"},
		{FormatTXT, Options{Kinds: []match.Kind{99}}, "kinds[0]"},
		{"nope", Options{}, "format"},
	}
	for _, c := range cases {
		_, err := Write(io.Discard, c.f, nil, c.o)
		if err == nil || !strings.Contains(err.Error(), ": "+c.field+": ") {
			t.Errorf("%s %+v: err %v, want one about %s", c.f, c.o, err, c.field)
		}
	}
	if _, err := Write(io.Discard, FormatNFT, nil, Options{Name: strings.Repeat("a", 28)}); err != nil {
		t.Errorf("28-character nft name refused: %v", err)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, f := range Formats {
		o := opts()
		if f == FormatSuricataDataset {
			o.Kinds = []match.Kind{match.KindIPv4}
		}
		_, st := render(t, f, nil, o)
		if st.Written != 0 || st.Skipped != 0 {
			t.Errorf("%s: %+v", f, st)
		}
	}
}

func TestOrderIndependent(t *testing.T) {
	in := fixture()
	rev := slices.Clone(in)
	slices.Reverse(rev)
	for _, f := range Formats {
		o := opts()
		if f == FormatSuricataDataset {
			o.Kinds = []match.Kind{match.KindDomain}
		}
		a, _ := render(t, f, in, o)
		b, _ := render(t, f, rev, o)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: output depends on input order", f)
		}
	}
}

func TestETag(t *testing.T) {
	in := fixture()
	o := opts()
	e1 := ETag(FormatCSV, o, in)
	if !strings.HasPrefix(e1, `"`) || !strings.HasSuffix(e1, `"`) || len(e1) != 42 {
		t.Fatalf("ETag %s is not a quoted strong tag", e1)
	}
	rev := slices.Clone(in)
	slices.Reverse(rev)
	if ETag(FormatCSV, o, rev) != e1 || ETag(FormatCSV, opts(), fixture()) != e1 {
		t.Error("ETag not stable across order or calls")
	}
	// Pinned: the tag must not change between runs or releases by accident.
	if *update {
		os.WriteFile("testdata/etag.golden", []byte(e1), 0o644)
	} else if want, _ := os.ReadFile("testdata/etag.golden"); string(want) != e1 {
		t.Errorf("ETag %s, pinned %s", e1, want)
	}
	changes := map[string]func([]match.Indicator, *Options){
		"value":       func(x []match.Indicator, _ *Options) { x[0].Value = "1.2.3.5" },
		"id":          func(x []match.Indicator, _ *Options) { x[0].ID = idC },
		"modified":    func(x []match.Indicator, _ *Options) { x[0].Modified = x[0].Modified.Add(time.Millisecond) },
		"name":        func(x []match.Indicator, _ *Options) { x[0].Name = "other" },
		"tlp":         func(x []match.Indicator, _ *Options) { x[0].TLP = marking.TLPRed },
		"confidence":  func(x []match.Indicator, _ *Options) { x[0].Confidence = 1 },
		"score":       func(x []match.Indicator, _ *Options) { x[0].Score = 1 },
		"valid_until": func(x []match.Indicator, _ *Options) { x[0].ValidUntil = nil },
		"removed":     func(x []match.Indicator, _ *Options) { x[len(x)-1] = x[0] },
		"opt name":    func(_ []match.Indicator, o *Options) { o.Name = "other" },
		"opt kinds":   func(_ []match.Indicator, o *Options) { o.Kinds = []match.Kind{match.KindIPv4} },
		"opt gen":     func(_ []match.Indicator, o *Options) { o.Generated = o.Generated.Add(time.Second) },
		"opt source":  func(_ []match.Indicator, o *Options) { o.Source = "x" },
		"opt sid":     func(_ []match.Indicator, o *Options) { o.SIDBase = 1 },
		"opt zone":    func(_ []match.Indicator, o *Options) { o.Zone = "x.example." },
	}
	seen := map[string]string{e1: "original"}
	for name, ch := range changes {
		x, o2 := fixture(), opts()
		ch(x, &o2)
		e := ETag(FormatCSV, o2, x)
		if prev, dup := seen[e]; dup {
			t.Errorf("%s: ETag same as %s", name, prev)
		}
		seen[e] = name
	}
	if ETag(FormatTXT, o, in) == e1 {
		t.Error("ETag does not depend on the format")
	}
}

func TestMISPTar(t *testing.T) {
	files, _, err := MISPFeed(fixture(), opts())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := render(t, FormatMISPFeed, fixture(), opts())
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	got := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name], _ = io.ReadAll(tr)
	}
	if len(got) != len(files) {
		t.Fatalf("tar has %d files, feed %d", len(got), len(files))
	}
	for n, b := range files {
		if !bytes.Equal(got[n], b) {
			t.Errorf("tar %s differs", n)
		}
	}
}
