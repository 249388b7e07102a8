package marking

import (
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// PAP is a Permissible Actions Protocol label: what a recipient may DO with
// the information (TLP says who may receive it). Labels are ordered from
// least to most restrictive. PAP does not affect who is entitled to an
// object; it is carried, parsed and shown so that receivers apply shared
// indicators only in the ways the source allows. The zero value is "not
// set".
type PAP uint8

const (
	PAPUnset PAP = iota // no PAP label given
	PAPClear            // PAP:CLEAR (formerly PAP:WHITE)
	PAPGreen            // PAP:GREEN
	PAPAmber            // PAP:AMBER
	PAPRed              // PAP:RED
)

// PAPs lists every label from least to most restrictive.
var PAPs = []PAP{PAPClear, PAPGreen, PAPAmber, PAPRed}

var papNames = [...]string{"", "clear", "green", "amber", "red"}

// Valid reports whether p is one of the four labels.
func (p PAP) Valid() bool { return p >= PAPClear && p <= PAPRed }

// Name returns the bare lower-case name ("amber"), "" when unset or invalid.
func (p PAP) Name() string {
	if !p.Valid() {
		return ""
	}
	return papNames[p]
}

// String returns the canonical label, e.g. "PAP:AMBER".
func (p PAP) String() string {
	if !p.Valid() {
		if p == PAPUnset {
			return "PAP:UNSET"
		}
		return "PAP:INVALID"
	}
	return "PAP:" + strings.ToUpper(papNames[p])
}

// ParsePAP parses a label case-insensitively, with or without the "PAP:"
// prefix, ignoring surrounding white space. The older name WHITE is
// accepted as CLEAR. Anything else, including "", is an invalid-input error
// on field "pap".
func ParsePAP(s string) (PAP, error) {
	if p, ok := lookupLabel(s, "pap:", PAPs, papNames[:], PAPClear); ok {
		return p, nil
	}
	return PAPUnset, apperr.Invalid("pap", "unknown PAP label %q: use one of PAP:CLEAR, PAP:GREEN, PAP:AMBER, PAP:RED", clip(s))
}

// MarshalText writes the canonical label; unset or invalid is an error
// (use omitzero on optional fields).
func (p PAP) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, apperr.Invalid("pap", "not a PAP label")
	}
	return []byte(p.String()), nil
}

// UnmarshalText parses like ParsePAP.
func (p *PAP) UnmarshalText(b []byte) error {
	v, err := ParsePAP(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Meaning returns what a recipient may do with information under p, in
// Japanese and English.
func (p PAP) Meaning() org.Names {
	switch p {
	case PAPClear:
		return org.Names{
			JA: "利用に制限はありません。",
			EN: "No restriction on use.",
		}
	case PAPGreen:
		return org.Names{
			JA: "能動的な対処ができます（対象との通信の遮断、対象への疎通確認、対象とやり取りするハニーポットの設定など）。",
			EN: "Active actions allowed: e.g. block traffic to or from the target, ping it, or set up honeypots that interact with it.",
		}
	case PAPAmber:
		return org.Names{
			JA: "受動的な照合のみできます（外部サービスでの照会、監視用ハニーポットなど）。対象への働きかけはできません。",
			EN: "Passive cross-checks only: e.g. look it up in third-party services or watch for it with a monitoring honeypot; no interaction with the target.",
		}
	case PAPRed:
		return org.Names{
			JA: "外部から検知されない行為のみできます（自組織のログの受動的な検索など）。ネットワーク上では使えません。",
			EN: "Non-detectable actions only: e.g. passive searches of your own logs; never used on the network in a way visible from outside.",
		}
	}
	return org.Names{JA: "PAP 指定なし", EN: "No PAP label"}
}
