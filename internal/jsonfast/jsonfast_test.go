package jsonfast_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sakimori/internal/jsonfast"
	"sakimori/internal/stix/stixtest"
)

// reference decodes as the callers did before jsonfast: a Decoder with
// UseNumber, and nothing but white space after the value.
func reference(data []byte) (any, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// deep tells whether data might nest deeper than jsonfast handles, the only
// case where it may leave valid input to encoding/json.
func deep(data []byte) bool {
	return bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > 1000
}

var cases = []string{
	``, ` `, `{}`, `[]`, `[ ]`, `{ }`, `null`, `true`, `false`, `nul`, `tru`, `0`, `-0`, `01`, `-`, `1.`, `.5`, `1.5e`, `1e+9`, `1E-2`, `-12.5e3`,
	`"x"`, `"`, `"\"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\u12"`, `"\x"`, "\"a\tb\"", "\"\xff\xfe\"", `"日本語"`, `"a\/b"`,
	`{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1}}`, `{"a":1} x`, `{"a":1} {}`, `[1,2,]`, `[1 2]`, `[,]`, `{"a":{"b":[1,{"c":null}]}}`,
	`{"a":1,"a":2}`, `{"A":1,"a":2}`, ` {"type":"bundle","objects":[{"id":"x"}, [1], "s"]} `, `{"objects":null}`, `{"objects":{}}`,
	"{\"a\":\"\x00\"}", `[1e400]`, `[-1.0E+00]`, `{"":""}`, strings.Repeat("[", 999) + strings.Repeat("]", 999),
	strings.Repeat("[", 1001) + strings.Repeat("]", 1001), strings.Repeat("[", 5),
}

func seeds(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c))
	}
	files, _ := filepath.Glob(filepath.Join(stixtest.SharedDir(f), "stix2", "examples", "*.json"))
	for _, p := range files[:min(len(files), 20)] {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func checkValue(t *testing.T, data []byte) {
	got, ok := jsonfast.Value(data)
	want, wantOK := reference(data)
	switch {
	case ok && !wantOK:
		t.Fatalf("Value(%q) accepted input encoding/json rejects: %#v", data, got)
	case !ok && wantOK && !deep(data):
		t.Fatalf("Value(%q) left valid input to encoding/json", data)
	case ok && !reflect.DeepEqual(got, want):
		t.Fatalf("Value(%q) = %#v, encoding/json gives %#v", data, got, want)
	}
}

func checkMembers(t *testing.T, data []byte) {
	keys, vals, ok := jsonfast.Members(data)
	var ref map[string]json.RawMessage
	wantOK := json.Valid(data) && json.Unmarshal(data, &ref) == nil && ref != nil
	switch {
	case ok && !wantOK:
		t.Fatalf("Members(%q) accepted input that is not one JSON object", data)
	case !ok && wantOK && !deep(data):
		t.Fatalf("Members(%q) left a valid object to encoding/json", data)
	case ok:
		got := map[string]json.RawMessage{}
		for i, k := range keys {
			got[k] = json.RawMessage(vals[i]) // the last of duplicates wins, as in encoding/json
		}
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("Members(%q) = %q, encoding/json gives %q", data, got, ref)
		}
	}
}

func checkElements(t *testing.T, data []byte) {
	got, ok := jsonfast.Elements(data)
	var ref []json.RawMessage
	wantOK := json.Valid(data) && bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) && json.Unmarshal(data, &ref) == nil
	switch {
	case ok && !wantOK:
		t.Fatalf("Elements(%q) accepted input that is not one JSON array", data)
	case !ok && wantOK && !deep(data):
		t.Fatalf("Elements(%q) left a valid array to encoding/json", data)
	case ok:
		if len(got) != len(ref) {
			t.Fatalf("Elements(%q): %d elements, encoding/json gives %d", data, len(got), len(ref))
		}
		for i := range got {
			if !bytes.Equal(got[i], ref[i]) {
				t.Fatalf("Elements(%q)[%d] = %q, encoding/json gives %q", data, i, got[i], ref[i])
			}
		}
	}
}

func TestCases(t *testing.T) {
	for _, c := range cases {
		checkValue(t, []byte(c))
		checkMembers(t, []byte(c))
		checkElements(t, []byte(c))
	}
	// The fast path is taken for the common shapes (a check that cannot
	// pass by leaving everything to encoding/json).
	for _, c := range []string{`{"a":[1,"b",{"c":true}],"d":"日本語"}`, `"\u00e9"`, "\"\xff\""} {
		if _, ok := jsonfast.Value([]byte(c)); !ok {
			t.Errorf("Value(%q) not handled", c)
		}
	}
	if keys, vals, ok := jsonfast.Members([]byte(` {"type":"bundle", "objects" : [1] } `)); !ok || len(keys) != 2 || keys[1] != "objects" || string(vals[1]) != "[1]" {
		t.Errorf("Members: %q %q %v", keys, vals, ok)
	}
	if elems, ok := jsonfast.Elements([]byte(`[ {"a":1} , 2 ]`)); !ok || len(elems) != 2 || string(elems[0]) != `{"a":1}` || string(elems[1]) != "2" {
		t.Errorf("Elements: %q %v", elems, ok)
	}
}

func FuzzValue(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { checkValue(t, data) })
}

func FuzzMembers(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { checkMembers(t, data) })
}

func FuzzElements(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { checkElements(t, data) })
}
