package stix

import (
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes through every entry point: nothing may
// panic, every object ParseAny returns keeps raw JSON, and validation of
// whatever parses must terminate with either nil or a non-empty Errors.
func FuzzParse(f *testing.F) {
	for _, s := range validObjects {
		f.Add([]byte(s))
	}
	for _, c := range invalidCases[:20] {
		f.Add(mutated(f, c.fixture, c.mutate))
	}
	f.Add([]byte(`{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","objects":[` + validObjects["indicator"] + `,1,null]}`))
	f.Add([]byte(`{"type":"observed-data","objects":{"0":{"type":"ipv4-addr","src_ref":"1"}},"x_refs":[1]}`))
	f.Add([]byte(`{"type":"indicator","pattern_type":"stix","pattern":"[a:b MATCHES '(']","confidence":1e400}`))
	if data, err := os.ReadFile("../../../shared/stix2/examples/threat-reports/poisonivy.json"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if o, err := Parse(data); err == nil {
			check(t, Validate(o))
			o.References()
		}
		if b, err := ParseBundle(data); err == nil {
			check(t, b.Validate())
			b.Dangling()
		}
		if b, err := ParseAny(data); err == nil {
			for _, o := range b.Objects {
				if len(o.Raw) == 0 {
					t.Fatal("object without raw JSON")
				}
			}
			check(t, b.Validate())
		}
	})
}

func check(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	probs, ok := AsErrors(err)
	if !ok || len(probs) == 0 {
		t.Fatalf("validation error %T %v is not a non-empty Errors", err, err)
	}
	for _, p := range probs {
		if p.ObjectID == "" || p.Path == "" || p.Path[0] != '$' || p.Message == "" {
			t.Fatalf("malformed problem %+v", p)
		}
	}
}
