package intel

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
)

// Change is one field-level difference between two versions of an object.
// Path is a JSON path ("name", "external_references[1].url"); Old and New
// are the JSON values (absent on the side where the field does not exist).
type Change struct {
	Op   string          `json:"op"` // added | removed | changed
	Path string          `json:"path"`
	Old  json.RawMessage `json:"old,omitempty"`
	New  json.RawMessage `json:"new,omitempty"`
}

// Diff lists the differences from version a to version b, in path order.
// Objects are compared key by key; arrays element by element (an element
// added or removed at the end shows as such). "modified" is left out: it
// differs between any two versions by definition.
func Diff(a, b json.RawMessage) []Change {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return []Change{}
	}
	out := []Change{}
	diffValue("", va, vb, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func raw(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return json.RawMessage(bytes.TrimSpace(buf.Bytes()))
}

func diffValue(path string, a, b any, out *[]Change) {
	switch x := a.(type) {
	case map[string]any:
		if y, ok := b.(map[string]any); ok {
			for k, av := range x {
				if path == "" && k == "modified" {
					continue
				}
				p := k
				if path != "" {
					p = path + "." + k
				}
				if bv, ok := y[k]; ok {
					diffValue(p, av, bv, out)
				} else {
					*out = append(*out, Change{Op: "removed", Path: p, Old: raw(av)})
				}
			}
			for k, bv := range y {
				if _, ok := x[k]; ok || path == "" && k == "modified" {
					continue
				}
				p := k
				if path != "" {
					p = path + "." + k
				}
				*out = append(*out, Change{Op: "added", Path: p, New: raw(bv)})
			}
			return
		}
	case []any:
		if y, ok := b.([]any); ok {
			for i := 0; i < max(len(x), len(y)); i++ {
				p := path + "[" + strconv.Itoa(i) + "]"
				switch {
				case i >= len(y):
					*out = append(*out, Change{Op: "removed", Path: p, Old: raw(x[i])})
				case i >= len(x):
					*out = append(*out, Change{Op: "added", Path: p, New: raw(y[i])})
				default:
					diffValue(p, x[i], y[i], out)
				}
			}
			return
		}
	}
	if !bytes.Equal(raw(a), raw(b)) {
		*out = append(*out, Change{Op: "changed", Path: path, Old: raw(a), New: raw(b)})
	}
}
