package misp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/stix"
	"sakimori/internal/stix/pattern"
)

// Options adjust a conversion.
type Options struct {
	// Now is used only when the event carries no time at all (no date and
	// no timestamps); pass the import time. Conversion never reads the clock.
	Now time.Time
	// DefaultTLP marks every object of an event that has no tlp:* tag of its
	// own. The zero value leaves such events unmarked.
	DefaultTLP marking.TLP
	// CreatedByRef is the identity written as created_by_ref when the event
	// has no Orgc.
	CreatedByRef string
}

// Result is a converted event.
type Result struct {
	EventUUID string
	// Bundle is the STIX 2.1 bundle; it holds Objects in the same order.
	Bundle  json.RawMessage
	Objects []json.RawMessage
	// TLP is the event's label (its strictest tlp:* tag, else
	// Options.DefaultTLP); TLPInvalid when it has none. PAP is its strictest
	// PAP:* tag.
	TLP marking.TLP
	PAP marking.PAP

	Indicators   int // indicators emitted
	ObservedData int // observed-data objects emitted
	Notes        int // notes emitted for values without a STIX mapping
	Deleted      int // attributes and objects flagged deleted, not converted

	Problems []Problem
}

// Import parses and converts one event: ParseEvent followed by Convert,
// with the problems of both.
func Import(data []byte, opts Options) (*Result, error) {
	ev, probs, err := ParseEvent(data)
	if err != nil {
		return nil, err
	}
	r := Convert(ev, opts)
	r.Problems = append(probs, r.Problems...)
	return r, nil
}

// stixTime writes t as a STIX timestamp with millisecond precision.
func stixTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z")
}

type extRef struct {
	SourceName  string `json:"source_name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
}

// sdo holds the common properties of the domain objects emitted.
type sdo struct {
	Type               string   `json:"type"`
	SpecVersion        string   `json:"spec_version"`
	ID                 string   `json:"id"`
	CreatedByRef       string   `json:"created_by_ref,omitempty"`
	Created            string   `json:"created"`
	Modified           string   `json:"modified"`
	Labels             []string `json:"labels,omitempty"`
	ExternalReferences []extRef `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string `json:"object_marking_refs,omitempty"`
}

type indicatorSDO struct {
	sdo
	Description    string   `json:"description,omitempty"`
	IndicatorTypes []string `json:"indicator_types,omitempty"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	PatternVersion string   `json:"pattern_version,omitempty"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until,omitempty"`
}

type observedDataSDO struct {
	sdo
	FirstObserved  string   `json:"first_observed"`
	LastObserved   string   `json:"last_observed"`
	NumberObserved int      `json:"number_observed"`
	ObjectRefs     []string `json:"object_refs"`
}

type noteSDO struct {
	sdo
	Abstract   string   `json:"abstract,omitempty"`
	Content    string   `json:"content"`
	ObjectRefs []string `json:"object_refs"`
}

type vulnerabilitySDO struct {
	sdo
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type identitySDO struct {
	sdo
	Name          string `json:"name"`
	IdentityClass string `json:"identity_class"`
}

type containerSDO struct {
	sdo
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	ReportTypes []string `json:"report_types,omitempty"`
	Published   string   `json:"published,omitempty"`
	Context     string   `json:"context,omitempty"`
	ObjectRefs  []string `json:"object_refs"`
	ThreatLevel string   `json:"x_misp_threat_level,omitempty"`
	Analysis    string   `json:"x_misp_analysis,omitempty"`
}

// emitted is one object waiting for the bundle.
type emitted struct {
	id    string
	v     any
	ref   bool // listed in the report's object_refs
	index int  // for problems
	uuid  string
	path  string
}

type converter struct {
	ev          *Event
	opts        Options
	res         *Result
	eventKey    string // what derived ids are based on
	containerID string
	creator     string
	created     time.Time // created of every SDO of the event
	modified    time.Time // the event's modified
	tlp         marking.TLP
	tlps        map[marking.TLP]bool
	links       []extRef
	out         []emitted
	seen        map[string]bool
}

// Convert turns a parsed event into a STIX 2.1 bundle. It never fails: what
// cannot be converted is listed in Result.Problems and left out, and every
// object in the bundle passes stix.Validate.
func Convert(ev *Event, opts Options) *Result {
	c := &converter{ev: ev, opts: opts, res: &Result{EventUUID: ev.UUID}, tlps: map[marking.TLP]bool{}, seen: map[string]bool{}}
	c.prepare()
	for i := range ev.Attributes {
		c.attribute(ev.Attributes[i], fmt.Sprintf("Event.Attribute[%d]", i), i, time.Time{})
	}
	for i := range ev.Objects {
		c.object(ev.Objects[i], i)
	}
	c.finish()
	return c.res
}

func (c *converter) problem(index int, uuid, field, format string, args ...any) {
	c.res.Problems = append(c.res.Problems, Problem{Index: index, UUID: uuid, Field: field, Reason: fmt.Sprintf(format, args...)})
}

// tagInfo splits tags into the strictest TLP (TLPInvalid if none) and
// labels (every other tag, PAP tags in canonical form).
func tagInfo(tags []Tag) (marking.TLP, marking.PAP, []string) {
	tlp := marking.TLPInvalid
	pap := marking.PAPUnset
	var labels []string
	for _, t := range tags {
		name := t.Name
		low := strings.ToLower(name)
		if strings.HasPrefix(low, "tlp:") {
			if l, err := marking.ParseTLP(name); err == nil {
				tlp = stricter(tlp, l)
				continue
			}
		}
		if strings.HasPrefix(low, "pap:") {
			if p, err := marking.ParsePAP(name); err == nil {
				pap = max(pap, p)
				name = p.String()
			}
		}
		if !slices.Contains(labels, name) {
			labels = append(labels, name)
		}
	}
	return tlp, pap, labels
}

func (c *converter) prepare() {
	ev := c.ev
	u := strings.ToLower(strings.TrimSpace(ev.UUID))
	c.eventKey = "misp-event:" + u
	if !stixUUID(u) {
		c.problem(-1, "", "Event.uuid", "missing or not an RFC 4122 UUID; ids are derived from the event's content and will change if it changes")
		c.eventKey = "misp-event:" + ev.Info + "|" + ev.Date.Format(time.DateOnly) + "|" + ev.Orgc.UUID + "|" + ev.UUID
	}
	// Times: every SDO of the event is created at the event's date, so that
	// re-imports keep created fixed while modified follows MISP's
	// timestamps.
	c.modified = ev.Timestamp
	c.created = ev.Date
	switch {
	case c.created.IsZero() && !c.modified.IsZero():
		c.created = c.modified
	case c.created.IsZero():
		c.created = c.opts.Now.UTC()
	}
	if c.modified.Before(c.created) {
		c.modified = c.created
	}
	tlp, pap, _ := tagInfo(ev.Tags)
	if tlp == marking.TLPInvalid && c.opts.DefaultTLP.Valid() {
		tlp = c.opts.DefaultTLP
	}
	c.tlp = tlp
	c.res.TLP, c.res.PAP = tlp, pap

	switch {
	case ev.Orgc.Name != "" || ev.Orgc.UUID != "":
		name := ev.Orgc.Name
		if name == "" {
			name = "MISP organisation " + ev.Orgc.UUID
		}
		id := idFor("identity", ev.Orgc.UUID, "misp-org:"+name)
		c.creator = id
		c.emit(emitted{id: id, index: -1, path: "Event.Orgc", v: identitySDO{
			sdo: sdo{Type: "identity", SpecVersion: "2.1", ID: id,
				Created: stixTime(time.Unix(0, 0)), Modified: stixTime(c.modified)},
			Name: name, IdentityClass: "organization",
		}})
	case c.opts.CreatedByRef != "":
		c.creator = c.opts.CreatedByRef
	}
	if c.published() {
		c.containerID = idFor("report", u, c.eventKey)
	} else {
		c.containerID = idFor("grouping", u, c.eventKey)
	}
}

func (c *converter) published() bool {
	return c.ev.Published
}

// times returns created and modified for an SDO last changed at ts.
func (c *converter) times(ts time.Time) (created, modified time.Time) {
	if ts.IsZero() {
		ts = c.modified
	}
	if ts.Before(c.created) {
		ts = c.created
	}
	return c.created, ts
}

func (c *converter) markings(t marking.TLP) []string {
	if !t.Valid() {
		return nil
	}
	c.tlps[t] = true
	return []string{t.StixID()}
}

// objectTLP combines the event's label with an attribute's: the stricter
// one wins.
func (c *converter) objectTLP(own marking.TLP) marking.TLP { return stricter(c.tlp, own) }

// stricter is marking.Stricter where TLPInvalid means "no label" (a tag
// that did not parse was never kept): the other label, if any, wins.
func stricter(a, b marking.TLP) marking.TLP {
	switch {
	case a == marking.TLPInvalid:
		return b
	case b == marking.TLPInvalid:
		return a
	}
	return marking.Stricter(a, b)
}

func (c *converter) base(typ, id string, ts time.Time, tlp marking.TLP, labels []string) sdo {
	created, modified := c.times(ts)
	return sdo{Type: typ, SpecVersion: "2.1", ID: id, CreatedByRef: c.creator,
		Created: stixTime(created), Modified: stixTime(modified),
		Labels: labels, ObjectMarkingRefs: c.markings(c.objectTLP(tlp))}
}

// emit queues an object unless its id was already emitted (SCOs shared by
// several observed-data are emitted once).
func (c *converter) emit(e emitted) bool {
	if c.seen[e.id] {
		return false
	}
	c.seen[e.id] = true
	c.out = append(c.out, e)
	return true
}

// categoryTypes maps MISP categories to STIX indicator types.
var categoryTypes = map[string]string{
	"Payload delivery":      "malicious-activity",
	"Payload installation":  "malicious-activity",
	"Artifacts dropped":     "malicious-activity",
	"Persistence mechanism": "malicious-activity",
	"Network activity":      "malicious-activity",
	"Antivirus detection":   "malicious-activity",
	"Financial fraud":       "malicious-activity",
	"Attribution":           "attribution",
}

func indicatorTypes(category string) []string {
	if t, ok := categoryTypes[category]; ok {
		return []string{t}
	}
	return nil
}

// window returns valid_from and valid_until: first_seen (else the
// attribute's time), and last_seen when it is later.
func window(first, last, ts time.Time) (from, until string) {
	f := first
	if f.IsZero() {
		f = ts
	}
	from = stixTime(f)
	if !last.IsZero() && last.Truncate(time.Millisecond).After(f.Truncate(time.Millisecond)) {
		until = stixTime(last)
	}
	return from, until
}

func (c *converter) attrKey(a Attribute) string {
	return c.eventKey + "|attribute|" + a.Type + "|" + a.Value + "|" + a.UUID
}

// attribute converts one attribute that stands on its own (or belongs to an
// object of a template without a combined mapping).
func (c *converter) attribute(a Attribute, path string, index int, fallbackTS time.Time) {
	if a.invalid {
		return
	}
	if a.Deleted {
		c.res.Deleted++
		return
	}
	ts := a.Timestamp
	if ts.IsZero() {
		ts = fallbackTS
	}
	_, modified := c.times(ts)
	seenAt := ts // valid_from falls back to the attribute's own time
	if seenAt.IsZero() {
		seenAt = modified
	}
	tlp, _, labels := tagInfo(a.Tags)
	bad := func(format string, args ...any) { c.problem(index, a.UUID, path+".value", format, args...) }
	if strings.TrimSpace(a.Value) == "" {
		bad("empty value")
		return
	}
	typ := a.Type
	switch typ {
	case "malware-sample":
		typ = "filename|md5"
	case "attachment":
		typ = "filename"
	}
	if a.ToIDs {
		if pt, ok := rulePatternTypes[typ]; ok {
			id := idFor("indicator", a.UUID, c.attrKey(a))
			from, until := window(a.FirstSeen, a.LastSeen, seenAt)
			c.emitSDO(a, path, index, emitted{id: id, v: indicatorSDO{
				sdo:         c.base("indicator", id, ts, tlp, labels),
				Description: a.Comment, IndicatorTypes: indicatorTypes(a.Category),
				Pattern: a.Value, PatternType: pt, ValidFrom: from, ValidUntil: until,
			}})
			return
		}
		m, err := mapAttribute(typ, a.Value)
		switch {
		case err == nil:
			id := idFor("indicator", a.UUID, c.attrKey(a))
			from, until := window(a.FirstSeen, a.LastSeen, seenAt)
			c.emitSDO(a, path, index, emitted{id: id, v: indicatorSDO{
				sdo:         c.base("indicator", id, ts, tlp, labels),
				Description: a.Comment, IndicatorTypes: indicatorTypes(a.Category),
				Pattern: andPattern(m.cmps), PatternType: "stix", PatternVersion: "2.1",
				ValidFrom: from, ValidUntil: until,
			}})
			return
		case errors.Is(err, errUnsupported):
			c.problem(index, a.UUID, path+".type", "type %q has no STIX pattern mapping; kept as a note, not as an indicator", clip(a.Type))
			c.note(a, path, index, ts, tlp, labels)
			return
		default:
			bad("%s", err)
			return
		}
	}
	switch typ {
	case "link":
		if u, err := pattern.NormalizeURL(strings.TrimSpace(a.Value)); err == nil {
			c.links = append(c.links, extRef{SourceName: "link", URL: u, Description: a.Comment})
			return
		}
	case "vulnerability":
		v := strings.ToUpper(strings.TrimSpace(a.Value))
		if cveRE.MatchString(v) {
			id := idFor("vulnerability", a.UUID, c.attrKey(a))
			b := c.base("vulnerability", id, ts, tlp, labels)
			b.ExternalReferences = []extRef{{SourceName: "cve", ExternalID: v}}
			c.emitSDO(a, path, index, emitted{id: id, v: vulnerabilitySDO{sdo: b, Name: v, Description: a.Comment}})
			return
		}
	}
	m, err := mapAttribute(typ, a.Value)
	switch {
	case err == nil:
		first, last := a.FirstSeen, a.LastSeen
		if first.IsZero() {
			first = modified
		}
		if last.IsZero() || last.Before(first) {
			last = first
		}
		c.observed(a.UUID, c.attrKey(a), path, index, ts, first, last, tlp, labels, m.scos)
	case errors.Is(err, errUnsupported):
		c.note(a, path, index, ts, tlp, labels)
	default:
		bad("%s", err)
	}
}

func andPattern(cmps []cmp) string {
	parts := make([]string, len(cmps))
	for i, x := range cmps {
		parts[i] = x.String()
	}
	return "[" + strings.Join(parts, " AND ") + "]"
}

func (c *converter) observed(uuid, key, path string, index int, ts, first, last time.Time, tlp marking.TLP, labels []string, scos []sco) {
	id := idFor("observed-data", uuid, key)
	var refs []string
	for _, s := range scos {
		refs = append(refs, s.id())
		if tlp := c.objectTLP(tlp); tlp.Valid() && !c.seen[s.id()] {
			// Observables are shared by every observed-data that sees
			// them; the first one's marking applies.
			s["object_marking_refs"] = c.markings(tlp)
		}
		c.emit(emitted{id: s.id(), v: s, index: index, uuid: uuid, path: path})
	}
	if c.emit(emitted{id: id, ref: true, index: index, uuid: uuid, path: path, v: observedDataSDO{
		sdo:           c.base("observed-data", id, ts, tlp, labels),
		FirstObserved: stixTime(first), LastObserved: stixTime(last), NumberObserved: 1, ObjectRefs: refs,
	}}) {
		c.res.ObservedData++
	} else {
		c.problem(index, uuid, path+".uuid", "repeats the uuid of an earlier attribute or object; skipped")
	}
}

func (c *converter) note(a Attribute, path string, index int, ts time.Time, tlp marking.TLP, labels []string) {
	id := idFor("note", a.UUID, c.attrKey(a))
	content := a.Value
	if a.Comment != "" {
		content += "\n\n" + a.Comment
	}
	abstract := "MISP " + a.Type
	if a.Category != "" {
		abstract += " (" + a.Category + ")"
	}
	c.emitSDO(a, path, index, emitted{id: id, v: noteSDO{
		sdo: c.base("note", id, ts, tlp, labels), Abstract: abstract, Content: content, ObjectRefs: []string{c.containerID},
	}})
}

// emitSDO queues an SDO converted from attribute a and counts it.
func (c *converter) emitSDO(a Attribute, path string, index int, e emitted) {
	e.ref, e.index, e.uuid, e.path = true, index, a.UUID, path
	if !c.emit(e) {
		c.problem(index, a.UUID, path+".uuid", "repeats the uuid of an earlier attribute or object; skipped")
		return
	}
	switch e.v.(type) {
	case indicatorSDO:
		c.res.Indicators++
	case noteSDO:
		c.res.Notes++
	}
}

// object converts a MISP object. Objects of the templates in knownObjects
// become one indicator whose pattern ANDs their attributes (when any
// attribute is marked to_ids) or one observed-data; attributes of other
// templates are converted one by one.
func (c *converter) object(o Object, i int) {
	path := fmt.Sprintf("Event.Object[%d]", i)
	if o.invalid {
		return
	}
	if o.Deleted {
		c.res.Deleted++
		return
	}
	ts := o.Timestamp
	if !knownObjects[o.Name] {
		for j, a := range o.Attributes {
			c.attribute(a, fmt.Sprintf("%s.Attribute[%d]", path, j), j, ts)
		}
		return
	}
	var (
		cmps     []cmp
		toIDs    bool
		tlp      = marking.TLPInvalid
		labels   []string
		category string
		usable   []Attribute
		latest   time.Time
	)
	for j, a := range o.Attributes {
		if a.invalid {
			continue
		}
		if a.Deleted {
			c.res.Deleted++
			continue
		}
		ap := fmt.Sprintf("%s.Attribute[%d]", path, j)
		if strings.TrimSpace(a.Value) == "" {
			c.problem(j, a.UUID, ap+".value", "empty value")
			continue
		}
		cs, ok, err := objectCmp(o.Name, a)
		if err != nil {
			c.problem(j, a.UUID, ap+".value", "%s", err)
			continue
		}
		usable = append(usable, a)
		if a.Timestamp.After(latest) {
			latest = a.Timestamp
		}
		t, _, ls := tagInfo(a.Tags)
		tlp = stricter(tlp, t)
		for _, l := range ls {
			if !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		if !ok {
			continue
		}
		cmps = append(cmps, cs...)
		if a.ToIDs {
			toIDs = true
			if category == "" {
				category = a.Category
			}
		}
	}
	if ts.IsZero() {
		ts = latest
	}
	_, modified := c.times(ts)
	key := c.eventKey + "|object|" + o.Name + "|" + o.UUID + "|" + fmt.Sprint(i)
	if toIDs && len(cmps) > 0 {
		id := idFor("indicator", o.UUID, key)
		from, until := window(o.FirstSeen, o.LastSeen, modified)
		c.emitSDO(Attribute{UUID: o.UUID}, path, i, emitted{id: id, v: indicatorSDO{
			sdo:         c.base("indicator", id, ts, tlp, labels),
			Description: o.Comment, IndicatorTypes: indicatorTypes(category),
			Pattern: andPattern(cmps), PatternType: "stix", PatternVersion: "2.1", ValidFrom: from, ValidUntil: until,
		}})
		return
	}
	var scos []sco
	for _, a := range usable {
		if m, err := mapAttribute(a.Type, a.Value); err == nil {
			scos = append(scos, m.scos...)
		}
	}
	if len(scos) > 0 {
		first, last := o.FirstSeen, o.LastSeen
		if first.IsZero() {
			first = modified
		}
		if last.IsZero() || last.Before(first) {
			last = first
		}
		c.observed(o.UUID, key, path, i, ts, first, last, tlp, labels, scos)
		return
	}
	if len(usable) == 0 {
		return
	}
	var b strings.Builder
	for _, a := range usable {
		fmt.Fprintf(&b, "%s (%s): %s\n", a.ObjectRelation, a.Type, a.Value)
	}
	c.note(Attribute{UUID: o.UUID, Type: o.Name + " object", Category: o.MetaCategory, Value: strings.TrimSuffix(b.String(), "\n"), Comment: o.Comment}, path, i, ts, tlp, labels)
}

var threatLevels = map[int]string{1: "high", 2: "medium", 3: "low", 4: "undefined"}
var analyses = map[int]string{0: "initial", 1: "ongoing", 2: "completed"}

// finish builds the report or grouping, validates every object and writes
// the bundle.
func (c *converter) finish() {
	ev := c.ev
	_, _, labels := tagInfo(ev.Tags)
	for _, g := range ev.Galaxies {
		for _, cl := range g.Clusters {
			l := cl.TagName
			if l == "" && cl.Value != "" {
				l = fmt.Sprintf("misp-galaxy:%s=%q", cl.Type, cl.Value)
			}
			if l != "" && !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
	}
	// Validate everything but the container first, so that it refers only
	// to objects that made it into the bundle.
	var kept []emitted
	var raws []json.RawMessage
	var refs []string
	for _, e := range c.out {
		raw, ok := c.validated(e)
		if !ok {
			continue
		}
		kept = append(kept, e)
		raws = append(raws, raw)
		if e.ref {
			refs = append(refs, e.id)
		}
	}
	cont := containerSDO{
		sdo:         c.base("grouping", c.containerID, c.modified, marking.TLPInvalid, labels),
		Name:        ev.Info,
		ThreatLevel: threatLevels[ev.ThreatLevelID],
		Analysis:    analyses[ev.Analysis],
	}
	if strings.TrimSpace(cont.Name) == "" {
		cont.Name = "MISP event " + ev.UUID
	}
	if u := strings.ToLower(strings.TrimSpace(ev.UUID)); u != "" {
		cont.ExternalReferences = append(cont.ExternalReferences, extRef{SourceName: "misp", ExternalID: u})
	}
	cont.ExternalReferences = append(cont.ExternalReferences, c.links...)
	if strings.HasPrefix(c.containerID, "report--") {
		cont.Type = "report"
		cont.ReportTypes = []string{"threat-report"}
		pub := ev.PublishTimestamp
		if pub.IsZero() {
			pub = c.modified
		}
		cont.Published = stixTime(pub)
	} else {
		cont.Context = "suspicious-activity"
	}
	if len(refs) == 0 {
		// A report or grouping needs object_refs: say why it is empty, as
		// misp-stix does.
		id := idFor("note", ev.UUID, c.eventKey+"|empty")
		n := emitted{id: id, ref: true, index: -1, path: "Event", v: noteSDO{
			sdo:        c.base("note", id, c.modified, marking.TLPInvalid, nil),
			Content:    "This MISP event has no attribute or object that could be converted to STIX.",
			ObjectRefs: []string{c.containerID},
		}}
		if raw, ok := c.validated(n); ok {
			kept, raws, refs = append(kept, n), append(raws, raw), append(refs, id)
			c.res.Notes++
		}
	}
	cont.ObjectRefs = refs
	ce := emitted{id: c.containerID, index: -1, path: "Event", v: cont}
	craw, ok := c.validated(ce)

	// Bundle order: identity, marking definitions, the report or grouping,
	// then the rest in input order.
	var objs []json.RawMessage
	rest := 0
	if len(kept) > 0 && strings.HasPrefix(kept[0].id, "identity--") && kept[0].path == "Event.Orgc" {
		objs = append(objs, raws[0])
		rest = 1
	}
	var levels []marking.TLP
	for t := range c.tlps {
		levels = append(levels, t)
	}
	sort.Slice(levels, func(i, j int) bool { return levels[i] < levels[j] })
	for _, t := range levels {
		def, _ := t.StixDefinition()
		raw, _ := json.Marshal(def)
		objs = append(objs, raw)
	}
	if ok {
		objs = append(objs, craw)
	}
	objs = append(objs, raws[rest:]...)
	c.res.Objects = objs
	bid := "bundle--" + uuid5(Namespace, "misp-bundle|"+c.containerID+"|"+stixTime(c.modified))
	c.res.Bundle, _ = json.Marshal(struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}{"bundle", bid, objs})
}

// validated marshals e and checks it with stix.Validate. An object that
// fails (which means a gap in this converter, not bad input) is reported
// and dropped, so the bundle always validates.
func (c *converter) validated(e emitted) (json.RawMessage, bool) {
	raw, err := json.Marshal(e.v)
	if err == nil {
		var o *stix.Object
		if o, err = stix.Parse(raw); err == nil {
			err = stix.Validate(o)
		}
	}
	if err != nil {
		c.problem(e.index, e.uuid, e.path, "could not be converted to valid STIX (%s): %v", e.id, err)
		return nil, false
	}
	return raw, true
}
