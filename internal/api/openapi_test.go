package api

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIStructure checks the rules of OpenAPI 3.1 that a JSON Schema
// compiler does not: required members, unique operation ids, path
// parameters that match the path templates, responses with descriptions,
// and security requirements that name declared schemes.
func TestOpenAPIStructure(t *testing.T) {
	a := New(nil, Options{}) // no version given: the document still has one
	type param struct {
		Name     string          `json:"name"`
		In       string          `json:"in"`
		Required bool            `json:"required"`
		Schema   json.RawMessage `json:"schema"`
	}
	type response struct {
		Description *string                    `json:"description"`
		Content     map[string]json.RawMessage `json:"content"`
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title, Version string
		} `json:"info"`
		JSONSchemaDialect string                `json:"jsonSchemaDialect"`
		Security          []map[string][]string `json:"security"`
		Paths             map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Summary     string                `json:"summary"`
			Parameters  []param               `json:"parameters"`
			Responses   map[string]response   `json:"responses"`
			Security    []map[string][]string `json:"security"`
			RequestBody *struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(a.openapi, &doc); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(doc.OpenAPI) {
		t.Errorf("openapi %q is not 3.1.x", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info needs title and version: %+v", doc.Info)
	}
	if doc.JSONSchemaDialect != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("jsonSchemaDialect %q", doc.JSONSchemaDialect)
	}
	checkSecurity := func(where string, reqs []map[string][]string) {
		for _, req := range reqs {
			for name := range req {
				if s, ok := doc.Components.SecuritySchemes[name]; !ok || s.Type != "http" {
					t.Errorf("%s: security scheme %q is not declared as http", where, name)
				}
			}
		}
	}
	checkSecurity("document", doc.Security)
	if len(doc.Security) == 0 {
		t.Error("no default security requirement: the API would look public")
	}
	ids := map[string]string{}
	tmpl := regexp.MustCompile(`\{([^}]+)\}`)
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/") {
			t.Errorf("path %s outside /api/v1/", path)
		}
		var inPath []string
		for _, m := range tmpl.FindAllStringSubmatch(path, -1) {
			inPath = append(inPath, m[1])
		}
		for method, op := range ops {
			where := strings.ToUpper(method) + " " + path
			if !slices.Contains(methods, method) {
				t.Errorf("%s: not an HTTP method of OpenAPI", where)
			}
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s: operationId and summary are required here", where)
			}
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %s on both %s and %s", op.OperationID, other, where)
			}
			ids[op.OperationID] = where
			var declared []string
			seen := map[string]bool{}
			for _, p := range op.Parameters {
				if seen[p.In+" "+p.Name] {
					t.Errorf("%s: parameter %s in %s twice", where, p.Name, p.In)
				}
				seen[p.In+" "+p.Name] = true
				if len(p.Schema) == 0 {
					t.Errorf("%s: parameter %s has no schema", where, p.Name)
				}
				switch p.In {
				case "path":
					if !p.Required {
						t.Errorf("%s: path parameter %s must be required", where, p.Name)
					}
					declared = append(declared, p.Name)
				case "query", "header", "cookie":
				default:
					t.Errorf("%s: parameter %s in %q", where, p.Name, p.In)
				}
			}
			slices.Sort(declared)
			want := slices.Sorted(slices.Values(inPath))
			if !slices.Equal(declared, want) {
				t.Errorf("%s: path parameters %v, template has %v", where, declared, want)
			}
			success := false
			for code, r := range op.Responses {
				if r.Description == nil {
					t.Errorf("%s: response %s has no description", where, code)
				}
				if code != "default" && !regexp.MustCompile(`^[1-5](\d\d|XX)$`).MatchString(code) {
					t.Errorf("%s: response code %q", where, code)
				}
				if code[0] == '2' {
					success = true
				}
				for ct := range r.Content {
					// JSON, or the media type of a raw route's stream or
					// file.
					if ct != "application/json" && ct != "text/event-stream" && ct != "application/vnd.sakimori.set" {
						t.Errorf("%s: response %s content %s", where, code, ct)
					}
				}
			}
			if !success {
				t.Errorf("%s: no success response", where)
			}
			if op.RequestBody != nil && op.RequestBody.Content["application/json"] == nil {
				t.Errorf("%s: request body is not application/json", where)
			}
			if (method == "get" || method == "delete") && op.RequestBody != nil {
				t.Errorf("%s: %s with a request body", where, method)
			}
			checkSecurity(where, op.Security)
		}
	}
	if len(ids) != len(a.routes) {
		t.Errorf("%d operations for %d routes", len(ids), len(a.routes))
	}
}

// TestMuxServesEachDocumentedOperation asks the router itself which
// pattern answers each documented operation: exactly that operation's,
// never the catch-all.
func TestMuxServesEachDocumentedOperation(t *testing.T) {
	a := New(nil, Options{})
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(a.openapi, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, ops := range doc.Paths {
		concrete := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x1")
		for method := range ops {
			m := strings.ToUpper(method)
			_, pattern := a.mux.Handler(httptest.NewRequest(m, concrete, nil))
			if pattern != m+" "+path {
				t.Errorf("%s %s is answered by pattern %q", m, path, pattern)
			}
			n++
		}
	}
	// And a path that is not documented goes to the catch-all.
	if _, pattern := a.mux.Handler(httptest.NewRequest("GET", "/api/v1/undocumented", nil)); pattern != "/api/v1/" {
		t.Errorf("undocumented path answered by %q", pattern)
	}
	if n != len(a.routes) {
		t.Errorf("%d documented operations, %d routes", n, len(a.routes))
	}
}
