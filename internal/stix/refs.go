package stix

import (
	"sort"
	"strings"
)

// Dangling is a reference from an object in a bundle to an object the bundle
// does not contain. It is not an error: STIX content routinely refers to
// objects the receiver already holds or can fetch.
type Dangling struct {
	From string // id of the referring object
	Path string // JSONPath of the reference inside the referring object
	To   string // the referenced id
}

// Dangling lists the references (every *_ref and *_refs property, at any
// depth) whose target is not in the bundle, in bundle order. References to
// the well-known TLP 1.0 and 2.0 marking definitions are not listed, and
// neither are the object-local references inside an observed-data object's
// deprecated "objects" dictionary. Malformed references are skipped (Validate
// reports them).
func (b *Bundle) Dangling() []Dangling {
	have := make(map[string]bool, len(b.Objects))
	for _, o := range b.Objects {
		if o.ID != "" {
			have[o.ID] = true
		}
	}
	var out []Dangling
	for _, o := range b.Objects {
		collectRefs(o.props, "$", "", o.Type == "observed-data", func(path, id string) {
			if !have[id] && !WellKnownMarking(id) && idRE.MatchString(id) {
				out = append(out, Dangling{From: o.ID, Path: path, To: id})
			}
		})
	}
	return out
}

// References returns every well-formed identifier the object refers to, with
// its JSONPath.
func (o *Object) References() []Dangling {
	var out []Dangling
	collectRefs(o.props, "$", "", o.Type == "observed-data", func(path, id string) {
		if idRE.MatchString(id) {
			out = append(out, Dangling{From: o.ID, Path: path, To: id})
		}
	})
	return out
}

func collectRefs(val any, path, key string, topObserved bool, f func(path, id string)) {
	switch {
	case strings.HasSuffix(key, "_ref"):
		if s, ok := val.(string); ok {
			f(path, s)
		}
		return
	case strings.HasSuffix(key, "_refs"):
		if l, ok := val.([]any); ok {
			for i, e := range l {
				if s, ok := e.(string); ok {
					f(index(path, i), s)
				}
			}
		}
		return
	}
	switch x := val.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			if topObserved && k == "objects" {
				continue
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			collectRefs(x[k], jsonPath(path, k), k, false, f)
		}
	case []any:
		for i, e := range x {
			collectRefs(e, index(path, i), "", false, f)
		}
	}
}
