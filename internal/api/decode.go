package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
)

// decode reads the request body as exactly one JSON object into dst,
// strictly: JSON content type, size limit, no unknown fields, no trailing
// data. Errors name the field (as a JSON path) or the byte offset.
func decode(r *http.Request, limit int64, dst any) error {
	if err := jsonContentType(r); err != nil {
		return err
	}
	body, err := readBody(r, limit)
	if err != nil {
		return err
	}
	return decodeBytes(body, dst)
}

// decodeOptional is decode for bodies that may be left out: an empty body
// leaves dst as it is (whatever the Content-Type); any other body is
// decoded as strictly as by decode.
func decodeOptional(r *http.Request, limit int64, dst any) error {
	body, err := readBody(r, limit)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := jsonContentType(r); err != nil {
		return err
	}
	return decodeBytes(body, dst)
}

func jsonContentType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return &apperr.Error{Code: apperr.CodeUnsupportedType, Field: "Content-Type",
			Message: fmt.Sprintf("the body must be application/json, not %q", clip(ct))}
	}
	return nil
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, apperr.New(apperr.CodeTooLarge, "the body is larger than %d bytes", limit)
		}
		return nil, apperr.Invalid("", "could not read the body: %v", err)
	}
	return body, nil
}

// decodeBytes is decode without the HTTP parts (and what the fuzzers drive).
//
// Beyond encoding/json's DisallowUnknownFields it rejects what that package
// silently accepts: invalid UTF-8 (which it would replace with U+FFFD),
// duplicate keys (last one wins), keys that match a field only when case is
// ignored, and a top level that is not an object (such as null). Every
// error in a value names its JSON path: "name.ja", "roles[1]", "expires_at".
func decodeBytes(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return apperr.Invalid("", "the body is empty; a JSON object is required")
	}
	if !utf8.Valid(body) {
		return apperr.Invalid("", "the body is not valid UTF-8 (at byte %d)", invalidUTF8At(body))
	}
	if json.Valid(body) {
		if trimmed[0] != '{' {
			return apperr.Invalid("", "the body must be a JSON object, not %s", jsonKind(trimmed))
		}
		// Walk the document against the destination type first: this
		// finds unknown, duplicate and wrongly typed fields with their
		// full path, which encoding/json does not report.
		if path, msg := check(trimmed, reflect.TypeOf(dst), ""); msg != "" {
			return apperr.Invalid(path, "%s", msg)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, dec)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.Invalid("", "unexpected data after the JSON object at byte %d", dec.InputOffset())
	}
	return nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// decodeError translates what encoding/json returns. The checker above
// normally reports value errors first; this covers syntax errors and is
// the fallback.
func decodeError(err error, dec *json.Decoder) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &se):
		// Offset counts the bytes read, the offending one included; the
		// message gives that byte's position counted from 0.
		return apperr.Invalid("", "malformed JSON at byte %d: %s", max(se.Offset-1, 0), strings.TrimPrefix(se.Error(), "json: "))
	case errors.As(err, &te):
		if te.Field == "" {
			return apperr.Invalid("", "the body must be a JSON %s, not %s", kindOf(te.Type), te.Value)
		}
		return apperr.Invalid(te.Field, "must be %s, not %s", kindOf(te.Type), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.Invalid("", "the JSON body ends early at byte %d", dec.InputOffset())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Invalid(clip(name), "unknown field")
	}
	return apperr.Invalid("", "invalid value: %s", clip(err.Error()))
}

// check walks the JSON value raw (known to be syntactically valid) against
// type t and returns the path and a message for the first problem in
// document order, or msg "" when it finds none.
func check(raw []byte, t reflect.Type, path string) (string, string) {
	raw = bytes.TrimSpace(raw)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if string(raw) == "null" {
		return "", "" // encoding/json leaves the zero value; Validate decides
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			return path, valueMessage(t, raw, err)
		}
		return "", ""
	}
	switch t.Kind() {
	case reflect.Struct:
		if raw[0] != '{' {
			return path, fmt.Sprintf("must be an object, not %s", jsonKind(raw))
		}
		fields := fieldsOf(t)
		seen := map[string]bool{}
		return eachMember(raw, func(key string, val []byte) (string, string) {
			p := join(path, key)
			if seen[key] {
				return p, "appears more than once"
			}
			seen[key] = true
			ft, ok := fields[key]
			if !ok {
				return p, unknownField(key, fields)
			}
			return check(val, ft, p)
		})
	case reflect.Map:
		if raw[0] != '{' {
			return path, fmt.Sprintf("must be an object, not %s", jsonKind(raw))
		}
		seen := map[string]bool{}
		return eachMember(raw, func(key string, val []byte) (string, string) {
			p := join(path, key)
			if seen[key] {
				return p, "appears more than once"
			}
			seen[key] = true
			return check(val, t.Elem(), p)
		})
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			break // []byte is a base64 string
		}
		if raw[0] != '[' {
			return path, fmt.Sprintf("must be %s, not %s", kindOf(t), jsonKind(raw))
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.Token() // [
		for i := 0; dec.More(); i++ {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return "", "" // cannot happen for valid JSON; leave it to encoding/json
			}
			if p, msg := check(v, t.Elem(), path+"["+strconv.Itoa(i)+"]"); msg != "" {
				return p, msg
			}
		}
		return "", ""
	case reflect.Interface:
		return "", ""
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		return path, valueMessage(t, raw, err)
	}
	return "", ""
}

// eachMember calls fn for each member of the JSON object raw, in order,
// and stops at the first problem.
func eachMember(raw []byte, fn func(key string, val []byte) (string, string)) (string, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token() // {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", ""
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", ""
		}
		if p, msg := fn(key, v); msg != "" {
			return p, msg
		}
	}
	return "", ""
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

// fieldsOf returns the JSON member names of struct t and their types,
// following encoding/json's rules for tags and embedded structs (a
// shallower field hides a deeper one of the same name).
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var walk func(t reflect.Type, depth int, depthOf map[string]int)
	walk = func(t reflect.Type, depth int, depthOf map[string]int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, depth+1, depthOf)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if d, ok := depthOf[name]; ok && d <= depth {
				continue
			}
			depthOf[name] = depth
			out[name] = f.Type
		}
	}
	walk(t, 0, map[string]int{})
	return out
}

// unknownField explains an unknown key, pointing out a case mismatch
// (encoding/json would have accepted it; this API does not).
func unknownField(key string, fields map[string]reflect.Type) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("unknown field (names are case-sensitive: did you mean %q?)", name)
		}
	}
	return "unknown field"
}

// valueMessage explains why raw does not fit type t.
func valueMessage(t reflect.Type, raw []byte, err error) string {
	if t == timeType {
		return "must be an RFC 3339 time such as \"2026-11-23T09:00:00+09:00\""
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be %s, not %s", kindOf(t), jsonKind(raw))
	}
	return clip(strings.TrimPrefix(err.Error(), "json: "))
}

// join appends an object member name to a JSON path. Names that are not
// plain identifiers are quoted, so the path stays unambiguous.
func join(path, key string) string {
	key = clip(key)
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if !plain {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// clip bounds text echoed back from the request.
func clip(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// jsonKind names the kind of JSON value raw starts with.
func jsonKind(raw []byte) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a number"
}

// kindOf names the JSON kind a Go type expects.
func kindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return "an RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.Kind().String()
}
