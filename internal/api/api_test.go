package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// compiler returns a JSON Schema compiler holding the served OpenAPI document.
func compiler(t *testing.T, doc []byte) *jsonschema.Compiler {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("mem://openapi.json", v); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpenAPIDescribesExactlyTheRoutes(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	r := f.do("GET", "/api/v1/openapi.json", "", nil)
	if r.Status != 200 {
		t.Fatalf("openapi.json: %d", r.Status)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	var documented, served []string
	for p, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	for _, rt := range f.api.routes {
		served = append(served, rt.Method+" "+rt.Path)
		// Every route answers something other than the fallback 404.
		path := strings.NewReplacer("{ref}", "alpha", "{customer}", "beta", "{id}", "x").Replace(rt.Path)
		res := f.do(rt.Method, path, "platform", nil)
		if code, _ := res.errField(); res.Status == 404 && strings.Contains(string(res.Body), "no API endpoint") {
			t.Errorf("%s %s is documented but not served (%s)", rt.Method, rt.Path, code)
		}
	}
	sort.Strings(documented)
	sort.Strings(served)
	if !slices.Equal(documented, served) {
		t.Errorf("documented %v\nserved %v", documented, served)
	}
	c := compiler(t, r.Body)
	for name := range doc.Components.Schemas {
		if _, err := c.Compile("mem://openapi.json#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s does not compile: %v", name, err)
		}
	}
	// Every $ref points at a schema that exists.
	for _, m := range refRE(r.Body) {
		if _, ok := doc.Components.Schemas[m]; !ok {
			t.Errorf("$ref to missing schema %s", m)
		}
	}
}

func refRE(b []byte) []string {
	var out []string
	s := string(b)
	for {
		i := strings.Index(s, `"#/components/schemas/`)
		if i < 0 {
			return out
		}
		s = s[i+len(`"#/components/schemas/`):]
		out = append(out, s[:strings.IndexByte(s, '"')])
	}
}

// responseSchema returns the schema pointer the document declares for the
// route and status (falling back to "default").
func responseSchema(t *testing.T, doc []byte, method, path string, status int) string {
	var d struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	op, ok := d.Paths[path][strings.ToLower(method)]
	if !ok {
		t.Fatalf("%s %s not documented", method, path)
	}
	r, ok := op.Responses[strconv.Itoa(status)]
	if !ok {
		r, ok = op.Responses["default"]
	}
	if !ok {
		t.Fatalf("%s %s: status %d not documented", method, path, status)
	}
	return r.Content["application/json"].Schema.Ref
}

// TestResponsesMatchTheDocument sends real requests and validates every
// response body against the schema the OpenAPI document declares for it.
func TestResponsesMatchTheDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		doc := f.api.openapi
		c := compiler(t, doc)
		alpha, beta := f.orgs["alpha"], f.orgs["beta"]
		cases := []struct {
			method, pattern, path, who string
			body                       any
			want                       int
		}{
			{"GET", "/api/v1/meta", "/api/v1/meta", "alphaReporter", nil, 200},
			{"GET", "/api/v1/me", "/api/v1/me", "alphaReporter", nil, 200},
			{"GET", "/api/v1/me", "/api/v1/me", "", nil, 401},
			{"GET", "/api/v1/orgs", "/api/v1/orgs?limit=2", "suppViewer", nil, 200},
			{"GET", "/api/v1/orgs", "/api/v1/orgs?kind=operator&sector=railway", "suppViewer", nil, 200},
			{"GET", "/api/v1/orgs", "/api/v1/orgs?limit=0", "suppViewer", nil, 400},
			{"POST", "/api/v1/orgs", "/api/v1/orgs", "platform", orgBody("gamma-vpn"), 201},
			{"POST", "/api/v1/orgs", "/api/v1/orgs", "platform", orgBody("gamma-vpn"), 409},
			{"POST", "/api/v1/orgs", "/api/v1/orgs", "alphaAdmin", orgBody("delta"), 403},
			{"GET", "/api/v1/orgs/{ref}", "/api/v1/orgs/alpha", "betaAdmin", nil, 200},
			{"GET", "/api/v1/orgs/{ref}", "/api/v1/orgs/nope", "betaAdmin", nil, 404},
			{"PATCH", "/api/v1/orgs/{ref}", "/api/v1/orgs/alpha", "alphaAdmin", map[string]any{"name": map[string]string{"ja": "アルファ電力", "en": "Alpha Power"}}, 200},
			{"PATCH", "/api/v1/orgs/{ref}", "/api/v1/orgs/alpha", "alphaAdmin", map[string]any{"kind": "vendor"}, 403},
			{"GET", "/api/v1/orgs/{ref}/links", "/api/v1/orgs/alpha/links", "alphaReporter", nil, 200},
			{"POST", "/api/v1/orgs/{ref}/links", "/api/v1/orgs/alpha/links", "alphaAdmin", map[string]any{"customer_id": "beta", "description": "shared SOC"}, 201},
			{"DELETE", "/api/v1/orgs/{ref}/links/{customer}", "/api/v1/orgs/alpha/links/" + beta.ID, "alphaAdmin", nil, 204},
			{"DELETE", "/api/v1/orgs/{ref}/links/{customer}", "/api/v1/orgs/nope/links/" + beta.ID, "alphaAdmin", nil, 404},
			{"DELETE", "/api/v1/orgs/{ref}/links/{customer}", "/api/v1/orgs/alpha/links/nope", "alphaAdmin", nil, 404},
			{"POST", "/api/v1/orgs/{ref}/links/{customer}/confirm", "/api/v1/orgs/nope/links/beta/confirm", "alphaAdmin", nil, 404},
			{"GET", "/api/v1/users", "/api/v1/users", "alphaReporter", nil, 200},
			{"GET", "/api/v1/users", "/api/v1/users?org=beta", "alphaReporter", nil, 403},
			{"POST", "/api/v1/users", "/api/v1/users", "alphaAdmin", map[string]any{"email": "new@alpha.example", "display_name": "New", "roles": []string{"analyst"}, "password": "a long enough password"}, 201},
			{"GET", "/api/v1/users/{ref}", "/api/v1/users/" + f.users["alphaReporter"].ID, "alphaAdmin", nil, 200},
			{"GET", "/api/v1/users/{ref}", "/api/v1/users/" + f.users["alphaReporter"].ID, "betaAdmin", nil, 404},
			{"PATCH", "/api/v1/users/{ref}", "/api/v1/users/" + f.users["alphaReporter"].ID, "alphaAdmin", map[string]any{"roles": []string{"reporter", "approver_legal"}}, 200},
			{"GET", "/api/v1/users/{ref}/tokens", "/api/v1/users/" + f.users["alphaReporter"].ID + "/tokens", "alphaAdmin", nil, 200},
			{"GET", "/api/v1/tokens", "/api/v1/tokens", "alphaReporter", nil, 200},
			{"POST", "/api/v1/tokens", "/api/v1/tokens", "alphaAdmin", map[string]any{"name": "siem", "scopes": []string{"read"}, "expires_in": "720h"}, 201},
			{"DELETE", "/api/v1/tokens/{id}", "/api/v1/tokens/nope", "alphaAdmin", nil, 404},
			{"GET", "/api/v1/audit", "/api/v1/audit?limit=5", "auditor", nil, 200},
			{"GET", "/api/v1/audit", "/api/v1/audit", "platform", nil, 403},
			{"POST", "/api/v1/audit/verify", "/api/v1/audit/verify", "auditor", nil, 200},
			{"POST", "/api/v1/audit/verify", "/api/v1/audit/verify", "auditor", map[string]any{"anchors": []string{"1:zz"}}, 400},
		}
		_ = alpha
		for _, tc := range cases {
			r := f.do(tc.method, tc.path, tc.who, tc.body)
			if r.Status != tc.want {
				t.Errorf("%s %s as %q: status %d, want %d: %s", tc.method, tc.path, tc.who, r.Status, tc.want, r.Body)
				continue
			}
			if tc.body != nil && r.Status < 300 {
				// What the server accepted, the document accepts too.
				validate(t, c, requestSchema(t, doc, tc.method, tc.pattern), tc.body, tc.method+" "+tc.path+" request")
			}
			ref := responseSchema(t, doc, tc.method, tc.pattern, r.Status)
			if ref == "" {
				if len(r.Body) != 0 {
					t.Errorf("%s %s: documented without body, got %s", tc.method, tc.path, r.Body)
				}
				continue
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
			}
			sch, err := c.Compile("mem://openapi.json" + ref)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
			if err != nil {
				t.Fatalf("%s %s: %v", tc.method, tc.path, err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s %s (%d) does not match %s: %v\n%s", tc.method, tc.path, r.Status, ref, err, r.Body)
			}
		}
	})
}

func TestPaginationWalksEveryOrganisationOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for i := range 7 {
			if r := f.do("POST", "/api/v1/orgs", "platform", orgBody(fmt.Sprintf("vendor-%d", i))); r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
		}
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			r := f.do("GET", "/api/v1/orgs?limit=3&cursor="+cursor, "suppViewer", nil)
			if r.Status != 200 {
				t.Fatalf("page: %d %s", r.Status, r.Body)
			}
			var p struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			json.Unmarshal(r.Body, &p)
			pages++
			for _, it := range p.Items {
				if seen[it.ID] {
					t.Fatalf("organisation %s on two pages", it.ID)
				}
				seen[it.ID] = true
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		if len(seen) != 12 || pages != 4 {
			t.Errorf("saw %d organisations on %d pages, want 12 on 4", len(seen), pages)
		}
		if r := f.do("GET", "/api/v1/orgs?cursor=!!!", "suppViewer", nil); r.Status != 400 {
			t.Errorf("bad cursor: %d", r.Status)
		} else if _, field := r.errField(); field != "cursor" {
			t.Errorf("bad cursor names %q", field)
		}
	})
}

func TestBadInputNamesTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		big := `{"slug":"` + strings.Repeat("a", 5000) + `"}`
		cases := []struct {
			name, method, path string
			body               any
			hdr                []string
			status             int
			code, field        string
		}{
			{"unknown field", "POST", "/api/v1/orgs", `{"slug":"x-y","colour":"red"}`, nil, 400, "invalid", "colour"},
			{"wrong type", "POST", "/api/v1/orgs", `{"slug":42}`, nil, 400, "invalid", "slug"},
			{"wrong nested type", "POST", "/api/v1/orgs", `{"name":{"ja":1}}`, nil, 400, "invalid", "name.ja"},
			{"invalid enum", "POST", "/api/v1/orgs", `{"slug":"okslug","kind":"pirate","name":{"ja":"あ","en":"a"},"emergency_contact":{"name":"n","email":"a@b.example"}}`, nil, 400, "invalid", "kind"},
			{"missing required", "POST", "/api/v1/orgs", `{"slug":"okslug","kind":"vendor","name":{"ja":"","en":"a"},"emergency_contact":{"name":"n","email":"a@b.example"}}`, nil, 400, "invalid", "name.ja"},
			{"operator without sector", "POST", "/api/v1/orgs", `{"slug":"okslug","kind":"operator","name":{"ja":"あ","en":"a"},"emergency_contact":{"name":"n","email":"a@b.example"}}`, nil, 400, "invalid", "sector"},
			{"syntax error", "POST", "/api/v1/orgs", `{"slug":`, nil, 400, "invalid", ""},
			{"trailing data", "POST", "/api/v1/orgs", `{"slug":"a"} {}`, nil, 400, "invalid", ""},
			{"empty body", "POST", "/api/v1/orgs", ``, nil, 400, "invalid", ""},
			{"array body", "POST", "/api/v1/orgs", `[]`, nil, 400, "invalid", ""},
			{"too large", "POST", "/api/v1/orgs", big, nil, 413, "too_large", ""},
			{"wrong content type", "POST", "/api/v1/orgs", `{}`, []string{"Content-Type", "text/plain"}, 415, "unsupported_type", "Content-Type"},
			{"not acceptable", "GET", "/api/v1/orgs", nil, []string{"Accept", "text/html"}, 406, "not_acceptable", ""},
			{"bad role", "POST", "/api/v1/users", `{"email":"x@alpha.example","display_name":"X","roles":["viewer","king"],"password":"a long enough password"}`, nil, 400, "invalid", "roles[1]"},
			{"short password", "POST", "/api/v1/users", `{"email":"x@alpha.example","display_name":"X","roles":["viewer"],"password":"short"}`, nil, 400, "invalid", "password"},
			{"bad email", "POST", "/api/v1/users", `{"email":"not-an-email","display_name":"X","roles":["viewer"],"password":"a long enough password"}`, nil, 400, "invalid", "email"},
			{"bad scope", "POST", "/api/v1/tokens", `{"name":"x","scopes":["root"]}`, nil, 400, "invalid", "scopes[0]"},
			{"bad expiry", "POST", "/api/v1/tokens", `{"name":"x","scopes":["read"],"expires_in":"soon"}`, nil, 400, "invalid", "expires_in"},
			{"bad limit", "GET", "/api/v1/users?limit=abc", nil, nil, 400, "invalid", "limit"},
			{"bad role filter", "GET", "/api/v1/users?role=king", nil, nil, 400, "invalid", "role"},
			{"bad since", "GET", "/api/v1/audit?since=yesterday", nil, nil, 400, "invalid", "since"},
		}
		for _, tc := range cases {
			who := "platform"
			if strings.HasPrefix(tc.path, "/api/v1/users") || strings.HasPrefix(tc.path, "/api/v1/tokens") {
				who = "alphaAdmin"
			}
			if strings.HasPrefix(tc.path, "/api/v1/audit") {
				who = "auditor"
			}
			r := f.do(tc.method, tc.path, who, tc.body, tc.hdr...)
			code, field := r.errField()
			if r.Status != tc.status || code != tc.code || field != tc.field {
				t.Errorf("%s: got %d %s field %q, want %d %s field %q: %s", tc.name, r.Status, code, field, tc.status, tc.code, tc.field, r.Body)
			}
		}
		// Nothing was created by the rejected requests: still 5 organisations.
		r := f.do("GET", "/api/v1/orgs", "platform", nil)
		if n := len(r.json(t)["items"].([]any)); n != 5 {
			t.Errorf("%d organisations after bad input, want 5", n)
		}
	})
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/api/v1/nothing", 404, ""},
		{"PUT", "/api/v1/audit", 405, "GET"},
		{"DELETE", "/api/v1/audit", 405, "GET"},
		{"PATCH", "/api/v1/audit", 405, "GET"},
		{"GET", "/api/v1/audit/verify", 405, "POST"},
		{"PUT", "/api/v1/orgs/alpha", 405, "GET, PATCH"},
	} {
		r := f.do(tc.method, tc.path, "auditor", nil)
		if r.Status != tc.status || r.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d %q", tc.method, tc.path, r.Status, r.Header.Get("Allow"), tc.status, tc.allow)
		}
		if _, err := json.Marshal(r.json(t)); err != nil || r.json(t)["error"] == nil {
			t.Errorf("%s %s: not an error body: %s", tc.method, tc.path, r.Body)
		}
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	for _, tc := range []struct {
		name   string
		hdr    []string
		status int
	}{
		{"no header", []string{"Authorization", ""}, 401},
		{"garbage", []string{"Authorization", "Bearer nope"}, 401},
		{"unknown token", []string{"Authorization", "Bearer skm_" + strings.Repeat("a", 52)}, 401},
		{"revoked", []string{"Authorization", "Bearer " + f.tokens["revoked"]}, 401},
		{"bearer", []string{"Authorization", "Bearer " + f.tokens["alphaReporter"]}, 200},
		{"basic", []string{"Authorization", "Basic " + basic("anyone", f.tokens["alphaReporter"])}, 200},
		{"other scheme", []string{"Authorization", "Digest x"}, 401},
	} {
		r := f.do("GET", "/api/v1/me", "", nil, tc.hdr...)
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
		}
		if tc.status == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: no WWW-Authenticate", tc.name)
		}
	}
}

func TestSecurityMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		rep := f.users["alphaReporter"].ID
		cases := []struct {
			who, method, path string
			body              any
			want              int
		}{
			// Organisation management.
			{"platform", "POST", "/api/v1/orgs", orgBody("v-1"), 201},
			{"alphaAdmin", "POST", "/api/v1/orgs", orgBody("v-2"), 403},
			{"alphaAdminRO", "PATCH", "/api/v1/orgs/alpha", map[string]any{"emergency_contact": map[string]string{"name": "x", "phone": "+81-3-0000-0000"}}, 403},
			{"alphaAdmin", "PATCH", "/api/v1/orgs/alpha", map[string]any{"emergency_contact": map[string]string{"name": "x", "phone": "+81-3-0000-0000"}}, 200},
			{"betaAdmin", "PATCH", "/api/v1/orgs/alpha", map[string]any{"emergency_contact": map[string]string{"name": "x", "phone": "+81-3-0000-0000"}}, 403},
			{"alphaReporter", "PATCH", "/api/v1/orgs/alpha", map[string]any{}, 403},
			// Users: cross-organisation reads look like absence.
			{"betaAdmin", "GET", "/api/v1/users/" + rep, nil, 404},
			{"betaAdmin", "PATCH", "/api/v1/users/" + rep, map[string]any{"disabled": true}, 404},
			{"alphaReporter", "PATCH", "/api/v1/users/" + rep, map[string]any{"roles": []string{"org_admin"}}, 403},
			{"alphaAdmin", "POST", "/api/v1/users", map[string]any{"email": "pa@alpha.example", "display_name": "P", "roles": []string{"platform_admin"}, "password": "a long enough password"}, 403},
			{"alphaAdmin", "POST", "/api/v1/users", map[string]any{"email": "au@alpha.example", "display_name": "A", "roles": []string{"auditor"}, "password": "a long enough password"}, 403},
			{"alphaAdmin", "POST", "/api/v1/users", map[string]any{"org_id": "beta", "email": "b2@beta.example", "display_name": "B", "roles": []string{"viewer"}, "password": "a long enough password"}, 403},
			{"betaAdmin", "GET", "/api/v1/users/" + rep + "/tokens", nil, 404},
			// Tokens.
			{"alphaReporter", "POST", "/api/v1/tokens", map[string]any{"name": "x", "scopes": []string{"read"}}, 403}, // read-only token cannot mint
			{"alphaAdmin", "POST", "/api/v1/tokens", map[string]any{"name": "x", "scopes": []string{"audit"}}, 403},
			{"alphaAdmin", "POST", "/api/v1/tokens", map[string]any{"name": "x", "scopes": []string{"read"}, "expires_in": "never"}, 400},
			// Audit trail: auditors only, and read-only for them too.
			{"platform", "GET", "/api/v1/audit", nil, 403},
			{"alphaAdmin", "POST", "/api/v1/audit/verify", nil, 403},
			{"auditor", "GET", "/api/v1/audit", nil, 200},
			{"auditor", "DELETE", "/api/v1/audit", nil, 405},
			{"auditor", "POST", "/api/v1/orgs", orgBody("v-3"), 403},
			{"revoked", "GET", "/api/v1/me", nil, 401},
		}
		for _, tc := range cases {
			if r := f.do(tc.method, tc.path, tc.who, tc.body); r.Status != tc.want {
				t.Errorf("%s %s as %s: %d, want %d: %s", tc.method, tc.path, tc.who, r.Status, tc.want, r.Body)
			}
		}
		// Contacts: beta (unrelated) sees none of alpha's; supp (supplier of alpha) does.
		for who, visible := range map[string]bool{"betaAdmin": false, "suppViewer": true, "platform": true, "alphaReporter": true} {
			r := f.do("GET", "/api/v1/orgs/alpha", who, nil)
			c, _ := r.json(t)["emergency_contact"].(map[string]any)
			if got := c != nil && c["name"] != ""; got != visible {
				t.Errorf("alpha's contact visible to %s = %v, want %v", who, got, visible)
			}
		}
		// Denied attempts are in the audit trail.
		r := f.do("GET", "/api/v1/audit?outcome=denied&limit=100", "auditor", nil)
		var p struct{ Items []audit.Entry }
		json.Unmarshal(r.Body, &p)
		actions := map[string]bool{}
		for _, e := range p.Items {
			actions[e.Action] = true
		}
		for _, a := range []string{"org.create", "org.update", "user.create", "audit.read"} {
			if !actions[a] {
				t.Errorf("no denied %s in the audit trail (have %v)", a, actions)
			}
		}
	})
}

func TestOwnPasswordChangeNeedsTheCurrentOne(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	id := f.users["alphaAdmin"].ID
	if r := f.do("PATCH", "/api/v1/users/"+id, "alphaAdmin", map[string]any{"password": "a brand new password"}); r.Status != 400 {
		t.Fatalf("without current_password: %d %s", r.Status, r.Body)
	} else if _, field := r.errField(); field != "current_password" {
		t.Errorf("field %q", field)
	}
	if r := f.do("PATCH", "/api/v1/users/"+id, "alphaAdmin", map[string]any{"password": "a brand new password", "current_password": "wrong password!!"}); r.Status/100 != 4 {
		t.Fatalf("wrong current_password: %d", r.Status)
	}
	// Together with other fields it is refused whole: neither the name nor
	// the password changes.
	if r := f.do("PATCH", "/api/v1/users/"+id, "alphaAdmin", map[string]any{"password": "a brand new password", "current_password": testPassword,
		"display_name": "Renamed"}); r.Status != 400 {
		t.Fatalf("password with other fields: %d %s", r.Status, r.Body)
	} else if _, field := r.errField(); field != "password" {
		t.Errorf("field %q", field)
	}
	if u, _ := f.svc.GetUser(t.Context(), auth.System("test"), id); u.DisplayName != "alphaAdmin" {
		t.Errorf("display name changed to %q by a refused request", u.DisplayName)
	}
	if _, err := f.svc.Login(t.Context(), f.users["alphaAdmin"].Email, testPassword, "127.0.0.1"); err != nil {
		t.Errorf("old password no longer works after refused requests: %v", err)
	}
	if r := f.do("PATCH", "/api/v1/users/"+id, "alphaAdmin", map[string]any{"password": "a brand new password", "current_password": testPassword}); r.Status != 200 {
		t.Fatalf("right current_password: %d %s", r.Status, r.Body)
	}
	if _, err := f.svc.Login(t.Context(), f.users["alphaAdmin"].Email, "a brand new password", "127.0.0.1"); err != nil {
		t.Errorf("new password does not log in: %v", err)
	}
}

func TestCreatedTokenWorksAndRevokes(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	r := f.do("POST", "/api/v1/tokens", "alphaAdmin", map[string]any{"name": "siem", "scopes": []string{"read"}})
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	m := r.json(t)
	f.tokens["new"] = m["token"].(string)
	if got := f.do("GET", "/api/v1/me", "new", nil); got.Status != 200 {
		t.Fatalf("new token: %d", got.Status)
	}
	if lst := f.do("GET", "/api/v1/tokens", "alphaAdmin", nil); strings.Contains(string(lst.Body), f.tokens["new"]) {
		t.Fatal("token list shows a secret")
	}
	if got := f.do("DELETE", "/api/v1/tokens/"+m["id"].(string), "alphaAdmin", nil); got.Status != 200 || got.json(t)["revoked_at"] == nil {
		t.Fatalf("revoke: %d %s", got.Status, got.Body)
	}
	if got := f.do("GET", "/api/v1/me", "new", nil); got.Status != 401 {
		t.Fatalf("revoked token: %d", got.Status)
	}
}

func basic(u, p string) string {
	return base64.StdEncoding.EncodeToString([]byte(u + ":" + p))
}

// requestSchema returns the request body schema pointer the document
// declares for the route.
func requestSchema(t *testing.T, doc []byte, method, path string) string {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	ref := d.Paths[path][strings.ToLower(method)].RequestBody.Content["application/json"].Schema.Ref
	if ref == "" {
		t.Fatalf("%s %s takes a body but documents none", method, path)
	}
	return ref
}

// validate checks the JSON encoding of v against the schema at ref.
func validate(t *testing.T, c *jsonschema.Compiler, ref string, v any, what string) {
	t.Helper()
	sch, err := c.Compile("mem://openapi.json" + ref)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not match %s: %v\n%s", what, ref, err, b)
	}
}

// TestLinkNeedsTheOtherSidesConsent: an organisation cannot make itself a
// partner of another (and so see its emergency contact) on its own.
func TestLinkNeedsTheOtherSidesConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		contactSeen := func() bool {
			c, _ := f.do("GET", "/api/v1/orgs/alpha", "betaAdmin", nil).json(t)["emergency_contact"].(map[string]any)
			return c != nil
		}
		r := f.do("POST", "/api/v1/orgs/beta/links", "betaAdmin", map[string]any{"supplier_id": "alpha"})
		if r.Status != 201 || r.json(t)["confirmed_at"] != nil || r.json(t)["requested_by"] != f.orgs["beta"].ID {
			t.Fatalf("proposal: %d %s", r.Status, r.Body)
		}
		if contactSeen() {
			t.Fatal("a pending link proposed by beta reveals alpha's emergency contact")
		}
		confirm := "/api/v1/orgs/alpha/links/" + f.orgs["beta"].ID + "/confirm"
		if r := f.do("POST", confirm, "betaAdmin", nil); r.Status != 403 {
			t.Fatalf("beta confirms its own proposal: %d %s", r.Status, r.Body)
		}
		if r := f.do("POST", confirm, "alphaReporter", nil); r.Status != 403 {
			t.Fatalf("a non-admin of alpha confirms: %d %s", r.Status, r.Body)
		}
		if r := f.do("POST", confirm, "alphaAdmin", nil); r.Status != 200 || r.json(t)["confirmed_at"] == nil {
			t.Fatalf("alpha confirms: %d %s", r.Status, r.Body)
		}
		if !contactSeen() {
			t.Fatal("a confirmed link does not reveal the partner's emergency contact")
		}
		// A platform administrator's link is confirmed at once.
		r = f.do("POST", "/api/v1/orgs/supp/links", "platform", map[string]any{"customer_id": "beta"})
		if r.Status != 201 || r.json(t)["confirmed_at"] == nil {
			t.Fatalf("platform link: %d %s", r.Status, r.Body)
		}
	})
}
