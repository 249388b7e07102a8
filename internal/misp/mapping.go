package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"sakimori/internal/stix/pattern"
)

// cmp is one comparison of a STIX pattern: path = literal, the literal
// already written in pattern syntax.
type cmp struct {
	path, lit string
}

func (c cmp) String() string { return c.path + " = " + c.lit }

// quote writes s as a STIX pattern string literal: only ' and \ are
// escaped (STIX 2.1 section 9.4).
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// sco is a cyber-observable object under construction.
type sco map[string]any

// newSCO returns an SCO of typ whose deterministic id is computed, as the
// STIX 2.1 specification (section 2.9) describes, as a UUIDv5 over the
// canonical JSON of its id-contributing properties, given in props.
func newSCO(typ string, props map[string]any, extra map[string]any) sco {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(props) // maps marshal with sorted keys
	o := sco{"type": typ, "spec_version": "2.1", "id": typ + "--" + uuid5(scoNamespace, strings.TrimSpace(buf.String()))}
	for k, v := range props {
		o[k] = v
	}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

func (s sco) id() string { return s["id"].(string) }

// mapped is what one MISP value becomes: the comparisons of an indicator
// pattern (ANDed in one observation) and the observables for observed-data.
type mapped struct {
	cmps []cmp
	scos []sco // the first is the main observable
}

// errUnsupported marks attribute types without a STIX mapping.
var errUnsupported = errors.New("unsupported type")

// hashTypes maps MISP hash attribute types to STIX hash algorithm names.
var hashTypes = map[string]string{
	"md5": "MD5", "sha1": "SHA-1", "sha224": "SHA-224", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512",
	"sha3-224": "SHA3-224", "sha3-256": "SHA3-256", "sha3-384": "SHA3-384", "sha3-512": "SHA3-512",
	"ssdeep": "SSDEEP",
}

// rulePatternTypes are attribute types whose value is itself a detection
// rule, emitted as an indicator with that pattern_type.
var rulePatternTypes = map[string]string{"yara": "yara", "snort": "snort", "sigma": "sigma"}

var (
	ssdeepRE = regexp.MustCompile(`^[0-9]{1,10}:[A-Za-z0-9/+]{1,64}:[A-Za-z0-9/+]{1,64}$`)
	cveRE    = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	macRE    = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2}){5}$`)
)

// hashValue validates value for a STIX hash algorithm and returns the path
// key (quoted where the name needs it) and the value in canonical form.
func hashValue(alg, value string) (key, v string, err error) {
	value = strings.TrimSpace(value)
	switch alg {
	case "SSDEEP":
		if !ssdeepRE.MatchString(value) || len(value) > 128 {
			return "", "", errors.New("not a valid SSDEEP hash (blocksize:hash:hash)")
		}
		return "SSDEEP", value, nil
	}
	_, v, err = pattern.NormalizeHash(alg, value)
	if err != nil {
		return "", "", err
	}
	if alg == "MD5" {
		return "MD5", v, nil
	}
	return quote(alg), v, nil
}

// ipSCO returns the ipv4-addr or ipv6-addr observable of a normalised
// address or CIDR block.
func ipSCO(kind pattern.Kind, v string) sco {
	if kind == pattern.KindIPv4 || kind == pattern.KindCIDR4 {
		return newSCO("ipv4-addr", map[string]any{"value": v}, nil)
	}
	return newSCO("ipv6-addr", map[string]any{"value": v}, nil)
}

func ipType(kind pattern.Kind) string {
	if kind == pattern.KindIPv4 || kind == pattern.KindCIDR4 {
		return "ipv4-addr"
	}
	return "ipv6-addr"
}

func ip(s string) (pattern.Kind, string, error) {
	return pattern.NormalizeIP(strings.TrimSpace(s))
}

func port(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number (0-65535)", clip(s))
	}
	return n, nil
}

// split cuts a composite MISP value ("filename|md5") at the last '|'.
func split(v string) (string, string, error) {
	i := strings.LastIndexByte(v, '|')
	if i < 0 {
		return "", "", errors.New("composite value must be written as two parts separated by '|'")
	}
	return v[:i], v[i+1:], nil
}

// traffic maps an address (and optionally a port) seen as the source or
// destination of network traffic.
func traffic(dir string, addr string, portStr string) (mapped, error) {
	kind, v, err := ip(addr)
	if err != nil {
		return mapped{}, err
	}
	m := mapped{cmps: []cmp{
		{"network-traffic:" + dir + "_ref.type", quote(ipType(kind))},
		{"network-traffic:" + dir + "_ref.value", quote(v)},
	}}
	a := ipSCO(kind, v)
	props := map[string]any{dir + "_ref": a.id(), "protocols": []string{strings.TrimSuffix(ipType(kind), "-addr")}}
	if portStr != "" {
		p, err := port(portStr)
		if err != nil {
			return mapped{}, err
		}
		m.cmps = append(m.cmps, cmp{"network-traffic:" + dir + "_port", strconv.Itoa(p)})
		props[dir+"_port"] = p
	}
	m.scos = []sco{newSCO("network-traffic", props, nil), a}
	return m, nil
}

func domain(s string) (mapped, error) {
	v, err := pattern.NormalizeDomain(strings.TrimSpace(s))
	if err != nil {
		return mapped{}, err
	}
	return mapped{cmps: []cmp{{"domain-name:value", quote(v)}}, scos: []sco{newSCO("domain-name", map[string]any{"value": v}, nil)}}, nil
}

func email(s string) (string, error) {
	return pattern.NormalizeEmail(strings.TrimSpace(s))
}

// file maps a file name and/or one hash.
func file(name, alg, hash string) (mapped, error) {
	var m mapped
	props := map[string]any{}
	if name != "" {
		m.cmps = append(m.cmps, cmp{"file:name", quote(name)})
		props["name"] = name
	}
	if alg != "" {
		key, v, err := hashValue(alg, hash)
		if err != nil {
			return mapped{}, err
		}
		m.cmps = append(m.cmps, cmp{"file:hashes." + key, quote(v)})
		props["hashes"] = map[string]any{alg: v}
	}
	m.scos = []sco{newSCO("file", props, nil)}
	return m, nil
}

// mapAttribute maps one attribute value by its MISP type. It returns
// errUnsupported (wrapped) for types without a mapping and another error
// for a value that is not valid for its type.
func mapAttribute(typ, value string) (mapped, error) {
	if strings.TrimSpace(value) == "" {
		return mapped{}, errors.New("empty value")
	}
	if alg, ok := hashTypes[typ]; ok {
		return file("", alg, value)
	}
	if base, ok := strings.CutPrefix(typ, "filename|"); ok {
		alg, ok := hashTypes[base]
		if !ok {
			return mapped{}, fmt.Errorf("%w %q", errUnsupported, typ)
		}
		name, h, err := split(value)
		if err != nil {
			return mapped{}, err
		}
		if name == "" {
			return file("", alg, h)
		}
		return file(name, alg, h)
	}
	switch typ {
	case "ip-src", "ip-dst":
		return traffic(strings.TrimPrefix(typ, "ip-"), value, "")
	case "ip-src|port", "ip-dst|port":
		a, p, err := split(value)
		if err != nil {
			return mapped{}, err
		}
		return traffic(strings.TrimSuffix(strings.TrimPrefix(typ, "ip-"), "|port"), a, p)
	case "domain", "hostname":
		return domain(value)
	case "domain|ip", "hostname|ip":
		dn, addr, err := split(value)
		if err != nil {
			return mapped{}, err
		}
		m, err := domain(dn)
		if err != nil {
			return mapped{}, err
		}
		kind, v, err := ip(addr)
		if err != nil {
			return mapped{}, err
		}
		a := ipSCO(kind, v)
		d := newSCO("domain-name", map[string]any{"value": m.scos[0]["value"]}, map[string]any{"resolves_to_refs": []string{a.id()}})
		m.cmps = append(m.cmps, cmp{"domain-name:resolves_to_refs[*].value", quote(v)})
		m.scos = []sco{d, a}
		return m, nil
	case "url":
		s := strings.TrimSpace(value)
		v, err := pattern.NormalizeURL(s)
		if err != nil {
			return mapped{}, err
		}
		return mapped{cmps: []cmp{{"url:value", quote(v)}}, scos: []sco{newSCO("url", map[string]any{"value": v}, nil)}}, nil
	case "email", "email-src", "email-dst":
		v, err := email(value)
		if err != nil {
			return mapped{}, err
		}
		addr := newSCO("email-addr", map[string]any{"value": v}, nil)
		switch typ {
		case "email-src":
			msg := newSCO("email-message", map[string]any{"from_ref": addr.id()}, map[string]any{"is_multipart": false})
			return mapped{cmps: []cmp{{"email-message:from_ref.value", quote(v)}}, scos: []sco{msg, addr}}, nil
		case "email-dst":
			msg := newSCO("email-message", map[string]any{}, map[string]any{"is_multipart": false, "to_refs": []string{addr.id()}})
			return mapped{cmps: []cmp{{"email-message:to_refs[*].value", quote(v)}}, scos: []sco{msg, addr}}, nil
		}
		return mapped{cmps: []cmp{{"email-addr:value", quote(v)}}, scos: []sco{addr}}, nil
	case "email-subject":
		msg := newSCO("email-message", map[string]any{"subject": value}, map[string]any{"is_multipart": false})
		return mapped{cmps: []cmp{{"email-message:subject", quote(value)}}, scos: []sco{msg}}, nil
	case "filename":
		return file(value, "", "")
	case "mutex":
		return mapped{cmps: []cmp{{"mutex:name", quote(value)}}, scos: []sco{newSCO("mutex", map[string]any{"name": value}, nil)}}, nil
	case "regkey":
		return mapped{cmps: []cmp{{"windows-registry-key:key", quote(value)}}, scos: []sco{newSCO("windows-registry-key", map[string]any{"key": value}, nil)}}, nil
	case "AS":
		s := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(value)), "AS")
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return mapped{}, fmt.Errorf("%q is not an autonomous system number", clip(value))
		}
		return mapped{cmps: []cmp{{"autonomous-system:number", strconv.FormatUint(n, 10)}},
			scos: []sco{newSCO("autonomous-system", map[string]any{"number": n}, nil)}}, nil
	case "mac-address":
		v := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(value), "-", ":"))
		if !macRE.MatchString(v) {
			return mapped{}, fmt.Errorf("%q is not a MAC address", clip(value))
		}
		return mapped{cmps: []cmp{{"mac-addr:value", quote(v)}}, scos: []sco{newSCO("mac-addr", map[string]any{"value": v}, nil)}}, nil
	}
	return mapped{}, fmt.Errorf("%w %q", errUnsupported, typ)
}

// objectCmp maps one attribute of a MISP object to the comparison it
// contributes to the object's pattern, for the object templates sakimori
// knows. ok is false for attributes the template mapping does not use.
func objectCmp(object string, a Attribute) (c []cmp, ok bool, err error) {
	v := a.Value
	single := func(m mapped, err error) ([]cmp, bool, error) {
		if err != nil {
			return nil, true, err
		}
		return m.cmps, true, nil
	}
	switch object {
	case "file":
		if alg, ok := hashTypes[a.Type]; ok {
			return single(file("", alg, v))
		}
		switch a.Type {
		case "filename":
			return []cmp{{"file:name", quote(v)}}, true, nil
		case "size-in-bytes":
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 63)
			if err != nil {
				return nil, true, fmt.Errorf("%q is not a size in bytes", clip(v))
			}
			return []cmp{{"file:size", strconv.FormatUint(n, 10)}}, true, nil
		case "mime-type":
			return []cmp{{"file:mime_type", quote(strings.TrimSpace(v))}}, true, nil
		}
	case "domain-ip":
		switch a.Type {
		case "domain", "hostname":
			return single(domain(v))
		case "ip-dst", "ip-src":
			_, x, err := ip(v)
			if err != nil {
				return nil, true, err
			}
			return []cmp{{"domain-name:resolves_to_refs[*].value", quote(x)}}, true, nil
		}
	case "url":
		if a.Type == "url" {
			return single(mapAttribute("url", v))
		}
	case "ip-port":
		switch {
		case a.Type == "ip-dst" || a.Type == "ip-src":
			dir := strings.TrimPrefix(a.Type, "ip-")
			_, x, err := ip(v)
			if err != nil {
				return nil, true, err
			}
			return []cmp{{"network-traffic:" + dir + "_ref.value", quote(x)}}, true, nil
		case a.Type == "port" && (a.ObjectRelation == "dst-port" || a.ObjectRelation == "src-port"):
			p, err := port(v)
			if err != nil {
				return nil, true, err
			}
			return []cmp{{"network-traffic:" + strings.TrimSuffix(a.ObjectRelation, "-port") + "_port", strconv.Itoa(p)}}, true, nil
		case a.Type == "domain" || a.Type == "hostname":
			x, err := pattern.NormalizeDomain(strings.TrimSpace(v))
			if err != nil {
				return nil, true, err
			}
			return []cmp{{"network-traffic:dst_ref.value", quote(x)}}, true, nil
		}
	case "email":
		switch {
		case a.Type == "email-src" || a.ObjectRelation == "from":
			x, err := email(v)
			if err != nil {
				return nil, true, err
			}
			return []cmp{{"email-message:from_ref.value", quote(x)}}, true, nil
		case a.Type == "email-dst" && (a.ObjectRelation == "to" || a.ObjectRelation == "cc"):
			x, err := email(v)
			if err != nil {
				return nil, true, err
			}
			return []cmp{{"email-message:" + a.ObjectRelation + "_refs[*].value", quote(x)}}, true, nil
		case a.Type == "email-subject":
			return []cmp{{"email-message:subject", quote(v)}}, true, nil
		}
	}
	return nil, false, nil
}

// knownObjects are the MISP object templates whose attributes are combined
// into one indicator; attributes of other objects are converted one by one.
var knownObjects = map[string]bool{"file": true, "domain-ip": true, "url": true, "ip-port": true, "email": true}
