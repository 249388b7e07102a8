package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"sakimori/internal/alert"
	"sakimori/internal/marking"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// formCase is one dashboard form posted with one bad input.
type formCase struct {
	name  string
	user  string
	page  string                 // the page with the form (GET)
	form  string                 // the form's id on it
	post  string                 // where it posts
	rev   bool                   // copy the page's hidden rev input
	extra func(*page) url.Values // inputs read from the page (ids)
	files map[string]string      // files to upload (multipart) by input name
	// literal: the error quotes words of the file or technical names
	// (column names), which stay as they are in any language.
	literal bool
	vals    url.Values
	field   string   // the input that must be named
	keep    []string // what the user typed that must still be there (as typed)
}

var (
	formRevRE   = regexp.MustCompile(`name="rev" value="(\d+)"`)
	formTagRE   = `<(?:input|select|textarea|fieldset)[^>]*\bid="%s"[^>]*>`
	formSumRE   = regexp.MustCompile(`<a href="#([^"]+)">([^<]*)</a>`)
	formPostRE  = regexp.MustCompile(`(?s)<form[^>]*method="post"[^>]*>.*?</form>`)
	formOpenRE  = regexp.MustCompile(`<form[^>]*>`)
	formActRE   = regexp.MustCompile(`action="([^"]*)"`)
	formIDAttRE = regexp.MustCompile(`\bid="([^"]*)"`)
	formErrRE   = regexp.MustCompile(`(?s)<div class="form-errors".*?</div>`)
)

// TestFormsRejectBadInput posts every dashboard form of the reporting,
// alert, cluster, vendor-request, registry, vulnerability, organisation,
// user, token and account pages with one bad input (missing, too long,
// a bad date, a bad choice, a bad number) in Japanese and English: the
// page comes back with a 4xx status (not a bare error page), the error is
// next to the input (aria-invalid, aria-describedby), the summary names
// the input by its label in the user's language, and everything else the
// user typed is still in the form. Every post form on those pages carries
// the CSRF token, and a post without it is refused.
func TestFormsRejectBadInput(t *testing.T) {
	g := newWorldEnv(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	draft, err := g.rep.Create(ctx, g.w.P("op-a-reporter"), reporting.NewIncident{Title: "下書きの報告"})
	if err != nil {
		t.Fatal(err)
	}
	tpls, err := g.rep.Templates(ctx, g.w.P("op-a-reporter"), "")
	if err != nil || len(tpls) == 0 {
		t.Fatalf("templates: %v", err)
	}
	pending, err := g.rep.Create(ctx, g.w.P("op-a-reporter"), reporting.NewIncident{Title: "承認待ちの報告"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.rep.RequestApproval(ctx, g.w.P("op-a-reporter"), pending.ID, ""); err != nil {
		t.Fatal(err)
	}
	review, err := g.al.Create(ctx, g.w.P("nco-analyst"), alert.Content{Severity: alert.Low, TLP: marking.TLPGreen,
		Title: alert.Text{JA: "レビュー待ち"}, Summary: alert.Text{JA: "概要"}, Targeting: alert.Targeting{Orgs: []string{g.w.Orgs["op-b"].ID}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.al.Submit(ctx, g.w.P("nco-analyst"), review.ID, review.Rev); err != nil {
		t.Fatal(err)
	}
	in, av, vr := "/incidents/"+g.in.ID, "/alerts/"+g.av.ID, "/vendor-requests/"+g.vr.ID
	viewer := "/users/" + g.w.Users["op-a-viewer"].ID
	rv, err := g.rep.Get(ctx, g.w.P("nco-analyst"), g.in.ID)
	if err != nil || len(rv.Submissions) == 0 {
		t.Fatalf("submissions: %v", err)
	}
	sub := rv.Submissions[0].ID
	long := strings.Repeat("長", 301)
	soon := jstLocal(time.Now().Add(48 * time.Hour))
	cases := []formCase{
		{name: "new report", user: "op-a-reporter", page: "/incidents/new", form: "incident-new", post: "/incidents",
			vals: url.Values{"title": {long}}, field: "title"},
		{name: "guided form: bad date", user: "op-a-reporter", page: "/incidents/" + draft.ID + "/edit", form: "incident-form", post: "/incidents/" + draft.ID + "/edit", rev: true,
			vals: url.Values{"title": {"下書きの報告"}, "summary.value": {"保持される概要"}, "summary.state": {"known"}, "summary.confidence": {"likely"},
				"detected.value": {"2026-02-30T10:00"}, "detected.state": {"known"}},
			field: "detected.value", keep: []string{"保持される概要"}},
		{name: "guided form: bad choice", user: "op-a-reporter", page: "/incidents/" + draft.ID + "/edit", form: "incident-form", post: "/incidents/" + draft.ID + "/edit", rev: true,
			vals:  url.Values{"title": {"下書きの報告"}, "summary.value": {"保持される概要"}, "summary.state": {"known"}, "summary.confidence": {"certainly"}},
			field: "summary.confidence", keep: []string{"保持される概要"}},
		{name: "emergency submission", user: "op-a-reporter", page: "/incidents/" + draft.ID, form: "submit-form", post: "/incidents/" + draft.ID + "/submit",
			vals: url.Values{"emergency": {"on"}, "reason": {""}, "note": {"保持される備考"}}, field: "reason", keep: []string{"保持される備考"}},
		{name: "request information", user: "nco-analyst", page: in, form: "info-request-form", post: in + "/info-request",
			vals: url.Values{"question": {""}, "due": {soon}}, field: "question", keep: []string{soon}},
		{name: "triage", user: "nco-analyst", page: in, form: "triage-form", post: in + "/triage",
			vals: url.Values{"severity": {"apocalyptic"}, "status": {"triaged"}, "note": {"保持されるメモ"}}, field: "severity", keep: []string{"保持されるメモ"}},
		{name: "link", user: "nco-analyst", page: in, form: "link-form", post: in + "/link",
			vals: url.Values{"link_kind": {"alert"}, "link_ref": {""}, "link_note": {"保持されるリンク備考"}}, field: "link_ref", keep: []string{"保持されるリンク備考"}},
		{name: "comment", user: "nco-analyst", page: in, form: "comment-form", post: in + "/comment",
			vals: url.Values{"comment_kind": {"rumour"}, "text": {"保持される助言"}}, field: "comment_kind", keep: []string{"保持される助言"}},
		{name: "reporting settings", user: "op-a-admin", page: "/reporting/settings", form: "settings-form", post: "/reporting/settings",
			vals:  url.Values{"flow_mode": {"parallel"}, "remind_before_hours": {"soon"}, "internal_domains": {"corp.op-a.example"}},
			field: "remind_before_hours", keep: []string{"corp.op-a.example"}},
		{name: "new template", user: "op-a-admin", page: "/reporting/templates/new", form: "template-form", post: "/reporting/templates/new",
			vals: url.Values{"tpl_name": {""}, "tpl_description": {"保持される説明"}}, field: "tpl_name", keep: []string{"保持される説明"}},
		{name: "edit template", user: "op-a-admin", page: "/reporting/templates/" + tpls[0].ID, form: "template-form", post: "/reporting/templates/" + tpls[0].ID,
			vals: url.Values{"tpl_name": {long}, "tpl_description": {"保持される説明"}}, field: "tpl_name", keep: []string{"保持される説明"}},
		{name: "new alert: too long", user: "nco-analyst", page: "/alerts/new", form: "alert-form", post: "/alerts/new",
			vals:  url.Values{"title.ja": {long}, "summary.ja": {"保持される概要"}, "severity": {"high"}, "tlp": {"amber"}, "targeting.orgs": {"op-b"}},
			field: "title.ja", keep: []string{"保持される概要", "op-b"}},
		{name: "new alert: bad date", user: "nco-analyst", page: "/alerts/new", form: "alert-form", post: "/alerts/new",
			vals: url.Values{"title.ja": {"保持される件名"}, "summary.ja": {"保持される概要"}, "severity": {"high"}, "tlp": {"amber"}, "targeting.orgs": {"op-b"},
				"due_at": {"2026-13-01T10:00"}},
			field: "due_at", keep: []string{"保持される件名", "保持される概要"}},
		{name: "new alert: bad choice", user: "nco-analyst", page: "/alerts/new", form: "alert-form", post: "/alerts/new",
			vals:  url.Values{"title.ja": {"保持される件名"}, "summary.ja": {"保持される概要"}, "severity": {"dire"}, "tlp": {"amber"}, "targeting.orgs": {"op-b"}},
			field: "severity", keep: []string{"保持される件名", "保持される概要"}},
		{name: "acknowledge an alert", user: "op-b-analyst", page: av, form: "ack-form", post: av + "/ack",
			vals: url.Values{"ack_state": {"maybe"}, "ack_actions": {"保持される対応"}}, field: "ack_state", keep: []string{"保持される対応"}},
		{name: "withdraw an alert", user: "nco-analyst", page: av, form: "withdraw-form", post: av + "/withdraw", rev: true,
			vals: url.Values{"reason": {""}}, field: "reason"},
		{name: "cluster", user: "nco-analyst", page: "/clusters/" + g.cl.Ref, form: "cluster-form", post: "/clusters/" + g.cl.ID,
			vals: url.Values{"status": {"open"}, "title": {strings.Repeat("x", 201)}, "note": {"保持される分析メモ"}}, field: "title", keep: []string{"保持される分析メモ"}},
		{name: "vendor request", user: "nco-analyst", page: "/vulns/" + cveFortiOS + "/request", form: "request-form", post: "/vulns/" + cveFortiOS + "/request",
			vals: url.Values{"vendor_org": {"ven"}, "questions": {"保持される質問"}, "due_at": {"2020-01-01"}}, field: "due_at", keep: []string{"保持される質問"}},
		{name: "vendor answer", user: "ven-analyst", page: vr, form: "answer-form", post: vr + "/answer",
			vals: url.Values{"fix_timeline": {"fixed in 7.2.7"}, "advisory_url": {"javascript:alert(1)"}}, field: "advisory_url", keep: []string{"fixed in 7.2.7"}},
		{name: "vendor comment", user: "ven-analyst", page: vr, form: "comment-form", post: vr + "/comment",
			vals: url.Values{"comment": {""}}, field: "comment"},
		{name: "new computer", user: "op-a-analyst", page: "/computers/new", form: "computer-form", post: "/computers",
			vals: url.Values{"ref": {"NEW-01"}, "computer_name": {"保持される名称"}, "function": {"vpn"}, "vendor": {"Fortinet"}, "product": {"FortiOS"},
				"product_version": {"7.2.4"}, "site": {"東京"}, "business": {"送電"}, "equipment": {"VPN"}, "in_service": {"2026-02-30"}, "change_note": {"新規"}},
			field: "in_service", keep: []string{"保持される名称", "NEW-01", "Fortinet"}},
		{name: "edit computer", user: "op-a-analyst", page: "/computers/" + g.comp.ID + "/edit", form: "computer-form", post: "/computers/" + g.comp.ID + "/edit",
			vals: url.Values{"ref": {"SECQ7-01"}, "computer_name": {"保持される名称"}, "function": {"vpn"}, "vendor": {"Fortinet"}, "product": {"FortiOS"},
				"product_version": {""}, "site": {"東京"}, "business": {"送電"}, "equipment": {"VPN"}, "change_note": {"更新"}},
			field: "product_version", keep: []string{"保持される名称"}},
		{name: "new vulnerability", user: "nco-analyst", page: "/vulns/new", form: "vuln-form", post: "/vulns",
			vals:  url.Values{"vuln_id": {"CVE-2026-12345"}, "title": {"保持される脆弱性名"}, "tlp": {"clear"}, "cvss.version": {"3.1"}, "cvss.score": {"eleven"}},
			field: "cvss.score", keep: []string{"保持される脆弱性名", "CVE-2026-12345"}},
		{name: "new organisation", user: "platform", page: "/orgs/new", form: "org-form", post: "/orgs",
			vals: url.Values{"slug": {"Bad Slug!"}, "kind": {"operator"}, "sector": {"gas"}, "name.ja": {"保持される組織名"}, "name.en": {"Kept Org"},
				"emergency_contact.name": {"当番"}},
			field: "slug", keep: []string{"保持される組織名", "Kept Org"}},
		{name: "supply-chain link", user: "op-a-admin", page: "/orgs/op-a", form: "link-form", post: "/orgs/op-a/links",
			vals: url.Values{"direction": {"supplier"}, "partner": {""}, "description": {"保持される取引内容"}}, field: "partner", keep: []string{"保持される取引内容"}},
		{name: "new user", user: "op-a-admin", page: "/users/new", form: "user-form", post: "/users",
			vals:  url.Values{"email": {"not-an-address"}, "display_name": {"保持される氏名"}, "roles": {"viewer"}, "locale": {"ja"}, "password": {password}},
			field: "email", keep: []string{"保持される氏名", "not-an-address"}},
		{name: "account", user: "op-a-analyst", page: "/account", form: "profile-form", post: "/account",
			vals: url.Values{"display_name": {""}, "locale": {"en"}}, field: "display_name", keep: []string{`value="en" selected`}},
		{name: "regimes", user: "op-a-reporter", page: "/incidents/" + draft.ID, form: "regimes-form", post: "/incidents/" + draft.ID + "/regimes",
			vals:  url.Values{"regimes.0.regime": {"jp-acd"}, "regimes.0.reportable": {"no"}, "regimes.0.reason": {""}, "regimes.0.conditions": {"保持される条件"}},
			field: "regimes.0.reason", keep: []string{"保持される条件"}},
		{name: "reject without a comment", user: "op-a-legal", page: "/incidents/" + pending.ID, form: "decide-legal", post: "/incidents/" + pending.ID + "/decide",
			vals: url.Values{"kind": {"legal"}, "decision": {"reject"}, "comment": {"   "}}, field: "comment-legal"},
		{name: "refute", user: "op-a-reporter", page: in, form: "refute-form", post: in + "/refute",
			vals: url.Values{"reason": {""}}, field: "refute-reason"},
		{name: "acknowledge a submission", user: "nco-analyst", page: in, form: "", post: in + "/ack",
			vals: url.Values{"submission": {sub}, "authority_ref": {strings.Repeat("r", 301)}}, field: "ack-" + sub},
		{name: "share", user: "op-a-reporter", page: in + "/share", form: "share-choose", post: in + "/share",
			vals: url.Values{"step": {"preview"}, "tlp": {"purple"}}, field: "tlp"},
		{name: "edit alert", user: "nco-analyst", page: av + "/edit", form: "alert-form", post: av + "/edit", rev: true,
			vals:  url.Values{"title.ja": {""}, "summary.ja": {"保持される概要"}, "severity": {"high"}, "tlp": {"amber"}, "targeting.orgs": {"op-b"}},
			field: "title.ja", keep: []string{"保持される概要"}},
		{name: "send an alert back", user: "nco-reviewer", page: "/alerts/" + review.ID, form: "review-form", post: "/alerts/" + review.ID + "/review", rev: true,
			vals: url.Values{"decision": {"send_back"}, "comment": {""}}, field: "comment"},
		{name: "vendor declines", user: "ven-analyst", page: vr, form: "decline-form", post: vr + "/decline",
			vals: url.Values{"decline_reason": {""}}, field: "decline_reason"},
		{name: "edit vulnerability", user: "nco-analyst", page: "/vulns/" + cveFortiOS + "/edit", form: "vuln-form", post: "/vulns/" + cveFortiOS + "/edit",
			vals:  url.Values{"vuln_id": {cveFortiOS}, "title": {""}, "description": {"保持される説明"}, "tlp": {"clear"}},
			field: "title", keep: []string{"保持される説明"}},
		{name: "retire computer", user: "op-a-analyst", page: "/computers/" + g.comp.ID, form: "retire-form", post: "/computers/" + g.comp.ID + "/retire",
			vals: url.Values{"change_note": {""}}, field: "change_note"},
		{name: "edit organisation", user: "op-a-admin", page: "/orgs/op-a/edit", form: "org-form", post: "/orgs/op-a/edit",
			vals:  url.Values{"name.ja": {""}, "name.en": {"Kept Name"}, "emergency_contact.name": {"当番"}, "emergency_contact.email": {"not-an-address"}},
			field: "name.ja", keep: []string{"Kept Name"}},
		{name: "edit user", user: "op-a-admin", page: viewer, form: "user-edit", post: viewer,
			vals: url.Values{"display_name": {strings.Repeat("名", 201)}, "roles": {"viewer"}}, field: "display_name"},
		{name: "reset password", user: "op-a-admin", page: viewer, form: "user-reset", post: viewer + "/password",
			vals: url.Values{"password": {"a long enough new password"}, "password_confirm": {"something else entirely"}}, field: "password_confirm"},
		{name: "change password", user: "op-a-analyst", page: "/account", form: "password-form", post: "/account/password",
			vals:  url.Values{"current_password": {"not my password"}, "password": {"a long enough new password"}, "password_confirm": {"a long enough new password"}},
			field: "current_password"},
		{name: "verify the audit trail", user: "commission-auditor", page: "/audit", form: "verify-form", post: "/audit/verify",
			vals: url.Values{"anchor": {"12:not-a-hash"}}, field: "anchor", keep: []string{"12:not-a-hash"}},
		{name: "exposure state", user: "op-a-analyst", page: "/computers/" + g.comp.ID, form: "", post: "/computers/" + g.comp.ID + "/exposures/" + cveFortiOS,
			vals: url.Values{"state": {"gone"}, "state_note": {"保持される状況メモ"}, "from": {"/computers/" + g.comp.ID}}, field: "state", keep: []string{"保持される状況メモ"}},
		{name: "template contacts: bad line", user: "op-a-admin", page: "/reporting/templates/new", form: "template-form", post: "/reporting/templates/new",
			vals: url.Values{"tpl_name": {"保持される名前"}, "contacts": {" | duty | +81-3-0000-0000"}}, field: "contacts", keep: []string{"保持される名前"}},
		{name: "template contacts: e-mail not an address", user: "op-a-admin", page: "/reporting/templates/new", form: "template-form", post: "/reporting/templates/new",
			vals:  url.Values{"tpl_name": {"保持される名前"}, "contacts": {"当番 | duty | +81-3-0000-0000 | not-an-address"}},
			field: "contacts", keep: []string{"保持される名前", "not-an-address"}},
		{name: "template contacts: phone not a number", user: "op-a-admin", page: "/reporting/templates/new", form: "template-form", post: "/reporting/templates/new",
			vals:  url.Values{"tpl_name": {"保持される名前"}, "contacts": {"当番 | duty | call the desk | soc@op-a.example.jp"}},
			field: "contacts", keep: []string{"保持される名前", "call the desk"}},
		{name: "alert indicators: bad line", user: "nco-analyst", page: "/alerts/new", form: "alert-form", post: "/alerts/new",
			vals: url.Values{"title.ja": {"保持される件名"}, "summary.ja": {"保持される概要"}, "severity": {"high"}, "tlp": {"amber"}, "targeting.orgs": {"op-b"},
				"indicators": {"203.0.113.5\nnot an indicator at all"}},
			field: "indicators", keep: []string{"保持される件名", "203.0.113.5"}},
		{name: "vulnerability: bad affected line", user: "nco-analyst", page: "/vulns/new", form: "vuln-form", post: "/vulns",
			vals:  url.Values{"vuln_id": {"CVE-2026-12346"}, "title": {"保持される脆弱性名"}, "tlp": {"clear"}, "affected": {"this is not a range"}},
			field: "affected", keep: []string{"保持される脆弱性名"}},
		{name: "reporting settings: bad holiday", user: "op-a-admin", page: "/reporting/settings", form: "settings-form", post: "/reporting/settings",
			vals:  url.Values{"flow_mode": {"parallel"}, "holidays": {"2026-02-30"}, "internal_domains": {"corp.op-a.example"}},
			field: "holidays", keep: []string{"corp.op-a.example"}},
		{name: "computer import", user: "op-a-analyst", page: "/computers/import", form: "computer-import-form", post: "/computers/import",
			vals:  url.Values{"format": {"csv"}, "change_note": {"保持される一括届出の備考"}},
			files: map[string]string{"file": "this is not,a registry\nfile at all\n"}, field: "file", keep: []string{"保持される一括届出の備考"}, literal: true},
		{name: "vulnerability import", user: "nco-analyst", page: "/vulns/import", form: "vuln-import-form", post: "/vulns/import",
			vals: url.Values{"format": {"cve5"}}, files: map[string]string{"file": "{not json"}, field: "file", literal: true},
		{name: "token", user: "op-a-analyst", page: "/tokens", form: "token-form", post: "/tokens",
			vals: url.Values{"name": {""}, "scopes": {"read"}, "expires": {"30"}}, field: "name"},
	}
	for _, lang := range []string{"ja", "en"} {
		msg := catalogue(t, lang)
		clients := map[string]*client{}
		for _, tc := range cases {
			t.Run(lang+"/"+tc.name, func(t *testing.T) {
				c := clients[tc.user]
				if c == nil {
					c = g.client(lang)
					c.login(flowEmail(tc.user))
					clients[tc.user] = c
				}
				pg := c.get(tc.page).must(t, http.StatusOK)
				if tc.form != "" && !strings.Contains(pg.Body, `id="`+tc.form+`"`) {
					t.Fatalf("%s has no form %s", tc.page, tc.form)
				}
				checkCSRF(t, tc.page, pg)
				vals := url.Values{}
				for k, v := range tc.vals {
					vals[k] = v
				}
				if tc.extra != nil {
					for k, v := range tc.extra(pg) {
						vals[k] = v
					}
				}
				if tc.rev {
					m := formRevRE.FindStringSubmatch(formNamed(pg.Body, tc.form))
					if m == nil {
						t.Fatalf("no rev in %s", tc.form)
					}
					vals.Set("rev", m[1])
				}
				// Without the CSRF token: refused, nothing done.
				var p *page
				if tc.files != nil {
					postMultipart(t, c, tc.post, vals, tc.files, false).must(t, http.StatusForbidden)
					p = postMultipart(t, c, tc.post, vals, tc.files, true)
				} else {
					c.do(http.MethodPost, tc.post, vals).must(t, http.StatusForbidden)
					p = c.post(tc.post, vals)
				}
				if p.Status < 400 || p.Status > 499 || p.Status == http.StatusForbidden || p.Status == http.StatusNotFound {
					t.Fatalf("status %d, want 4xx with the form\n%s", p.Status, p.Body)
				}
				if !strings.Contains(p.Body, `action="/logout"`) || !strings.Contains(p.Body, `action="`+tc.post+`"`) {
					t.Fatalf("not the page with the form again (%d)\n%s", p.Status, p.Body)
				}
				checkFieldError(t, msg, lang, p, tc.field, tc.literal)
				for _, pg := range []*page{pg, p} {
					if regexp.MustCompile(`>false</textarea>|value="false"`).MatchString(pg.Body) {
						t.Errorf("an input shows %q", "false")
					}
				}
				for _, k := range tc.keep {
					if !strings.Contains(p.Body, html.EscapeString(k)) && !strings.Contains(p.Body, k) {
						t.Errorf("lost what was typed: %q", k)
					}
				}
			})
		}
	}
}

// TestLoginFormRejectsBadInput: the sign-in form names a missing address
// in the user's language and keeps the address typed when the password
// is wrong (never the password); a post without its token is refused.
func TestLoginFormRejectsBadInput(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite))
	for _, lang := range []string{"ja", "en"} {
		msg := catalogue(t, lang)
		c := e.client(lang)
		lp := c.get("/login").must(t, http.StatusOK)
		tok := csrfRE.FindStringSubmatch(lp.Body)[1]
		c.do(http.MethodPost, "/login", url.Values{"email": {"admin@alpha.example"}, "password": {password}}).must(t, http.StatusForbidden)
		p := c.do(http.MethodPost, "/login", url.Values{"csrf": {tok}, "email": {""}, "password": {"x"}})
		if p.Status < 400 || p.Status > 499 || !strings.Contains(p.Body, `id="login"`) {
			t.Fatalf("%s: empty address: %d", lang, p.Status)
		}
		checkFieldError(t, msg, lang, p, "email")
		p = c.do(http.MethodPost, "/login", url.Values{"csrf": {tok}, "email": {"admin@alpha.example"}, "password": {"wrong password"}})
		if p.Status < 400 || p.Status > 499 || !strings.Contains(p.Body, `value="admin@alpha.example"`) || strings.Contains(p.Body, "wrong password") {
			t.Errorf("%s: wrong password: %d, the address kept: %v", lang, p.Status, strings.Contains(p.Body, `value="admin@alpha.example"`))
		}
	}
}

// postMultipart posts vals and files as multipart/form-data, with the
// session's CSRF token when withToken.
func postMultipart(t *testing.T, c *client, path string, vals url.Values, files map[string]string, withToken bool) *page {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if withToken {
		mw.WriteField("csrf", c.csrf)
	}
	for k, vs := range vals {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, body := range files {
		fw, err := mw.CreateFormFile(name, name+".txt")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(body))
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.e.srv.URL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", c.lang)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
}

// formNamed is the HTML of the form with id in body.
func formNamed(body, id string) string {
	for _, f := range formPostRE.FindAllString(body, -1) {
		if m := formIDAttRE.FindStringSubmatch(formOpenRE.FindString(f)); m != nil && m[1] == id {
			return f
		}
	}
	return ""
}

// checkCSRF: every post form of the page carries the session's token.
func checkCSRF(t *testing.T, path string, p *page) {
	t.Helper()
	for _, f := range formPostRE.FindAllString(p.Body, -1) {
		if !strings.Contains(f, `name="csrf" value="`) {
			t.Errorf("%s: a form without the CSRF token: %s", path, formOpenRE.FindString(f))
		}
	}
}

// checkFieldError: the error of input name is next to it, the input says
// so (aria-invalid, aria-describedby) and the summary names it by its
// label, all in lang.
func checkFieldError(t *testing.T, msg map[string]string, lang string, p *page, name string, literal ...bool) {
	t.Helper()
	id := "f-" + strings.NewReplacer(".", "-").Replace(name)
	errID, row := id+"-err", false
	reason := p.fieldError(name)
	if reason == "" {
		t.Fatalf("no error next to %s; the page says: %s", name, formErrRE.FindString(p.Body))
	}
	tag := regexp.MustCompile(strings.Replace(formTagRE, "%s", regexp.QuoteMeta(id), 1)).FindString(p.Body)
	if tag == "" {
		// An input of a form repeated on the page (one per row) has an id
		// of its own and points at the error.
		tag = regexp.MustCompile(`<(?:input|select|textarea)[^>]*aria-describedby="[^"]*\b` + regexp.QuoteMeta(id) + `-err\b[^>]*>`).FindString(p.Body)
		if m := formIDAttRE.FindStringSubmatch(tag); m != nil {
			id, row = m[1], true
		}
	}
	if !strings.Contains(tag, `aria-invalid="true"`) || !regexp.MustCompile(`aria-describedby="[^"]*\b`+regexp.QuoteMeta(errID)+`\b`).MatchString(tag) {
		t.Errorf("the input does not point at its error: %q", tag)
	}
	var label string
	for _, m := range formSumRE.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == id {
			label, _, _ = strings.Cut(html.UnescapeString(m[2]), map[string]string{"ja": "：", "en": ": "}[lang])
		}
	}
	if label == "" && row {
		// A form of a table row: no summary, its label next to it.
		if m := regexp.MustCompile(`<label for="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]+)`).FindStringSubmatch(p.Body); m != nil {
			label = html.UnescapeString(m[1])
		}
	}
	switch {
	case label == "":
		t.Errorf("the summary does not name %s", name)
	case label == msg["field.unknown"]:
		t.Errorf("the summary names %s only as %q", name, label)
	case !regexp.MustCompile(`(<label for="` + regexp.QuoteMeta(id) + `"[^>]*>|<legend>)` + regexp.QuoteMeta(html.EscapeString(label))).MatchString(p.Body):
		t.Errorf("the summary's %q is not the label of the input on the page", label)
	}
	japanese := func(s string) bool {
		for _, r := range s {
			if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
				return true
			}
		}
		return false
	}
	if lang == "ja" && !(len(literal) > 0 && literal[0]) && regexp.MustCompile(`[a-z]{4,}`).MatchString(strings.NewReplacer("https://", "", "http://", "").Replace(reason)) {
		t.Errorf("the error %q is partly English", reason)
	}
	if (lang == "ja") != japanese(reason) {
		t.Errorf("the error %q is not in %s", reason, lang)
	}
}

// TestAlertWarningsInUserLanguage: the alert service's warnings (it
// speaks English) are shown in the user's language, the field by its
// label.
func TestAlertWarningsInUserLanguage(t *testing.T) {
	g := newWorldEnv(t, storetest.Open(t, store.SQLite))
	for lang, want := range map[string]string{"ja": "英語の文がありません。", "en": "No English text: English-speaking readers will see the Japanese."} {
		c := g.client(lang)
		c.login(flowEmail("nco-analyst"))
		for _, path := range []string{"/alerts/" + g.av.ID, "/alerts/" + g.av.ID + "/edit"} {
			p := c.get(path).must(t, http.StatusOK)
			p.has(t, want)
			p.hasNot(t, "summary.en:", "English-speaking readers will see the Japanese</p>")
		}
	}
}

// TestIncidentTasksInUserLanguage: a deadline due soon is a task worded
// in the user's language (the service words it in English).
func TestIncidentTasksInUserLanguage(t *testing.T) {
	g := newWorldEnv(t, storetest.Open(t, store.SQLite))
	aware := time.Now().Add(-70 * time.Hour)
	c := report.Content{Aware: report.Known(&aware, report.Confirmed, aware, "CSIRT")}
	if _, err := g.rep.Create(context.Background(), g.w.P("op-a-reporter"), reporting.NewIncident{Title: "期限間近の報告", Content: &c}); err != nil {
		t.Fatal(err)
	}
	ja := g.client("ja")
	ja.login(flowEmail("op-a-reporter"))
	p := ja.get("/incidents").must(t, http.StatusOK)
	i := strings.Index(p.Body, `id="tasks"`)
	if i < 0 {
		t.Fatal("no tasks")
	}
	tasks := p.Body[i:]
	tasks = tasks[:strings.Index(tasks, "</section>")]
	for _, want := range []string{"期限間近の報告", "報告期限", "認知（", "から72時間", "未記入："} {
		if !strings.Contains(tasks, want) {
			t.Errorf("tasks lack %q:\n%s", want, tasks)
		}
	}
	if strings.Contains(tasks, "after awareness") || strings.Contains(tasks, "missing:") {
		t.Errorf("tasks in English:\n%s", tasks)
	}
	en := g.client("en")
	en.login(flowEmail("op-a-reporter"))
	en.get("/incidents").must(t, http.StatusOK).has(t, "72 h after awareness", "(missing: ")
}
