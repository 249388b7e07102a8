package api

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

var decodeSeeds = []string{
	`{"slug":"a-b","kind":"vendor","sector":"","name":{"ja":"あ","en":"a"},"emergency_contact":{"name":"n","email":"a@b.example"}}`,
	`{"email":"x@y.example","display_name":"X","roles":["viewer"],"password":"0123456789ab"}`,
	`{"name":"t","scopes":["read"],"expires_in":"720h"}`, `{"name":"t","scopes":["read"],"expires_at":"2027-01-01T00:00:00Z"}`,
	`{"roles":null}`, `{"disabled":"yes"}`, `{}`, `[]`, `null`, `"x"`, `{"a":1}`, `{"slug":`, `{"slug":"a"}{}`, "\xff", `{"name":{"ja":1}}`,
	`{"expires_at":"tomorrow"}`, `{"anchors":["1:00"]}`,
	`{"SLUG":"x"}`, `{"slug":"a","slug":"b"}`, `{"name":{"ja":"a","fr":"b"}}`, `{"roles":["viewer",7]}`, "{\"slug\":\"a\xffb\"}",
	`{"display_name":"x","current_password":"y","password":"z"}`, `{"emergency_contact":{"name":"n","fax":1}}`, `{"a\u0000b":1}`,
	`{"roles":[[[]]]}`, `{"name":null}`, `{"scopes":["read"],"expires_at":null}`, "\ufeff{}",
}

// FuzzDecode: whatever the body, decoding into any request type either
// succeeds or returns a client error; never a panic or an internal error.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []any{&OrganisationInput{}, &accounts.OrgPatch{}, &UserInput{}, &UserPatchInput{},
			&accounts.TokenRequest{}, &LinkInput{}, &VerifyInput{}} {
			err := decodeBytes(body, dst)
			if err == nil {
				// What was accepted, encoded again, is accepted again.
				again, merr := json.Marshal(dst)
				if merr != nil {
					t.Fatalf("re-encode %T: %v", dst, merr)
				}
				if err := decodeBytes(again, reflect.New(reflect.TypeOf(dst).Elem()).Interface()); err != nil {
					t.Fatalf("%T: %q accepted but its re-encoding %s is not: %v", dst, body, again, err)
				}
				continue
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || apperr.Status(err) >= 500 {
				t.Fatalf("decode %T of %q: %v (status %d)", dst, body, err, apperr.Status(err))
			}
		}
	})
}

// FuzzHandlers sends fuzzed bodies to every writing endpoint of a live API
// over SQLite, as a platform administrator: the answer is never a 5xx, and
// always the one error body shape when it is an error.
func FuzzHandlers(f *testing.F) {
	for _, s := range decodeSeeds {
		for i := range uint8(8) {
			f.Add(i, s)
		}
	}
	fx := newFixture(f, storetest.Open(f, store.SQLite))
	targets := []struct{ method, path, who string }{
		{"POST", "/api/v1/orgs", "platform"}, {"PATCH", "/api/v1/orgs/alpha", "alphaAdmin"},
		{"POST", "/api/v1/orgs/alpha/links", "alphaAdmin"}, {"POST", "/api/v1/users", "alphaAdmin"},
		{"PATCH", "/api/v1/users/" + fx.users["alphaReporter"].ID, "alphaAdmin"}, {"POST", "/api/v1/tokens", "alphaAdmin"},
		{"POST", "/api/v1/audit/verify", "auditor"}, {"PATCH", "/api/v1/users/" + fx.users["alphaAdmin"].ID, "alphaAdmin"},
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tg := targets[int(which)%len(targets)]
		req := httptest.NewRequest(tg.method, tg.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+fx.tokens[tg.who])
		rec := httptest.NewRecorder()
		fx.api.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", tg.method, tg.path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.HasPrefix(rec.Body.String(), `{"error":{"code":`) {
			t.Fatalf("%s %s: error body %s", tg.method, tg.path, rec.Body)
		}
	})
}

// FuzzAccept: the Accept parser never panics and is deterministic, and an
// explicit application/json that is not refused with q=0 always passes.
func FuzzAccept(f *testing.F) {
	for _, s := range []string{"", "*/*", "application/json;q=0, */*", "text/html", "application/*;q=0.5", ";;,,", "a/b;q=x", "application/json;q=1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		got := acceptsJSON(accept)
		if got != acceptsJSON(accept) {
			t.Fatal("not deterministic")
		}
		if !acceptsJSON(accept+", application/json") && !strings.Contains(accept, "application/json") {
			t.Fatalf("%q plus application/json refuses JSON", accept)
		}
	})
}
