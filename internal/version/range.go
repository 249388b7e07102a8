package version

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Range is a version range as NVD cpeMatch and CVE JSON 5 express them.
// Empty bounds are open. Exact, if set, is a single version (and the other
// bounds are empty). A Range with nothing set contains every version. The
// empty Scheme is Generic.
//
// A bound without a build number covers every build of its release: with
// the Fortinet scheme, "7.2.4 build1396" is within "<= 7.2.4" and "= 7.2.4"
// and not within "< 7.2.4".
type Range struct {
	Scheme         Scheme `json:"scheme,omitempty"`
	Exact          string `json:"exact,omitempty"`
	StartIncluding string `json:"start_including,omitempty"`
	StartExcluding string `json:"start_excluding,omitempty"`
	EndIncluding   string `json:"end_including,omitempty"`
	EndExcluding   string `json:"end_excluding,omitempty"`
}

// Bounds is a validated [Range] with its bounds parsed once, for checking
// many versions.
type Bounds struct {
	r                    Range
	exact, start, end    V
	hasExact, hasStart   bool
	hasEnd               bool
	startIncl, endIncl   bool
	startField, endField string
}

// Validate checks r: a known scheme, at most one start, at most one end,
// Exact alone, every bound parses under the scheme, and the start is not
// after the end (nor equal to it when either is excluding, which would
// leave no version). The error names the field.
func (r Range) Validate() error {
	_, err := r.Compile()
	return err
}

// Compile validates r like [Range.Validate] and parses its bounds.
func (r Range) Compile() (Bounds, error) {
	b := Bounds{r: r}
	s := r.Scheme.orGeneric()
	if !s.Valid() {
		return Bounds{}, fmt.Errorf("version: range: scheme %q is not one of %s", string(r.Scheme), schemeList())
	}
	if r.Exact != "" {
		for _, f := range []struct{ name, val string }{
			{"start_including", r.StartIncluding}, {"start_excluding", r.StartExcluding},
			{"end_including", r.EndIncluding}, {"end_excluding", r.EndExcluding},
		} {
			if f.val != "" {
				return Bounds{}, fmt.Errorf("version: range: \"exact\" cannot be combined with %q", f.name)
			}
		}
		v, err := parse(s, r.Exact)
		if err != nil {
			return Bounds{}, fmt.Errorf("version: range: \"exact\": %w", err)
		}
		b.exact, b.hasExact = v, true
		return b, nil
	}
	if r.StartIncluding != "" && r.StartExcluding != "" {
		return Bounds{}, errors.New(`version: range: both "start_including" and "start_excluding" are set`)
	}
	if r.EndIncluding != "" && r.EndExcluding != "" {
		return Bounds{}, errors.New(`version: range: both "end_including" and "end_excluding" are set`)
	}
	var startText, endText string
	switch {
	case r.StartIncluding != "":
		startText, b.startIncl, b.startField = r.StartIncluding, true, "start_including"
	case r.StartExcluding != "":
		startText, b.startField = r.StartExcluding, "start_excluding"
	}
	switch {
	case r.EndIncluding != "":
		endText, b.endIncl, b.endField = r.EndIncluding, true, "end_including"
	case r.EndExcluding != "":
		endText, b.endField = r.EndExcluding, "end_excluding"
	}
	if startText != "" {
		v, err := parse(s, startText)
		if err != nil {
			return Bounds{}, fmt.Errorf("version: range: %q: %w", b.startField, err)
		}
		b.start, b.hasStart = v, true
	}
	if endText != "" {
		v, err := parse(s, endText)
		if err != nil {
			return Bounds{}, fmt.Errorf("version: range: %q: %w", b.endField, err)
		}
		b.end, b.hasEnd = v, true
	}
	if b.hasStart && b.hasEnd {
		switch c := b.start.Compare(b.end); {
		case c > 0:
			return Bounds{}, fmt.Errorf("version: range: %q %s is after %q %s", b.startField, quote(startText), b.endField, quote(endText))
		case c == 0 && !(b.startIncl && b.endIncl):
			return Bounds{}, fmt.Errorf("version: range: %q %s and %q %s leave no version (use \"exact\" for a single version)",
				b.startField, quote(startText), b.endField, quote(endText))
		}
	}
	return b, nil
}

// Contains reports whether v is within the range. v should be parsed with
// the range's scheme. An invalid range contains nothing; call
// [Range.Validate] to learn why, or [Range.Compile] once to check many
// versions.
func (r Range) Contains(v V) bool {
	b, err := r.Compile()
	if err != nil {
		return false
	}
	return b.Contains(v)
}

// Contains reports whether v is within the range. The zero V is within no
// range.
func (b Bounds) Contains(v V) bool {
	if v.IsZero() {
		return false
	}
	if b.hasExact {
		return compareBound(v, b.exact) == 0
	}
	if b.hasStart {
		c := compareBound(v, b.start)
		if c < 0 || c == 0 && !b.startIncl {
			return false
		}
	}
	if b.hasEnd {
		c := compareBound(v, b.end)
		if c > 0 || c == 0 && !b.endIncl {
			return false
		}
	}
	return true
}

// Below reports whether v lies before the range: under its lower bound
// (or its exact version). Below is monotone in [V.Compare] order (true for
// a prefix of sorted versions), so a sorted list can be searched for the
// first version not below; the zero V is below every range.
func (b Bounds) Below(v V) bool {
	switch {
	case v.IsZero():
		return true
	case b.hasExact:
		return compareBound(v, b.exact) < 0
	case b.hasStart:
		c := compareBound(v, b.start)
		return c < 0 || c == 0 && !b.startIncl
	}
	return false
}

// Above reports whether v lies after the range: over its upper bound (or
// its exact version). Above is monotone in [V.Compare] order (true for a
// suffix of sorted versions). Contains(v) is !Below(v) && !Above(v).
func (b Bounds) Above(v V) bool {
	switch {
	case b.hasExact:
		return compareBound(v, b.exact) > 0
	case b.hasEnd:
		c := compareBound(v, b.end)
		return c > 0 || c == 0 && !b.endIncl
	}
	return false
}

// Range returns the range b was compiled from.
func (b Bounds) Range() Range { return b.r }

// IsAny reports whether r has no bound at all (every version is within).
func (r Range) IsAny() bool {
	return r.Exact == "" && r.StartIncluding == "" && r.StartExcluding == "" && r.EndIncluding == "" && r.EndExcluding == ""
}

// String returns a human form of r: "any", "= 9.1R18.2", ">= 7.0.0, < 7.0.14",
// "> 1.0", "<= 2.4.58". Every bound that is set is written, so an invalid
// range shows what is wrong with it.
func (r Range) String() string {
	if r.IsAny() {
		return "any"
	}
	var parts []string
	add := func(op, v string) {
		if v != "" {
			parts = append(parts, op+" "+v)
		}
	}
	add("=", r.Exact)
	add(">=", r.StartIncluding)
	add(">", r.StartExcluding)
	add("<=", r.EndIncluding)
	add("<", r.EndExcluding)
	return strings.Join(parts, ", ")
}

// cvePlaceholders are "version" values of CVE JSON 5 that mean "from the
// first version" when a "lessThan" or "lessThanOrEqual" is given.
var cvePlaceholders = map[string]bool{"": true, "0": true, "*": true, "-": true, "unspecified": true, "n/a": true, "all": true}

// FromCVE converts one entry of a CVE JSON 5 "versions" array into a
// Range: version with lessThan or lessThanOrEqual is a range that starts at
// version (inclusive), or is open below when version is "0", "*",
// "unspecified" or "n/a"; version alone is an exact version. A lessThan of
// "*" is open above; a lessThan ending in ".*" ("7.2.*", the whole 7.2
// branch) becomes end_excluding the next branch ("7.3"). versionType
// "semver" selects the Semver scheme, "git" is refused (commit ids are not
// ordered), and any other type ("custom", "rpm", "maven", "python", "")
// uses scheme s. The status of the entry (affected, unaffected) is the
// caller's business.
func FromCVE(s Scheme, version, lessThan, lessThanOrEqual, versionType string) (Range, error) {
	version, lessThan, lessThanOrEqual = strings.TrimSpace(version), strings.TrimSpace(lessThan), strings.TrimSpace(lessThanOrEqual)
	switch strings.ToLower(versionType) {
	case "semver":
		s = Semver
	case "git":
		return Range{}, errors.New("version: CVE versionType \"git\" names commits, which have no order")
	}
	r := Range{Scheme: s}
	if lessThan != "" && lessThanOrEqual != "" {
		return Range{}, errors.New(`version: CVE entry has both "lessThan" and "lessThanOrEqual"`)
	}
	if lessThan == "" && lessThanOrEqual == "" {
		if cvePlaceholders[strings.ToLower(version)] {
			return Range{}, fmt.Errorf("version: CVE entry %s without \"lessThan\" or \"lessThanOrEqual\" names no version", quote(version))
		}
		r.Exact = version
		return r, r.Validate()
	}
	if !cvePlaceholders[strings.ToLower(version)] {
		r.StartIncluding = version
	}
	switch {
	case lessThan == "*":
	case strings.HasSuffix(lessThan, ".*"):
		next, err := nextBranch(strings.TrimSuffix(lessThan, ".*"))
		if err != nil {
			return Range{}, fmt.Errorf("version: CVE \"lessThan\" %s: %w", quote(lessThan), err)
		}
		r.EndExcluding = next
	case lessThan != "":
		r.EndExcluding = lessThan
	case lessThanOrEqual == "*":
	default:
		r.EndIncluding = lessThanOrEqual
	}
	return r, r.Validate()
}

// nextBranch returns the branch after a dotted prefix: "7.2" -> "7.3".
func nextBranch(prefix string) (string, error) {
	i := strings.LastIndexByte(prefix, '.') + 1
	n, err := strconv.ParseUint(prefix[i:], 10, 63)
	if err != nil || prefix[i:] == "" {
		return "", errors.New("want digits before \".*\"")
	}
	return prefix[:i] + strconv.FormatUint(n+1, 10), nil
}
