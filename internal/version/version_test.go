package version

import (
	"strings"
	"testing"
)

// chains lists real version strings of each scheme in ascending order;
// strings in one inner slice are equal. Every pair is checked.
var chains = map[Scheme][][]string{
	// Generic: pre-release words, letter suffixes (OpenSSL "1.1.1w"),
	// trailing zeros, Citrix ADC builds "13.1-49.15", Java updates.
	Generic: {
		{"0.9"},
		{"1.0-dev1"},
		{"1.0-alpha", "1.0.0-a", "1.0.0.alpha"},
		{"1.0-alpha2"},
		{"1.0-b1", "1.0-beta1", "1.0beta1"},
		{"1.0-beta2"},
		{"1.0-rc1", "1.0.0-rc1", "1.0rc1", "1.0-RC1", "1.0-pre1"},
		{"1.0-rc2"},
		{"1.0", "1.0.0", "1", "v1.0", "1.0-final", "1.0.0 (GA)", "Version 1.0"},
		{"1.0a", "1.0.0a"},
		{"1.0b"},
		{"1.0.1"},
		{"1.0.2u"},
		{"1.1.0"},
		{"1.1.0l"},
		{"1.1.1"},
		{"1.1.1a"},
		{"1.1.1w"},
		{"1.1.2"},
		{"1.8.0", "1.8"},
		{"1.8.0_202"},
		{"1.8.0_391"},
		{"2.0.0-rc1"},
		{"2.0.0", "2"},
		{"2.4.57"},
		{"2.4.58"},
		{"3.0.13"},
		{"11.0.22"},
		{"12.1-55.302"},
		{"13.0-92.21"},
		{"13.1-49.15"},
		{"13.1-51.15"},
		{"14.1-12.35"},
		{"2019"},
		{"20240101"},
		{"99999999999999999999999999"},
		{"100000000000000000000000000"},
	},
	// Semver 2.0.0 section 11 example, plus "v" and missing parts.
	Semver: {
		{"1.0.0-Alpha"}, // ASCII: uppercase sorts first
		{"1.0.0-alpha"},
		{"1.0.0-alpha.0"},
		{"1.0.0-alpha.1"},
		{"1.0.0-alpha.beta"},
		{"1.0.0-beta"},
		{"1.0.0-beta.2"},
		{"1.0.0-beta.11"},
		{"1.0.0-rc.1", "1.0.0-rc.1+build.7"},
		{"1.0.0", "v1.0.0", "1.0.0+20130313144700", "1.0", "1", "V1.0.0+exp.sha.5114f85"},
		{"1.0.1"},
		{"1.1.0-0"},
		{"1.1.0"},
		{"1.10.0"},
		{"2.0.0"},
	},
	// FortiOS: "7.2.4", "v7.2.4,build1396" as shown by "get system status".
	Fortinet: {
		{"6.0.18"},
		{"6.4.15"},
		{"7.0.0", "7.0", "7"},
		{"7.0.12"},
		{"7.0.14"},
		{"7.2.0"},
		{"7.2.4", "v7.2.4", "FortiOS 7.2.4", "7.2.4 (GA)", "7.2.4.0"},
		{"7.2.4 build1396", "v7.2.4,build1396", "FortiGate-VM64 v7.2.4,build1396,230131 (GA.F)", "7.2.4-build1396", "7.2.4 build 1396", "7.2.4 b1396"},
		{"7.2.4 build1397"},
		{"7.2.5"},
		{"7.4.3 build2573"},
		{"7.6.0"},
	},
	// Ivanti Connect Secure / Pulse Connect Secure: MAJOR.MINOR "R" release[.patch].
	Ivanti: {
		{"8.3R7.1"},
		{"9.0R3"},
		{"9.1R11.4"},
		{"9.1R18", "9.1R18.0"},
		{"9.1R18.2", "9.1r18.2", "Pulse Connect Secure 9.1R18.2"},
		{"22.1R6.2"},
		{"22.7"},
		{"22.7R1"},
		{"22.7R2", "22.7R2.0", "22.7.0R2"},
		{"22.7R2.1"},
		{"22.7R2.3", "22.7r2.3", "Ivanti Connect Secure 22.7R2.3", "22.7 R2.3"},
		{"22.7R2.3 (build 1485)", "22.7R2.3 b1485", "22.7R2.3 build 1485"},
		{"22.7R2.4"},
		{"22.7R3"},
		{"22.8R1"},
	},
	// Cisco IOS "15.2(4)M11", IOS XE "17.9.4a", NX-OS "7.0(3)I7(9)", ASA "9.16.4.42".
	Cisco: {
		{"7.0(3)I7(9)"},
		{"7.0(3)I7(10)"},
		{"9.3(9)"},
		{"9.3(10)"},
		{"9.16.4"},
		{"9.16.4.42"},
		{"9.18.3"},
		{"9.18.3.39"},
		{"9.20.2"},
		{"12.2(33)SXJ10"},
		{"15.0(2)SE11"},
		{"15.2(4)"},
		{"15.2(4)M"},
		{"15.2(4)M10"},
		{"15.2(4)M11", "15.2(4)m11", "15.2.4.M11"},
		{"15.2(7)E8"},
		{"15.9(3)M9"},
		{"16.12.10a"},
		{"17.3.8a"},
		{"17.9.4", "17.09.04"},
		{"17.9.4a", "17.09.04a", "Version 17.09.04a"},
		{"17.9.5"},
		{"17.12.1"},
		{"17.12.1a"},
	},
	// Windows and Exchange build numbers: four numeric parts.
	Microsoft: {
		{"6.1.7601.24545"},
		{"10.0", "10.0.0.0"},
		{"10.0.14393.6709"},
		{"10.0.17763.5458"},
		{"10.0.19041.3693"},
		{"10.0.19045.3693"},
		{"10.0.19045.3803"},
		{"10.0.20348.2227"},
		{"10.0.22621.3007"},
		{"15.1.2507.35"},
		{"15.2.1258.28"},
		{"15.2.1544.4"},
	},
	// PAN-OS: hotfixes "-hN" after the maintenance release.
	PaloAlto: {
		{"9.1.17"},
		{"10.1.0-b3"},
		{"10.1.0"},
		{"10.1.14-h2"},
		{"10.2.0"},
		{"10.2.9"},
		{"10.2.9-h1", "10.2.9 h1", "PAN-OS 10.2.9-h1", "10.2.9-H1"},
		{"10.2.9-h2"},
		{"10.2.9-h10"},
		{"10.2.10"},
		{"11.0.4-h1"},
		{"11.1.2-h3"},
		{"11.2.0"},
	},
}

func TestChains(t *testing.T) {
	pairs := 0
	for scheme, chain := range chains {
		type pos struct {
			text string
			rank int
		}
		var all []pos
		for r, group := range chain {
			for _, text := range group {
				all = append(all, pos{text, r})
			}
		}
		for _, a := range all {
			va, err := Parse(scheme, a.text)
			if err != nil {
				t.Errorf("%s: Parse(%q): %v", scheme, a.text, err)
				continue
			}
			if va.String() != a.text || va.Scheme() != scheme {
				t.Errorf("%s: Parse(%q) String = %q, Scheme = %q", scheme, a.text, va.String(), va.Scheme())
			}
			for _, b := range all {
				want := 0
				switch {
				case a.rank < b.rank:
					want = -1
				case a.rank > b.rank:
					want = 1
				}
				got, err := Compare(scheme, a.text, b.text)
				if err != nil {
					t.Errorf("%s: Compare(%q, %q): %v", scheme, a.text, b.text, err)
					continue
				}
				pairs++
				if got != want {
					t.Errorf("%s: Compare(%q, %q) = %d, want %d", scheme, a.text, b.text, got, want)
				}
			}
		}
	}
	t.Logf("%d ordered pairs", pairs)
}

// TestCompare lists single comparisons that the brief and vendor advisories
// rely on, including where the schemes differ.
func TestCompare(t *testing.T) {
	tests := []struct {
		scheme Scheme
		a, b   string
		want   int
	}{
		{Generic, "7.2", "7.2.0", 0},                      // trailing zeros
		{Generic, "17.9.4a", "17.9.4", 1},                 // letter directly after the last number
		{Generic, "1.1.1w", "1.1.1", 1},                   // OpenSSL letter release
		{Generic, "2.0.0-rc1", "2.0.0", -1},               // pre-release word
		{Generic, "1.0-a1", "1.0", -1},                    // "a" after a separator is alpha
		{Generic, "1.0a1", "1.0", 1},                      // "a" directly after digits is a letter release
		{Generic, "13.1-49.15", "13.1-51.15", -1},         // Citrix ADC build
		{Generic, "13.1-51.15", "14.1-12.35", -1},         // Citrix ADC release
		{Generic, "9.3p1", "9.3", 1},                      // OpenSSH portable
		{Generic, "9.3p1", "9.4", -1},                     // OpenSSH portable
		{Generic, "2.4.58", "2.4.9", 1},                   // numeric, not lexicographic
		{Generic, "15.2(4)M", "15.2(4)", 1},               // word after the release
		{Generic, "R80.40", "R81.10", -1},                 // Check Point: text before the first digit ignored
		{Semver, "1.0.0-alpha.1", "1.0.0-alpha.beta", -1}, // numeric identifiers sort first
		{Semver, "1.0.0-beta.11", "1.0.0-beta.2", 1},      // numeric identifiers compare as numbers
		{Semver, "1.0.0+a", "1.0.0+b", 0},                 // build metadata ignored
		{Fortinet, "7.2.4", "7.2.4 build1396", -1},        // build is the last component
		{Fortinet, "7.2.4 build9999", "7.2.5 build1", -1},
		{Ivanti, "22.7R2", "22.7R2.1", -1},
		{Ivanti, "22.7R2.3", "22.7R3", -1},
		{Ivanti, "22.7R3", "22.8R1", -1},
		{Ivanti, "9.1R18.2", "22.7R1", -1},
		{Cisco, "15.2(4)M10", "15.2(4)M11", -1},
		{Cisco, "17.12.1", "17.9.4a", 1},
		{Cisco, "9.16.4.42", "9.18.3", -1},
		{Cisco, "12.2(18)a", "12.2(18)", 1},    // Cisco has no pre-release words
		{Generic, "12.2(18)a", "12.2(18)", -1}, // ... Generic reads "a" after ")" as alpha
		{Microsoft, "10.0.19045.3693", "10.0.19045.3803", -1},
		{Microsoft, "10.0.19045.3693", "10.0.17763.5458", 1},
		{PaloAlto, "10.2.9-h1", "10.2.9", 1},
		{PaloAlto, "10.2.9-h1", "10.2.10", -1},
		{PaloAlto, "11.1.2-h3", "11.1.2-h12", -1},
		{"", "7.2", "7.10", -1}, // the empty scheme is Generic
	}
	for _, tt := range tests {
		got, err := Compare(tt.scheme, tt.a, tt.b)
		if err != nil {
			t.Errorf("%s: Compare(%q, %q): %v", tt.scheme, tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %d", tt.scheme, tt.a, tt.b, got, tt.want)
		}
		back, _ := Compare(tt.scheme, tt.b, tt.a)
		if back != -got {
			t.Errorf("%s: Compare(%q, %q) = %d, not antisymmetric", tt.scheme, tt.b, tt.a, back)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		scheme     Scheme
		text, want string
	}{
		{Generic, "", "version: empty version"},
		{Generic, "   ", "version: empty version"},
		{Generic, "*", `version: "*" is a CPE logical value`},
		{Fortinet, "-", `version: "-" is a CPE logical value`},
		{Generic, "unspecified", `version: "unspecified" has no digits`},
		{Cisco, "n/a", `version: "n/a" has no digits`},
		{Ivanti, "R", `has no digits`},
		{"bogus", "1.0", `version: unknown scheme "bogus" (want one of generic, semver, fortinet, ivanti, cisco, microsoft, paloalto)`},
		{Semver, "1.2.3-", `version: semver "1.2.3-": empty pre-release after "-"`},
		{Semver, "1.2.3-a..b", `version: semver "1.2.3-a..b": pre-release: empty identifier`},
		{Semver, "1.2.3+", `build metadata: empty identifier`},
		{Semver, "1.2.3+a_b", `build metadata: identifier "a_b" has "_"`},
		{Semver, "1.2.3.4", `core version "1.2.3.4" has 4 parts`},
		{Semver, "1.2.x", `core version "1.2.x" must be numbers`},
		{Semver, "v", `core version "" must be numbers`},
		{Semver, "latest", `semver "latest": core version "latest" must be numbers`},
	}
	for _, tt := range tests {
		v, err := Parse(tt.scheme, tt.text)
		if err == nil {
			t.Errorf("%s: Parse(%q) = %v, want an error", tt.scheme, tt.text, v)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse(%q) error = %q, want it to contain %q", tt.scheme, tt.text, err, tt.want)
		}
	}
	if _, err := Compare(Generic, "1.0", "n/a"); err == nil || !strings.HasPrefix(err.Error(), "version: second version: ") {
		t.Errorf("Compare with a bad second version: %v", err)
	}
	if _, err := Compare(Generic, "", "1.0"); err == nil || !strings.HasPrefix(err.Error(), "version: first version: ") {
		t.Errorf("Compare with a bad first version: %v", err)
	}
}

func TestSchemes(t *testing.T) {
	for _, s := range Schemes {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	for _, s := range []Scheme{"", "Generic", "redhat"} {
		if s.Valid() {
			t.Errorf("%q valid", s)
		}
	}
	vendors := map[string]Scheme{
		"fortinet": Fortinet, "ivanti": Ivanti, "pulsesecure": Ivanti, "cisco": Cisco, "Cisco": Cisco,
		"microsoft": Microsoft, "paloaltonetworks": PaloAlto, "citrix": Generic, "openssl": Generic, "": Generic,
	}
	for vendor, want := range vendors {
		if got := SchemeFor(vendor); got != want {
			t.Errorf("SchemeFor(%q) = %q, want %q", vendor, got, want)
		}
	}
	if !(V{}).IsZero() || MustParse(Generic, "1").IsZero() {
		t.Error("IsZero")
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse of an empty version did not panic")
		}
	}()
	MustParse(Generic, "")
}

func TestJoinUpdate(t *testing.T) {
	tests := []struct{ version, update, want string }{
		{"22.7", "r2.3", "22.7R2.3"},  // cpe:2.3:a:ivanti:connect_secure:22.7:r2.3
		{"9.1", "r18.2", "9.1R18.2"},  // cpe:2.3:a:pulsesecure:pulse_connect_secure:9.1:r18.2
		{"22.7", "R2", "22.7R2"},      // uppercase as written by the vendor
		{"10.2.9", "h1", "10.2.9-h1"}, // cpe:2.3:o:paloaltonetworks:pan-os:10.2.9:h1
		{"9.3", "p1", "9.3-p1"},       // cpe:2.3:a:openbsd:openssh:9.3:p1
		{"2.0", "rc2", "2.0-rc2"},     // "rc2" is not an Ivanti release
		{"1.8.0", "update_202", "1.8.0-update_202"},
		{"7.2.4", "*", "7.2.4"},
		{"7.2.4", "-", "7.2.4"},
		{"7.2.4", "", "7.2.4"},
		{"*", "r2.3", "*"},
		{"-", "sp1", "-"},
		{`15.2\(4\)m11`, "*", "15.2(4)m11"},
		{`13.1\-49.15`, "-", "13.1-49.15"},
	}
	for _, tt := range tests {
		if got := JoinUpdate(tt.version, tt.update); got != tt.want {
			t.Errorf("JoinUpdate(%q, %q) = %q, want %q", tt.version, tt.update, got, tt.want)
		}
	}
	// The joined forms order as the vendor's releases do.
	if c, _ := Compare(Ivanti, JoinUpdate("22.7", "r2.3"), JoinUpdate("22.7", "r2.4")); c != -1 {
		t.Errorf("Ivanti joined order = %d", c)
	}
	if c, _ := Compare(PaloAlto, JoinUpdate("10.2.9", "h1"), JoinUpdate("10.2.9", "-")); c != 1 {
		t.Errorf("PAN-OS joined order = %d", c)
	}
}

// BenchmarkParseCompare parses a registered version once and compares it
// with range bounds, as the matching engine does.
func BenchmarkParseCompare(b *testing.B) {
	texts := []struct {
		s    Scheme
		a, c string
	}{
		{Fortinet, "v7.2.4,build1396", "7.2.7"},
		{Ivanti, "22.7R2.3", "22.7R2.4"},
		{Cisco, "15.2(4)M11", "15.2(4)M10"},
		{PaloAlto, "10.2.9-h1", "10.2.9-h3"},
		{Generic, "13.1-49.15", "13.1-51.15"},
	}
	b.Run("parse", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			t := texts[i%len(texts)]
			if _, err := Parse(t.s, t.a); err != nil {
				b.Fatal(err)
			}
		}
	})
	vs := make([][2]V, len(texts))
	for i, t := range texts {
		vs[i] = [2]V{MustParse(t.s, t.a), MustParse(t.s, t.c)}
	}
	b.Run("compare", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := vs[i%len(vs)]
			if p[0].Compare(p[1]) == 0 {
				b.Fatal("equal")
			}
		}
	})
}
