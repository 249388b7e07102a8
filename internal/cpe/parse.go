package cpe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// token is one character of a value: a literal character, or an unquoted
// wildcard ("*" or "?") when wild is set.
type token struct {
	c    byte
	wild bool
}

// Parse reads a CPE 2.3 formatted string
// ("cpe:2.3:a:fortinet:fortios:7.2.4:*:*:*:*:*:*:*") or a CPE 2.2 URI
// ("cpe:/o:cisco:ios:15.2(4)m11", with percent-encoding, the wildcards %01
// and %02 of CPE 2.3 and the packed edition "~edition~sw_edition~target_sw~
// target_hw~other"). The prefix is case-insensitive and surrounding white
// space is ignored. The name is lowercased and every value is put in its
// canonical formatted-string form.
//
// In the URI form, missing trailing attributes and empty components are ANY,
// and characters that CPE 2.2 names commonly carry unencoded (such as the
// parentheses of "15.2(4)m11") are accepted as literals.
//
// The error names the attribute and the problem: wrong number of
// components, bad part, unescaped special character, embedded unquoted "*"
// or "?" (wildcards are only allowed at the start or end of a value), empty
// component, bad percent-encoding, ...
func Parse(s string) (Name, error) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) >= 8 && strings.EqualFold(s[:8], "cpe:2.3:"):
		return parseFS(s)
	case len(s) >= 5 && strings.EqualFold(s[:5], "cpe:/"):
		return parseURI(s)
	}
	return Name{}, fmt.Errorf("cpe: %s is neither a CPE 2.3 formatted string (\"cpe:2.3:...\") nor a CPE 2.2 URI (\"cpe:/...\")", clip(s))
}

// MustParse is like [Parse] but panics on error. It is meant for constants
// in code and tests.
func MustParse(s string) Name {
	n, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return n
}

// clip quotes s for an error message, shortening it if it is long.
func clip(s string) string {
	const max = 120
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// parseFS parses a formatted string; s starts with "cpe:2.3:".
func parseFS(s string) (Name, error) {
	comps := splitFS(s[8:])
	if len(comps) != 11 {
		got := len(comps) + 2
		if len(comps) < 11 {
			return Name{}, fmt.Errorf("cpe: formatted string has %d components, want 13 (\"cpe\", \"2.3\" and 11 attributes); attribute %q (component %d) and any after it are missing",
				got, AttributeNames[len(comps)], len(comps)+3)
		}
		return Name{}, fmt.Errorf("cpe: formatted string has %d components, want 13 (\"cpe\", \"2.3\" and 11 attributes); is a \":\" inside a value not escaped as \"\\:\"?", got)
	}
	var n Name
	fields := n.fields()
	for i, c := range comps {
		v, err := canonFS(c)
		if err == nil && i == AttrPart {
			err = checkPart(v)
		}
		if err != nil {
			return Name{}, fmt.Errorf("cpe: attribute %q (component %d): %w", AttributeNames[i], i+3, err)
		}
		*fields[i] = v
	}
	return n, nil
}

// splitFS splits the attribute list of a formatted string at the colons
// that are not escaped with a backslash.
func splitFS(s string) []string {
	comps := make([]string, 0, 11)
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			comps = append(comps, s[start:i])
			start = i + 1
		}
	}
	return append(comps, s[start:])
}

// canonFS validates one formatted-string value and returns its canonical
// form.
func canonFS(v string) (string, error) {
	switch v {
	case "":
		return "", errors.New(`empty value (write "*" for ANY or "-" for NA)`)
	case Any, NA:
		return v, nil
	}
	toks := make([]token, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			if i+1 == len(v) {
				return "", fmt.Errorf("value %s ends with a lone backslash", clip(v))
			}
			i++
			d := v[i]
			if d <= 0x20 || d >= 0x7f {
				return "", fmt.Errorf("invalid character %s after a backslash in %s (only printable ASCII is allowed)", strconv.QuoteRune(rune(d)), clip(v))
			}
			if isAlnum(d) {
				return "", fmt.Errorf("escaped letter or digit %q in %s (only punctuation may be escaped)", `\`+string(d), clip(v))
			}
			toks = append(toks, token{c: d})
		case c == '*' || c == '?':
			toks = append(toks, token{c: c, wild: true})
		case isPlain(c):
			toks = append(toks, token{c: lower(c)})
		case c > 0x20 && c < 0x7f:
			return "", fmt.Errorf("unescaped %q in %s (write %q)", string(c), clip(v), `\`+string(c))
		default:
			return "", fmt.Errorf("invalid character %s in %s (only printable ASCII is allowed; write other characters in their ASCII form)", strconv.QuoteRune(rune(c)), clip(v))
		}
	}
	return renderFS(toks)
}

// renderFS checks the placement of the wildcards in toks (NISTIR 7695
// 5.3.2: a single "*" or a run of "?" at the start and/or the end of the
// value, nothing else) and returns the canonical formatted-string form.
func renderFS(toks []token) (string, error) {
	n := len(toks)
	star := func(i int) bool { return toks[i].wild && toks[i].c == '*' }
	quest := func(i int) bool { return toks[i].wild && toks[i].c == '?' }
	p := 0
	if n > 0 && star(0) {
		p = 1
	} else {
		for p < n && quest(p) {
			p++
		}
	}
	e := n
	if e > p && star(e-1) {
		e--
	} else {
		for e > p && quest(e-1) {
			e--
		}
	}
	if p == e {
		// Nothing but wildcards: "*" is ANY, a run of "?" matches that
		// many characters at most; anything else is meaningless.
		if n == 1 && star(0) {
			return Any, nil
		}
		for i := range toks {
			if !quest(i) {
				return "", errors.New(`a value made only of wildcards must be "*" (ANY) or a run of "?"`)
			}
		}
	}
	for i := p; i < e; i++ {
		if toks[i].wild {
			return "", fmt.Errorf("unquoted %q inside the value (wildcards are only allowed at the start or end, a single \"*\" or a run of \"?\"; write %q for a literal)",
				string(toks[i].c), `\`+string(toks[i].c))
		}
	}
	if n == 1 && !toks[0].wild && toks[0].c == '-' {
		return `\-`, nil // the literal hyphen, not NA
	}
	var b strings.Builder
	b.Grow(n + 4)
	for _, t := range toks {
		if !t.wild && !isPlain(t.c) {
			b.WriteByte('\\')
		}
		b.WriteByte(t.c)
	}
	return b.String(), nil
}

// checkPart checks the canonical value of the part attribute.
func checkPart(v string) error {
	switch v {
	case "a", "o", "h", Any, NA:
		return nil
	}
	return fmt.Errorf(`%s is not a part (want "a", "o", "h", or "*" for ANY)`, clip(v))
}

// parseURI parses a CPE 2.2 URI; s starts with "cpe:/".
func parseURI(s string) (Name, error) {
	comps := strings.Split(s[5:], ":")
	if len(comps) > 7 {
		return Name{}, fmt.Errorf("cpe: URI has %d components after \"cpe:/\", want at most 7 (part to language)", len(comps))
	}
	n := Name{Edition: Any, SWEdition: Any, TargetSW: Any, TargetHW: Any, Other: Any, Language: Any}
	fields := n.fields()
	// Attribute order of the URI: part, vendor, product, version, update,
	// edition (possibly packed), language.
	for i := range 7 {
		c := ""
		if i < len(comps) {
			c = comps[i]
		}
		if i == AttrEdition && strings.HasPrefix(c, "~") {
			if err := unpackEdition(c, &n); err != nil {
				return Name{}, err
			}
			continue
		}
		v, err := decodeURI(c, i == AttrEdition)
		if err == nil && i == AttrPart {
			err = checkPart(v)
		}
		if err != nil {
			return Name{}, fmt.Errorf("cpe: attribute %q (URI component %d): %w", AttributeNames[i], i+1, err)
		}
		*fields[i] = v
	}
	return n, nil
}

// unpackEdition splits the packed edition "~edition~sw_edition~target_sw~
// target_hw~other" of a URI into its five attributes.
func unpackEdition(c string, n *Name) error {
	parts := strings.Split(c[1:], "~")
	if len(parts) != 5 {
		return fmt.Errorf("cpe: attribute \"edition\" (URI component 6): packed edition %s has %d \"~\"-separated fields, want 5 (~edition~sw_edition~target_sw~target_hw~other)",
			clip(c), len(parts))
	}
	targets := [5]*string{&n.Edition, &n.SWEdition, &n.TargetSW, &n.TargetHW, &n.Other}
	attrs := [5]int{AttrEdition, AttrSWEdition, AttrTargetSW, AttrTargetHW, AttrOther}
	for i, p := range parts {
		v, err := decodeURI(p, true)
		if err != nil {
			return fmt.Errorf("cpe: attribute %q (packed in URI component 6): %w", AttributeNames[attrs[i]], err)
		}
		*targets[i] = v
	}
	return nil
}

// decodeURI decodes one URI component (NISTIR 7695 6.1.3.2 "decode") and
// returns the canonical formatted-string form. Empty is ANY and "-" is NA.
// inEdition reports whether a raw "~" would be ambiguous (the packing
// separator); elsewhere it is a literal tilde.
func decodeURI(c string, inEdition bool) (string, error) {
	switch c {
	case "":
		return Any, nil
	case NA:
		return NA, nil
	}
	toks := make([]token, 0, len(c))
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '%':
			if i+2 >= len(c) || unhex(c[i+1]) < 0 || unhex(c[i+2]) < 0 {
				end := min(i+3, len(c))
				return "", fmt.Errorf("bad percent-encoding %q in %s (want %%XX with two hex digits)", c[i:end], clip(c))
			}
			b := byte(unhex(c[i+1])<<4 | unhex(c[i+2]))
			i += 2
			switch {
			case b == 0x01:
				toks = append(toks, token{c: '?', wild: true})
			case b == 0x02:
				toks = append(toks, token{c: '*', wild: true})
			case b > 0x20 && b < 0x7f:
				toks = append(toks, token{c: lower(b)})
			default:
				return "", fmt.Errorf("percent-encoded byte %%%02x in %s is not a printable ASCII character", b, clip(c))
			}
		case ch == '*' || ch == '?':
			return "", fmt.Errorf("raw %q in %s (a CPE 2.2 URI writes the wildcards as %%02 for \"*\" and %%01 for \"?\", and a literal as %%2a or %%3f)", string(ch), clip(c))
		case ch == '~' && inEdition:
			return "", fmt.Errorf("raw \"~\" in %s (the edition is packed only when it starts with \"~\"; write a literal tilde as %%7e)", clip(c))
		case ch > 0x20 && ch < 0x7f:
			toks = append(toks, token{c: lower(ch)})
		default:
			return "", fmt.Errorf("invalid character %s in %s (only printable ASCII is allowed)", strconv.QuoteRune(rune(ch)), clip(c))
		}
	}
	return renderFS(toks)
}

// unhex returns the value of a hex digit, or -1.
func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
