package cpe

import "testing"

// FuzzParse checks that Parse never panics and that every accepted name
// survives a round trip through its canonical string.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*",
		"cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*",
		`cpe:2.3:o:cisco:ios:15.2\(4\)m11:*:*:*:*:*:*:*`,
		`cpe:2.3:a:foo\\bar:big\$money:2010:*:*:*:special:ipod_touch:80gb:*`,
		`cpe:2.3:a:vendor:pro\:duct:7.2.*:?:*x??:\-:*:*:*:*`,
		"cpe:/o:cisco:ios:15.2(4)m11",
		"cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
		"cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
		"cpe:/a:vendor:product:%2d::~%7e~-~~~",
		"cpe:/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(n.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, n.String(), err)
		}
		if again != n {
			t.Fatalf("Parse(%q) = %#v, but Parse(%q) = %#v", s, n, n.String(), again)
		}
		if again.String() != n.String() {
			t.Fatalf("String not stable: %q then %q", n.String(), again.String())
		}
	})
}
