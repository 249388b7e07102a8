package logscan

import (
	"sakimori/internal/match"
	"sakimori/internal/stix/pattern"
)

// Classification and normalisation of values found in logs. Every helper
// here works on byte slices and writes normalised output into the scanner's
// per-record arena, so the hot path does not allocate. The output is the
// same as package stix/pattern's normalisers produce for the same input
// (NormalizeIP, NormalizeDomain, NormalizeURL, NormalizeEmail,
// NormalizeHash), with one deliberate difference: IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d) are folded to IPv4, as the matching engine
// folds them. Inputs the fast paths do not handle (non-ASCII host names,
// URLs with user info or percent-escaped hosts) fall back to package
// pattern, which allocates; such values are rare in logs.

// parseIPv4 parses dotted-quad IPv4 exactly as net/netip does: four
// decimal fields 0-255, no leading zeros, nothing else.
func parseIPv4(b []byte) (ip [4]byte, ok bool) {
	if len(b) < 7 || len(b) > 15 {
		return ip, false
	}
	field, digits := 0, 0
	val := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 1 && val == 0 {
				return ip, false // leading zero
			}
			val = val*10 + int(c-'0')
			if val > 255 {
				return ip, false
			}
			digits++
		case c == '.':
			if digits == 0 || field == 3 {
				return ip, false
			}
			ip[field] = byte(val)
			field++
			val, digits = 0, 0
		default:
			return ip, false
		}
	}
	if field != 3 || digits == 0 {
		return ip, false
	}
	ip[3] = byte(val)
	return ip, true
}

func hexVal(c byte) int {
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

// parseIPv6 parses an IPv6 address as net/netip does (zones are refused).
func parseIPv6(b []byte) (ip [16]byte, ok bool) {
	ellipsis := -1
	i := 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis = 0
		b = b[2:]
		if len(b) == 0 {
			return ip, true
		}
	}
	for i < 16 {
		off, acc := 0, 0
		for ; off < len(b); off++ {
			v := hexVal(b[off])
			if v < 0 {
				break
			}
			if off > 3 {
				return ip, false
			}
			acc = acc<<4 | v
		}
		if off == 0 {
			return ip, false
		}
		if off < len(b) && b[off] == '.' {
			if ellipsis < 0 && i != 12 {
				return ip, false
			}
			if i+4 > 16 {
				return ip, false
			}
			v4, ok := parseIPv4(b)
			if !ok {
				return ip, false
			}
			copy(ip[i:], v4[:])
			i += 4
			b = b[:0]
			break
		}
		ip[i] = byte(acc >> 8)
		ip[i+1] = byte(acc)
		i += 2
		b = b[off:]
		if len(b) == 0 {
			break
		}
		if b[0] != ':' || len(b) == 1 {
			return ip, false
		}
		b = b[1:]
		if b[0] == ':' {
			if ellipsis >= 0 {
				return ip, false
			}
			ellipsis = i
			b = b[1:]
			if len(b) == 0 {
				break
			}
		}
	}
	if len(b) != 0 {
		return ip, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return ip, false
		}
		n := 16 - i
		for j := i - 1; j >= ellipsis; j-- {
			ip[j+n] = ip[j]
		}
		for j := ellipsis; j < ellipsis+n; j++ {
			ip[j] = 0
		}
	} else if ellipsis >= 0 {
		return ip, false
	}
	return ip, true
}

func appendDec(dst []byte, v byte) []byte {
	switch {
	case v >= 100:
		return append(dst, '0'+v/100, '0'+v/10%10, '0'+v%10)
	case v >= 10:
		return append(dst, '0'+v/10, '0'+v%10)
	}
	return append(dst, '0'+v)
}

func appendIPv4(dst []byte, ip []byte) []byte {
	dst = appendDec(dst, ip[0])
	dst = append(dst, '.')
	dst = appendDec(dst, ip[1])
	dst = append(dst, '.')
	dst = appendDec(dst, ip[2])
	dst = append(dst, '.')
	return appendDec(dst, ip[3])
}

const hexDigits = "0123456789abcdef"

// appendIPv6 writes ip as net/netip's Addr.String does (RFC 5952).
func appendIPv6(dst []byte, ip *[16]byte) []byte {
	if isMapped(ip) {
		dst = append(dst, "::ffff:"...)
		return appendIPv4(dst, ip[12:])
	}
	zs, ze := 255, 255
	for i := 0; i < 8; i++ {
		j := i
		for j < 8 && ip[2*j] == 0 && ip[2*j+1] == 0 {
			j++
		}
		if l := j - i; l >= 2 && l > ze-zs {
			zs, ze = i, j
		}
	}
	for i := 0; i < 8; i++ {
		if i == zs {
			dst = append(dst, ':', ':')
			i = ze
			if i >= 8 {
				break
			}
		} else if i > 0 {
			dst = append(dst, ':')
		}
		v := uint16(ip[2*i])<<8 | uint16(ip[2*i+1])
		switch {
		case v >= 0x1000:
			dst = append(dst, hexDigits[v>>12], hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
		case v >= 0x100:
			dst = append(dst, hexDigits[v>>8&0xf], hexDigits[v>>4&0xf], hexDigits[v&0xf])
		case v >= 0x10:
			dst = append(dst, hexDigits[v>>4&0xf], hexDigits[v&0xf])
		default:
			dst = append(dst, hexDigits[v&0xf])
		}
	}
	return dst
}

func isMapped(ip *[16]byte) bool {
	for i := 0; i < 10; i++ {
		if ip[i] != 0 {
			return false
		}
	}
	return ip[10] == 0xff && ip[11] == 0xff
}

// maybeIP is a cheap pre-check: only digits, hex letters, '.', ':'.
func maybeIP(b []byte) bool {
	if len(b) < 2 || len(b) > 45 {
		return false
	}
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c == '.' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// ip classifies b as an IP address and appends its canonical text to the
// arena. Mapped IPv6 addresses are folded to IPv4.
func (s *Scanner) ip(b []byte) (match.Kind, []byte) {
	if len(b) > 0 && len(b) <= 15 && b[0] >= '0' && b[0] <= '9' {
		if _, ok := parseIPv4(b); ok {
			return match.KindIPv4, b // netip's form is the input itself
		}
	}
	if !maybeIP(b) {
		return match.KindNone, nil
	}
	ip6, ok := parseIPv6(b)
	if !ok {
		return match.KindNone, nil
	}
	start := len(s.arena)
	if isMapped(&ip6) {
		s.arena = appendIPv4(s.arena, ip6[12:])
		return match.KindIPv4, s.arena[start:len(s.arena):len(s.arena)]
	}
	s.arena = appendIPv6(s.arena, &ip6)
	return match.KindIPv6, s.arena[start:len(s.arena):len(s.arena)]
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// domain normalises b as pattern.NormalizeDomain does and appends the
// result to the arena (or returns b itself when it is already canonical).
// needDot refuses single-label names (they are not useful observables).
func (s *Scanner) domain(b []byte, needDot bool) []byte {
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 || len(b) > 253 {
		if len(b) > 253 {
			return nil
		}
		return nil
	}
	upper, dot := false, false
	label := 0
	lastStart := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			label++
		case c >= 'A' && c <= 'Z':
			upper = true
			label++
		case c == '.':
			if label == 0 {
				return nil
			}
			dot = true
			label = 0
			lastStart = i + 1
		case c >= 0x80:
			return s.domainSlow(b, needDot)
		default:
			return nil
		}
		if label > 63 {
			return nil
		}
	}
	if label == 0 || needDot && !dot {
		return nil
	}
	numeric := true
	for _, c := range b[lastStart:] {
		if c < '0' || c > '9' {
			numeric = false
			break
		}
	}
	if numeric {
		return nil
	}
	if !upper {
		return b
	}
	start := len(s.arena)
	for _, c := range b {
		s.arena = append(s.arena, lower(c))
	}
	return s.arena[start:len(s.arena):len(s.arena)]
}

// domainSlow handles internationalised names through package pattern.
// It allocates.
func (s *Scanner) domainSlow(b []byte, needDot bool) []byte {
	if len(b) > 1024 {
		return nil
	}
	d, err := pattern.NormalizeDomain(string(b))
	if err != nil {
		return nil
	}
	if needDot && indexByte(d, '.') < 0 {
		return nil
	}
	start := len(s.arena)
	s.arena = append(s.arena, d...)
	return s.arena[start:len(s.arena):len(s.arena)]
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// hashKind returns the hash kind for a hex string of the right length.
func hashKind(b []byte) match.Kind {
	var k match.Kind
	switch len(b) {
	case 32:
		k = match.KindMD5
	case 40:
		k = match.KindSHA1
	case 64:
		k = match.KindSHA256
	case 128:
		k = match.KindSHA512
	default:
		return match.KindNone
	}
	for _, c := range b {
		if hexVal(c) < 0 {
			return match.KindNone
		}
	}
	return k
}

// hash lower-cases a validated hex string.
func (s *Scanner) hash(b []byte) []byte {
	upper := false
	for _, c := range b {
		if c >= 'A' && c <= 'F' {
			upper = true
			break
		}
	}
	if !upper {
		return b
	}
	start := len(s.arena)
	for _, c := range b {
		s.arena = append(s.arena, lower(c))
	}
	return s.arena[start:len(s.arena):len(s.arena)]
}

// email normalises an addr-spec as pattern.NormalizeEmail does.
func (s *Scanner) email(b []byte, needDot bool) []byte {
	at := -1
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '@' {
			at = i
			break
		}
	}
	if at <= 0 || at > 64 {
		return nil
	}
	for _, c := range b[:at] {
		if c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '@' || c >= 0x80 {
			return nil
		}
	}
	start := len(s.arena)
	d := s.domain(b[at+1:], needDot)
	if d == nil {
		s.arena = s.arena[:start]
		return nil
	}
	// d may live in the arena already; build the result after it.
	out := len(s.arena)
	for _, c := range b[:at] {
		s.arena = append(s.arena, lower(c))
	}
	s.arena = append(s.arena, '@')
	s.arena = append(s.arena, d...)
	return s.arena[out:len(s.arena):len(s.arena)]
}

func isSchemeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// validEscapes reports whether every '%' in b starts a %XX escape.
func validEscapes(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] == '%' {
			if i+2 >= len(b) || hexVal(b[i+1]) < 0 || hexVal(b[i+2]) < 0 {
				return false
			}
			i += 2
		}
	}
	return true
}

// url normalises an absolute URL as pattern.NormalizeURL does.
func (s *Scanner) url(b []byte) []byte {
	if len(b) < 4 || len(b) > maxLine {
		return nil
	}
	slow := false
	for _, c := range b {
		if c <= ' ' || c == 0x7f {
			return nil
		}
		if c >= 0x80 {
			slow = true
		}
	}
	if slow {
		return s.urlSlow(b)
	}
	c0 := b[0]
	if !(c0 >= 'a' && c0 <= 'z' || c0 >= 'A' && c0 <= 'Z') {
		return nil
	}
	i := 1
	for i < len(b) && isSchemeChar(b[i]) {
		i++
	}
	if i >= len(b) || b[i] != ':' || len(b) < i+3 || b[i+1] != '/' || b[i+2] != '/' {
		return nil
	}
	scheme := b[:i]
	auth := b[i+3:]
	rest := auth[:0]
	for j, c := range auth {
		if c == '/' || c == '?' || c == '#' {
			rest = auth[j:]
			auth = auth[:j]
			break
		}
	}
	for _, c := range auth {
		if c == '@' || c == '%' {
			return s.urlSlow(b)
		}
	}
	// Escapes in the path and the fragment must be valid (net/url).
	pathEnd := len(rest)
	frag := rest[:0]
	for j, c := range rest {
		if c == '#' {
			frag = rest[j+1:]
			rest = rest[:j]
			if pathEnd > j {
				pathEnd = j
			}
			break
		}
	}
	for j, c := range rest {
		if c == '?' {
			pathEnd = j
			break
		}
	}
	if !validEscapes(rest[:pathEnd]) || !validEscapes(frag) {
		return nil
	}
	var host, port []byte
	v6 := false
	if len(auth) > 0 && auth[0] == '[' {
		end := -1
		for j, c := range auth {
			if c == ']' {
				end = j
				break
			}
		}
		if end < 0 {
			return nil
		}
		host = auth[1:end]
		after := auth[end+1:]
		if len(after) > 0 {
			if after[0] != ':' {
				return nil
			}
			port = after[1:]
		}
		v6 = true
	} else {
		host = auth
		for j := len(auth) - 1; j >= 0; j-- {
			if auth[j] == ':' {
				host, port = auth[:j], auth[j+1:]
				break
			}
		}
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return nil
		}
	}
	if len(host) == 0 {
		return nil
	}
	start := len(s.arena)
	for _, c := range scheme {
		s.arena = append(s.arena, lower(c))
	}
	sc := s.arena[start:]
	s.arena = append(s.arena, "://"...)
	if v6 {
		ip6, ok := parseIPv6(host)
		if !ok {
			s.arena = s.arena[:start]
			return s.urlSlow(b)
		}
		s.arena = append(s.arena, '[')
		s.arena = appendIPv6(s.arena, &ip6)
		s.arena = append(s.arena, ']')
	} else if _, ok := parseIPv4(host); ok {
		s.arena = append(s.arena, host...)
	} else {
		mark := len(s.arena)
		d := s.domain(host, false)
		if d == nil {
			s.arena = s.arena[:start]
			return nil
		}
		if len(s.arena) == mark { // d aliases the input
			s.arena = append(s.arena, d...)
		}
	}
	if len(port) > 0 {
		def := string(sc) == "http" && string(port) == "80" ||
			string(sc) == "https" && string(port) == "443" ||
			string(sc) == "ftp" && string(port) == "21"
		if !def {
			s.arena = append(s.arena, ':')
			s.arena = append(s.arena, port...)
		}
	}
	if len(rest) == 0 || rest[0] == '?' {
		s.arena = append(s.arena, '/')
	}
	s.arena = append(s.arena, rest...)
	return s.arena[start:len(s.arena):len(s.arena)]
}

// urlSlow normalises through package pattern. It allocates.
func (s *Scanner) urlSlow(b []byte) []byte {
	u, err := pattern.NormalizeURL(string(b))
	if err != nil {
		return nil
	}
	start := len(s.arena)
	s.arena = append(s.arena, u...)
	return s.arena[start:len(s.arena):len(s.arena)]
}
