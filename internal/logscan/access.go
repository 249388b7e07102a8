package logscan

import (
	"bytes"
)

// Access logs: Apache/nginx common and combined formats, optionally
// preceded by the virtual host ("vhost:port" of Apache's vhost_combined,
// or "$host" in nginx formats):
//
//	[vhost[:port]] client ident user [date] "METHOD target PROTO" status bytes ["referrer" "user-agent" ...]
//
// Yields the client address (field "client"), the virtual host as a domain
// or address ("vhost"), the request target as a URL ("request"): an
// absolute target as is, an origin-form path only when the line names the
// virtual host (https when its port is 443, else http) — the plain combined
// format has no host, so paths alone are skipped; CONNECT targets as
// hosts; and the referrer URL ("referrer"). The user agent is ignored.
// The bracketed date ("[30/Nov/2026:09:00:00 +0900]") is the record time.

func nextField(b []byte) (tok, rest []byte) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	b = b[i:]
	j := bytes.IndexByte(b, ' ')
	if j < 0 {
		return b, nil
	}
	return b[:j], b[j+1:]
}

// quoted reads a double-quoted field with backslash escapes at the start of
// b (after spaces); it returns its raw contents and the rest.
func quoted(b []byte) (v, rest []byte, ok bool) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i >= len(b) || b[i] != '"' {
		return nil, b, false
	}
	i++
	start := i
	for i < len(b) {
		switch b[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return b[start:i], b[i+1:], true
		}
		i++
	}
	return nil, b, false
}

func (s *Scanner) accessLine(line []byte) (bool, error) {
	if len(bytes.TrimSpace(line)) == 0 {
		return false, nil
	}
	br := bytes.IndexByte(line, '[')
	if br < 0 {
		return false, errSkip
	}
	// Tokens before the date: [vhost] client ident user.
	var toks [5][]byte
	n := 0
	pre := line[:br]
	for len(pre) > 0 && n < len(toks) {
		var t []byte
		t, pre = nextField(pre)
		if len(t) > 0 {
			toks[n] = t
			n++
		}
	}
	if len(pre) > 0 && len(bytes.TrimSpace(pre)) > 0 || n < 3 || n > 4 {
		return false, errSkip
	}
	var vhost []byte
	client := toks[0]
	if n == 4 {
		vhost, client = toks[0], toks[1]
	}
	end := bytes.IndexByte(line[br:], ']')
	if end < 0 {
		return false, errSkip
	}
	if sec, ok := parseCLF(line[br+1 : br+end]); ok {
		s.rec.Time = s.unixNano(sec, 0)
	}
	rest := line[br+end+1:]
	req, rest, ok := quoted(rest)
	if !ok {
		return false, errSkip
	}
	s.addIP(client, "client")
	scheme := "http"
	if vhost != nil {
		host := vhost
		if i := bytes.LastIndexByte(host, ':'); i >= 0 && bytes.IndexByte(host, ']') < i && bytes.Count(host, colon) == 1 {
			if string(host[i+1:]) == "443" {
				scheme = "https"
			}
			host = host[:i]
		}
		if len(host) > 0 && host[0] != '-' {
			s.addHost(host, "vhost")
			vhost = host
		} else {
			vhost = nil
		}
	}
	// "METHOD target PROTO"
	method, r := nextField(req)
	target, _ := nextField(r)
	if len(target) > 0 {
		if string(method) == "CONNECT" {
			s.addHost(target, "request")
		} else {
			s.addHostURL(scheme, vhost, target, "request")
		}
	}
	// status and bytes, then the referrer
	_, rest = nextField(rest)
	_, rest = nextField(rest)
	if ref, _, ok := quoted(rest); ok && len(ref) > 1 {
		s.addURL(ref, "referrer")
	}
	return true, nil
}

var colon = []byte{':'}
