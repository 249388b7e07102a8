package pattern

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp/syntax"
	"strings"
)

// checkTypeName applies the STIX 2.1 rules for object type names: 3 to 250
// characters, only lower-case ASCII letters, digits and hyphens, starting with
// a letter, with no two hyphens in a row. It returns "" when the name is valid.
func checkTypeName(s string) string {
	if len(s) < 3 || len(s) > 250 {
		return "type names must be 3 to 250 characters long"
	}
	if s[0] < 'a' || s[0] > 'z' {
		return "type names must start with a lower-case letter"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', isDigit(c):
		case c == '-':
			if i > 0 && s[i-1] == '-' {
				return "type names must not contain '--'"
			}
		case c >= 'A' && c <= 'Z':
			return "type names must be lower case"
		default:
			return fmt.Sprintf("%q is not allowed in type names (only a-z, 0-9 and '-')", rune(c))
		}
	}
	return ""
}

// checkQuotedKey validates a quoted path component. The first component is a
// property name (ASCII letters, digits and '_'); later ones may be dictionary
// keys, which STIX 2.1 limits to 1-250 ASCII characters.
func checkQuotedKey(s string, first bool) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > 250 {
		return "longer than 250 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if first {
			if !(isIdentStart(c) || isDigit(c)) {
				return fmt.Sprintf("%q is not allowed in property names (only ASCII letters, digits and '_')", rune(c))
			}
			continue
		}
		if c < 0x20 || c > 0x7e {
			if c >= 0x80 {
				return "dictionary keys must be ASCII"
			}
			return "control characters are not allowed"
		}
	}
	return ""
}

// validateComparison applies the semantic rules that depend on the operator
// and the value: MATCHES regular expressions must compile, ISSUBSET and
// ISSUPERSET take IP addresses or CIDR blocks, and values compared with a
// well-known hash must have that hash's form.
func validateComparison(c *Comparison) *Error {
	switch c.Op {
	case OpMatches:
		if _, err := syntax.Parse(c.Value.Str, syntax.Perl); err != nil {
			return errorf(c.Value.Pos, "%s", regexError(err))
		}
	case OpIsSubset, OpIsSuperset:
		fam, ok := addressFamily(c.Value.Str)
		if !ok {
			return errorf(c.Value.Pos, "%s needs an IP address or CIDR block such as '198.51.100.0/24', not %s", c.Op, quoteString(clip(c.Value.Str)))
		}
		if len(c.Path.Steps) == 1 && c.Path.Steps[0].Key == "value" {
			if c.Path.Type == "ipv4-addr" && fam != 4 {
				return errorf(c.Value.Pos, "ipv4-addr:value %s needs an IPv4 address or CIDR block", c.Op)
			}
			if c.Path.Type == "ipv6-addr" && fam != 6 {
				return errorf(c.Value.Pos, "ipv6-addr:value %s needs an IPv6 address or CIDR block", c.Op)
			}
		}
	case OpEq, OpNeq, OpIn:
		alg, ok := hashAlgorithm(c.Path)
		if !ok {
			return nil
		}
		vals := c.Set
		if c.Op != OpIn {
			vals = []Literal{c.Value}
		}
		for _, v := range vals {
			if v.Kind != LitString {
				return errorf(v.Pos, "%s hash values must be quoted strings, found %s", alg.name, v)
			}
			if !alg.valid(v.Str) {
				return errorf(v.Pos, "%s is not a valid %s hash (%d hex digits)", quoteString(clip(v.Str)), alg.name, alg.hexLen)
			}
		}
	}
	return nil
}

func regexError(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		msg := fmt.Sprintf("invalid regular expression for MATCHES: %s: %s", se.Code, clip(se.Expr))
		switch se.Code {
		case syntax.ErrInvalidPerlOp, syntax.ErrInvalidEscape, syntax.ErrInvalidRepeatOp:
			msg += " (STIX specifies PCRE; this platform accepts the RE2 subset, without look-around, back-references, atomic groups or possessive quantifiers)"
		}
		return msg
	}
	return "invalid regular expression for MATCHES: " + err.Error()
}

// addressFamily reports whether s is an IPv4 or IPv6 address or CIDR block
// (without a zone) and which family it is.
func addressFamily(s string) (int, bool) {
	var a netip.Addr
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return 0, false
		}
		a = p.Addr()
	} else {
		var err error
		if a, err = netip.ParseAddr(s); err != nil || a.Zone() != "" {
			return 0, false
		}
	}
	if a.Is4() {
		return 4, true
	}
	return 6, true
}

// hashAlg describes a hash algorithm whose values have a fixed hex form.
type hashAlg struct {
	name   string // STIX hash-algorithm-ov spelling
	kind   Kind
	hexLen int
}

func (a hashAlg) valid(s string) bool {
	if len(s) != a.hexLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// hashAlgs is keyed by the algorithm name upper-cased with '-' and '_'
// removed, so MD5, md5, SHA-256, SHA256, sha_256 and 'SHA3-256' all resolve.
var hashAlgs = map[string]hashAlg{
	"MD5":       {"MD5", KindMD5, 32},
	"SHA1":      {"SHA-1", KindSHA1, 40},
	"SHA224":    {"SHA-224", KindSHA224, 56},
	"SHA256":    {"SHA-256", KindSHA256, 64},
	"SHA384":    {"SHA-384", KindSHA384, 96},
	"SHA512":    {"SHA-512", KindSHA512, 128},
	"SHA3224":   {"SHA3-224", KindSHA3_224, 56},
	"SHA3256":   {"SHA3-256", KindSHA3_256, 64},
	"SHA3384":   {"SHA3-384", KindSHA3_384, 96},
	"SHA3512":   {"SHA3-512", KindSHA3_512, 128},
	"RIPEMD160": {"RIPEMD-160", "", 40},
	"WHIRLPOOL": {"WHIRLPOOL", "", 128},
}

func normAlgName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_':
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hashSelector returns the algorithm key when path ends in "hashes.<key>".
func hashSelector(path ObjectPath) (string, bool) {
	n := len(path.Steps)
	if n < 2 {
		return "", false
	}
	last, prev := path.Steps[n-1], path.Steps[n-2]
	if last.Kind != StepKey || prev.Kind != StepKey || prev.Key != "hashes" {
		return "", false
	}
	return last.Key, true
}

// hashAlgorithm returns the known fixed-length algorithm path selects.
func hashAlgorithm(path ObjectPath) (hashAlg, bool) {
	key, ok := hashSelector(path)
	if !ok {
		return hashAlg{}, false
	}
	a, ok := hashAlgs[normAlgName(key)]
	return a, ok
}
