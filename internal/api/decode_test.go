package api

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestDecodeNamesThePath: every kind of bad body gets a 400 whose field is
// the JSON path of the offending value (or "" when the whole body is bad).
func TestDecodeNamesThePath(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		dst        any
		field      string
		msg        string // substring of the message
	}{
		{"empty", "  \n", &OrganisationInput{}, "", "empty"},
		{"null", "null", &accounts.OrgPatch{}, "", "must be a JSON object, not null"},
		{"string", `"x"`, &OrganisationInput{}, "", "not a string"},
		{"array", `[{}]`, &OrganisationInput{}, "", "not an array"},
		{"number", `42`, &OrganisationInput{}, "", "not a number"},
		{"syntax", `{"slug":}`, &OrganisationInput{}, "", "malformed JSON at byte 8"},
		{"truncated", `{"slug":"a"`, &OrganisationInput{}, "", "ends early"},
		{"trailing", `{"slug":"a"} x`, &OrganisationInput{}, "", "after the JSON object"},
		{"two objects", `{"slug":"a"}{}`, &OrganisationInput{}, "", "after the JSON object"},
		{"invalid UTF-8", "{\"slug\":\"a\xffb\"}", &OrganisationInput{}, "", "not valid UTF-8 (at byte 10)"},
		{"unknown top-level", `{"slug":"a","colour":"red"}`, &OrganisationInput{}, "colour", "unknown field"},
		{"unknown nested", `{"name":{"ja":"あ","fr":"a"}}`, &OrganisationInput{}, "name.fr", "unknown field"},
		{"unknown nested in patch", `{"emergency_contact":{"name":"x","fax":"1"}}`, &accounts.OrgPatch{}, "emergency_contact.fax", "unknown field"},
		{"wrong case", `{"SLUG":"a"}`, &OrganisationInput{}, "SLUG", `did you mean "slug"`},
		{"duplicate", `{"slug":"a","slug":"b"}`, &OrganisationInput{}, "slug", "more than once"},
		{"duplicate nested", `{"name":{"ja":"a","ja":"b"}}`, &OrganisationInput{}, "name.ja", "more than once"},
		{"odd key quoted", `{"a.b":1}`, &OrganisationInput{}, `"a.b"`, "unknown field"},
		{"type top-level", `{"slug":42}`, &OrganisationInput{}, "slug", "must be a string, not a number"},
		{"type nested", `{"name":{"ja":1}}`, &OrganisationInput{}, "name.ja", "must be a string"},
		{"object expected", `{"name":"Alpha"}`, &OrganisationInput{}, "name", "must be an object, not a string"},
		{"array element", `{"roles":["viewer",7]}`, &UserInput{}, "roles[1]", "must be a string, not a number"},
		{"array expected", `{"roles":"viewer"}`, &UserInput{}, "roles", "must be an array, not a string"},
		{"bool", `{"disabled":"yes"}`, &UserPatchInput{}, "disabled", "must be true or false"},
		{"embedded patch field", `{"display_name":5}`, &UserPatchInput{}, "display_name", "must be a string"},
		{"own field next to embedded", `{"current_password":[]}`, &UserPatchInput{}, "current_password", "must be a string"},
		{"time", `{"name":"t","scopes":["read"],"expires_at":"tomorrow"}`, &accounts.TokenRequest{}, "expires_at", "RFC 3339"},
		{"time type", `{"expires_at":17}`, &accounts.TokenRequest{}, "expires_at", "RFC 3339"},
		{"anchor element", `{"anchors":["1:ab",false]}`, &VerifyInput{}, "anchors[1]", "must be a string"},
		{"long key clipped", `{"` + strings.Repeat("k", 500) + `":1}`, &LinkInput{}, `"` + strings.Repeat("k", 100) + `…"`, "unknown field"},
	} {
		err := decodeBytes([]byte(tc.body), tc.dst)
		e := apperr.As(err)
		if err == nil || e.Code != apperr.CodeInvalid || e.Field != tc.field || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: %q -> %v (field %q), want invalid field %q with %q", tc.name, tc.body, err, e.Field, tc.field, tc.msg)
		}
	}
}

func TestDecodeAcceptsWhatIsValid(t *testing.T) {
	var in UserPatchInput
	err := decodeBytes([]byte(`{"display_name":"新しい名前","roles":["viewer"],"locale":null,"current_password":"x"}`), &in)
	if err != nil || *in.DisplayName != "新しい名前" || in.Locale != nil || *in.CurrentPassword != "x" || len(*in.Roles) != 1 {
		t.Fatalf("%v %+v", err, in)
	}
	var tr accounts.TokenRequest
	if err := decodeBytes([]byte(` {"name":"t","scopes":["read"],"expires_at":"2027-01-02T03:04:05+09:00"} `+"\n"), &tr); err != nil || tr.ExpiresAt == nil {
		t.Fatalf("%v %+v", err, tr)
	}
}

// TestFieldsOfMatchesEncodingJSON: the checker's idea of a type's members
// is encoding/json's, for every request type (so it never rejects a field
// the decoder would fill, nor admits one it would not).
func TestFieldsOfMatchesEncodingJSON(t *testing.T) {
	for _, v := range requestTypes {
		typ := reflect.TypeOf(v).Elem()
		b, err := json.Marshal(reflect.New(typ).Interface())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		// omitempty fields are missing from the marshalled zero value:
		// decode each name the checker knows on its own instead.
		for name := range fieldsOf(typ) {
			dec := json.NewDecoder(strings.NewReader(`{"` + name + `":null}`))
			dec.DisallowUnknownFields()
			if err := dec.Decode(reflect.New(typ).Interface()); err != nil {
				t.Errorf("%s: checker knows %q, encoding/json does not: %v", typ, name, err)
			}
			delete(m, name)
		}
		if len(m) != 0 {
			t.Errorf("%s: encoding/json has members the checker lacks: %v", typ, slices.Collect(maps.Keys(m)))
		}
	}
}

// requestTypes are the Go types request bodies decode into, by the name of
// their schema in the OpenAPI document.
var requestTypes = map[string]any{
	"OrganisationInput": &OrganisationInput{}, "OrganisationPatch": &accounts.OrgPatch{}, "LinkInput": &LinkInput{},
	"UserInput": &UserInput{}, "UserPatch": &UserPatchInput{}, "TokenInput": &accounts.TokenRequest{}, "VerifyInput": &VerifyInput{},
	"CollectionInput": &CollectionInput{}, "CollectionPatch": &CollectionPatch{}, "GroupInput": &GroupInput{}, "GroupPatch": &GroupPatch{},
	"SightingInput": &SightingInput{}, "OverrideInput": &OverrideInput{}, "RevokeInput": &RevokeInput{}, "WarninglistPatch": &WarninglistPatch{},
}

// TestRequestSchemasMatchTheTypes: the request schemas in the document list
// exactly the members the handlers decode, so a client that follows the
// document is never told "unknown field", and every field is documented.
func TestRequestSchemasMatchTheTypes(t *testing.T) {
	a := New(nil, Options{Version: "test"})
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties           map[string]json.RawMessage `json:"properties"`
				AdditionalProperties *bool                      `json:"additionalProperties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(a.openapi, &doc); err != nil {
		t.Fatal(err)
	}
	for _, rt := range a.routes {
		if rt.Body == "" {
			continue
		}
		v, ok := requestTypes[rt.Body]
		if !ok {
			t.Errorf("%s %s: body schema %s has no Go type in requestTypes", rt.Method, rt.Path, rt.Body)
			continue
		}
		s := doc.Components.Schemas[rt.Body]
		if s.AdditionalProperties == nil || *s.AdditionalProperties {
			t.Errorf("%s: request schema must say additionalProperties: false (the decoder rejects unknown fields)", rt.Body)
		}
		want := slices.Sorted(maps.Keys(fieldsOf(reflect.TypeOf(v).Elem())))
		got := slices.Sorted(maps.Keys(s.Properties))
		if !slices.Equal(got, want) {
			t.Errorf("%s: schema properties %v, Go type decodes %v", rt.Body, got, want)
		}
	}
}

func TestAcceptNegotiation(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                     true,
		"application/json":                     true,
		"Application/JSON; charset=utf-8":      true,
		"*/*":                                  true,
		"application/*;q=0.1":                  true,
		"text/html, application/json;q=0.9":    true,
		"text/html":                            false,
		"text/html, */*;q=0":                   false,
		"application/json;q=0":                 false,
		"application/json; q=0.0":              false,
		"application/json;q=0, */*":            false, // the specific range wins
		"application/json;q=0, application/*":  false,
		"application/*;q=0, */*":               false,
		"application/xml, application/*;q=0.5": true,
		"image/png, text/plain":                false,
	} {
		if got := acceptsJSON(accept); got != want {
			t.Errorf("Accept %q: %v, want %v", accept, got, want)
		}
	}
}

// TestPathsNeedExactSegments: a trailing slash or an extra segment is an
// unknown endpoint (404), not a wrong method.
func TestPathsNeedExactSegments(t *testing.T) {
	a := New(nil, Options{Version: "test"})
	for path, want := range map[string]int{
		"/api/v1/orgs/":         404,
		"/api/v1/orgs/alpha/":   404,
		"/api/v1/orgs/a/b/c/d/": 404,
		"/api/v1/":              404,
		"/api/v1/audit/verify/": 404,
	} {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest("PUT", path, nil))
		if rec.Code != want || rec.Header().Get("Allow") != "" {
			t.Errorf("PUT %s: %d Allow %q, want %d: %s", path, rec.Code, rec.Header().Get("Allow"), want, rec.Body)
		}
	}
}

func TestVerifyBodyIsOptional(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	for _, tc := range []struct {
		name, body, ctype string
		chunked           bool
		want              int
	}{
		{"no body", "", "", false, 200},
		{"no body, chunked", "", "", true, 200},
		{"empty object", "{}", "application/json", false, 200},
		{"anchors", `{"anchors":[]}`, "application/json", true, 200},
		{"body without type", `{}`, "", false, 415},
		{"bad anchor", `{"anchors":["x"]}`, "application/json", false, 400},
	} {
		req := httptest.NewRequest("POST", "/api/v1/audit/verify", strings.NewReader(tc.body))
		if tc.chunked {
			req.ContentLength = -1
			req.Body = io.NopCloser(bytes.NewReader([]byte(tc.body)))
		}
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		req.Header.Set("Authorization", "Bearer "+f.tokens["auditor"])
		rec := httptest.NewRecorder()
		f.api.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, rec.Code, tc.want, rec.Body)
		}
	}
}
