package pattern

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tLBrack
	tRBrack
	tLParen
	tRParen
	tColon
	tDot
	tComma
	tStar
	tEq
	tNeq
	tLt
	tLe
	tGt
	tGe
	tIdent
	tInt     // text holds the digits with their sign
	tFloat   // text holds the digits with their sign
	tString  // lit.Str holds the unescaped value
	tBool    // lit
	tTime    // lit
	tHex     // lit
	tBinary  // lit
	tKeyword // kw says which
)

// Keywords are case-sensitive, as in the STIX 2.1 grammar.
type keyword uint8

const (
	kwNone keyword = iota
	kwAnd
	kwOr
	kwNot
	kwFollowedBy
	kwLike
	kwMatches
	kwIsSubset
	kwIsSuperset
	kwExists
	kwLast
	kwIn
	kwStart
	kwStop
	kwSeconds
	kwWithin
	kwRepeats
	kwTimes
)

var keywords = map[string]keyword{
	"AND": kwAnd, "OR": kwOr, "NOT": kwNot, "FOLLOWEDBY": kwFollowedBy,
	"LIKE": kwLike, "MATCHES": kwMatches, "ISSUBSET": kwIsSubset,
	"ISSUPERSET": kwIsSuperset, "EXISTS": kwExists, "LAST": kwLast, "IN": kwIn,
	"START": kwStart, "STOP": kwStop, "SECONDS": kwSeconds, "WITHIN": kwWithin,
	"REPEATS": kwRepeats, "TIMES": kwTimes,
}

type token struct {
	kind tokKind
	kw   keyword
	pos  int
	text string // raw source text of the token (identifier name, number digits)
	lit  Literal
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of pattern"
	case tIdent:
		return "identifier " + strconv.Quote(t.text)
	case tKeyword:
		return "keyword " + t.text
	case tInt, tFloat:
		return "number " + t.text
	case tString:
		return "string " + quoteString(clip(t.lit.Str))
	case tBool, tTime, tHex, tBinary:
		return t.lit.Kind.String() + " literal " + clip(t.text)
	}
	return "'" + t.text + "'"
}

func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 37
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

type lexer struct {
	src string
	off int
}

// isSpace reports the white space the STIX grammar skips.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '-'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skip moves past white space and comments.
func (l *lexer) skip() *Error {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c < utf8.RuneSelf:
			if c == ' ' || (c >= '\t' && c <= '\r') {
				l.off++
				continue
			}
			if c == '/' && l.off+1 < len(l.src) {
				switch l.src[l.off+1] {
				case '/':
					end := strings.IndexAny(l.src[l.off:], "\r\n")
					if end < 0 {
						l.off = len(l.src)
					} else {
						l.off += end
					}
					continue
				case '*':
					end := strings.Index(l.src[l.off+2:], "*/")
					if end < 0 {
						return errorf(l.off, "unterminated comment: '/*' without '*/'")
					}
					l.off += 2 + end + 2
					continue
				}
			}
			return nil
		default:
			r, n := utf8.DecodeRuneInString(l.src[l.off:])
			if !isSpace(r) {
				return nil
			}
			l.off += n
		}
	}
	return nil
}

// next returns the next token.
func (l *lexer) next() (token, *Error) {
	if err := l.skip(); err != nil {
		return token{}, err
	}
	start := l.off
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[start]
	tok := func(k tokKind, n int) (token, *Error) {
		l.off += n
		return token{kind: k, pos: start, text: l.src[start:l.off]}, nil
	}
	peek := byte(0)
	if start+1 < len(l.src) {
		peek = l.src[start+1]
	}
	switch c {
	case '[':
		return tok(tLBrack, 1)
	case ']':
		return tok(tRBrack, 1)
	case '(':
		return tok(tLParen, 1)
	case ')':
		return tok(tRParen, 1)
	case ':':
		return tok(tColon, 1)
	case ',':
		return tok(tComma, 1)
	case '*':
		return tok(tStar, 1)
	case '=':
		if peek == '=' {
			return tok(tEq, 2)
		}
		return tok(tEq, 1)
	case '!':
		if peek == '=' {
			return tok(tNeq, 2)
		}
		return token{}, errorf(start, "unexpected '!' (did you mean '!='?)")
	case '<':
		switch peek {
		case '=':
			return tok(tLe, 2)
		case '>':
			return tok(tNeq, 2)
		}
		return tok(tLt, 1)
	case '>':
		if peek == '=' {
			return tok(tGe, 2)
		}
		return tok(tGt, 1)
	case '\'':
		return l.lexString(start)
	case '"':
		return token{}, errorf(start, "unexpected '\"': strings are written in single quotes ('...')")
	case '.':
		if isDigit(peek) {
			return l.lexNumber(start)
		}
		return tok(tDot, 1)
	case '+', '-':
		if isDigit(peek) || (peek == '.' && start+2 < len(l.src) && isDigit(l.src[start+2])) {
			return l.lexNumber(start)
		}
		return token{}, errorf(start, "unexpected %q: a sign must be followed by a number", c)
	}
	if isDigit(c) {
		return l.lexNumber(start)
	}
	if isIdentStart(c) {
		end := start + 1
		for end < len(l.src) && isIdentChar(l.src[end]) {
			end++
		}
		word := l.src[start:end]
		if end-start == 1 && end < len(l.src) && l.src[end] == '\'' {
			switch c {
			case 't':
				return l.lexTimestamp(start)
			case 'h':
				return l.lexHex(start)
			case 'b':
				return l.lexBinary(start)
			}
		}
		l.off = end
		if kw, ok := keywords[word]; ok {
			return token{kind: tKeyword, kw: kw, pos: start, text: word}, nil
		}
		if word == "true" || word == "false" {
			return token{kind: tBool, pos: start, text: word,
				lit: Literal{Pos: start, Kind: LitBool, Bool: word == "true"}}, nil
		}
		return token{kind: tIdent, pos: start, text: word}, nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	if r == utf8.RuneError {
		return token{}, errorf(start, "invalid UTF-8 byte 0x%02x", c)
	}
	if r < 0x20 || r == 0x7f {
		return token{}, errorf(start, "unexpected control character %U", r)
	}
	return token{}, errorf(start, "unexpected character %q", r)
}

// lexString scans a quoted string. Only \' and \\ are valid escapes.
func (l *lexer) lexString(start int) (token, *Error) {
	i := start + 1
	var b *strings.Builder
	seg := i
	for {
		if i >= len(l.src) {
			return token{}, errorf(start, "unterminated string: missing closing quote")
		}
		switch l.src[i] {
		case '\'':
			var s string
			if b == nil {
				s = l.src[seg:i]
			} else {
				b.WriteString(l.src[seg:i])
				s = b.String()
			}
			l.off = i + 1
			return token{kind: tString, pos: start, text: l.src[start:l.off],
				lit: Literal{Pos: start, Kind: LitString, Str: s}}, nil
		case '\\':
			if i+1 >= len(l.src) {
				return token{}, errorf(start, "unterminated string: missing closing quote")
			}
			e := l.src[i+1]
			if e != '\'' && e != '\\' {
				r, _ := utf8.DecodeRuneInString(l.src[i+1:])
				return token{}, errorf(i, "invalid escape sequence \\%c in string: only \\' and \\\\ are allowed (write \\\\ for a backslash)", r)
			}
			if b == nil {
				b = &strings.Builder{}
				b.Grow(i - seg + 16)
			}
			b.WriteString(l.src[seg:i])
			b.WriteByte(e)
			i += 2
			seg = i
		default:
			i++
		}
	}
}

// lexNumber scans an integer or float: [+-]? digits, or [+-]? digits? '.' digits.
func (l *lexer) lexNumber(start int) (token, *Error) {
	i := start
	if l.src[i] == '+' || l.src[i] == '-' {
		i++
	}
	ds := i
	for i < len(l.src) && isDigit(l.src[i]) {
		i++
	}
	intDigits := l.src[ds:i]
	if i+1 < len(l.src) && l.src[i] == '.' && isDigit(l.src[i+1]) {
		i++
		for i < len(l.src) && isDigit(l.src[i]) {
			i++
		}
		l.off = i
		text := l.src[start:i]
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return token{}, errorf(start, "number %s is out of range", clip(text))
		}
		return token{kind: tFloat, pos: start, text: text,
			lit: Literal{Pos: start, Kind: LitFloat, Float: f}}, nil
	}
	l.off = i
	text := l.src[start:i]
	if len(intDigits) > 1 && intDigits[0] == '0' {
		return token{}, errorf(start, "integer %s has a leading zero", clip(text))
	}
	n, err := strconv.ParseInt(text, 10, 64)
	t := token{kind: tInt, pos: start, text: text, lit: Literal{Pos: start, Kind: LitInt, Int: n}}
	if err != nil {
		// Kept as a token so that contexts that accept large numbers (WITHIN)
		// can use the text; literal use reports the range error.
		t.lit.Kind = 0
	}
	return t, nil
}

// quoted returns the body of a prefixed literal such as h'...' (the prefix
// letter is at start) and moves past it.
func (l *lexer) quoted(start int, what string) (string, *Error) {
	end := strings.IndexByte(l.src[start+2:], '\'')
	if end < 0 {
		return "", errorf(start, "unterminated %s literal: missing closing quote", what)
	}
	l.off = start + 2 + end + 1
	return l.src[start+2 : start+2+end], nil
}

func (l *lexer) lexHex(start int) (token, *Error) {
	body, err := l.quoted(start, "hex")
	if err != nil {
		return token{}, err
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
			return token{}, errorf(start+2+i, "invalid hex literal: %q is not a hex digit", rune(c))
		}
	}
	if len(body)%2 != 0 {
		return token{}, errorf(start, "invalid hex literal: odd number of hex digits")
	}
	b := make([]byte, len(body)/2)
	hex.Decode(b, []byte(body)) // validated above
	return token{kind: tHex, pos: start, text: l.src[start:l.off],
		lit: Literal{Pos: start, Kind: LitHex, Bytes: b}}, nil
}

func (l *lexer) lexBinary(start int) (token, *Error) {
	body, err := l.quoted(start, "binary")
	if err != nil {
		return token{}, err
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !(isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '/' || c == '=') {
			return token{}, errorf(start+2+i, "invalid binary literal: %q is not a base64 character", rune(c))
		}
	}
	if len(body) == 0 || len(body)%4 != 0 {
		return token{}, errorf(start, "invalid binary literal: base64 text must be a non-empty multiple of 4 characters (padded with '=')")
	}
	b, derr := base64.StdEncoding.DecodeString(body)
	if derr != nil {
		return token{}, errorf(start, "invalid binary literal: malformed base64 (padding '=' only at the end)")
	}
	if b == nil {
		b = []byte{}
	}
	return token{kind: tBinary, pos: start, text: l.src[start:l.off],
		lit: Literal{Pos: start, Kind: LitBinary, Bytes: b}}, nil
}

func (l *lexer) lexTimestamp(start int) (token, *Error) {
	body, err := l.quoted(start, "timestamp")
	if err != nil {
		return token{}, err
	}
	t, msg := parseTimestamp(body)
	if msg != "" {
		return token{}, errorf(start, "invalid timestamp t'%s': %s", clip(body), msg)
	}
	return token{kind: tTime, pos: start, text: l.src[start:l.off],
		lit: Literal{Pos: start, Kind: LitTimestamp, Time: t}}, nil
}

// parseTimestamp parses the STIX timestamp form YYYY-MM-DDTHH:MM:SS[.f+]Z
// (RFC 3339 in UTC). Digits of the fraction beyond nanoseconds are dropped;
// a leap second (:60) is accepted and normalised into the next minute.
func parseTimestamp(s string) (time.Time, string) {
	const want = "want YYYY-MM-DDTHH:MM:SS[.fraction]Z in UTC"
	if len(s) < 20 {
		return time.Time{}, want
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for j := i; j < i+n; j++ {
			if !isDigit(s[j]) {
				return 0, false
			}
			v = v*10 + int(s[j]-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 2)
	day, ok3 := num(8, 2)
	hour, ok4 := num(11, 2)
	min, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, want
	}
	rest := s[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		if i == 1 {
			return time.Time{}, "no digits after the decimal point"
		}
		frac := rest[1:i]
		for k := 0; k < 9; k++ {
			nsec *= 10
			if k < len(frac) {
				nsec += int(frac[k] - '0')
			}
		}
		rest = rest[i:]
	}
	if rest != "Z" {
		if strings.ContainsAny(rest, "+-") || rest == "" {
			return time.Time{}, "timestamps must be in UTC and end in 'Z'"
		}
		return time.Time{}, want
	}
	switch {
	case month < 1 || month > 12:
		return time.Time{}, "month " + s[5:7] + " out of range"
	case day < 1 || day > daysIn(month, year):
		return time.Time{}, "day " + s[8:10] + " out of range for " + time.Month(month).String() + " " + s[0:4]
	case hour > 23:
		return time.Time{}, "hour " + s[11:13] + " out of range"
	case min > 59:
		return time.Time{}, "minute " + s[14:16] + " out of range"
	case sec > 60:
		return time.Time{}, "second " + s[17:19] + " out of range"
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, time.UTC)
	if t.Year() > 9999 {
		return time.Time{}, "a leap second at the end of year 9999 is out of range"
	}
	return t, ""
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
