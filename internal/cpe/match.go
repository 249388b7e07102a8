package cpe

import (
	"strconv"
	"strings"
)

// Relation is the relation of a source to a target, for one attribute or
// for a whole name (NISTIR 7696 section 6).
type Relation int

// Relations of NISTIR 7696 tables 6-2 and 6-3.
const (
	Disjoint  Relation = iota // no value is in both
	Subset                    // source ⊂ target
	Superset                  // source ⊃ target
	Equal                     // source = target
	Undefined                 // not defined: the target has wildcards
)

// String returns the name NISTIR 7696 uses, such as "SUPERSET".
func (r Relation) String() string {
	switch r {
	case Disjoint:
		return "DISJOINT"
	case Subset:
		return "SUBSET"
	case Superset:
		return "SUPERSET"
	case Equal:
		return "EQUAL"
	case Undefined:
		return "UNDEFINED"
	}
	return "Relation(" + strconv.Itoa(int(r)) + ")"
}

// Compare returns the relation of source to target for each of the eleven
// attributes, in the order of [Name.Attributes] (NISTIR 7696 table 6-2):
//
//	source          target          relation
//	ANY             ANY             EQUAL
//	ANY             NA or value     SUPERSET
//	NA or value     ANY             SUBSET
//	NA              NA              EQUAL
//	NA              value           DISJOINT
//	value           NA              DISJOINT
//	value           same value      EQUAL
//	value           other value     DISJOINT
//	with wildcards  value           SUPERSET if the pattern matches, else DISJOINT
//	anything        with wildcards  UNDEFINED
//
// Values compare case-insensitively. A "*" at the start or end of a source
// value matches any number of characters; each "?" matches zero or one
// character, as in the NIST reference implementation. Empty attributes are
// ANY.
func Compare(source, target Name) [11]Relation {
	s, t := source.Attributes(), target.Attributes()
	var r [11]Relation
	for i := range r {
		r[i] = compareValue(s[i], t[i])
	}
	return r
}

// Relate returns the relation of the whole source name to the target name
// (NISTIR 7696 table 6-3): DISJOINT if any attribute is disjoint, EQUAL if
// all are equal, SUBSET if all are subset or equal, SUPERSET if all are
// superset or equal, UNDEFINED otherwise.
func Relate(source, target Name) Relation {
	return relateAll(Compare(source, target))
}

func relateAll(rs [11]Relation) Relation {
	all := func(ok ...Relation) bool {
		for _, r := range rs {
			found := false
			for _, o := range ok {
				if r == o {
					found = true
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	for _, r := range rs {
		if r == Disjoint {
			return Disjoint
		}
	}
	switch {
	case all(Equal):
		return Equal
	case all(Subset, Equal):
		return Subset
	case all(Superset, Equal):
		return Superset
	}
	return Undefined
}

// Matches reports whether target is covered by source as a pattern: every
// attribute of source is a SUPERSET or EQUAL of target's (the CPE
// name-matching "source ⊇ target" test). Wildcards "*" and "?" at the ends
// of source values (NISTIR 7695 5.3.2, for example "7.2.*") are honoured.
// A target with wildcards never matches (the relation is UNDEFINED).
func Matches(source, target Name) bool {
	s, t := source.Attributes(), target.Attributes()
	for i := range s {
		if r := compareValue(s[i], t[i]); r != Superset && r != Equal {
			return false
		}
	}
	return true
}

// valueKind is the kind of an attribute value.
type valueKind uint8

const (
	kindAny valueKind = iota
	kindNA
	kindString
)

// value is a decoded attribute value: for kindString the literal body
// (unescaped, lowercased) between the leading and trailing wildcards.
type value struct {
	kind     valueKind
	pre, suf int // -1: "*"; n >= 0: that many "?"
	body     string
}

func (v value) wild() bool { return v.pre != 0 || v.suf != 0 }

// decode decodes a formatted-string value leniently, so that values set by
// hand never fail: a backslash quotes the next character, "*" and "?" are
// wildcards at the ends and literals elsewhere, and "" is ANY.
func decode(s string) value {
	switch s {
	case "", Any:
		return value{kind: kindAny}
	case NA:
		return value{kind: kindNA}
	}
	v := value{kind: kindString}
	// Leading wildcards (never escaped: they are the first characters).
	i := 0
	if s[0] == '*' {
		v.pre, i = -1, 1
	} else {
		for i < len(s) && s[i] == '?' {
			i++
		}
		v.pre = i
	}
	// Trailing wildcards: a "*" or "?" at the end that is not escaped.
	e := len(s)
	unescaped := func(j int) bool { // s[j] is not quoted by a backslash
		n := 0
		for k := j - 1; k >= i && s[k] == '\\'; k-- {
			n++
		}
		return n%2 == 0
	}
	if e > i && s[e-1] == '*' && unescaped(e-1) {
		v.suf, e = -1, e-1
	} else {
		for e > i && s[e-1] == '?' && unescaped(e-1) {
			e--
			v.suf++
		}
	}
	body := s[i:e]
	if needsUnquote(body) {
		var b strings.Builder
		b.Grow(len(body))
		for j := 0; j < len(body); j++ {
			c := body[j]
			if c == '\\' && j+1 < len(body) {
				j++
				c = body[j]
			}
			b.WriteByte(lower(c))
		}
		body = b.String()
	}
	v.body = body
	return v
}

// needsUnquote reports whether s has a backslash or an uppercase letter.
func needsUnquote(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// compareValue compares one source attribute value with one target value
// (NISTIR 7696 6.1, the "compare" function).
func compareValue(src, tgt string) Relation {
	if src == tgt && simple(src) {
		return Equal // fast path: identical values without wildcards
	}
	s, t := decode(src), decode(tgt)
	if t.kind == kindString && t.wild() {
		return Undefined
	}
	switch {
	case s.kind == kindAny && t.kind == kindAny, s.kind == kindNA && t.kind == kindNA:
		return Equal
	case s.kind == kindAny:
		return Superset
	case t.kind == kindAny:
		return Subset
	case s.kind == kindNA || t.kind == kindNA:
		return Disjoint
	}
	if !s.wild() {
		if s.body == t.body {
			return Equal
		}
		return Disjoint
	}
	if wildMatch(s, t.body) {
		return Superset
	}
	return Disjoint
}

// simple reports whether s is a plain value: no wildcards, escapes or
// uppercase letters, and not a logical value.
func simple(s string) bool {
	if s == "" || s == Any || s == NA {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '*' || c == '?' || c == '\\' || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

// wildMatch reports whether the pattern s (with wildcards at its ends)
// matches the literal x (NISTIR 7696 6.1, "compareStrings"): the body must
// occur in x with at most s.pre characters before it (any number for "*")
// and at most s.suf characters after it.
func wildMatch(s value, x string) bool {
	for idx := 0; idx+len(s.body) <= len(x); idx++ {
		if s.pre >= 0 && idx > s.pre {
			return false
		}
		if x[idx:idx+len(s.body)] != s.body {
			continue
		}
		if left := len(x) - idx - len(s.body); s.suf >= 0 && left > s.suf {
			continue
		}
		return true
	}
	return false
}
