package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// A MISP feed is a directory served over HTTP: manifest.json indexes the
// events, <uuid>.json holds each event ({"Event": {...}}), and the optional
// hashes.csv lists "<md5 of an attribute value>,<event uuid>" lines for
// quick look-ups. This file parses the two index files; fetching is the
// caller's business.

// ManifestEntry is one event listed in a feed's manifest.json.
type ManifestEntry struct {
	UUID          string // the key: fetch <feed>/<UUID>.json
	Info          string
	Date          time.Time // zero if absent or malformed
	Timestamp     time.Time // last change of the event; zero if absent
	ThreatLevelID int
	Analysis      int // -1 if absent
	Orgc          Org
	Tags          []Tag
}

// ParseManifest decodes a feed's manifest.json: an object mapping event
// uuids to summaries. Entries come back sorted by timestamp, then uuid, so
// a poller can walk them in order. It fails only if the input is not a JSON
// object; an entry that is not an object or whose key is not a UUID is
// reported as a Problem (Field "manifest[<key>]") and left out.
func ParseManifest(data []byte) ([]ManifestEntry, []Problem, error) {
	var top map[string]json.RawMessage
	if err := decodeStrict(data, &top); err != nil {
		return nil, nil, err
	}
	if top == nil {
		return nil, nil, fmt.Errorf("%w: manifest.json must be a JSON object", ErrSyntax)
	}
	d := &decoder{}
	var out []ManifestEntry
	for key, raw := range top {
		p := fmt.Sprintf("manifest[%q]", clip(key))
		u := strings.ToLower(strings.TrimSpace(key))
		if !stixUUID(u) && !looseUUID(u) {
			d.problems = append(d.problems, Problem{Index: -1, Field: p, Reason: "key is not an event UUID"})
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil || m == nil {
			d.problems = append(d.problems, Problem{Index: -1, UUID: key, Field: p, Reason: "must be a JSON object"})
			continue
		}
		f := func(k string) field { return field{m, k, p + "." + k, -1, key} }
		e := ManifestEntry{UUID: u, Analysis: -1}
		e.Info = d.str(f("info"))
		e.Date = d.date(f("date"))
		e.Timestamp = d.unix(f("timestamp"))
		if n, ok := d.integer(f("threat_level_id")); ok {
			e.ThreatLevelID = int(n)
		}
		if n, ok := d.integer(f("analysis")); ok {
			e.Analysis = int(n)
		}
		if om := d.object(f("Orgc")); om != nil {
			e.Orgc.UUID = d.str(field{om, "uuid", p + ".Orgc.uuid", -1, key})
			e.Orgc.Name = d.str(field{om, "name", p + ".Orgc.name", -1, key})
		}
		e.Tags = d.tags(f("Tag"))
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Timestamp.Equal(out[j].Timestamp) {
			return out[i].Timestamp.Before(out[j].Timestamp)
		}
		return out[i].UUID < out[j].UUID
	})
	sort.SliceStable(d.problems, func(i, j int) bool { return d.problems[i].Field < d.problems[j].Field })
	return out, d.problems, nil
}

// looseUUID accepts the 8-4-4-4-12 hex layout without checking version and
// variant bits (some MISP instances have such uuids; they are still valid
// file names in a feed).
func looseUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Newer returns the entries changed after the known timestamps: those whose
// uuid is not in known, or whose Timestamp is later than known[uuid]. An
// entry without a timestamp is always returned (it cannot be compared).
// The order of entries is kept.
func Newer(entries []ManifestEntry, known map[string]time.Time) []ManifestEntry {
	var out []ManifestEntry
	for _, e := range entries {
		t, ok := known[e.UUID]
		if !ok || e.Timestamp.IsZero() || e.Timestamp.After(t) {
			out = append(out, e)
		}
	}
	return out
}

// EventPath returns the path of an entry's event relative to the feed's
// base URL.
func (e ManifestEntry) EventPath() string { return e.UUID + ".json" }

// HashEntry is one line of a feed's hashes.csv: the MD5 of an attribute
// value (each half separately for composite values such as domain|ip) and
// the uuid of the event that holds it.
type HashEntry struct {
	MD5       string
	EventUUID string
}

// ParseHashes decodes hashes.csv. Blank lines are skipped; a line that is
// not "<32 hex digits>,<uuid>" is reported as a Problem (Field
// "hashes.csv:<line>") and left out.
func ParseHashes(data []byte) ([]HashEntry, []Problem) {
	var out []HashEntry
	var probs []Problem
	for n, line := range bytes.Split(data, []byte("\n")) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			continue
		}
		where := fmt.Sprintf("hashes.csv:%d", n+1)
		h, u, ok := strings.Cut(s, ",")
		h = strings.ToLower(strings.Trim(strings.TrimSpace(h), `"`))
		u = strings.ToLower(strings.Trim(strings.TrimSpace(u), `"`))
		if !ok || !isHex(h, 32) {
			probs = append(probs, Problem{Index: n, Field: where, Reason: fmt.Sprintf("%q is not <md5>,<event uuid>", clip(s))})
			continue
		}
		if !looseUUID(u) {
			probs = append(probs, Problem{Index: n, Field: where, Reason: fmt.Sprintf("%q is not an event UUID", clip(u))})
			continue
		}
		out = append(out, HashEntry{MD5: h, EventUUID: u})
	}
	return out, probs
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
