package version

import (
	"fmt"
	"regexp"
	"strings"

	"sakimori/internal/cpe"
)

// parseGeneric reads text by the Generic rules: runs of digits and runs of
// letters are items, every other character separates them, and anything
// before the first digit (a product name, "v", "Version ") is ignored.
// With preWords, the pre-release words (see preRank) sort before the
// release; without (Cisco), every word sorts after it.
func parseGeneric(t string, preWords bool) ([]item, error) {
	i := strings.IndexAny(t, "0123456789")
	if i < 0 {
		return nil, fmt.Errorf("%s has no digits", quote(t))
	}
	items := make([]item, 0, 8)
	afterDigits := false
	for i < len(t) {
		c := t[i]
		switch {
		case isDigit(c):
			j := i + 1
			for j < len(t) && isDigit(t[j]) {
				j++
			}
			items = append(items, item{kind: kNum, s: trimZeros(t[i:j])})
			afterDigits = true
			i = j
		case isLetter(c):
			j := i + 1
			for j < len(t) && isLetter(t[j]) {
				j++
			}
			w := strings.ToLower(t[i:j])
			if r, ok := preRank(w, !afterDigits); ok && preWords {
				items = append(items, item{kind: kPre, rank: r})
			} else if !ignorable(w) || !preWords {
				items = append(items, item{kind: kWord, s: w})
			}
			afterDigits = false
			i = j
		default:
			afterDigits = false
			i++
		}
	}
	return normalize(items), nil
}

// preRank returns the rank of a pre-release word: dev < alpha < beta <
// pre/preview/rc. "a" and "b" count as alpha and beta only after a
// separator ("1.0-b2"); directly after digits they are letters that sort
// after the release ("1.1.1a").
func preRank(w string, afterSep bool) (uint8, bool) {
	switch w {
	case "dev", "snapshot", "nightly":
		return 0, true
	case "alpha":
		return 1, true
	case "beta":
		return 2, true
	case "pre", "preview", "rc":
		return 3, true
	case "a":
		return 1, afterSep
	case "b":
		return 2, afterSep
	}
	return 0, false
}

// ignorable reports whether a word only says "this is the release"
// ("7.2.4 (GA)", "1.0-final") and is skipped by the Generic rules.
func ignorable(w string) bool {
	return w == "ga" || w == "final" || w == "release"
}

// normalize drops every run of zero numbers that is followed by something
// other than a number (or by the end), so that "7.2" == "7.2.0" and
// "2.0-rc1" == "2.0.0-rc1". Zeros followed by a number ("7.0.12") stay.
func normalize(items []item) []item {
	out := items[:0]
	for i := 0; i < len(items); {
		if isZero(items[i]) {
			j := i
			for j < len(items) && isZero(items[j]) {
				j++
			}
			if j < len(items) && items[j].kind == kNum {
				out = append(out, items[i:j]...)
			}
			i = j
			continue
		}
		out = append(out, items[i])
		i++
	}
	return out
}

func isZero(it item) bool { return it.kind == kNum && it.s == "0" }

// parseSemver reads a semver 2.0.0 version, with a leading "v" tolerated
// and MINOR and PATCH optional (missing means 0). Build metadata is
// checked and ignored.
func parseSemver(t string) ([]item, error) {
	orig := t
	if t[0] == 'v' || t[0] == 'V' {
		t = t[1:]
	}
	if plus := strings.IndexByte(t, '+'); plus >= 0 {
		for _, id := range strings.Split(t[plus+1:], ".") {
			if err := checkIdent(id); err != nil {
				return nil, fmt.Errorf("semver %s: build metadata: %w", quote(orig), err)
			}
		}
		t = t[:plus]
	}
	core, pre, hasPre := strings.Cut(t, "-")
	parts := strings.Split(core, ".")
	if len(parts) > 3 {
		return nil, fmt.Errorf("semver %s: core version %s has %d parts, want MAJOR.MINOR.PATCH", quote(orig), quote(core), len(parts))
	}
	items := make([]item, 0, 6)
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return nil, fmt.Errorf("semver %s: core version %s must be numbers separated by \".\" (MAJOR.MINOR.PATCH)", quote(orig), quote(core))
		}
		items = append(items, item{kind: kNum, s: trimZeros(p)})
	}
	if hasPre {
		if pre == "" {
			return nil, fmt.Errorf("semver %s: empty pre-release after \"-\"", quote(orig))
		}
		items = append(items, item{kind: kSemPre})
		for _, id := range strings.Split(pre, ".") {
			if err := checkIdent(id); err != nil {
				return nil, fmt.Errorf("semver %s: pre-release: %w", quote(orig), err)
			}
			if strings.Trim(id, "0123456789") == "" {
				items = append(items, item{kind: kSemNum, s: trimZeros(id)})
			} else {
				items = append(items, item{kind: kSemStr, s: id})
			}
		}
	}
	return normalize(items), nil
}

// checkIdent checks a semver identifier: [0-9A-Za-z-]+.
func checkIdent(id string) error {
	if id == "" {
		return fmt.Errorf("empty identifier")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isDigit(c) && !isLetter(c) && c != '-' {
			return fmt.Errorf("identifier %s has %q (only ASCII letters, digits and \"-\" are allowed)", quote(id), string(c))
		}
	}
	return nil
}

// fortinetRE matches FortiOS-style versions: "7.2.4", "v7.2.4",
// "7.2.4 build1396", "v7.2.4,build1396,230131 (GA.F)", optionally after a
// product name ("FortiGate-VM64 v7.2.4,build1396").
var fortinetRE = regexp.MustCompile(`(?i)^(?:.*[^0-9a-z.])?v?(\d+(?:\.\d+)+)(?:[\s,_-]*(?:build|b)\s*(\d+))?(?:\s*,\s*\d{6})?(?:\s*\([^()]*\))?$`)

// parseFortinet reads a Fortinet version; the build number is kept apart.
func parseFortinet(t string) ([]item, string, error) {
	m := fortinetRE.FindStringSubmatch(t)
	if m == nil {
		items, err := parseGeneric(t, true)
		return items, "", err
	}
	return numbers(m[1]), buildOf(m[2]), nil
}

// ivantiRE matches Ivanti / Pulse Secure versions: "9.1R18.2", "22.7R2",
// "22.7R2.3 (build 1485)", optionally after a product name.
var ivantiRE = regexp.MustCompile(`(?i)^(?:.*[^0-9a-z.])?v?(\d+(?:\.\d+)*)\s*r\s*(\d+(?:\.\d+)*)(?:\s*\(?\s*(?:build|b)\s*(\d+)\s*\)?)?$`)

// parseIvanti reads an Ivanti version: the main version, the release
// separator "R", the release and patch numbers, and an optional build.
// A version without "R" ("22.7") is read by the Generic rules and sorts
// before every release of it ("22.7" < "22.7R1").
func parseIvanti(t string) ([]item, string, error) {
	m := ivantiRE.FindStringSubmatch(t)
	if m == nil {
		items, err := parseGeneric(t, true)
		return items, "", err
	}
	items := numbers(m[1])
	items = append(items, item{kind: kSep})
	items = append(items, numbers(m[2])...)
	return normalize(items), buildOf(m[3]), nil
}

// numbers returns the items of a dotted string of digits, normalized.
func numbers(s string) []item {
	parts := strings.Split(s, ".")
	items := make([]item, len(parts), len(parts)+4)
	for i, p := range parts {
		items[i] = item{kind: kNum, s: trimZeros(p)}
	}
	return normalize(items)
}

// buildOf returns a build number without leading zeros ("" stays "").
func buildOf(s string) string {
	if s == "" {
		return ""
	}
	return trimZeros(s)
}

// trimZeros strips leading zeros from a string of digits ("0" stays).
func trimZeros(s string) string {
	s = strings.TrimLeft(s, "0")
	if s == "" {
		return "0"
	}
	return s
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// quote quotes s for an error message, shortening it if it is long.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

// JoinUpdate rebuilds a vendor version from the version and update
// attributes of a CPE name: ("22.7", "r2.3") gives "22.7R2.3" (Ivanti),
// ("10.2.9", "h1") gives "10.2.9-h1" (Palo Alto), and any other update is
// appended after a "-" ("9.3", "p1" gives "9.3-p1"; "2.0", "rc2" gives
// "2.0-rc2"). The version alone is returned when the update is "*", "-" or
// empty, or when the version itself is "*", "-" or empty. Formatted-string
// escapes are removed from both (`15.2\(4\)m11` becomes "15.2(4)m11").
func JoinUpdate(version, update string) string {
	version, update = cpe.Unquote(version), cpe.Unquote(update)
	switch {
	case update == "" || update == "*" || update == "-":
		return version
	case version == "" || version == "*" || version == "-":
		return version
	}
	u := strings.ToLower(update)
	if len(u) > 1 && u[0] == 'r' && isDotted(u[1:]) {
		return version + "R" + u[1:]
	}
	return version + "-" + update
}

// isDotted reports whether s is digits separated by single dots.
func isDotted(s string) bool {
	if s == "" {
		return false
	}
	for _, p := range strings.Split(s, ".") {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
