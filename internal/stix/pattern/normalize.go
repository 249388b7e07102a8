package pattern

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The normalisers below are exported so that whatever is matched against
// atoms (log lines, sightings, observed data) can be normalised the same way.

// NormalizeIP parses an IPv4 or IPv6 address or CIDR block and returns its
// kind and canonical text: addresses in their shortest standard form (IPv6
// compressed, lower case), CIDR blocks with the host bits cleared. A /32
// (IPv4) or /128 (IPv6) block is returned as a single address. Zones
// ("fe80::1%eth0") are rejected. IPv4-mapped IPv6 addresses stay IPv6.
func NormalizeIP(s string) (Kind, string, error) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return "", "", fmt.Errorf("not an IP address or CIDR block: %w", unwrapNetip(err))
		}
		p = p.Masked()
		if p.IsSingleIP() {
			if p.Addr().Is4() {
				return KindIPv4, p.Addr().String(), nil
			}
			return KindIPv6, p.Addr().String(), nil
		}
		if p.Addr().Is4() {
			return KindCIDR4, p.String(), nil
		}
		return KindCIDR6, p.String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", "", fmt.Errorf("not an IP address or CIDR block: %w", unwrapNetip(err))
	}
	if a.Zone() != "" {
		return "", "", errors.New("IPv6 zones (%...) are not allowed")
	}
	if a.Is4() {
		return KindIPv4, a.String(), nil
	}
	return KindIPv6, a.String(), nil
}

// unwrapNetip strips the repetition of the input from netip's messages.
func unwrapNetip(err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return errors.New(msg[i+3:])
	}
	return err
}

// NormalizeDomain returns the canonical form of a domain name: lower case,
// without a trailing dot, with internationalised labels converted to their
// ASCII "xn--" form (after NFKC normalisation and lower-casing, so full-width
// and other compatibility forms common in Japanese text map to the same
// name), and with the ideographic full stops 。．｡ treated as dots. Labels
// may contain letters, digits, '-' and '_' (the latter occurs in real host
// names); a label is at most 63 octets and the name at most 253.
func NormalizeDomain(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty domain name")
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(s)
		s = norm.NFKC.String(s)
		s = strings.ToLower(s)
		s = norm.NFC.String(s)
	} else {
		s = strings.ToLower(s)
	}
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", errors.New("empty domain name")
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return "", errors.New("an IP address, not a domain name")
	}
	labels := strings.Split(s, ".")
	var b strings.Builder
	for i, l := range labels {
		if l == "" {
			return "", errors.New("empty label (two dots in a row or a leading dot)")
		}
		if i > 0 {
			b.WriteByte('.')
		}
		asciiLabel := true
		for _, r := range l {
			if r >= utf8.RuneSelf {
				asciiLabel = false
				if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
					return "", fmt.Errorf("character %q is not allowed in domain names", r)
				}
				continue
			}
			c := byte(r)
			if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-' || c == '_') {
				return "", fmt.Errorf("character %q is not allowed in domain names", r)
			}
		}
		if !asciiLabel {
			// Every character takes at least one octet of the encoded
			// label, so a label this long cannot fit; checking first also
			// keeps hostile input away from the quadratic encoder.
			if utf8.RuneCountInString(l) > 59 {
				return "", errors.New("label longer than 63 characters")
			}
			enc, err := punycode(l)
			if err != nil {
				return "", err
			}
			l = "xn--" + enc
		}
		if len(l) > 63 {
			return "", errors.New("label longer than 63 characters")
		}
		b.WriteString(l)
	}
	out := b.String()
	if len(out) > 253 {
		return "", errors.New("domain name longer than 253 characters")
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return "", errors.New("the top-level label is numeric")
	}
	return out, nil
}

// punycode encodes a Unicode label per RFC 3492.
func punycode(label string) (string, error) {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	runes := []rune(label)
	out := make([]byte, 0, len(label)+8)
	for _, r := range runes {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	digit := func(d int) byte {
		if d < 26 {
			return byte('a' + d)
		}
		return byte('0' + d - 26)
	}
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	n, delta, bias := initialN, 0, initialBias
	for h < len(runes) {
		m := int(unicode.MaxRune) + 1
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if (m - n) > (1<<30)/(h+1) {
			return "", errors.New("label cannot be encoded")
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out = append(out, digit(t+(q-t)%(base-t)))
					q = (q - t) / (base - t)
				}
				out = append(out, digit(q))
				bias = adapt(delta, h+1, h == b)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return string(out), nil
}

// NormalizeURL returns the canonical form of an absolute URL: scheme and host
// in lower case, the host normalised as a domain name (NormalizeDomain) or IP
// address, the scheme's default port removed (80 for http, 443 for https,
// 21 for ftp), an empty path written as "/", and the fragment dropped (it is
// never sent to a server). Path and query are kept byte for byte.
func NormalizeURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("not a valid URL: %v", err)
	}
	if u.Scheme == "" {
		return "", errors.New("not an absolute URL (no scheme such as http://)")
	}
	if u.Opaque != "" || u.Host == "" {
		return "", errors.New("URL has no host")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return "", errors.New("URL contains white space or control characters")
		}
	}
	scheme := strings.ToLower(u.Scheme)
	host := u.Hostname()
	var h string
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return "", errors.New("IPv6 zones are not allowed in URLs")
		}
		h = a.String()
		if a.Is6() {
			h = "[" + h + "]"
		}
	} else {
		if strings.ContainsAny(host, "[]") {
			return "", errors.New("invalid host in URL")
		}
		if h, err = NormalizeDomain(host); err != nil {
			return "", fmt.Errorf("invalid host in URL: %v", err)
		}
	}
	port := u.Port()
	switch {
	case port == "80" && scheme == "http", port == "443" && scheme == "https", port == "21" && scheme == "ftp":
		port = ""
	}
	// The part after the authority, taken from the original text so that
	// escaping is not changed.
	rest := s[len(u.Scheme)+1:]
	rest = strings.TrimPrefix(rest, "//")
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[i:]
	} else {
		rest = ""
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	if rest == "" || rest[0] == '?' {
		rest = "/" + rest
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if u.User != nil {
		b.WriteString(u.User.String())
		b.WriteByte('@')
	}
	b.WriteString(h)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(rest)
	return b.String(), nil
}

// NormalizeEmail returns the canonical form of an e-mail address
// (addr-spec only, no display name): the domain normalised with
// NormalizeDomain and the whole address in lower case. Local parts are
// case-sensitive in theory but not in practice; folding them avoids missed
// matches.
func NormalizeEmail(s string) (string, error) {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return "", errors.New("not an e-mail address (no '@')")
	}
	local, domain := s[:at], s[at+1:]
	if local == "" {
		return "", errors.New("not an e-mail address (empty local part)")
	}
	if len(local) > 64 {
		return "", errors.New("local part longer than 64 characters")
	}
	for _, r := range local {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' || r == '@' {
			return "", fmt.Errorf("character %q is not allowed in the local part of an e-mail address", r)
		}
	}
	d, err := NormalizeDomain(domain)
	if err != nil {
		return "", fmt.Errorf("invalid e-mail domain: %v", err)
	}
	return strings.ToLower(local) + "@" + d, nil
}

// NormalizeHash validates a hash value for an algorithm named as in STIX
// (MD5, SHA-1, SHA-256, SHA-512, SHA3-256, ...; case, '-' and '_' are
// ignored, so sha256 and SHA_256 work too) and returns its kind and the value
// in lower-case hex.
func NormalizeHash(algorithm, value string) (Kind, string, error) {
	alg, ok := hashAlgs[normAlgName(algorithm)]
	if !ok || alg.kind == "" {
		return "", "", fmt.Errorf("unsupported hash algorithm %q", algorithm)
	}
	if !alg.valid(value) {
		return "", "", fmt.Errorf("not a valid %s hash (%d hex digits)", alg.name, alg.hexLen)
	}
	return alg.kind, strings.ToLower(value), nil
}
