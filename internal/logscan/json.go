package logscan

import (
	"bytes"
	"unicode/utf8"
)

// JSON lines (Zeek JSON, Suricata EVE, generic) are read with a small
// hand-written scanner: no encoding/json, no maps or interfaces per record.
// Keys are joined into a dotted path (array elements take their array's
// path); strings are unescaped only when they contain a backslash and only
// when the path is wanted, into the record's arena.
//
// Suricata EVE: src_ip, dest_ip, dns rrname (queries, answers) and rdata
// (answers, grouped A/AAAA/CNAME/MX/NS/PTR), http.hostname, http.url (as
// http://hostname/url), http.http_refer, tls.sni, quic.sni,
// fileinfo.md5/sha1/sha256, email.from/to/cc and smtp.mail_from/rcpt_to.
// Alerts' own fields (signature, metadata, ...) are ignored.
//
// The record time is a top-level key: "ts" in Zeek JSON (epoch seconds, or
// ISO 8601 in Zeek's JSON::TS_ISO8601 mode), "timestamp" in EVE
// ("2026-11-30T09:00:00.123456+0900"), the first of "timestamp", "ts",
// "@timestamp" or "time" in generic JSON lines (ISO 8601 string or epoch
// seconds, milliseconds above 1e12). A string with escapes is not read.
//
// Generic JSON lines: every string value is classified (URL, e-mail, IP
// address, hash by hex length, domain with the plain-text heuristic;
// strings with white space go through the plain-text extractor), with the
// dotted key path as the field.

const maxJSONDepth = 64

// maxPaths bounds the per-scanner cache of key paths (generic JSON lines
// with unbounded key sets would otherwise grow it forever).
const maxPaths = 8192

type jrule struct {
	act   zact
	field string
}

type jsonState struct {
	path   []byte
	rules  map[string]jrule
	host   []byte
	uri    []byte
	uriKey string
}

func eveAction(path string) zact {
	switch path {
	case "src_ip", "dest_ip":
		return zIP
	case "dns.rrname", "dns.queries.rrname", "dns.answers.rrname", "dns.query.rrname":
		return zDomain
	case "dns.rdata", "dns.answers.rdata", "dns.grouped.A", "dns.grouped.AAAA", "dns.grouped.CNAME",
		"dns.grouped.MX", "dns.grouped.NS", "dns.grouped.PTR":
		return zHost
	case "http.hostname":
		return zHostURL
	case "http.url":
		return zURI
	case "http.http_refer":
		return zURL
	case "tls.sni", "quic.sni":
		return zDomain
	case "fileinfo.md5", "fileinfo.sha1", "fileinfo.sha256":
		return zHash
	case "email.from", "email.to", "email.cc", "smtp.mail_from", "smtp.rcpt_to":
		return zEmail
	}
	return zNone
}

// evePaths are the paths eveAction wants; eveFilter is a quick
// (length, last byte) pre-check over them.
var evePaths = []string{"src_ip", "dest_ip", "dns.rrname", "dns.queries.rrname", "dns.answers.rrname", "dns.query.rrname",
	"dns.rdata", "dns.answers.rdata", "dns.grouped.A", "dns.grouped.AAAA", "dns.grouped.CNAME", "dns.grouped.MX", "dns.grouped.NS",
	"dns.grouped.PTR", "http.hostname", "http.url", "http.http_refer", "tls.sni", "quic.sni", "fileinfo.md5", "fileinfo.sha1",
	"fileinfo.sha256", "email.from", "email.to", "email.cc", "smtp.mail_from", "smtp.rcpt_to"}

var eveFilter [64][4]uint64

func init() {
	for _, p := range evePaths {
		if eveAction(p) == zNone {
			panic("logscan: evePaths and eveAction disagree on " + p)
		}
		c := p[len(p)-1]
		eveFilter[len(p)&63][c>>6] |= 1 << (c & 63)
	}
}

// rule returns what to do with a string at the current path.
func (s *Scanner) rule() jrule {
	j := &s.js
	if s.format == FormatSuricataEVE {
		p := j.path
		if len(p) == 0 {
			return jrule{}
		}
		c := p[len(p)-1]
		if eveFilter[len(p)&63][c>>6]&(1<<(c&63)) == 0 {
			return jrule{}
		}
	}
	if r, ok := j.rules[string(j.path)]; ok {
		return r
	}
	p := string(j.path)
	var r jrule
	switch s.format {
	case FormatSuricataEVE:
		r = jrule{act: eveAction(p), field: p}
	case FormatZeekJSON:
		r = jrule{act: zeekAction(p, ""), field: p}
	default:
		r = jrule{act: zAuto, field: p}
	}
	if j.rules == nil {
		j.rules = map[string]jrule{}
	}
	if len(j.rules) < maxPaths {
		j.rules[p] = r
	}
	return r
}

// jsonTimeKey reports whether the current path, a top-level key, holds the
// record time.
func (s *Scanner) jsonTimeKey() bool {
	p := s.js.path
	switch s.format {
	case FormatZeekJSON:
		return string(p) == "ts"
	case FormatSuricataEVE:
		return string(p) == "timestamp"
	}
	switch string(p) {
	case "timestamp", "ts", "@timestamp", "time":
		return true
	}
	return false
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func (s *Scanner) jsonLine(line []byte) (bool, error) {
	i := skipWS(line, 0)
	if i == len(line) {
		return false, nil
	}
	if line[i] != '{' {
		return false, errSkip
	}
	j := &s.js
	j.path = j.path[:0]
	j.host, j.uri = nil, nil
	i, ok := s.jsonValue(line, i, 0)
	if !ok || skipWS(line, i) != len(line) {
		return false, errSkip
	}
	if j.uri != nil {
		s.addHostURL("http", j.host, j.uri, j.uriKey)
	}
	return true, nil
}

// jsonString scans a string starting at b[i] == '"'; it returns the index
// after the closing quote, the raw contents and whether they hold escapes.
// Control characters inside strings are tolerated (no normaliser accepts
// them in a value).
func jsonString(b []byte, i int) (int, []byte, bool, bool) {
	i++
	start := i
	q := bytes.IndexByte(b[i:], '"')
	if q < 0 {
		return len(b), nil, false, false
	}
	if bytes.IndexByte(b[i:i+q], '\\') < 0 {
		return i + q + 1, b[start : i+q], false, true
	}
	for i < len(b) {
		switch b[i] {
		case '"':
			return i + 1, b[start:i], true, true
		case '\\':
			i += 2
			continue
		}
		i++
	}
	return len(b), nil, false, false
}

func (s *Scanner) jsonValue(b []byte, i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	i = skipWS(b, i)
	if i >= len(b) {
		return i, false
	}
	j := &s.js
	switch c := b[i]; {
	case c == '{':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		base := len(j.path)
		for {
			i = skipWS(b, i)
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			var key []byte
			var esc, ok bool
			i, key, esc, ok = jsonString(b, i)
			if !ok {
				return i, false
			}
			if base > 0 {
				j.path = append(j.path, '.')
			}
			if esc {
				var good bool
				if j.path, good = unescapeJSON(j.path, key); !good {
					return i, false
				}
			} else {
				j.path = append(j.path, key...)
			}
			i = skipWS(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = s.jsonValue(b, i+1, depth+1); !ok {
				return i, false
			}
			j.path = j.path[:base]
			i = skipWS(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == '}' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i++
		}
	case c == '[':
		i = skipWS(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = s.jsonValue(b, i, depth+1); !ok {
				return i, false
			}
			i = skipWS(b, i)
			if i >= len(b) {
				return i, false
			}
			if b[i] == ']' {
				return i + 1, true
			}
			if b[i] != ',' {
				return i, false
			}
			i++
		}
	case c == '"':
		end, raw, esc, ok := jsonString(b, i)
		if !ok {
			return end, false
		}
		if depth == 1 && !esc && s.rec.Time == 0 && s.jsonTimeKey() {
			s.rec.Time = s.timeValue(raw)
		}
		if len(j.path) <= 512 {
			if r := s.rule(); r.act != zNone {
				v := raw
				if esc {
					start := len(s.arena)
					var good bool
					if s.arena, good = unescapeJSON(s.arena, raw); !good {
						return end, false
					}
					v = s.arena[start:len(s.arena):len(s.arena)]
				}
				switch r.act {
				case zHostURL:
					j.host = v
				case zURI:
					j.uri = v
					j.uriKey = r.field
					return end, true
				}
				s.zeekOne(r.act, v, r.field)
			}
		}
		return end, true
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		st := i
		for i < len(b) {
			c := b[i]
			if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
				i++
				continue
			}
			break
		}
		if depth == 1 && i > st && s.rec.Time == 0 && s.jsonTimeKey() {
			if sec, nsec, ok := parseEpoch(b[st:i]); ok {
				s.rec.Time = s.unixNano(sec, nsec)
			}
		}
		return i, i > st
	}
	return i, false
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

// unescapeJSON appends the decoded form of a JSON string's contents.
func unescapeJSON(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if i >= len(raw) {
			return dst, false
		}
		switch raw[i] {
		case '"', '\\', '/':
			dst = append(dst, raw[i])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(raw, i+1)
			if !ok {
				return dst, false
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 {
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if r2, ok := hex4(raw, i+3); ok && r2 >= 0xDC00 && r2 < 0xE000 {
						r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			} else if r >= 0xDC00 && r < 0xE000 {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default:
			return dst, false
		}
	}
	return dst, true
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		v := hexVal(c)
		if v < 0 {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}
