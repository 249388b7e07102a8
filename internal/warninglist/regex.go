package warninglist

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// regexDelimiters are the PCRE delimiters recognised in regex entries.
const regexDelimiters = "/#~!@%"

// goRegex turns a regex entry into Go (RE2) syntax.
//
// MISP evaluates regex entries with PHP's preg_match, so they are PCRE
// patterns between delimiters, followed by modifiers: "/^foo$/i". An entry
// that starts with one of the delimiters / # ~ ! @ % and contains the same
// delimiter again, followed only by letters, is read that way; the supported
// modifiers are i, m, s and U (as in Go), A (anchor at the start), D and u
// (no effect in Go: $ never matches before a final newline and matching is
// always UTF-8) and g (ignored: a match test has no global mode). Anything
// else is taken as a Go regular expression as it is.
func goRegex(entry string) (string, error) {
	if len(entry) < 2 || strings.IndexByte(regexDelimiters, entry[0]) < 0 {
		return entry, nil
	}
	d := entry[0]
	end := strings.LastIndexByte(entry, d)
	if end == 0 {
		return entry, nil
	}
	mods := entry[end+1:]
	for i := 0; i < len(mods); i++ {
		c := mods[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return entry, nil // not "delimiter pattern delimiter modifiers"
		}
	}
	body := entry[1:end]
	var flags []byte
	anchored := false
	for i := 0; i < len(mods); i++ {
		switch c := mods[i]; c {
		case 'i', 'm', 's', 'U':
			if strings.IndexByte(string(flags), c) < 0 {
				flags = append(flags, c)
			}
		case 'A':
			anchored = true
		case 'D', 'u', 'g':
		case 'x':
			return "", errors.New("the x (extended) modifier is not supported")
		default:
			return "", fmt.Errorf("unknown PCRE modifier %q", c)
		}
	}
	if len(flags) == 0 && !anchored {
		return body, nil
	}
	var b strings.Builder
	if anchored {
		b.WriteString(`\A`)
	}
	b.WriteString("(?")
	b.Write(flags)
	b.WriteString(":")
	b.WriteString(body)
	b.WriteString(")")
	return b.String(), nil
}

// compileRegex compiles a regex entry (see goRegex) and explains failures.
func compileRegex(entry string) (*regexp.Regexp, error) {
	src, err := goRegex(entry)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(src)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		hint := ""
		if strings.Contains(msg, "Perl syntax") || strings.Contains(msg, "escape sequence") {
			hint = " (Go's RE2 syntax has no lookaround, backreferences, atomic groups or possessive quantifiers)"
		}
		return nil, fmt.Errorf("Go regexp cannot compile it: %s%s", msg, hint)
	}
	return re, nil
}
