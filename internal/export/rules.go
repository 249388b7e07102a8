package export

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"

	"sakimori/internal/match"
)

// Rules (Suricata and Snort 3).
//
// Approach: one self-contained rule per indicator and per protocol view of
// it, so an alert names the indicator it came from (msg, and metadata with
// the STIX id in Suricata) and the file loads without companion files:
//
//	IPs and CIDRs: alert ip [V] any <> $HOME_NET any   (traffic either way)
//	domains (Suricata): dns.query, tls.sni and http.host, each with
//	    dotprefix + endswith, so "evil.example" hits "a.evil.example" and
//	    never "notevil.example"
//	domains (Snort 3, which has no DNS query buffer): the name in DNS wire
//	    format (|04|evil|07|example|00|) in UDP/53 payloads, and the HTTP
//	    Host header with a pcre anchored on a label boundary
//	URLs: http only (https is encrypted): host exact and raw URI exact
//	    (Suricata) or prefix (Snort 3)
//	hashes and e-mail addresses are skipped: use the suricata-dataset
//	    files (md5/sha256 lists load with filemd5/filesha256 or dataset)
//
// sids are stable per (indicator id, value, rule variant): SIDBase + the
// key's SHA-256 modulo SIDRange, collisions moved to the next free sid in
// key order. Content bytes other than printable ASCII, and " ; \ |, are
// written as |hex|; msg text is reduced to printable ASCII without " ; \.

type rule struct {
	key  string // sid key
	text string // the rule with "%SID%" in place of the sid
	ent  *entry
}

// assignSIDs gives each rule a sid in [base, base+SIDRange), stable per
// key and unique; rules beyond the range's capacity get 0.
func assignSIDs(rules []rule, base int) []int {
	type slot struct {
		h   uint64
		key string
		i   int
	}
	slots := make([]slot, len(rules))
	for i, r := range rules {
		sum := sha256.Sum256([]byte(r.key))
		slots[i] = slot{binary.BigEndian.Uint64(sum[:8]) % SIDRange, r.key, i}
	}
	slices.SortFunc(slots, func(a, b slot) int {
		return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.key, b.key), cmp.Compare(a.i, b.i))
	})
	used := make(map[uint64]bool, len(rules))
	out := make([]int, len(rules))
	for n, s := range slots {
		if n >= SIDRange {
			break
		}
		h := s.h
		for used[h] {
			h = (h + 1) % SIDRange
		}
		used[h] = true
		out[s.i] = base + int(h)
	}
	return out
}

// content returns b as the text of a content:"..." argument.
func content(b string) string {
	var sb strings.Builder
	inHex := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		safe := c >= ' ' && c < 0x7f && c != '"' && c != ';' && c != '\\' && c != '|'
		if safe {
			if inHex {
				sb.WriteByte('|')
				inHex = false
			}
			sb.WriteByte(c)
			continue
		}
		if inHex {
			sb.WriteByte(' ')
		} else {
			sb.WriteByte('|')
			inHex = true
		}
		const hx = "0123456789abcdef"
		sb.WriteByte(hx[c>>4])
		sb.WriteByte(hx[c&15])
	}
	if inHex {
		sb.WriteByte('|')
	}
	return sb.String()
}

// msg is the text of msg:"...".
func msg(e *entry, what string) string {
	s := "SAKIMORI " + what + " " + safeText(e.Value, `";\`, 120)
	if e.Name != "" {
		s += " - " + safeText(e.Name, `";\`, 80)
	}
	return s
}

func ipRuleValue(e *entry) string { return "[" + e.Value + "]" }

// httpURL returns host and raw URI of an http URL fit for host/URI rules.
func httpURL(e *entry) (host, uri string, ok bool) {
	if !strings.HasPrefix(e.Value, "http://") {
		return "", "", false
	}
	host, uri = urlHost(e.Value)
	if host == "" || strings.HasPrefix(host, "[") || len(uri) > 4096 {
		return "", "", false
	}
	return host, uri, true
}

func suricataMeta(e *entry) string {
	m := "metadata:sakimori_kind " + e.Kind.String()
	if validID(e.ID) {
		m += ", sakimori_id " + e.ID
	}
	if e.TLP.Valid() {
		m += ", tlp " + strings.ReplaceAll(e.TLP.Name(), "+", "_")
	}
	return m + ";"
}

// validID reports whether id looks like a STIX id (type--uuid, lower case).
func validID(id string) bool {
	t, u, ok := strings.Cut(id, "--")
	if !ok || t == "" || len(u) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func writeSuricata(w *writer, ents []entry, o *Options, st *Stats) {
	var rules []rule
	for i := range ents {
		e := &ents[i]
		key := e.ID + "\x00" + e.Kind.String() + "\x00" + e.Value + "\x00"
		tail := "sid:%SID%; rev:1; " + suricataMeta(e) + ")"
		switch e.Kind {
		case match.KindIPv4, match.KindIPv6, match.KindCIDR4, match.KindCIDR6:
			rules = append(rules, rule{key + "ip", `alert ip ` + ipRuleValue(e) + ` any <> $HOME_NET any (msg:"` + msg(e, e.Kind.String()) + `"; ` + tail, e})
		case match.KindDomain:
			c := content("." + e.Value)
			rules = append(rules,
				rule{key + "dns", `alert dns $HOME_NET any -> any any (msg:"` + msg(e, "DNS query") + `"; dns.query; dotprefix; content:"` + c + `"; endswith; nocase; ` + tail, e},
				rule{key + "tls", `alert tls $HOME_NET any -> any any (msg:"` + msg(e, "TLS SNI") + `"; tls.sni; dotprefix; content:"` + c + `"; endswith; nocase; ` + tail, e},
				rule{key + "http", `alert http $HOME_NET any -> any any (msg:"` + msg(e, "HTTP host") + `"; http.host; dotprefix; content:"` + c + `"; endswith; ` + tail, e})
		case match.KindURL:
			host, uri, ok := httpURL(e)
			if !ok {
				st.skip(e.Kind)
				continue
			}
			rules = append(rules, rule{key + "url", `alert http $HOME_NET any -> any any (msg:"` + msg(e, "URL") + `"; flow:established,to_server; http.host; content:"` + content(host) + `"; startswith; endswith; http.uri.raw; content:"` + content(uri) + `"; startswith; endswith; ` + tail, e})
		default:
			st.skip(e.Kind)
			continue
		}
		st.Written++
	}
	header(w, "#", FormatSuricata, o)
	w.line("# one rule per indicator and protocol; sids ", itoa(o.SIDBase), "-", itoa(o.SIDBase+SIDRange-1), " are stable per indicator")
	emitRules(w, rules, o.SIDBase)
}

// emitRules writes the rules, each after a comment naming its indicator.
func emitRules(w *writer, rules []rule, base int) {
	sids := assignSIDs(rules, base)
	var last *entry
	for i, r := range rules {
		if sids[i] == 0 {
			continue
		}
		if r.ent != last {
			w.line("# ", safeText(r.ent.ID, "", 100), " ", r.ent.Kind.String(), " ", safeText(r.ent.Value, "", 200))
			last = r.ent
		}
		w.line(strings.Replace(r.text, "%SID%", itoa(sids[i]), 1))
	}
}

// dnsWire is a domain in DNS wire format (length-prefixed labels and the
// root label).
func dnsWire(d string) string {
	var sb strings.Builder
	for l := range strings.SplitSeq(d, ".") {
		sb.WriteByte(byte(len(l)))
		sb.WriteString(l)
	}
	sb.WriteByte(0)
	return sb.String()
}

// pcreQuote escapes a domain for a pcre: only '.' and '-' need it among
// the characters of a canonical domain, and '-' does not.
func pcreQuote(d string) string { return strings.ReplaceAll(d, ".", `\.`) }

func writeSnort(w *writer, ents []entry, o *Options, st *Stats) {
	var rules []rule
	for i := range ents {
		e := &ents[i]
		key := e.ID + "\x00" + e.Kind.String() + "\x00" + e.Value + "\x00"
		tail := "sid:%SID%; rev:1;)"
		switch e.Kind {
		case match.KindIPv4, match.KindIPv6, match.KindCIDR4, match.KindCIDR6:
			rules = append(rules, rule{key + "ip", `alert ip ` + ipRuleValue(e) + ` any <> $HOME_NET any (msg:"` + msg(e, e.Kind.String()) + `"; ` + tail, e})
		case match.KindDomain:
			rules = append(rules,
				rule{key + "dns", `alert udp $HOME_NET any -> any 53 (msg:"` + msg(e, "DNS query") + `"; content:"` + content(dnsWire(e.Value)) + `", offset 12, nocase; ` + tail, e},
				rule{key + "http", `alert http $HOME_NET any -> any any (msg:"` + msg(e, "HTTP host") + `"; http_header:field host; content:"` + content(e.Value) + `", nocase; pcre:"/(^|\.)` + pcreQuote(e.Value) + `(:\d+)?$/i"; ` + tail, e})
		case match.KindURL:
			host, uri, ok := httpURL(e)
			if !ok || len(uri) > 65535 {
				st.skip(e.Kind)
				continue
			}
			rules = append(rules, rule{key + "url", `alert http $HOME_NET any -> any any (msg:"` + msg(e, "URL") + `"; flow:established,to_server; http_header:field host; content:"` + content(host) + `", nocase; http_raw_uri; content:"` + content(uri) + `", depth ` + itoa(len(uri)) + `; ` + tail, e})
		default:
			st.skip(e.Kind)
			continue
		}
		st.Written++
	}
	header(w, "#", FormatSnort, o)
	w.line("# Snort 3 rules; one rule per indicator and protocol; sids ", itoa(o.SIDBase), "-", itoa(o.SIDBase+SIDRange-1), " are stable per indicator")
	emitRules(w, rules, o.SIDBase)
}

// suricata-dataset: one Suricata dataset file for one kind, one value per
// line, without comments (Suricata's loader has none): type ipv4 (IPv4),
// type ip (IPv6), type md5 and sha256 (lower-case hex; the same files load
// with filemd5/filesha256), type string (domains, e-mail addresses) with
// each value base64-encoded as Suricata requires. A string dataset matches
// exact buffers: dns.query matches the listed name, not its subdomains.
func writeDataset(w *writer, ents []entry, o *Options, st *Stats) {
	prev := ""
	for _, e := range ents {
		v := e.Value
		if e.Kind == match.KindDomain || e.Kind == match.KindEmail {
			v = base64.StdEncoding.EncodeToString([]byte(v))
		}
		st.Written++
		if v != prev {
			w.line(v)
			prev = v
		}
	}
}
