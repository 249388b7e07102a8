// Package logscan turns log records into observables for the matching
// engine (package match): Zeek TSV and JSON logs, Suricata EVE JSON,
// generic JSON lines, CSV exports, nginx/Apache access logs and plain text.
//
// The parsers are line based and reuse their buffers: after warm-up a
// record costs no allocation. Observable values are normalised as package
// stix/pattern normalises indicator atoms (lower-case domains without the
// trailing dot, canonical IP text, normalised URLs, lower-case hashes and
// e-mail addresses), so a value found in a log is byte-for-byte the value
// of the indicator it should match. IPv4-mapped IPv6 addresses are folded
// to IPv4.
//
// Lines longer than MaxLine (1 MiB) are skipped and counted in
// Stats.TooLong; malformed lines are skipped and counted in Stats.Skipped.
// Neither stops the scan.
package logscan

import (
	"bytes"
	"errors"
	"io"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/match"
)

// Format is a log format.
type Format string

// Formats.
const (
	FormatZeekTSV     Format = "zeek-tsv"
	FormatZeekJSON    Format = "zeek-json"
	FormatSuricataEVE Format = "suricata-eve"
	FormatJSONL       Format = "jsonl"
	FormatCSV         Format = "csv"
	FormatAccessLog   Format = "access-log"
	FormatText        Format = "text"
)

// Formats lists every format.
var Formats = []Format{FormatZeekTSV, FormatZeekJSON, FormatSuricataEVE, FormatJSONL, FormatCSV, FormatAccessLog, FormatText}

// ParseFormat checks a format name ("" means detect).
func ParseFormat(name string) (Format, error) {
	if name == "" {
		return "", nil
	}
	for _, f := range Formats {
		if string(f) == name {
			return f, nil
		}
	}
	return "", apperr.Invalid("format", "unknown log format %q (one of zeek-tsv, zeek-json, suricata-eve, jsonl, csv, access-log, text)", name)
}

// MaxLine is the longest line the scanner handles; longer lines are
// skipped and counted in Stats.TooLong.
const MaxLine = 1 << 20

const maxLine = MaxLine

// DetectSize is how much of the input NewScanner sniffs when no format is
// given.
const DetectSize = 4096

// Record is one log record and the observables found in it.
type Record struct {
	Line   int64 // 1-based line number
	Offset int64 // byte offset of the line in the input
	// Time is when the logged event happened, in Unix nanoseconds (UTC),
	// or 0 when the line has no time the scanner understands. Sources:
	// Zeek TSV the "ts" column (else the first column of #types time);
	// Zeek JSON "ts"; Suricata EVE "timestamp"; generic JSON lines the
	// first top-level "timestamp", "ts", "@timestamp" or "time"; access
	// logs the bracketed date; CSV the first column named ts, time,
	// timestamp, date, first, first_seen, start or "date first seen";
	// plain text an ISO 8601 date and time at the start of the line (not
	// syslog's year-less "Nov 30 09:00:00"). Epoch values are seconds
	// with an optional fraction, or milliseconds above 1e12; ISO 8601
	// values without a zone (nfdump's local "2026-11-30 09:00:00.123") are
	// taken for UTC. Times before MinTime (2000-01-01) or more than
	// MaxFuture (a day) after NewScanner are reported as 0.
	Time int64
	// Observables are valid only during the callback: their values alias
	// the scanner's buffers.
	Observables []match.Observable
}

// Stats counts what a scan saw.
type Stats struct {
	Lines       int64 `json:"lines"`       // lines read, including headers, comments and skipped lines
	Records     int64 `json:"records"`     // data records parsed (with or without observables)
	Observables int64 `json:"observables"` //
	Skipped     int64 `json:"skipped"`     // malformed lines
	TooLong     int64 `json:"too_long"`    // lines over MaxLine, skipped
}

// Scanner reads log records from an io.Reader.
type Scanner struct {
	r      io.Reader
	format Format
	stats  Stats

	buf        []byte
	start, end int
	eof        bool
	readErr    error
	pos        int64 // input offset of buf[0]

	rec     Record
	arena   []byte
	maxTime int64 // latest acceptable Record.Time (creation + MaxFuture)
	maxSec  int64 // maxTime in seconds

	zeek zeekState
	js   jsonState
	csv  csvState
	text textState
}

// NewScanner returns a scanner of r in format f; f "" detects the format
// from the first DetectSize bytes.
func NewScanner(r io.Reader, f Format) *Scanner {
	s := &Scanner{r: r, format: f, buf: make([]byte, 64<<10)}
	s.setMaxTime(time.Now().UnixNano() + maxFuture)
	s.rec.Observables = make([]match.Observable, 0, 32)
	s.arena = make([]byte, 0, 4096)
	return s
}

// Format returns the scanner's format (after detection, once Scan has
// started).
func (s *Scanner) Format() Format {
	if s.format == "" {
		s.detect()
	}
	return s.format
}

// Stats returns the counts so far.
func (s *Scanner) Stats() Stats { return s.stats }

func (s *Scanner) fill() {
	if s.eof {
		return
	}
	if s.start > 0 {
		n := copy(s.buf, s.buf[s.start:s.end])
		s.pos += int64(s.start)
		s.start, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) > maxLine {
			return
		}
		nb := make([]byte, min(2*len(s.buf), maxLine+1))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.readErr = err
			}
			return
		}
		if n > 0 {
			return
		}
	}
	s.eof = true
	s.readErr = io.ErrNoProgress
}

func (s *Scanner) detect() {
	for s.end-s.start < DetectSize && !s.eof {
		s.fill()
	}
	s.format = Detect(s.buf[s.start:s.end])
}

// nextLine returns the next line without its end of line, or ok false at
// the end of the input.
func (s *Scanner) nextLine() (line []byte, off int64, ok bool) {
	for {
		if i := bytes.IndexByte(s.buf[s.start:s.end], '\n'); i >= 0 {
			line = s.buf[s.start : s.start+i]
			off = s.pos + int64(s.start)
			s.start += i + 1
			s.stats.Lines++
			return trimCR(line), off, true
		}
		if s.eof {
			if s.start < s.end {
				line = s.buf[s.start:s.end]
				off = s.pos + int64(s.start)
				s.start = s.end
				s.stats.Lines++
				return trimCR(line), off, true
			}
			return nil, 0, false
		}
		if s.end-s.start > maxLine {
			// Too long: drop it up to the next newline.
			off = s.pos + int64(s.start)
			s.stats.Lines++
			s.stats.TooLong++
			for {
				s.start = s.end
				if s.eof {
					return nil, 0, false
				}
				s.fill()
				if i := bytes.IndexByte(s.buf[s.start:s.end], '\n'); i >= 0 {
					s.start += i + 1
					break
				}
			}
			continue
		}
		s.fill()
	}
}

func trimCR(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		return b[:len(b)-1]
	}
	return b
}

// errSkip marks a malformed line.
var errSkip = errors.New("malformed line")

// Scan calls fn for every record that yields at least one observable, in
// input order, and returns fn's first error, a read error, or nil at the
// end of the input. The Record and its observables are reused: they are
// valid only during the call. After fn's error Scan may be called again:
// it resumes with the next line.
func (s *Scanner) Scan(fn func(*Record) error) error {
	if s.format == "" {
		s.detect()
	}
	if _, err := ParseFormat(string(s.format)); err != nil {
		return err
	}
	for {
		line, off, ok := s.nextLine()
		if !ok {
			break
		}
		if s.stats.Lines == 1 && len(line) >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
			line = line[3:] // byte order mark
		}
		s.rec.Observables = s.rec.Observables[:0]
		s.arena = s.arena[:0]
		s.rec.Time = 0
		data, err := s.parseLine(line)
		if err != nil {
			s.stats.Skipped++
			continue
		}
		if !data {
			continue
		}
		s.stats.Records++
		if len(s.rec.Observables) == 0 {
			continue
		}
		s.stats.Observables += int64(len(s.rec.Observables))
		s.rec.Line = s.stats.Lines
		s.rec.Offset = off
		if err := fn(&s.rec); err != nil {
			return err
		}
	}
	if s.readErr != nil {
		return apperr.Wrap(apperr.CodeUnavailable, s.readErr, "reading the log at line %d: %v", s.stats.Lines+1, s.readErr)
	}
	return nil
}

// parseLine parses one line; data is false for headers, comments and
// blank lines.
func (s *Scanner) parseLine(line []byte) (data bool, err error) {
	switch s.format {
	case FormatZeekTSV:
		return s.zeekTSV(line)
	case FormatZeekJSON, FormatSuricataEVE, FormatJSONL:
		return s.jsonLine(line)
	case FormatCSV:
		return s.csvLine(line)
	case FormatAccessLog:
		return s.accessLine(line)
	default:
		return s.textLine(line)
	}
}

func (s *Scanner) add(k match.Kind, v []byte, field string) {
	s.rec.Observables = append(s.rec.Observables, match.Observable{Kind: k, Value: v, Field: field})
}

// addIP emits b if it is an IP address.
func (s *Scanner) addIP(b []byte, field string) bool {
	if k, v := s.ip(b); k != match.KindNone {
		s.add(k, v, field)
		return true
	}
	return false
}

// addDomain emits b if it is a domain name (at least two labels).
func (s *Scanner) addDomain(b []byte, field string) bool {
	if v := s.domain(b, true); v != nil {
		s.add(match.KindDomain, v, field)
		return true
	}
	return false
}

// splitHostPort strips a ":port" suffix from a host (bracketed IPv6 too).
func splitHostPort(b []byte) []byte {
	if len(b) > 0 && b[0] == '[' {
		if i := bytes.IndexByte(b, ']'); i > 0 {
			return b[1:i]
		}
		return b
	}
	if i := bytes.LastIndexByte(b, ':'); i >= 0 && bytes.IndexByte(b[:i], ':') < 0 {
		for _, c := range b[i+1:] {
			if c < '0' || c > '9' {
				return b
			}
		}
		return b[:i]
	}
	return b
}

// addHost emits a host name or address (a ":port" suffix is ignored).
func (s *Scanner) addHost(b []byte, field string) bool {
	b = splitHostPort(b)
	return s.addIP(b, field) || s.addDomain(b, field)
}

// addURL emits b if it is an absolute URL.
func (s *Scanner) addURL(b []byte, field string) bool {
	if v := s.url(b); v != nil {
		s.add(match.KindURL, v, field)
		return true
	}
	return false
}

// addHostURL emits the URL of a request target: target itself when it is
// absolute, else scheme://host+target when target is an origin-form path.
func (s *Scanner) addHostURL(scheme string, host, target []byte, field string) bool {
	if len(target) == 0 {
		return false
	}
	if target[0] != '/' {
		if hasScheme(target) {
			return s.addURL(target, field)
		}
		return false
	}
	if len(host) == 0 {
		return false
	}
	start := len(s.arena)
	s.arena = append(s.arena, scheme...)
	s.arena = append(s.arena, "://"...)
	s.arena = append(s.arena, host...)
	s.arena = append(s.arena, target...)
	raw := s.arena[start:len(s.arena):len(s.arena)]
	return s.addURL(raw, field)
}

// hasScheme reports whether b starts with "scheme://".
func hasScheme(b []byte) bool {
	for i, c := range b {
		if c == ':' {
			return i > 0 && len(b) > i+2 && b[i+1] == '/' && b[i+2] == '/'
		}
		if !isSchemeChar(c) {
			return false
		}
	}
	return false
}

// addEmail emits an e-mail address; "Name <a@b>" forms are reduced to the
// address.
func (s *Scanner) addEmail(b []byte, field string) bool {
	if i := bytes.LastIndexByte(b, '<'); i >= 0 {
		if j := bytes.IndexByte(b[i:], '>'); j > 0 {
			b = b[i+1 : i+j]
		}
	}
	b = bytes.TrimSpace(b)
	if v := s.email(b, true); v != nil {
		s.add(match.KindEmail, v, field)
		return true
	}
	return false
}

// addHash emits a hex hash of 32, 40, 64 or 128 digits.
func (s *Scanner) addHash(b []byte, field string) bool {
	if k := hashKind(b); k != match.KindNone {
		s.add(k, s.hash(b), field)
		return true
	}
	return false
}

// addAuto classifies a whole value: URL, e-mail, IP address, hash or
// domain (with the plain-text domain heuristic of looksLikeDomain). Values
// with white space are handed to the plain-text extractor.
func (s *Scanner) addAuto(b []byte, field string) {
	if len(b) < 3 {
		return
	}
	for _, c := range b {
		if c == ' ' || c == '\t' {
			s.extractText(b, field)
			return
		}
	}
	switch {
	case hasScheme(b):
		s.addURL(b, field)
	case bytes.IndexByte(b, '@') >= 0:
		s.addEmail(b, field)
	case s.addIP(b, field):
	case s.addHash(b, field):
	case looksLikeDomain(b):
		s.addDomain(b, field)
	}
}
