package pattern

import (
	"slices"
	"strings"
	"testing"
)

const (
	md5x    = "cead3f77f6cda6ec00f57d76c9a6879f"
	sha256x = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
)

func TestAtoms(t *testing.T) {
	tests := []struct {
		in       string
		atoms    []string // Atom.String() of each atom, in order
		skipped  []string // substrings of the reasons, in order
		complete bool
	}{
		// Addresses.
		{"[ipv4-addr:value = '198.51.100.7']", []string{"ipv4 198.51.100.7 (ipv4-addr:value) exact"}, nil, true},
		{"[ipv4-addr:value = '198.51.100.0/24']", []string{"cidr4 198.51.100.0/24 (ipv4-addr:value) exact"}, nil, true},
		{"[ipv4-addr:value = '198.51.100.9/24']", []string{"cidr4 198.51.100.0/24 (ipv4-addr:value) exact"}, nil, true},
		{"[ipv4-addr:value = '198.51.100.9/32']", []string{"ipv4 198.51.100.9 (ipv4-addr:value) exact"}, nil, true},
		{"[ipv4-addr:value ISSUBSET '10.0.0.0/8']", []string{"cidr4 10.0.0.0/8 (ipv4-addr:value) exact"}, nil, true},
		{"[ipv6-addr:value = '2001:0DB8:0000::0001']", []string{"ipv6 2001:db8::1 (ipv6-addr:value) exact"}, nil, true},
		{"[ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']", []string{"ipv6 2001:db8:dead:beef:dead:beef:dead:1 (ipv6-addr:value) exact"}, nil, true},
		{"[ipv6-addr:value ISSUBSET '2001:DB8::/32']", []string{"cidr6 2001:db8::/32 (ipv6-addr:value) exact"}, nil, true},
		{"[ipv4-addr:value = '2001:db8::1']", nil, []string{"not an IPv4 address"}, false},
		{"[ipv6-addr:value = '10.1.1.1']", nil, []string{"not an IPv6 address"}, false},
		{"[ipv4-addr:value = '010.1.1.1']", nil, []string{"leading zero"}, false},
		{"[ipv6-addr:value = 'fe80::1%eth0']", nil, []string{"zones"}, false},
		{"[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]", []string{"ipv4 1.2.3.4 (ipv4-addr:value) exact", "ipv4 5.6.7.8 (ipv4-addr:value) exact"}, nil, true},
		{"[ipv4-addr:value IN ('1.2.3.4', 'nope')]", []string{"ipv4 1.2.3.4 (ipv4-addr:value) exact"}, []string{"'nope': not an IP address"}, false},
		{"[ipv4-addr:value IN ()]", nil, []string{"empty set"}, false},
		{"[ipv4-addr:value = 5]", nil, []string{"the value 5 is not a string"}, false},
		// Domains, URLs, e-mail.
		{"[domain-name:value = 'WWW.Example.COM.']", []string{"domain www.example.com (domain-name:value) exact"}, nil, true},
		{"[domain-name:value = '例え.テスト']", []string{"domain xn--r8jz45g.xn--zckzah (domain-name:value) exact"}, nil, true},
		{"[domain-name:value = 'ｅｘａｍｐｌｅ．ＣＯＭ']", []string{"domain example.com (domain-name:value) exact"}, nil, true},
		{"[domain-name:value = 'domain autuo.xicp.net']", nil, []string{"invalid domain name: character ' '"}, false},
		{"[domain-name:value = '192.0.2.1']", nil, []string{"an IP address, not a domain name"}, false},
		{"[url:value = 'HTTP://Example.COM:80']", []string{"url http://example.com/ (url:value) exact"}, nil, true},
		{"[url:value = 'https://example.com:8443/a/B?x=1#frag']", []string{"url https://example.com:8443/a/B?x=1 (url:value) exact"}, nil, true},
		{"[url:value = 'example.com/path']", nil, []string{"not an absolute URL"}, false},
		{"[email-addr:value = 'John.Doe@Example.COM']", []string{"email john.doe@example.com (email-addr:value) exact"}, nil, true},
		{"[email-message:from_ref.value = 'a@example.com' AND email-message:subject = 'x']", []string{"email a@example.com from (email-message:from_ref.value)"}, nil, true},
		{"[email-message:sender_ref.value = 'a@example.com']", []string{"email a@example.com sender (email-message:sender_ref.value) exact"}, nil, true},
		{"[email-message:to_refs[0].value = 'b@example.com' OR email-message:cc_refs[*].value = 'c@example.com' OR email-message:bcc_refs[*].value = 'd@example.com']",
			[]string{"email b@example.com to (email-message:to_refs[0].value) exact", "email c@example.com cc (email-message:cc_refs[*].value) exact", "email d@example.com bcc (email-message:bcc_refs[*].value) exact"}, nil, true},
		{"[email-addr:value = 'no-at-sign']", nil, []string{"no '@'"}, false},
		// Hashes.
		{"[file:hashes.MD5 = '" + strings.ToUpper(md5x) + "']", []string{"md5 " + md5x + " (file:hashes.MD5) exact"}, nil, true},
		{"[file:hashes.'SHA-256' = '" + sha256x + "']", []string{"sha256 " + sha256x + " (file:hashes.'SHA-256') exact"}, nil, true},
		{"[file:hashes.sha256 = '" + sha256x + "']", []string{"sha256 " + sha256x + " (file:hashes.sha256) exact"}, nil, true},
		{"[file:hashes.'SHA-1' = '" + md5x + "00000000']", []string{"sha1 " + md5x + "00000000 (file:hashes.'SHA-1') exact"}, nil, true},
		{"[file:hashes.'SHA3-256' = '" + sha256x + "']", []string{"sha3-256 " + sha256x + " (file:hashes.'SHA3-256') exact"}, nil, true},
		{"[file:hashes.'SHA-512' = '" + sha256x + sha256x + "']", []string{"sha512 " + sha256x + sha256x + " (file:hashes.'SHA-512') exact"}, nil, true},
		{"[file:extensions.'ntfs-ext'.alternate_data_streams[*].hashes.'SHA-256' = '" + sha256x + "']",
			[]string{"sha256 " + sha256x + " (file:extensions.'ntfs-ext'.alternate_data_streams[*].hashes.'SHA-256') exact"}, nil, true},
		{"[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']", nil, []string{"unsupported hash algorithm \"SSDEEP\""}, false},
		{"[file:hashes.'x-custom' = 'abc'] OR [file:hashes.MD5 = '" + md5x + "']", []string{"md5 " + md5x + " (file:hashes.MD5) exact"}, []string{"unsupported hash algorithm"}, false},
		// Operators that yield no atom.
		{"[ipv4-addr:value != '1.2.3.4']", nil, []string{"!= matches every other value"}, false},
		{"[ipv4-addr:value NOT = '1.2.3.4']", nil, []string{"negated comparison"}, false},
		{"[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", nil, []string{"negated comparison"}, false},
		{"[domain-name:value LIKE '%.example.com']", nil, []string{"LIKE is a wildcard pattern"}, false},
		{"[url:value MATCHES '^https?://evil']", nil, []string{"MATCHES is a regular expression"}, false},
		{"[ipv4-addr:value > '1.2.3.4']", nil, []string{"> is an ordering comparison"}, false},
		{"[ipv4-addr:value ISSUPERSET '1.2.3.4']", nil, []string{"ISSUPERSET"}, false},
		{"[EXISTS file:hashes.MD5]", nil, []string{"EXISTS only tests"}, false},
		{"[file:name = 'x.exe' AND file:size > 5]", nil, nil, false},
		// AND / OR inside an observation.
		{"[file:hashes.MD5 = '" + md5x + "' AND file:name = 'x.exe']", []string{"md5 " + md5x + " (file:hashes.MD5)"}, nil, true},
		{"[file:hashes.MD5 = '" + md5x + "' OR file:name = 'x.exe']", []string{"md5 " + md5x + " (file:hashes.MD5) exact"}, nil, false},
		{"[file:hashes.MD5 = '" + md5x + "' AND file:hashes.'SHA-256' = '" + sha256x + "']",
			[]string{"md5 " + md5x + " (file:hashes.MD5)", "sha256 " + sha256x + " (file:hashes.'SHA-256')"}, nil, true},
		{"[(file:hashes.MD5 = '" + md5x + "' OR file:name = 'a') AND file:hashes.'SHA-256' = '" + sha256x + "']",
			[]string{"md5 " + md5x + " (file:hashes.MD5)", "sha256 " + sha256x + " (file:hashes.'SHA-256')"}, nil, true},
		// Observation operators and qualifiers.
		{"[ipv4-addr:value = '1.2.3.4'] OR [domain-name:value = 'example.com']",
			[]string{"ipv4 1.2.3.4 (ipv4-addr:value) exact", "domain example.com (domain-name:value) exact"}, nil, true},
		{"[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'example.com']",
			[]string{"ipv4 1.2.3.4 (ipv4-addr:value)", "domain example.com (domain-name:value)"}, nil, true},
		{"[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [file:name = 'x']", []string{"ipv4 1.2.3.4 (ipv4-addr:value)"}, nil, true},
		{"[ipv4-addr:value = '1.2.3.4'] OR [file:name = 'x']", []string{"ipv4 1.2.3.4 (ipv4-addr:value) exact"}, nil, false},
		{"[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES", []string{"ipv4 1.2.3.4 (ipv4-addr:value)"}, nil, true},
		{"[ipv4-addr:value = '1.2.3.4'] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z' OR [ipv4-addr:value = '5.6.7.8']",
			[]string{"ipv4 1.2.3.4 (ipv4-addr:value)", "ipv4 5.6.7.8 (ipv4-addr:value) exact"}, nil, true},
		// Duplicates merge; exact if any occurrence is.
		{"[domain-name:value = 'example.com'] OR [domain-name:value = 'EXAMPLE.com.'] AND [file:name = 'x']",
			[]string{"domain example.com (domain-name:value) exact"}, nil, true},
		// Network traffic.
		{"[network-traffic:dst_ref.value = '203.0.113.33/32' AND network-traffic:dst_port = 443]",
			[]string{"ipv4 203.0.113.33 dst:443 (network-traffic:dst_ref.value) exact"}, nil, true},
		{"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
			[]string{"ipv4 203.0.113.33 dst (network-traffic:dst_ref.value) exact"}, nil, true},
		{"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'Example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
			[]string{"domain example.com dst (network-traffic:dst_ref.value)"}, nil, true},
		{"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = '203.0.113.33']",
			nil, []string{"contradicts the ANDed condition type = 'domain-name'"}, false},
		{"[network-traffic:src_ref.value = '10.0.0.1' AND network-traffic:dst_ref.value = '10.0.0.2' AND network-traffic:dst_port IN (443, 80, 443)]",
			[]string{"ipv4 10.0.0.1 src (network-traffic:src_ref.value)", "ipv4 10.0.0.2 dst:80,443 (network-traffic:dst_ref.value)"}, nil, true},
		{"[(network-traffic:dst_ref.value = '1.1.1.1' OR network-traffic:dst_ref.value = 'evil.example') AND network-traffic:dst_port = 53]",
			[]string{"ipv4 1.1.1.1 dst:53 (network-traffic:dst_ref.value) exact", "domain evil.example dst:53 (network-traffic:dst_ref.value) exact"}, nil, true},
		{"[network-traffic:dst_ref.value = '1.1.1.1' AND network-traffic:dst_port IN (53, 853) AND network-traffic:dst_port = 853]",
			[]string{"ipv4 1.1.1.1 dst:853 (network-traffic:dst_ref.value) exact"}, nil, true},
		{"[network-traffic:dst_ref.value = '1.1.1.1' AND network-traffic:dst_port = 53 AND network-traffic:dst_port = 54]",
			nil, []string{"port conditions ANDed with it contradict each other"}, false},
		{"[network-traffic:dst_ref.value = '1.1.1.1' AND network-traffic:src_port = 1234]",
			[]string{"ipv4 1.1.1.1 dst (network-traffic:dst_ref.value)"}, nil, true},
		{"[network-traffic:dst_ref.value = '1.1.1.1' AND network-traffic:protocols[*] = 'tcp']",
			[]string{"ipv4 1.1.1.1 dst (network-traffic:dst_ref.value)"}, nil, true},
		{"[network-traffic:dst_port = 443 AND ipv4-addr:value = '1.1.1.1']",
			[]string{"ipv4 1.1.1.1 (ipv4-addr:value)"}, nil, true},
		{"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
			[]string{"cidr6 2001:db8:dead:beef::/64 dst (network-traffic:dst_ref.value) exact"}, nil, true},
		{"[network-traffic:dst_ref.value = 'aa:bb:cc:dd:ee:ff']", nil, []string{"neither an IP address nor a domain name"}, false},
		{"[network-traffic:dst_port = 443]", nil, nil, false},
		{"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
			[]string{"domain www.5z8.info (domain-name:value)", "ipv4 198.51.100.1 resolves_to (domain-name:resolves_to_refs[*].value)"}, nil, true},
	}
	for _, tc := range tests {
		p, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		x := p.Atoms()
		var got []string
		for _, a := range x.Atoms {
			got = append(got, a.String())
		}
		if !slices.Equal(got, tc.atoms) {
			t.Errorf("%s\natoms\n got %q\nwant %q", tc.in, got, tc.atoms)
		}
		ok := len(x.Skipped) == len(tc.skipped)
		for i := 0; ok && i < len(tc.skipped); i++ {
			ok = strings.Contains(x.Skipped[i].Reason, tc.skipped[i])
		}
		if !ok {
			t.Errorf("%s\nskipped\n got %+v\nwant %q", tc.in, x.Skipped, tc.skipped)
		}
		if x.Complete != tc.complete {
			t.Errorf("%s\nComplete = %v, want %v", tc.in, x.Complete, tc.complete)
		}
	}
}

func TestAtomFields(t *testing.T) {
	src := "[ipv4-addr:value = '1.2.3.4'] OR [network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port IN (443, 80)]"
	x := MustParse(src).Atoms()
	if len(x.Atoms) != 2 {
		t.Fatalf("atoms: %v", x.Atoms)
	}
	a, b := x.Atoms[0], x.Atoms[1]
	if a.Kind != KindIPv4 || a.Value != "1.2.3.4" || a.Path != "ipv4-addr:value" || a.Role != "" || a.Ports != nil || !a.Exact || a.Pos != 1 {
		t.Errorf("first atom %+v", a)
	}
	if b.Kind != KindIPv4 || b.Role != "dst" || !slices.Equal(b.Ports, []int{80, 443}) || !b.Exact || b.Pos != strings.Index(src, "network-traffic:dst_ref") {
		t.Errorf("second atom %+v", b)
	}
	s := MustParse("[url:value LIKE 'http://%']").Atoms().Skipped
	if len(s) != 1 || s[0].Path != "url:value" || s[0].Pos != 1 {
		t.Errorf("skipped %+v", s)
	}
}

func TestAtomsOfExamples(t *testing.T) {
	var atoms []string
	var skipped []string
	for _, pats := range examplePatterns(t) {
		for _, src := range pats {
			x := MustParse(src).Atoms()
			for _, a := range x.Atoms {
				atoms = append(atoms, a.String())
			}
			for _, s := range x.Skipped {
				skipped = append(skipped, s.Path+": "+s.Reason)
			}
		}
	}
	for _, want := range []string{
		"ipv4 10.0.0.0 (ipv4-addr:value) exact",
		"cidr4 58.246.0.0/15 (ipv4-addr:value) exact",
		"ipv4 219.76.208.163 (ipv4-addr:value) exact",
		"domain www.webserver.freetcp.com (domain-name:value) exact",
		"md5 00dbb9e1c09dbdafb360f3163ba5a3de (file:hashes.md5) exact",
		"sha256 ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c (file:hashes.'SHA-256') exact",
	} {
		if !slices.Contains(atoms, want) {
			t.Errorf("missing atom %q", want)
		}
	}
	// One APT1 indicator has a stray word in its domain name.
	if !slices.Contains(skipped, "domain-name:value: 'domain autuo.xicp.net': invalid domain name: character ' ' is not allowed in domain names") {
		t.Errorf("the malformed APT1 domain was not reported: %q", skipped)
	}
	// The MATCHES indicators of the e-mail example are not lookups.
	n := 0
	for _, s := range skipped {
		if strings.Contains(s, "MATCHES") {
			n++
		}
	}
	if n != 0 {
		t.Errorf("MATCHES on non-indicator properties reported as skipped: %q", skipped)
	}
}

func TestNormalizeDomain(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"Example.COM", "example.com", ""},
		{"example.com.", "example.com", ""},
		{"_dmarc.example.com", "_dmarc.example.com", ""},
		{"xn--r8jz45g.jp", "xn--r8jz45g.jp", ""},
		{"例え.jp", "xn--r8jz45g.jp", ""},
		{"日本語。ＪＰ", "xn--wgv71a119e.jp", ""},
		{"BÜCHER.de", "xn--bcher-kva.de", ""},
		{"münchen.de", "xn--mnchen-3ya.de", ""},
		{"ﾃｽﾄ.example", "xn--zckzah.example", ""}, // half-width katakana
		{"", "", "empty domain name"},
		{".", "", "empty domain name"},
		{"a..b", "", "empty label"},
		{".example.com", "", "empty label"},
		{"exa mple.com", "", "character ' '"},
		{"example.com/path", "", "character '/'"},
		{"evil☃.com", "", "'☃' is not allowed"},
		{strings.Repeat("a", 64) + ".com", "", "label longer than 63"},
		{strings.Repeat("abcdefg.", 32) + "com", "", "longer than 253"},
		{"10.0.0.1", "", "an IP address"},
		{"host.123", "", "top-level label is numeric"},
	}
	for _, tc := range tests {
		got, err := NormalizeDomain(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizeDomain(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestPunycode(t *testing.T) {
	// Samples from RFC 3492 section 7.1.
	tests := []struct{ in, want string }{
		{"\u4ed6\u4eec\u4e3a\u4ec0\u4e48\u4e0d\u8bf4\u4e2d\u6587", "ihqwcrb4cv8a8dqg056pqjye"},                                                                     // (B) Chinese
		{"PorquénopuedensimplementehablarenEspañol", "PorqunopuedensimplementehablarenEspaol-fmd56a"},                                                              // (J) Spanish
		{"3\u5e74B\u7d44\u91d1\u516b\u5148\u751f", "3B-ww4c5e180e575a65lsy2b"},                                                                                     // (L) Japanese
		{"\u306a\u305c\u307f\u3093\u306a\u65e5\u672c\u8a9e\u3092\u8a71\u3057\u3066\u304f\u308c\u306a\u3044\u306e\u304b", "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"}, // (G) Japanese
		{"bücher", "bcher-kva"},
	}
	for _, tc := range tests {
		got, err := punycode(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("punycode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"http://example.com", "http://example.com/", ""},
		{"HTTP://Example.COM:80/Path?Q=1#frag", "http://example.com/Path?Q=1", ""},
		{"https://example.com:443", "https://example.com/", ""},
		{"https://example.com:8443/", "https://example.com:8443/", ""},
		{"http://example.com:443/", "http://example.com:443/", ""},
		{"http://example.com?x", "http://example.com/?x", ""},
		{"http://user:pw@Example.com/a%2Fb", "http://user:pw@example.com/a%2Fb", ""},
		{"http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x", ""},
		{"http://192.0.2.1/x", "http://192.0.2.1/x", ""},
		{"http://例え.jp/パス", "http://xn--r8jz45g.jp/パス", ""},
		{"ftp://files.example.com:21/pub", "ftp://files.example.com/pub", ""},
		{"example.com/path", "", "not an absolute URL"},
		{"mailto:a@example.com", "", "no host"},
		{"http:///path", "", "no host"},
		{"http://exa mple.com/", "", "invalid"},
		{"http://example.com/a b", "", "white space"},
		{"http://bad_host!/", "", "invalid host"},
		{"http://[fe80::1%25eth0]/", "", "zones"},
	}
	for _, tc := range tests {
		got, err := NormalizeURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizeURL(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeEmailAndHash(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"John.Doe@Example.COM", "john.doe@example.com", ""},
		{"a+tag@例え.jp", "a+tag@xn--r8jz45g.jp", ""},
		{"weird@local@example.com", "", "'@' is not allowed"},
		{"@example.com", "", "empty local part"},
		{"a b@example.com", "", "' ' is not allowed"},
		{"a@", "", "empty domain name"},
		{"nobody", "", "no '@'"},
		{strings.Repeat("x", 65) + "@example.com", "", "longer than 64"},
	} {
		got, err := NormalizeEmail(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		alg, in string
		kind    Kind
		err     string
	}{
		{"MD5", strings.ToUpper(md5x), KindMD5, ""},
		{"md5", md5x, KindMD5, ""},
		{"SHA-1", md5x + "12345678", KindSHA1, ""},
		{"SHA1", md5x + "12345678", KindSHA1, ""},
		{"sha_256", sha256x, KindSHA256, ""},
		{"SHA-224", sha256x[:56], KindSHA224, ""},
		{"SHA-384", sha256x + md5x, KindSHA384, ""},
		{"SHA3-512", sha256x + sha256x, KindSHA3_512, ""},
		{"MD5", md5x[:31], "", "not a valid MD5 hash"},
		{"MD5", md5x[:31] + "g", "", "not a valid MD5 hash"},
		{"SSDEEP", "3:abc:def", "", "unsupported hash algorithm"},
		{"RIPEMD-160", md5x + "12345678", "", "unsupported hash algorithm"},
	} {
		kind, got, err := NormalizeHash(tc.alg, tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizeHash(%q, %q) = %q, %v; want error containing %q", tc.alg, tc.in, got, err, tc.err)
			}
		} else if err != nil || kind != tc.kind || got != strings.ToLower(tc.in) {
			t.Errorf("NormalizeHash(%q, %q) = %q %q, %v", tc.alg, tc.in, kind, got, err)
		}
	}
}

func TestNormalizeIP(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind Kind
		want string
	}{
		{"192.0.2.1", KindIPv4, "192.0.2.1"},
		{"192.0.2.1/32", KindIPv4, "192.0.2.1"},
		{"192.0.2.77/24", KindCIDR4, "192.0.2.0/24"},
		{"0.0.0.0/0", KindCIDR4, "0.0.0.0/0"},
		{"2001:DB8:0:0:0:0:0:1", KindIPv6, "2001:db8::1"},
		{"2001:db8::1/128", KindIPv6, "2001:db8::1"},
		{"2001:db8::1/64", KindCIDR6, "2001:db8::/64"},
		{"::ffff:192.0.2.1", KindIPv6, "::ffff:192.0.2.1"},
	} {
		kind, got, err := NormalizeIP(tc.in)
		if err != nil || kind != tc.kind || got != tc.want {
			t.Errorf("NormalizeIP(%q) = %q %q, %v; want %q %q", tc.in, kind, got, err, tc.kind, tc.want)
		}
	}
	for _, in := range []string{"", "1.2.3", "1.2.3.4/33", "010.0.0.1", "fe80::1%eth0", "example.com", "1.2.3.4/"} {
		if kind, got, err := NormalizeIP(in); err == nil {
			t.Errorf("NormalizeIP(%q) = %q %q, want an error", in, kind, got)
		}
	}
}

// Hostile input must not make normalisation slow: a long label of distinct
// characters is rejected before the (quadratic) punycode encoder runs.
func TestNormalizeDomainLongLabel(t *testing.T) {
	var b strings.Builder
	for i := range 200000 {
		b.WriteRune(0x4e00 + rune(i%20000)) // CJK ideographs
	}
	if _, err := NormalizeDomain(b.String() + ".jp"); err == nil || !strings.Contains(err.Error(), "label longer than 63") {
		t.Errorf("err = %v", err)
	}
	// 59 characters is the most that can fit ("xn--" plus at least one
	// octet per character); 15 kanji do fit.
	if _, err := NormalizeDomain(strings.Repeat("日", 15) + ".jp"); err != nil {
		t.Errorf("15 kanji: %v", err)
	}
}
