package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// intelFixture is the API over the inteltest world, with tokens named
// "<user>" (the scope the role needs: admin for administrators, write for
// analysts, read for viewers) and "<user>:read".
type intelFixture struct {
	*fixture
	w *inteltest.World
}

func newIntelFixture(t *testing.T, db *store.DB) *intelFixture {
	t.Helper()
	w := inteltest.New(t, db)
	svc := accounts.New(db, inteltest.Quiet)
	f := &fixture{t: t, db: db, svc: svc, orgs: w.Orgs, users: w.Users, tokens: map[string]string{}}
	f.api = New(svc, Options{MaxBodyBytes: 1 << 20, Log: inteltest.Quiet, Version: "test", Intel: w.Svc})
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	sys := auth.System("test")
	for name, u := range w.Users {
		scope := org.ScopeWrite
		switch {
		case u.Has(org.RoleOrgAdmin), u.Has(org.RolePlatformAdmin):
			scope = org.ScopeAdmin
		case u.Has(org.RoleViewer):
			scope = org.ScopeRead
		}
		for _, tk := range []struct {
			key   string
			scope org.Scope
		}{{name, scope}, {name + ":read", org.ScopeRead}} {
			secret, _, err := svc.CreateToken(context.Background(), sys, u.ID, accounts.TokenRequest{Name: "t", Scopes: []org.Scope{tk.scope}})
			if err != nil {
				t.Fatalf("token for %s: %v", name, err)
			}
			f.tokens[tk.key] = secret
		}
	}
	return &intelFixture{fixture: f, w: w}
}

// raw sends a body with a content type.
func (f *intelFixture) raw(method, path, who, ctype, body string) resp {
	f.t.Helper()
	return f.do(method, path, who, body, "Content-Type", ctype)
}

func ind(n int, ip string) string { return inteltest.Indicator(n, ip, "") }

func indID(n int) string { return fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", n) }

// seed imports one indicator into each collection of the world.
func (f *intelFixture) seed(t *testing.T) {
	t.Helper()
	for _, s := range []struct {
		who, coll string
		n         int
		ip        string
	}{
		{"nco-analyst", "advisories", 1, "198.51.100.1"},
		{"op-a-analyst", "exchange", 2, "198.51.100.2"},
		{"op-a-analyst", "op-a-amber", 3, "198.51.100.3"},
		{"nco-analyst", "council-red", 4, "198.51.100.4"},
	} {
		r := f.raw("POST", "/api/v1/collections/"+s.coll+"/import", s.who, "application/stix+json", string(inteltest.Bundle(ind(s.n, s.ip))))
		if r.Status != 200 || r.json(t)["accepted"] != 1.0 {
			t.Fatalf("seed %s: %d %s", s.coll, r.Status, r.Body)
		}
	}
}

func validateResp(t *testing.T, c *jsonschema.Compiler, doc []byte, method, pattern string, r resp) {
	t.Helper()
	ref := responseSchema(t, doc, method, pattern, r.Status)
	if ref == "" {
		if len(r.Body) != 0 {
			t.Errorf("%s %s: documented without body, got %s", method, pattern, r.Body)
		}
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, pattern, ct)
	}
	sch, err := c.Compile("mem://openapi.json" + ref)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("%s %s: %v: %s", method, pattern, err, r.Body)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s %s (%d) does not match %s: %v\n%s", method, pattern, r.Status, ref, err, r.Body)
	}
}

const warninglistJSON = `{"name":"Test documentation ranges","version":1,"description":"RFC 5737","type":"cidr",
"matching_attributes":["ip-src","ip-dst"],"list":["198.51.100.0/24"]}`

const mispEvent = `{"Event":{"uuid":"5f0c2a1e-8b7d-4c3e-9a2b-1d0e9f8a7b6c","info":"C2 of a campaign","date":"2026-11-01",
"timestamp":"1793500000","threat_level_id":"1","analysis":"2","Tag":[{"name":"tlp:amber"}],
"Attribute":[{"uuid":"6a1d3b2f-9c8e-4d4f-8b3c-2e1f0a9b8c7d","type":"ip-dst","category":"Network activity","to_ids":true,
"timestamp":"1793500000","value":"203.0.113.9"},
{"uuid":"7b2e4c3a-0d9f-4e5a-9c4d-3f2a1b0c9d8e","type":"domain","category":"Network activity","to_ids":true,
"timestamp":"1793500000","value":"c2.evil.example"}]}}`

func TestIntelResponsesMatchTheDocument(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIntelFixture(t, db)
		f.seed(t)
		doc := f.api.openapi
		c := compiler(t, doc)
		opb := f.w.Orgs["op-b"].ID
		cases := []struct {
			method, pattern, path, who string
			body                       any
			ctype                      string
			want                       int
		}{
			{"GET", "/api/v1/collections", "/api/v1/collections", "op-b-analyst", nil, "", 200},
			{"POST", "/api/v1/collections", "/api/v1/collections", "op-a-admin", map[string]any{"alias": "op-a-ics", "title": map[string]string{"ja": "制御系"},
				"tlp": "amber+strict", "audience": map[string]any{"orgs": []string{"op-b"}, "groups": []string{"council"}}, "write_policy": "audience"}, "", 201},
			{"GET", "/api/v1/collections/{ref}", "/api/v1/collections/op-a-ics", "op-a-analyst", nil, "", 200},
			{"PATCH", "/api/v1/collections/{ref}", "/api/v1/collections/op-a-ics", "op-a-admin", map[string]any{"description": "ICS", "tlp": "TLP:RED"}, "", 200},
			{"GET", "/api/v1/groups", "/api/v1/groups", "ven-analyst", nil, "", 200},
			{"POST", "/api/v1/groups", "/api/v1/groups", "op-a-admin", map[string]any{"slug": "elec", "kind": "ad_hoc",
				"name": map[string]string{"ja": "電力", "en": "Electricity"}, "org_ids": []string{"op-a", opb}}, "", 201},
			{"GET", "/api/v1/groups/{ref}", "/api/v1/groups/council", "op-b-analyst", nil, "", 200},
			{"PATCH", "/api/v1/groups/{ref}", "/api/v1/groups/elec", "op-a-admin", map[string]any{"description": "electricity ad hoc"}, "", 200},
			{"GET", "/api/v1/objects", "/api/v1/objects?limit=2", "op-b-analyst", nil, "", 200},
			{"GET", "/api/v1/objects", "/api/v1/objects?q=198.51.100.3&include=object&type=indicator", "op-b-analyst", nil, "", 200},
			{"POST", "/api/v1/objects/{id}/sightings", "/api/v1/objects/" + indID(3) + "/sightings", "op-b-analyst", map[string]any{"count": 3, "anonymous": true, "note": "seen at the edge"}, "", 201},
			{"POST", "/api/v1/objects/{id}/sightings", "/api/v1/objects/" + indID(3) + "/sightings", "op-a-analyst", map[string]any{"false_positive": true}, "", 201},
			{"GET", "/api/v1/objects/{id}/sightings", "/api/v1/objects/" + indID(3) + "/sightings", "op-a-analyst", nil, "", 200},
			{"GET", "/api/v1/objects/{id}", "/api/v1/objects/" + indID(3), "op-b-analyst", nil, "", 200},
			{"GET", "/api/v1/objects/{id}/history", "/api/v1/objects/" + indID(3) + "/history", "op-a-analyst", nil, "", 200},
			{"POST", "/api/v1/collections/{ref}/import", "/api/v1/collections/op-a-amber/import", "op-a-analyst",
				inteltest.IndicatorVersion(3, 7, "198.51.100.3", `,"description":"updated","confidence":80`), "application/json", 200},
			{"POST", "/api/v1/collections/{ref}/import", "/api/v1/collections/op-a-amber/import?async=true", "op-a-analyst",
				string(inteltest.Bundle(ind(9, "192.0.2.9"))), "application/json", 202},
			{"POST", "/api/v1/collections/{ref}/import", "/api/v1/collections/exchange/import?tlp=green&confidence=" + url.QueryEscape("確度:高") + "&labels=phishing",
				"op-b-analyst", "192.0.2.50\nphish.example\n", "text/plain", 200},
			{"POST", "/api/v1/collections/{ref}/import", "/api/v1/collections/op-a-amber/import?format=misp", "op-a-analyst", mispEvent, "application/json", 200},
			{"GET", "/api/v1/objects/{id}", "/api/v1/objects/" + indID(3), "op-a-analyst", nil, "", 200},
			{"GET", "/api/v1/jobs", "/api/v1/jobs", "op-a-analyst", nil, "", 200},
			{"GET", "/api/v1/collections/{ref}/deletions", "/api/v1/collections/op-a-amber/deletions?after=0", "op-b-analyst", nil, "", 200},
			{"GET", "/api/v1/confidence-scales", "/api/v1/confidence-scales", "ven-analyst", nil, "", 200},
			{"POST", "/api/v1/warninglists", "/api/v1/warninglists", "platform", warninglistJSON, "application/json", 201},
			{"GET", "/api/v1/warninglists", "/api/v1/warninglists", "ven-analyst", nil, "", 200},
			{"GET", "/api/v1/warninglists/check", "/api/v1/warninglists/check?value=198.51.100.200", "ven-analyst", nil, "", 200},
			{"PATCH", "/api/v1/warninglists/{name}", "/api/v1/warninglists/" + url.PathEscape("Test documentation ranges"), "platform", map[string]any{"enabled": true}, "", 200},
			{"GET", "/api/v1/export/blocklist", "/api/v1/export/blocklist?kind=ipv4", "op-b-analyst", nil, "", 200},
			{"POST", "/api/v1/objects/{id}/override", "/api/v1/objects/" + indID(3) + "/override", "op-a-analyst", map[string]any{"reason": "our own sinkhole, block it"}, "", 201},
			{"GET", "/api/v1/export/bundle", "/api/v1/export/bundle?type=indicator", "op-b-analyst", nil, "", 200},
			{"DELETE", "/api/v1/objects/{id}/override", "/api/v1/objects/" + indID(3) + "/override", "op-a-analyst", nil, "", 204},
			{"DELETE", "/api/v1/warninglists/{name}", "/api/v1/warninglists/" + url.PathEscape("Test documentation ranges"), "platform", nil, "", 204},
			{"GET", "/api/v1/objects/{id}", "/api/v1/objects/" + indID(3), "ven-analyst", nil, "", 404},
			{"POST", "/api/v1/collections", "/api/v1/collections", "op-a-analyst", map[string]any{"alias": "nope", "title": map[string]string{"en": "x"}, "tlp": "green"}, "", 403},
		}
		for _, tc := range cases {
			var r resp
			if s, ok := tc.body.(string); ok {
				r = f.raw(tc.method, tc.path, tc.who, tc.ctype, s)
			} else {
				r = f.do(tc.method, tc.path, tc.who, tc.body)
			}
			if r.Status != tc.want {
				t.Errorf("%s %s as %s: %d, want %d: %s", tc.method, tc.path, tc.who, r.Status, tc.want, r.Body)
				continue
			}
			if m, ok := tc.body.(map[string]any); ok && r.Status < 300 {
				validate(t, c, requestSchema(t, doc, tc.method, tc.pattern), m, tc.method+" "+tc.path+" request")
			}
			validateResp(t, c, doc, tc.method, tc.pattern, r)
		}
		// The detail has history with changes and a score with reasons.
		r := f.do("GET", "/api/v1/objects/"+indID(3), "op-a-analyst", nil)
		var d struct {
			Versions []struct {
				Changes []struct{ Op, Path string } `json:"changes"`
			} `json:"versions"`
			Score struct {
				Score   int `json:"score"`
				Reasons []struct {
					Code string `json:"code"`
				} `json:"reasons"`
			} `json:"score"`
			Sightings struct {
				Reports int `json:"reports"`
			} `json:"sightings"`
		}
		json.Unmarshal(r.Body, &d)
		if len(d.Versions) != 2 || len(d.Versions[1].Changes) == 0 {
			t.Errorf("history: %s", r.Body)
		}
		if len(d.Score.Reasons) == 0 || d.Score.Reasons[0].Code != "confidence" || d.Sightings.Reports != 2 {
			t.Errorf("score/sightings: %s", r.Body)
		}
	})
}

// visibility says which seeded indicators each user may see.
var visibility = map[string][4]bool{
	//              CLEAR  GREEN  AMBER(op-a→op-b)  RED(council)
	"op-a-analyst": {true, true, true, false},
	"op-b-analyst": {true, true, true, true},
	"ven-analyst":  {true, true, false, false},
	"sup-analyst":  {true, true, false, false},
}

func TestIntelSecurityMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIntelFixture(t, db)
		f.seed(t)
		for who, vis := range visibility {
			bundle := string(f.do("GET", "/api/v1/export/bundle", who, nil).Body)
			search := string(f.do("GET", "/api/v1/objects?limit=1000", who, nil).Body)
			// Every label asked for, sorted by score: filters narrow, never widen.
			filtered := string(f.do("GET", "/api/v1/objects?limit=1000&tlp=clear,green,amber,amber%2Bstrict,red&added_from=2000-01-01&sort=score", who, nil).Body)
			filteredBundle := string(f.do("GET", "/api/v1/export/bundle?tlp=clear,green,amber,amber%2Bstrict,red&modified_from=2000-01-01", who, nil).Body)
			block := string(f.do("GET", "/api/v1/export/blocklist?format=text", who, nil).Body)
			for i, want := range vis {
				n := i + 1
				id, ip := indID(n), fmt.Sprintf("198.51.100.%d", n)
				if n == 4 && who == "sup-analyst" {
					want = false
				}
				for _, path := range []string{"/api/v1/objects/" + id, "/api/v1/objects/" + id + "/history", "/api/v1/objects/" + id + "/sightings"} {
					r := f.do("GET", path, who, nil)
					if got := r.Status == 200; got != want || !want && r.Status != 404 {
						t.Errorf("GET %s as %s: %d, want visible=%v", path, who, r.Status, want)
					}
				}
				for what, body := range map[string]string{"search": search, "filtered": filtered, "bundle": bundle, "filtered bundle": filteredBundle, "blocklist": block} {
					probe := id
					if what == "blocklist" {
						probe = ip + "\n"
					}
					if got := strings.Contains(body, probe); got != want {
						t.Errorf("%s as %s has %s: %v, want %v", what, who, id, got, want)
					}
				}
				if got := f.do("GET", "/api/v1/objects?q="+ip, who, nil); strings.Contains(string(got.Body), id) != want {
					t.Errorf("search q=%s as %s: %s", ip, who, got.Body)
				}
				r := f.do("POST", "/api/v1/objects/"+id+"/sightings", who, map[string]any{"count": 1})
				if want && r.Status != 201 || !want && r.Status != 404 {
					t.Errorf("sighting of %s as %s: %d %s", id, who, r.Status, r.Body)
				}
			}
		}
		// Scopes and roles.
		for _, tc := range []struct {
			who, method, path, ctype string
			body                     any
			want                     int
		}{
			{"op-a-analyst:read", "POST", "/api/v1/collections/op-a-amber/import", "application/json", string(inteltest.Bundle(ind(20, "192.0.2.20"))), 403},
			{"op-a-analyst:read", "POST", "/api/v1/objects/" + indID(3) + "/sightings", "", map[string]any{"count": 1}, 403},
			{"op-a-analyst:read", "POST", "/api/v1/objects/" + indID(3) + "/override", "", map[string]any{"reason": "because I say so"}, 403},
			{"op-a-viewer", "POST", "/api/v1/collections/exchange/import", "application/json", string(inteltest.Bundle(ind(21, "192.0.2.21"))), 403},
			{"op-b-analyst", "POST", "/api/v1/collections/op-a-amber/import", "application/json", string(inteltest.Bundle(ind(22, "192.0.2.22"))), 403},
			{"ven-analyst", "POST", "/api/v1/collections/council-red/import", "application/json", string(inteltest.Bundle(ind(23, "192.0.2.23"))), 404},
			{"op-a-admin:read", "POST", "/api/v1/collections", "", map[string]any{"alias": "x-y", "title": map[string]string{"en": "x"}, "tlp": "green"}, 403},
			{"op-b-admin", "PATCH", "/api/v1/collections/op-a-amber", "", map[string]any{"tlp": "clear"}, 403},
			{"op-a-analyst", "POST", "/api/v1/warninglists", "application/json", warninglistJSON, 403},
			{"op-a-admin", "PATCH", "/api/v1/groups/council", "", map[string]any{"description": "mine now"}, 403},
			{"op-a-analyst:read", "GET", "/api/v1/objects", "", nil, 200},
		} {
			var r resp
			if s, ok := tc.body.(string); ok {
				r = f.raw(tc.method, tc.path, tc.who, tc.ctype, s)
			} else {
				r = f.do(tc.method, tc.path, tc.who, tc.body)
			}
			if r.Status != tc.want {
				t.Errorf("%s %s as %s: %d, want %d: %s", tc.method, tc.path, tc.who, r.Status, tc.want, r.Body)
			}
		}
		// ven's group list shows council without its members.
		r := f.do("GET", "/api/v1/groups/council", "ven-analyst", nil)
		if m := r.json(t); len(m["org_ids"].([]any)) != 0 {
			t.Errorf("council members shown to ven: %s", r.Body)
		}
		// Jobs are per organisation.
		var jobs struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		json.Unmarshal(f.do("GET", "/api/v1/jobs", "op-a-analyst", nil).Body, &jobs)
		if len(jobs.Items) == 0 {
			t.Fatal("op-a has no jobs")
		}
		if r := f.do("GET", "/api/v1/jobs/"+jobs.Items[0].ID, "ven-analyst", nil); r.Status != 404 {
			t.Errorf("ven reads op-a's job: %d", r.Status)
		}
	})
}

func TestIntelBadInputNamesTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIntelFixture(t, db)
		f.seed(t)
		bundle := string(inteltest.Bundle(ind(30, "192.0.2.30")))
		for _, tc := range []struct {
			name, who, method, path, ctype string
			body                           string
			status                         int
			code, field                    string
		}{
			{"unknown field", "op-a-admin", "POST", "/api/v1/collections", "application/json", `{"alias":"ab","title":{"en":"x"},"tlp":"green","colour":"red"}`, 400, "invalid", "colour"},
			{"bad tlp", "op-a-admin", "POST", "/api/v1/collections", "application/json", `{"alias":"ab","title":{"en":"x"},"tlp":"purple"}`, 400, "invalid", "tlp"},
			{"bad write policy", "op-a-admin", "POST", "/api/v1/collections", "application/json", `{"alias":"ab","title":{"en":"x"},"tlp":"green","write_policy":"all"}`, 400, "invalid", "write_policy"},
			{"bad audience org", "op-a-admin", "POST", "/api/v1/collections", "application/json", `{"alias":"ab","title":{"en":"x"},"tlp":"amber","audience":{"orgs":["nope"]}}`, 400, "invalid", "audience.orgs[0]"},
			{"bad alias", "op-a-admin", "POST", "/api/v1/collections", "application/json", `{"alias":"A B","title":{"en":"x"},"tlp":"green"}`, 400, "invalid", "alias"},
			{"patch unknown", "op-a-admin", "PATCH", "/api/v1/collections/op-a-amber", "application/json", `{"owner_org_id":"x"}`, 400, "invalid", "owner_org_id"},
			{"bad group kind", "op-a-admin", "POST", "/api/v1/groups", "application/json", `{"slug":"gg","kind":"club","name":{"ja":"あ","en":"a"},"org_ids":["op-a"]}`, 400, "invalid", "kind"},
			{"bad group org", "op-a-admin", "POST", "/api/v1/groups", "application/json", `{"slug":"gg","kind":"ad_hoc","name":{"ja":"あ","en":"a"},"org_ids":["op-a","zzz"]}`, 400, "invalid", "org_ids[1]"},
			{"bad confidence", "op-a-analyst", "POST", "/api/v1/collections/exchange/import?confidence=super", "text/plain", "192.0.2.1\n", 400, "invalid", "confidence"},
			{"ambiguous confidence", "op-a-analyst", "POST", "/api/v1/collections/exchange/import?confidence=almost+certain", "text/plain", "192.0.2.1\n", 400, "invalid", "confidence"},
			{"bad import tlp", "op-a-analyst", "POST", "/api/v1/collections/exchange/import?tlp=white-ish", "text/plain", "192.0.2.1\n", 400, "invalid", "tlp"},
			{"tlp on stix", "op-a-analyst", "POST", "/api/v1/collections/exchange/import?tlp=green", "application/json", bundle, 400, "invalid", "tlp"},
			{"bad format", "op-a-analyst", "POST", "/api/v1/collections/exchange/import?format=csv", "application/json", bundle, 400, "invalid", "format"},
			{"wrong content type", "op-a-analyst", "POST", "/api/v1/collections/exchange/import", "application/xml", bundle, 415, "unsupported_type", "Content-Type"},
			{"iocs as json", "op-a-analyst", "POST", "/api/v1/collections/exchange/import?format=iocs", "application/json", bundle, 415, "unsupported_type", "Content-Type"},
			{"not stix", "op-a-analyst", "POST", "/api/v1/collections/exchange/import", "application/json", `[1,2]`, 400, "invalid", ""},
			{"bad async", "op-a-analyst", "POST", "/api/v1/collections/exchange/import?async=maybe", "application/json", bundle, 400, "invalid", "async"},
			{"sighting unknown field", "op-a-analyst", "POST", "/api/v1/objects/" + indID(3) + "/sightings", "application/json", `{"count":1,"seen":true}`, 400, "invalid", "seen"},
			{"sighting bad sector", "op-a-analyst", "POST", "/api/v1/objects/" + indID(3) + "/sightings", "application/json", `{"sector":"mining"}`, 400, "invalid", "sector"},
			{"sighting bad time", "op-a-analyst", "POST", "/api/v1/objects/" + indID(3) + "/sightings", "application/json", `{"first_seen":"yesterday"}`, 400, "invalid", "first_seen"},
			{"sighting order", "op-a-analyst", "POST", "/api/v1/objects/" + indID(3) + "/sightings", "application/json", `{"first_seen":"2026-11-02T00:00:00Z","last_seen":"2026-11-01T00:00:00Z"}`, 400, "invalid", "last_seen"},
			{"short override", "op-a-analyst", "POST", "/api/v1/objects/" + indID(3) + "/override", "application/json", `{"reason":"x"}`, 400, "invalid", "reason"},
			{"warninglist patch", "platform", "PATCH", "/api/v1/warninglists/x", "application/json", `{}`, 400, "invalid", "enabled"},
			{"warninglist body", "platform", "POST", "/api/v1/warninglists", "application/json", `{"name":"x"}`, 400, "invalid", "description"},
			{"search flagged", "op-a-analyst", "GET", "/api/v1/objects?flagged=perhaps", "", "", 400, "invalid", "flagged"},
			{"search include", "op-a-analyst", "GET", "/api/v1/objects?include=raw", "", "", 400, "invalid", "include"},
			{"search type", "op-a-analyst", "GET", "/api/v1/objects?type=Indicator!", "", "", 400, "invalid", "type"},
			{"search cursor", "op-a-analyst", "GET", "/api/v1/objects?cursor=!!", "", "", 400, "invalid", "cursor"},
			{"search tlp", "op-a-analyst", "GET", "/api/v1/objects?tlp=purple", "", "", 400, "invalid", "tlp"},
			{"search min_score", "op-a-analyst", "GET", "/api/v1/objects?min_score=101", "", "", 400, "invalid", "min_score"},
			{"search min_confidence", "op-a-analyst", "GET", "/api/v1/objects?min_confidence=-1", "", "", 400, "invalid", "min_confidence"},
			{"search sector", "op-a-analyst", "GET", "/api/v1/objects?sector=mining", "", "", 400, "invalid", "sector"},
			{"search date", "op-a-analyst", "GET", "/api/v1/objects?added_from=2026-13-01", "", "", 400, "invalid", "added_from"},
			{"search date order", "op-a-analyst", "GET", "/api/v1/objects?modified_from=2026-11-02&modified_to=2026-11-01", "", "", 400, "invalid", "modified_to"},
			{"search sort", "op-a-analyst", "GET", "/api/v1/objects?sort=random", "", "", 400, "invalid", "sort"},
			{"deletions after", "op-a-analyst", "GET", "/api/v1/collections/exchange/deletions?after=-1", "", "", 400, "invalid", "after"},
			{"blocklist format", "op-a-analyst", "GET", "/api/v1/export/blocklist?format=csv", "", "", 400, "invalid", "format"},
			{"check value", "op-a-analyst", "GET", "/api/v1/warninglists/check", "", "", 400, "invalid", "value"},
		} {
			var r resp
			if tc.method == "GET" {
				r = f.do(tc.method, tc.path, tc.who, nil)
			} else {
				r = f.raw(tc.method, tc.path, tc.who, tc.ctype, tc.body)
			}
			code, field := r.errField()
			if r.Status != tc.status || code != tc.code || field != tc.field {
				t.Errorf("%s: got %d %s field %q, want %d %s field %q: %s", tc.name, r.Status, code, field, tc.status, tc.code, tc.field, r.Body)
			}
		}
	})
}

func TestIntelImportMISPAndIOCList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIntelFixture(t, db)
		// A MISP event: two to_ids attributes become indicators.
		r := f.raw("POST", "/api/v1/collections/op-a-amber/import?format=misp", "op-a-analyst", "application/json", mispEvent)
		m := r.json(t)
		if r.Status != 200 || m["kind"] != "misp" || m["status"] != "complete" || m["rejected"] != 0.0 || m["accepted"].(float64) < 2 {
			t.Fatalf("MISP import: %d %s", r.Status, r.Body)
		}
		for _, q := range []string{"203.0.113.9", "c2.evil.example"} {
			r := f.do("GET", "/api/v1/objects?type=indicator&q="+q, "op-b-analyst", nil)
			if items := r.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["tlp"] != "TLP:AMBER" {
				t.Errorf("search %s after MISP import: %s", q, r.Body)
			}
			if r := f.do("GET", "/api/v1/objects?q="+q, "ven-analyst", nil); len(r.json(t)["items"].([]any)) != 0 {
				t.Errorf("ven finds the AMBER MISP indicator %s", q)
			}
		}
		// An IOC list: defanged values, a comment, a bad line and a duplicate.
		list := "# campaign X\n192.0.2.77\nhxxps://bad[.]example/login\nevil-domain.example\n192.0.2.77\nthis is not an IOC\n"
		r = f.raw("POST", "/api/v1/collections/exchange/import?tlp=amber&confidence=high&labels=campaign-x", "op-b-analyst", "text/plain; charset=utf-8", list)
		m = r.json(t)
		if r.Status != 200 || m["kind"] != "iocs" || m["accepted"].(float64) < 3 || len(m["problems"].([]any)) != 1 {
			t.Fatalf("IOC import: %d %s", r.Status, r.Body)
		}
		r = f.do("GET", "/api/v1/objects?include=object&q=https://bad.example/login", "op-b-analyst", nil)
		items := r.json(t)["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("search URL: %s", r.Body)
		}
		it := items[0].(map[string]any)
		obj := it["object"].(map[string]any)
		if it["confidence"] != 85.0 || it["tlp"] != "TLP:AMBER" || !strings.Contains(fmt.Sprint(obj["labels"]), "campaign-x") {
			t.Errorf("IOC indicator: %s", r.Body)
		}
		// Imported again: duplicates, nothing new.
		r = f.raw("POST", "/api/v1/collections/exchange/import?tlp=amber&confidence=high&labels=campaign-x", "op-b-analyst", "text/plain", list)
		if m := r.json(t); m["accepted"] != 0.0 {
			t.Logf("IOC re-import (indicators are re-created with the import time): %s", r.Body)
		}
		// Block list as text: a header naming the organisation.
		r = f.do("GET", "/api/v1/export/blocklist?format=text&kind=ipv4,domain", "op-b-analyst", nil)
		body := string(r.Body)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") || !strings.Contains(body, "# sakimori block list for op-b") ||
			!strings.Contains(body, "\n192.0.2.77\n") || !strings.Contains(body, "\nevil-domain.example\n") || strings.Contains(body, "bad.example") {
			t.Errorf("text block list: %d %s", r.Status, body)
		}
		// A warninglist withholds a value; an override lets it back.
		if r := f.raw("POST", "/api/v1/warninglists", "platform", "application/json",
			`{"name":"Docs","version":1,"description":"d","type":"cidr","matching_attributes":["ip-dst"],"list":["192.0.2.0/24"]}`); r.Status != 201 {
			t.Fatalf("warninglist: %d %s", r.Status, r.Body)
		}
		r = f.do("GET", "/api/v1/export/blocklist?kind=ipv4", "op-b-analyst", nil)
		var bl struct {
			Entries  []struct{ Value, Indicator string }
			Withheld []struct{ Value, Indicator, Reason string }
		}
		json.Unmarshal(r.Body, &bl)
		if len(bl.Entries) != 1 || bl.Entries[0].Value != "203.0.113.9" || len(bl.Withheld) != 1 || !strings.Contains(bl.Withheld[0].Reason, "Docs") {
			t.Fatalf("block list with warninglist: %s", r.Body)
		}
		if r := f.do("POST", "/api/v1/objects/"+bl.Withheld[0].Indicator+"/override", "op-b-analyst", map[string]any{"reason": "confirmed C2 in our network"}); r.Status != 201 {
			t.Fatalf("override: %d %s", r.Status, r.Body)
		}
		r = f.do("GET", "/api/v1/export/blocklist?kind=ipv4&format=text", "op-b-analyst", nil)
		if !strings.Contains(string(r.Body), "\n192.0.2.77\n") {
			t.Errorf("overridden value not in block list: %s", r.Body)
		}
		r = f.do("GET", "/api/v1/warninglists/check?value=192.0.2.1", "ven-analyst", nil)
		if hits := r.json(t)["hits"].([]any); len(hits) != 1 {
			t.Errorf("check: %s", r.Body)
		}
	})
}

// TestRevokeAndDeleteObjects: the owner's analysts revoke and delete; a
// recipient gets 403, an outsider 404, a viewer 403; bad input names the
// field; answers match the document.
func TestRevokeAndDeleteObjects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIntelFixture(t, db)
		f.seed(t)
		doc := f.api.openapi
		c := compiler(t, doc)
		id := indID(3) // op-a-amber, owned by op-a, audience op-b
		revoke := "/api/v1/objects/" + id + "/revoke"
		for _, tc := range []struct {
			who  string
			want int
		}{{"op-b-analyst", 403}, {"ven-analyst", 404}, {"op-a-viewer", 403}, {"op-a-analyst:read", 403}} {
			if r := f.do("POST", revoke, tc.who, map[string]any{"reason": "not yours to revoke"}); r.Status != tc.want {
				t.Errorf("revoke as %s: %d, want %d: %s", tc.who, r.Status, tc.want, r.Body)
			}
		}
		for _, tc := range []struct{ name, body, field string }{
			{"short", `{"reason":"no"}`, "reason"},
			{"blank", `{"reason":"    "}`, "reason"},
			{"missing", `{}`, "reason"},
			{"long", `{"reason":"` + strings.Repeat("x", 1001) + `"}`, "reason"},
			{"unknown", `{"reason":"fine reason","why":1}`, "why"},
			{"type", `{"reason":5}`, "reason"},
		} {
			r := f.raw("POST", revoke, "op-a-analyst", "application/json", tc.body)
			if code, field := r.errField(); r.Status != 400 || code != "invalid" || field != tc.field {
				t.Errorf("revoke %s: %d %s %q: %s", tc.name, r.Status, code, field, r.Body)
			}
		}
		r := f.do("POST", revoke, "op-a-analyst", map[string]any{"reason": "sinkholed by the police"})
		if r.Status != 200 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		validateResp(t, c, doc, "POST", "/api/v1/objects/{id}/revoke", r)
		var rl struct {
			Items []struct {
				Revoked bool           `json:"revoked"`
				Object  map[string]any `json:"object"`
			} `json:"items"`
		}
		json.Unmarshal(r.Body, &rl)
		if len(rl.Items) != 1 || !rl.Items[0].Revoked || rl.Items[0].Object["revoked"] != true {
			t.Errorf("revoke answer: %s", r.Body)
		}
		if r := f.do("GET", "/api/v1/objects/"+id, "op-b-analyst", nil); !strings.Contains(string(r.Body), `"revoked":true`) {
			t.Errorf("recipient does not see the revocation: %s", r.Body)
		}
		if es, _, _ := db.ListAudit(context.Background(), store.AuditFilter{Action: "intel.revoke", ObjectID: id}); len(es) != 1 || es[0].Detail != "sinkholed by the police" {
			t.Errorf("revoke audit: %+v", es)
		}

		// Delete.
		del := "/api/v1/collections/op-a-amber/objects/" + id
		for _, tc := range []struct {
			who, path string
			want      int
		}{
			{"op-b-analyst", del, 403}, {"ven-analyst", del, 404}, {"op-a-viewer", del, 403}, {"op-a-analyst:read", del, 403},
			{"op-a-analyst", "/api/v1/collections/op-a-amber/objects/" + indID(77), 404},
			{"op-a-analyst", "/api/v1/collections/nowhere/objects/" + id, 404},
		} {
			if r := f.do("DELETE", tc.path, tc.who, nil); r.Status != tc.want {
				t.Errorf("DELETE %s as %s: %d, want %d: %s", tc.path, tc.who, r.Status, tc.want, r.Body)
			}
		}
		for _, v := range []string{"yesterday", "2026-11-01", ""} {
			r := f.do("DELETE", del+"?version="+url.QueryEscape(v), "op-a-analyst", nil)
			if code, field := r.errField(); r.Status != 400 || code != "invalid" || field != "version" {
				t.Errorf("delete version=%q: %d %s %q: %s", v, r.Status, code, field, r.Body)
			}
		}
		// One version first: the original of 00:00.
		r = f.do("DELETE", del+"?version=2026-11-01T00:00:00.000Z", "op-a-analyst", nil)
		if r.Status != 200 {
			t.Fatalf("delete one version: %d %s", r.Status, r.Body)
		}
		validateResp(t, c, doc, "DELETE", "/api/v1/collections/{ref}/objects/{id}", r)
		if items := r.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["version"] != "2026-11-01T00:00:00.000Z" {
			t.Errorf("one tombstone expected: %s", r.Body)
		}
		// Then the rest (the revoked version).
		r = f.do("DELETE", del, "op-a-analyst", nil)
		if items := r.json(t)["items"].([]any); r.Status != 200 || len(items) != 1 {
			t.Errorf("delete the rest: %d %s", r.Status, r.Body)
		}
		if r := f.do("GET", "/api/v1/objects/"+id, "op-b-analyst", nil); r.Status != 404 {
			t.Errorf("deleted object still readable: %d", r.Status)
		}
		r = f.do("GET", "/api/v1/collections/op-a-amber/deletions", "op-b-analyst", nil)
		m := r.json(t)
		if len(m["items"].([]any)) != 2 || strings.Contains(string(r.Body), `"seq"`) {
			t.Errorf("tombstones for the audience: %s", r.Body)
		}
		// next_after is an opaque cursor: it resumes after the last
		// tombstone, and a number (a seq) is not one.
		next, _ := m["next_after"].(string)
		if len(next) != 22 {
			t.Fatalf("next_after %v", m["next_after"])
		}
		r = f.do("GET", "/api/v1/collections/op-a-amber/deletions?after="+next, "op-b-analyst", nil)
		if m := r.json(t); r.Status != 200 || len(m["items"].([]any)) != 0 || m["more"] != false || m["next_after"] == next {
			t.Errorf("after next_after: %d %s", r.Status, r.Body)
		}
		if r := f.do("GET", "/api/v1/collections/op-a-amber/deletions?after=2", "op-b-analyst", nil); r.Status != 400 {
			t.Errorf("after=2: %d %s", r.Status, r.Body)
		}
	})
}

// TestIntelViewPaging follows next_cursor through filtered views, newest
// first and by score: every entitled object once, none outside the filter.
func TestIntelViewPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newIntelFixture(t, db)
		f.seed(t)
		for _, query := range []string{"tlp=clear,green,amber,red", "tlp=clear,green,amber,red&sort=score", "tlp=amber,red&type=indicator"} {
			for who, vis := range visibility {
				seen := map[string]bool{}
				path := "/api/v1/objects?limit=1&" + query
				for range 10 {
					r := f.do("GET", path, who, nil)
					if r.Status != 200 {
						t.Fatalf("%s as %s: %d %s", path, who, r.Status, r.Body)
					}
					body := r.json(t)
					for _, it := range body["items"].([]any) {
						m := it.(map[string]any)
						id := m["id"].(string)
						if seen[id] {
							t.Errorf("%s as %s: %s twice", query, who, id)
						}
						seen[id] = true
						if strings.Contains(query, "tlp=amber,red") && m["tlp"] != "TLP:AMBER" && m["tlp"] != "TLP:RED" {
							t.Errorf("%s as %s: %s is %v", query, who, id, m["tlp"])
						}
					}
					next, _ := body["next_cursor"].(string)
					if next == "" {
						break
					}
					path = "/api/v1/objects?limit=1&" + query + "&cursor=" + url.QueryEscape(next)
				}
				for i, want := range vis {
					n := i + 1
					if strings.Contains(query, "tlp=amber,red") && (n == 1 || n == 2) {
						want = false // advisories is CLEAR, exchange GREEN
					}
					if n == 4 && who == "sup-analyst" {
						want = false
					}
					if seen[indID(n)] != want {
						t.Errorf("%s as %s: %s seen %v, want %v", query, who, indID(n), seen[indID(n)], want)
					}
				}
			}
		}
	})
}
