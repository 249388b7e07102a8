package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

// incEnv is the dashboard over the inteltest world with the reporting
// service, a sector ministry for electricity ("min"), a police agency
// that never receives reports ("npa"), and op-a's reporter and legal
// approver. Sign in with incEmail(name).
type incEnv struct {
	*env
	w   *inteltest.World
	rep *reporting.Service
}

func incEmail(name string) string {
	switch name {
	case "op-a-viewer", "platform":
		return name + "@example.jp"
	case "min-analyst", "npa-analyst", "op-a-reporter", "op-a-legal":
		return name + "@" + name[:strings.LastIndex(name, "-")] + ".example.jp"
	}
	return email(name)
}

func newIncEnv(t testing.TB, db *store.DB) *incEnv {
	t.Helper()
	w := reportingtest.New(t, db)
	rep := reporting.New(db, inteltest.Quiet)
	rep.Intel = w.Svc
	e := serveWorld(t, db, w, web.Options{Reporting: rep})
	return &incEnv{env: e, w: w, rep: rep}
}

func (e *incEnv) as(name, lang string) *client {
	c := e.client(lang)
	c.login(incEmail(name))
	return c
}

var incIDRE = regexp.MustCompile(`^/incidents/([^/?]+)/edit`)

// create makes an incident through the new-report form and returns its id.
func (e *incEnv) create(t *testing.T, c *client, title string) string {
	t.Helper()
	c.get("/incidents/new").must(t, http.StatusOK)
	p := c.post("/incidents", url.Values{"title": {title}}).must(t, http.StatusSeeOther)
	m := incIDRE.FindStringSubmatch(p.Location)
	if m == nil {
		t.Fatalf("create redirected to %q", p.Location)
	}
	return m[1]
}

// jstLocal is t as a datetime-local input in JST.
func jstLocal(t time.Time) string {
	return t.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02T15:04")
}

func TestIncidentPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := newIncEnv(t, db)
		rep := e.as("op-a-reporter", "ja-JP,ja;q=0.9")

		// The navigation has the incidents for an operator, not for the police.
		if nav := rep.get("/").must(t, http.StatusOK).nav(); !strings.Contains(nav, `href="/incidents"`) {
			t.Errorf("operator nav lacks /incidents: %s", nav)
		}
		police := e.as("npa-analyst", "ja")
		if nav := police.get("/").nav(); strings.Contains(nav, `href="/incidents"`) {
			t.Errorf("police nav has /incidents")
		}

		// New report: a title is needed (the error names it).
		p := rep.post("/incidents", url.Values{"title": {" "}}).must(t, http.StatusBadRequest)
		if p.fieldError("title") == "" {
			t.Errorf("empty title: no error on the title\n%s", p.Body)
		}
		id := e.create(t, rep, "SSL-VPN不正ログイン")

		// The guided form, in Japanese: the sections and a field's inputs.
		p = rep.get("/incidents/"+id+"/edit").must(t, http.StatusOK)
		p.has(t, "事象の概要", "報告の区分", `name="summary.value"`, `name="summary.state"`, `name="summary.confidence"`,
			`name="summary.as_of"`, `name="summary.source"`, `name="occurred.value" type="datetime-local"`, `name="contacts.value"`,
			`name="rev" value="`, `name="share_with"`, "非開示")
		p.hasNot(t, `name="ddos.value.peak_gbps"`) // no DDoS block before the class says so
		rev := regexp.MustCompile(`name="rev" value="(\d+)"`).FindStringSubmatch(p.Body)[1]

		// Round trip: a time in JST, a withheld field, lists.
		occurred := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
		form := url.Values{
			"rev": {rev}, "title": {"SSL-VPN不正ログイン"}, "share_form": {"1"}, "share_with": {"nco"},
			"class.value": {"unauthorised_access"}, "class.state": {"known"}, "class.confidence": {"confirmed"},
			"summary.value": {"SSL-VPN装置への不正ログインを検知。"}, "summary.state": {"not_yet_known"}, "summary.confidence": {"likely"},
			"summary.source": {"EDR"}, "summary.as_of": {jstLocal(occurred)},
			"occurred.value": {jstLocal(occurred)}, "occurred.state": {"known"}, "occurred.confidence": {"confirmed"},
			"root_cause.value": {"secret"}, "root_cause.state": {"withheld"},
			"iocs.value": {"ipv4 203.0.113.7 # C2\ndomain evil.example"}, "iocs.state": {"known"}, "iocs.confidence": {"possible"},
			"contacts.value": {"CSIRT当番 | duty | +81-3-0000-0000 | csirt@op-a.example.jp | 24h"}, "contacts.state": {"known"},
		}
		rep.post("/incidents/"+id+"/edit", form).must(t, http.StatusSeeOther)
		v, err := e.rep.Get(ctx, e.w.P("op-a-reporter"), id)
		if err != nil {
			t.Fatal(err)
		}
		c := v.Incident.Content
		if c.Occurred.Value == nil || !c.Occurred.Value.Equal(occurred.UTC()) {
			t.Errorf("occurred = %v, want %v (the input is JST)", c.Occurred.Value, occurred.UTC())
		}
		if c.RootCause.State != report.StateWithheld || c.RootCause.Value != "" {
			t.Errorf("root cause = %+v, want withheld without value", c.RootCause)
		}
		if c.Summary.State != report.StateKnown || c.Summary.Confidence != report.Likely || c.Summary.Source != "EDR" || c.Summary.AsOf == nil {
			t.Errorf("summary = %+v", c.Summary)
		}
		if len(c.IOCs.Value) != 2 || c.IOCs.Value[0] != (report.IOC{Type: "ipv4", Value: "203.0.113.7", Comment: "C2"}) {
			t.Errorf("iocs = %+v", c.IOCs.Value)
		}
		if len(c.Contacts.Value) != 1 || !c.Contacts.Value[0].H24 || c.Contacts.Value[0].Email != "csirt@op-a.example.jp" {
			t.Errorf("contacts = %+v", c.Contacts.Value)
		}
		if len(c.ShareWith) != 1 || c.ShareWith[0] != "nco" {
			t.Errorf("share_with = %v", c.ShareWith)
		}
		// The form shows the values again, the time in JST.
		p = rep.get("/incidents/"+id+"/edit").must(t, http.StatusOK)
		p.has(t, `value="`+jstLocal(occurred)+`"`, "CSIRT当番 | duty", "ipv4 203.0.113.7 # C2")
		if !regexp.MustCompile(`name="root_cause.state">.*<option value="withheld" selected>`).MatchString(p.Body) {
			t.Errorf("root cause not shown as withheld")
		}
		rev = regexp.MustCompile(`name="rev" value="(\d+)"`).FindStringSubmatch(p.Body)[1]

		// An error names the field and keeps the input.
		bad := url.Values{"rev": {rev}, "title": {"SSL-VPN不正ログイン"},
			"summary.value": {"入力を保持する文"}, "summary.state": {"known"},
			"detected.value": {jstLocal(occurred.Add(-time.Hour))}, "detected.state": {"known"}}
		p = rep.post("/incidents/"+id+"/edit", bad).must(t, http.StatusBadRequest)
		if msg := p.fieldError("detected.value"); msg == "" {
			t.Errorf("detection before occurrence: no error on detected.value\n%s", p.Body)
		}
		p.has(t, "検知日時", "入力を保持する文")
		bad.Set("detected.value", "yesterday")
		p = rep.post("/incidents/"+id+"/edit", bad).must(t, http.StatusBadRequest)
		if p.fieldError("detected.value") == "" {
			t.Errorf("malformed time: no error")
		}
		bad.Set("iocs.value", "ipv4")
		bad.Set("iocs.state", "known")
		bad.Del("detected.value")
		bad.Del("detected.state")
		p = rep.post("/incidents/"+id+"/edit", bad).must(t, http.StatusBadRequest)
		if !strings.Contains(p.fieldError("iocs.value"), "1") {
			t.Errorf("bad IOC line: error %q", p.fieldError("iocs.value"))
		}
		// A stale rev is a conflict, with the input kept.
		stale := url.Values{"rev": {"1"}, "title": {"SSL-VPN不正ログイン"}, "summary.value": {"古い版からの変更"}, "summary.state": {"known"}}
		p = rep.post("/incidents/"+id+"/edit", stale).must(t, http.StatusConflict)
		p.has(t, `id="conflict"`, "古い版からの変更")
		// CSRF: a post without the token is refused.
		rep.do(http.MethodPost, "/incidents/"+id+"/edit", url.Values{"title": {"x"}}).must(t, http.StatusForbidden)
		rep.do(http.MethodPost, "/incidents/"+id+"/submit", url.Values{"csrf": {"wrong"}}).must(t, http.StatusForbidden)

		// The report page: timeline (jp-acd applies to an operator), no approval flow.
		p = rep.get("/incidents/"+id).must(t, http.StatusOK)
		p.has(t, `id="timeline"`, "報告期限のタイムライン", `id="submit-form"`, "承認フローは設定されていません")
		p.hasNot(t, `id="approve-legal"`)

		// Submit (no approval flow): every receiver gets it.
		rep.post("/incidents/"+id+"/submit", url.Values{"note": {"第一報"}}).must(t, http.StatusSeeOther)
		p = rep.get("/incidents/"+id+"?done=inc_submitted").must(t, http.StatusOK)
		p.has(t, "報告を提出しました。", `id="submissions"`, "経済産業省", "提出済み")
		subRE := regexp.MustCompile(`href="/incidents/` + id + `/submissions/([^"]+)"`)
		sm := subRE.FindStringSubmatch(p.Body)
		if sm == nil {
			t.Fatalf("no submission body link")
		}
		body := rep.get("/incidents/"+id+"/submissions/"+sm[1]).must(t, http.StatusOK)
		if !strings.Contains(body.Body, `"sakimori-incident-report/1"`) || body.Header.Get("X-Content-SHA256") == "" {
			t.Errorf("submission body: %s", body.Body)
		}

		// Printable HTML: the submission as sent, and a regime's stage.
		pr := rep.get("/incidents/"+id+"/print?submission="+url.QueryEscape(sm[1])).must(t, http.StatusOK)
		if !strings.Contains(pr.Header.Get("Content-Type"), "text/html") || !strings.Contains(pr.Body, "SSL-VPN装置への不正ログインを検知。") ||
			!strings.Contains(pr.Header.Get("Content-Security-Policy"), "style-src 'unsafe-inline'") {
			t.Errorf("print of the submission: %v\n%s", pr.Header, pr.Body)
		}
		p.has(t, "/print?regime=jp-acd&amp;stage=")
		// A later draft the receivers must not see.
		p = rep.get("/incidents/"+id+"/edit").must(t, http.StatusOK)
		rev = regexp.MustCompile(`name="rev" value="(\d+)"`).FindStringSubmatch(p.Body)[1]
		rep.post("/incidents/"+id+"/edit", url.Values{"rev": {rev}, "title": {"SSL-VPN不正ログイン"},
			"summary.value": {"未提出の下書き"}, "summary.state": {"known"}}).must(t, http.StatusSeeOther)
		// The diff of the two versions names the field.
		p = rep.get("/incidents/"+id).must(t, http.StatusOK)
		dm := regexp.MustCompile(`href="(/incidents/` + id + `/diff\?from=\d+&amp;to=\d+)"`).FindStringSubmatch(p.Body)
		if dm == nil {
			t.Fatalf("no diff link")
		}
		d := rep.get(strings.ReplaceAll(dm[1], "&amp;", "&")).must(t, http.StatusOK)
		d.has(t, `id="chg-summary"`, "未提出の下書き")

		// The NCO received it: listed, the submitted content shown, not the draft.
		nco := e.as("nco-analyst", "ja")
		p = nco.get("/incidents?received=1").must(t, http.StatusOK)
		p.has(t, "SSL-VPN不正ログイン", "/incidents/"+id)
		p = nco.get("/incidents/"+id).must(t, http.StatusOK)
		p.has(t, "SSL-VPN装置への不正ログインを検知。", "提出された内容", `id="info-request-form"`, `id="triage-form"`, `name="authority_ref"`)
		p.hasNot(t, "未提出の下書き", `id="timeline"`, `id="approval"`, `id="submit-form"`)
		// The receiver acknowledges, with the authority's reference.
		nco.post("/incidents/"+id+"/ack", url.Values{"submission": {sm[1]}, "authority_ref": {"NCO-2026-77"}}).must(t, http.StatusSeeOther)
		nco.post("/incidents/"+id+"/ack", url.Values{"submission": {sm[1]}, "authority_ref": {""}}).must(t, http.StatusBadRequest)
		p = nco.post("/incidents/"+id+"/info-request", url.Values{"question": {""}}).must(t, http.StatusBadRequest)
		if p.fieldError("question") == "" {
			t.Errorf("empty question: no error")
		}
		nco.post("/incidents/"+id+"/info-request", url.Values{"question": {"侵入経路は?"}, "fields": {"intrusion_path"},
			"due": {jstLocal(time.Now().Add(48 * time.Hour))}}).must(t, http.StatusSeeOther)
		nco.post("/incidents/"+id+"/triage", url.Values{"severity": {"high"}, "status": {"triaged"}}).must(t, http.StatusSeeOther)
		// The reporter sees the acknowledgement and the request as a task, not the triage.
		p = rep.get("/incidents").must(t, http.StatusOK)
		p.has(t, `id="tasks"`, "侵入経路は?")
		p = rep.get("/incidents/"+id).must(t, http.StatusOK)
		p.has(t, "NCO-2026-77", "侵入経路は?")
		p.hasNot(t, `id="triage-form"`)

		// The police were not sent it: not found, as for anyone else.
		police.get("/incidents/"+id).must(t, http.StatusNotFound)
		police.get("/incidents/"+id+"/submissions/"+sm[1]).must(t, http.StatusNotFound)
		e.as("op-b-analyst", "en").get("/incidents/"+id).must(t, http.StatusNotFound)

		// English.
		en := e.as("op-a-reporter", "en-US,en;q=0.9")
		p = en.get("/incidents/"+id).must(t, http.StatusOK)
		p.has(t, "Deadline timeline", "Submissions", "Reportability", "Summary of the event")
		en.get("/incidents/"+id+"/edit").must(t, http.StatusOK).has(t, "Summary of the event", "Not yet known", "Withheld")
		en.get("/incidents").must(t, http.StatusOK).has(t, "Incident reports", "Next deadline")
		nco.lang = "en"
		nco.get("/incidents/"+id).must(t, http.StatusOK).has(t, "Content as submitted to you", "Request information")

		// Approval: only the approver sees the buttons.
		if err := e.rep.PutSettings(ctx, e.w.P("op-a-admin"), &incident.Settings{Flow: incident.Flow{Steps: []incident.ApprovalKind{incident.ApproveLegal}}}); err != nil {
			t.Fatal(err)
		}
		id2 := e.create(t, rep, "承認が必要な報告")
		p = rep.get("/incidents/"+id2).must(t, http.StatusOK)
		p.has(t, `id="request-approval"`)
		rep.post("/incidents/"+id2+"/request-approval", url.Values{"note": {"確認願います"}}).must(t, http.StatusSeeOther)
		p = rep.get("/incidents/"+id2).must(t, http.StatusOK)
		p.has(t, "承認待ち")
		p.hasNot(t, `id="approve-legal"`)
		legal := e.as("op-a-legal", "ja")
		p = legal.get("/incidents/"+id2).must(t, http.StatusOK)
		p.has(t, `id="approve-legal"`, `id="reject-legal"`)
		// Rejecting needs a comment; the error says so.
		legal.post("/incidents/"+id2+"/decide", url.Values{"kind": {"legal"}, "decision": {"reject"}}).must(t, http.StatusBadRequest)
		legal.post("/incidents/"+id2+"/decide", url.Values{"kind": {"legal"}, "decision": {"approve"}}).must(t, http.StatusSeeOther)
		if v, err := e.rep.Get(ctx, e.w.P("op-a-reporter"), id2); err != nil || v.Incident.State != incident.Approved {
			t.Fatalf("after approval: %v %+v", err, v)
		}
		// Unknown actions are not found.
		rep.post("/incidents/"+id2+"/explode", nil).must(t, http.StatusNotFound)

		// Exports and sharing.
		x := rep.get("/incidents/"+id+"/export?format=json").must(t, http.StatusOK)
		if !strings.Contains(x.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(x.Body, `"versions"`) {
			t.Errorf("json export: %v", x.Header)
		}
		p = rep.get("/incidents/"+id+"/share").must(t, http.StatusOK)
		p.has(t, `id="share-choose"`)
		p = rep.post("/incidents/"+id+"/share", url.Values{"step": {"preview"}, "tlp": {"amber"}}).must(t, http.StatusOK)
		p.has(t, `id="removed"`, `id="share-release"`, `name="token"`)
		police.get("/incidents/"+id+"/share").must(t, http.StatusNotFound)
	})
}
