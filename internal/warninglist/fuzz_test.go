package warninglist

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// FuzzParse: Parse never panics, returns either a list or an *Error naming
// the file, and a list it returns is usable: every entry of a string,
// hostname or cidr list matches itself through Check.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"rfc1918.json", "empty-hashes.json", "url-shortener.json", "rfc6761.json", "ipv6-linklocal.json"} {
		data, err := os.ReadFile(filepath.Join(sharedDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, typ := range []string{"string", "substring", "hostname", "cidr", "regex"} {
		f.Add(doc(map[string]any{"type": typ, "list": []any{"A.example.", "10.0.0/8", "::ffff:1.2.3.4", "/x/i", "例え.jp", 1, nil, "a", "a"}}))
	}
	f.Add([]byte(`{"name":"n","description":"d","version":1,"type":"cidr","list":{"10.0.0.0/8":"c","x":1}}`))
	f.Add([]byte(`{"name":"n","description":"d","version":1e3,"type":"string","list":["x"],"matching_attributes":["md5",2,"md5"]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"list": "`))

	f.Fuzz(func(t *testing.T, data []byte) {
		l, probs, err := Parse("f.json", data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.File != "f.json" || l != nil || probs != nil {
				t.Fatalf("err %T %v, list %v, problems %v", err, err, l, probs)
			}
			return
		}
		if l == nil || l.Name == "" || !slices.Contains(types, l.Type) || l.File != "f.json" {
			t.Fatalf("bad list %+v", l)
		}
		for _, p := range probs {
			if p.File != "f.json" || p.Msg == "" {
				t.Fatalf("bad problem %+v", p)
			}
		}
		for i := 1; i < len(l.Entries); i++ {
			if l.Entries[i].Pos <= l.Entries[i-1].Pos {
				t.Fatalf("entries out of order: %+v", l.Entries)
			}
		}
		var s Set
		if err := s.Add(l); err != nil {
			t.Fatal(err)
		}
		kinds := l.Kinds()
		for _, e := range l.Entries {
			for _, k := range kinds {
				hits := s.Check(k, e.Value) // must not panic, whatever the kind
				if len(hits) > 1 {
					t.Fatalf("%d hits from one list: %+v", len(hits), hits)
				}
				if !selfMatches(l.Type, k, e) {
					continue
				}
				if len(hits) != 1 {
					t.Fatalf("%s entry %q checked as %s: no hit", l.Type, e.Value, k)
				}
				if (l.Type == TypeCIDR || l.Type == TypeHostname) && hits[0].Entry != e.Value {
					t.Fatalf("%s entry %q checked as %s: hit %q", l.Type, e.Value, k, hits[0].Entry)
				}
			}
		}
	})
}

// selfMatches says whether checking entry e's own text as kind k must hit
// its list.
func selfMatches(t Type, k Kind, e Entry) bool {
	if strings.TrimSpace(e.Value) != e.Value {
		return false // Check trims the values it is given
	}
	switch t {
	case TypeString, TypeSubstring:
		return true
	case TypeCIDR:
		return k == KindCIDR || k == KindIP || k == KindString
	case TypeHostname:
		return k == KindDomain || k == KindHostname
	}
	return false
}

var (
	fuzzSetOnce sync.Once
	fuzzSet     *Set
)

// FuzzCheck: Check never panics, whatever the kind and value; it returns at
// most one hit per list, in list order, only from lists that apply to the
// kind; its cidr and hostname hits are right (the network contains the
// value, the entry is a parent domain of the host) and agree with the naive
// oracle on a small set of lists with every type.
func FuzzCheck(f *testing.F) {
	for _, kv := range [][2]string{
		{"ip", "8.8.8.8"}, {"ip", "::ffff:10.1.2.3"}, {"ip", "fe80::1%eth0"}, {"cidr", "10.0.0.0/7"},
		{"cidr", "2001:db8::/33"}, {"domain", "a.b.duckdns.org."}, {"hostname", "ÉXAMPLE.例え.jp"},
		{"url", "https://user@[2001:db8::1]:8443/x?y"}, {"url", "bit.ly/x"}, {"email", "a@b@Example.com"},
		{"md5", "D41D8CD98F00B204E9800998ECF8427E"}, {"ssdeep", "3::"}, {"string", "10.1.2.3"},
		{"string", "http://10.1.2.3/"}, {"filename", "Invoice.PDF"}, {"nonsense", "x"}, {"ip", ""},
	} {
		f.Add(kv[0], kv[1])
	}
	shared := loadShared(f)
	fuzzSetOnce.Do(func() {
		fuzzSet = new(Set)
		err := fuzzSet.Add(
			mustList(f, "nets.json", "cidr", []string{"ip-src", "url"}, "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "0.0.0.0/0", "2001:db8::/32", "::ffff:192.0.2.0/120"),
			mustList(f, "all-nets.json", "cidr", nil, "10.1.0.0/16", "192.0.2.128/25", "::/0"),
			mustList(f, "hosts.json", "hostname", nil, ".Example.com", "deep.sub.example.org", "192.0.2.1", "例え.jp", "jp"),
			mustList(f, "strings.json", "string", nil, "Admin@Example.com", "Invoice.PDF", "10.1.2.3", "例え.jp"),
			mustList(f, "subs.json", "substring", nil, "/wp-admin/", "Tracking"),
			mustList(f, "regexes.json", "regex", nil, "/^ns[0-9]+\\./i", `^\d{3}-555-\d{4}$`),
		)
		if err != nil {
			f.Fatal(err)
		}
	})
	f.Fuzz(func(t *testing.T, kind, value string) {
		for _, s := range []*Set{shared, fuzzSet} {
			hits := s.Check(Kind(kind), value)
			checkHitInvariants(t, s, Kind(kind), value, hits)
		}
		var got []string
		for _, h := range fuzzSet.Check(Kind(kind), value) {
			if h.Type == TypeCIDR || h.Type == TypeHostname {
				got = append(got, h.File+"="+h.Entry)
			}
		}
		k := kindID(Kind(kind))
		if k == kUnknown || strings.TrimSpace(value) == "" {
			return
		}
		if k != kIP && k != kCIDR && k != kDomain && k != kHostname {
			return // the oracle handles the value itself only
		}
		if want := naiveCheck(fuzzSet, Kind(kind), value); !slices.Equal(got, want) {
			t.Fatalf("Check(%q, %q) = %q, oracle %q", kind, value, got, want)
		}
	})
}

func checkHitInvariants(t *testing.T, s *Set, kind Kind, value string, hits []Hit) {
	t.Helper()
	st := s.cur.Load()
	last := -1
	for _, h := range hits {
		i, ok := st.byName[h.List]
		if !ok {
			t.Fatalf("hit from unknown list %q", h.List)
		}
		l := st.lists[i]
		if i <= last {
			t.Fatalf("hits out of order or two from one list: %+v", hits)
		}
		last = i
		if !st.enabled[i] || !l.kinds.has(kindID(kind)) {
			t.Fatalf("hit from list %q that does not apply to %q", l.Name, kind)
		}
		var e *Entry
		for j := range l.Entries {
			if l.Entries[j].Value == h.Entry {
				e = &l.Entries[j]
			}
		}
		if e == nil {
			t.Fatalf("hit entry %q not in list %q", h.Entry, l.Name)
		}
		switch l.Type {
		case TypeCIDR:
			p, ok := parseIPOrPrefix(h.Value)
			if !ok || !e.prefix.Contains(p.Addr()) || e.prefix.Bits() > p.Bits() {
				t.Fatalf("Check(%q, %q): %s does not contain %q", kind, value, e.prefix, h.Value)
			}
		case TypeHostname:
			if a, err := netip.ParseAddr(h.Value); err == nil {
				if a.WithZone("").Unmap().String() != e.key {
					t.Fatalf("Check(%q, %q): address %q is not %q", kind, value, h.Value, e.key)
				}
			} else if h.Value != e.key && !strings.HasSuffix(h.Value, "."+e.key) {
				t.Fatalf("Check(%q, %q): %q is not %q or a subdomain", kind, value, h.Value, e.key)
			}
		case TypeSubstring:
			if !strings.Contains(h.Value, e.key) && !strings.Contains(h.Value, e.fold) {
				t.Fatalf("Check(%q, %q): %q does not contain %q", kind, value, h.Value, e.key)
			}
		case TypeRegex:
			if !e.re.MatchString(h.Value) {
				t.Fatalf("Check(%q, %q): %q does not match %q", kind, value, h.Value, e.Value)
			}
		}
	}
}
