package intel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
)

func TestDiff(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		want []Change
	}{
		{"identical but modified", `{"a":1,"modified":"x"}`, `{"a":1,"modified":"y"}`, []Change{}},
		{"changed scalar", `{"a":1}`, `{"a":2}`, []Change{{Op: "changed", Path: "a", Old: json.RawMessage("1"), New: json.RawMessage("2")}}},
		{"added and removed", `{"a":1,"b":"x"}`, `{"a":1,"c":true}`, []Change{
			{Op: "removed", Path: "b", Old: json.RawMessage(`"x"`)}, {Op: "added", Path: "c", New: json.RawMessage("true")}}},
		{"nested", `{"ext":{"k":[1,2]}}`, `{"ext":{"k":[1,3,4]}}`, []Change{
			{Op: "changed", Path: "ext.k[1]", Old: json.RawMessage("2"), New: json.RawMessage("3")}, {Op: "added", Path: "ext.k[2]", New: json.RawMessage("4")}}},
		{"type change", `{"a":[1]}`, `{"a":{"x":1}}`, []Change{{Op: "changed", Path: "a", Old: json.RawMessage("[1]"), New: json.RawMessage(`{"x":1}`)}}},
		{"html not escaped", `{"a":"<b>"}`, `{"a":"<i>"}`, []Change{{Op: "changed", Path: "a", Old: json.RawMessage(`"<b>"`), New: json.RawMessage(`"<i>"`)}}},
		{"not json", `{`, `{}`, []Change{}},
	}
	for _, c := range cases {
		got := Diff(json.RawMessage(c.a), json.RawMessage(c.b))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Diff = %s, want %s", c.name, js(got), js(c.want))
		}
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestWithTLP(t *testing.T) {
	amber := marking.TLPAmber.StixID()
	green := marking.TLPGreen.StixID()
	cases := []struct {
		name, in, want string
		tlp            marking.TLP
	}{
		{"adds to an unmarked object", `{"type":"indicator","id":"x"}`, `{"type":"indicator","id":"x","object_marking_refs":["` + amber + `"]}`, marking.TLPAmber},
		{"keeps its own TLP", `{"type":"indicator","object_marking_refs":["` + green + `"]}`, `{"type":"indicator","object_marking_refs":["` + green + `"]}`, marking.TLPAmber},
		{"keeps a TLP 1.0 marking", `{"type":"indicator","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}`,
			`{"type":"indicator","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]}`, marking.TLPRed},
		{"appends to other markings", `{"type":"note","object_marking_refs":["marking-definition--00000000-0000-4000-8000-000000000001"]}`,
			`{"object_marking_refs":["marking-definition--00000000-0000-4000-8000-000000000001","` + amber + `"],"type":"note"}`, marking.TLPAmber},
		{"marking definitions untouched", `{"type":"marking-definition","id":"m"}`, `{"type":"marking-definition","id":"m"}`, marking.TLPRed},
		{"whitespace before brace", "{\"type\":\"tool\"}\n", `{"type":"tool","object_marking_refs":["` + green + `"]}`, marking.TLPGreen},
	}
	for _, c := range cases {
		got := string(WithTLP(json.RawMessage(c.in), c.tlp))
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		var v any
		if json.Unmarshal([]byte(got), &v) != nil {
			t.Errorf("%s: output is not JSON", c.name)
		}
	}
}

func TestParseObjects(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		n     int
		nils  int
		field string // error field when an error is expected ("-" for none)
	}{
		{"bundle", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[{"type":"tool","id":"tool--1"},7,{"type":"x"}]}`, 3, 1, "-"},
		{"envelope", `{"objects":[{"type":"tool"},"s"]}`, 2, 1, "-"},
		{"empty envelope", `{"objects":[]}`, 0, 0, "-"},
		{"single object", `{"type":"tool","id":"tool--1"}`, 1, 0, "-"},
		{"array", `[1]`, 0, 0, ""},
		{"objects not array", `{"objects":5}`, 0, 0, "objects"},
		{"broken", `{"objects":[`, 0, 0, ""},
		{"empty", ``, 0, 0, ""},
	}
	for _, c := range cases {
		objs, err := ParseObjects([]byte(c.in))
		if c.field != "-" {
			if apperr.CodeOf(err) != apperr.CodeInvalid || apperr.As(err).Field != c.field {
				t.Errorf("%s: err = %v, want invalid field %q", c.name, err, c.field)
			}
			continue
		}
		if err != nil || len(objs) != c.n {
			t.Errorf("%s: %d objects, %v", c.name, len(objs), err)
			continue
		}
		nils := 0
		for _, o := range objs {
			if o == nil {
				nils++
			}
		}
		if nils != c.nils {
			t.Errorf("%s: %d non-objects, want %d", c.name, nils, c.nils)
		}
	}
}

func FuzzParseObjects(f *testing.F) {
	for _, s := range []string{`{"type":"bundle","objects":[{"type":"tool"}]}`, `{"objects":[1,{"a":2}]}`, `{"type":"indicator"}`, `[]`, `{"objects":null}`, `{"Type":"bundle","objects":[1]}`, `{"type":"bundle","type":"x","objects":[]}`, `{"type":5}`, ` {"objects":[{"a":"\u00e9"} , 2]} `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// SplitObjects (the frame only) agrees with ParseObjects on what is
		// refused and on the number of elements.
		raws, serr := SplitObjects(data)
		if serr != nil && apperr.CodeOf(serr) != apperr.CodeInvalid {
			t.Fatalf("SplitObjects error %v is not invalid input", serr)
		}
		// The fast frame reader (jsonfast) changes nothing: same elements,
		// same errors as encoding/json alone.
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
			slow, slowErr := splitSlow(trimmed)
			if fmt.Sprint(serr) != fmt.Sprint(slowErr) || len(raws) != len(slow) {
				t.Fatalf("SplitObjects: %d elements, %v; encoding/json: %d, %v", len(raws), serr, len(slow), slowErr)
			}
			for i := range raws {
				if !bytes.Equal(raws[i], slow[i]) {
					t.Fatalf("element %d: %q, encoding/json: %q", i, raws[i], slow[i])
				}
			}
		}
		if pobjs, perr := ParseObjects(data); (serr == nil) != (perr == nil) || serr == nil && len(raws) != len(pobjs) {
			t.Fatalf("SplitObjects: %d elements, %v; ParseObjects: %d objects, %v", len(raws), serr, len(pobjs), perr)
		}
		objs, err := ParseObjects(data)
		if err != nil {
			if apperr.CodeOf(err) != apperr.CodeInvalid {
				t.Fatalf("error %v is not invalid input", err)
			}
			return
		}
		for _, o := range objs {
			if o != nil && !json.Valid(o.Raw) {
				t.Fatalf("raw of a parsed object is not JSON: %q", o.Raw)
			}
		}
	})
}

func TestParseVersionMatch(t *testing.T) {
	ts := time.Date(2026, 11, 1, 0, 5, 0, 123456789, time.UTC)
	vm, err := ParseVersionMatch([]string{"first,last", "2026-11-01T00:05:00.123456789Z"})
	if err != nil || !vm.First || !vm.Last || vm.All || len(vm.Times) != 1 || !vm.Times[0].Equal(ts) {
		t.Fatalf("ParseVersionMatch = %+v, %v", vm, err)
	}
	for _, bad := range []string{"latest", "", "first,", "2026-13-01T00:00:00Z"} {
		if _, err := ParseVersionMatch([]string{bad}); apperr.CodeOf(err) != apperr.CodeInvalid || !strings.Contains(apperr.As(err).Field, "match[version]") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestCursor(t *testing.T) {
	if n, err := decodeCursor(encodeCursor(1234567)); err != nil || n != 1234567 {
		t.Fatalf("round trip: %d %v", n, err)
	}
	for _, bad := range []string{"!!", "MA", "LTE", "abc"} {
		if _, err := decodeCursor(bad); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}
