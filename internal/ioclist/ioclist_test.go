package ioclist

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/stix"
)

var now = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		kind Kind
		want string
		err  string
	}{
		{"198.51.100.7", KindIPv4, "198.51.100.7", ""},
		{"198[.]51[.]100[.]7", KindIPv4, "198.51.100.7", ""},
		{"198(.)51(.)100(.)7", KindIPv4, "198.51.100.7", ""},
		{"198.51.100.0/24", KindCIDR4, "198.51.100.0/24", ""},
		{"198.51.100.9/24", KindCIDR4, "198.51.100.0/24", ""},
		{"198.51.100.9/32", KindIPv4, "198.51.100.9", ""},
		{"2001:DB8::1", KindIPv6, "2001:db8::1", ""},
		{"2001:db8[:][:]1", KindIPv6, "2001:db8::1", ""},
		{"[2001:db8::1]", KindIPv6, "2001:db8::1", ""},
		{"2001:db8::/32", KindCIDR6, "2001:db8::/32", ""},
		{"example[.]com", KindDomain, "example.com", ""},
		{"Evil.Example.COM.", KindDomain, "evil.example.com", ""},
		{"ｅｘａｍｐｌｅ．ｊｐ", KindDomain, "example.jp", ""},
		{"例え.テスト", KindDomain, "xn--r8jz45g.xn--zckzah", ""},
		{"hxxp://evil[.]example/a?b=1", KindURL, "http://evil.example/a?b=1", ""},
		{"hxxps[://]evil[.]example", KindURL, "https://evil.example/", ""},
		{"hXXps://Evil.Example:443/x#frag", KindURL, "https://evil.example/x", ""},
		{"fxp://files.example/x", KindURL, "ftp://files.example/x", ""},
		{"http://it's.example/", "", "", "not allowed"},
		{"http://evil.example/it's", KindURL, "http://evil.example/it's", ""},
		{"Phish[@]Example[.]com", KindEmail, "phish@example.com", ""},
		{"phish(at)example(dot)com", KindEmail, "phish@example.com", ""},
		{"d41d8cd98f00b204e9800998ecf8427e", KindMD5, "d41d8cd98f00b204e9800998ecf8427e", ""},
		{"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", ""},
		{strings.Repeat("A", 64), KindSHA256, strings.Repeat("a", 64), ""},
		{strings.Repeat("b", 128), KindSHA512, strings.Repeat("b", 128), ""},
		{strings.Repeat("c", 33), "", "", "33 hex digits"},
		{"localhost", "", "", "not a recognisable indicator"},
		{"999.1.1.1", "", "", "not a valid IP address"},
		{"evil domain.example", "", "", "not allowed in domain names"},
		{"example.123", "", "", "numeric"},
		{"@example.com", "", "", "empty local part"},
		{"ftp://", "", "", "no host"},
		{"", "", "", "empty value"},
	}
	for _, tc := range tests {
		kind, v, err := Classify(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Classify(%q) = %s %q, %v; want error %q", tc.in, kind, v, err, tc.err)
			}
			continue
		}
		if err != nil || kind != tc.kind || v != tc.want {
			t.Errorf("Classify(%q) = %s %q, %v; want %s %q", tc.in, kind, v, err, tc.kind, tc.want)
		}
	}
}

const sample = "\ufeff# IOC list from a sector ISAC, 2026-01\n" +
	"\n" +
	"198[.]51[.]100[.]7   # C2\n" +
	"hxxp://update-check[.]example[.]net/dl/payload.bin\n" +
	"update-check.example.net,domain,C2\n" +
	"\"evil.example\",\"domain\"\n" +
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;sha256\n" +
	"198.51.100.7\n" +
	"UPDATE-CHECK.example.net.\r\n" +
	"not an indicator at all\n" +
	"// another comment style\n" +
	"2001:db8::dead\tscanner\n" +
	"http://evil.example/#frag # comment\n" +
	"999.0.0.1\n"

func TestParse(t *testing.T) {
	l := Parse([]byte(sample))
	want := []struct {
		line int
		kind Kind
		v    string
	}{
		{3, KindIPv4, "198.51.100.7"},
		{4, KindURL, "http://update-check.example.net/dl/payload.bin"},
		{5, KindDomain, "update-check.example.net"},
		{6, KindDomain, "evil.example"},
		{7, KindSHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{12, KindIPv6, "2001:db8::dead"},
		{13, KindURL, "http://evil.example/"},
	}
	if len(l.Entries) != len(want) {
		t.Fatalf("entries %+v\nproblems %v", l.Entries, l.Problems)
	}
	for i, w := range want {
		e := l.Entries[i]
		if e.Line != w.line || e.Kind != w.kind || e.Value != w.v {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
	}
	if len(l.Problems) != 2 || l.Problems[0].Line != 10 || l.Problems[1].Line != 14 {
		t.Errorf("problems %v", l.Problems)
	}
	if len(l.Duplicates) != 2 || l.Duplicates[0] != (Duplicate{Line: 8, First: 3}) || l.Duplicates[1] != (Duplicate{Line: 9, First: 5}) {
		t.Errorf("duplicates %v", l.Duplicates)
	}
}

func TestIndicators(t *testing.T) {
	conf := 70
	opts := Options{Now: now, TLP: marking.TLPAmber, Confidence: &conf, Labels: []string{"c2", " "}, IndicatorTypes: []string{"malicious-activity"},
		CreatedByRef: "identity--5f0c2d1e-8a7b-4c6d-9e0f-1a2b3c4d5e6f", Source: "isac-2026-01.txt", ValidUntil: now.Add(90 * 24 * time.Hour)}
	l, bundle, err := Import([]byte(sample), opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := stix.ParseBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(b.Objects) != len(l.Entries)+1 || b.Objects[0].Type != "marking-definition" {
		t.Fatalf("bundle has %d objects", len(b.Objects))
	}
	patterns := map[string]bool{}
	for _, o := range b.Objects[1:] {
		p, _ := o.Property("pattern")
		patterns[p.(string)] = true
		if len(o.ObjectMarkingRefs) != 1 || o.ObjectMarkingRefs[0] != marking.TLPAmber.StixID() || *o.Confidence != 70 ||
			o.CreatedByRef != opts.CreatedByRef || len(o.Labels) != 1 || o.Labels[0] != "c2" || !o.Created.Equal(now) {
			t.Errorf("indicator %s: %s", o.ID, o.Raw)
		}
	}
	for _, p := range []string{
		`[ipv4-addr:value = '198.51.100.7']`,
		`[domain-name:value = 'update-check.example.net']`,
		`[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']`,
		`[url:value = 'http://update-check.example.net/dl/payload.bin']`,
		`[ipv6-addr:value = '2001:db8::dead']`,
	} {
		if !patterns[p] {
			t.Errorf("missing %s in %v", p, patterns)
		}
	}
	// Same IOC, another import: same id.
	l2 := Parse([]byte("198.51.100.7\n"))
	if l2.Entries[0].ID() != l.Entries[0].ID() {
		t.Error("ids are not deterministic")
	}
	if l.Entries[0].ID() == (Entry{Kind: KindDomain, Value: "198.51.100.7"}).ID() {
		t.Error("kind is not part of the id")
	}
}

func TestQuoting(t *testing.T) {
	l := Parse([]byte(`http://evil.example/it's\x` + "\n"))
	if len(l.Entries) != 1 {
		t.Fatalf("%+v %v", l.Entries, l.Problems)
	}
	if got := l.Entries[0].Pattern(); got != `[url:value = 'http://evil.example/it\'s\\x']` {
		t.Errorf("pattern %s", got)
	}
	inds, err := Indicators(l.Entries, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(inds[0], &m)
	if m["valid_from"] != "2026-01-15T09:00:00.000Z" {
		t.Errorf("valid_from default: %v", m["valid_from"])
	}
}

func TestOptions(t *testing.T) {
	bad := -1
	for _, o := range []Options{
		{},
		{Now: now, Confidence: &bad},
		{Now: now, ValidUntil: now},
		{Now: now, TLP: marking.TLP(9)},
		{Now: now, CreatedByRef: "org--x"},
	} {
		if _, err := Indicators(nil, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	l, b, err := Import([]byte("# nothing\n"), Options{Now: now})
	if err != nil || b != nil || len(l.Entries) != 0 {
		t.Errorf("empty list: %v %s %v", l, b, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("hxxps[://]a[.]b/c'd\\e\n\"x,y\n[::1]\n1.2.3.4/33\n"))
	f.Add([]byte("ｅｘａｍｐｌｅ．ｊｐ\nfoo@例え.テスト\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := Parse(data)
		seen := map[string]bool{}
		for _, e := range l.Entries {
			k, v, err := Classify(e.Value)
			if err != nil || k != e.Kind || v != e.Value {
				t.Fatalf("entry %+v does not classify to itself: %s %q %v", e, k, v, err)
			}
			if seen[e.ID()] {
				t.Fatalf("duplicate entry %+v", e)
			}
			seen[e.ID()] = true
		}
		if _, _, err := Import(data, Options{Now: now, TLP: marking.TLPGreen}); err != nil {
			t.Fatalf("Import: %v", err)
		}
	})
}
