package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func init() {
	// The bodies of the incident-reporting routes, for
	// TestRequestSchemasMatchTheTypes.
	for name, v := range map[string]any{
		"ReportingSettingsInput": &incident.Settings{}, "IncidentTemplateInput": &incident.Template{}, "NewIncident": &reporting.NewIncident{},
		"IncidentEdit": &reporting.Edit{}, "RegimeChoicesInput": &RegimeChoicesInput{}, "ApprovalRequestInput": &ApprovalRequestInput{},
		"ApprovalDecisionInput": &ApprovalDecisionInput{}, "SubmitRequest": &reporting.SubmitRequest{}, "AcknowledgeInput": &AcknowledgeInput{},
		"InfoRequestInput": &reporting.InfoRequestInput{}, "IncidentCommentInput": &IncidentCommentInput{}, "TriageInput": &incident.Triage{},
		"IncidentLinkInput": &incident.Link{}, "CloseInput": &CloseInput{}, "ReasonInput": &ReasonInput{}, "ShareRequest": &reporting.ShareRequest{},
	} {
		requestTypes[name] = v
	}
}

// reportingFixture is the API over the inteltest world plus what
// reporting needs (as in the reporting service's tests): a sector ministry
// for electricity ("min"), a police agency that is government but never a
// receiver ("npa"), and op-a's reporter and approvers. Tokens are named
// after the users, with the scope their role needs.
type reportingFixture struct {
	*fixture
	w   *inteltest.World
	rep *reporting.Service
	c   *jsonschema.Compiler
}

func newReportingFixture(t *testing.T, db *store.DB) *reportingFixture {
	t.Helper()
	ctx := context.Background()
	w := reportingtest.New(t, db)
	svc := accounts.New(db, inteltest.Quiet)
	rep := reporting.New(db, inteltest.Quiet)
	rep.Intel = w.Svc
	f := &fixture{t: t, db: db, svc: svc, orgs: w.Orgs, users: w.Users, tokens: map[string]string{}}
	f.api = New(svc, Options{MaxBodyBytes: 1 << 20, Log: inteltest.Quiet, Version: "test", Intel: w.Svc, Reporting: rep})
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
			secret, _, err := svc.CreateToken(ctx, sys, u.ID, accounts.TokenRequest{Name: "t", Scopes: []org.Scope{tk.scope}})
			if err != nil {
				t.Fatalf("token for %s: %v", name, err)
			}
			f.tokens[tk.key] = secret
		}
	}
	return &reportingFixture{fixture: f, w: w, rep: rep, c: compiler(t, f.api.openapi)}
}

// call sends a request, checks its status, and validates a JSON response
// against the schema the document declares for the route and status (and
// an accepted map body against the request schema).
func (f *reportingFixture) call(t *testing.T, method, path, who string, b any, want int) resp {
	t.Helper()
	r := f.do(method, path, who, b)
	if r.Status != want {
		t.Errorf("%s %s as %q: %d, want %d: %s", method, path, who, r.Status, want, r.Body)
	}
	_, pattern := f.api.mux.Handler(httptest.NewRequest(method, path, nil))
	m, pattern, ok := strings.Cut(pattern, " ")
	if !ok || m != method {
		t.Fatalf("%s %s is not a route (%q)", method, path, pattern)
	}
	if _, isMap := b.(map[string]any); isMap && r.Status < 300 {
		validate(t, f.c, requestSchema(t, f.api.openapi, method, pattern), b, method+" "+path+" request")
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Status >= 300 || r.Status == 204 {
		validateResp(t, f.c, f.api.openapi, method, pattern, r)
	}
	return r
}

// bad sends input that must be refused with status and the field named.
func (f *reportingFixture) bad(t *testing.T, method, path, who string, b any, status int, field string) {
	t.Helper()
	r := f.call(t, method, path, who, b, status)
	if _, got := r.errField(); got != field {
		t.Errorf("%s %s: field %q, want %q: %s", method, path, got, field, r.Body)
	}
}

type (
	tIncident struct {
		ID               string `json:"id"`
		Ref              string `json:"ref"`
		Title            string `json:"title"`
		State            string `json:"state"`
		Version          int    `json:"version"`
		SubmittedVersion int    `json:"submitted_version"`
		Rev              int    `json:"rev"`
		Content          struct {
			Summary struct {
				Value string `json:"value"`
			} `json:"summary"`
		} `json:"content"`
		Approval *struct {
			Outcome string `json:"outcome"`
		} `json:"approval"`
		Triage struct {
			Severity string `json:"severity"`
		} `json:"triage"`
		InfoRequests []struct {
			State string `json:"state"`
		} `json:"info_requests"`
		Links []struct {
			Ref string `json:"ref"`
		} `json:"links"`
	}
	tSubmission struct {
		ID           string          `json:"id"`
		Recipient    string          `json:"recipient"`
		Version      int             `json:"version"`
		Kind         string          `json:"kind"`
		SHA256       string          `json:"sha256"`
		Body         json.RawMessage `json:"body"`
		AuthorityRef string          `json:"authority_ref"`
	}
	tView struct {
		Incident    tIncident     `json:"incident"`
		Role        string        `json:"role"`
		Submissions []tSubmission `json:"submissions"`
		Events      []struct {
			Kind    string `json:"kind"`
			Shared  bool   `json:"shared"`
			GovOnly bool   `json:"gov_only"`
		} `json:"events"`
		Can struct {
			Submit  bool     `json:"submit"`
			Approve []string `json:"approve"`
			Receive bool     `json:"receive"`
		} `json:"can"`
	}
)

// field is a known report field as JSON.
func kfield(v any) map[string]any {
	return map[string]any{"value": v, "state": "known", "confidence": "confirmed", "source": "EDR"}
}

// reported creates op-a's incident and takes it through approval to a
// first submission (version 2), then saves a draft version 3 that is not
// submitted. It returns the incident and the submissions.
func (f *reportingFixture) reported(t *testing.T) (tIncident, []tSubmission) {
	t.Helper()
	f.call(t, "PUT", "/api/v1/reporting/settings", "op-a-admin", map[string]any{
		"flow": map[string]any{"mode": "sequential", "steps": []string{"legal", "exec"}}, "regimes": []string{"jp-acd"}}, 200)
	tpl := into[map[string]any](t, f.call(t, "POST", "/api/v1/incident-templates", "op-a-reporter", map[string]any{
		"name": "VPN intrusion", "title": "VPN装置への不正アクセス",
		"content": map[string]any{"contacts": kfield([]map[string]any{{"name": "CSIRT duty", "phone": "+81 3 0000 0000", "h24": true}})}}, 201))
	now := time.Now().UTC().Truncate(time.Second)
	in := into[tIncident](t, f.call(t, "POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"template_id": tpl["id"]}, 201))
	if in.State != "draft" || in.Title != "VPN装置への不正アクセス" || in.Version != 1 {
		t.Fatalf("created: %+v", in)
	}
	content := map[string]any{
		"class":    kfield("unauthorised_access"),
		"summary":  kfield("SSL-VPN装置への不正ログインを検知。"),
		"occurred": kfield(now.Add(-3 * time.Hour)), "detected": kfield(now.Add(-2 * time.Hour)), "aware": kfield(now.Add(-time.Hour)),
		"contacts": kfield([]map[string]any{{"name": "CSIRT duty", "h24": true}}),
	}
	v := into[tView](t, f.call(t, "PATCH", "/api/v1/incidents/"+in.ID, "op-a-reporter", map[string]any{"content": content, "note": "first facts", "rev": in.Rev}, 200))
	if v.Incident.Version != 2 || v.Role != "reporter" {
		t.Fatalf("saved: %+v", v)
	}
	// A stale rev is a conflict, not a lost update.
	f.bad(t, "PATCH", "/api/v1/incidents/"+in.ID, "op-a-reporter", map[string]any{"title": "x", "rev": in.Rev}, 409, "rev")
	f.call(t, "PUT", "/api/v1/incidents/"+in.ID+"/regimes", "op-a-reporter", map[string]any{
		"regimes": []map[string]any{{"regime": "jp-acd", "reportable": "yes"}}}, 200)

	// Approval: sequential legal, then exec.
	f.bad(t, "POST", "/api/v1/incidents/"+in.ID+"/submissions", "op-a-reporter", map[string]any{}, 409, "state")
	v = into[tView](t, f.call(t, "POST", "/api/v1/incidents/"+in.ID+"/approval", "op-a-reporter", nil, 200))
	if v.Incident.State != "in_approval" {
		t.Fatalf("approval requested: %+v", v.Incident)
	}
	f.bad(t, "POST", "/api/v1/incidents/"+in.ID+"/approval/exec", "op-a-exec", map[string]any{"decision": "approve"}, 409, "kind")
	f.call(t, "POST", "/api/v1/incidents/"+in.ID+"/approval/legal", "op-a-reporter", map[string]any{"decision": "approve"}, 403)
	f.call(t, "POST", "/api/v1/incidents/"+in.ID+"/approval/legal", "op-a-legal", map[string]any{"decision": "approve", "comment": "ok"}, 200)
	f.call(t, "POST", "/api/v1/incidents/"+in.ID+"/approval/exec", "op-a-exec", map[string]any{"decision": "approve"}, 200)
	v = into[tView](t, f.call(t, "GET", "/api/v1/incidents/"+in.ID, "op-a-reporter", nil, 200))
	if v.Incident.State != "approved" || !v.Can.Submit {
		t.Fatalf("approved: %+v", v)
	}
	subs := into[tList[tSubmission]](t, f.call(t, "POST", "/api/v1/incidents/"+in.ID+"/submissions", "op-a-reporter", map[string]any{"note": "first report"}, 201)).Items
	if len(subs) != 2 {
		t.Fatalf("submissions: %+v", subs)
	}
	// A later draft the receivers must not see.
	content["summary"] = kfield("DRAFT: 管理者アカウントが窃取された可能性。")
	v = into[tView](t, f.call(t, "PATCH", "/api/v1/incidents/"+in.ID, "op-a-reporter", map[string]any{"content": content}, 200))
	if v.Incident.Version != 3 || v.Incident.SubmittedVersion != 2 {
		t.Fatalf("draft: %+v", v.Incident)
	}
	return v.Incident, subs
}

func TestReportingFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newReportingFixture(t, db)
		base := "/api/v1/incidents/"

		// Settings: the webhook secret only for administrators.
		f.call(t, "PUT", "/api/v1/reporting/settings", "op-a-admin", map[string]any{"regimes": []string{"jp-acd"},
			"webhook_url": "https://hooks.example.jp/sakimori", "webhook_secret": "s3cret"}, 200)
		if r := f.call(t, "GET", "/api/v1/reporting/settings", "op-a-admin", nil, 200); !strings.Contains(string(r.Body), "s3cret") {
			t.Errorf("admin does not see the webhook secret: %s", r.Body)
		}
		if r := f.call(t, "GET", "/api/v1/reporting/settings", "op-a-reporter", nil, 200); strings.Contains(string(r.Body), "s3cret") {
			t.Errorf("reporter sees the webhook secret: %s", r.Body)
		}
		f.call(t, "PUT", "/api/v1/reporting/settings", "op-a-reporter", map[string]any{"regimes": []string{"jp-acd"}}, 403)
		regs := into[tList[struct {
			ID string `json:"id"`
		}]](t, f.call(t, "GET", "/api/v1/reporting/regimes", "op-a-reporter", nil, 200))
		if !slices.ContainsFunc(regs.Items, func(r struct {
			ID string `json:"id"`
		}) bool {
			return r.ID == "jp-acd"
		}) {
			t.Errorf("regimes: %+v", regs)
		}

		in, subs := f.reported(t)
		nco, min := f.orgs["nco"].ID, f.orgs["min"].ID
		byRecipient := map[string]tSubmission{}
		for _, s := range subs {
			byRecipient[s.Recipient] = s
		}
		if _, ok := byRecipient[nco]; !ok {
			t.Fatalf("nothing submitted to the NCO: %+v", subs)
		}
		if _, ok := byRecipient[min]; !ok {
			t.Fatalf("nothing submitted to the ministry: %+v", subs)
		}

		// The receiver sees only what was submitted to it.
		v := into[tView](t, f.call(t, "GET", base+in.ID, "nco-analyst", nil, 200))
		if v.Role != "receiver" || v.Incident.Version != 2 || v.Incident.Content.Summary.Value != "SSL-VPN装置への不正ログインを検知。" ||
			v.Incident.Approval != nil || len(v.Submissions) != 1 || v.Submissions[0].Recipient != nco || !v.Can.Receive {
			t.Fatalf("nco view: %+v", v)
		}
		for _, e := range v.Events {
			if !e.Shared {
				t.Errorf("nco sees an internal event: %+v", e)
			}
		}
		r := f.call(t, "GET", base+in.ID, "nco-analyst", nil, 200)
		if strings.Contains(string(r.Body), "DRAFT") {
			t.Errorf("the receiver sees the unsubmitted draft: %s", r.Body)
		}

		// Each submission exactly as stored, byte for byte.
		for _, who := range []string{"nco-analyst", "op-a-reporter"} {
			sub := byRecipient[nco]
			r := f.call(t, "GET", base+in.ID+"/submissions/"+sub.ID, who, nil, 200)
			stored, err := db.Submission(ctx, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(r.Body)
			if string(r.Body) != string(stored.Body) || r.Header.Get("X-Sakimori-SHA256") != stored.SHA256 || hex.EncodeToString(sum[:]) != stored.SHA256 {
				t.Errorf("%s: submission bytes differ from the store's (sha %s, stored %s)", who, r.Header.Get("X-Sakimori-SHA256"), stored.SHA256)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("submission Content-Type %q", ct)
			}
		}
		// Not another receiver's submission.
		f.call(t, "GET", base+in.ID+"/submissions/"+byRecipient[min].ID, "nco-analyst", nil, 404)

		// Acknowledge, request information, comment, triage, link.
		f.call(t, "POST", base+in.ID+"/submissions/"+byRecipient[nco].ID+"/acknowledge", "npa-analyst", map[string]any{"authority_ref": "X"}, 404)
		f.bad(t, "POST", base+in.ID+"/submissions/"+byRecipient[nco].ID+"/acknowledge", "nco-analyst", map[string]any{"authority_ref": " "}, 400, "authority_ref")
		v = into[tView](t, f.call(t, "POST", base+in.ID+"/submissions/"+byRecipient[nco].ID+"/acknowledge", "nco-analyst", map[string]any{"authority_ref": "NCO-2026-0042"}, 200))
		if v.Incident.State != "acknowledged" || v.Submissions[0].AuthorityRef != "NCO-2026-0042" {
			t.Fatalf("acknowledged: %+v", v)
		}
		f.call(t, "POST", base+in.ID+"/info-requests", "op-a-reporter", map[string]any{"question": "?"}, 403)
		f.bad(t, "POST", base+in.ID+"/info-requests", "nco-analyst", map[string]any{"question": "経路は?", "fields": []string{"nope"}}, 400, "fields[0]")
		due := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		v = into[tView](t, f.call(t, "POST", base+in.ID+"/info-requests", "nco-analyst",
			map[string]any{"question": "侵入経路を教えてください", "fields": []string{"intrusion_path"}, "due": due}, 200))
		if v.Incident.State != "info_requested" || len(v.Incident.InfoRequests) != 1 {
			t.Fatalf("info requested: %+v", v.Incident)
		}
		f.call(t, "POST", base+in.ID+"/comments", "nco-analyst", map[string]any{"kind": "feedback", "text": "受領しました"}, 200)
		f.bad(t, "POST", base+in.ID+"/comments", "nco-analyst", map[string]any{"kind": "gossip", "text": "x"}, 400, "kind")
		f.call(t, "PUT", base+in.ID+"/triage", "nco-analyst", map[string]any{"severity": "high", "assignee": f.users["nco-analyst"].ID}, 200)
		f.bad(t, "PUT", base+in.ID+"/triage", "nco-analyst", map[string]any{"severity": "apocalyptic"}, 400, "severity")
		f.call(t, "PUT", base+in.ID+"/triage", "op-a-reporter", map[string]any{"severity": "low"}, 403)
		f.bad(t, "POST", base+in.ID+"/links", "nco-analyst", map[string]any{"kind": "cluster", "ref": "CL-7"}, 400, "ref")
		v = into[tView](t, f.call(t, "POST", base+in.ID+"/links", "nco-analyst", map[string]any{"kind": "object", "ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}, 200))
		if v.Incident.Triage.Severity != "high" || len(v.Incident.Links) != 1 {
			t.Fatalf("triage and link: %+v", v.Incident)
		}
		// Triage is the government's: the reporter's view has none of it.
		mine := f.call(t, "GET", base+in.ID, "op-a-reporter", nil, 200)
		if strings.Contains(string(mine.Body), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f") || strings.Contains(string(mine.Body), `"severity"`) {
			t.Errorf("reporter sees the triage: %s", mine.Body)
		}
		tasks := into[tList[reporting.Task]](t, f.call(t, "GET", "/api/v1/reporting/tasks", "op-a-reporter", nil, 200))
		if !slices.ContainsFunc(tasks.Items, func(x reporting.Task) bool { return x.Kind == "info_request" && x.IncidentID == in.ID }) {
			t.Errorf("tasks: %+v", tasks)
		}
		f.call(t, "GET", "/api/v1/reporting/reminders?limit=10", "op-a-reporter", nil, 200)

		// The update answers the request: approval again, then submit.
		f.call(t, "POST", base+in.ID+"/approval", "op-a-reporter", map[string]any{"note": "intrusion path added"}, 200)
		v = into[tView](t, f.call(t, "DELETE", base+in.ID+"/approval", "op-a-reporter", nil, 200))
		if v.Incident.State != "info_requested" {
			t.Fatalf("withdrawn: %+v", v.Incident)
		}
		f.call(t, "POST", base+in.ID+"/approval", "op-a-reporter", nil, 200)
		f.bad(t, "POST", base+in.ID+"/approval/legal", "op-a-legal", map[string]any{"decision": "maybe"}, 400, "decision")
		f.call(t, "POST", base+in.ID+"/approval/legal", "op-a-legal", map[string]any{"decision": "approve"}, 200)
		f.call(t, "POST", base+in.ID+"/approval/exec", "op-a-exec", map[string]any{"decision": "approve"}, 200)
		f.call(t, "POST", base+in.ID+"/submissions", "op-a-reporter", map[string]any{"note": "update"}, 201)
		v = into[tView](t, f.call(t, "GET", base+in.ID, "op-a-reporter", nil, 200))
		if v.Incident.State != "updated" || v.Incident.InfoRequests[0].State != "answered" {
			t.Fatalf("after the update: %+v", v.Incident)
		}

		// The receiver's diff between what it received; versions.
		d := into[tList[reporting.FieldChange]](t, f.call(t, "GET", base+in.ID+"/diff?from=2&to=3", "nco-analyst", nil, 200))
		if len(d.Items) != 1 || d.Items[0].Field != "summary" || !strings.Contains(string(d.Items[0].After), "DRAFT") {
			t.Fatalf("diff: %+v", d)
		}
		ver := into[incident.Version](t, f.call(t, "GET", base+in.ID+"/versions/3", "nco-analyst", nil, 200))
		if ver.N != 3 || !strings.Contains(ver.Content.Summary.Value, "DRAFT") {
			t.Fatalf("version 3: %+v", ver)
		}
		f.call(t, "GET", base+in.ID+"/versions/1", "nco-analyst", nil, 404) // never submitted
		f.call(t, "GET", base+in.ID+"/versions/1", "op-a-reporter", nil, 200)
		f.call(t, "GET", base+in.ID+"/versions/x", "op-a-reporter", nil, 404)
		f.bad(t, "GET", base+in.ID+"/diff?from=2", "nco-analyst", nil, 400, "to")
		tl := into[tList[struct {
			Regime string `json:"regime"`
		}]](t, f.call(t, "GET", base+in.ID+"/timeline", "op-a-reporter", nil, 200))
		if len(tl.Items) == 0 || tl.Items[0].Regime != "jp-acd" {
			t.Errorf("timeline: %+v", tl)
		}

		// Lists: own, received, the triage queue.
		own := into[tList[tIncident]](t, f.call(t, "GET", "/api/v1/incidents?state=updated,draft&q=VPN", "op-a-viewer", nil, 200))
		if len(own.Items) != 1 || own.Items[0].ID != in.ID {
			t.Errorf("own list: %+v", own)
		}
		if got := into[tList[tIncident]](t, f.call(t, "GET", "/api/v1/incidents?state=closed", "op-a-viewer", nil, 200)); len(got.Items) != 0 {
			t.Errorf("state filter: %+v", got)
		}
		for _, path := range []string{"/api/v1/incidents?received=true", "/api/v1/reporting/queue?state=updated&state=acknowledged"} {
			got := into[tList[tIncident]](t, f.call(t, "GET", path, "min-analyst", nil, 200))
			if len(got.Items) != 1 || got.Items[0].ID != in.ID || got.Items[0].Triage.Severity != "high" {
				t.Errorf("%s: %+v", path, got)
			}
		}
		if got := into[tList[tIncident]](t, f.call(t, "GET", "/api/v1/reporting/queue", "npa-analyst", nil, 200)); len(got.Items) != 0 {
			t.Errorf("police queue: %+v", got)
		}
		f.call(t, "GET", "/api/v1/reporting/queue", "op-b-analyst", nil, 403)

		// Sharing: preview, then release exactly that.
		f.bad(t, "POST", base+in.ID+"/share/release", "op-a-reporter", map[string]any{"tlp": "green", "collection": "exchange"}, 400, "token")
		pv := into[struct {
			Objects []json.RawMessage `json:"objects"`
			Token   string            `json:"token"`
		}](t, f.call(t, "POST", base+in.ID+"/share/preview", "op-a-reporter", map[string]any{"tlp": "green"}, 200))
		if pv.Token == "" {
			t.Fatalf("preview: %+v", pv)
		}
		f.call(t, "POST", base+in.ID+"/share/preview", "nco-analyst", map[string]any{"tlp": "green"}, 403)
		f.call(t, "POST", base+in.ID+"/share/release", "op-a-reporter", map[string]any{"tlp": "green", "token": pv.Token, "collection": "exchange"}, 200)

		// Close, reopen, refute: a retraction to each receiver.
		v = into[tView](t, f.call(t, "POST", base+in.ID+"/close", "op-a-reporter", map[string]any{"note": "recovered"}, 200))
		if v.Incident.State != "closed" {
			t.Fatalf("closed: %+v", v.Incident)
		}
		f.bad(t, "PATCH", base+in.ID, "op-a-reporter", map[string]any{"title": "again"}, 409, "state")
		f.bad(t, "POST", base+in.ID+"/reopen", "op-a-reporter", map[string]any{"reason": ""}, 400, "reason")
		f.call(t, "POST", base+in.ID+"/reopen", "op-a-reporter", map[string]any{"reason": "new IOC"}, 200)
		v = into[tView](t, f.call(t, "POST", base+in.ID+"/refute", "op-a-reporter", map[string]any{"reason": "a penetration test"}, 200))
		if v.Incident.State != "refuted" {
			t.Fatalf("refuted: %+v", v.Incident)
		}
		v = into[tView](t, f.call(t, "GET", base+in.ID, "nco-analyst", nil, 200))
		i := slices.IndexFunc(v.Submissions, func(s tSubmission) bool { return s.Kind == "retraction" })
		if v.Incident.State != "refuted" || i < 0 {
			t.Fatalf("nco after refute: %+v", v)
		}
		// The retraction as sent, with the reason.
		r = f.call(t, "GET", base+in.ID+"/submissions/"+v.Submissions[i].ID, "nco-analyst", nil, 200)
		if stored, err := db.Submission(ctx, v.Submissions[i].ID); err != nil || string(stored.Body) != string(r.Body) ||
			!strings.Contains(string(r.Body), "a penetration test") {
			t.Errorf("retraction: %v %s", err, r.Body)
		}

		// Templates: replace, list, delete; another organisation's is hidden.
		ts := into[tList[incident.Template]](t, f.call(t, "GET", "/api/v1/incident-templates", "op-a-viewer", nil, 200))
		if len(ts.Items) != 1 {
			t.Fatalf("templates: %+v", ts)
		}
		tp := ts.Items[0]
		tp.Description = "for the SSL-VPN"
		got := into[incident.Template](t, f.call(t, "PUT", "/api/v1/incident-templates/"+tp.ID, "op-a-reporter", tp, 200))
		if got.Description != "for the SSL-VPN" || got.ID != tp.ID {
			t.Errorf("template replaced: %+v", got)
		}
		f.call(t, "PUT", "/api/v1/incident-templates/"+tp.ID, "op-b-analyst", tp, 404)
		f.call(t, "DELETE", "/api/v1/incident-templates/"+tp.ID, "op-b-analyst", nil, 404)
		f.call(t, "DELETE", "/api/v1/incident-templates/"+tp.ID, "op-a-viewer", nil, 403)
		f.call(t, "DELETE", "/api/v1/incident-templates/"+tp.ID, "op-a-reporter", nil, 204)
		f.call(t, "GET", "/api/v1/incident-templates/"+tp.ID, "op-a-reporter", nil, 404)
	})
}

// TestReportingEntitlements: every GET route of the reporting API, for a
// reported incident. Another operator and the police (government, but not
// a receiver) get 404 for anything about the incident and never see it in
// their own lists; the reporting organisation's viewer reads it all.
func TestReportingEntitlements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newReportingFixture(t, db)
		in, subs := f.reported(t)
		tpl := into[tList[incident.Template]](t, f.call(t, "GET", "/api/v1/incident-templates", "op-a-reporter", nil, 200)).Items[0]
		fill := strings.NewReplacer("{id}", in.ID, "{sub}", subs[0].ID, "{n}", "2")
		var paths []string
		for _, rt := range f.api.reportingRoutes() {
			if rt.Method != "GET" {
				continue
			}
			p := fill.Replace(rt.Path)
			if strings.HasPrefix(rt.Path, "/api/v1/incident-templates/") {
				p = strings.Replace(rt.Path, "{id}", tpl.ID, 1)
			}
			switch rt.ID {
			case "diffIncidentVersions":
				p += "?from=1&to=2"
			case "exportIncident":
				paths = append(paths, p+"?format=stix", p+"?format=html&regime=jp-acd&stage=prompt&lang=en")
			case "listIncidents":
				paths = append(paths, p+"?received=true")
			}
			paths = append(paths, p)
		}
		if len(paths) < 17 {
			t.Fatalf("only %d GET paths: %v", len(paths), paths)
		}
		secrets := []string{in.ID, in.Ref, tpl.ID, subs[0].ID}
		for _, path := range paths {
			scoped := strings.Contains(path, in.ID) || strings.Contains(path, tpl.ID)
			for _, who := range []string{"op-b-analyst", "op-b-admin", "npa-analyst", "op-b-analyst:read"} {
				r := f.do("GET", path, who, nil)
				if scoped {
					if r.Status != 404 {
						t.Errorf("GET %s as %s: %d, want 404: %.200s", path, who, r.Status, r.Body)
					}
					continue
				}
				if r.Status != 200 && r.Status != 403 {
					t.Errorf("GET %s as %s: %d: %.200s", path, who, r.Status, r.Body)
				}
				for _, s := range secrets {
					if strings.Contains(string(r.Body), s) {
						t.Errorf("GET %s as %s reveals %s: %.300s", path, who, s, r.Body)
					}
				}
			}
			want := 200
			if strings.HasPrefix(path, "/api/v1/reporting/queue") {
				want = 403 // the government's
			}
			r := f.do("GET", path, "op-a-viewer", nil)
			if r.Status != want {
				t.Errorf("GET %s as the reporter's viewer: %d, want %d: %.200s", path, r.Status, want, r.Body)
			}
		}
		// The ministry receives it but not a partner's or another
		// receiver's submission.
		for _, s := range subs {
			want := 404
			if s.Recipient == f.orgs["min"].ID {
				want = 200
			}
			f.call(t, "GET", "/api/v1/incidents/"+in.ID+"/submissions/"+s.ID, "min-analyst", nil, want)
		}
		// A read-only token reads but does not change.
		f.call(t, "GET", "/api/v1/incidents/"+in.ID, "op-a-reporter:read", nil, 200)
		f.call(t, "PATCH", "/api/v1/incidents/"+in.ID, "op-a-reporter:read", map[string]any{"title": "x"}, 403)
		f.call(t, "PUT", "/api/v1/reporting/settings", "op-a-admin:read", map[string]any{}, 403)
	})
}

// TestReportingExports: JSON, STIX (parsed) and the printable HTML, with
// their media types and file names.
func TestReportingExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newReportingFixture(t, db)
		in, subs := f.reported(t)
		base := "/api/v1/incidents/" + in.ID + "/export"

		r := f.call(t, "GET", base, "op-a-viewer", nil, 200)
		x := into[struct {
			View     tView              `json:"view"`
			Versions []incident.Version `json:"versions"`
		}](t, r)
		if x.View.Incident.ID != in.ID || len(x.Versions) != 3 {
			t.Errorf("json export: %d versions", len(x.Versions))
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="`+in.Ref+`.json"` {
			t.Errorf("json Content-Disposition %q", cd)
		}
		// The receiver's export has what was submitted to it only.
		r = f.call(t, "GET", base+"?format=json", "nco-analyst", nil, 200)
		if strings.Contains(string(r.Body), "DRAFT") {
			t.Errorf("receiver's export has the draft")
		}

		for _, who := range []string{"op-a-viewer", "nco-analyst"} {
			r = f.do("GET", base+"?format=stix&tlp=green", who, nil)
			if r.Status != 200 || r.Header.Get("Content-Type") != "application/stix+json;version=2.1" ||
				r.Header.Get("Content-Disposition") != `attachment; filename="`+in.Ref+`.stix.json"` {
				t.Fatalf("stix as %s: %d %v %.300s", who, r.Status, r.Header, r.Body)
			}
			b, err := stix.ParseBundle(r.Body)
			if err != nil || len(b.Objects) == 0 {
				t.Fatalf("stix bundle: %v", err)
			}
			if strings.Contains(string(r.Body), "DRAFT") != (who == "op-a-viewer") {
				t.Errorf("stix as %s: the draft is in it: %v", who, strings.Contains(string(r.Body), "DRAFT"))
			}
		}

		r = f.do("GET", base+"?format=html&regime=jp-acd&stage=prompt&lang=en", "op-a-viewer", nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(string(r.Body), in.Ref) ||
			r.Header.Get("Content-Disposition") != `attachment; filename="`+in.Ref+`-jp-acd-prompt.en.html"` {
			t.Fatalf("html: %d %v %.300s", r.Status, r.Header, r.Body)
		}
		// A submission printed as sent, for its receiver.
		var ncoSub string
		for _, s := range subs {
			if s.Recipient == f.orgs["nco"].ID {
				ncoSub = s.ID
			}
		}
		r = f.do("GET", base+"?format=html&submission="+ncoSub, "nco-analyst", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), in.Ref) || strings.Contains(string(r.Body), "DRAFT") {
			t.Fatalf("html of the submission: %d %.300s", r.Status, r.Body)
		}

		for _, c := range []struct{ query, field string }{
			{"?format=pdf", "format"}, {"?format=stix&tlp=purple", "tlp"}, {"?format=html&lang=fr", "lang"},
			{"?format=json&regime=jp-acd", "regime"}, {"?tlp=green", "tlp"}, {"?format=html&regime=nope", "regime"},
			{"?format=html&stage=prompt", "regime"},
		} {
			f.bad(t, "GET", base+c.query, "op-a-viewer", nil, 400, c.field)
		}
	})
}

// TestReportingBadInputNamesTheField: refused input names the field, as
// everywhere in the API.
func TestReportingBadInputNamesTheField(t *testing.T) {
	f := newReportingFixture(t, storetest.Open(t, store.SQLite))
	in := into[tIncident](t, f.call(t, "POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"title": "Malware on a jump host"}, 201))
	id := in.ID
	now := time.Now().UTC()
	for _, c := range []struct {
		method, path, who string
		body              any
		status            int
		field             string
	}{
		{"POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"title": "x", "colour": "red"}, 400, "colour"},
		{"POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"title": "x", "Title": "y"}, 400, "Title"},
		{"POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"title": 7}, 400, "title"},
		{"POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"title": ""}, 400, "title"},
		{"POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"title": "x", "template_id": "nope"}, 400, "template_id"},
		{"POST", "/api/v1/incidents", "op-a-reporter", map[string]any{"title": "x", "content": map[string]any{"summary": map[string]any{"value": "s", "state": "known", "mood": 1}}}, 400, "content.summary.mood"},
		{"POST", "/api/v1/incidents", "op-a-viewer", map[string]any{"title": "x"}, 403, ""},
		{"PATCH", "/api/v1/incidents/" + id, "op-a-reporter", map[string]any{"content": map[string]any{
			"occurred": kfield(now.Add(-time.Hour)), "detected": kfield(now.Add(-2 * time.Hour))}}, 400, "content.detected.value"},
		{"PATCH", "/api/v1/incidents/" + id, "op-a-reporter", map[string]any{"clocks": map[string]any{"ransom_paid": "yesterday"}}, 400, "clocks.ransom_paid"},
		{"PATCH", "/api/v1/incidents/" + id, "op-a-reporter", "[]", 400, ""},
		{"PUT", "/api/v1/incidents/" + id + "/regimes", "op-a-reporter", map[string]any{"regimes": []map[string]any{{"regime": "jp-acd", "reportable": "no"}}}, 400, "regimes[0].reason"},
		{"PUT", "/api/v1/incidents/" + id + "/regimes", "op-a-reporter", map[string]any{"regimes": []map[string]any{{"regime": "nope"}}}, 400, "regimes[0].regime"},
		{"PUT", "/api/v1/incidents/" + id + "/regimes", "op-a-reporter", map[string]any{}, 400, "regimes"},
		{"POST", "/api/v1/incidents/" + id + "/approval/ceo", "op-a-exec", map[string]any{"decision": "approve"}, 404, ""},
		{"POST", "/api/v1/incidents/" + id + "/approval", "op-a-reporter", map[string]any{"notes": "x"}, 400, "notes"},
		{"POST", "/api/v1/incidents/" + id + "/submissions", "op-a-reporter", map[string]any{"emergency": true}, 400, "reason"},
		{"POST", "/api/v1/incidents/" + id + "/submissions", "op-a-reporter", map[string]any{"targets": []map[string]any{{"regime": "jp-acd", "stage": "prompt", "x": 1}}}, 400, "targets[0].x"},
		{"POST", "/api/v1/incidents/" + id + "/refute", "op-a-reporter", map[string]any{}, 400, "reason"},
		{"POST", "/api/v1/incidents/" + id + "/close", "op-a-reporter", nil, 409, "state"},
		{"POST", "/api/v1/incidents/" + id + "/share/preview", "op-a-reporter", map[string]any{"tlp": "green", "include": "all"}, 400, "include"},
		{"PUT", "/api/v1/reporting/settings", "op-a-admin", map[string]any{"regimes": []string{"nope"}}, 400, "regimes[0]"},
		{"PUT", "/api/v1/reporting/settings", "op-a-admin", map[string]any{"flow": map[string]any{"steps": []string{"ceo"}}}, 400, "flow.steps[0]"},
		{"PUT", "/api/v1/reporting/settings", "op-a-admin", map[string]any{"org_id": f.orgs["op-b"].ID}, 400, "org_id"},
		{"PUT", "/api/v1/reporting/settings", "op-a-admin", map[string]any{"webhook_url": "ftp://x.example"}, 400, "webhook_url"},
		{"POST", "/api/v1/incident-templates", "op-a-reporter", map[string]any{"name": ""}, 400, "name"},
		{"POST", "/api/v1/incident-templates", "op-a-reporter", map[string]any{"name": "t", "id": "x"}, 400, "id"},
		{"POST", "/api/v1/incident-templates", "op-a-reporter", map[string]any{"name": "t", "default_tlp": "blue"}, 400, "default_tlp"},
		{"GET", "/api/v1/incidents?state=lost", "op-a-reporter", nil, 400, "state"},
		{"GET", "/api/v1/incidents?limit=0", "op-a-reporter", nil, 400, "limit"},
		{"GET", "/api/v1/incidents?received=perhaps", "op-a-reporter", nil, 400, "received"},
		{"GET", "/api/v1/reporting/reminders?limit=5000", "op-a-reporter", nil, 400, "limit"},
		{"GET", "/api/v1/incidents/" + id + "/diff?from=x&to=1", "op-a-reporter", nil, 400, "from"},
		{"GET", "/api/v1/incidents/nope", "op-a-reporter", nil, 404, ""},
	} {
		f.bad(t, c.method, c.path, c.who, c.body, c.status, c.field)
	}
	// The PATCH needs a JSON body.
	r := f.do("PATCH", "/api/v1/incidents/"+id, "op-a-reporter", `{"title":"x"}`, "Content-Type", "text/plain")
	if code, field := r.errField(); r.Status != 415 || code != "unsupported_type" || field != "Content-Type" {
		t.Errorf("text/plain body: %d %s", r.Status, r.Body)
	}
}

// TestReportingRoutesNeedTheService: without the service every route
// answers 503 in the one error shape, and is still documented.
func TestReportingRoutesNeedTheService(t *testing.T) {
	f := newIntelFixture(t, storetest.Open(t, store.SQLite))
	rs := f.api.reportingRoutes()
	if len(rs) != 35 {
		t.Errorf("%d reporting routes", len(rs))
	}
	for _, rt := range rs {
		path := strings.NewReplacer("{id}", "x", "{sub}", "y", "{n}", "1", "{kind}", "legal").Replace(rt.Path)
		r := f.do(rt.Method, path, "nco-analyst", nil)
		if code, _ := r.errField(); r.Status != 503 || code != "unavailable" {
			t.Errorf("%s %s without the service: %d %s", rt.Method, rt.Path, r.Status, r.Body)
		}
		if rt.Tag != "reporting" || !strings.Contains(string(f.api.openapi), `"operationId": "`+rt.ID+`"`) {
			t.Errorf("%s %s: tag %q or not documented", rt.Method, rt.Path, rt.Tag)
		}
	}
}
