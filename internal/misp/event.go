// Package misp imports MISP content into STIX 2.1: MISP events (the JSON of
// MISP's REST API and of MISP feeds, {"Event": {...}}), and the index files of
// a MISP feed (manifest.json, hashes.csv).
//
// ParseEvent decodes an event leniently: a field of the wrong JSON type is
// reported as a Problem naming its JSON path and the rest is kept. Convert
// turns an event into a STIX 2.1 bundle (identity, TLP marking definitions,
// a report or grouping for the event, indicators, observed data, notes);
// Import does both. A problem with one attribute (unknown type, invalid
// value) never stops the others from converting, and every object emitted
// passes stix.Validate. Ids are derived from the MISP uuids, so importing
// the same event again yields the same ids, and an attribute changed in MISP
// (new timestamp) becomes a new version of the same STIX object.
//
// The package is pure: no store, no clock, no network. The mapping is
// documented in docs/imports.md.
package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Event is a MISP event as far as the importer uses it.
type Event struct {
	UUID             string
	Info             string
	Date             time.Time // the event's date (midnight UTC); zero if absent or malformed
	Timestamp        time.Time // last change; zero if absent
	PublishTimestamp time.Time // zero if absent or 0
	Published        bool
	ThreatLevelID    int // 1 high, 2 medium, 3 low, 4 undefined; 0 if absent
	Analysis         int // 0 initial, 1 ongoing, 2 completed; -1 if absent
	Orgc             Org
	Tags             []Tag
	Attributes       []Attribute
	Objects          []Object
	Galaxies         []Galaxy
}

// Org is a MISP organisation (the event's Orgc: its creator).
type Org struct {
	UUID string
	Name string
}

// Tag is a MISP tag, e.g. "tlp:amber", "PAP:GREEN",
// `misp-galaxy:threat-actor="APT28"`.
type Tag struct {
	Name string
}

// Attribute is a MISP attribute: a typed value.
type Attribute struct {
	UUID           string
	Type           string // "ip-dst", "domain", "filename|sha256", ...
	Category       string // "Network activity", "Payload delivery", ...
	Value          string
	ToIDs          bool // the value is meant for detection
	Timestamp      time.Time
	Comment        string
	FirstSeen      time.Time // zero if absent
	LastSeen       time.Time // zero if absent
	Deleted        bool
	ObjectRelation string // within a MISP object: "ip", "dst-port", "filename", ...
	Tags           []Tag

	invalid bool // the input element was not a JSON object (already reported)
}

// Object is a MISP object: a group of attributes describing one thing
// (a file with its hashes, a domain with its addresses, ...).
type Object struct {
	UUID         string
	Name         string // "file", "domain-ip", "url", "ip-port", "email", ...
	MetaCategory string
	Comment      string
	Timestamp    time.Time
	FirstSeen    time.Time
	LastSeen     time.Time
	Deleted      bool
	Attributes   []Attribute

	invalid bool // the input element was not a JSON object (already reported)
}

// Galaxy is a MISP galaxy attached to an event, with its clusters.
type Galaxy struct {
	Name     string
	Type     string
	Clusters []GalaxyCluster
}

// GalaxyCluster is one cluster of a galaxy (a threat actor, a tool, an
// ATT&CK technique, ...).
type GalaxyCluster struct {
	UUID    string
	Type    string
	Value   string
	TagName string // `misp-galaxy:threat-actor="APT28"`
}

// Problem is one part of the input that could not be used as it is. Index
// is the position of the attribute (or object) in its list, -1 for the
// event itself; Field is a JSON path into the input such as
// "Event.Attribute[3].value" or "Event.Object[1].Attribute[0].value".
type Problem struct {
	Index  int
	UUID   string
	Field  string
	Reason string
}

func (p Problem) String() string {
	if p.UUID != "" {
		return p.Field + " (" + p.UUID + "): " + p.Reason
	}
	return p.Field + ": " + p.Reason
}

// ErrSyntax is wrapped by the error of ParseEvent and ParseManifest when the
// input is not usable at all (not JSON, not an object, trailing data).
var ErrSyntax = errors.New("misp: malformed input")

// ParseEvent decodes a MISP event: {"Event": {...}} as MISP serves it, or the
// bare event object. It fails only if the input is not a JSON object; every
// other defect is returned as a Problem and the field is left at its zero
// value.
func ParseEvent(data []byte) (*Event, []Problem, error) {
	var top map[string]json.RawMessage
	if err := decodeStrict(data, &top); err != nil {
		return nil, nil, err
	}
	if top == nil {
		return nil, nil, fmt.Errorf("%w: an event must be a JSON object", ErrSyntax)
	}
	d := &decoder{}
	path := "Event"
	m := top
	if raw, ok := top["Event"]; ok {
		if err := json.Unmarshal(raw, &m); err != nil || m == nil {
			return nil, nil, fmt.Errorf("%w: Event must be a JSON object", ErrSyntax)
		}
	}
	ev := &Event{Analysis: -1}
	var at func(string) field
	ev.UUID, at = d.fields(m, path, -1)
	ev.Info = d.str(at("info"))
	ev.Date = d.date(at("date"))
	ev.Timestamp = d.unix(at("timestamp"))
	ev.PublishTimestamp = d.unix(at("publish_timestamp"))
	ev.Published = d.boolean(at("published"))
	if n, ok := d.integer(at("threat_level_id")); ok {
		ev.ThreatLevelID = int(n)
	}
	if n, ok := d.integer(at("analysis")); ok {
		ev.Analysis = int(n)
	}
	if om := d.object(at("Orgc")); om != nil {
		ev.Orgc.UUID = d.str(field{om, "uuid", path + ".Orgc.uuid", -1, ev.UUID})
		ev.Orgc.Name = d.str(field{om, "name", path + ".Orgc.name", -1, ev.UUID})
	}
	ev.Tags = d.tags(at("Tag"))
	for i, am := range d.objects(at("Attribute")) {
		ev.Attributes = append(ev.Attributes, d.attribute(am, fmt.Sprintf("%s.Attribute[%d]", path, i), i))
	}
	for i, om := range d.objects(at("Object")) {
		p := fmt.Sprintf("%s.Object[%d]", path, i)
		o := Object{invalid: om == nil}
		var f func(string) field
		o.UUID, f = d.fields(om, p, i)
		o.Name = d.str(f("name"))
		o.MetaCategory = d.str(f("meta-category"))
		o.Comment = d.str(f("comment"))
		o.Timestamp = d.unix(f("timestamp"))
		o.FirstSeen = d.seen(f("first_seen"))
		o.LastSeen = d.seen(f("last_seen"))
		o.Deleted = d.boolean(f("deleted"))
		for j, am := range d.objects(f("Attribute")) {
			o.Attributes = append(o.Attributes, d.attribute(am, fmt.Sprintf("%s.Attribute[%d]", p, j), j))
		}
		ev.Objects = append(ev.Objects, o)
	}
	for i, gm := range d.objects(at("Galaxy")) {
		p := fmt.Sprintf("%s.Galaxy[%d]", path, i)
		g := Galaxy{
			Name: d.str(field{gm, "name", p + ".name", i, ""}),
			Type: d.str(field{gm, "type", p + ".type", i, ""}),
		}
		for j, cm := range d.objects(field{gm, "GalaxyCluster", p + ".GalaxyCluster", i, ""}) {
			q := fmt.Sprintf("%s.GalaxyCluster[%d]", p, j)
			g.Clusters = append(g.Clusters, GalaxyCluster{
				UUID:    d.str(field{cm, "uuid", q + ".uuid", j, ""}),
				Type:    d.str(field{cm, "type", q + ".type", j, ""}),
				Value:   d.str(field{cm, "value", q + ".value", j, ""}),
				TagName: d.str(field{cm, "tag_name", q + ".tag_name", j, ""}),
			})
		}
		ev.Galaxies = append(ev.Galaxies, g)
	}
	return ev, d.problems, nil
}

func (d *decoder) attribute(am map[string]json.RawMessage, p string, i int) Attribute {
	a := Attribute{invalid: am == nil}
	var f func(string) field
	a.UUID, f = d.fields(am, p, i)
	a.Type = d.str(f("type"))
	a.Category = d.str(f("category"))
	a.Value = d.str(f("value"))
	a.ToIDs = d.boolean(f("to_ids"))
	a.Timestamp = d.unix(f("timestamp"))
	a.Comment = d.str(f("comment"))
	a.FirstSeen = d.seen(f("first_seen"))
	a.LastSeen = d.seen(f("last_seen"))
	a.Deleted = d.boolean(f("deleted"))
	a.ObjectRelation = d.str(f("object_relation"))
	a.Tags = d.tags(f("Tag"))
	return a
}

// fields reads the uuid of the JSON object m at path p (index i in its list)
// and returns it with a constructor of m's other fields, whose problems
// name that uuid.
func (d *decoder) fields(m map[string]json.RawMessage, p string, i int) (string, func(string) field) {
	uuid := d.str(field{m, "uuid", p + ".uuid", i, ""})
	return uuid, func(k string) field { return field{m, k, p + "." + k, i, uuid} }
}

// decodeStrict decodes one JSON value into v and rejects trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrSyntax)
	}
	return nil
}

// field names one property of a decoded JSON object and where it is.
type field struct {
	m     map[string]json.RawMessage
	key   string
	path  string
	index int
	uuid  string
}

// decoder reads MISP's loosely typed JSON (numbers and booleans are often
// strings) and collects a Problem for every value it cannot use.
type decoder struct {
	problems []Problem
}

func (d *decoder) bad(f field, format string, args ...any) {
	d.problems = append(d.problems, Problem{Index: f.index, UUID: f.uuid, Field: f.path, Reason: fmt.Sprintf(format, args...)})
}

// raw returns the property's JSON, or nil when it is absent or null.
func (f field) raw() json.RawMessage {
	r, ok := f.m[f.key]
	if !ok || string(r) == "null" {
		return nil
	}
	return r
}

func (d *decoder) str(f field) string {
	r := f.raw()
	if r == nil {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(r, &n) == nil {
		return n.String()
	}
	d.bad(f, "must be a string")
	return ""
}

func (d *decoder) integer(f field) (int64, bool) {
	r := f.raw()
	if r == nil {
		return 0, false
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		var n json.Number
		if json.Unmarshal(r, &n) != nil {
			d.bad(f, "must be an integer")
			return 0, false
		}
		s = n.String()
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d.bad(f, "%q is not an integer", clip(s))
		return 0, false
	}
	return n, true
}

// unix reads a Unix time in seconds; 0 and absent give the zero time.
func (d *decoder) unix(f field) time.Time {
	n, ok := d.integer(f)
	if !ok || n == 0 {
		return time.Time{}
	}
	// STIX timestamps have four-digit years.
	if n < 0 || n > 253402300799 {
		d.bad(f, "Unix time %d is out of range", n)
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func (d *decoder) boolean(f field) bool {
	r := f.raw()
	if r == nil {
		return false
	}
	var b bool
	if json.Unmarshal(r, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(r, &s) != nil {
		var n json.Number
		if json.Unmarshal(r, &n) != nil {
			d.bad(f, "must be a boolean")
			return false
		}
		s = n.String()
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true":
		return true
	case "0", "false", "":
		return false
	}
	d.bad(f, "%q is not a boolean", clip(s))
	return false
}

// date reads the event's "YYYY-MM-DD" date.
func (d *decoder) date(f field) time.Time {
	s := strings.TrimSpace(d.str(f))
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		d.bad(f, "%q is not a date (YYYY-MM-DD)", clip(s))
		return time.Time{}
	}
	return t
}

// seenLayouts are the forms MISP writes first_seen/last_seen in
// ("2024-05-01T09:30:00.000000+00:00") and forms seen in hand-made events.
var seenLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"}

func (d *decoder) seen(f field) time.Time {
	s := strings.TrimSpace(d.str(f))
	if s == "" {
		return time.Time{}
	}
	for _, l := range seenLayouts {
		if t, err := time.Parse(l, s); err == nil {
			t = t.UTC()
			if t.Year() < 1 || t.Year() > 9999 {
				break
			}
			return t
		}
	}
	d.bad(f, "%q is not a timestamp (ISO 8601)", clip(s))
	return time.Time{}
}

func (d *decoder) object(f field) map[string]json.RawMessage {
	r := f.raw()
	if r == nil {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(r, &m) != nil {
		d.bad(f, "must be a JSON object")
		return nil
	}
	return m
}

// objects reads a list of JSON objects; an element of another type is
// reported and returned as nil, so that indexes keep matching the input.
func (d *decoder) objects(f field) []map[string]json.RawMessage {
	r := f.raw()
	if r == nil {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(r, &list) != nil {
		d.bad(f, "must be a list")
		return nil
	}
	out := make([]map[string]json.RawMessage, len(list))
	for i, e := range list {
		var m map[string]json.RawMessage
		if json.Unmarshal(e, &m) != nil || m == nil {
			d.bad(field{path: fmt.Sprintf("%s[%d]", f.path, i), index: i}, "must be a JSON object")
			m = nil
		}
		out[i] = m
	}
	return out
}

func (d *decoder) tags(f field) []Tag {
	var out []Tag
	for i, tm := range d.objects(f) {
		name := strings.TrimSpace(d.str(field{tm, "name", fmt.Sprintf("%s[%d].name", f.path, i), f.index, f.uuid}))
		if name != "" {
			out = append(out, Tag{Name: name})
		}
	}
	return out
}

// clip shortens untrusted input echoed in messages.
func clip(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
