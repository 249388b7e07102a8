package cpe

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestCompareValue restates NISTIR 7696 table 6-2 row by row, plus the
// wildcard cases of compareStrings.
func TestCompareValue(t *testing.T) {
	tests := []struct {
		src, tgt string
		want     Relation
	}{
		// Table 6-2.
		{"*", "*", Equal},                   // 1: ANY, ANY
		{"*", "-", Superset},                // 2: ANY, NA
		{"*", "7.2.4", Superset},            // 3: ANY, i
		{"*", "7.2.*", Undefined},           // 4: ANY, m + wild cards
		{"-", "*", Subset},                  // 5: NA, ANY
		{"-", "-", Equal},                   // 6: NA, NA
		{"-", "7.2.4", Disjoint},            // 7: NA, i
		{"-", "7.2.*", Undefined},           // 8: NA, m + wild cards
		{"7.2.4", "*", Subset},              // 9: i, ANY
		{"7.2.4", "-", Disjoint},            // 10: i, NA
		{"7.2.4", "7.2.4", Equal},           // 11: i, i
		{"7.2.4", "7.2.5", Disjoint},        // 12: i, k
		{"7.2.4", "7.2.*", Undefined},       // 13: i, m + wild cards
		{"7.2.*", "7.2.4", Superset},        // 14: m1 + wild cards, m2 (match)
		{"7.2.*", "7.0.12", Disjoint},       // 14: m1 + wild cards, m2 (no match)
		{"7.2.*", "*", Subset},              // 15: m1 + wild cards, ANY
		{"7.2.*", "-", Disjoint},            // 16: m1 + wild cards, NA
		{"7.2.*", "7.2.*", Undefined},       // 17: m1 + wild cards, m1 + wild cards
		{"7.2.*", "7.?", Undefined},         // 18: m1 + wild cards, m2 + wild cards
		{"", "7.2.4", Superset},             // empty is ANY
		{"", "", Equal},                     // empty is ANY
		{"7.2.4", "", Subset},               // empty is ANY
		{"FortiOS", "fortios", Equal},       // case-insensitive
		{`big\$money`, `BIG\$MONEY`, Equal}, // case-insensitive with escapes
		{`\.net`, ".net", Equal},            // same WFN, different escaping
		{`\-`, "-", Disjoint},               // literal hyphen is not NA
		{`7.2\*`, "7.2*", Undefined},        // target has a real wildcard
		{`7.2\*`, `7.2\*`, Equal},           // quoted asterisk is a literal
		{`7.2\*`, "7.2.4", Disjoint},        // ... and does not match
		{"*.2.4", "7.2.4", Superset},        // leading "*"
		{"*.2.4", "7.2.4.1", Disjoint},      // body must end the target
		{"*2*", "7.2.4", Superset},          // "*" at both ends
		{"7.2.?", "7.2.4", Superset},        // "?" matches one character
		{"7.2.?", "7.2.", Superset},         // ... or none (reference implementation)
		{"7.2.?", "7.2.14", Disjoint},       // ... but not two
		{"7.2.??", "7.2.14", Superset},      // two "?" match two
		{"?.2.4", "7.2.4", Superset},        // leading "?"
		{"?.2.4", "17.2.4", Disjoint},       // ... at most one character
		{"??.2.4", "17.2.4", Superset},      // ... two "?" at most two
		{"??", "ab", Superset},              // only "?": at most that many characters
		{"??", "abc", Disjoint},             // ... not more
		{`sp\??`, `sp\?1`, Superset},        // quoted "?" in the body, wildcard at the end
		{`sp\?`, `sp\?`, Equal},             // quoted "?" is a literal
		{`sp\?`, "sp?", Undefined},          // ... but an unquoted one in the target is a wildcard
		{"10.0.19045.*", "10.0.19045.3693", Superset},
		{"10.0.19045.*", "10.0.19044.3693", Disjoint},
	}
	for _, tt := range tests {
		got := compareValue(tt.src, tt.tgt)
		if got != tt.want {
			t.Errorf("compare(%q, %q) = %v, want %v", tt.src, tt.tgt, got, tt.want)
		}
	}
}

// TestRelate restates NISTIR 7696 table 6-3 with whole names.
func TestRelate(t *testing.T) {
	tests := []struct {
		src, tgt string
		want     Relation
	}{
		{"cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", Equal},
		{"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", Superset},
		{"cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Subset},
		{"cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.5:*:*:*:*:*:*:*", Disjoint},
		{"cpe:2.3:o:fortinet:fortios:7.2.*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", Superset},
		// One attribute superset, another subset: neither.
		{"cpe:2.3:o:fortinet:fortios:*:-:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", Undefined},
		// Wildcards in the target.
		{"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.*:*:*:*:*:*:*:*", Undefined},
		// Disjoint wins over undefined.
		{"cpe:2.3:o:fortinet:fortimanager:*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.*:*:*:*:*:*:*:*", Disjoint},
		// NISTIR 7696 example: the HP insight diagnostics names.
		{"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*", "cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~", Subset},
	}
	for _, tt := range tests {
		got := Relate(MustParse(tt.src), MustParse(tt.tgt))
		if got != tt.want {
			t.Errorf("Relate(%s, %s) = %v (%v), want %v", tt.src, tt.tgt, got, Compare(MustParse(tt.src), MustParse(tt.tgt)), tt.want)
		}
	}
}

// TestMatches uses vulnerability-style source patterns against registered
// critical computers.
func TestMatches(t *testing.T) {
	tests := []struct {
		src, tgt string
		want     bool
	}{
		// NVD cpeMatch criteria with ANY version match every version (the range is checked separately).
		{"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", true},
		{"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortiproxy:7.2.4:*:*:*:*:*:*:*", false},
		{"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "cpe:2.3:a:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", false},
		{"cpe:2.3:o:fortinet:fortios:7.2.*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*", true},
		{"cpe:2.3:o:fortinet:fortios:7.2.*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*", false},
		// Exact CPEs with an update (Ivanti, Palo Alto).
		{"cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*", "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*", true},
		{"cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*", "cpe:2.3:a:ivanti:connect_secure:22.7:r2.4:*:*:*:*:*:*", false},
		{"cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*", "cpe:2.3:a:ivanti:connect_secure:22.7:*:*:*:*:*:*:*", false}, // SUBSET: unknown update is not covered
		{"cpe:2.3:a:ivanti:connect_secure:22.7:*:*:*:*:*:*:*", "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*", true},
		{"cpe:2.3:a:paloaltonetworks:pan-os:10.2.9:h1:*:*:*:*:*:*", "cpe:2.3:a:paloaltonetworks:pan-os:10.2.9:h1:*:*:*:*:*:*", true},
		{"cpe:2.3:a:paloaltonetworks:pan-os:10.2.9:-:*:*:*:*:*:*", "cpe:2.3:a:paloaltonetworks:pan-os:10.2.9:h1:*:*:*:*:*:*", false},
		// Cisco IOS with escaped parentheses, written two ways.
		{`cpe:2.3:o:cisco:ios:15.2\(4\)m11:*:*:*:*:*:*:*`, "cpe:/o:cisco:ios:15.2(4)M11", true},
		// target_hw: an x64-only vulnerability and a registered x86 server.
		{"cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:x64:*", "cpe:2.3:o:microsoft:windows_server_2019:10.0.17763.5458:*:*:*:*:*:x64:*", true},
		{"cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:x64:*", "cpe:2.3:o:microsoft:windows_server_2019:10.0.17763.5458:*:*:*:*:*:x86:*", false},
		{"cpe:2.3:o:microsoft:windows_server_2019:*:*:*:*:*:*:x64:*", "cpe:2.3:o:microsoft:windows_server_2019:10.0.17763.5458:*:*:*:*:*:*:*", false},
		// Wildcards in the target never match.
		{"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "cpe:2.3:o:fortinet:fortios:7.2.*:*:*:*:*:*:*:*", false},
		// Hand-built names: empty attributes are ANY.
		{"cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-*:*:*:*:*:*:*:*", "cpe:2.3:a:citrix:netscaler_application_delivery_controller:13.1-49.15:*:*:*:*:*:*:*", true},
	}
	for _, tt := range tests {
		if got := Matches(MustParse(tt.src), MustParse(tt.tgt)); got != tt.want {
			t.Errorf("Matches(%s, %s) = %v, want %v (%v)", tt.src, tt.tgt, got, tt.want, Compare(MustParse(tt.src), MustParse(tt.tgt)))
		}
	}
	hand := Name{Part: "o", Vendor: "Fortinet", Product: "FortiOS"}
	if !Matches(hand, MustParse("cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*")) {
		t.Error("hand-built pattern with empty attributes does not match")
	}
	if Matches(MustParse("cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*"), hand) {
		t.Error("a specific source matches a broader target")
	}
}

func TestRelationString(t *testing.T) {
	want := map[Relation]string{Disjoint: "DISJOINT", Subset: "SUBSET", Superset: "SUPERSET", Equal: "EQUAL", Undefined: "UNDEFINED", 9: "Relation(9)"}
	for r, s := range want {
		if r.String() != s {
			t.Errorf("%d.String() = %q, want %q", int(r), r.String(), s)
		}
	}
}

// oracle matches a pattern value against a literal with a regular
// expression built independently of wildMatch.
func oracle(pattern, literal string) bool {
	v := decode(pattern)
	var re strings.Builder
	re.WriteString("^")
	switch {
	case v.pre < 0:
		re.WriteString("(?s:.*)")
	case v.pre > 0:
		re.WriteString("(?s:.{0," + strconv.Itoa(v.pre) + "})")
	}
	re.WriteString(regexp.QuoteMeta(v.body))
	switch {
	case v.suf < 0:
		re.WriteString("(?s:.*)")
	case v.suf > 0:
		re.WriteString("(?s:.{0," + strconv.Itoa(v.suf) + "})")
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(literal)
}

// FuzzMatch checks that comparing never panics, that Matches agrees with
// Compare and Relate, and that wildcard matching agrees with a regular
// expression on ASCII values.
func FuzzMatch(f *testing.F) {
	f.Add("7.2.*", "7.2.4")
	f.Add("??.2.4", "17.2.4")
	f.Add(`*\*?`, `a\*`)
	f.Add("*2*", "222")
	f.Add("-", "*")
	f.Fuzz(func(t *testing.T, src, tgt string) {
		s := Name{Part: "a", Vendor: "v", Product: "p", Version: src}
		g := Name{Part: "a", Vendor: "v", Product: "p", Version: tgt}
		rs := Compare(s, g)
		m := Matches(s, g)
		rel := Relate(s, g)
		if m != (rel == Superset || rel == Equal) {
			t.Fatalf("Matches(%q, %q) = %v but Relate = %v", src, tgt, m, rel)
		}
		if rs[AttrVersion] == Equal && compareValue(tgt, src) != Equal {
			t.Fatalf("EQUAL is not symmetric for %q, %q", src, tgt)
		}
		// Check the wildcard semantics on valid, wildcard-free targets.
		sv, err1 := canonFS(src)
		tv, err2 := canonFS(tgt)
		if err1 != nil || err2 != nil || tv == Any || tv == NA || sv == Any || sv == NA {
			return
		}
		if t2 := decode(tv); t2.wild() {
			return
		}
		want := oracle(sv, decode(tv).body)
		got := compareValue(sv, tv)
		if want != (got == Superset || got == Equal) {
			t.Fatalf("compare(%q, %q) = %v, regexp says match = %v", sv, tv, got, want)
		}
	})
}
