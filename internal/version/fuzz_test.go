package version

import "testing"

// FuzzCompare checks, for every scheme, that Parse never panics, that
// Compare is reflexive and antisymmetric, that the string and parsed forms
// agree, that re-parsing String gives an equal version, and that the order
// is transitive on triples (including equality).
func FuzzCompare(f *testing.F) {
	seeds := [][3]string{
		{"7.2.4", "v7.2.4,build1396", "7.2.5"},
		{"22.7R2", "22.7R2.3", "22.7"},
		{"15.2(4)M10", "15.2(4)M11", "17.9.4a"},
		{"10.2.9-h1", "10.2.9", "10.2.10"},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0"},
		{"2.0.0-rc1", "2.0", "2.0.0.0"},
		{"13.1-49.15", "13.1-51.15", "14.1-12.35"},
		{"1.0a", "1.a", "1.0.0-a"},
	}
	for i, s := range seeds {
		f.Add(uint8(i), s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, si uint8, a, b, c string) {
		s := Schemes[int(si)%len(Schemes)]
		va, errA := Parse(s, a)
		vb, errB := Parse(s, b)
		vc, errC := Parse(s, c)
		if errA == nil {
			if va.String() != a {
				t.Fatalf("%s: String() = %q, want %q", s, va.String(), a)
			}
			if va.Compare(va) != 0 {
				t.Fatalf("%s: %q != itself", s, a)
			}
			again, err := Parse(s, va.String())
			if err != nil || again.Compare(va) != 0 {
				t.Fatalf("%s: re-parse of %q: %v", s, a, err)
			}
		}
		if errA != nil || errB != nil {
			if _, err := Compare(s, a, b); err == nil {
				t.Fatalf("%s: Compare(%q, %q) succeeded but Parse failed", s, a, b)
			}
			return
		}
		ab, ba := va.Compare(vb), vb.Compare(va)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("%s: Compare(%q, %q) = %d, reverse %d", s, a, b, ab, ba)
		}
		if got, err := Compare(s, a, b); err != nil || got != ab {
			t.Fatalf("%s: Compare(%q, %q) = %d, %v; parsed gives %d", s, a, b, got, err, ab)
		}
		if errC != nil {
			return
		}
		bc, ac := vb.Compare(vc), va.Compare(vc)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("%s: not transitive: %q <= %q <= %q but %q > %q", s, a, b, c, a, c)
		}
		if ab == 0 && ac != bc {
			t.Fatalf("%s: %q == %q but they compare differently with %q (%d, %d)", s, a, b, c, ac, bc)
		}
		// A range built from two of the versions behaves like the comparisons.
		lo, hi := va, vb
		if ab > 0 {
			lo, hi = vb, va
		}
		r := Range{Scheme: s, StartIncluding: lo.String(), EndIncluding: hi.String()}
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: range %s: %v", s, r, err)
		}
		if !r.Contains(lo) || !r.Contains(hi) {
			t.Fatalf("%s: range %s does not contain its bounds", s, r)
		}
	})
}
