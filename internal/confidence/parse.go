package confidence

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"sakimori/internal/apperr"
)

// maxInput bounds the input that Parse and ParseAny look at; no label is
// anywhere near this long.
const maxInput = 200

// fold folds an input for lookup: Unicode NFKC (full-width letters, digits,
// "／" and "：" become ASCII), lower case, dashes unified to "-", and all
// white space removed, so "確度 高", "確度　高" and "確度高" are one key, as
// are "2 - Probably True" and "2-probably true".
func fold(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
		case r == '–' || r == '—' || r == '−' || r == '‐':
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Parse reads a label of scale and returns the value to store. Labels are
// accepted case-insensitively, ignoring white space, by their Appendix A
// spelling ("Med", "2 - Probably True"), their English or Japanese display
// text ("Medium", "中"), and for two-part labels either part ("Likely",
// "Probable"). On ScaleZeroTen the digits "0" to "10" (and "7/10") are the
// labels; on ScaleAdmiralty the digits "1" to "6" and the phrases without
// their digit ("Probably True") are accepted too.
//
// specified is false, with no error, for the not-specified label: "" (an
// empty field), "Not Specified", "指定なし", and Admiralty "6" / "Truth
// cannot be judged". The confidence property must then be left out.
//
// An unknown scale is an invalid-input error on field "confidence_scale";
// an unknown label one on field "confidence" that lists the scale's labels.
func Parse(scale Scale, label string) (value int, specified bool, err error) {
	t, ok := tables[scale]
	if !ok {
		return 0, false, apperr.Invalid("confidence_scale", "unknown confidence scale %q: use one of %s", clip(string(scale)), scaleList())
	}
	if len(label) <= maxInput {
		k := fold(label)
		if scale == ScaleZeroTen {
			k = strings.TrimSuffix(k, "/10")
		}
		if l, ok := t.byAlias[k]; ok {
			return l.Value, l.Specified, nil
		}
	}
	keys := make([]string, 0, len(t.labels))
	for _, l := range t.labels[1:] {
		keys = append(keys, strconv.Quote(l.Key))
	}
	return 0, false, apperr.Invalid("confidence", "unknown %s confidence label %q: use one of %s, or leave it empty when not specified",
		scale, clip(label), strings.Join(keys, ", "))
}

// anyEntry is what one normalised input means across all scales.
type anyEntry struct {
	labels []Label // every label (of any scale) the input names
}

// anyIndex maps normalised inputs to the labels of every scale that they
// name, for ParseAny. Bare digits are left out: ParseAny reads numbers as
// STIX values.
var anyIndex = buildAnyIndex()

func buildAnyIndex() map[string]*anyEntry {
	idx := map[string]*anyEntry{}
	for _, sc := range Scales {
		for k, l := range tables[sc].byAlias {
			if isDigits(k) {
				continue
			}
			e := idx[k]
			if e == nil {
				e = &anyEntry{}
				idx[k] = e
			}
			e.labels = append(e.labels, l)
		}
	}
	for _, e := range idx {
		sort.Slice(e.labels, func(i, j int) bool {
			return scaleIndex(e.labels[i].Scale) < scaleIndex(e.labels[j].Scale)
		})
	}
	return idx
}

func scaleIndex(s Scale) int {
	for i, x := range Scales {
		if x == s {
			return i
		}
	}
	return len(Scales)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseAny reads a confidence from free input, when the scale is not known.
// It accepts only inputs with one meaning:
//
//   - a number 0–100, optionally followed by "%": the STIX value itself
//     ("75", "75%", full-width "７５"). Bare numbers are never read as
//     0–10 or Admiralty digits: "7" is 7, not 70;
//   - "N/10" with N from 0 to 10: the 0–10 scale ("7/10" is 70);
//   - "scale:label", where scale is a name ParseScale accepts: Parse on
//     that scale ("admiralty:2", "dni:almost certain", "確度:高");
//   - a label of any scale (see Parse) that gives the same value on every
//     scale that has it: "high", "高", "確度 高", "likely" (WEP and DNI
//     both store 70), "2 - Probably True". A label whose value differs
//     between scales is rejected as ambiguous, naming the scales: "almost
//     certain" is 90 on WEP but 95 on DNI; "improbable" is 10 on Admiralty
//     but 30 on DNI;
//   - "", "Not Specified", "指定なし", "Truth cannot be judged": not
//     specified (specified is false, no error).
//
// Admiralty source-reliability letters (A–F) rate the source, not the
// information, and are rejected with a hint. Every error is an
// invalid-input error on field "confidence".
func ParseAny(s string) (value int, specified bool, err error) {
	if len(s) > maxInput {
		return 0, false, apperr.Invalid("confidence", "confidence %q is too long: give a number 0–100 or a label", clip(s))
	}
	k := fold(s)
	// A number: the STIX value.
	if n, ok := strings.CutSuffix(k, "%"); ok || isDigits(k) || isSignedDigits(k) {
		if !ok {
			n = k
		}
		v, err := strconv.Atoi(n)
		if err != nil {
			if isDigits(n) || isSignedDigits(n) {
				return 0, false, apperr.Invalid("confidence", "confidence %s is out of range: it must be an integer from 0 to 100", clip(s))
			}
			return 0, false, apperr.Invalid("confidence", "confidence %q is not a number from 0 to 100", clip(s))
		}
		if err := Validate(v); err != nil {
			return 0, false, err
		}
		return v, true, nil
	}
	// N/10.
	if n, ok := strings.CutSuffix(k, "/10"); ok && isDigits(n) {
		return Parse(ScaleZeroTen, n)
	}
	// scale:label.
	if pre, rest, ok := strings.Cut(k, ":"); ok {
		if sc, ok := scaleAliases[pre]; ok {
			return Parse(sc, rest)
		}
	}
	if e, ok := anyIndex[k]; ok {
		first := e.labels[0]
		for _, l := range e.labels[1:] {
			if l.Specified != first.Specified || l.Value != first.Value {
				return 0, false, apperr.Invalid("confidence", "confidence %q is ambiguous: %s; prefix the scale, e.g. %q",
					clip(s), describe(e.labels), string(first.Scale)+":"+strings.TrimSpace(s))
			}
		}
		return first.Value, first.Specified, nil
	}
	if len(k) == 1 && k[0] >= 'a' && k[0] <= 'f' {
		return 0, false, apperr.Invalid("confidence", "%q looks like an Admiralty source-reliability grade (A–F), which rates the source, not the information: give the information credibility instead, e.g. \"admiralty:2\"", clip(s))
	}
	return 0, false, apperr.Invalid("confidence", "unknown confidence %q: give a number from 0 to 100, a label such as \"high\", \"likely\" or \"確度 高\", or scale:label with a scale of %s", clip(s), scaleList())
}

func isSignedDigits(s string) bool {
	return len(s) > 1 && (s[0] == '-' || s[0] == '+') && isDigits(s[1:])
}

// describe lists the distinct meanings of an ambiguous input.
func describe(ls []Label) string {
	var parts []string
	seen := map[string]bool{}
	for _, l := range ls {
		v := "not specified"
		if l.Specified {
			v = strconv.Itoa(l.Value)
		}
		p := fmt.Sprintf("%s %q = %s", l.Scale, l.Key, v)
		if !seen[p] {
			seen[p] = true
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}
