// Package confidence converts the STIX 2.1 confidence property (an integer
// 0–100, or absent) to and from the scales of STIX 2.1 Appendix A
// "Confidence Scales", and a Japanese scale (確度 高 / 中 / 低 / なし).
//
// Every scale has two normative mappings in the appendix, and both are
// implemented exactly:
//
//   - label → value: the representative value stored when a user picks a
//     label (e.g. Med → 50);
//   - value → label: the range of values shown with a label (e.g. 30–69 →
//     Med).
//
// "Not Specified" means the confidence property is absent. Every scale has
// such a label; on the Admiralty Credibility scale it is "6 - Truth cannot
// be judged". Parse and ParseAny report it with specified == false.
//
// Labels carry English and Japanese display texts. The tables are listed in
// docs/score.md.
package confidence

import (
	"slices"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// Scale names a confidence scale.
type Scale string

// The scales of STIX 2.1 Appendix A, and the Japanese scale.
const (
	ScaleNoneLowMedHigh Scale = "none-low-med-high" // None / Low / Med / High
	ScaleZeroTen        Scale = "0-10"              // 0 to 10
	ScaleAdmiralty      Scale = "admiralty"         // Admiralty Credibility 1–6
	ScaleWEP            Scale = "wep"               // Words of Estimative Probability
	ScaleDNI            Scale = "dni"               // DNI scale (ICD 203)
	// ScaleJA is sakimori's Japanese scale: 確度 なし / 低 / 中 / 高. It maps
	// exactly like None / Low / Med / High (なし = 0, 低 = 15 for 1–29,
	// 中 = 50 for 30–69, 高 = 85 for 70–100), so a value entered in either
	// reads back the same in the other.
	ScaleJA Scale = "ja"
)

// Scales lists every scale in the order of Appendix A, then ScaleJA.
var Scales = []Scale{ScaleNoneLowMedHigh, ScaleZeroTen, ScaleAdmiralty, ScaleWEP, ScaleDNI, ScaleJA}

// Valid reports whether s is one of Scales.
func (s Scale) Valid() bool { return slices.Contains(Scales, s) }

// Name returns the scale's display name in English and Japanese.
func (s Scale) Name() org.Names {
	if t, ok := tables[s]; ok {
		return t.name
	}
	return org.Names{}
}

// scaleAliases maps normalised names (see fold) to scales. ParseScale and
// the "scale:label" form of ParseAny use it.
var scaleAliases = map[string]Scale{
	"none-low-med-high": ScaleNoneLowMedHigh, "none/low/med/high": ScaleNoneLowMedHigh,
	"nlmh": ScaleNoneLowMedHigh, "lmh": ScaleNoneLowMedHigh,
	"0-10": ScaleZeroTen, "0to10": ScaleZeroTen, "zero-ten": ScaleZeroTen, "10段階": ScaleZeroTen,
	"admiralty": ScaleAdmiralty, "admiralty-credibility": ScaleAdmiralty, "admiraltycredibility": ScaleAdmiralty,
	"credibility": ScaleAdmiralty, "nato": ScaleAdmiralty,
	"wep": ScaleWEP, "wordsofestimativeprobability": ScaleWEP,
	"dni": ScaleDNI, "icd203": ScaleDNI, "icd-203": ScaleDNI,
	"ja": ScaleJA, "確度": ScaleJA,
}

// ParseScale parses a scale name case-insensitively: the Scale constants'
// values and a few aliases ("nlmh", "admiralty-credibility", "icd203",
// "確度", ...). Anything else is an invalid-input error on field
// "confidence_scale".
func ParseScale(s string) (Scale, error) {
	if sc, ok := scaleAliases[fold(s)]; ok {
		return sc, nil
	}
	return "", apperr.Invalid("confidence_scale", "unknown confidence scale %q: use one of %s", clip(s), scaleList())
}

func scaleList() string {
	names := make([]string, len(Scales))
	for i, s := range Scales {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Label is one label of a scale.
type Label struct {
	Scale Scale `json:"scale"`
	// Key is the label as Appendix A spells it ("Med", "2 - Probably True",
	// "Likely / Probable"), or the ScaleJA label ("確度 高"). Not-specified
	// labels are "Not Specified", or "6 - Truth cannot be judged".
	Key string `json:"key"`
	// Specified is false for the label that stands for an absent confidence
	// property; Value, Min and Max are then 0.
	Specified bool `json:"specified"`
	// Value is the STIX confidence stored when a user picks this label.
	Value int `json:"value"`
	// Min and Max bound (inclusively) the values shown with this label.
	Min int `json:"min"`
	Max int `json:"max"`
	// Text is the display text in English and Japanese.
	Text org.Names `json:"text"`
}

// IsZero reports whether l is the zero Label (what Format returns for an
// unknown scale or an out-of-range value).
func (l Label) IsZero() bool { return l.Scale == "" && l.Key == "" }

// String returns the Key.
func (l Label) String() string { return l.Key }

// Contains reports whether the specified label l is shown for value.
func (l Label) Contains(value int) bool { return l.Specified && value >= l.Min && value <= l.Max }

// Labels returns the labels of scale, the not-specified label first, then
// from the lowest value to the highest (the order of Appendix A's tables
// reversed for Admiralty, whose 1 is the highest). It returns nil for an
// unknown scale. The slice is a copy.
func Labels(scale Scale) []Label {
	t, ok := tables[scale]
	if !ok {
		return nil
	}
	return slices.Clone(t.labels)
}

// Format returns the label shown for value (0–100) on scale, by the ranges
// of Appendix A. It returns the zero Label for an unknown scale or a value
// outside 0–100.
func Format(scale Scale, value int) Label {
	t, ok := tables[scale]
	if !ok || value < 0 || value > 100 {
		return Label{}
	}
	return t.byValue[value]
}

// FormatOptional is Format for an optional confidence: nil gives the scale's
// not-specified label.
func FormatOptional(scale Scale, value *int) Label {
	if value == nil {
		t, ok := tables[scale]
		if !ok {
			return Label{}
		}
		return t.labels[0]
	}
	return Format(scale, *value)
}

// Validate checks a STIX confidence value: an integer 0–100.
func Validate(value int) error {
	if value < 0 || value > 100 {
		return apperr.Invalid("confidence", "confidence %d is out of range: it must be an integer from 0 to 100", value)
	}
	return nil
}

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
