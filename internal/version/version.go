// Package version compares product versions across vendor numbering schemes
// that are not semver (FortiOS builds, Ivanti "22.7R2.3" releases, Cisco IOS
// "15.2(4)M11" trains, Palo Alto "-h1" hotfixes, ...) and checks them
// against version ranges as NVD cpeMatch entries and CVE JSON 5 "versions"
// entries express them.
//
// A version is parsed once into a [V] under a [Scheme] and then compared
// cheaply. Every scheme maps a version to a sequence of items (numbers,
// words, pre-release markers, ...) that are compared one by one with one
// fixed order of item kinds, so [V.Compare] is a total order even between
// versions parsed under different schemes (such comparisons are well
// defined but rarely meaningful).
package version

import (
	"errors"
	"fmt"
	"strings"
)

// Scheme names a version numbering scheme.
type Scheme string

// The schemes. The empty Scheme is accepted by [Parse] and [Range] as
// Generic.
const (
	Generic   Scheme = "generic"
	Semver    Scheme = "semver"
	Fortinet  Scheme = "fortinet"
	Ivanti    Scheme = "ivanti"
	Cisco     Scheme = "cisco"
	Microsoft Scheme = "microsoft"
	PaloAlto  Scheme = "paloalto"
)

// Schemes lists every scheme, Generic first.
var Schemes = []Scheme{Generic, Semver, Fortinet, Ivanti, Cisco, Microsoft, PaloAlto}

// Valid reports whether s is one of [Schemes].
func (s Scheme) Valid() bool {
	for _, x := range Schemes {
		if s == x {
			return true
		}
	}
	return false
}

// orGeneric returns Generic for the empty scheme.
func (s Scheme) orGeneric() Scheme {
	if s == "" {
		return Generic
	}
	return s
}

// SchemeFor guesses the scheme from a CPE vendor: "fortinet" -> Fortinet,
// "ivanti" and "pulsesecure" -> Ivanti, "cisco" -> Cisco, "microsoft" ->
// Microsoft, "paloaltonetworks" -> PaloAlto, anything else -> Generic. The
// vendor is compared case-insensitively.
func SchemeFor(vendor string) Scheme {
	switch strings.ToLower(strings.TrimSpace(vendor)) {
	case "fortinet":
		return Fortinet
	case "ivanti", "pulsesecure", "pulse_secure":
		return Ivanti
	case "cisco":
		return Cisco
	case "microsoft":
		return Microsoft
	case "paloaltonetworks", "palo_alto_networks", "paloalto":
		return PaloAlto
	}
	return Generic
}

// kind is the kind of an item. The order of the constants is the order of
// items of different kinds at the same position; kEnd stands for the end of
// the sequence.
type kind uint8

const (
	kPre    kind = iota // pre-release word of a generic version ("rc", "beta"), by rank
	kSemPre             // start of a semver pre-release ("-")
	kEnd                // end of the version
	kSep                // Ivanti release separator "R"
	kSemNum             // numeric semver pre-release identifier
	kSemStr             // alphanumeric semver pre-release identifier, ASCII order
	kWord               // letters after the release ("17.9.4a", "M" of "15.2(4)M11")
	kNum                // number
)

// item is one element of a parsed version. Numbers are kept as decimal
// strings without leading zeros, so there is no overflow.
type item struct {
	kind kind
	rank uint8 // kPre only
	s    string
}

// V is a parsed version, cheap to compare many times. The zero V is
// invalid; get one from [Parse].
type V struct {
	scheme Scheme
	text   string
	items  []item
	build  string // build number (Fortinet, Ivanti), without leading zeros; "" if none
}

// Parse parses text as a version of scheme s (the empty scheme is Generic).
// Surrounding white space is ignored. The error names the problem: empty
// text, a CPE logical value ("*" or "-"), no digits at all ("unspecified",
// "n/a"), an invalid semver string, or an unknown scheme.
//
// The vendor schemes (Fortinet, Ivanti, Cisco, Microsoft, PaloAlto) read the
// vendor's own notation; text that does not fit it is read by the Generic
// rules instead of being refused.
func Parse(s Scheme, text string) (V, error) {
	v, err := parse(s, text)
	if err != nil {
		return V{}, fmt.Errorf("version: %w", err)
	}
	return v, nil
}

// parse is Parse with errors that do not start with "version: ".
func parse(s Scheme, text string) (V, error) {
	s = s.orGeneric()
	t := strings.TrimSpace(text)
	switch t {
	case "":
		return V{}, errors.New("empty version")
	case "*", "-":
		return V{}, fmt.Errorf("%q is a CPE logical value (ANY or NA), not a version", t)
	}
	if !s.Valid() {
		return V{}, fmt.Errorf("unknown scheme %q (want one of %s)", string(s), schemeList())
	}
	v := V{scheme: s, text: text}
	var err error
	switch s {
	case Semver:
		v.items, err = parseSemver(t)
	case Fortinet:
		v.items, v.build, err = parseFortinet(t)
	case Ivanti:
		v.items, v.build, err = parseIvanti(t)
	case Cisco:
		v.items, err = parseGeneric(t, false)
	default: // Generic, Microsoft, PaloAlto
		v.items, err = parseGeneric(t, true)
	}
	if err != nil {
		return V{}, err
	}
	return v, nil
}

// MustParse is like [Parse] but panics on error; for constants and tests.
func MustParse(s Scheme, text string) V {
	v, err := Parse(s, text)
	if err != nil {
		panic(err)
	}
	return v
}

func schemeList() string {
	names := make([]string, len(Schemes))
	for i, s := range Schemes {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// String returns the original text.
func (a V) String() string { return a.text }

// Scheme returns the scheme a was parsed with.
func (a V) Scheme() Scheme { return a.scheme }

// IsZero reports whether a is the zero V (not parsed).
func (a V) IsZero() bool { return a.scheme == "" }

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b.
// Equal versions need not have the same text ("7.2" and "7.2.0" are equal).
// A build number (Fortinet, Ivanti) is the last thing compared: "7.2.4"
// sorts before "7.2.4 build1396".
func (a V) Compare(b V) int {
	if c := compareItems(a.items, b.items); c != 0 {
		return c
	}
	return compareBuild(a.build, b.build)
}

// compareItems compares two item sequences lexicographically; the shorter
// sequence continues with an item of kind kEnd.
func compareItems(a, b []item) int {
	for i := 0; ; i++ {
		switch {
		case i >= len(a) && i >= len(b):
			return 0
		case i >= len(a):
			return cmpKind(kEnd, b[i].kind)
		case i >= len(b):
			return cmpKind(a[i].kind, kEnd)
		}
		if c := compareItem(a[i], b[i]); c != 0 {
			return c
		}
	}
}

func cmpKind(a, b kind) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compareItem(a, b item) int {
	if a.kind != b.kind {
		return cmpKind(a.kind, b.kind)
	}
	switch a.kind {
	case kPre:
		if a.rank != b.rank {
			if a.rank < b.rank {
				return -1
			}
			return 1
		}
		return 0
	case kNum, kSemNum:
		return compareDigits(a.s, b.s)
	default:
		return strings.Compare(a.s, b.s)
	}
}

// compareDigits compares two decimal numbers without leading zeros.
func compareDigits(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// compareBuild compares build numbers; no build sorts first.
func compareBuild(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	return compareDigits(a, b)
}

// Compare parses a and b under scheme s and compares them like
// [V.Compare]. The error names the version that does not parse.
func Compare(s Scheme, a, b string) (int, error) {
	va, err := parse(s, a)
	if err != nil {
		return 0, fmt.Errorf("version: first version: %w", err)
	}
	vb, err := parse(s, b)
	if err != nil {
		return 0, fmt.Errorf("version: second version: %w", err)
	}
	return va.Compare(vb), nil
}

// compareBound compares v with a range bound. A bound without a build
// number stands for every build of its release, so v's build is ignored
// then: "7.2.4 build1396" is within "<= 7.2.4" and not within "< 7.2.4".
func compareBound(v, bound V) int {
	if bound.build == "" {
		return compareItems(v.items, bound.items)
	}
	return v.Compare(bound)
}
