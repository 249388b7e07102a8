package logscan

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"sakimori/internal/match"
	"sakimori/internal/stix/pattern"
)

func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for _, l := range bytes.Split(data, []byte("\n")) {
			f.Add(l)
		}
	}
}

// scanCheck scans data and fails on an invalid or non-normalised
// observable.
func scanCheck(t *testing.T, data []byte, format Format) {
	sc := NewScanner(bytes.NewReader(data), format)
	err := sc.Scan(func(r *Record) error {
		if r.Line < 1 || r.Offset < 0 || r.Offset >= int64(len(data))+1 {
			t.Fatalf("bad position line %d offset %d", r.Line, r.Offset)
		}
		if r.Time != 0 && (r.Time < MinTime || r.Time > sc.maxTime) {
			t.Fatalf("line %d: time %d (%s) out of bounds", r.Line, r.Time, fmtTime(r.Time))
		}
		for _, o := range r.Observables {
			if msg := checkObservable(o); msg != "" {
				t.Fatalf("line %d: %s %q (field %q): %s", r.Line, o.Kind, o.Value, o.Field, msg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	st := sc.Stats()
	if st.Records+st.Skipped > st.Lines {
		t.Fatalf("stats %+v", st)
	}
}

func FuzzZeekTSV(f *testing.F) {
	addSeeds(f, "zeek_conn.log", "zeek_dns.log", "zeek_http.log", "zeek_files.log", "zeek_multi.log")
	f.Fuzz(func(t *testing.T, data []byte) { scanCheck(t, data, FormatZeekTSV) })
}

func FuzzJSON(f *testing.F) {
	addSeeds(f, "zeek.json", "eve.json", "generic.jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		scanCheck(t, data, FormatZeekJSON)
		scanCheck(t, data, FormatSuricataEVE)
		scanCheck(t, data, FormatJSONL)
	})
}

func FuzzAccessLog(f *testing.F) {
	addSeeds(f, "nginx_access.log", "apache_vhost.log")
	f.Fuzz(func(t *testing.T, data []byte) { scanCheck(t, data, FormatAccessLog) })
}

func FuzzCSV(f *testing.F) {
	addSeeds(f, "flows.csv")
	f.Fuzz(func(t *testing.T, data []byte) { scanCheck(t, data, FormatCSV) })
}

func FuzzText(f *testing.F) {
	addSeeds(f, "advisory.txt")
	f.Add([]byte("hxxp://a[.]b(.)c/x?y=1 user[at]x[.]org 2001:db8::1:80 ::ffff:1.2.3.4 http://[::ffff:1.2.3.4]:80/"))
	f.Fuzz(func(t *testing.T, data []byte) { scanCheck(t, data, FormatText) })
}

func FuzzDetect(f *testing.F) {
	addSeeds(f, "zeek_conn.log", "zeek.json", "eve.json", "generic.jsonl", "nginx_access.log", "flows.csv", "advisory.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Detect(data)
		if _, err := ParseFormat(string(got)); err != nil || got == "" {
			t.Fatalf("Detect = %q", got)
		}
		scanCheck(t, data, "")
	})
}

// FuzzIP compares the byte parsers with net/netip.
func FuzzIP(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "01.2.3.4", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:1.2.3.4",
		"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "::1.2.3.4", "2001:DB8::ABCD", "0:0:0:0:0:ffff:c000:0280"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := netip.ParseAddr(string(b))
		var s Scanner
		k, v := s.ip(b)
		if err != nil || a.Zone() != "" {
			if k != match.KindNone {
				t.Fatalf("%q: got %s %q, netip refuses it", b, k, v)
			}
			return
		}
		want := a.Unmap().String()
		wantKind := match.KindIPv6
		if a.Unmap().Is4() {
			wantKind = match.KindIPv4
		}
		if k != wantKind || string(v) != want {
			t.Fatalf("%q: got %s %q, want %s %q", b, k, v, wantKind, want)
		}
		if a.Is6() {
			ip6, ok := parseIPv6(b)
			if !ok || string(appendIPv6(nil, &ip6)) != a.String() {
				t.Fatalf("%q: appendIPv6 = %q, want %q", b, appendIPv6(nil, &ip6), a.String())
			}
		}
	})
}

// FuzzNormalize compares the URL, domain and e-mail fast paths with
// package pattern: whatever they accept must be what pattern makes of it.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"http://Example.COM:80/a?b#c", "HTTPS://[2001:DB8::1]:443", "ftp://a.b:21", "http://a.b:/x", "http://user@a.b/",
		"http://a.b/%zz", "http://a.b/?%zz", "http://a.b/#%zz", "http://1.2.3.4:8080/", "http://[::ffff:1.2.3.4]/", "Foo.Example.", "a..b", "x@Y.Example",
		"http://b\u00fccher.example/"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Scanner
		if v := s.url(b); v != nil {
			want, err := pattern.NormalizeURL(string(b))
			if err != nil || want != string(v) {
				t.Fatalf("url(%q) = %q, pattern: %q %v", b, v, want, err)
			}
		}
		if v := s.domain(b, false); v != nil {
			want, err := pattern.NormalizeDomain(string(b))
			if err != nil || want != string(v) {
				t.Fatalf("domain(%q) = %q, pattern: %q %v", b, v, want, err)
			}
		}
		if v := s.email(b, false); v != nil {
			want, err := pattern.NormalizeEmail(string(b))
			if err != nil || want != string(v) {
				t.Fatalf("email(%q) = %q, pattern: %q %v", b, v, want, err)
			}
		}
	})
}
