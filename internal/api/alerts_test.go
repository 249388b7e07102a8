package api

import (
	"context"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sakimori/internal/accounts"
	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func init() {
	// The bodies of the alert routes, for TestRequestSchemasMatchTheTypes.
	requestTypes["AlertInput"] = &AlertInput{}
	requestTypes["AlertPatch"] = &alerting.Patch{}
	requestTypes["AlertClusterInput"] = &AlertClusterInput{}
	requestTypes["AlertRevInput"] = &AlertRevInput{}
	requestTypes["AlertReviewInput"] = &AlertReviewInput{}
	requestTypes["AlertWithdrawInput"] = &AlertWithdrawInput{}
	requestTypes["AlertAckInput"] = &AlertAckInput{}
}

type alertFixture struct {
	*intelFixture
	c *jsonschema.Compiler
}

func newAlertFixture(t *testing.T, db *store.DB) *alertFixture {
	t.Helper()
	f := newIntelFixture(t, db)
	ctx := context.Background()
	u := &org.User{OrgID: f.w.Orgs["nco"].ID, Email: "reviewer@nco.example.jp", DisplayName: "reviewer", Roles: []org.Role{org.RoleAnalyst}}
	if err := db.CreateUser(ctx, audit.Actor{Name: "cli"}, u, ""); err != nil {
		t.Fatal(err)
	}
	f.w.Users["nco-reviewer"] = u
	secret, _, err := f.svc.CreateToken(ctx, auth.System("test"), u.ID, accounts.TokenRequest{Name: "t", Scopes: []org.Scope{org.ScopeWrite}})
	if err != nil {
		t.Fatal(err)
	}
	f.tokens["nco-reviewer"] = secret
	al := alerting.New(db, inteltest.Quiet)
	f.api = New(f.svc, Options{MaxBodyBytes: 1 << 20, Log: inteltest.Quiet, Version: "test", Intel: f.w.Svc, Alerting: al})
	f.srv.Config.Handler = f.api
	return &alertFixture{intelFixture: f, c: compiler(t, f.api.openapi)}
}

// call sends a request and validates the response against the document.
func (f *alertFixture) call(method, path, pattern, who string, body any, want int) resp {
	f.t.Helper()
	r := f.do(method, path, who, body)
	if r.Status != want {
		f.t.Fatalf("%s %s as %s: %d %s (want %d)", method, path, who, r.Status, r.Body, want)
	}
	if want < 300 && !strings.HasSuffix(pattern, "/stix") {
		validateResp(f.t.(*testing.T), f.c, f.api.openapi, method, pattern, r)
	}
	return r
}

func alertBody(tlp string, orgs ...string) map[string]any {
	return map[string]any{"severity": "high", "tlp": tlp,
		"title":               map[string]string{"ja": "秘密の注意喚起 " + tlp, "en": "Secret alert"},
		"summary":             map[string]string{"ja": "概要", "en": "Summary"},
		"recommended_actions": []map[string]string{{"ja": "更新してください。", "en": "Update."}},
		"cves":                []string{"CVE-2024-21762"},
		"indicators":          []map[string]string{{"value": "hxxp://evil[.]example/x"}},
		"targeting":           map[string]any{"orgs": orgs}}
}

func rev(t *testing.T, r resp) int {
	t.Helper()
	return int(r.json(t)["rev"].(float64))
}

func TestAlertRoutesLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAlertFixture(t, db)
		opB := f.w.Orgs["op-b"].ID
		const id = "/api/v1/alerts/{id}"
		r := f.call("POST", "/api/v1/alerts", "/api/v1/alerts", "op-a-analyst", alertBody("TLP:AMBER", opB), 403)
		r = f.call("POST", "/api/v1/alerts", "/api/v1/alerts", "nco-analyst", map[string]any{"title": map[string]string{"ja": ""}, "summary": map[string]string{"ja": "x"}}, 400)
		if _, field := r.errField(); field != "title.ja" {
			t.Fatalf("field %q: %s", field, r.Body)
		}
		r = f.call("POST", "/api/v1/alerts", "/api/v1/alerts", "nco-analyst", alertBody("TLP:AMBER", opB), 201)
		m := r.json(t)
		aid, ref := m["id"].(string), m["ref"].(string)
		path := "/api/v1/alerts/" + aid
		if inds := m["indicators"].([]any); inds[0].(map[string]any)["pattern"] != "[url:value = 'http://evil.example/x']" {
			t.Fatalf("indicator %v", inds)
		}
		r = f.call("PATCH", path, id, "nco-analyst", map[string]any{"rev": 1, "severity": "critical"}, 200)
		f.call("PATCH", path, id, "nco-analyst", map[string]any{"rev": 1, "severity": "low"}, 409)
		r = f.call("POST", path+"/submit", id+"/submit", "nco-analyst", map[string]any{"rev": rev(t, r)}, 200)
		f.call("POST", path+"/review", id+"/review", "nco-analyst", map[string]any{"rev": rev(t, r), "approve": true}, 403)
		r = f.call("POST", path+"/review", id+"/review", "nco-reviewer", map[string]any{"rev": rev(t, r), "approve": true}, 200)
		pv := f.call("GET", path+"/preview", id+"/preview", "nco-analyst", nil, 200).json(t)
		if pv["new"] != 1.0 {
			t.Fatalf("preview %v", pv)
		}
		pub := f.call("POST", path+"/publish", id+"/publish", "nco-analyst", map[string]any{"rev": rev(t, r)}, 200).json(t)
		if pub["alert"].(map[string]any)["state"] != "published" {
			t.Fatalf("publish %v", pub)
		}
		// The recipient, by ref.
		got := f.call("GET", "/api/v1/alerts/"+ref, id, "op-b-analyst", nil, 200).json(t)
		if got["severity"] != "critical" || got["targeting"] != nil && len(got["targeting"].(map[string]any)) > 0 {
			t.Fatalf("recipient view %v", got)
		}
		l := f.call("GET", "/api/v1/alerts?unacknowledged=true", "/api/v1/alerts", "op-b-analyst", nil, 200).json(t)
		if len(l["items"].([]any)) != 1 {
			t.Fatalf("inbox %v", l)
		}
		f.call("POST", path+"/acknowledge", id+"/acknowledge", "op-b-analyst", map[string]any{"state": "done"}, 400)
		ack := f.call("POST", path+"/acknowledge", id+"/acknowledge", "op-b-analyst", map[string]any{"state": "actioned", "actions": "blocked"}, 200).json(t)
		if ack["state"] != "actioned" {
			t.Fatalf("ack %v", ack)
		}
		tab := f.call("GET", path+"/recipients", id+"/recipients", "nco-analyst", nil, 200).json(t)
		if tab["counts"].(map[string]any)["actioned"] != 1.0 {
			t.Fatalf("table %v", tab)
		}
		f.call("GET", path+"/recipients", id+"/recipients", "op-b-analyst", nil, 403)
		x := f.call("GET", path+"/stix", id+"/stix", "op-b-analyst", nil, 200)
		if ct := x.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/stix+json") || !strings.Contains(string(x.Body), `"report_types":["threat-report"]`) {
			t.Fatalf("stix %s %s", ct, x.Body)
		}
		f.call("POST", path+"/withdraw", id+"/withdraw", "nco-analyst", map[string]any{"reason": ""}, 400)
		f.call("POST", path+"/withdraw", id+"/withdraw", "nco-analyst", map[string]any{"reason": "superseded"}, 200)
		f.call("POST", "/api/v1/alerts/from-cluster", "/api/v1/alerts/from-cluster", "nco-analyst", map[string]any{"cluster_id": "nope"}, 404)
	})
}

// TestAlertsNeverLeak: a non-recipient never sees an AMBER or RED alert,
// nor a draft, on any route; the body never holds its ref or title.
func TestAlertsNeverLeak(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAlertFixture(t, db)
		opB := f.w.Orgs["op-b"].ID
		publish := func(tlp string) (string, string) {
			r := f.call("POST", "/api/v1/alerts", "/api/v1/alerts", "nco-analyst", alertBody(tlp, opB), 201)
			m := r.json(t)
			p := "/api/v1/alerts/" + m["id"].(string)
			r = f.call("POST", p+"/submit", "/api/v1/alerts/{id}/submit", "nco-analyst", map[string]any{}, 200)
			r = f.call("POST", p+"/review", "/api/v1/alerts/{id}/review", "nco-reviewer", map[string]any{"approve": true}, 200)
			f.call("POST", p+"/publish", "/api/v1/alerts/{id}/publish", "nco-analyst", map[string]any{"rev": rev(t, r)}, 200)
			return m["id"].(string), m["ref"].(string)
		}
		draft := f.call("POST", "/api/v1/alerts", "/api/v1/alerts", "nco-analyst", alertBody("TLP:GREEN", opB), 201).json(t)
		type secret struct{ id, ref string }
		amberID, amberRef := publish("TLP:AMBER")
		redID, redRef := publish("TLP:RED")
		secrets := []secret{{amberID, amberRef}, {redID, redRef}, {draft["id"].(string), draft["ref"].(string)}}
		for name := range f.w.Users {
			if strings.HasPrefix(name, "nco-") || strings.HasPrefix(name, "op-b-") {
				continue // the government and the recipient
			}
			for _, s := range secrets {
				for _, rt := range []struct {
					method, path string
					body         any
				}{
					{"GET", "/api/v1/alerts", nil}, {"GET", "/api/v1/alerts?addressed=true", nil}, {"GET", "/api/v1/alerts?state=published", nil},
					{"GET", "/api/v1/alerts/" + s.id, nil}, {"GET", "/api/v1/alerts/" + s.ref, nil},
					{"PATCH", "/api/v1/alerts/" + s.id, map[string]any{"rev": 1}}, {"POST", "/api/v1/alerts/" + s.id + "/submit", map[string]any{}},
					{"POST", "/api/v1/alerts/" + s.id + "/review", map[string]any{"approve": true}}, {"GET", "/api/v1/alerts/" + s.id + "/preview", nil},
					{"POST", "/api/v1/alerts/" + s.id + "/publish", map[string]any{}}, {"POST", "/api/v1/alerts/" + s.id + "/withdraw", map[string]any{"reason": "x"}},
					{"POST", "/api/v1/alerts/" + s.id + "/acknowledge", map[string]any{"state": "acknowledged"}},
					{"GET", "/api/v1/alerts/" + s.id + "/recipients", nil}, {"GET", "/api/v1/alerts/" + s.id + "/stix", nil},
				} {
					r := f.do(rt.method, rt.path, name, rt.body)
					if r.Status < 400 && rt.path != "/api/v1/alerts" && !strings.HasPrefix(rt.path, "/api/v1/alerts?") {
						t.Errorf("%s %s %s: %d", name, rt.method, rt.path, r.Status)
					}
					if r.Status != 404 && r.Status != 403 && r.Status >= 400 {
						t.Errorf("%s %s %s: status %d %s", name, rt.method, rt.path, r.Status, r.Body)
					}
					if strings.Contains(string(r.Body), s.ref) && !strings.Contains(rt.path, s.ref) || strings.Contains(string(r.Body), "秘密の注意喚起") {
						t.Errorf("%s %s %s: leaks %s: %s", name, rt.method, rt.path, s.ref, r.Body)
					}
				}
			}
		}
		// The recipient sees both published alerts, never the draft.
		r := f.do("GET", "/api/v1/alerts", "op-b-analyst", nil)
		if n := strings.Count(string(r.Body), `"ref":"ALR-`); n != 2 || strings.Contains(string(r.Body), draft["ref"].(string)) {
			t.Fatalf("recipient list (%d): %s", n, r.Body)
		}
	})
}
