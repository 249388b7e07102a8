package intel

import (
	"bytes"
	"encoding/json"

	"sakimori/internal/marking"
)

// WithTLP returns the object's JSON as sakimori emits it: unchanged when
// the object carries a TLP marking of its own, and otherwise with the TLP
// it was stored under (its collection's label) added to
// object_marking_refs, so that the label travels with the object to every
// consumer. Marking definitions are never changed.
func WithTLP(raw json.RawMessage, t marking.TLP) json.RawMessage {
	var head struct {
		Type string          `json:"type"`
		Refs json.RawMessage `json:"object_marking_refs"`
	}
	if json.Unmarshal(raw, &head) != nil || head.Type == "marking-definition" || !t.Valid() {
		return raw
	}
	var refs []string
	if len(head.Refs) > 0 {
		if json.Unmarshal(head.Refs, &refs) != nil {
			return raw
		}
		for _, r := range refs {
			if _, ok := marking.FromStixID(r); ok {
				return raw
			}
		}
	}
	id := t.StixID()
	if len(head.Refs) == 0 {
		// Insert before the closing brace, keeping every byte before it.
		body := bytes.TrimRight(raw, " \t\r\n")
		if len(body) < 2 || body[len(body)-1] != '}' {
			return raw
		}
		inner := bytes.TrimSpace(body[1 : len(body)-1])
		var b bytes.Buffer
		b.Grow(len(body) + 90)
		b.Write(body[:len(body)-1])
		if len(inner) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"object_marking_refs":["` + id + `"]}`)
		return b.Bytes()
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return raw
	}
	refs = append(refs, id)
	m["object_marking_refs"], _ = json.Marshal(refs)
	out, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return out
}
