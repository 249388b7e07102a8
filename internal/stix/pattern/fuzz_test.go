package pattern

import (
	"errors"
	"testing"

	"sakimori/internal/stix/stixtest"
)

// FuzzParse checks that Parse never panics, that every error is an *Error
// with a position inside the input, and that every accepted pattern
// round-trips (parse(print(p)) == p), has stable printing, and yields atoms
// whose values are already normalised.
func FuzzParse(f *testing.F) {
	for _, tc := range validCases {
		f.Add(tc.in)
	}
	for _, s := range specExamples {
		f.Add(s)
	}
	for _, tc := range invalidCases {
		f.Add(tc.in)
	}
	if stixtest.Find() != "" {
		for _, pats := range examplePatterns(f) {
			for _, s := range pats {
				f.Add(s)
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q): error %v is not *Error", s, err)
			}
			if pe.Pos < 0 || pe.Pos > len(s) {
				t.Fatalf("Parse(%q): error position %d outside the input", s, pe.Pos)
			}
			return
		}
		checkRoundTrip(t, s, p)
		x := p.Atoms()
		for _, a := range x.Atoms {
			var again string
			var err error
			switch a.Kind {
			case KindIPv4, KindIPv6, KindCIDR4, KindCIDR6:
				_, again, err = NormalizeIP(a.Value)
			case KindDomain:
				again, err = NormalizeDomain(a.Value)
			case KindURL:
				again, err = NormalizeURL(a.Value)
			case KindEmail:
				again, err = NormalizeEmail(a.Value)
			default:
				again = a.Value
			}
			if err != nil || again != a.Value {
				t.Fatalf("Parse(%q): atom %s is not normalised: %q, %v", s, a, again, err)
			}
		}
	})
}
