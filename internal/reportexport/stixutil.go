package reportexport

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
	"sakimori/internal/report"
)

// stixTime renders t as a STIX timestamp in UTC with milliseconds.
func stixTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// stixID is a deterministic STIX identifier: a UUID (version 5 layout)
// from the SHA-1 of the incident id, the object's kind and a value, so
// deriving twice yields the same ids.
func stixID(typ, incidentID, kind, value string) string {
	h := sha1.Sum([]byte(incidentID + "\x00" + kind + "\x00" + value))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%s--%x-%x-%x-%x-%x", typ, b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// tlpMarking returns the TLP 2.0 marking-definition id of a label
// (clear, green, amber, amber+strict, red).
func tlpMarking(tlp string) (string, marking.TLP, error) {
	switch strings.ToLower(strings.TrimSpace(tlp)) {
	case "clear", "green", "amber", "amber+strict", "red":
	default:
		return "", marking.TLPInvalid, apperr.Invalid("tlp", "must be clear, green, amber, amber+strict or red")
	}
	t, err := marking.ParseTLP(tlp)
	if err != nil {
		return "", marking.TLPInvalid, err
	}
	return t.StixID(), t, nil
}

// marshal renders an object as canonical JSON (map keys sorted, compact).
func marshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("reportexport: " + err.Error()) // maps of strings and slices only
	}
	return b
}

// TokenOf is the release token of a previewed derivation: the hex SHA-256
// of the canonical JSON of the objects (keys sorted, compact) followed by a
// newline and the TLP label. The service compares it with what it is asked
// to release so that only exactly what was previewed leaves.
func TokenOf(objects []json.RawMessage, tlp string) string {
	h := sha256.New()
	h.Write([]byte("["))
	for i, o := range objects {
		if i > 0 {
			h.Write([]byte(","))
		}
		h.Write(canonical(o))
	}
	h.Write([]byte("]\n" + strings.ToLower(strings.TrimSpace(tlp))))
	return hex.EncodeToString(h.Sum(nil))
}

// canonical re-encodes JSON with sorted keys and exact numbers; invalid
// JSON is hashed as given (it can never match a valid preview).
func canonical(raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}

// quote renders a STIX pattern string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

var (
	hexRE    = regexp.MustCompile(`^[0-9a-fA-F]+$`)
	domainRE = regexp.MustCompile(`^(?i)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$`)
	emailRE  = regexp.MustCompile(`^[^@\s'\\]+@[^@\s'\\]+$`)
)

// iocPattern turns an IOC into a STIX pattern, or says why it cannot.
func iocPattern(ioc report.IOC) (string, error) {
	v := strings.TrimSpace(ioc.Value)
	switch ioc.Type {
	case "ipv4", "ipv6":
		typ := "ipv4-addr"
		if ioc.Type == "ipv6" {
			typ = "ipv6-addr"
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			if p.Addr().Is4() != (ioc.Type == "ipv4") {
				return "", fmt.Errorf("not an %s address", ioc.Type)
			}
			return "[" + typ + ":value = " + quote(p.Masked().String()) + "]", nil
		}
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" || a.Is4() != (ioc.Type == "ipv4") && !(a.Is4In6() && ioc.Type == "ipv4") {
			return "", fmt.Errorf("not an %s address", ioc.Type)
		}
		return "[" + typ + ":value = " + quote(a.Unmap().String()) + "]", nil
	case "domain":
		if !domainRE.MatchString(v) || len(v) > 253 {
			return "", fmt.Errorf("not a domain name")
		}
		return "[domain-name:value = " + quote(strings.ToLower(strings.TrimSuffix(v, "."))) + "]", nil
	case "url":
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return "", fmt.Errorf("not an absolute URL")
		}
		return "[url:value = " + quote(v) + "]", nil
	case "md5", "sha1", "sha256":
		n, name := map[string]int{"md5": 32, "sha1": 40, "sha256": 64}[ioc.Type], map[string]string{"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}[ioc.Type]
		if len(v) != n || !hexRE.MatchString(v) {
			return "", fmt.Errorf("not a %s hash (%d hex digits)", ioc.Type, n)
		}
		return "[file:hashes." + quote(name) + " = " + quote(strings.ToLower(v)) + "]", nil
	case "email":
		if !emailRE.MatchString(v) {
			return "", fmt.Errorf("not an e-mail address")
		}
		return "[email-addr:value = " + quote(v) + "]", nil
	}
	return "", fmt.Errorf("unknown indicator type %q", ioc.Type)
}

// iocHost is the host an IOC names (address, domain, URL host, e-mail
// domain), for the private-address and internal-domain checks.
func iocHost(ioc report.IOC) string {
	v := strings.TrimSpace(ioc.Value)
	switch ioc.Type {
	case "ipv4", "ipv6", "domain":
		if p, err := netip.ParsePrefix(v); err == nil {
			return p.Addr().String()
		}
		return strings.TrimSuffix(v, ".")
	case "url":
		if u, err := url.Parse(v); err == nil {
			return u.Hostname()
		}
	case "email":
		if i := strings.LastIndexByte(v, '@'); i >= 0 {
			return v[i+1:]
		}
	}
	return ""
}

// privateAddr reports whether host is an address that is not public:
// private, loopback, link-local, unspecified, multicast, CGNAT or ULA.
func privateAddr(host string) bool {
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	a = a.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a)
}

// underDomain reports whether host is one of domains or below one.
func underDomain(host string, domains []string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range domains {
		d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
		if d != "" && (h == d || strings.HasSuffix(h, "."+d)) {
			return true
		}
	}
	return false
}

// attackURL is the ATT&CK page of a technique id (T1078.002 ->
// techniques/T1078/002/).
func attackURL(id string) string {
	return "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"
}

func cveURL(id string) string { return "https://www.cve.org/CVERecord?id=" + id }

// validFrom is when indicators became valid: awareness, else detection,
// else now.
func validFrom(c *report.Content, ok func(string) bool, now time.Time) time.Time {
	if c.Aware.Value != nil && ok("aware") {
		return *c.Aware.Value
	}
	if c.Detected.Value != nil && ok("detected") {
		return *c.Detected.Value
	}
	return now
}
