// Package match is sakimori's matching engine (issue #6): a compiled,
// immutable set of the indicator values a receiver may apply (IPv4 and
// IPv6 addresses, CIDR blocks with longest-prefix match, domains with
// subdomain matching, normalised URLs, MD5/SHA-1/SHA-256/SHA-512 hashes,
// e-mail addresses), built from the entitled, valid, non-warninglisted
// indicators and swapped atomically while matching continues. Log parsers
// (package logscan) hand it observables; exports (package export) write
// the same indicators in the formats real tools load.
package match

import (
	"fmt"
	"time"

	"sakimori/internal/marking"
)

// Kind is the kind of an indicator value or of an observable found in a
// log. The names are those of STIX pattern atoms (package stix/pattern).
type Kind uint8

// Kinds.
const (
	KindNone   Kind = iota
	KindIPv4        // single IPv4 address (IPv4-mapped IPv6 folded to IPv4)
	KindIPv6        // single IPv6 address
	KindCIDR4       // IPv4 network
	KindCIDR6       // IPv6 network
	KindDomain      // a domain and every name below it
	KindURL         // normalised absolute URL
	KindEmail       // e-mail address, lower-case
	KindMD5         // hashes: lower-case hex
	KindSHA1
	KindSHA256
	KindSHA512
	numKinds
)

var kindNames = [numKinds]string{"", "ipv4", "ipv6", "cidr4", "cidr6", "domain", "url", "email", "md5", "sha1", "sha256", "sha512"}

// Kinds lists every kind in order.
var Kinds = []Kind{KindIPv4, KindIPv6, KindCIDR4, KindCIDR6, KindDomain, KindURL, KindEmail, KindMD5, KindSHA1, KindSHA256, KindSHA512}

// String is the kind's name ("ipv4", "cidr4", "sha256", ...).
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind(" + string(rune('0'+k)) + ")"
}

// MarshalText writes the kind's name (JSON, CSV).
func (k Kind) MarshalText() ([]byte, error) {
	if k == KindNone || k >= numKinds {
		return nil, fmt.Errorf("match: no kind %d", k)
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	v, ok := ParseKind(string(b))
	if !ok {
		return fmt.Errorf("match: no kind %q", b)
	}
	*k = v
	return nil
}

// ParseKind returns the kind named s (as String prints it).
func ParseKind(s string) (Kind, bool) {
	for k := KindIPv4; k < numKinds; k++ {
		if kindNames[k] == s {
			return k, true
		}
	}
	return KindNone, false
}

// IsHash reports whether k is a file hash.
func (k Kind) IsHash() bool { return k >= KindMD5 && k <= KindSHA512 }

// Indicator is one value of the compiled set and what a hit reports.
type Indicator struct {
	Kind  Kind   `json:"kind"`
	Value string `json:"value"` // normalised as package stix/pattern normalises atoms
	// ID is the STIX indicator id; Name its name, if any.
	ID   string      `json:"id"`
	Name string      `json:"name,omitempty"`
	TLP  marking.TLP `json:"tlp"`
	// Confidence is STIX confidence 0-100, or -1 when not given.
	Confidence int `json:"confidence"`
	// Score is sakimori's indicator score 0-100 (package score).
	Score      int        `json:"score"`
	Modified   time.Time  `json:"modified"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
}

// Observable is one value found in a log record, before matching.
// Value aliases the scanner's buffer: it is valid only during the
// callback that receives it.
type Observable struct {
	Kind  Kind
	Value []byte
	// Field names where it was found: a log field ("id.resp_h", "query",
	// "dest_ip") or "" for plain text.
	Field string
}
