package logscan

import (
	"bytes"
	"strings"
)

// CSV exports (NetFlow/sFlow/IPFIX collectors, firewall and proxy exports):
// the first line that is neither blank nor a '#' comment is the header.
// Columns whose lower-cased name contains src, dst, dest, ip, addr, host,
// domain, url, hash, md5, sha1, sha256, sha512, email, mail, sender,
// recipient, query, sni, client, server or remote, or is one of nfdump's
// sa, da, nh, ra, are classified (URL, e-mail, IP address, hash,
// domain with the plain-text heuristic); when no column name matches,
// every cell is. Cells are RFC 4180 fields separated by commas; a quoted
// field cannot span lines (such a line is malformed and skipped).
//
// The record time is the first column named ts, time, timestamp, date,
// first, first_seen, start or "date first seen" (nfdump), holding ISO 8601
// or epoch seconds (milliseconds above 1e12). nfdump writes local time
// without a zone ("2026-11-30 09:00:00.123"); such values are taken for
// UTC, so they are off by the exporter's UTC offset.

var csvKeywords = []string{"src", "dst", "dest", "source", "ip", "addr", "host", "domain", "url", "hash", "md5", "sha1", "sha256", "sha512", "email", "mail", "sender", "recipient", "query", "sni", "client", "server", "remote"}

// csvExact are short column names of flow tools (nfdump's sa, da, nh, ra).
var csvExact = map[string]bool{"sa": true, "da": true, "nh": true, "ra": true}

// csvTimeNames are the column names that hold the record time.
var csvTimeNames = map[string]bool{"ts": true, "time": true, "timestamp": true, "date": true, "first": true,
	"first_seen": true, "start": true, "date first seen": true}

type csvState struct {
	header bool
	names  []string
	cls    []bool
	all    bool
	tsCol  int // column of the record time, -1 for none
}

func (s *Scanner) csvLine(line []byte) (bool, error) {
	if len(bytes.TrimSpace(line)) == 0 || line[0] == '#' {
		return false, nil
	}
	c := &s.csv
	if !c.header {
		c.header = true
		c.all = true
		c.tsCol = -1
		ok := csvFields(line, func(i int, v []byte) {
			name := strings.ToLower(strings.TrimSpace(string(v)))
			c.names = append(c.names, name)
			if c.tsCol < 0 && csvTimeNames[name] {
				c.tsCol = i
			}
			want := csvExact[name]
			for _, k := range csvKeywords {
				if strings.Contains(name, k) {
					want = true
					break
				}
			}
			c.cls = append(c.cls, want)
			if want {
				c.all = false
			}
		}, &s.arena)
		if !ok {
			return false, errSkip
		}
		return false, nil
	}
	ok := csvFields(line, func(i int, v []byte) {
		name := ""
		if i < len(c.names) {
			name = c.names[i]
		}
		if i == c.tsCol {
			s.rec.Time = s.timeValue(bytes.TrimSpace(v))
		}
		if c.all || i < len(c.cls) && c.cls[i] {
			s.addAuto(bytes.TrimSpace(v), name)
		}
	}, &s.arena)
	if !ok {
		return false, errSkip
	}
	return true, nil
}

// csvFields calls fn for every field of a CSV line; quoted fields with ""
// are unescaped into the arena. It reports false for an unterminated or
// malformed quoted field.
func csvFields(line []byte, fn func(int, []byte), arena *[]byte) bool {
	col := 0
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			j := i + 1
			dbl := false
			for {
				k := bytes.IndexByte(line[j:], '"')
				if k < 0 {
					return false
				}
				j += k
				if j+1 < len(line) && line[j+1] == '"' {
					dbl = true
					j += 2
					continue
				}
				break
			}
			v := line[i+1 : j]
			if dbl {
				start := len(*arena)
				for k := 0; k < len(v); k++ {
					*arena = append(*arena, v[k])
					if v[k] == '"' {
						k++
					}
				}
				v = (*arena)[start:len(*arena):len(*arena)]
			}
			fn(col, v)
			col++
			i = j + 1
			if i == len(line) {
				return true
			}
			if line[i] != ',' {
				return false
			}
			i++
			continue
		}
		k := bytes.IndexByte(line[i:], ',')
		if k < 0 {
			fn(col, line[i:])
			return true
		}
		fn(col, line[i:i+k])
		col++
		i += k + 1
	}
}
