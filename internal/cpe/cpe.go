// Package cpe implements CPE 2.3 names: parsing of the formatted-string
// binding and of the CPE 2.2 URI binding (NISTIR 7695) and name matching
// (NISTIR 7696).
//
// A [Name] keeps every attribute in the form it has in a CPE 2.3 formatted
// string: "*" is the logical value ANY, "-" is NA, and every other value is
// written with the formatted-string escapes (`15.2\(4\)m11`, `big\$money`),
// so that [Name.String] is a plain join. [Parse] accepts both bindings,
// lowercases the name as NVD does and puts every value in one canonical form,
// so two names that mean the same WFN compare equal with ==.
//
// [Compare] and [Matches] implement the attribute comparison of NISTIR 7696
// (tables 6-2 and 6-3), including the wildcards "*" and "?" at the start or
// end of a source value (NISTIR 7695 section 5.3.2). Version ranges are not
// part of CPE; see package sakimori/internal/version for those.
package cpe

import "strings"

// Name is a CPE 2.3 name (a WFN). Each attribute holds the formatted-string
// form of its value: "*" for ANY, "-" for NA, otherwise the value as it
// appears in a CPE 2.3 formatted string. Lowercase is not forced on values
// set by hand, but [Parse] lowercases, as NVD does, and keeps escapes as in
// the formatted-string binding (for example `big\$money`).
//
// An empty attribute is treated as ANY by [Name.String], [Compare] and
// [Matches], so a Name literal need only set the attributes it cares about.
type Name struct {
	Part, Vendor, Product, Version, Update, Edition, Language, SWEdition, TargetSW, TargetHW, Other string
}

// Attribute indexes, in the order of the formatted string and of the array
// returned by [Compare] and [Name.Attributes].
const (
	AttrPart = iota
	AttrVendor
	AttrProduct
	AttrVersion
	AttrUpdate
	AttrEdition
	AttrLanguage
	AttrSWEdition
	AttrTargetSW
	AttrTargetHW
	AttrOther
)

// AttributeNames are the WFN attribute names of NISTIR 7695, indexed like
// [Name.Attributes].
var AttributeNames = [11]string{
	"part", "vendor", "product", "version", "update", "edition",
	"language", "sw_edition", "target_sw", "target_hw", "other",
}

// Logical values in the formatted-string form.
const (
	Any = "*" // ANY: any value, including none
	NA  = "-" // NA: not applicable, there is no value
)

// Attributes returns the eleven attribute values in formatted-string order.
func (n Name) Attributes() [11]string {
	return [11]string{n.Part, n.Vendor, n.Product, n.Version, n.Update, n.Edition,
		n.Language, n.SWEdition, n.TargetSW, n.TargetHW, n.Other}
}

// fields returns pointers to the eleven attributes, for filling a Name.
func (n *Name) fields() [11]*string {
	return [11]*string{&n.Part, &n.Vendor, &n.Product, &n.Version, &n.Update, &n.Edition,
		&n.Language, &n.SWEdition, &n.TargetSW, &n.TargetHW, &n.Other}
}

// String returns the CPE 2.3 formatted string of n, for example
// "cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*". Empty attributes are
// written as "*". For a Name returned by [Parse] this is the canonical form,
// and Parse(n.String()) == n.
func (n Name) String() string {
	var b strings.Builder
	b.Grow(64)
	b.WriteString("cpe:2.3")
	for _, v := range n.Attributes() {
		b.WriteByte(':')
		if v == "" {
			v = Any
		}
		b.WriteString(v)
	}
	return b.String()
}

// VendorProduct returns "vendor:product", the key used to index names (for
// example "fortinet:fortios"). Empty attributes are written as "*".
func (n Name) VendorProduct() string {
	v, p := n.Vendor, n.Product
	if v == "" {
		v = Any
	}
	if p == "" {
		p = Any
	}
	return v + ":" + p
}

// Quote returns the formatted-string form of a literal attribute value:
// letters, digits, "-", "." and "_" are kept and every other printable ASCII
// character is escaped with a backslash (so "15.2(4)M11" becomes
// `15.2\(4\)M11`, and "*" becomes `\*`, a literal asterisk). The literal
// value "-" becomes `\-`, which is not NA. Quote does not lowercase. An empty
// string stays empty.
func Quote(literal string) string {
	if literal == "-" {
		return `\-`
	}
	var b strings.Builder
	b.Grow(len(literal) + 4)
	for i := 0; i < len(literal); i++ {
		c := literal[i]
		if c > 0x20 && c < 0x7f && !isPlain(c) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Unquote removes the formatted-string escapes from a value, for example
// `15.2\(4\)m11` becomes "15.2(4)m11". Unquoted wildcards and the logical
// values "*" and "-" are returned as they are, so callers that care must
// check for them first.
func Unquote(value string) string {
	if strings.IndexByte(value, '\\') < 0 {
		return value
	}
	var b strings.Builder
	b.Grow(len(value))
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\\' && i+1 < len(value) {
			i++
			c = value[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isPlain reports whether c may appear unescaped in a formatted-string value.
func isPlain(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_'
}

// lower lowercases an ASCII letter.
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
