// Package marking decides who may receive a shared object. It holds the
// Traffic Light Protocol 2.0 (TLP) and the Permissible Actions Protocol (PAP)
// as data, sharing groups, and the one entitlement rule, Entitled, that every
// read path (API, TAXII, exports, search, push and UI) calls before it lets a
// viewer see an object. The rules are documented in docs/tlp.md.
//
// The package is pure: no store, no clock, no I/O. Callers resolve the
// viewer's relations (group memberships, suppliers) once per request and
// pass them in as plain data.
package marking

import (
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// TLP is a Traffic Light Protocol 2.0 label (https://www.first.org/tlp/).
// Labels are ordered from least to most restrictive, so a larger value is
// stricter. The zero value is not a label: Entitled treats an object with it
// as visible to its owner only (fail closed).
type TLP uint8

const (
	TLPInvalid     TLP = iota // not a label
	TLPClear                  // TLP:CLEAR (TLP 1.0: TLP:WHITE)
	TLPGreen                  // TLP:GREEN
	TLPAmber                  // TLP:AMBER
	TLPAmberStrict            // TLP:AMBER+STRICT (new in TLP 2.0)
	TLPRed                    // TLP:RED
)

// TLPs lists every label from least to most restrictive.
var TLPs = []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

var tlpNames = [...]string{"", "clear", "green", "amber", "amber+strict", "red"}

// Valid reports whether t is one of the five labels.
func (t TLP) Valid() bool { return t >= TLPClear && t <= TLPRed }

// Name returns the bare lower-case name ("amber+strict"), as used by the
// STIX TLP 2.0 extension's tlp_2_0 property; "" for an invalid label.
func (t TLP) Name() string {
	if !t.Valid() {
		return ""
	}
	return tlpNames[t]
}

// String returns the canonical label, e.g. "TLP:AMBER+STRICT".
func (t TLP) String() string {
	if !t.Valid() {
		return "TLP:INVALID"
	}
	return "TLP:" + strings.ToUpper(tlpNames[t])
}

// ParseTLP parses a label case-insensitively, with or without the "TLP:"
// prefix and ignoring surrounding white space: "tlp:amber+strict",
// "TLP:AMBER+STRICT" and "amber+strict" are all TLPAmberStrict. The TLP 1.0
// name WHITE is accepted as CLEAR. Anything else is an invalid-input error
// on field "tlp" that lists the accepted labels.
func ParseTLP(s string) (TLP, error) {
	if t, ok := lookupLabel(s, "tlp:", TLPs, tlpNames[:], TLPClear); ok {
		return t, nil
	}
	return TLPInvalid, apperr.Invalid("tlp", "unknown TLP label %q: use one of TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED", clip(s))
}

// MarshalText writes the canonical label; an invalid label is an error so
// that it never reaches a client or the store as "".
func (t TLP) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, apperr.Invalid("tlp", "not a TLP label")
	}
	return []byte(t.String()), nil
}

// UnmarshalText parses like ParseTLP.
func (t *TLP) UnmarshalText(b []byte) error {
	v, err := ParseTLP(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Stricter returns the more restrictive of a and b. An invalid label is
// stricter than every label, so combining never loosens a broken marking.
func Stricter(a, b TLP) TLP {
	if !a.Valid() || !b.Valid() {
		return TLPInvalid
	}
	return max(a, b)
}

// MostRestrictive returns the strictest of the labels, as TLP requires when
// one object carries several (e.g. several STIX object_marking_refs), and
// false when there are none.
func MostRestrictive(ts ...TLP) (TLP, bool) {
	if len(ts) == 0 {
		return TLPInvalid, false
	}
	r := ts[0]
	for _, t := range ts[1:] {
		r = Stricter(r, t)
	}
	return r, true
}

// Meaning returns the label's sharing rule in Japanese and English, as
// sakimori applies it.
func (t TLP) Meaning() org.Names {
	switch t {
	case TLPClear:
		return org.Names{
			JA: "制限なし。誰にでも開示できます。",
			EN: "No limit on disclosure: recipients may share it with the world.",
		}
	case TLPGreen:
		return org.Names{
			JA: "コミュニティ内（sakimori の全加盟組織）で共有できます。一般に公開される経路では共有できません。",
			EN: "Limited disclosure within the community (every member organisation of sakimori), never through publicly accessible channels.",
		}
	case TLPAmber:
		return org.Names{
			JA: "受領組織とその顧客の中で、知る必要のある者に限り共有できます。",
			EN: "Limited disclosure, on a need-to-know basis, within the recipient organisation and its clients.",
		}
	case TLPAmberStrict:
		return org.Names{
			JA: "受領組織の中だけで、知る必要のある者に限り共有できます。",
			EN: "Limited disclosure, on a need-to-know basis, within the recipient organisation only.",
		}
	case TLPRed:
		return org.Names{
			JA: "指名された受領者限り。それ以上の開示はできません。",
			EN: "For the named recipients only; no further disclosure.",
		}
	}
	return org.Names{JA: "不正な TLP ラベル", EN: "Not a TLP label"}
}

// clip shortens untrusted input echoed in error messages.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// lookupLabel finds a TLP or PAP label: case-insensitive, with or without
// prefix (e.g. "tlp:"), surrounding white space ignored, and the TLP 1.0 /
// PAP 1.0 name WHITE read as clear. names is indexed by the label's value.
func lookupLabel[T ~uint8](s, prefix string, labels []T, names []string, clear T) (T, bool) {
	name := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), prefix)
	if name == "white" {
		return clear, true
	}
	for _, l := range labels {
		if name == names[l] {
			return l, true
		}
	}
	return 0, false
}
