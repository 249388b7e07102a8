package warninglist

import (
	"fmt"
	"net/netip"
	"strings"

	"sakimori/internal/stix/pattern"
)

// Kind is the kind of an indicator value passed to Set.Check. It decides
// which lists apply (through their matching_attributes) and how the value is
// compared (for example, domain names are compared without regard to case,
// URLs by their host with hostname lists).
type Kind string

// Indicator value kinds.
const (
	KindIP       Kind = "ip"       // an IPv4 or IPv6 address (a CIDR block is accepted too)
	KindCIDR     Kind = "cidr"     // an IPv4 or IPv6 network, e.g. 192.0.2.0/24 (an address is accepted too)
	KindDomain   Kind = "domain"   // a domain name
	KindHostname Kind = "hostname" // a fully qualified host name
	KindURL      Kind = "url"      // a URL; hostname and cidr lists look at its host
	KindEmail    Kind = "email"    // an e-mail address; hostname lists look at its domain
	KindMD5      Kind = "md5"      // hashes are hexadecimal and compared without regard to case
	KindSHA1     Kind = "sha1"
	KindSHA224   Kind = "sha224"
	KindSHA256   Kind = "sha256"
	KindSHA384   Kind = "sha384"
	KindSHA512   Kind = "sha512"
	KindSHA3_224 Kind = "sha3-224"
	KindSHA3_256 Kind = "sha3-256"
	KindSHA3_384 Kind = "sha3-384"
	KindSHA3_512 Kind = "sha3-512"
	KindSSDeep   Kind = "ssdeep" // fuzzy hash; case-sensitive (base64)
	KindTLSH     Kind = "tlsh"
	KindImphash  Kind = "imphash"
	KindFilename Kind = "filename"
	KindString   Kind = "string" // any other text
)

// kid is the dense internal number of a Kind, used in bit masks.
type kid uint8

const (
	kUnknown kid = iota
	kIP
	kCIDR
	kDomain
	kHostname
	kURL
	kEmail
	kMD5
	kSHA1
	kSHA224
	kSHA256
	kSHA384
	kSHA512
	kSHA3_224
	kSHA3_256
	kSHA3_384
	kSHA3_512
	kSSDeep
	kTLSH
	kImphash
	kFilename
	kString
	numKinds
)

// kindMask is a set of kinds.
type kindMask uint32

func (m kindMask) has(k kid) bool { return k != kUnknown && m&(1<<k) != 0 }

const allKinds kindMask = (1<<numKinds - 1) &^ 1 // every kind but kUnknown

var kindNames = [numKinds]Kind{
	kIP: KindIP, kCIDR: KindCIDR, kDomain: KindDomain, kHostname: KindHostname, kURL: KindURL,
	kEmail: KindEmail, kMD5: KindMD5, kSHA1: KindSHA1, kSHA224: KindSHA224, kSHA256: KindSHA256,
	kSHA384: KindSHA384, kSHA512: KindSHA512, kSHA3_224: KindSHA3_224, kSHA3_256: KindSHA3_256,
	kSHA3_384: KindSHA3_384, kSHA3_512: KindSHA3_512, kSSDeep: KindSSDeep, kTLSH: KindTLSH,
	kImphash: KindImphash, kFilename: KindFilename, kString: KindString,
}

// Kinds returns every kind Check understands, in a fixed order.
func Kinds() []Kind {
	out := make([]Kind, 0, numKinds-1)
	for k := kIP; k < numKinds; k++ {
		out = append(out, kindNames[k])
	}
	return out
}

// kindID maps a kind (or one of its aliases) to its number; kUnknown if it
// is not a kind. Aliases: ipv4/ipv6 and the STIX object types ipv4-addr and
// ipv6-addr for ip; cidr4/cidr6 for cidr; domain-name for domain;
// email-addr for email; text for string. The kinds of
// sakimori/internal/stix/pattern atoms are all accepted as they are.
func kindID(k Kind) kid {
	switch k {
	case KindIP, "ipv4", "ipv6", "ipv4-addr", "ipv6-addr":
		return kIP
	case KindCIDR, "cidr4", "cidr6":
		return kCIDR
	case KindDomain, "domain-name":
		return kDomain
	case KindHostname:
		return kHostname
	case KindURL:
		return kURL
	case KindEmail, "email-addr":
		return kEmail
	case KindMD5:
		return kMD5
	case KindSHA1:
		return kSHA1
	case KindSHA224:
		return kSHA224
	case KindSHA256:
		return kSHA256
	case KindSHA384:
		return kSHA384
	case KindSHA512:
		return kSHA512
	case KindSHA3_224:
		return kSHA3_224
	case KindSHA3_256:
		return kSHA3_256
	case KindSHA3_384:
		return kSHA3_384
	case KindSHA3_512:
		return kSHA3_512
	case KindSSDeep:
		return kSSDeep
	case KindTLSH:
		return kTLSH
	case KindImphash:
		return kImphash
	case KindFilename:
		return kFilename
	case KindString, "text":
		return kString
	}
	return kUnknown
}

// ParseKind returns the canonical kind for s (case-insensitive; aliases such
// as "ipv4" or "domain-name" are accepted) or an error naming the kinds.
func ParseKind(s string) (Kind, error) {
	k := kindID(Kind(strings.ToLower(strings.TrimSpace(s))))
	if k == kUnknown {
		names := make([]string, 0, numKinds)
		for _, n := range Kinds() {
			names = append(names, string(n))
		}
		return "", fmt.Errorf("unknown indicator kind %q (one of %s)", s, strings.Join(names, ", "))
	}
	return kindNames[k], nil
}

// caseFolded reports whether values of kind k are compared without regard
// to (ASCII and Unicode) case: names, addresses and hexadecimal hashes.
func caseFolded(k kid) bool {
	switch k {
	case kSSDeep, kURL, kFilename, kString, kUnknown:
		return false
	}
	return true
}

// mispTypeKinds maps MISP attribute types (the vocabulary of
// matching_attributes) onto kinds. A composite type such as domain|ip or
// filename|md5 maps to the kinds of both its parts, as MISP checks both.
var mispTypeKinds = map[string]kindMask{
	"ip-src":                 1<<kIP | 1<<kCIDR,
	"ip-dst":                 1<<kIP | 1<<kCIDR,
	"ip-src|port":            1<<kIP | 1<<kCIDR,
	"ip-dst|port":            1<<kIP | 1<<kCIDR,
	"domain|ip":              1<<kDomain | 1<<kIP | 1<<kCIDR,
	"domain":                 1 << kDomain,
	"hostname":               1 << kHostname,
	"hostname|port":          1 << kHostname,
	"url":                    1 << kURL,
	"email":                  1 << kEmail,
	"email-src":              1 << kEmail,
	"email-dst":              1 << kEmail,
	"target-email":           1 << kEmail,
	"email-reply-to":         1 << kEmail,
	"whois-registrant-email": 1 << kEmail,
	"dns-soa-email":          1 << kEmail,
	"md5":                    1 << kMD5,
	"sha1":                   1 << kSHA1,
	"sha224":                 1 << kSHA224,
	"sha256":                 1 << kSHA256,
	"sha384":                 1 << kSHA384,
	"sha512":                 1 << kSHA512,
	"sha3-224":               1 << kSHA3_224,
	"sha3-256":               1 << kSHA3_256,
	"sha3-384":               1 << kSHA3_384,
	"sha3-512":               1 << kSHA3_512,
	"ssdeep":                 1 << kSSDeep,
	"tlsh":                   1 << kTLSH,
	"imphash":                1 << kImphash,
	"filename":               1 << kFilename,
	"malware-sample":         1<<kFilename | 1<<kMD5, // filename|md5
	"filename|md5":           1<<kFilename | 1<<kMD5,
	"filename|sha1":          1<<kFilename | 1<<kSHA1,
	"filename|sha224":        1<<kFilename | 1<<kSHA224,
	"filename|sha256":        1<<kFilename | 1<<kSHA256,
	"filename|sha384":        1<<kFilename | 1<<kSHA384,
	"filename|sha512":        1<<kFilename | 1<<kSHA512,
	"filename|sha3-224":      1<<kFilename | 1<<kSHA3_224,
	"filename|sha3-256":      1<<kFilename | 1<<kSHA3_256,
	"filename|sha3-384":      1<<kFilename | 1<<kSHA3_384,
	"filename|sha3-512":      1<<kFilename | 1<<kSHA3_512,
	"filename|ssdeep":        1<<kFilename | 1<<kSSDeep,
	"filename|tlsh":          1<<kFilename | 1<<kTLSH,
	"filename|imphash":       1<<kFilename | 1<<kImphash,
	"text":                   1 << kString,
	"other":                  1 << kString,
}

// MISPTypeKinds returns the kinds that a MISP attribute type (as used in
// matching_attributes, e.g. "ip-dst", "domain|ip", "filename|sha256") maps
// onto, and false if sakimori checks no kind for it (e.g. "phone-number").
func MISPTypeKinds(mispType string) ([]Kind, bool) {
	m, ok := mispTypeKinds[mispType]
	if !ok {
		return nil, false
	}
	var out []Kind
	for k := kIP; k < numKinds; k++ {
		if m.has(k) {
			out = append(out, kindNames[k])
		}
	}
	return out, true
}

// stringKey returns the form of value that string lists compare for kind
// k. Kinds compared exactly (URLs, file names, ssdeep, other text) use the
// value as it is. The others use a case-folded form: domain names as
// normHostQuery makes them; IP addresses and networks in canonical form;
// e-mail addresses and hashes through foldKey. It allocates only when it
// changes the value.
//
// For kinds ip and cidr, p and isIP are the value parsed by parseIPOrPrefix.
func stringKey(k kid, value string, p netip.Prefix, isIP bool) string {
	switch {
	case !caseFolded(k):
		return value
	case k == kDomain || k == kHostname:
		return normHostQuery(value)
	case k == kIP || k == kCIDR:
		if isIP {
			var buf [64]byte
			var b []byte
			if p.IsSingleIP() {
				b = p.Addr().AppendTo(buf[:0])
			} else {
				b = p.AppendTo(buf[:0])
			}
			if string(b) == value {
				return value // already canonical: no allocation
			}
			return string(b)
		}
	}
	return foldKey(value)
}

// foldKey is the case-folded form of text: lower case, without one
// trailing dot.
func foldKey(s string) string {
	return lower(strings.TrimSuffix(s, "."))
}

// textKey returns the form of value that substring and regex lists see:
// lower case for case-folded kinds, as it is for the others.
func textKey(k kid, value string) string {
	if caseFolded(k) {
		return lower(value)
	}
	return value
}

// parseIPOrPrefix parses an address ("192.0.2.1", "2001:db8::1",
// "fe80::1%eth0") or a network ("192.0.2.0/24", host bits allowed) into a
// masked prefix, folding IPv4-mapped IPv6 addresses to IPv4 and dropping
// zones. A single address becomes a /32 or /128.
func parseIPOrPrefix(s string) (netip.Prefix, bool) {
	if len(s) > 64 || !maybeIP(s) {
		return netip.Prefix{}, false
	}
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return foldPrefix(p.Masked()), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.WithZone("").Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// foldPrefix turns an IPv4-mapped IPv6 network of at least 96 bits
// (::ffff:a.b.c.d/96+n) into the IPv4 network a.b.c.d/n.
func foldPrefix(p netip.Prefix) netip.Prefix {
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// AtomKind is the kind to check a matchable atom of a STIX pattern
// (pattern.Kind: ipv4, cidr6, domain, sha256, ...) as; false for kinds no
// warninglist applies to (ATT&CK techniques, CVE ids, malware names).
func AtomKind(k string) (Kind, bool) {
	switch pattern.Kind(k) {
	case pattern.KindIPv4, pattern.KindIPv6:
		return KindIP, true
	case pattern.KindCIDR4, pattern.KindCIDR6:
		return KindCIDR, true
	case pattern.KindDomain:
		return KindDomain, true
	case pattern.KindURL:
		return KindURL, true
	case pattern.KindEmail:
		return KindEmail, true
	case pattern.KindMD5, pattern.KindSHA1, pattern.KindSHA224, pattern.KindSHA256, pattern.KindSHA384, pattern.KindSHA512:
		return Kind(k), true // hashes share their names
	}
	return "", false
}
