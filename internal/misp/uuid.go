package misp

import (
	"strings"

	"github.com/google/uuid"
)

// Namespace is the UUIDv5 namespace of ids that sakimori derives for MISP
// content that has no usable UUID of its own (and for the bundle id).
const Namespace = "6c1b9b3e-3f0e-4d6a-9a57-2f1d8a7e5c21"

// scoNamespace is the namespace the STIX 2.1 specification (section 2.9)
// prescribes for deterministic cyber-observable ids.
const scoNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7"

// uuid5 returns the RFC 4122 version 5 UUID of name in namespace ns (which
// must be a well-formed UUID).
func uuid5(ns, name string) string {
	return uuid.NewSHA1(uuid.MustParse(ns), []byte(name)).String() // RFC 4122 version 5
}

// stixUUID reports whether s (already lower case) is a UUID that STIX
// accepts in an identifier: RFC 4122 layout, version 1 to 5, variant 10xx.
func stixUUID(s string) bool {
	if !looseUUID(s) || s[14] < '1' || s[14] > '5' {
		return false
	}
	switch s[19] {
	case '8', '9', 'a', 'b':
		return true
	}
	return false
}

// idFor returns "<typ>--<uuid>" when uuid is usable in a STIX id, and
// otherwise "<typ>--" followed by a UUIDv5 of fallback, so ids stay
// deterministic either way.
func idFor(typ, uuid, fallback string) string {
	u := strings.ToLower(strings.TrimSpace(uuid))
	if stixUUID(u) {
		return typ + "--" + u
	}
	return typ + "--" + uuid5(Namespace, fallback)
}
