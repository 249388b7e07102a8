// Package ioclist imports plain-text IOC lists (one indicator per line, as
// published by CERTs, vendors and ISACs) as STIX 2.1 indicators.
//
// Parse reads a list: blank lines and '#' comments are skipped, a CSV-like
// line contributes its first field, and defanged forms (hxxp://, [.], (.),
// [:], [@], ...) are re-fanged. Each value is classified (IPv4, IPv6, CIDR
// block, domain, URL, e-mail address, MD5/SHA-1/SHA-256/SHA-512 hash) and
// normalised with the normalisers of internal/stix/pattern, so a value has
// the same form as the atoms the matching engine indexes. Lines that cannot
// be used are reported with their line number; the rest is kept. Indicators
// turns the entries into STIX indicators with deterministic ids, so the
// same IOC imported twice is the same object. See docs/imports.md.
package ioclist

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"sakimori/internal/marking"
	"sakimori/internal/stix"
	"sakimori/internal/stix/pattern"
)

// Kind is the class of an IOC.
type Kind string

const (
	KindIPv4   Kind = "ipv4"
	KindIPv6   Kind = "ipv6"
	KindCIDR4  Kind = "cidr4"
	KindCIDR6  Kind = "cidr6"
	KindDomain Kind = "domain"
	KindURL    Kind = "url"
	KindEmail  Kind = "email"
	KindMD5    Kind = "md5"
	KindSHA1   Kind = "sha1"
	KindSHA256 Kind = "sha256"
	KindSHA512 Kind = "sha512"
)

// Entry is one recognised IOC.
type Entry struct {
	Line  int    // 1-based line number of its first occurrence
	Raw   string // the field as written (possibly defanged)
	Kind  Kind
	Value string // normalised, re-fanged
}

// Problem is a line that could not be used.
type Problem struct {
	Line   int
	Text   string // the line, shortened
	Reason string
}

func (p Problem) String() string { return fmt.Sprintf("line %d: %s: %q", p.Line, p.Reason, p.Text) }

// Duplicate is a line whose IOC was already listed on an earlier line.
type Duplicate struct {
	Line, First int
}

// List is a parsed IOC list.
type List struct {
	Entries    []Entry // unique by Kind and Value, in order of first appearance
	Problems   []Problem
	Duplicates []Duplicate
}

// MaxLineLength bounds a line; longer lines are reported, not parsed.
const MaxLineLength = 8192

// Parse reads an IOC list. It never fails: unusable lines become Problems.
func Parse(data []byte) *List {
	l := &List{}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first := map[string]int{}
	for n, raw := range bytes.Split(data, []byte("\n")) {
		line := n + 1
		s := strings.TrimSpace(strings.TrimSuffix(string(raw), "\r"))
		if s == "" || s[0] == '#' || strings.HasPrefix(s, "//") || s[0] == ';' {
			continue
		}
		if !utf8.ValidString(s) {
			l.Problems = append(l.Problems, Problem{line, clip(strings.ToValidUTF8(s, "\uFFFD")), "not valid UTF-8"})
			continue
		}
		if len(s) > MaxLineLength {
			l.Problems = append(l.Problems, Problem{line, clip(s), fmt.Sprintf("line longer than %d bytes", MaxLineLength)})
			continue
		}
		s = stripComment(s)
		field, kind, value, err := classifyLine(s)
		if err != nil {
			l.Problems = append(l.Problems, Problem{line, clip(s), err.Error()})
			continue
		}
		key := string(kind) + ":" + value
		if f, dup := first[key]; dup {
			l.Duplicates = append(l.Duplicates, Duplicate{Line: line, First: f})
			continue
		}
		first[key] = line
		l.Entries = append(l.Entries, Entry{Line: line, Raw: field, Kind: kind, Value: value})
	}
	return l
}

// stripComment removes a trailing " # comment" (a '#' after white space;
// '#' inside a URL is a fragment and is kept).
func stripComment(s string) string {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// classifyLine classifies the whole line, or else its first field (split at
// ',', ';', tab or space; a leading double-quoted CSV field is unquoted).
func classifyLine(s string) (field string, kind Kind, value string, err error) {
	if kind, value, err = Classify(s); err == nil {
		return s, kind, value, nil
	}
	f := s
	if f[0] == '"' {
		if end := strings.IndexByte(f[1:], '"'); end >= 0 {
			f = f[1 : end+1]
		}
	} else if i := strings.IndexAny(f, ",;\t "); i >= 0 {
		f = f[:i]
	}
	f = strings.TrimSpace(f)
	if f == s || f == "" {
		return s, "", "", err
	}
	kind, value, err = Classify(f)
	return f, kind, value, err
}

// refanger undoes the common ways of defanging IOCs.
var refanger = strings.NewReplacer(
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "{dot}", ".", "[DOT]", ".", "(DOT)", ".",
	"[:]", ":", "[://]", "://", "[:/]", ":/",
	"[@]", "@", "(@)", "@", "[at]", "@", "(at)", "@", "[AT]", "@", "(AT)", "@",
	"[/]", "/",
)

// Refang undoes defanging: "hxxp://example[.]com" becomes
// "http://example.com". Schemes hxxp, hxxps, hXXp, fxp and meow-style
// bracketed separators are handled; other text is returned unchanged.
func Refang(s string) string {
	s = refanger.Replace(s)
	if i := strings.Index(s, "://"); i > 0 {
		switch strings.ToLower(s[:i]) {
		case "hxxp", "hxtp", "htxp", "h**p":
			s = "http" + s[i:]
		case "hxxps", "hxtps", "htxps", "h**ps":
			s = "https" + s[i:]
		case "fxp":
			s = "ftp" + s[i:]
		}
	}
	return s
}

// Classify refangs one value and returns its kind and normalised form.
func Classify(s string) (Kind, string, error) {
	s = strings.TrimSpace(Refang(strings.TrimSpace(s)))
	if s == "" {
		return "", "", errors.New("empty value")
	}
	if isHex(s) {
		switch len(s) {
		case 32:
			return KindMD5, strings.ToLower(s), nil
		case 40:
			return KindSHA1, strings.ToLower(s), nil
		case 64:
			return KindSHA256, strings.ToLower(s), nil
		case 128:
			return KindSHA512, strings.ToLower(s), nil
		}
	}
	if strings.Contains(s, "://") {
		v, err := pattern.NormalizeURL(s)
		if err != nil {
			return "", "", err
		}
		return KindURL, v, nil
	}
	if k, v, err := pattern.NormalizeIP(strings.Trim(s, "[]")); err == nil {
		switch k {
		case pattern.KindIPv4:
			return KindIPv4, v, nil
		case pattern.KindIPv6:
			return KindIPv6, v, nil
		case pattern.KindCIDR4:
			return KindCIDR4, v, nil
		case pattern.KindCIDR6:
			return KindCIDR6, v, nil
		}
	}
	if strings.Contains(s, "@") {
		v, err := pattern.NormalizeEmail(s)
		if err != nil {
			return "", "", err
		}
		return KindEmail, v, nil
	}
	if !strings.ContainsAny(s, ".。．｡") {
		if isHex(s) {
			return "", "", fmt.Errorf("%d hex digits is not the length of an MD5, SHA-1, SHA-256 or SHA-512 hash", len(s))
		}
		return "", "", errors.New("not a recognisable indicator (IP address, CIDR block, domain, URL, e-mail address or hash)")
	}
	if looksNumeric(s) {
		return "", "", errors.New("not a valid IP address or domain name")
	}
	v, err := pattern.NormalizeDomain(s)
	if err != nil {
		return "", "", err
	}
	if !strings.Contains(v, ".") {
		return "", "", errors.New("a single-label name is not a usable domain indicator")
	}
	return KindDomain, v, nil
}

// looksNumeric reports strings of digits, dots and slashes (a malformed IP
// address, not a domain).
func looksNumeric(s string) bool {
	return strings.Trim(s, "0123456789./") == ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// Pattern returns the STIX pattern that matches the entry.
func (e Entry) Pattern() string {
	var path string
	switch e.Kind {
	case KindIPv4, KindCIDR4:
		path = "ipv4-addr:value"
	case KindIPv6, KindCIDR6:
		path = "ipv6-addr:value"
	case KindDomain:
		path = "domain-name:value"
	case KindURL:
		path = "url:value"
	case KindEmail:
		path = "email-addr:value"
	case KindMD5:
		path = "file:hashes.MD5"
	case KindSHA1:
		path = "file:hashes.'SHA-1'"
	case KindSHA256:
		path = "file:hashes.'SHA-256'"
	case KindSHA512:
		path = "file:hashes.'SHA-512'"
	default:
		return ""
	}
	return "[" + path + " = " + quote(e.Value) + "]"
}

// Namespace is the UUIDv5 namespace of indicator ids: the id of an entry is
// indicator--UUIDv5(Namespace, "<kind>:<value>").
const Namespace = "3f8d0b2a-6c1e-4b7a-9e55-8d2c4a1f7b60"

// ID returns the entry's deterministic indicator id.
func (e Entry) ID() string { return e.IDIn("") }

// IDIn returns the indicator id of the entry for an importer scope (see
// Options.Scope): the same value imported by two organisations gets two
// ids, so neither can version the other's indicator.
func (e Entry) IDIn(scope string) string {
	name := string(e.Kind) + ":" + e.Value
	if scope != "" {
		name = scope + "\x00" + name
	}
	return "indicator--" + uuid5(Namespace, name)
}

func uuid5(ns, name string) string {
	return uuid.NewSHA1(uuid.MustParse(ns), []byte(name)).String() // RFC 4122 version 5
}

// Options describe the indicators made from a list.
type Options struct {
	// Now is the import time: created and modified of every indicator,
	// and valid_from unless ValidFrom is set. Required.
	Now       time.Time
	ValidFrom time.Time
	// ValidUntil, when set, must be later than the valid_from.
	ValidUntil     time.Time
	TLP            marking.TLP // zero: unmarked
	Confidence     *int        // 0-100, nil: absent
	Labels         []string
	IndicatorTypes []string // e.g. "malicious-activity"; empty: absent
	CreatedByRef   string   // an identity id, or empty
	// Scope, when set, is mixed into every indicator id (sakimori passes
	// the importing organisation's id), so that lists imported by
	// different organisations never collide; "" keeps ids value-only.
	Scope string
	// Source, when set, names the list in each indicator's description.
	Source string
}

func (o Options) check() error {
	if o.Now.IsZero() {
		return errors.New("ioclist: Options.Now is required")
	}
	if o.Confidence != nil && (*o.Confidence < 0 || *o.Confidence > 100) {
		return fmt.Errorf("ioclist: confidence %d is outside 0-100", *o.Confidence)
	}
	if o.TLP != marking.TLPInvalid && !o.TLP.Valid() {
		return errors.New("ioclist: invalid TLP")
	}
	from := o.ValidFrom
	if from.IsZero() {
		from = o.Now
	}
	if !o.ValidUntil.IsZero() && !o.ValidUntil.After(from) {
		return errors.New("ioclist: ValidUntil must be later than valid_from")
	}
	if o.CreatedByRef != "" && !strings.HasPrefix(o.CreatedByRef, "identity--") {
		return errors.New("ioclist: CreatedByRef must be an identity id")
	}
	return nil
}

type indicator struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref,omitempty"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	Name              string   `json:"name"`
	Description       string   `json:"description,omitempty"`
	IndicatorTypes    []string `json:"indicator_types,omitempty"`
	Pattern           string   `json:"pattern"`
	PatternType       string   `json:"pattern_type"`
	PatternVersion    string   `json:"pattern_version"`
	ValidFrom         string   `json:"valid_from"`
	ValidUntil        string   `json:"valid_until,omitempty"`
	Labels            []string `json:"labels,omitempty"`
	Confidence        *int     `json:"confidence,omitempty"`
	ObjectMarkingRefs []string `json:"object_marking_refs,omitempty"`
}

func stixTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

// Indicators returns one STIX indicator per entry, each checked with
// stix.Validate. It fails only for invalid options.
func Indicators(entries []Entry, opts Options) ([]json.RawMessage, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	from := opts.ValidFrom
	if from.IsZero() {
		from = opts.Now
	}
	var marks []string
	if opts.TLP.Valid() {
		marks = []string{opts.TLP.StixID()}
	}
	var labels []string
	for _, l := range opts.Labels {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, l)
		}
	}
	var desc string
	if opts.Source != "" {
		desc = "Imported from IOC list " + opts.Source
	}
	out := make([]json.RawMessage, 0, len(entries))
	for _, e := range entries {
		ind := indicator{
			Type: "indicator", SpecVersion: "2.1", ID: e.IDIn(opts.Scope), CreatedByRef: opts.CreatedByRef,
			Created: stixTime(opts.Now), Modified: stixTime(opts.Now),
			Name: e.Value, Description: desc, IndicatorTypes: opts.IndicatorTypes,
			Pattern: e.Pattern(), PatternType: "stix", PatternVersion: "2.1", ValidFrom: stixTime(from),
			Labels: labels, Confidence: opts.Confidence, ObjectMarkingRefs: marks,
		}
		if !opts.ValidUntil.IsZero() {
			ind.ValidUntil = stixTime(opts.ValidUntil)
		}
		raw, err := json.Marshal(ind)
		if err != nil {
			return nil, err
		}
		o, err := stix.Parse(raw)
		if err == nil {
			err = stix.Validate(o)
		}
		if err != nil {
			// Options were checked and values normalised, so this is a
			// gap in this package.
			return nil, fmt.Errorf("ioclist: line %d: indicator does not validate: %w", e.Line, err)
		}
		out = append(out, raw)
	}
	return out, nil
}

// Bundle wraps indicators in a STIX bundle together with the TLP marking
// definition they refer to. The bundle id is derived from the indicator ids
// and the import time.
func Bundle(indicators []json.RawMessage, opts Options) (json.RawMessage, error) {
	objs := make([]json.RawMessage, 0, len(indicators)+1)
	if opts.TLP.Valid() {
		def, _ := opts.TLP.StixDefinition()
		raw, err := json.Marshal(def)
		if err != nil {
			return nil, err
		}
		objs = append(objs, raw)
	}
	h := sha1.New()
	for _, raw := range indicators {
		h.Write(raw)
	}
	objs = append(objs, indicators...)
	id := "bundle--" + uuid5(Namespace, "bundle:"+hex.EncodeToString(h.Sum(nil))+":"+stixTime(opts.Now))
	b := struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects,omitempty"`
	}{"bundle", id, objs}
	return json.Marshal(b)
}

// Import parses a list and converts it: the parsed list, the bundle of its
// indicators (nil when the list has no entries) and an error only for
// invalid options.
func Import(data []byte, opts Options) (*List, json.RawMessage, error) {
	l := Parse(data)
	inds, err := Indicators(l.Entries, opts)
	if err != nil {
		return l, nil, err
	}
	if len(inds) == 0 {
		return l, nil, nil
	}
	b, err := Bundle(inds, opts)
	return l, b, err
}

func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
