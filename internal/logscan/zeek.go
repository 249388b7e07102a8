package logscan

import (
	"bytes"
	"strings"
)

// Zeek logs. TSV logs carry their own header (#separator, #set_separator,
// #empty_field, #unset_field, #path, #fields, #types), which may appear
// again mid-file with another path when logs are concatenated. Fields are
// chosen by name, then by type:
//
//	conn    id.orig_h, id.resp_h (addr)
//	dns     query (domain), answers (set of addresses and names)
//	http    host (domain or address), uri (as http://host/uri), referrer (URL)
//	ssl     server_name (domain)
//	files   md5, sha1, sha256, tx_hosts, rx_hosts (set[addr])
//	any     fields typed addr, set[addr] or vector[addr]; string fields
//	        whose name contains "host"
//
// The record time (Record.Time) is the "ts" column, else the first column
// typed time. user_agent and the ja3 fingerprints are ignored. Zeek JSON logs use the
// same rules by name (no types: names ending in _h or _addr are addresses).

type zact uint8

const (
	zNone    zact = iota
	zIP           // address
	zDomain       // domain name
	zHost         // domain name or address, maybe with :port
	zURI          // request target, combined with the host into a URL
	zURL          // absolute URL
	zHash         // hex hash
	zEmail        // e-mail address
	zAuto         // classify (generic JSON lines)
	zHostURL      // eve http.hostname: a host that also prefixes http.url
)

// zeekAction chooses what to extract from a Zeek field.
func zeekAction(name, typ string) zact {
	switch name {
	case "query", "server_name", "sni":
		return zDomain
	case "answers":
		return zHost
	case "host":
		return zHostURL
	case "uri":
		return zURI
	case "referrer":
		return zURL
	case "md5", "sha1", "sha256":
		return zHash
	case "tx_hosts", "rx_hosts":
		return zIP
	case "user_agent", "ja3", "ja3s", "host_key", "host_key_alg", "host_p":
		return zNone
	}
	switch typ {
	case "addr", "set[addr]", "vector[addr]":
		return zIP
	case "", "string", "set[string]", "vector[string]":
		if typ == "" && (strings.HasSuffix(name, "_h") || strings.HasSuffix(name, "_addr") || name == "addr") {
			return zIP
		}
		if strings.Contains(name, "host") {
			return zHost
		}
	}
	return zNone
}

type zcol struct {
	act   zact
	field string
	set   bool
}

type zeekState struct {
	init     bool
	sep      []byte
	setSep   []byte
	empty    []byte
	unset    []byte
	fields   []string
	types    []string
	plan     []zcol
	planned  bool
	tsCol    int // column of the record time, -1 for none
	host     []byte
	uri      []byte
	unescBuf []byte
}

func (z *zeekState) reset() {
	z.init = true
	z.sep = []byte{'\t'}
	z.setSep = []byte{','}
	z.empty = []byte("(empty)")
	z.unset = []byte("-")
}

// zeekUnescape decodes \xHH escapes.
func zeekUnescape(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+3 < len(b) && b[i+1] == 'x' && hexVal(b[i+2]) >= 0 && hexVal(b[i+3]) >= 0 {
			dst = append(dst, byte(hexVal(b[i+2])<<4|hexVal(b[i+3])))
			i += 3
			continue
		}
		dst = append(dst, b[i])
	}
	return dst
}

func (s *Scanner) zeekHeader(line []byte) {
	z := &s.zeek
	if bytes.HasPrefix(line, []byte("#separator")) {
		v := bytes.TrimSpace(line[len("#separator"):])
		if sep := zeekUnescape(nil, v); len(sep) > 0 {
			z.sep = sep
		}
		return
	}
	rest := line[1:]
	i := bytes.Index(rest, z.sep)
	if i < 0 {
		return
	}
	key, val := string(rest[:i]), rest[i+len(z.sep):]
	switch key {
	case "set_separator":
		if len(val) > 0 {
			z.setSep = zeekUnescape(nil, val)
		}
	case "empty_field":
		z.empty = append([]byte(nil), val...)
	case "unset_field":
		z.unset = append([]byte(nil), val...)
	case "path":
		z.planned = false
	case "fields":
		z.fields = splitStrings(val, z.sep)
		z.types = nil
		z.planned = false
	case "types":
		z.types = splitStrings(val, z.sep)
		z.planned = false
	}
}

func splitStrings(b, sep []byte) []string {
	parts := bytes.Split(b, sep)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

func (z *zeekState) makePlan() {
	z.plan = z.plan[:0]
	z.tsCol = -1
	for i, name := range z.fields {
		if name == "ts" {
			z.tsCol = i
		}
	}
	for i, name := range z.fields {
		typ := ""
		if i < len(z.types) {
			typ = z.types[i]
		}
		set := strings.HasPrefix(typ, "set[") || strings.HasPrefix(typ, "vector[") ||
			typ == "" && (name == "answers" || name == "tx_hosts" || name == "rx_hosts")
		if z.tsCol < 0 && typ == "time" {
			z.tsCol = i
		}
		z.plan = append(z.plan, zcol{act: zeekAction(name, typ), field: name, set: set})
	}
	z.planned = true
}

func (s *Scanner) zeekTSV(line []byte) (bool, error) {
	z := &s.zeek
	if !z.init {
		z.reset()
	}
	if len(line) == 0 {
		return false, nil
	}
	if line[0] == '#' {
		s.zeekHeader(line)
		return false, nil
	}
	if len(z.fields) == 0 {
		return false, errSkip
	}
	if !z.planned {
		z.makePlan()
	}
	z.host, z.uri = nil, nil
	col := 0
	rest := line
	for {
		var v []byte
		i := -1
		if len(z.sep) == 1 {
			i = bytes.IndexByte(rest, z.sep[0])
		} else {
			i = bytes.Index(rest, z.sep)
		}
		last := i < 0
		if last {
			v = rest
		} else {
			v = rest[:i]
			rest = rest[i+len(z.sep):]
		}
		if col >= len(z.plan) {
			return false, errSkip
		}
		if c := &z.plan[col]; c.act != zNone {
			s.zeekValue(c, v)
		}
		if col == z.tsCol {
			s.rec.Time = s.timeValue(v)
		}
		col++
		if last {
			break
		}
	}
	if col != len(z.plan) {
		return false, errSkip
	}
	if z.uri != nil {
		s.addHostURL("http", z.host, z.uri, "uri")
	}
	return true, nil
}

func (s *Scanner) zeekValue(c *zcol, v []byte) {
	z := &s.zeek
	if len(v) == 0 || bytes.Equal(v, z.unset) || bytes.Equal(v, z.empty) {
		return
	}
	if bytes.IndexByte(v, '\\') >= 0 {
		start := len(s.arena)
		s.arena = zeekUnescape(s.arena, v)
		v = s.arena[start:len(s.arena):len(s.arena)]
	}
	if c.set && len(z.setSep) > 0 {
		for len(v) > 0 {
			i := bytes.Index(v, z.setSep)
			if i < 0 {
				s.zeekOne(c.act, v, c.field)
				return
			}
			s.zeekOne(c.act, v[:i], c.field)
			v = v[i+len(z.setSep):]
		}
		return
	}
	switch c.act {
	case zHostURL:
		z.host = v
	case zURI:
		z.uri = v
		return
	}
	s.zeekOne(c.act, v, c.field)
}

// zeekOne extracts one value (also used for JSON formats).
func (s *Scanner) zeekOne(act zact, v []byte, field string) {
	switch act {
	case zIP:
		s.addIP(v, field)
	case zDomain:
		s.addDomain(v, field)
	case zHost, zHostURL:
		s.addHost(v, field)
	case zURL:
		s.addURL(v, field)
	case zHash:
		s.addHash(v, field)
	case zEmail:
		s.addEmail(v, field)
	case zAuto:
		s.addAuto(v, field)
	}
}
