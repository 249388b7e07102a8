package match

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
	"sakimori/internal/stix/pattern"
)

func ind(k Kind, v, id string) Indicator {
	return Indicator{Kind: k, Value: v, ID: id, Name: "name " + id, TLP: marking.TLPGreen, Confidence: -1, Score: 50,
		Modified: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

var (
	md5Hex    = "d41d8cd98f00b204e9800998ecf8427e"
	sha1Hex   = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
	sha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	sha512Hex = strings.Repeat("cf83e1357eefb8bd", 8)
)

func testSet(t testing.TB) *Set {
	s, probs := Build([]Indicator{
		ind(KindIPv4, "192.0.2.1", "i-ip4"),
		ind(KindIPv6, "::ffff:198.51.100.7", "i-mapped"),
		ind(KindIPv6, "2001:DB8::1", "i-ip6"),
		ind(KindCIDR4, "10.0.0.0/8", "i-c8"),
		ind(KindCIDR4, "10.1.0.0/16", "i-c16"),
		ind(KindCIDR4, "10.1.2.0/24", "i-c24"),
		ind(KindCIDR6, "2001:db8:abcd::/48", "i-c6"),
		ind(KindCIDR6, "::ffff:203.0.113.0/120", "i-c6mapped"),
		ind(KindDomain, "EVIL.Example.", "i-evil"),
		ind(KindDomain, "bad.test", "i-bad"),
		ind(KindURL, "HTTP://Phish.Example:80", "i-url"),
		ind(KindURL, "https://x.example/a?b=1#frag", "i-url2"),
		ind(KindEmail, "Boss@Corp.Example", "i-mail"),
		ind(KindMD5, strings.ToUpper(md5Hex), "i-md5"),
		ind(KindSHA1, sha1Hex, "i-sha1"),
		ind(KindSHA256, sha256Hex, "i-sha256"),
		ind(KindSHA512, sha512Hex, "i-sha512"),
	})
	if len(probs) > 0 {
		t.Fatalf("problems: %+v", probs)
	}
	return s
}

func TestLookupKinds(t *testing.T) {
	s := testSet(t)
	tests := []struct {
		name   string
		k      Kind
		v      string
		wantID string // "" for no match
		value  string // the value that matched
	}{
		{"ipv4 exact", KindIPv4, "192.0.2.1", "i-ip4", "192.0.2.1"},
		{"ipv4 miss", KindIPv4, "192.0.2.2", "", ""},
		{"ipv4 leading zero is not an address", KindIPv4, "192.0.2.01", "", ""},
		{"mapped observable folds", KindIPv6, "::ffff:192.0.2.1", "i-ip4", "192.0.2.1"},
		{"mapped observable hex", KindIPv6, "::ffff:c000:201", "i-ip4", "192.0.2.1"},
		{"mapped indicator folds", KindIPv4, "198.51.100.7", "i-mapped", "198.51.100.7"},
		{"ipv6 exact any case", KindIPv6, "2001:0DB8:0::1", "i-ip6", "2001:db8::1"},
		{"ipv6 zone refused", KindIPv6, "2001:db8::1%eth0", "", ""},
		{"cidr most specific /24", KindIPv4, "10.1.2.3", "i-c24", "10.1.2.0/24"},
		{"cidr /16", KindIPv4, "10.1.3.3", "i-c16", "10.1.0.0/16"},
		{"cidr /8", KindIPv4, "10.200.0.1", "i-c8", "10.0.0.0/8"},
		{"cidr miss", KindIPv4, "11.0.0.1", "", ""},
		{"cidr6", KindIPv6, "2001:db8:abcd:1::5", "i-c6", "2001:db8:abcd::/48"},
		{"cidr6 mapped block folds", KindIPv4, "203.0.113.9", "i-c6mapped", "203.0.113.0/24"},
		{"domain exact", KindDomain, "evil.example", "i-evil", "evil.example"},
		{"domain case and dot", KindDomain, "EVIL.Example.", "i-evil", "evil.example"},
		{"subdomain walk", KindDomain, "a.b.EVIL.example", "i-evil", "evil.example"},
		{"label boundary", KindDomain, "notevil.example", "", ""},
		{"label boundary deep", KindDomain, "a.notevil.example", "", ""},
		{"parent not matched", KindDomain, "example", "", ""},
		{"domain empty label", KindDomain, "a..evil.example", "", ""},
		{"domain bad char", KindDomain, "a b.evil.example", "", ""},
		{"domain idn", KindDomain, "ａ.EVIL。example", "i-evil", "evil.example"},
		{"url default port and path", KindURL, "http://PHISH.example", "i-url", "http://phish.example/"},
		{"url explicit port", KindURL, "http://phish.example:80/", "i-url", "http://phish.example/"},
		{"url other port", KindURL, "http://phish.example:8080/", "", ""},
		{"url fragment dropped", KindURL, "HTTPS://X.Example/a?b=1#other", "i-url2", "https://x.example/a?b=1"},
		{"url path case kept", KindURL, "https://x.example/A?b=1", "", ""},
		{"email case", KindEmail, "BOSS@corp.example.", "i-mail", "boss@corp.example"},
		{"email miss", KindEmail, "boss@corp.example.jp", "", ""},
		{"md5 lower", KindMD5, md5Hex, "i-md5", md5Hex},
		{"md5 upper", KindMD5, strings.ToUpper(md5Hex), "i-md5", md5Hex},
		{"md5 wrong length", KindMD5, md5Hex[:30], "", ""},
		{"sha1", KindSHA1, strings.ToUpper(sha1Hex), "i-sha1", sha1Hex},
		{"sha256", KindSHA256, sha256Hex, "i-sha256", sha256Hex},
		{"sha256 as sha1", KindSHA1, sha256Hex, "", ""},
		{"sha512", KindSHA512, strings.ToUpper(sha512Hex), "i-sha512", sha512Hex},
		{"none kind", KindNone, "x", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, ok := s.Lookup(tt.k, []byte(tt.v))
			if ok != (tt.wantID != "") {
				t.Fatalf("Lookup(%s, %q) ok = %v", tt.k, tt.v, ok)
			}
			if !ok {
				return
			}
			got := s.Indicator(ref)
			if got.ID != tt.wantID || got.Value != tt.value {
				t.Errorf("Lookup(%s, %q) = %s %q, want %s %q", tt.k, tt.v, got.ID, got.Value, tt.wantID, tt.value)
			}
			if got.Name != "name "+tt.wantID || got.TLP != marking.TLPGreen || got.Score != 50 || got.Confidence != -1 ||
				!got.Modified.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || got.ValidUntil != nil {
				t.Errorf("metadata: %+v", got)
			}
		})
	}
	if s.Len() != 17 || s.Count(KindCIDR4) != 4 || s.Count(KindIPv4) != 2 || s.Count(KindCIDR6) != 1 || s.Count(KindDomain) != 2 {
		t.Errorf("Len %d, counts %v", s.Len(), s.count)
	}
	if ref, ok := s.LookupIP(netip.MustParseAddr("::ffff:10.1.2.200")); !ok || s.Value(ref) != "10.1.2.0/24" || s.Kind(ref) != KindCIDR4 {
		t.Errorf("LookupIP mapped: %v %v", ok, s.Value(ref))
	}
	if s.Indicator(-1) != nil || s.Indicator(mkRef(KindIPv4, 1<<26)) != nil {
		t.Error("Indicator of an invalid ref")
	}
}

func TestBuildProblemsAndDuplicates(t *testing.T) {
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	newer := old.Add(time.Hour)
	vu := newer.Add(time.Hour)
	in := []Indicator{
		{Kind: KindIPv4, Value: "1.2.3", ID: "bad-ip"},
		{Kind: KindDomain, Value: "a..b", ID: "bad-domain"},
		{Kind: KindMD5, Value: "xyz", ID: "bad-hash"},
		{Kind: KindNone, Value: "x", ID: "bad-kind"},
		{Kind: KindURL, Value: "/relative", ID: "bad-url"},
		{Kind: KindEmail, Value: "nobody", ID: "bad-mail"},
		{Kind: KindIPv4, Value: "1.2.3.4", ID: "low", Score: 10, Modified: newer},
		{Kind: KindIPv4, Value: "1.2.3.4", ID: "high-old", Score: 90, Modified: old},
		{Kind: KindIPv4, Value: "1.2.3.4/32", ID: "high-new", Score: 90, Modified: newer, ValidUntil: &vu},
		{Kind: KindIPv4, Value: "1.2.3.4", ID: "high-new-tie", Score: 90, Modified: newer},
		{Kind: KindDomain, Value: "Dup.Example", ID: "d1", Score: 5},
		{Kind: KindDomain, Value: "dup.example.", ID: "d2", Score: 6},
	}
	s, probs := Build(in)
	want := []Problem{{0, "value", ""}, {1, "value", ""}, {2, "value", ""}, {3, "kind", ""}, {4, "value", ""}, {5, "value", ""}}
	if len(probs) != len(want) {
		t.Fatalf("problems %+v", probs)
	}
	for i, p := range probs {
		if p.Index != want[i].Index || p.Field != want[i].Field || p.Message == "" {
			t.Errorf("problem %d = %+v, want index %d field %s", i, p, want[i].Index, want[i].Field)
		}
	}
	ref, ok := s.Lookup(KindIPv4, []byte("1.2.3.4"))
	if got := s.Indicator(ref); !ok || got.ID != "high-new" || got.ValidUntil == nil || !got.ValidUntil.Equal(vu) {
		t.Errorf("duplicate kept %+v", got)
	}
	ref, _ = s.Lookup(KindDomain, []byte("dup.example"))
	if got := s.Indicator(ref); got.ID != "d2" {
		t.Errorf("duplicate domain kept %s", got.ID)
	}
	if s.Len() != 2 {
		t.Errorf("Len = %d", s.Len())
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := testSet(t)
	var buf bytes.Buffer
	n, err := s.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v (wrote %d)", n, err, buf.Len())
	}
	data := buf.Bytes()
	r, err := ReadSet(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds {
		if r.Count(k) != s.Count(k) {
			t.Errorf("%s: %d values, want %d", k, r.Count(k), s.Count(k))
		}
		for ref := range s.Refs(k) {
			a := s.Indicator(ref)
			v := a.Value
			if k == KindCIDR4 || k == KindCIDR6 {
				continue
			}
			got, ok := r.Lookup(k, []byte(v))
			if !ok {
				t.Errorf("%s %s lost", k, v)
				continue
			}
			if b := r.Indicator(got); *b != *a && !(a.ValidUntil == nil && b.ValidUntil == nil && a.ID == b.ID) {
				t.Errorf("%s: %+v != %+v", k, b, a)
			}
		}
	}
	if ref, ok := r.Lookup(KindIPv4, []byte("10.1.2.9")); !ok || r.Value(ref) != "10.1.2.0/24" {
		t.Error("CIDR lost")
	}
	// Corruptions are errors naming what is wrong.
	flip := bytes.Clone(data)
	flip[20] ^= 1
	bad := map[string][]byte{
		"header":   append([]byte("SKMSET2\n"), data[8:]...),
		"trailer":  data[:len(data)-1],
		"checksum": flip,
	}
	for field, b := range bad {
		_, err := ReadSet(bytes.NewReader(b))
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Field != field {
			t.Errorf("%s: err = %v", field, err)
		}
	}
	if _, err := ReadSet(bytes.NewReader(nil)); err == nil {
		t.Error("empty file read")
	}
}

// TestNormURL: the allocation-free URL normaliser agrees with
// pattern.NormalizeURL.
func TestNormURL(t *testing.T) {
	for _, u := range []string{"http://a.example", "HTTP://A.EXAMPLE:80?x", "https://a.example:443/p#f", "ftp://a.example:21",
		"http://1.2.3.4:8080/x", "http://1.2.3.4./", "http://a.example./", "http://a_b.example/", "http://a.example:/",
		"http://[::1]/", "http://u@a.example/", "http://a.example/%41", "mailto:x@y", "http://a..example/", "http://123/"} {
		checkNormURL(t, u)
	}
}

func checkNormURL(t *testing.T, u string) {
	var buf [2048]byte
	n, st := normURL(buf[:], []byte(u))
	want, err := pattern.NormalizeURL(u)
	switch st {
	case normOK:
		if err != nil || string(buf[:n]) != want {
			t.Errorf("normURL(%q) = %q, NormalizeURL = %q, %v", u, buf[:n], want, err)
		}
	case normFail:
		if err == nil {
			t.Errorf("normURL(%q) failed, NormalizeURL = %q", u, want)
		}
	}
}

func FuzzNormURL(f *testing.F) {
	for _, u := range []string{"http://a.example", "HTTP://A.EXAMPLE:80?x", "https://a.example:443/p#f", "http://1.2.3.4./", "http://a_b.example/"} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u string) { checkNormURL(t, u) })
}

// FuzzLookup: any input is safe for every kind, and a domain, e-mail or
// URL that normalises to a listed value is found.
func FuzzLookup(f *testing.F) {
	f.Add(uint8(KindDomain), "a.EVIL.example.")
	f.Add(uint8(KindIPv6), "::ffff:10.1.2.3")
	f.Add(uint8(KindURL), "http://phish.example:80")
	f.Add(uint8(KindEmail), "boss@CORP.example")
	f.Add(uint8(KindMD5), md5Hex)
	s := testSet(f)
	f.Fuzz(func(t *testing.T, k uint8, v string) {
		ref, ok := s.Lookup(Kind(k), []byte(v))
		if ok && s.Indicator(ref) == nil {
			t.Fatal("hit without indicator")
		}
		if Kind(k) == KindDomain {
			d, err := pattern.NormalizeDomain(v)
			if err == nil {
				ref2, ok2 := s.Lookup(KindDomain, []byte(d))
				if ok2 != ok || ok && ref2 != ref {
					t.Errorf("%q matched %v, its normal form %q %v", v, ok, d, ok2)
				}
			}
		}
	})
}

func FuzzReadSet(f *testing.F) {
	var buf bytes.Buffer
	testSet(f).WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte("SKMSET1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ReadSet(bytes.NewReader(b))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := s.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		s2, err := ReadSet(&out)
		if err != nil || s2.Len() != s.Len() {
			t.Fatalf("re-read: %v, %d != %d", err, s2.Len(), s.Len())
		}
	})
}

// FuzzReadSetBody fuzzes the body behind a valid header and checksum, so
// that the parser itself is reached.
func FuzzReadSetBody(f *testing.F) {
	var buf bytes.Buffer
	testSet(f).WriteTo(&buf)
	b := buf.Bytes()
	f.Add(b[8 : len(b)-12])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, body []byte) {
		var in bytes.Buffer
		in.WriteString("SKMSET1\n")
		in.Write(body)
		var tr [12]byte
		binary.LittleEndian.PutUint64(tr[:], uint64(len(body)))
		binary.LittleEndian.PutUint32(tr[8:], crc32.Checksum(body, crcTable))
		in.Write(tr[:])
		s, err := ReadSet(&in)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		for _, k := range Kinds {
			for ref := range s.Refs(k) {
				if s.Indicator(ref) == nil {
					t.Fatal("bad ref")
				}
			}
		}
	})
}

// FuzzDomainPaths: a domain looked up alone, in a batch, and by the
// unbounded walk answers the same as a naive walk over the normal form.
func FuzzDomainPaths(f *testing.F) {
	for _, s := range []string{"a.EVIL.example.", "x.y.z.w.v.u.t.s.r.q.p.o.n.evil.example", "123", "a.123", "a..evil.example",
		"ＥＶＩＬ.example", strings.Repeat("a", 64) + ".example", "deep.l3.l2.l1.example"} {
		f.Add(s)
	}
	// Listed names of 2 to 16 labels, so that some names have more
	// listed label counts than a prepared probe holds.
	var inds []Indicator
	listed := map[string]bool{}
	name := "example"
	for n := 2; n <= 16; n++ {
		name = fmt.Sprintf("l%d.%s", n, name)
		listed[name] = true
		inds = append(inds, Indicator{Kind: KindDomain, Value: name, ID: "indicator--l" + strconv.Itoa(n), Score: 50, Confidence: -1})
	}
	listed["evil.example"] = true
	inds = append(inds, Indicator{Kind: KindDomain, Value: "evil.example", ID: "indicator--evil", Score: 50, Confidence: -1})
	s, probs := Build(inds)
	if len(probs) > 0 {
		f.Fatal(probs)
	}
	m := NewMatcher(s)
	f.Fuzz(func(t *testing.T, v string) {
		want := ""
		if d, err := pattern.NormalizeDomain(v); err == nil {
			for p := d; ; {
				if listed[p] {
					want = p
					break
				}
				i := strings.IndexByte(p, '.')
				if i < 0 {
					break
				}
				p = p[i+1:]
			}
		}
		got := func(ref int32, ok bool) string {
			if !ok {
				return ""
			}
			return s.Value(ref)
		}
		if g := got(s.Lookup(KindDomain, []byte(v))); g != want {
			t.Errorf("Lookup(%q) = %q, want %q", v, g, want)
		}
		mask, over, base := (&view{base: s}).domMask()
		w := view{base: s}
		if _, ref, ok := w.lookupDomainWalk([]byte(v), mask, over, base); got(ref, ok) != want {
			t.Errorf("lookupDomainWalk(%q) = %q, want %q", v, got(ref, ok), want)
		}
		out := make([]Hit, 3)
		m.LookupBatch([]Observable{{Kind: KindIPv4, Value: []byte("192.0.2.1")}, {Kind: KindDomain, Value: []byte(v)}, {Kind: KindDomain, Value: []byte("l2.example")}}, out)
		g := ""
		if out[1].Set != nil {
			g = out[1].Set.Value(out[1].Ref)
		}
		if g != want {
			t.Errorf("LookupBatch(%q) = %q, want %q", v, g, want)
		}
	})
}
