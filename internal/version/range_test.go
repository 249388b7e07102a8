package version

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRangeContains uses ranges from real advisories (NVD cpeMatch style).
func TestRangeContains(t *testing.T) {
	tests := []struct {
		r    Range
		v    string
		want bool
	}{
		// CVE-2024-21762 FortiOS: 7.2.0 through 7.2.6, 7.0.0 through 7.0.13.
		{Range{Scheme: Fortinet, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, "7.2.4", true},
		{Range{Scheme: Fortinet, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, "v7.2.4,build1396", true},
		{Range{Scheme: Fortinet, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, "7.2.7", false},
		{Range{Scheme: Fortinet, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, "7.2.7 build1577", false},
		{Range{Scheme: Fortinet, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, "7.0.13", false},
		{Range{Scheme: Fortinet, StartIncluding: "7.0.0", EndIncluding: "7.0.13"}, "7.0.13", true},
		{Range{Scheme: Fortinet, StartIncluding: "7.0.0", EndIncluding: "7.0.13"}, "7.0.13 build0575", true}, // a bound without build covers every build
		{Range{Scheme: Fortinet, StartIncluding: "7.0.0", EndIncluding: "7.0.13"}, "7.0.14", false},
		{Range{Scheme: Fortinet, StartExcluding: "7.2.4"}, "7.2.4 build1396", false},
		{Range{Scheme: Fortinet, StartExcluding: "7.2.4"}, "7.2.5", true},
		{Range{Scheme: Fortinet, Exact: "7.2.4"}, "7.2.4 build1396", true},
		{Range{Scheme: Fortinet, Exact: "7.2.4 build1396"}, "7.2.4", false},
		{Range{Scheme: Fortinet, EndExcluding: "7.2.4 build1400"}, "7.2.4 build1396", true},
		// CVE-2024-3400 PAN-OS: 10.2 < 10.2.9-h1, 11.1 < 11.1.2-h3.
		{Range{Scheme: PaloAlto, StartIncluding: "10.2.0", EndExcluding: "10.2.9-h1"}, "10.2.9", true},
		{Range{Scheme: PaloAlto, StartIncluding: "10.2.0", EndExcluding: "10.2.9-h1"}, "10.2.9-h1", false},
		{Range{Scheme: PaloAlto, StartIncluding: "10.2.0", EndExcluding: "10.2.9-h1"}, "10.2.8-h3", true},
		{Range{Scheme: PaloAlto, StartIncluding: "11.1.0", EndExcluding: "11.1.2-h3"}, "11.1.2-h1", true},
		{Range{Scheme: PaloAlto, StartIncluding: "11.1.0", EndExcluding: "11.1.2-h3"}, "11.1.3", false},
		// CVE-2023-4966 Citrix Bleed: 13.1 before 13.1-49.15, 14.1 before 14.1-8.50.
		{Range{StartIncluding: "13.1", EndExcluding: "13.1-49.15"}, "13.1-48.47", true},
		{Range{StartIncluding: "13.1", EndExcluding: "13.1-49.15"}, "13.1-49.15", false},
		{Range{StartIncluding: "14.1", EndExcluding: "14.1-8.50"}, "14.1-4.42", true},
		{Range{StartIncluding: "14.1", EndExcluding: "14.1-8.50"}, "14.1-12.35", false},
		// CVE-2023-46805 / CVE-2024-21887 Ivanti Connect Secure: 9.x and 22.x.
		{Range{Scheme: Ivanti, StartIncluding: "9.0R1", EndIncluding: "9.1R18.3"}, "9.1R18.2", true},
		{Range{Scheme: Ivanti, StartIncluding: "22.1R1", EndExcluding: "22.7R2.4"}, "22.7R2.3", true},
		{Range{Scheme: Ivanti, StartIncluding: "22.1R1", EndExcluding: "22.7R2.4"}, "22.7R2.3 (build 1485)", true},
		{Range{Scheme: Ivanti, StartIncluding: "22.1R1", EndExcluding: "22.7R2.4"}, "22.7R2.4", false},
		{Range{Scheme: Ivanti, StartIncluding: "22.1R1", EndExcluding: "22.7R2.4"}, "9.1R18.2", false},
		{Range{Scheme: Ivanti, Exact: "9.1R18.2"}, "9.1r18.2", true},
		// Cisco IOS XE and IOS.
		{Range{Scheme: Cisco, StartIncluding: "17.9.1", EndExcluding: "17.9.4a"}, "17.9.4", true},
		{Range{Scheme: Cisco, StartIncluding: "17.9.1", EndExcluding: "17.9.4a"}, "17.9.4a", false},
		{Range{Scheme: Cisco, EndIncluding: "15.2(4)M10"}, "15.2(4)M11", false},
		{Range{Scheme: Cisco, EndIncluding: "15.2(4)M10"}, "15.2(4)M9", true},
		// Windows Server 2019 before the January 2024 update.
		{Range{Scheme: Microsoft, StartIncluding: "10.0.17763.0", EndExcluding: "10.0.17763.5329"}, "10.0.17763.5206", true},
		{Range{Scheme: Microsoft, StartIncluding: "10.0.17763.0", EndExcluding: "10.0.17763.5329"}, "10.0.17763.5458", false},
		// Semver with pre-releases.
		{Range{Scheme: Semver, StartIncluding: "2.0.0", EndExcluding: "2.4.1"}, "2.4.1-rc.1", true},
		{Range{Scheme: Semver, StartIncluding: "2.0.0", EndExcluding: "2.4.1"}, "2.0.0-rc.1", false},
		// Open and exact.
		{Range{}, "1.0", true},
		{Range{EndExcluding: "2.0"}, "2.0-rc1", true},
		{Range{StartExcluding: "2.0"}, "2.0.0", false},
		{Range{Exact: "7.2"}, "7.2.0", true},
		// An invalid range contains nothing.
		{Range{StartIncluding: "2.0", EndExcluding: "1.0"}, "1.5", false},
	}
	for _, tt := range tests {
		v := MustParse(tt.r.Scheme, tt.v)
		if got := tt.r.Contains(v); got != tt.want {
			t.Errorf("Range{%s} (%s).Contains(%q) = %v, want %v", tt.r, tt.r.Scheme, tt.v, got, tt.want)
		}
		if b, err := tt.r.Compile(); err == nil {
			if b.Contains(v) != tt.want {
				t.Errorf("Bounds of %s disagree with Range.Contains", tt.r)
			}
			if b.Range() != tt.r {
				t.Errorf("Bounds.Range() = %v", b.Range())
			}
		}
	}
	if (Range{}).Contains(V{}) {
		t.Error("the zero V is within the open range")
	}
}

func TestRangeValidate(t *testing.T) {
	tests := []struct {
		r    Range
		want string // "" means valid
	}{
		{Range{}, ""},
		{Range{Scheme: Ivanti, StartIncluding: "9.1R1", EndIncluding: "9.1R1"}, ""},
		{Range{Scheme: "junos", Exact: "1"}, `version: range: scheme "junos" is not one of generic, semver`},
		{Range{Exact: "1.0", EndExcluding: "2.0"}, `version: range: "exact" cannot be combined with "end_excluding"`},
		{Range{Exact: "1.0", StartIncluding: "0.9"}, `"exact" cannot be combined with "start_including"`},
		{Range{Exact: "n/a"}, `version: range: "exact": "n/a" has no digits`},
		{Range{StartIncluding: "1", StartExcluding: "2"}, `both "start_including" and "start_excluding" are set`},
		{Range{EndIncluding: "1", EndExcluding: "2"}, `both "end_including" and "end_excluding" are set`},
		{Range{StartIncluding: "*"}, `version: range: "start_including": "*" is a CPE logical value`},
		{Range{EndExcluding: "unspecified"}, `version: range: "end_excluding": "unspecified" has no digits`},
		{Range{Scheme: Semver, EndIncluding: "1.2.3-"}, `version: range: "end_including": semver "1.2.3-": empty pre-release`},
		{Range{StartIncluding: "7.2.5", EndExcluding: "7.2.4"}, `version: range: "start_including" "7.2.5" is after "end_excluding" "7.2.4"`},
		{Range{StartExcluding: "7.2", EndIncluding: "7.2.0"}, `"start_excluding" "7.2" and "end_including" "7.2.0" leave no version`},
		{Range{StartIncluding: "7.2", EndExcluding: "7.2"}, `leave no version`},
	}
	for _, tt := range tests {
		err := tt.r.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(%+v) = %v", tt.r, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(%+v) = %v, want %q", tt.r, err, tt.want)
		}
	}
}

func TestRangeString(t *testing.T) {
	tests := []struct {
		r    Range
		want string
	}{
		{Range{}, "any"},
		{Range{Scheme: Fortinet}, "any"},
		{Range{StartIncluding: "7.0.0", EndExcluding: "7.0.14"}, ">= 7.0.0, < 7.0.14"},
		{Range{Scheme: Ivanti, Exact: "9.1R18.2"}, "= 9.1R18.2"},
		{Range{StartExcluding: "1.0"}, "> 1.0"},
		{Range{EndIncluding: "2.4.58"}, "<= 2.4.58"},
		{Range{Exact: "1", EndExcluding: "2"}, "= 1, < 2"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestRangeJSON(t *testing.T) {
	r := Range{Scheme: PaloAlto, StartIncluding: "10.2.0", EndExcluding: "10.2.9-h1"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"scheme":"paloalto","start_including":"10.2.0","end_excluding":"10.2.9-h1"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var back Range
	if err := json.Unmarshal(b, &back); err != nil || back != r {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	if b, _ := json.Marshal(Range{}); string(b) != "{}" {
		t.Errorf("empty range JSON = %s", b)
	}
}

// TestFromCVE converts CVE JSON 5 "versions" entries.
func TestFromCVE(t *testing.T) {
	tests := []struct {
		scheme                        Scheme
		version, lt, lte, versionType string
		want                          Range
		wantErr                       string
	}{
		{Fortinet, "7.2.0", "7.2.7", "", "semver", Range{Scheme: Semver, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}, ""},
		{Fortinet, "7.0.0", "", "7.0.13", "custom", Range{Scheme: Fortinet, StartIncluding: "7.0.0", EndIncluding: "7.0.13"}, ""},
		{PaloAlto, "10.2", "10.2.9-h1", "", "custom", Range{Scheme: PaloAlto, StartIncluding: "10.2", EndExcluding: "10.2.9-h1"}, ""},
		{Generic, "0", "2.4.59", "", "", Range{Scheme: Generic, EndExcluding: "2.4.59"}, ""},
		{Generic, "unspecified", "", "1.2", "", Range{Scheme: Generic, EndIncluding: "1.2"}, ""},
		{Generic, "2.0", "*", "", "", Range{Scheme: Generic, StartIncluding: "2.0"}, ""},
		{Generic, "1.0", "1.*", "", "", Range{Scheme: Generic, StartIncluding: "1.0", EndExcluding: "2"}, ""},
		{Generic, "7.2.0", "7.2.*", "", "", Range{Scheme: Generic, StartIncluding: "7.2.0", EndExcluding: "7.3"}, ""},
		{Ivanti, "9.1R18.2", "", "", "custom", Range{Scheme: Ivanti, Exact: "9.1R18.2"}, ""},
		{Generic, "n/a", "", "", "", Range{}, `names no version`},
		{Generic, "abc123", "", "", "git", Range{}, `"git" names commits`},
		{Generic, "1.0", "2.0", "2.0", "", Range{}, `both "lessThan" and "lessThanOrEqual"`},
		{Generic, "1.0", "x.*", "", "", Range{}, `want digits before ".*"`},
		{Generic, "3.0", "2.0", "", "", Range{}, `is after`},
	}
	for _, tt := range tests {
		got, err := FromCVE(tt.scheme, tt.version, tt.lt, tt.lte, tt.versionType)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("FromCVE(%q, %q, %q, %q) = %+v, %v; want error %q", tt.version, tt.lt, tt.lte, tt.versionType, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("FromCVE(%q, %q, %q, %q) = %+v, %v; want %+v", tt.version, tt.lt, tt.lte, tt.versionType, got, err, tt.want)
		}
	}
}

// TestBelowAbove: over every chain of real versions sorted in Compare
// order, for ranges with bounds taken from the chain itself (with and
// without builds), Below is true on a prefix, Above on a suffix, and
// Contains is exactly neither. The matching engine binary-searches sorted
// registries with them, so this is what makes that search correct.
func TestBelowAbove(t *testing.T) {
	checked := 0
	for scheme, chain := range chains {
		var sorted []V
		var texts []string
		for _, group := range chain {
			for _, text := range group {
				v, err := Parse(scheme, text)
				if err != nil {
					t.Fatal(err)
				}
				sorted = append(sorted, v)
				texts = append(texts, text)
			}
		}
		for i := 1; i < len(sorted); i++ {
			if sorted[i-1].Compare(sorted[i]) > 0 {
				t.Fatalf("%s: chain not sorted at %q", scheme, texts[i])
			}
		}
		var ranges []Range
		for i, a := range texts {
			ranges = append(ranges, Range{Scheme: scheme, Exact: a}, Range{Scheme: scheme, StartIncluding: a}, Range{Scheme: scheme, EndExcluding: a},
				Range{Scheme: scheme, StartExcluding: a}, Range{Scheme: scheme, EndIncluding: a})
			for _, b := range texts[i:] {
				if c, _ := Compare(scheme, a, b); c < 0 {
					ranges = append(ranges, Range{Scheme: scheme, StartIncluding: a, EndExcluding: b}, Range{Scheme: scheme, StartExcluding: a, EndIncluding: b})
				}
			}
		}
		for _, r := range ranges {
			b, err := r.Compile()
			if err != nil {
				continue // e.g. an empty range: validation refuses it
			}
			prevBelow, prevAbove := true, false
			for i, v := range sorted {
				below, above := b.Below(v), b.Above(v)
				if below && !prevBelow {
					t.Errorf("%s %s: Below not monotone at %q", scheme, r, texts[i])
				}
				if prevAbove && !above {
					t.Errorf("%s %s: Above not monotone at %q", scheme, r, texts[i])
				}
				if b.Contains(v) != (!below && !above) {
					t.Errorf("%s %s: Contains(%q) = %v, Below %v, Above %v", scheme, r, texts[i], b.Contains(v), below, above)
				}
				prevBelow, prevAbove = below, above
				checked++
			}
		}
	}
	t.Logf("%d checks", checked)
}
