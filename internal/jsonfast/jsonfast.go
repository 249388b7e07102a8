// Package jsonfast decodes JSON on the ingest hot path faster than
// encoding/json, with the same results: Value gives exactly what an
// encoding/json Decoder with UseNumber gives for a valid document, and
// Members and Elements give the raw bytes json.RawMessage fields would
// hold, as sub-slices of the input instead of copies.
//
// It never reports errors: ok is false whenever the input is invalid or
// outside what it handles (very deep nesting), and the caller then uses
// encoding/json, which produces its usual error message. So jsonfast can
// only make valid input faster; it cannot change what is accepted or
// rejected, or any message. The fuzz tests check exactly that against
// encoding/json.
package jsonfast

import (
	"encoding/json"
	"unicode/utf8"
)

// maxDepth bounds nesting; deeper documents are left to encoding/json
// (whose own limit is 10000).
const maxDepth = 1000

type scanner struct {
	data  []byte
	pos   int
	depth int
	ok    bool
}

// Value decodes the single JSON value data holds (surrounding white space
// allowed, nothing else after it) into map[string]any, []any, string,
// json.Number, bool or nil, as encoding/json's Decoder with UseNumber does.
func Value(data []byte) (any, bool) {
	s := scanner{data: data, ok: true}
	s.space()
	v := s.value()
	s.space()
	if !s.ok || s.pos != len(data) {
		return nil, false
	}
	return v, true
}

// Members returns the keys of the JSON object data holds and the raw bytes
// of each value, in document order (duplicates included). ok is false if
// data is not exactly one valid JSON object.
func Members(data []byte) (keys []string, vals [][]byte, ok bool) {
	s := scanner{data: data, ok: true}
	s.space()
	if !s.lit('{') {
		return nil, nil, false
	}
	s.space()
	if s.lit('}') {
		return s.end(keys, vals)
	}
	for {
		s.space()
		k := s.str()
		s.space()
		if !s.ok || !s.lit(':') {
			return nil, nil, false
		}
		s.space()
		start := s.pos
		s.skip()
		if !s.ok {
			return nil, nil, false
		}
		keys = append(keys, k)
		vals = append(vals, data[start:s.pos:s.pos])
		s.space()
		if s.lit(',') {
			continue
		}
		if s.lit('}') {
			return s.end(keys, vals)
		}
		return nil, nil, false
	}
}

// Elements returns the raw bytes of each element of the JSON array data
// holds. ok is false if data is not exactly one valid JSON array.
func Elements(data []byte) (elems [][]byte, ok bool) {
	s := scanner{data: data, ok: true}
	s.space()
	if !s.lit('[') {
		return nil, false
	}
	elems = [][]byte{}
	s.space()
	if s.lit(']') {
		_, e, ok := s.end(nil, elems)
		return e, ok
	}
	for {
		s.space()
		start := s.pos
		s.skip()
		if !s.ok {
			return nil, false
		}
		elems = append(elems, data[start:s.pos:s.pos])
		s.space()
		if s.lit(',') {
			continue
		}
		if s.lit(']') {
			_, e, ok := s.end(nil, elems)
			return e, ok
		}
		return nil, false
	}
}

func (s *scanner) end(keys []string, vals [][]byte) ([]string, [][]byte, bool) {
	s.space()
	if s.pos != len(s.data) {
		return nil, nil, false
	}
	return keys, vals, true
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// lit consumes byte c if it is next.
func (s *scanner) lit(c byte) bool {
	if s.ok && s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

func (s *scanner) fail() { s.ok = false }

// value reads one value and builds it.
func (s *scanner) value() any { return s.walk(true) }

// skip validates and passes over one value without building it.
func (s *scanner) skip() { s.walk(false) }

// walk reads one value, building it (maps, slices, strings, json.Number)
// only when build is set: the same grammar either way.
func (s *scanner) walk(build bool) any {
	if !s.ok || s.pos >= len(s.data) {
		s.fail()
		return nil
	}
	switch c := s.data[s.pos]; {
	case c == '{', c == '[':
		return s.container(c, build)
	case c == '"':
		if build {
			return s.str()
		}
		s.skipString()
		return nil
	case c == 't':
		return s.word("true", true)
	case c == 'f':
		return s.word("false", false)
	case c == 'n':
		return s.word("null", nil)
	case c == '-' || c >= '0' && c <= '9':
		start := s.pos
		s.number()
		if !build {
			return nil
		}
		return json.Number(s.data[start:s.pos])
	default:
		s.fail()
		return nil
	}
}

// container reads an object ('{') or an array ('[').
func (s *scanner) container(open byte, build bool) any {
	if s.depth++; s.depth > maxDepth {
		s.fail()
		return nil
	}
	defer func() { s.depth-- }()
	close := byte('}')
	if open == '[' {
		close = ']'
	}
	var m map[string]any
	var a []any
	if build {
		if open == '{' {
			m = map[string]any{}
		} else {
			a = []any{}
		}
	}
	s.pos++
	s.space()
	if !s.lit(close) {
		for s.ok {
			s.space()
			if open == '{' {
				var k string
				if build {
					k = s.str()
				} else {
					s.skipString()
				}
				s.space()
				if !s.lit(':') {
					s.fail()
					return nil
				}
				s.space()
				if v := s.walk(build); build {
					m[k] = v
				}
			} else if v := s.walk(build); build {
				a = append(a, v)
			}
			s.space()
			if s.lit(',') {
				continue
			}
			if !s.lit(close) {
				s.fail()
			}
			break
		}
	}
	switch {
	case !build:
		return nil
	case open == '{':
		return m
	}
	return a
}

func (s *scanner) word(w string, v any) any {
	if len(s.data)-s.pos >= len(w) && string(s.data[s.pos:s.pos+len(w)]) == w {
		s.pos += len(w)
		return v
	}
	s.fail()
	return nil
}

// str reads a string. Strings without escapes that are valid UTF-8 are
// taken as they are; others go through encoding/json, so escapes, UTF-16
// surrogates and invalid UTF-8 come out exactly as it decodes them.
func (s *scanner) str() string {
	start := s.pos
	escaped := s.skipString()
	if !s.ok {
		return ""
	}
	if body := s.data[start+1 : s.pos-1]; !escaped && utf8.Valid(body) {
		return string(body)
	}
	var out string
	if err := json.Unmarshal(s.data[start:s.pos], &out); err != nil {
		s.fail()
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// number reads a number by the JSON grammar:
// -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
func (s *scanner) number() {
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && d[s.pos] >= '1' && d[s.pos] <= '9':
		s.digits()
	default:
		s.fail()
		return
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			s.fail()
			return
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			s.fail()
		}
	}
}

func (s *scanner) digits() int {
	n := 0
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

// skipString validates and passes over a string (invalid UTF-8 is
// accepted, as encoding/json accepts it) and tells whether it holds escapes.
func (s *scanner) skipString() (escaped bool) {
	if !s.ok || s.pos >= len(s.data) || s.data[s.pos] != '"' {
		s.fail()
		return false
	}
	s.pos++
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return escaped
		case c == '\\':
			escaped = true
			s.pos++
			if s.pos >= len(s.data) {
				s.fail()
				return false
			}
			switch s.data[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				if len(s.data)-s.pos < 5 {
					s.fail()
					return false
				}
				for _, h := range s.data[s.pos+1 : s.pos+5] {
					if !isHex(h) {
						s.fail()
						return false
					}
				}
				s.pos += 5
			default:
				s.fail()
				return false
			}
		case c < 0x20:
			s.fail()
			return false
		default:
			s.pos++
		}
	}
	s.fail()
	return false
}
