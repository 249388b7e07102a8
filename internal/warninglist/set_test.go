package warninglist

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"sakimori/internal/apperr"
)

var (
	sharedOnce sync.Once
	sharedSet  *Set
	sharedRes  []FileResult
	sharedErr  error
)

// loadShared returns a Set with every real list loaded. Tests must not
// change it (use newSharedSet for that).
func loadShared(t testing.TB) *Set {
	t.Helper()
	sharedOnce.Do(func() {
		sharedSet = new(Set)
		sharedRes, sharedErr = sharedSet.LoadDir(sharedDir)
	})
	if sharedErr != nil {
		t.Fatalf("LoadDir(%s): %v", sharedDir, sharedErr)
	}
	return sharedSet
}

func newSharedSet(t testing.TB) *Set {
	t.Helper()
	s := new(Set)
	if _, err := s.LoadDir(sharedDir); err != nil {
		t.Fatal(err)
	}
	return s
}

// mustList parses a list document and fails on any error or problem.
func mustList(t testing.TB, file, typ string, matching []string, entries ...string) *List {
	t.Helper()
	fields := map[string]any{"name": file, "type": typ, "list": entries}
	if matching != nil {
		fields["matching_attributes"] = matching
	}
	l, probs, err := Parse(file, doc(fields))
	if err != nil || len(probs) > 0 {
		t.Fatalf("Parse(%s): %v %v", file, err, probs)
	}
	return l
}

// hitStrings renders hits as "file=entry" for comparison.
func hitStrings(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.File+"="+h.Entry)
	}
	return out
}

func TestLoadDirShared(t *testing.T) {
	s := loadShared(t)
	if len(sharedRes) != 16 {
		t.Fatalf("%d files loaded, want the 16 lists (schema.json skipped)", len(sharedRes))
	}
	for _, r := range sharedRes {
		if r.Err != nil {
			t.Errorf("%s: %v", r.File, r.Err)
		}
		wantProblems := 0
		if r.File == "public-dns-hostname.json" {
			wantProblems = 4
		}
		if len(r.Problems) != wantProblems {
			t.Errorf("%s: %d problems, want %d: %v", r.File, len(r.Problems), wantProblems, r.Problems)
		}
		if r.Entries == 0 || r.List == "" {
			t.Errorf("%s: %+v", r.File, r)
		}
	}
	if s.Len() != 16 {
		t.Errorf("Len = %d", s.Len())
	}
	infos := s.Lists()
	if infos[0].File != "common-ioc-false-positive.json" || !infos[0].Enabled || infos[0].Entries != 69 {
		t.Errorf("first list %+v", infos[0])
	}
}

func TestCheckShared(t *testing.T) {
	s := loadShared(t)
	tests := []struct {
		kind  Kind
		value string
		want  []string // file=entry, in load (file name) order
	}{
		// cidr lists
		{KindIP, "8.8.8.8", []string{"public-dns-v4.json=8.8.8.8"}},
		{KindIP, " 9.9.9.9 ", []string{"public-dns-v4.json=9.9.9.9"}},
		{KindIP, "8.8.8.9", nil},
		{KindIP, "10.1.2.3", []string{"rfc1918.json=10.0.0.0/8", "rfc5735.json=10.0.0.0/8"}},
		{KindIP, "::ffff:10.1.2.3", []string{"rfc1918.json=10.0.0.0/8", "rfc5735.json=10.0.0.0/8"}},
		{KindIP, "172.31.255.255", []string{"rfc1918.json=172.16.0.0/12", "rfc5735.json=172.16.0.0/12"}},
		{KindIP, "172.32.0.1", nil},
		{KindIP, "224.0.0.251", []string{"multicast.json=224.0.0.0/8", "rfc5735.json=224.0.0.0/4"}},
		{KindIP, "100.64.1.1", []string{"rfc6598.json=100.64.0.0/10"}},
		{KindIP, "104.244.12.5", []string{"sinkholes.json=104.244.12.0/22"}},
		{KindIP, "104.244.16.1", nil},
		{KindIP, "2001:db8::1", []string{"rfc3849.json=2001:DB8::/32"}},
		{KindIP, "2001:DB8:0:0::1", []string{"rfc3849.json=2001:DB8::/32"}},
		{KindIP, "2001:4860:4860::8888", []string{"public-dns-v6.json=2001:4860:4860::8888"}},
		{KindIP, "fe80::1%eth0", []string{"ipv6-linklocal.json=FE80::/10"}},
		{KindIP, "93.184.216.34", nil},
		{KindIP, "not an address", nil},
		{"ipv4", "127.0.0.1", []string{"rfc5735.json=127.0.0.0/8"}},
		{KindCIDR, "10.1.0.0/16", []string{"rfc1918.json=10.0.0.0/8", "rfc5735.json=10.0.0.0/8"}},
		{KindCIDR, "10.0.0.0/8", []string{"rfc1918.json=10.0.0.0/8", "rfc5735.json=10.0.0.0/8"}},
		{KindCIDR, "10.0.0.0/7", nil}, // wider than any listed network
		{KindCIDR, "192.168.10.7/24", []string{"rfc1918.json=192.168.0.0/16", "rfc5735.json=192.168.0.0/16"}},
		{KindCIDR, "8.8.8.8/32", []string{"public-dns-v4.json=8.8.8.8"}},
		{KindCIDR, "8.8.8.0/24", nil}, // contains a listed address but is not contained in one
		// string lists: hashes without regard to case, ssdeep exactly
		{KindMD5, "d41d8cd98f00b204e9800998ecf8427e", []string{"common-ioc-false-positive.json=d41d8cd98f00b204e9800998ecf8427e", "empty-hashes.json=d41d8cd98f00b204e9800998ecf8427e"}},
		{KindMD5, "D41D8CD98F00B204E9800998ECF8427E", []string{"common-ioc-false-positive.json=d41d8cd98f00b204e9800998ecf8427e", "empty-hashes.json=d41d8cd98f00b204e9800998ecf8427e"}},
		{KindMD5, "d41d8cd98f00b204e9800998ecf8427f", nil},
		{KindSHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", []string{"common-ioc-false-positive.json=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty-hashes.json=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
		{KindSHA224, "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", []string{"empty-hashes.json=d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"}},
		{KindSSDeep, "3::", []string{"empty-hashes.json=3::"}},
		{KindDomain, "d41d8cd98f00b204e9800998ecf8427e", nil}, // hash lists do not apply to domains
		{KindIP, "d41d8cd98f00b204e9800998ecf8427e", nil},
		// hostname lists: the name and every subdomain, never a look-alike
		{KindDomain, "duckdns.org", []string{"dynamic-dns.json=.duckdns.org", "tranco10k.json=duckdns.org"}},
		{KindDomain, "foo.duckdns.org", []string{"dynamic-dns.json=.duckdns.org", "tranco10k.json=duckdns.org"}},
		{KindHostname, "a.b.FOO.DuckDNS.org.", []string{"dynamic-dns.json=.duckdns.org", "tranco10k.json=duckdns.org"}},
		{KindDomain, "notduckdns.org", nil},
		{KindDomain, "duckdns.org.evil.example", nil},
		{KindDomain, "x.ddns.net", []string{"dynamic-dns.json=.ddns.net", "tranco10k.json=ddns.net"}},
		{KindHostname, "www.google.com", []string{"tranco10k.json=google.com"}},
		{KindDomain, "bit.ly", []string{"tranco10k.json=bit.ly", "url-shortener.json=bit.ly"}},
		{KindDomain, "notbit.ly", nil},
		// rfc6761 is a string list: example.com exactly, not its subdomains
		{KindDomain, "Example.COM", []string{"public-dns-hostname.json=example.com", "rfc6761.json=example.com", "tranco10k.json=example.com"}},
		{KindDomain, "a.b.example.com", []string{"public-dns-hostname.json=example.com", "tranco10k.json=example.com"}},
		{KindDomain, "10.in-addr.arpa", []string{"rfc6761.json=10.in-addr.arpa"}},
		{KindDomain, "sakimori.example", nil},
		// URLs: lists with "url" in matching_attributes look at the host
		{KindURL, "https://bit.ly/3abc", []string{"tranco10k.json=bit.ly", "url-shortener.json=bit.ly"}},
		{KindURL, "HTTPS://user:pw@Bit.LY:443/x?y#z", []string{"tranco10k.json=bit.ly", "url-shortener.json=bit.ly"}},
		{KindURL, "bit.ly/3abc", []string{"tranco10k.json=bit.ly", "url-shortener.json=bit.ly"}},
		{KindURL, "https://bit.ly.evil.example/x", nil},
		{KindURL, "https://foo.duckdns.org/", []string{"tranco10k.json=duckdns.org"}}, // dynamic-dns does not list "url"
		{KindURL, "http://8.8.8.8/", nil},                                             // the cidr lists do not list "url"
		// e-mail: no real list applies to e-mail addresses
		{KindEmail, "someone@duckdns.org", nil},
		// unknown kinds and empty values match nothing
		{"ip-dst", "8.8.8.8", nil},
		{KindIP, "", nil},
	}
	for _, tc := range tests {
		got := hitStrings(s.Check(tc.kind, tc.value))
		if !slices.Equal(got, tc.want) {
			t.Errorf("Check(%s, %q) = %q, want %q", tc.kind, tc.value, got, tc.want)
		}
	}
}

func TestCheckHitFields(t *testing.T) {
	s := loadShared(t)
	hits := s.Check(KindURL, "https://WWW.Bit.ly/x")
	want := []Hit{
		{List: "Top 10K most-used sites from Tranco", File: "tranco10k.json", Type: TypeHostname, Category: CategoryFalsePositive, Entry: "bit.ly", Value: "www.bit.ly"},
		{List: "List of known URL Shorteners domains", File: "url-shortener.json", Type: TypeHostname, Category: CategoryFalsePositive, Entry: "bit.ly", Value: "www.bit.ly"},
	}
	if !slices.Equal(hits, want) {
		t.Errorf("hits\n%+v\nwant\n%+v", hits, want)
	}
}

func TestCheckSemantics(t *testing.T) {
	var s Set
	err := s.Add(
		mustList(t, "nets.json", "cidr", []string{"ip-src", "ip-dst", "url"},
			"10.0.0.0/8", "10.1.0.0/16", "10.1.2.3", "0.0.0.0/0", "2001:db8::/32", "2001:db8:1::/48", "::ffff:192.0.2.0/120", "fe80::/10"),
		mustList(t, "other-nets.json", "cidr", nil, "10.1.0.0/16", "192.0.2.128/25"),
		mustList(t, "hosts.json", "hostname", []string{"domain", "hostname", "url", "email-src"},
			".Example.com", "deep.sub.example.org", "com.example", "192.0.2.1", "例え.jp"),
		mustList(t, "strings.json", "string", []string{"email-src", "filename", "sha1", "domain"},
			"Admin@Example.com", "Invoice.PDF", "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", "Trailing.example."),
		mustList(t, "subs.json", "substring", []string{"url", "domain", "text"}, "/wp-admin/", "Tracking"),
		mustList(t, "regexes.json", "regex", []string{"text", "domain"}, "/^ns[0-9]+\\./i", `^\d{3}-555-\d{4}$`),
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind  Kind
		value string
		want  []string
	}{
		// Longest prefix per list; every list that contains the value.
		{KindIP, "10.1.2.3", []string{"nets.json=10.1.2.3", "other-nets.json=10.1.0.0/16"}},
		{KindIP, "10.1.9.9", []string{"nets.json=10.1.0.0/16", "other-nets.json=10.1.0.0/16"}},
		{KindIP, "10.2.0.1", []string{"nets.json=10.0.0.0/8"}},
		{KindIP, "11.0.0.1", []string{"nets.json=0.0.0.0/0"}},
		{KindIP, "::ffff:10.2.0.1", []string{"nets.json=10.0.0.0/8"}},
		// ::ffff:192.0.2.0/120 was folded to 192.0.2.0/24
		{KindIP, "192.0.2.200", []string{"nets.json=::ffff:192.0.2.0/120", "other-nets.json=192.0.2.128/25"}},
		{KindIP, "2001:db8:1::5", []string{"nets.json=2001:db8:1::/48"}},
		{KindIP, "2001:db8:2::5", []string{"nets.json=2001:db8::/32"}},
		{KindIP, "2001:db9::1", nil}, // 0.0.0.0/0 is IPv4 only
		{KindIP, "fe80::1%en0", []string{"nets.json=fe80::/10"}},
		{KindCIDR, "10.1.0.0/16", []string{"nets.json=10.1.0.0/16", "other-nets.json=10.1.0.0/16"}},
		{KindCIDR, "10.1.0.0/15", []string{"nets.json=10.0.0.0/8"}}, // host bits are cleared: 10.0.0.0/15
		{KindCIDR, "0.0.0.0/0", []string{"nets.json=0.0.0.0/0"}},
		{KindCIDR, "2001:db8::/31", nil},
		{KindURL, "http://10.1.2.3:8080/x", []string{"nets.json=10.1.2.3", "other-nets.json=10.1.0.0/16"}}, // other-nets has no matching_attributes: every kind
		// hostname lists
		{KindDomain, "example.com", []string{"hosts.json=.Example.com"}},
		{KindDomain, "x.y.EXAMPLE.com", []string{"hosts.json=.Example.com"}},
		{KindDomain, "sub.example.org", nil},
		{KindDomain, "deep.sub.example.org", []string{"hosts.json=deep.sub.example.org"}},
		{KindDomain, "a.deep.sub.example.org", []string{"hosts.json=deep.sub.example.org"}},
		{KindDomain, "example.com.evil", nil},
		{KindDomain, "com", nil},
		{KindDomain, "www.例え.jp", []string{"hosts.json=例え.jp"}},
		{KindDomain, "www.xn--r8jz45g.jp", []string{"hosts.json=例え.jp"}},
		{KindEmail, "Someone@Mail.Example.com", []string{"hosts.json=.Example.com"}},
		{KindEmail, "example.com", nil}, // not an e-mail address
		{KindURL, "https://[2001:db8::1]:443/", []string{"nets.json=2001:db8::/32"}},
		{KindURL, "http://192.0.2.1/", []string{"nets.json=::ffff:192.0.2.0/120", "hosts.json=192.0.2.1"}},
		{KindURL, "http://1.192.0.2.1/", nil}, // a host name that ends like the address is not the address
		{KindHostname, "192.0.2.1", []string{"hosts.json=192.0.2.1"}},
		// string lists: exact, without regard to case for names, e-mail and hashes
		{KindEmail, "admin@example.COM", []string{"hosts.json=.Example.com", "strings.json=Admin@Example.com"}},
		{KindSHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", []string{"strings.json=DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"}},
		{KindFilename, "Invoice.PDF", []string{"strings.json=Invoice.PDF"}},
		{KindFilename, "invoice.pdf", nil}, // file names are compared exactly
		{KindDomain, "trailing.example", []string{"strings.json=Trailing.example."}},
		// substring
		{KindURL, "https://blog.example.net/wp-admin/index.php", []string{"subs.json=/wp-admin/"}},
		{KindURL, "https://blog.example.net/WP-ADMIN/index.php", nil}, // URLs are compared exactly
		{KindDomain, "tracking.example.net", []string{"subs.json=Tracking"}},
		{KindString, "no tracking here", nil},
		{KindString, "Tracking pixel", []string{"subs.json=Tracking"}},
		// regex
		{KindDomain, "NS12.example.net", []string{"regexes.json=/^ns[0-9]+\\./i"}},
		{KindString, "555-555-1234", []string{"regexes.json=^\\d{3}-555-\\d{4}$"}},
		{KindString, "555-555-12345", nil},
	}
	for _, tc := range tests {
		got := hitStrings(s.Check(tc.kind, tc.value))
		if !slices.Equal(got, tc.want) {
			t.Errorf("Check(%s, %q) = %q, want %q", tc.kind, tc.value, got, tc.want)
		}
	}
}

func TestCheckComment(t *testing.T) {
	l, _, err := Parse("c.json", []byte(`{"name": "c", "description": "d", "version": 1, "type": "cidr", "list": {"192.0.2.0/24": "TEST-NET-1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var s Set
	if err := s.Add(l); err != nil {
		t.Fatal(err)
	}
	hits := s.Check(KindIP, "192.0.2.7")
	if len(hits) != 1 || hits[0].Comment != "TEST-NET-1" || hits[0].Entry != "192.0.2.0/24" {
		t.Errorf("hits %+v", hits)
	}
}

func TestEnableDisableRemove(t *testing.T) {
	s := newSharedSet(t)
	const rfc1918 = "List of RFC 1918 CIDR blocks"
	before := hitStrings(s.Check(KindIP, "10.1.2.3"))
	if err := s.SetEnabled(rfc1918, false); err != nil {
		t.Fatal(err)
	}
	if s.Enabled(rfc1918) {
		t.Error("still enabled")
	}
	if got := hitStrings(s.Check(KindIP, "10.1.2.3")); !slices.Equal(got, []string{"rfc5735.json=10.0.0.0/8"}) {
		t.Errorf("disabled: %q", got)
	}
	// A disabled list of a type makes no other list of that type inactive.
	if got := hitStrings(s.Check(KindIP, "8.8.8.8")); !slices.Equal(got, []string{"public-dns-v4.json=8.8.8.8"}) {
		t.Errorf("8.8.8.8: %q", got)
	}
	if err := s.SetEnabled(rfc1918, true); err != nil {
		t.Fatal(err)
	}
	if got := hitStrings(s.Check(KindIP, "10.1.2.3")); !slices.Equal(got, before) {
		t.Errorf("re-enabled: %q, want %q", got, before)
	}
	// Disabling every list of a type skips that type.
	for _, info := range s.Lists() {
		if info.Type == TypeCIDR {
			if err := s.SetEnabled(info.Name, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := s.Check(KindIP, "10.1.2.3"); got != nil {
		t.Errorf("all cidr lists disabled: %v", got)
	}
	if err := s.Remove("List of known dynamic DNS domains"); err != nil {
		t.Fatal(err)
	}
	if got := hitStrings(s.Check(KindDomain, "foo.duckdns.org")); !slices.Equal(got, []string{"tranco10k.json=duckdns.org"}) {
		t.Errorf("after Remove: %q", got)
	}
	if s.Len() != 15 {
		t.Errorf("Len %d", s.Len())
	}
	for _, err := range []error{s.SetEnabled("nope", true), s.Remove("nope")} {
		if !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown list: %v", err)
		}
	}
}

func TestAddConflicts(t *testing.T) {
	var s Set
	a := mustList(t, "a.json", "string", nil, "x")
	if err := s.Add(a); err != nil {
		t.Fatal(err)
	}
	b := mustList(t, "a.json", "string", nil, "y") // same name, "a.json"
	b.File = "copy/a.json"
	err := s.Add(mustList(t, "c.json", "string", nil, "z"), b)
	if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(err.Error(), `a warninglist named "a.json" is already loaded (from a.json); copy/a.json has the same name`) {
		t.Errorf("err = %v", err)
	}
	// All or nothing: c.json was not added either.
	if s.Len() != 1 {
		t.Errorf("Len %d", s.Len())
	}
	c1, c2 := mustList(t, "c.json", "string", nil, "z"), mustList(t, "c.json", "string", nil, "z")
	if err := s.Add(c1, c2); !errors.Is(err, apperr.ErrConflict) {
		t.Errorf("duplicate within Add: %v", err)
	}
	if err := s.Add(nil); err == nil {
		t.Error("nil list accepted")
	}
	if err := s.Add(&List{Name: "by hand", Type: TypeCIDR, Entries: []Entry{{Value: "10.0.0.0/8"}}}); err == nil {
		t.Error("a list not made by Parse accepted")
	}
}

func TestLoadFSLayouts(t *testing.T) {
	list := func(name, typ, entry string) *fstest.MapFile {
		return &fstest.MapFile{Data: doc(map[string]any{"name": name, "type": typ, "list": []string{entry}})}
	}
	fsys := fstest.MapFS{
		"lists/rfc1918/list.json":  list("RFC 1918", "cidr", "10.0.0.0/8"),
		"lists/google/list.json":   list("Google", "hostname", "google.com"),
		"lists/empty/README.md":    &fstest.MapFile{Data: []byte("no list here")},
		"lists/flat.json":          list("Flat", "string", "x"),
		"lists/broken.json":        &fstest.MapFile{Data: []byte(`{"name": "broken", "type": "cidr"`)},
		"lists/dup/list.json":      list("Google", "hostname", "google.co.jp"),
		"lists/schema.json":        &fstest.MapFile{Data: []byte(`{"properties": {}}`)},
		"lists/partial.json":       &fstest.MapFile{Data: doc(map[string]any{"name": "Partial", "type": "cidr", "list": []string{"10.0.0/8", "192.0.2.0/24"}})},
		"lists/notes.txt":          &fstest.MapFile{Data: []byte("ignored")},
		"lists/nested/deep/x.json": list("Deep", "string", "x"),
		"lists/dir.json/list.json": list("Dir named .json", "string", "y"),
	}
	var s Set
	res, err := s.LoadFS(fsys, "lists")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		line := fmt.Sprintf("%s list=%q entries=%d problems=%d", r.File, r.List, r.Entries, len(r.Problems))
		if r.Err != nil {
			line += " err=" + r.Err.Error()
		}
		got = append(got, line)
	}
	want := []string{
		`broken.json list="" entries=0 problems=0 err=broken.json: invalid JSON at line 1, column 33: unexpected end of JSON input`,
		`dir.json/list.json list="Dir named .json" entries=1 problems=0`,
		`dup/list.json list="Google" entries=1 problems=0`,
		`flat.json list="Flat" entries=1 problems=0`,
		`google/list.json list="Google" entries=1 problems=0 err=google/list.json: conflict: name: a warninglist named "Google" is already loaded (from dup/list.json); google/list.json has the same name`,
		`partial.json list="Partial" entries=1 problems=1`,
		`rfc1918/list.json list="RFC 1918" entries=1 problems=0`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := hitStrings(s.Check(KindIP, "10.9.9.9")); !slices.Equal(got, []string{"rfc1918/list.json=10.0.0.0/8"}) {
		t.Errorf("hits %q", got)
	}
	if _, err := s.LoadFS(fsys, "missing"); err == nil {
		t.Error("missing directory: no error")
	}
}

func TestLoadFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, doc(map[string]any{"type": "cidr", "list": []string{"192.0.2.0/24"}}), 0o600); err != nil {
		t.Fatal(err)
	}
	var s Set
	res := s.LoadFiles(good, filepath.Join(dir, "missing.json"))
	if res[0].Err != nil || res[0].List != "Test list" || res[1].Err == nil || !errors.Is(res[1].Err, os.ErrNotExist) {
		t.Errorf("results %+v", res)
	}
	if got := s.Check(KindIP, "192.0.2.1"); len(got) != 1 || got[0].File != good {
		t.Errorf("hits %+v", got)
	}
}

func TestLoadReader(t *testing.T) {
	var s Set
	r := s.LoadReader("upload.json", strings.NewReader(string(doc(map[string]any{"type": "hostname", "list": []string{"example.com", "bad host"}}))))
	if r.Err != nil || r.List != "Test list" || r.Entries != 1 || len(r.Problems) != 1 {
		t.Fatalf("%+v", r)
	}
	if r.Problems[0].Error() != `upload.json: list[1]: invalid host name "bad host": character ' ' is not allowed in host names` {
		t.Errorf("problem %v", r.Problems[0])
	}
	r = s.LoadReader("again.json", strings.NewReader(string(doc(map[string]any{"type": "hostname", "list": []string{"example.org"}}))))
	if !errors.Is(r.Err, apperr.ErrConflict) {
		t.Errorf("same name: %+v", r)
	}
	r = s.LoadReader("bad.json", strings.NewReader("{"))
	if r.Err == nil || r.List != "" {
		t.Errorf("bad JSON: %+v", r)
	}
	if got := hitStrings(s.Check(KindEmail, "someone@mail.example.com")); !slices.Equal(got, []string{"upload.json=example.com"}) {
		t.Errorf("hits %q", got)
	}
}

// naiveCheck is an independent, slow implementation of cidr and hostname
// matching used as an oracle: for each list, the most specific entry.
func naiveCheck(s *Set, kind Kind, value string) []string {
	st := s.cur.Load()
	k := kindID(kind)
	var out []string
	for li, l := range st.lists {
		if !st.enabled[li] || !l.kinds.has(k) {
			continue
		}
		best, bestLen := "", -1
		switch l.Type {
		case TypeCIDR:
			p, ok := parseIPOrPrefix(strings.TrimSpace(value))
			if !ok {
				continue
			}
			for _, e := range l.Entries {
				if e.prefix.Bits() <= p.Bits() && e.prefix.Contains(p.Addr()) && e.prefix.Bits() > bestLen {
					best, bestLen = e.Value, e.prefix.Bits()
				}
			}
		case TypeHostname:
			h := normHostQuery(value)
			ha, herr := netip.ParseAddr(h)
			for _, e := range l.Entries {
				ea, eerr := netip.ParseAddr(e.key)
				var match bool
				if herr == nil || eerr == nil { // addresses match only themselves
					match = herr == nil && eerr == nil && ha.WithZone("").Unmap() == ea
				} else {
					match = h == e.key || strings.HasSuffix(h, "."+e.key)
				}
				if match && len(e.key) > bestLen {
					best, bestLen = e.Value, len(e.key)
				}
			}
		default:
			continue
		}
		if bestLen >= 0 {
			out = append(out, l.File+"="+best)
		}
	}
	return out
}

// Random addresses and networks near the listed ones, and random subdomains
// and look-alikes of listed names, agree with the naive oracle.
func TestCheckMatchesOracle(t *testing.T) {
	s := loadShared(t)
	st := s.cur.Load()
	var prefixes []netip.Prefix
	var hosts []string
	for _, l := range st.lists {
		for _, e := range l.Entries {
			switch l.Type {
			case TypeCIDR:
				prefixes = append(prefixes, e.prefix)
			case TypeHostname:
				hosts = append(hosts, e.key)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 500
	if testing.Short() {
		n = 200
	}
	for i := 0; i < n; i++ {
		p := prefixes[rng.IntN(len(prefixes))]
		b := p.Addr().AsSlice()
		// Flip one random bit, sometimes inside the network, sometimes not.
		bit := rng.IntN(len(b) * 8)
		b[bit/8] ^= 1 << (7 - bit%8)
		a, _ := netip.AddrFromSlice(b)
		bits := rng.IntN(a.BitLen() + 1)
		for _, q := range []struct {
			kind  Kind
			value string
		}{{KindIP, a.String()}, {KindCIDR, netip.PrefixFrom(a, bits).Masked().String()}} {
			if got, want := hitStrings(s.Check(q.kind, q.value)), naiveCheck(s, q.kind, q.value); !slices.Equal(got, want) {
				t.Fatalf("Check(%s, %s) = %q, oracle %q", q.kind, q.value, got, want)
			}
		}

		h := hosts[rng.IntN(len(hosts))]
		var q string
		switch rng.IntN(4) {
		case 0:
			q = h
		case 1:
			q = "x" + strings.Repeat("y", rng.IntN(3)) + "." + h
		case 2:
			q = "not" + h // look-alike
		case 3:
			q = strings.ToUpper(h[:len(h)/2]) + h[len(h)/2:] + "."
		}
		if got, want := hitStrings(s.Check(KindDomain, q)), naiveCheck(s, KindDomain, q); !slices.Equal(got, want) {
			t.Fatalf("Check(domain, %s) = %q, oracle %q", q, got, want)
		}
	}
}

// Check runs concurrently with changes to the set (run with -race).
func TestConcurrentCheck(t *testing.T) {
	var s Set
	if err := s.Add(mustList(t, "a.json", "cidr", nil, "10.0.0.0/8")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, h := range s.Check(KindIP, "10.1.2.3") {
					if h.Entry != "10.0.0.0/8" {
						t.Errorf("hit %+v", h)
					}
				}
			}
		})
	}
	for i := range 50 {
		if err := s.SetEnabled("a.json", i%2 == 0); err != nil {
			t.Error(err)
		}
		name := fmt.Sprintf("b%d.json", i)
		if err := s.Add(mustList(t, name, "hostname", nil, "example.com")); err != nil {
			t.Error(err)
		}
		if i%3 == 0 {
			if err := s.Remove(name); err != nil {
				t.Error(err)
			}
		}
	}
	close(stop)
	wg.Wait()
}

func TestZeroSet(t *testing.T) {
	var s Set
	if s.Check(KindIP, "10.0.0.1") != nil || s.Len() != 0 || len(s.Lists()) != 0 {
		t.Error("zero set")
	}
	if _, ok := s.List("x"); ok || s.Enabled("x") {
		t.Error("zero set has a list")
	}
}

func ExampleSet_Check() {
	var set Set
	if _, err := set.LoadDir("../../../shared/warninglists"); err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range set.Check(KindIP, "10.1.2.3") {
		fmt.Printf("%s (%s): %s\n", h.List, h.File, h.Entry)
	}
	fmt.Println(len(set.Check(KindDomain, "notduckdns.org")))
	// Output:
	// List of RFC 1918 CIDR blocks (rfc1918.json): 10.0.0.0/8
	// List of RFC 5735 CIDR blocks (rfc5735.json): 10.0.0.0/8
	// 0
}
