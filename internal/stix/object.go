// Package stix is sakimori's STIX 2.1 object model and validator.
//
// Parse and ParseBundle decode STIX 2.1 JSON. Every object keeps its raw JSON
// (Object.Raw) so nothing a producer sent is lost, and the common properties
// (STIX 2.1 section 3.2) are decoded into the Object struct for convenience.
// Decoding is lenient: a property of the wrong JSON type is left at its zero
// value in the struct and reported by Validate instead of failing the parse,
// so a submitter gets every problem of an object at once.
//
// Validate checks an object against the rules of the STIX 2.1 specification
// (identifiers, timestamps, required and typed properties per object type,
// custom property naming, reference shapes, indicator patterns via
// internal/stix/pattern). Bundle.Validate checks a whole bundle, and
// Bundle.Dangling lists references to objects the bundle does not carry.
// See docs/stix.md for the complete list of rules and where they differ from
// the OASIS JSON schemas.
package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"sakimori/internal/jsonfast"
	"sakimori/internal/stix/pattern"
)

// SpecVersion is the only STIX version sakimori accepts.
const SpecVersion = "2.1"

// ExternalReference is a STIX external reference (section 2.5).
type ExternalReference struct {
	SourceName  string            `json:"source_name"`
	Description string            `json:"description,omitempty"`
	URL         string            `json:"url,omitempty"`
	Hashes      map[string]string `json:"hashes,omitempty"`
	ExternalID  string            `json:"external_id,omitempty"`
}

// GranularMarking applies a marking (or a language) to parts of an object
// (section 7.2.3).
type GranularMarking struct {
	Lang       string   `json:"lang,omitempty"`
	MarkingRef string   `json:"marking_ref,omitempty"`
	Selectors  []string `json:"selectors"`
}

// Object is one STIX object: its raw JSON plus the decoded common properties.
// Properties absent from the JSON, or present with the wrong JSON type, are
// left at their zero value; Validate reports the latter.
type Object struct {
	Type         string
	SpecVersion  string
	ID           string
	Created      time.Time // zero if absent or malformed
	Modified     time.Time // zero if absent or malformed
	CreatedByRef string
	Revoked      bool
	Labels       []string
	Confidence   *int // nil if absent or malformed
	Lang         string

	ExternalReferences []ExternalReference
	ObjectMarkingRefs  []string
	GranularMarkings   []GranularMarking
	// Extensions maps an extension name to its raw JSON value.
	Extensions map[string]json.RawMessage

	// Raw is the object's JSON exactly as received.
	Raw json.RawMessage

	// props is the object decoded generically (numbers as json.Number); the
	// validator works on it.
	props map[string]any
	// pattern is the indicator's parsed STIX pattern, kept by Validate for
	// Pattern (patternSrc is the text it was parsed from).
	pattern    *pattern.Pattern
	patternSrc string
}

// Pattern returns the parsed STIX pattern of an indicator whose
// pattern_type is "stix", parsing it unless Validate already did.
func (o *Object) Pattern() (*pattern.Pattern, error) {
	pt, _ := o.props["pattern_type"].(string)
	src, ok := o.props["pattern"].(string)
	if pt != "stix" || !ok {
		return nil, errors.New("stix: not an indicator with a STIX pattern")
	}
	if o.pattern != nil && o.patternSrc == src {
		return o.pattern, nil
	}
	return pattern.Parse(src)
}

// Property returns the decoded value of a top-level property (string, bool,
// json.Number, []any, map[string]any) and whether it is present.
func (o *Object) Property(name string) (any, bool) {
	v, ok := o.props[name]
	return v, ok
}

// Bundle is a STIX bundle (section 8).
type Bundle struct {
	ID      string
	Objects []*Object
	Raw     json.RawMessage

	props map[string]any
}

// ErrSyntax is wrapped by the errors of Parse and ParseBundle when the input
// is not usable JSON of the expected shape.
var ErrSyntax = errors.New("stix: malformed input")

func syntaxErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSyntax, fmt.Sprintf(format, args...))
}

// decodeValue decodes one JSON value keeping numbers exact. It rejects
// trailing data after the value. Valid input takes jsonfast's path; the
// rest (and what jsonfast leaves) encoding/json's, for its error messages.
func decodeValue(data []byte) (any, error) {
	if v, ok := jsonfast.Value(data); ok {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxErr("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, syntaxErr("trailing data after the JSON value")
	}
	return v, nil
}

// Parse decodes a single STIX object. It fails only if the input is not a
// JSON object or is a bundle (use ParseBundle or ParseAny); all other
// problems are reported by Validate.
func Parse(data []byte) (*Object, error) {
	v, err := decodeValue(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, syntaxErr("a STIX object must be a JSON object")
	}
	if m["type"] == "bundle" {
		return nil, syntaxErr("got a bundle where a single object was expected")
	}
	return newObject(m, bytes.TrimSpace(data)), nil
}

// ParseBundle decodes a STIX bundle. Each element of "objects" that is a JSON
// object becomes an Object with its own raw JSON; elements of any other JSON
// type are reported by Bundle.Validate.
func ParseBundle(data []byte) (*Bundle, error) {
	v, err := decodeValue(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, syntaxErr("a STIX bundle must be a JSON object")
	}
	if m["type"] != "bundle" {
		return nil, syntaxErr(`a bundle must have "type": "bundle"`)
	}
	b := &Bundle{Raw: json.RawMessage(bytes.TrimSpace(data)), props: m}
	b.ID, _ = m["id"].(string)
	// Decode "objects" a second time as raw messages so each object keeps
	// its exact bytes.
	var shape struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &shape); err != nil {
		// "objects" is not an array; Validate reports it.
		return b, nil
	}
	list, _ := m["objects"].([]any)
	for i, raw := range shape.Objects {
		if i >= len(list) {
			break
		}
		om, ok := list[i].(map[string]any)
		if !ok {
			continue
		}
		b.Objects = append(b.Objects, newObject(om, raw))
	}
	return b, nil
}

// ParseAny decodes either a bundle or a single object; a single object is
// returned as a bundle without an ID holding that one object.
func ParseAny(data []byte) (*Bundle, error) {
	v, err := decodeValue(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, syntaxErr("STIX content must be a JSON object")
	}
	if m["type"] == "bundle" {
		return ParseBundle(data)
	}
	return &Bundle{Objects: []*Object{newObject(m, bytes.TrimSpace(data))}}, nil
}

func newObject(m map[string]any, raw []byte) *Object {
	o := &Object{Raw: json.RawMessage(raw), props: m}
	o.Type, _ = m["type"].(string)
	o.SpecVersion, _ = m["spec_version"].(string)
	o.ID, _ = m["id"].(string)
	o.CreatedByRef, _ = m["created_by_ref"].(string)
	o.Revoked, _ = m["revoked"].(bool)
	o.Lang, _ = m["lang"].(string)
	if s, ok := m["created"].(string); ok {
		o.Created, _ = parseTimestamp(s)
	}
	if s, ok := m["modified"].(string); ok {
		o.Modified, _ = parseTimestamp(s)
	}
	if n, ok := m["confidence"].(json.Number); ok {
		if i, err := n.Int64(); err == nil && i >= 0 && i <= 100 {
			c := int(i)
			o.Confidence = &c
		}
	}
	o.Labels = stringList(m["labels"])
	o.ObjectMarkingRefs = stringList(m["object_marking_refs"])
	// The remaining structured properties are decoded from their part of
	// the generic tree (re-encoded: they are small and often absent), not
	// by scanning the whole object again; a type mismatch leaves the field
	// empty.
	if v, ok := m["external_references"]; ok {
		var ers []ExternalReference
		if redecode(v, &ers) {
			o.ExternalReferences = ers
		}
	}
	if v, ok := m["granular_markings"]; ok {
		var gms []GranularMarking
		if redecode(v, &gms) {
			o.GranularMarkings = gms
		}
	}
	if v, ok := m["extensions"]; ok {
		var ext map[string]json.RawMessage
		if redecode(v, &ext) {
			o.Extensions = ext
		}
	}
	return o
}

// redecode decodes a value of the generic tree into dst through JSON.
func redecode(v any, dst any) bool {
	b, err := json.Marshal(v)
	return err == nil && json.Unmarshal(b, dst) == nil
}

func stringList(v any) []string {
	l, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}
