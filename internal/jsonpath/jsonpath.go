// Package jsonpath reads values out of JSON decoded into any (objects as
// map[string]any, arrays as []any) while keeping the JSON path of each
// value ("components[3].supplier.name"), so that importers can name the
// offending value in their errors and warnings. It is shared by the SBOM
// importer (package sbom) and the CVE JSON 5 and KEV importers (package
// vuln).
package jsonpath

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Error is a value of the wrong JSON type at Path.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string { return e.Path + ": " + e.Msg }

// Object is a decoded JSON object together with its path ("" for the
// top-level value).
type Object struct {
	M    map[string]any
	Path string
}

// At returns the path of a member.
func (o Object) At(key string) string {
	if o.Path == "" {
		return key
	}
	return o.Path + "." + key
}

// Index returns the path of an array element.
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// Kind names the JSON type of a decoded value for error messages ("a
// string", "null").
func Kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// AsObject returns v as an object at path.
func AsObject(v any, path string) (Object, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Object{}, &Error{path, "must be an object, not " + Kind(v)}
	}
	return Object{m, path}, nil
}

// Str returns a string member; absent and null are "".
func (o Object) Str(key string) (string, error) {
	v, ok := o.M[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", &Error{o.At(key), "must be a string, not " + Kind(v)}
	}
	return s, nil
}

// Obj returns an object member; ok is false when it is absent or null.
func (o Object) Obj(key string) (Object, bool, error) {
	v, present := o.M[key]
	if !present || v == nil {
		return Object{}, false, nil
	}
	x, err := AsObject(v, o.At(key))
	return x, err == nil, err
}

// Arr returns an array member (nil when absent or null) and its path.
func (o Object) Arr(key string) ([]any, string, error) {
	p := o.At(key)
	v, ok := o.M[key]
	if !ok || v == nil {
		return nil, p, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, p, &Error{p, "must be an array, not " + Kind(v)}
	}
	return a, p, nil
}

// Num returns a number member; ok is false when it is absent or null.
func (o Object) Num(key string) (float64, bool, error) {
	v, present := o.M[key]
	if !present || v == nil {
		return 0, false, nil
	}
	f, ok := v.(float64)
	if !ok {
		return 0, false, &Error{o.At(key), "must be a number, not " + Kind(v)}
	}
	return f, true, nil
}
