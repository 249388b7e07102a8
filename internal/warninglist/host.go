package warninglist

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"sakimori/internal/stix/pattern"
)

// normHostEntry validates and normalises an entry of a hostname list: case
// folded, leading and trailing dots removed (MISP lists write ".example.com"
// for "example.com and its subdomains", which is what every hostname entry
// means), internationalised labels in their "xn--" form. An IP address is
// accepted and kept in canonical form; it then matches only itself.
func normHostEntry(s string) (string, error) {
	t := strings.Trim(s, ".")
	if t == "" {
		return "", errors.New("empty host name")
	}
	if maybeIP(t) {
		if a, err := netip.ParseAddr(t); err == nil {
			if a.Zone() != "" {
				return "", errors.New("IPv6 zones are not allowed")
			}
			return a.Unmap().String(), nil
		}
	}
	if strings.IndexByte(t, '*') >= 0 {
		return "", errors.New("wildcards are not supported: a hostname entry already matches every subdomain")
	}
	if !isASCII(t) {
		d, err := pattern.NormalizeDomain(t)
		if err != nil {
			return "", err
		}
		return d, nil
	}
	t = strings.ToLower(t)
	if len(t) > 253 {
		return "", errors.New("longer than 253 characters")
	}
	label := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '.':
			if label == 0 {
				return "", errors.New("empty label (two dots in a row)")
			}
			label = 0
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return "", fmt.Errorf("character %q is not allowed in host names", rune(c))
		}
		label++
		if label > 63 {
			return "", errors.New("label longer than 63 characters")
		}
	}
	return t, nil
}

// normHostQuery normalises a host name or domain being checked: white space
// and leading and trailing dots trimmed, lower case, internationalised names
// in their "xn--" form. Invalid names are returned lower-cased as they are
// (they simply match nothing). ASCII input that is already normal is
// returned without allocating.
func normHostQuery(s string) string {
	s = strings.Trim(strings.TrimSpace(s), ".")
	if !needsLower(s) {
		return s
	}
	if !isASCII(s) {
		if d, err := pattern.NormalizeDomain(s); err == nil {
			return d
		}
	}
	return strings.ToLower(s)
}

// lower is strings.ToLower with a faster test for the common case of a
// string that has no upper-case or non-ASCII characters.
func lower(s string) string {
	if !needsLower(s) {
		return s
	}
	return strings.ToLower(s)
}

// needsLower reports whether s has an upper-case ASCII letter or a
// non-ASCII byte, testing eight bytes at a time.
func needsLower(s string) bool {
	const ones = 0x0101010101010101
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if x&(0x80*ones) != 0 {
			return true // non-ASCII
		}
		// All bytes are below 0x80, so adding at most 0x3f carries into
		// no other byte: a byte's high bit says whether it was >= 'A',
		// and, in the second sum, whether it was > 'Z'.
		if (x+(0x80-'A')*ones)&^(x+(0x80-'Z'-1)*ones)&(0x80*ones) != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}

// hostOf returns the host name that hostname and cidr lists compare for a
// value of kind k: the value itself for domains and host names, the host of
// a URL (with or without a scheme: "https://user@Example.com:8443/x" and
// "example.com/x" both give "example.com"; "[2001:db8::1]" gives the
// address), and the domain of an e-mail address. ok is false when there is
// no host.
func hostOf(k kid, value string) (host string, ok bool) {
	value = strings.TrimSpace(value)
	switch k {
	case kDomain, kHostname:
		host = value
	case kEmail:
		at := strings.LastIndexByte(value, '@')
		if at < 0 {
			return "", false
		}
		host = value[at+1:]
	case kURL, kString:
		host = urlHost(value)
	default:
		return "", false
	}
	if host == "" {
		return "", false
	}
	return host, true
}

// urlHost extracts the host from a URL or from "host/path" text, as MISP
// does for hostname lists, without allocating.
func urlHost(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	} else if strings.HasPrefix(s, "//") {
		s = s[2:]
	}
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return ""
	}
	if i := strings.IndexByte(s, ':'); i >= 0 && strings.IndexByte(s[i+1:], ':') < 0 {
		s = s[:i] // host:port; more than one colon is a bare IPv6 address
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
