package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

//go:embed schemas.json
var schemasJSON []byte

// buildOpenAPI renders the OpenAPI 3.1 document from the route table.
func (a *API) buildOpenAPI() []byte {
	var schemas map[string]any
	if err := json.Unmarshal(schemasJSON, &schemas); err != nil {
		panic("api: schemas.json: " + err.Error())
	}
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		op := map[string]any{"operationId": rt.ID, "summary": rt.Summary, "tags": []string{rt.Tag}}
		var params []any
		for _, seg := range strings.Split(rt.Path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true,
					"schema": map[string]any{"type": "string"}})
			}
		}
		for _, q := range rt.Query {
			s := map[string]any{"type": q.Type}
			if q.Enum != nil {
				s["enum"] = q.Enum
			}
			if q.Name == "limit" {
				s["minimum"], s["maximum"] = 1, 1000
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Desc, "schema": s})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Body != "" || len(rt.BodyTypes) > 0 {
			content := map[string]any{}
			if rt.Body != "" {
				content["application/json"] = map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + rt.Body}}
			}
			for mt, schema := range rt.BodyTypes {
				content[mt] = map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + schema}}
			}
			op["requestBody"] = map[string]any{"required": !rt.BodyOptional, "content": content}
		}
		ok := map[string]any{"description": http.StatusText(rt.Status)}
		if rt.Produces != "" {
			ok["content"] = map[string]any{rt.Produces: map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		if rt.Resp != "" {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + rt.Resp}}}
		}
		resps := map[string]any{strconv.Itoa(rt.Status): ok, "default": errResp("an error, with the offending field named where there is one")}
		for status, schema := range rt.Also {
			resps[strconv.Itoa(status)] = map[string]any{"description": http.StatusText(status),
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + schema}}}}
		}
		if rt.Public {
			op["security"] = []any{}
		} else {
			resps["401"] = errResp("no valid API token")
			resps["403"] = errResp("the token's scope or the user's roles do not allow this")
			op["description"] = "Token scope: " + string(rt.Scope) + "."
		}
		if rt.Body != "" || len(rt.BodyTypes) > 0 {
			resps["400"] = errResp("invalid input; `field` names it")
			resps["413"] = errResp("body too large")
			resps["415"] = errResp("body is not of a media type the operation takes")
		}
		op["responses"] = resps
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "sakimori API", "version": a.opt.Version,
			"description": "JSON API of sakimori, the platform for Japan's Active Cyber Defense. Authenticate with an API token: " +
				"`Authorization: Bearer skm_...` (or HTTP Basic with the token as password). Errors: " +
				"`{\"error\":{\"code\",\"message\",\"field\"}}`. Lists are paginated with `limit` and `cursor`."},
		"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
		"servers":           []any{map[string]any{"url": "/"}},
		"security":          []any{map[string]any{"bearer": []string{}}, map[string]any{"basic": []string{}}},
		"paths":             paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "an API token, skm_..."},
				"basic":  map[string]any{"type": "http", "scheme": "basic", "description": "any user name; the API token as password"},
			},
		},
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic("api: openapi: " + err.Error())
	}
	return append(b, '\n')
}
