package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sakimori/internal/registry"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

var (
	e2eIncRE   = regexp.MustCompile(`^/incidents/([^/?]+)`)
	e2eAlertRE = regexp.MustCompile(`^/alerts/([0-9a-f-]{36})`)
	e2eRefRE   = regexp.MustCompile(`ALR-\d{4}-\d{4}`)
)

// TestBrowserEndToEnd is the whole flow of issue #8 through the dashboard
// only, in headless Chromium, once with Japanese browsers and once with
// English ones: op-a's reporter starts a report from a template, fills
// in the guided form with per-field confidence, saves the draft and sends
// it for approval; the legal, PR and executive approvers approve it, each
// in their own browser; the reporter submits it (the deadline timeline is
// in JST); the NCO analyst finds it in the triage queue, triages it and
// asks for more information; the reporter updates the report (the diff
// page shows the change), has it approved again, submits the update and
// asks the NCO a question; the NCO analyst drafts an alert for the
// supplier and the reporter (with Japanese browsers by supply chain:
// op-a's registered computer is exposed to the alert's CVE and sup is its
// partner; with English ones by name), a second NCO analyst approves it, the first
// publishes it, links it to the report, gives feedback and answers the
// question; the supplier acknowledges the alert from its inbox; the NCO
// sees the acknowledgement in the recipients' table; the reporter sees
// the alert, the feedback and the answer on the report. Screenshots of
// the key pages go to $SAKIMORI_ARTIFACTS as 9x-e2e-<step>-<lang>.png.
func TestBrowserEndToEnd(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			e2eFlow(t, lang)
		})
	}
}

func e2eFlow(t *testing.T, lang string) {
	g := newBareWorld(t, storetest.Open(t, store.SQLite))
	e := g.flowEnv
	// op-a's registered VPN runs a FortiOS exposed to CVE-2024-21762; sup
	// is op-a's supply-chain partner.
	if _, err := g.x.Notify(context.Background(), e.w.P("op-a-analyst"), &registry.Computer{Ref: "FG-01", Name: "本社 FortiGate",
		Function: registry.FunctionVPN, Vendor: "Fortinet", Product: "FortiOS", ProductVersion: "7.2.4",
		CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Site: "東京", Business: "送電", Equipment: "リモートアクセス"}); err != nil {
		t.Fatal(err)
	}
	msg := catalogue(t, lang)
	T := func(key string, args ...any) string {
		s, ok := msg[key]
		if !ok {
			t.Fatalf("no message %s", key)
		}
		if len(args) > 0 {
			s = fmt.Sprintf(s, args...)
		}
		return s
	}
	accept := map[string]string{"ja": "ja-JP,ja;q=0.9", "en": "en-GB,en;q=0.9"}[lang]
	cr := newChromium(t, e.srv.URL, 4*time.Minute)
	base := e.srv.URL
	// shot saves the whole page, and the section sel of it when given.
	shot := func(b *browser, n int, step string, sel ...string) {
		b.shot(fmt.Sprintf("%d-e2e-%s-%s.png", n, step, lang))
		for _, s := range sel {
			b.shotOf(s, fmt.Sprintf("%d-e2e-%s-%s-%s.png", n, step, lang, strings.Trim(s, "#")))
		}
	}
	// phone saves the page as a phone shows it (390 px wide).
	phone := func(b *browser, n int, step string) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		b.shot(fmt.Sprintf("%d-e2e-%s-%s-phone.png", n, step, lang))
		b.do("desktop viewport", chromedp.EmulateViewport(1280, 900))
	}
	title := map[string]string{"ja": "SSL-VPN不正アクセス 変電所監視系", "en": "SSL-VPN unauthorised access, substation monitoring"}[lang]
	summary := map[string]string{"ja": "SSL-VPN装置の管理者アカウントで不審なログインを確認した。", "en": "Suspicious logins with the SSL-VPN appliance's administrator account."}[lang]
	update := map[string]string{"ja": "侵入経路はSSL-VPNの既知の脆弱性（CVE-2024-21762）と判明。", "en": "The way in was a known SSL-VPN vulnerability (CVE-2024-21762)."}[lang]
	question := map[string]string{"ja": "侵入経路を教えてください。", "en": "How did the attacker get in?"}[lang]
	advice := map[string]string{"ja": "FortiOSを修正版に更新し、VPNの認証情報を変更してください。", "en": "Update FortiOS and rotate the VPN credentials."}[lang]
	alertTitle := map[string]string{"ja": "SSL-VPN装置への攻撃に関する注意喚起", "en": "Attacks on SSL-VPN appliances"}[lang]

	// 1. The reporter starts a report from the template.
	rep := cr.user(flowEmail("op-a-reporter"), accept)
	if l := rep.lang(); l != lang {
		t.Fatalf("page language %q, want %q", l, lang)
	}
	rep.open(base, "/incidents", "#inc-new")
	rep.submit("new report", "#inc-new", "#incident-new")
	rep.contains("main", e.tmplName)
	var tmplID string
	opts, err := chromedp.Run(rep.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#f-template_id option")].map(o => o.value + "|" + o.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		if v, l, _ := strings.Cut(o, "|"); strings.HasPrefix(l, e.tmplName) {
			tmplID = v
		}
	}
	if tmplID == "" {
		t.Fatalf("the template is not offered: %q", opts)
	}
	rep.do("choose the template", chromedp.SetValue(chromedp.CSS("#f-template_id"), tmplID),
		chromedp.SendKeys(chromedp.CSS("#f-title"), title))
	shot(rep, 90, "template")
	rep.submit("create from the template", "#incident-new button[type=submit]", "#incident-form")
	m := e2eIncRE.FindStringSubmatch(rep.path())
	if m == nil {
		t.Fatalf("after creating: %s", rep.path())
	}
	id := m[1]
	incURL := "/incidents/" + id
	// The template filled in the class and the contacts.
	if v, _ := chromedp.Run(rep.ctx, chromedp.Value(chromedp.CSS("#f-contacts-value"))); !strings.Contains(v, "CSIRT当番") {
		t.Errorf("contacts from the template: %q", v)
	}

	// 2. The guided form: values with their confidence, then save the draft.
	aware := time.Now().Add(-2 * time.Hour)
	rep.do("fill in",
		chromedp.SendKeys(chromedp.CSS("#f-summary-value"), summary),
		chromedp.SetValue(chromedp.CSS("#f-summary-state"), "known"),
		chromedp.SetValue(chromedp.CSS("#f-summary-confidence"), "likely"),
		chromedp.SendKeys(chromedp.CSS("#f-summary-source"), "EDR"),
		chromedp.SetValue(chromedp.CSS("#f-aware-value"), jstLocal(aware)),
		chromedp.SetValue(chromedp.CSS("#f-aware-state"), "known"),
		chromedp.SetValue(chromedp.CSS("#f-aware-confidence"), "confirmed"),
		chromedp.SetValue(chromedp.CSS("#f-detected-value"), jstLocal(aware.Add(-30*time.Minute))),
		chromedp.SetValue(chromedp.CSS("#f-detected-state"), "known"),
		chromedp.SetValue(chromedp.CSS("#f-iocs-value"), "ipv4 203.0.113.7 # C2"),
		chromedp.SetValue(chromedp.CSS("#f-iocs-state"), "known"),
		chromedp.SetValue(chromedp.CSS("#f-iocs-confidence"), "possible"))
	shot(rep, 91, "form", "#sec-event")
	phone(rep, 91, "form")
	rep.submit("save the draft", "#inc-save", "#timeline")
	rep.contains("#inc-state", T("inc.state.draft"))
	rep.contains("#content", summary, T("inc.conf.likely"))

	// 3. Send it for approval.
	rep.submit("request approval", "#request-approval", "#approval")
	rep.contains("#inc-state", T("inc.state.in_approval"))

	// 4. Each approver, in their own browser, finds the task and approves.
	approvers := map[string]*browser{}
	approve := func(round int) {
		for _, k := range []string{"legal", "pr", "exec"} {
			a := approvers[k]
			if a == nil {
				a = cr.user(flowEmail("op-a-"+k), accept)
				approvers[k] = a
			}
			a.open(base, "/incidents", "#tasks")
			a.contains("#tasks", title, T("inc.task.approval"), T("inc.task.approval_text", T("inc.approval."+k), 1+round))
			a.submit("open the task", `#tasks a[href="`+incURL+`"]`, "#approval")
			if k == "exec" && round == 1 {
				shot(a, 92, "approval", "#approval")
			}
			a.submit(k+" approves", "#approve-"+k, "#approval")
		}
	}
	approve(1)

	// 5. The reporter submits; the timeline shows the deadlines in JST.
	rep.open(base, incURL, "#submit-form")
	rep.contains("#inc-state", T("inc.state.approved"))
	rep.submit("submit", "#inc-submit", "#submissions table")
	rep.contains("#inc-state", T("inc.state.submitted"))
	rep.contains("#timeline", "JST")
	if lang == "ja" {
		rep.contains("#timeline", "認知（", "から72時間", "（その日の終わりまで）")
		rep.contains("#events", "第2版の報告を2機関へ提出", "第2版（並行承認：法務、広報、経営層）", "経営層の承認（第2版）")
	}
	rep.contains("#submissions", map[string]string{"ja": "経済産業省", "en": "Ministry"}[lang])
	shot(rep, 93, "submitted", "#timeline", "#submissions")

	// 6. The NCO analyst triages it and asks for more information.
	nco := cr.user(flowEmail("nco-analyst"), accept)
	nco.open(base, "/triage", "#triage")
	nco.contains("#triage", title, T("inc.state.submitted"))
	nco.submit("open from the triage queue", `#triage a[href="`+incURL+`"]`, "#receive")
	nco.contains("#content", summary)
	nco.submit("triage", "#triage-form button[type=submit]", "#receive",
		chromedp.SetValue(chromedp.CSS("#triage-form select[name=severity]"), "high"),
		chromedp.SetValue(chromedp.CSS("#triage-form select[name=status]"), "triaged"))
	nco.submit("request information", "#info-request-form button[type=submit]", "#info-requests",
		chromedp.SendKeys(chromedp.CSS("#info-request-form textarea[name=question]"), question),
		chromedp.SetValue(chromedp.CSS("#info-request-form input[name=due]"), jstLocal(time.Now().Add(48*time.Hour))))
	nco.contains("#inc-state", T("inc.state.info_requested"))
	nco.contains("#events", T("inc.event.triaged"))
	if lang == "ja" { // the history is written in English; Japanese users read it in Japanese
		nco.contains("#events", T("inc.evt.triaged", T("inc.severity.high"), T("inc.triage.triaged")))
	}
	nco.contains("#info-requests", question, "JST", T("inc.info.open"))
	nco.open(base, "/triage", "#triage")
	nco.contains("#triage", T("inc.severity.high"))
	shot(nco, 94, "triage")

	// 7. The reporter sees the request as a task, answers by updating the
	// report; the diff page shows what changed.
	rep.open(base, "/incidents", "#tasks")
	rep.contains("#tasks", question)
	rep.submit("open the request", `#tasks a[href="`+incURL+`"]`, "#info-requests")
	rep.submit("edit", "#inc-edit", "#incident-form")
	rep.do("answer in the form",
		chromedp.SendKeys(chromedp.CSS("#f-intrusion_path-value"), update),
		chromedp.SetValue(chromedp.CSS("#f-intrusion_path-state"), "known"),
		chromedp.SetValue(chromedp.CSS("#f-intrusion_path-confidence"), "confirmed"))
	rep.submit("save the update", "#inc-save", "#versions")
	rep.submit("open the diff", `#versions a[href*="/diff?"]`, "#chg-intrusion_path")
	rep.contains("#chg-intrusion_path", update, T("inc.conf.confirmed"), T("inc.fstate.not_yet_known"))
	shot(rep, 95, "diff", "main")
	rep.open(base, incURL, "#request-approval")
	rep.submit("request approval of the update", "#request-approval", "#approval")
	approve(2)
	rep.open(base, incURL, "#submit-form")
	rep.submit("submit the update", "#inc-submit", "#submissions table")
	rep.contains("#inc-state", T("inc.state.updated"))
	rep.contains("#info-requests", question, T("inc.info.answered"))

	// The reporter asks the NCO a question on the report.
	ask := map[string]string{"ja": "他社で同様の被害はありますか。", "en": "Have others been hit the same way?"}[lang]
	rep.open(base, incURL, "#comment-form")
	rep.submit("ask a question", "#comment-form button[type=submit]", "#events",
		chromedp.SendKeys(chromedp.CSS("#comment-form textarea[name=text]"), ask))
	rep.contains("#events", ask)

	// 8. The NCO drafts an alert for the supplier and the reporter.
	nco.open(base, incURL, "#receive")
	nco.contains("#content", update)
	nco.open(base, "/alerts", "#new-alert")
	nco.submit("new alert", "#new-alert", "#alert-form")
	incRef := regexp.MustCompile(`INC-\d{4}-\d+`).FindString(rep.text("main h1"))
	// The recipients: in Japanese by supply chain (the organisations whose
	// computers the CVE affects, op-a, and their partners, sup), in English
	// by name.
	target := chromedp.Steps(chromedp.Click(chromedp.CSS(`#alert-form input[name=targeting][value=exposed]`)),
		chromedp.Click(chromedp.CSS(`#alert-form input[name=targeting][value=supply_chain]`)))
	reasons := []string{T("al.reason.exposed"), T("al.reason.supply_chain")}
	if lang == "en" {
		target = chromedp.SendKeys(chromedp.CSS("#f-targeting-orgs"), "sup\nop-a")
		reasons = []string{T("al.reason.org")}
	}
	nco.submit("create the alert", "#alert-form button[type=submit]", "#submit-form",
		chromedp.SendKeys(chromedp.CSS("#f-title-ja"), alertTitle),
		chromedp.SendKeys(chromedp.CSS("#f-title-en"), "Attacks on SSL-VPN appliances"),
		chromedp.SendKeys(chromedp.CSS("#f-summary-ja"), "SSL-VPN装置の脆弱性を悪用した不正アクセスが報告されています。"),
		chromedp.SendKeys(chromedp.CSS("#f-summary-en"), "Unauthorised access through an SSL-VPN vulnerability has been reported."),
		chromedp.SendKeys(chromedp.CSS("#f-recommended_actions"), "FortiOSを更新する"),
		chromedp.SendKeys(chromedp.CSS("#f-actions_en"), "Update FortiOS"),
		chromedp.SetValue(chromedp.CSS("#f-severity"), "high"),
		chromedp.SetValue(chromedp.CSS("#f-tlp"), "amber"),
		chromedp.SendKeys(chromedp.CSS("#f-cves"), "CVE-2024-21762"),
		chromedp.SendKeys(chromedp.CSS("#f-indicators"), "203.0.113.7"),
		chromedp.SendKeys(chromedp.CSS("#f-incidents"), incRef),
		target)
	am := e2eAlertRE.FindStringSubmatch(nco.path())
	if am == nil {
		t.Fatalf("after creating the alert: %s", nco.path())
	}
	alertURL := "/alerts/" + am[1]
	alertRef := e2eRefRE.FindString(nco.text("main h1"))
	nco.contains(".badges", T("al.state.draft"))
	nco.submit("send for review", "#submit-form button[type=submit]", "#steps")
	nco.contains(".badges", T("al.state.in_review"))

	// 9. A second NCO analyst reviews it; the first publishes it.
	rv := cr.user(flowEmail("nco-reviewer"), accept)
	rv.open(base, alertURL, "#review-form")
	shot(rv, 96, "alert-review")
	rv.submit("approve the alert", `#review-form button[value=approve]`, "#steps")
	nco.open(base, alertURL, "#publish-form")
	nco.contains("#preview", append([]string{"sup", "op-a"}, reasons...)...)
	nco.submit("publish", "#publish-form button[type=submit]", "#recipient-table")
	nco.contains(".badges", T("al.state.published"))

	// 10. The NCO links the alert to the report and gives feedback.
	nco.open(base, incURL, "#link-form")
	nco.submit("link the alert", "#link-form button[type=submit]", "#receive",
		chromedp.SetValue(chromedp.CSS("#link-form select[name=link_kind]"), "alert"),
		chromedp.SendKeys(chromedp.CSS("#link-form input[name=link_ref]"), alertRef))
	nco.submit("feedback", "#comment-form button[type=submit]", "#comment",
		chromedp.SetValue(chromedp.CSS("#comment-form select[name=comment_kind]"), "feedback"),
		chromedp.SendKeys(chromedp.CSS("#comment-form textarea[name=text]"), advice))
	// ...and answers the reporter's question.
	nco.contains("#events", ask)
	answer := map[string]string{"ja": "同様の報告が他に1件あります。注意喚起をご確認ください。", "en": "One other report looks the same; see the alert."}[lang]
	nco.submit("answer the question", "#comment-form button[type=submit]", "#comment",
		chromedp.SetValue(chromedp.CSS("#comment-form select[name=comment_kind]"), "advice"),
		chromedp.SendKeys(chromedp.CSS("#comment-form textarea[name=text]"), answer))

	// 11. The supplier finds the alert in its inbox and acknowledges it.
	sup := cr.user(flowEmail("sup-analyst"), accept)
	sup.open(base, "/alerts?unacked=1", "#alerts")
	sup.contains("#alerts", alertTitle)
	sup.submit("open the alert", `#alerts a[href="`+alertURL+`"]`, "#ack-form")
	sup.contains("#summary", "CVE-2024-21762")
	shot(sup, 97, "alert-inbox", "#ack")
	phone(sup, 97, "alert-inbox")
	sup.submit("acknowledge", "#ack-form button[type=submit]", "#ack",
		chromedp.SetValue(chromedp.CSS("#ack-form select[name=ack_state]"), "actioned"),
		chromedp.SendKeys(chromedp.CSS("#ack-form textarea[name=ack_actions]"), "FortiOS 7.2.7へ更新済み"))
	sup.contains("#ack", T("al.ack.actioned"))

	// 12. The NCO sees the acknowledgement in the issuer's table.
	nco.open(base, alertURL, "#recipient-table")
	nco.contains("#recipient-table", "sup", T("al.ack.actioned"), "FortiOS 7.2.7へ更新済み", "JST")
	shot(nco, 98, "alert-acks")

	// 13. The reporter sees the alert and the feedback on the report.
	rep.open(base, incURL, "#feedback")
	rep.contains("#feedback", alertRef, advice, answer, T("inc.comment.advice"))
	shot(rep, 99, "feedback", "#feedback", "#info-requests")
	phone(rep, 99, "feedback")
}

// TestBrowserAnalysisTour drives the other analysis and administration
// pages of issue #8 item 4 in headless Chromium, in Japanese and English:
// the NCO analyst confirms a correlation cluster and drafts an alert from
// it; the operator marks its critical computer's exposure to a
// vulnerability as mitigated; the vendor answers the government's
// request and the NCO reads the answer; the operator's administrator adds
// a user; the commission's auditor verifies the audit trail. Screenshots:
// 8x-tour-<step>-<lang>.png.
func TestBrowserAnalysisTour(t *testing.T) {
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			g := newWorldEnv(t, storetest.Open(t, store.SQLite))
			msg := catalogue(t, lang)
			accept := map[string]string{"ja": "ja-JP,ja;q=0.9", "en": "en-GB,en;q=0.9"}[lang]
			cr := newChromium(t, g.srv.URL, 3*time.Minute)
			base := g.srv.URL
			shot := func(b *browser, n int, step, sel string) {
				b.shotOf(sel, fmt.Sprintf("%d-tour-%s-%s.png", n, step, lang))
			}

			// 1. The NCO confirms the cluster and drafts an alert from it.
			nco := cr.user(flowEmail("nco-analyst"), accept)
			nco.open(base, "/clusters", "#clusters")
			nco.contains("#clusters", g.cl.Ref)
			nco.submit("open the cluster", `#clusters a[href="/clusters/`+g.cl.ID+`"]`, "#cluster-form")
			nco.contains("#orgs", "op-a", "op-b")
			nco.submit("confirm", "#cluster-form button[type=submit]", "#cluster-form",
				chromedp.SetValue(chromedp.CSS("#cluster-form select[name=status]"), "confirmed"),
				chromedp.SetValue(chromedp.CSS("#cluster-form input[name=title]"), "VPN C2"))
			nco.contains("main h1", "VPN C2")
			nco.contains(".badges", msg["cl.status.confirmed"])
			shot(nco, 80, "cluster", "main")
			nco.submit("draft an alert", "#draft-alert", "#alert-form")
			if v, _ := chromedp.Run(nco.ctx, chromedp.Value(chromedp.CSS("#f-indicators"))); !strings.Contains(v, "203.0.113.171") {
				t.Errorf("the alert drafted from the cluster lacks its value: %q", v)
			}

			// 2. The operator marks its computer's exposure as mitigated.
			op := cr.user(flowEmail("op-a-analyst"), accept)
			op.open(base, "/computers", "main table")
			op.submit("open the computer", `a[href="/computers/`+g.comp.ID+`"]`, ".exposure-form")
			op.contains("main", cveFortiOS, msg["exp.state.open"])
			op.submit("mitigate", ".exposure-form button[type=submit]", "main",
				chromedp.SetValue(chromedp.CSS(".exposure-form select[name=state]"), "mitigated"),
				chromedp.SendKeys(chromedp.CSS(".exposure-form textarea[name=state_note]"), "SSL-VPN無効化"))
			op.contains("main", msg["exp.state.mitigated"], "SSL-VPN無効化")
			shot(op, 81, "exposure", "main")

			// 3. The vendor answers the request; the NCO reads the answer.
			ven := cr.user(flowEmail("ven-analyst"), accept)
			ven.open(base, "/vendor-requests", "main table")
			ven.submit("open the request", `a[href="/vendor-requests/`+g.vr.ID+`"]`, "#answer-form")
			ven.submit("answer", "#answer-form button[type=submit]", "#answer",
				chromedp.SendKeys(chromedp.CSS("#answer-form textarea[name=fixed_versions]"), "7.2.7, 7.4.3"),
				chromedp.SendKeys(chromedp.CSS("#answer-form textarea[name=fix_timeline]"), "fixed releases available"))
			nco.open(base, "/vendor-requests/"+g.vr.ID, "#answer")
			nco.contains("main", msg["vreq.state.answered"], "7.2.7, 7.4.3")
			shot(nco, 82, "vendor-answer", "main")

			// 4. The operator's administrator adds a user.
			adm := cr.user(flowEmail("op-a-admin"), accept)
			adm.open(base, "/users/new", "#user-form")
			adm.submit("add a user", "#user-form button[type=submit]", "#user-edit",
				chromedp.SendKeys(chromedp.CSS("#f-email"), "new-analyst@op-a.example.jp"),
				chromedp.SendKeys(chromedp.CSS("#f-display_name"), "新任 分析担当"),
				chromedp.Click(chromedp.CSS(`#user-form input[name=roles][value=analyst]`)),
				chromedp.SendKeys(chromedp.CSS("#f-password"), "a long enough initial password"))
			adm.contains("main", "新任 分析担当", msg["done.user_created"])
			shot(adm, 83, "user", "main")

			// 5. The commission's auditor verifies the audit trail.
			aud := cr.user(flowEmail("commission-auditor"), accept)
			aud.open(base, "/audit", "#verify-form")
			aud.submit("verify", "#verify-form button[type=submit]", "#verify-result")
			aud.contains("#verify-result", msg["audit.verify_ok"])
			shot(aud, 84, "audit", "main")
		})
	}
}
