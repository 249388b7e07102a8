package logscan

import (
	"bytes"

	"sakimori/internal/match"
)

// Plain text: every line is tokenised and searched for URLs (http, https
// and ftp), e-mail addresses, IPv4 and IPv6 addresses, hashes (hex runs of
// exactly 32, 40, 64 or 128 digits between word boundaries) and domain
// names. Defanged forms are refanged first: hxxp(s) → http(s), [.] (.) {.}
// [dot] (dot) → ".", [at] (at) [@] → "@", [:] → ":".
//
// A word is taken for a domain name only when it has at least two labels
// and its last label is alphabetic, at least two letters long (or an
// xn-- label), and not a common file extension (see fileExt: exe, dll,
// txt, log, pdf, zip, js, py, sh, ... — this loses the real TLDs .zip,
// .mov, .sh, .py, .md and .so in plain text, which is the accepted price
// of not reporting every file name as a domain). The host of every URL is
// reported too, as a domain or an IP address.
//
// The record time is an ISO 8601 date and time at the start of the line
// (after spaces and one '['), e.g. "2026-11-30T09:00:00Z" or
// "2026-11-30 09:00:00,123"; syslog's "Nov 30 09:00:00" has no year and is
// not read.

type textState struct{}

var fileExt = map[string]bool{}

func init() {
	for _, e := range []string{
		"exe", "dll", "sys", "scr", "com_", "txt", "log", "pdf", "doc", "docx", "docm", "dot", "dotm",
		"xls", "xlsx", "xlsm", "ppt", "pptx", "rtf", "odt", "zip", "rar", "gz", "tgz", "bz", "xz", "tar",
		"iso", "img", "vhd", "msi", "lnk", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta",
		"jar", "apk", "dmg", "pkg", "deb", "rpm", "bin", "dat", "tmp", "ini", "cfg", "conf", "json",
		"xml", "yml", "yaml", "csv", "tsv", "html", "htm", "php", "asp", "aspx", "jsp", "py", "pyc",
		"sh", "elf", "so", "dylib", "jpg", "jpeg", "png", "gif", "bmp", "svg", "ico", "webp", "mov",
		"avi", "mkv", "wav", "db", "sqlite", "sql", "bak", "old", "lock", "pid", "pem", "crt", "cer",
		"der", "pfx", "csr", "key", "md", "rst", "java", "class", "cpp", "hpp", "cs", "go", "rb",
		"ps", "psm", "msg", "eml", "chm", "inf", "reg", "drv", "ocx", "cpl", "efi", "swf", "one",
	} {
		fileExt[e] = true
	}
}

// looksLikeDomain applies the plain-text domain heuristic (see above).
func looksLikeDomain(b []byte) bool {
	dot := bytes.LastIndexByte(b, '.')
	if dot <= 0 || dot == len(b)-1 {
		if dot == len(b)-1 && dot > 0 {
			return looksLikeDomain(b[:dot])
		}
		return false
	}
	tld := b[dot+1:]
	if len(tld) < 2 || len(tld) > 63 {
		return false
	}
	if len(tld) > 4 && (tld[0] == 'x' || tld[0] == 'X') && (tld[1] == 'n' || tld[1] == 'N') && tld[2] == '-' && tld[3] == '-' {
		return true
	}
	var low [16]byte
	for i, c := range tld {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
		if i < len(low) {
			low[i] = lower(c)
		}
	}
	if len(tld) <= len(low) && fileExt[string(low[:len(tld)])] {
		return false
	}
	return true
}

// refang rewrites defanged indicators; it returns b itself when there is
// nothing to do.
func (s *Scanner) refang(b []byte) []byte {
	need := false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '[', '(', '{':
			need = true
		case 'x', 'X':
			if i > 0 && (b[i-1] == 'h' || b[i-1] == 'H') && i+2 < len(b) && (b[i+1] == 'x' || b[i+1] == 'X') && (b[i+2] == 'p' || b[i+2] == 'P') {
				need = true
			}
		}
		if need {
			break
		}
	}
	if !need {
		return b
	}
	start := len(s.arena)
	for i := 0; i < len(b); {
		c := b[i]
		if c == '[' || c == '(' || c == '{' {
			if n, r := defang(b[i:]); n > 0 {
				s.arena = append(s.arena, r...)
				i += n
				continue
			}
		}
		if (c == 'h' || c == 'H') && i+3 < len(b) && (b[i+1] == 'x' || b[i+1] == 'X') && (b[i+2] == 'x' || b[i+2] == 'X') && (b[i+3] == 'p' || b[i+3] == 'P') {
			s.arena = append(s.arena, c, 't', 't', b[i+3])
			i += 4
			continue
		}
		s.arena = append(s.arena, c)
		i++
	}
	return s.arena[start:len(s.arena):len(s.arena)]
}

// defang recognises a bracketed defang marker at the start of b.
func defang(b []byte) (int, string) {
	if len(b) < 3 {
		return 0, ""
	}
	open := b[0]
	var close byte
	switch open {
	case '[':
		close = ']'
	case '(':
		close = ')'
	case '{':
		close = '}'
	}
	end := bytes.IndexByte(b[1:min(len(b), 6)], close)
	if end < 0 {
		return 0, ""
	}
	inner := b[1 : 1+end]
	n := end + 2
	switch {
	case len(inner) == 1 && inner[0] == '.':
		return n, "."
	case len(inner) == 1 && inner[0] == '@':
		return n, "@"
	case len(inner) == 1 && inner[0] == ':':
		return n, ":"
	case len(inner) == 3 && inner[0] == ':' && inner[1] == '/' && inner[2] == '/':
		return n, "://"
	case len(inner) == 3 && eqFold(inner, "dot"):
		return n, "."
	case len(inner) == 2 && eqFold(inner, "at"):
		return n, "@"
	}
	return 0, ""
}

func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

func (s *Scanner) textLine(line []byte) (bool, error) {
	if len(bytes.TrimSpace(line)) == 0 {
		return false, nil
	}
	s.rec.Time = s.timePrefix(line)
	s.extractText(line, "")
	return true, nil
}

func isTokenBreak(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '<', '>', '`', '|', '\\', '^', '{', '}':
		return true
	}
	return false
}

// extractText finds observables in free text.
func (s *Scanner) extractText(line []byte, field string) {
	line = s.refang(line)
	for i := 0; i < len(line); {
		for i < len(line) && isTokenBreak(line[i]) {
			i++
		}
		j := i
		for j < len(line) && !isTokenBreak(line[j]) {
			j++
		}
		if j > i {
			s.textToken(line[i:j], field)
		}
		i = j
	}
}

func isSchemeAt(b []byte, p int) int {
	// p is the index of "://"; returns the start of an http, https or ftp
	// scheme ending there, or -1.
	for _, sc := range [...]string{"https", "http", "ftp"} {
		st := p - len(sc)
		if st >= 0 && eqFold(b[st:p], sc) {
			if st > 0 && (b[st-1] >= 'a' && b[st-1] <= 'z' || b[st-1] >= 'A' && b[st-1] <= 'Z') {
				continue
			}
			return st
		}
	}
	return -1
}

func (s *Scanner) textToken(tok []byte, field string) {
	if len(tok) < 3 {
		return
	}
	if p := indexSchemeSep(tok); p > 0 {
		if st := isSchemeAt(tok, p); st >= 0 {
			if st > 0 {
				s.textWords(tok[:st], field)
			}
			u := trimURLTail(tok[st:])
			if s.addURL(u, field) {
				// the host too
				h := u[p-st+3:]
				for k, c := range h {
					if c == '/' || c == '?' || c == '#' {
						h = h[:k]
						break
					}
				}
				if at := bytes.LastIndexByte(h, '@'); at >= 0 {
					h = h[at+1:]
				}
				s.addHost(h, field)
			}
			return
		}
	}
	s.textWords(tok, field)
}

// trimURLTail drops sentence punctuation after a URL.
func trimURLTail(u []byte) []byte {
	for len(u) > 0 {
		switch u[len(u)-1] {
		case '.', ',', ';', ':', '!', '?', '\'', '"':
			u = u[:len(u)-1]
			continue
		case ')':
			if bytes.IndexByte(u, '(') < 0 {
				u = u[:len(u)-1]
				continue
			}
		case ']':
			if bytes.IndexByte(u, '[') < 0 {
				u = u[:len(u)-1]
				continue
			}
		}
		break
	}
	return u
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':' || c == '@' || c == '+' || c >= 0x80
}

// textWords splits a token into words of domain/address characters.
func (s *Scanner) textWords(tok []byte, field string) {
	for i := 0; i < len(tok); {
		for i < len(tok) && !isWordChar(tok[i]) {
			i++
		}
		j := i
		for j < len(tok) && isWordChar(tok[j]) {
			j++
		}
		if j > i {
			s.textWord(tok[i:j], field)
		}
		i = j
	}
}

func trimWord(w []byte) []byte {
	for len(w) > 0 {
		c := w[0]
		if c == '.' || c == '-' || c == '_' || c == '+' || c == '@' || (c == ':' && !(len(w) > 1 && w[1] == ':')) {
			w = w[1:]
			continue
		}
		break
	}
	for len(w) > 0 {
		c := w[len(w)-1]
		if c == '.' || c == '-' || c == '_' || c == '+' || c == '@' || (c == ':' && !(len(w) > 1 && w[len(w)-2] == ':')) {
			w = w[:len(w)-1]
			continue
		}
		break
	}
	return w
}

func (s *Scanner) textWord(w []byte, field string) {
	w = trimWord(w)
	if len(w) < 3 {
		return
	}
	colons := 0
	for _, c := range w {
		if c == ':' {
			colons++
		}
	}
	if colons >= 2 {
		if s.addIP(w, field) {
			return
		}
	}
	if colons >= 1 {
		for len(w) > 0 {
			k := bytes.IndexByte(w, ':')
			if k < 0 {
				s.textWord(w, field)
				return
			}
			if k > 0 {
				s.textWord(w[:k], field)
			}
			w = w[k+1:]
		}
		return
	}
	if bytes.IndexByte(w, '@') >= 0 {
		if v := s.email(w, true); v != nil && looksLikeDomain(w[bytes.LastIndexByte(w, '@')+1:]) {
			s.add(match.KindEmail, v, field)
		}
		return
	}
	if w[0] >= '0' && w[0] <= '9' && s.addIP(w, field) {
		return
	}
	if s.addHash(w, field) {
		return
	}
	if looksLikeDomain(w) {
		s.addDomain(w, field)
	}
}

func indexSchemeSep(b []byte) int {
	for i := 0; i+2 < len(b); i++ {
		if b[i] == ':' && b[i+1] == '/' && b[i+2] == '/' {
			return i
		}
	}
	return -1
}
