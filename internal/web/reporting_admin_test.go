package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/exposure"
	"sakimori/internal/i18n"
	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/registry"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

// reportingEnv is the dashboard over the inteltest world with the
// reporting service, plus a police agency ("npa", government but never a
// report's receiver) and op-a's reporter.
type reportingEnv struct {
	*env
	w   *inteltest.World
	rep *reporting.Service
	x   *exposure.Service
}

func newReportingEnv(t testing.TB, db *store.DB, withExposure ...bool) *reportingEnv {
	t.Helper()
	ctx := context.Background()
	w := inteltest.New(t, db)
	act := audit.Actor{Name: "test"}
	npa := &org.Organisation{Slug: "npa", Kind: org.KindLawEnforcement, Name: org.Names{JA: "警察庁", EN: "Police Agency"},
		Contact: org.Contact{Name: "duty", Email: "d@npa.example.jp"}}
	if err := db.CreateOrg(ctx, act, npa); err != nil {
		t.Fatal(err)
	}
	w.Orgs["npa"] = npa
	for _, u := range []struct {
		name, org string
		role      org.Role
	}{{"npa-analyst", "npa", org.RoleAnalyst}, {"op-a-reporter", "op-a", org.RoleReporter}} {
		usr := &org.User{OrgID: w.Orgs[u.org].ID, Email: u.name + "@" + u.org + ".example.jp", DisplayName: u.name, Roles: []org.Role{u.role}}
		if err := db.CreateUser(ctx, act, usr, ""); err != nil {
			t.Fatal(err)
		}
		w.Users[u.name] = usr
	}
	rep := reporting.New(db, inteltest.Quiet)
	opt := web.Options{Reporting: rep}
	if len(withExposure) > 0 && withExposure[0] {
		opt.Exposure = exposure.New(db, inteltest.Quiet)
	}
	e := serveWorld(t, db, w, opt)
	return &reportingEnv{env: e, w: w, rep: rep, x: opt.Exposure}
}

func (e *reportingEnv) as(name, lang string) *client {
	c := e.client(lang)
	c.login(email(name))
	return c
}

func TestReportingAdminSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newReportingEnv(t, db)
		ctx := context.Background()
		admin := e.as("op-a-admin", "ja")
		nav := admin.get("/").nav()
		if !strings.Contains(nav, `href="/reporting/settings"`) || !strings.Contains(nav, `href="/reporting/templates"`) || strings.Contains(nav, `href="/triage"`) {
			t.Errorf("operator nav: %s", nav)
		}
		p := admin.get("/reporting/settings").must(t, http.StatusOK)
		// What each regime demands: names, certainty, citation, stages with
		// their offsets, triggers and required fields.
		p.has(t, "報告の設定", "能動的サイバー防御に基づく特定侵害事象等の報告", "Japan Active Cyber Defense incident reporting", "政省令未確定",
			"https://www.cas.go.jp/jp/houan/217.html", "速報", "72時間", "認知", "<code>contacts</code>", "eu-nis2", "us-circia",
			`name="offset.jp-acd/prompt.hours" type="number" min="0" inputmode="numeric" value="72"`,
			`name="offset.jp-acd/written.days" type="number" min="0" inputmode="numeric" value="30"`, "未設定", `id="settings-form"`)
		p.hasNot(t, `id="settings-readonly"`, `name="offset.eu-nis2`)

		nco := e.orgs["nco"].ID
		good := url.Values{"flow_mode": {"sequential"}, "flow_steps": {"legal", "exec"}, "order_exec": {"1"}, "order_legal": {"2"},
			"default_regimes": {"jp-acd", "eu-nis2"}, "offset.jp-acd/prompt.hours": {"48"}, "offset.jp-acd/written.days": {"30"},
			"recipients": {nco}, "internal_domains": {"corp.op-a.example.jp\n\n ad.op-a.example.jp "}, "holidays": {"2026-12-29\n2026-12-30"},
			"webhook_url": {"https://hooks.op-a.example.jp/sakimori"}, "webhook_secret": {"s3cret-signing-key"}, "remind_before_hours": {"12"}}

		// CSRF: a post without the session's token is refused and changes nothing.
		nf := url.Values{}
		for k, v := range good {
			nf[k] = v
		}
		admin.do(http.MethodPost, "/reporting/settings", nf).must(t, http.StatusForbidden)
		if st, err := e.rep.Settings(ctx, e.w.P("op-a-admin"), ""); err != nil || st.WebhookURL != "" {
			t.Fatalf("settings after a post without CSRF: %v %+v", err, st)
		}

		// A bad webhook URL names the field and keeps the input.
		bad := url.Values{}
		for k, v := range good {
			bad[k] = v
		}
		bad.Set("webhook_url", "ftp://hooks.op-a.example.jp/x")
		p = admin.post("/reporting/settings", bad).must(t, http.StatusBadRequest)
		if p.fieldError("webhook_url") == "" {
			t.Errorf("bad webhook URL: no error on webhook_url\n%s", p.Body)
		}
		p.has(t, `value="ftp://hooks.op-a.example.jp/x"`, "2026-12-29\n2026-12-30", `value="48"`)
		p.hasNot(t, "s3cret-signing-key")
		bad.Set("webhook_url", good.Get("webhook_url"))
		bad.Set("holidays", "2026-12-29\n29 Dec")
		p = admin.post("/reporting/settings", bad).must(t, http.StatusBadRequest)
		if p.fieldError("holidays") == "" {
			t.Errorf("bad holiday: no error on holidays")
		}
		bad.Set("holidays", "")
		bad.Set("offset.jp-acd/prompt.hours", "soon")
		p = admin.post("/reporting/settings", bad).must(t, http.StatusBadRequest)
		if p.fieldError("offset.jp-acd/prompt.hours") != "0以上の整数を入力してください。" {
			t.Errorf("bad offset error %q", p.fieldError("offset.jp-acd/prompt.hours"))
		}

		p = admin.post("/reporting/settings", good).must(t, http.StatusSeeOther)
		if p.Location != "/reporting/settings?done=reporting_settings_saved" {
			t.Errorf("redirect to %q", p.Location)
		}
		st, err := e.rep.Settings(ctx, e.w.P("op-a-admin"), "")
		if err != nil {
			t.Fatal(err)
		}
		if st.Flow.Mode != "sequential" || len(st.Flow.Steps) != 2 || st.Flow.Steps[0] != incident.ApproveExec || st.Flow.Steps[1] != incident.ApproveLegal {
			t.Errorf("flow %+v", st.Flow)
		}
		if len(st.Offsets) != 1 || st.Offsets["jp-acd/prompt"] != (regime.Offset{Hours: 48}) {
			t.Errorf("offsets %+v", st.Offsets)
		}
		if strings.Join(st.Regimes, ",") != "jp-acd,eu-nis2" || len(st.Recipients) != 1 || st.Recipients[0] != nco ||
			strings.Join(st.InternalDomains, ",") != "corp.op-a.example.jp,ad.op-a.example.jp" || len(st.Holidays) != 2 ||
			st.WebhookSecret != "s3cret-signing-key" || st.RemindBeforeHours != 12 {
			t.Errorf("settings %+v", st)
		}
		p = admin.get(p.Location).must(t, http.StatusOK)
		p.has(t, "報告の設定を保存しました。", "設定済み", `value="48"`, "https://hooks.op-a.example.jp/sakimori")
		p.hasNot(t, "s3cret-signing-key")
		// A blank secret keeps the stored one.
		good.Del("webhook_secret")
		good.Set("remind_before_hours", "6")
		admin.post("/reporting/settings", good).must(t, http.StatusSeeOther)
		if st, _ := e.rep.Settings(ctx, e.w.P("op-a-admin"), ""); st.WebhookSecret != "s3cret-signing-key" || st.RemindBeforeHours != 6 {
			t.Errorf("blank secret: %+v", st)
		}

		// The organisation's own regime: a bad document names the regime
		// and its field and keeps the input; a good one is listed.
		own := `[{"id": "op-a-group", "name": {"ja": "グループ報告規程", "en": "Group reporting policy"}, "jurisdiction": "JP",
  "legal_source": {"citation": "op-a group policy 7.2"}, "certainty": "custom",
  "stages": [{"id": "parent", "name": {"ja": "親会社への報告", "en": "Report to the parent"}, "trigger": {"kind": "awareness"}, "offset": {"hours": 12}, "required": ["class"]}]}]`
		good.Set("custom_regimes", strings.Replace(own, `"kind": "awareness"`, `"kind": "whenever"`, 1))
		p = admin.post("/reporting/settings", good).must(t, http.StatusBadRequest)
		if msg := p.fieldError("custom_regimes"); !strings.Contains(msg, "1番目の制度") || !strings.Contains(msg, "stages[0].trigger.kind") {
			t.Errorf("bad own regime: error %q", msg)
		}
		p.has(t, "whenever")
		good.Set("custom_regimes", "not json")
		if p = admin.post("/reporting/settings", good).must(t, http.StatusBadRequest); p.fieldError("custom_regimes") == "" {
			t.Errorf("own regimes not JSON: no error")
		}
		good.Set("custom_regimes", own)
		good.Add("default_regimes", "op-a-group")
		admin.post("/reporting/settings", good).must(t, http.StatusSeeOther)
		if st, _ := e.rep.Settings(ctx, e.w.P("op-a-admin"), ""); len(st.Custom) != 1 || st.Custom[0].ID != "op-a-group" || !slices.Contains(st.Regimes, "op-a-group") {
			t.Errorf("own regime not saved: %+v %v", st.Custom, st.Regimes)
		}
		admin.get("/reporting/settings").must(t, http.StatusOK).has(t, "グループ報告規程", "op-a group policy 7.2", "12時間")

		// A viewer and a reporter read but may not change the settings.
		for _, who := range []string{"op-a-viewer", "op-a-reporter"} {
			c := e.as(who, "en")
			p := c.get("/reporting/settings").must(t, http.StatusOK)
			p.has(t, "Reporting settings", `id="settings-readonly"`, "Japan Active Cyber Defense incident reporting", "72 h", "Awareness")
			p.hasNot(t, "s3cret-signing-key", `id="secret-state"`)
			c.post("/reporting/settings", url.Values{"flow_mode": {"parallel"}}).must(t, http.StatusForbidden)
		}
		if st, _ := e.rep.Settings(ctx, e.w.P("op-a-admin"), ""); st.Flow.Mode != "sequential" {
			t.Errorf("refused posts changed the settings: %+v", st.Flow)
		}
	})
}

var templatePathRE = regexp.MustCompile(`^/reporting/templates/([^/?]+)\?done=template_created$`)

func TestReportingAdminTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newReportingEnv(t, db)
		ctx := context.Background()
		a := e.as("op-a-reporter", "ja")
		a.get("/reporting/templates").must(t, http.StatusOK).has(t, "報告テンプレート", "テンプレートはまだありません。", `href="/reporting/templates/new"`)
		a.get("/reporting/templates/new").must(t, http.StatusOK).has(t, `id="template-form"`, `name="contacts"`, `name="computer_lines"`, `value="nco"`)

		form := url.Values{"tpl_name": {"VPN侵入"}, "tpl_description": {"SSL-VPN装置への不正アクセス"}, "tpl_title": {"VPN装置への不正アクセス"},
			"own_flow": {"1"}, "flow_mode": {"parallel"}, "flow_steps": {"legal"}, "default_regimes": {"jp-acd"}, "default_tlp": {"amber"},
			"contacts": {"CSIRT当番 | 当番 | +81-3-0000-0000 | csirt@op-a.example.jp | 24h\n総務 山田 | 総務"},
			"logs":     {"VPN認証ログ | 2027-03-31\nファイアウォールログ"}, "other_systems": {"社内ファイルサーバ"}, "share_with": {"nco", "sector"}}
		// A contact line without a name is named, the input kept.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("contacts", "CSIRT当番 | 当番\n | 総務")
		p := a.post("/reporting/templates/new", bad).must(t, http.StatusBadRequest)
		if got := p.fieldError("contacts"); got != "2行目：連絡先には氏名が必要です。" {
			t.Errorf("contact error %q", got)
		}
		p.has(t, "CSIRT当番 | 当番\n | 総務", `value="VPN侵入"`)
		// The service's own errors land on the form's inputs.
		bad = url.Values{"tpl_name": {" "}, "contacts": {"x"}}
		if got := a.post("/reporting/templates/new", bad).must(t, http.StatusBadRequest).fieldError("tpl_name"); got == "" {
			t.Error("no error on tpl_name for a blank name")
		}

		p = a.post("/reporting/templates/new", form).must(t, http.StatusSeeOther)
		m := templatePathRE.FindStringSubmatch(p.Location)
		if m == nil {
			t.Fatalf("redirect to %q", p.Location)
		}
		id := m[1]
		tp, err := e.rep.Template(ctx, e.w.P("op-a-reporter"), id)
		if err != nil {
			t.Fatal(err)
		}
		cs := tp.Content.Contacts.Value
		if len(cs) != 2 || cs[0] != (report.Contact{Name: "CSIRT当番", Role: "当番", Phone: "+81-3-0000-0000", Email: "csirt@op-a.example.jp", H24: true}) ||
			cs[1] != (report.Contact{Name: "総務 山田", Role: "総務"}) || tp.Content.Contacts.State != report.StateKnown {
			t.Errorf("contacts %+v", tp.Content.Contacts)
		}
		ls := tp.Content.Logs.Value
		if len(ls) != 2 || ls[0] != (report.LogPreservation{Log: "VPN認証ログ", RetainedUntil: "2027-03-31"}) || ls[1].Log != "ファイアウォールログ" {
			t.Errorf("logs %+v", ls)
		}
		if !tp.OwnFlow || len(tp.Flow.Steps) != 1 || tp.DefaultTLP != "amber" || strings.Join(tp.Regimes, ",") != "jp-acd" ||
			strings.Join(tp.Content.ShareWith, ",") != "nco,sector" || tp.Content.OtherSystems.Value != "社内ファイルサーバ" || tp.Title != "VPN装置への不正アクセス" {
			t.Errorf("template %+v", tp)
		}
		p = a.get(p.Location).must(t, http.StatusOK)
		p.has(t, "テンプレートを作成しました。", `action="/incidents"`, `name="template_id" value="`+id+`"`, `name="title" type="text" maxlength="300" value="VPN装置への不正アクセス"`,
			"CSIRT当番 | 当番 | &#43;81-3-0000-0000 | csirt@op-a.example.jp | 24h", "VPN認証ログ | 2027-03-31", `action="/reporting/templates/`+id+`/delete"`)
		a.get("/reporting/templates").must(t, http.StatusOK).has(t, "VPN侵入", `href="/reporting/templates/`+id+`"`, "TLP:amber")

		// Edit.
		form.Set("tpl_name", "VPN侵入（改）")
		form.Set("contacts", "CSIRT当番 | 当番 | | | 24時間")
		form.Del("own_flow")
		p = a.post("/reporting/templates/"+id, form).must(t, http.StatusSeeOther)
		if p.Location != "/reporting/templates/"+id+"?done=template_saved" {
			t.Errorf("redirect to %q", p.Location)
		}
		tp, _ = e.rep.Template(ctx, e.w.P("op-a-reporter"), id)
		if tp.Name != "VPN侵入（改）" || len(tp.Content.Contacts.Value) != 1 || !tp.Content.Contacts.Value[0].H24 || tp.OwnFlow || len(tp.Flow.Steps) != 0 {
			t.Errorf("edited %+v", tp)
		}

		// Another organisation's template is not found; a viewer may not write.
		b := e.as("op-b-analyst", "en")
		b.get("/reporting/templates/"+id).must(t, http.StatusNotFound).hasNot(t, "VPN")
		b.post("/reporting/templates/"+id, form).must(t, http.StatusNotFound)
		b.post("/reporting/templates/"+id+"/delete", nil).must(t, http.StatusNotFound)
		b.get("/reporting/templates").must(t, http.StatusOK).hasNot(t, "VPN")
		v := e.as("op-a-viewer", "en")
		v.get("/reporting/templates/"+id).must(t, http.StatusOK).hasNot(t, `action="/incidents"`, `id="delete-template"`)
		v.post("/reporting/templates/new", form).must(t, http.StatusForbidden)
		v.post("/reporting/templates/"+id+"/delete", nil).must(t, http.StatusForbidden)

		// Delete.
		p = a.post("/reporting/templates/"+id+"/delete", nil).must(t, http.StatusSeeOther)
		if p.Location != "/reporting/templates?done=template_deleted" {
			t.Errorf("redirect to %q", p.Location)
		}
		a.get(p.Location).must(t, http.StatusOK).has(t, "テンプレートを削除しました。", "テンプレートはまだありません。")
		a.get("/reporting/templates/"+id).must(t, http.StatusNotFound)
	})
}

// With the registry, a template's computers are chosen among the
// organisation's registered critical computers.
func TestReportingAdminTemplateComputers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newReportingEnv(t, db, true)
		ctx := context.Background()
		fg := &registry.Computer{Ref: "FG-01", Name: "Alpha FortiGate", Function: registry.FunctionVPN, Vendor: "Fortinet", Product: "FortiOS",
			ProductVersion: "7.2.4", Site: "Tokyo DC", Business: "electricity supply", Equipment: "remote access gateway"}
		other := &registry.Computer{Ref: "FG-B", Name: "Bravo FortiGate", Function: registry.FunctionVPN, Vendor: "Fortinet", Product: "FortiOS",
			ProductVersion: "7.4.2", Site: "Nagoya", Business: "railway transport", Equipment: "signalling gateway"}
		if _, err := e.x.Notify(ctx, e.w.P("op-a-analyst"), fg); err != nil {
			t.Fatal(err)
		}
		if _, err := e.x.Notify(ctx, e.w.P("op-b-analyst"), other); err != nil {
			t.Fatal(err)
		}
		a := e.as("op-a-analyst", "en")
		p := a.get("/reporting/templates/new").must(t, http.StatusOK)
		p.has(t, `name="computers" value="`+fg.ID+`"`, "FG-01 Alpha FortiGate")
		p.hasNot(t, `name="computer_lines"`, other.ID)
		p = a.post("/reporting/templates/new", url.Values{"tpl_name": {"x"}, "computers": {other.ID}}).must(t, http.StatusBadRequest)
		if p.fieldError("computers") == "" {
			t.Error("another organisation's computer: no error on computers")
		}
		p = a.post("/reporting/templates/new", url.Values{"tpl_name": {"x"}, "computers": {fg.ID}}).must(t, http.StatusSeeOther)
		id := templatePathRE.FindStringSubmatch(p.Location)[1]
		tp, err := e.rep.Template(ctx, e.w.P("op-a-analyst"), id)
		if err != nil || len(tp.Content.Computers.Value) != 1 || tp.Content.Computers.Value[0] != fg.ID {
			t.Fatalf("computers: %v %+v", err, tp)
		}
		a.get("/reporting/templates/"+id).must(t, http.StatusOK).has(t, `name="computers" value="`+fg.ID+`" checked`)
	})
}

func TestTriageQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newReportingEnv(t, db)
		ctx := context.Background()
		rep := e.w.P("op-a-reporter")
		aware := time.Now().Add(-2 * time.Hour).UTC()
		in, err := e.rep.Create(ctx, rep, reporting.NewIncident{Title: "変電所制御網への不正アクセス"})
		if err != nil {
			t.Fatal(err)
		}
		c := in.Content
		c.Class = report.Known(report.ClassUnauthorisedAccess, report.Confirmed, aware, "EDR")
		c.Aware = report.Known(&aware, report.Confirmed, aware, "EDR")
		if in, err = e.rep.Save(ctx, rep, in.ID, reporting.Edit{Content: &c}); err != nil {
			t.Fatal(err)
		}
		// A second report stays a draft: never in anyone's queue.
		draft, err := e.rep.Create(ctx, rep, reporting.NewIncident{Title: "下書きの報告"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.rep.Submit(ctx, rep, in.ID, reporting.SubmitRequest{}); err != nil {
			t.Fatal(err)
		}

		g := e.as("nco-analyst", "ja")
		if nav := g.get("/").nav(); !strings.Contains(nav, `href="/triage"`) || strings.Contains(nav, `href="/reporting/settings"`) {
			t.Errorf("government nav: %s", nav)
		}
		p := g.get("/triage").must(t, http.StatusOK)
		p.has(t, "トリアージキュー", in.Ref, `href="/incidents/`+in.ID+`"`, "変電所制御網への不正アクセス", "op-a 日本語", "電力", "不正アクセス", "提出済み", "未設定")
		p.hasNot(t, draft.Ref, "下書きの報告")
		// Filters: severity, state, assigned to me.
		g.get("/triage?severity=high").must(t, http.StatusOK).hasNot(t, in.Ref)
		g.get("/triage?triage_state=closed").must(t, http.StatusOK).hasNot(t, in.Ref)
		g.get("/triage?triage_state=submitted").must(t, http.StatusOK).has(t, in.Ref)
		if got := g.get("/triage?severity=extreme").must(t, http.StatusBadRequest).fieldError("severity"); got == "" {
			t.Error("unknown severity: no error")
		}
		nco := e.w.P("nco-analyst")
		if _, err := e.rep.SetTriage(ctx, nco, in.ID, incident.Triage{Severity: "high", Status: "monitoring", Assignee: nco.User.ID, AssigneeName: "nco-analyst"}); err != nil {
			t.Fatal(err)
		}
		g.get("/triage?severity=high").must(t, http.StatusOK).has(t, in.Ref, "高", "経過観察", "nco-analyst")
		g.get("/triage?mine=1").must(t, http.StatusOK).has(t, in.Ref)
		e.as("nco-admin", "en").get("/triage?mine=1").must(t, http.StatusOK).hasNot(t, in.Ref)
		// Acknowledged is shown.
		v, err := e.rep.Get(ctx, nco, in.ID)
		if err != nil || len(v.Submissions) != 1 {
			t.Fatalf("nco view: %v", err)
		}
		if _, err := e.rep.Acknowledge(ctx, nco, in.ID, v.Submissions[0].ID, "NCO-2026-0001"); err != nil {
			t.Fatal(err)
		}
		en := e.as("nco-analyst", "en")
		p = en.get("/triage").must(t, http.StatusOK)
		p.has(t, "Triage queue", in.Ref, "Unauthorised access", "Acknowledged", `<span class="badge ok">Yes</span>`, "High", "Electricity")

		// The police agency was not a recipient; operators have no queue.
		e.as("npa-analyst", "en").get("/triage").must(t, http.StatusOK).hasNot(t, in.Ref, "変電所")
		e.as("op-a-analyst", "en").get("/triage").must(t, http.StatusForbidden)
	})
}

func TestReportingAdminReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newReportingEnv(t, db)
		ctx := context.Background()
		rep := e.w.P("op-a-reporter")
		// Aware 70 hours ago: the 72 h prompt report is due within the
		// default 6 h window.
		aware := time.Now().Add(-70 * time.Hour).UTC()
		in, err := e.rep.Create(ctx, rep, reporting.NewIncident{Title: "期限間近の報告"})
		if err != nil {
			t.Fatal(err)
		}
		c := in.Content
		c.Aware = report.Known(&aware, report.Confirmed, aware, "EDR")
		if _, err := e.rep.Save(ctx, rep, in.ID, reporting.Edit{Content: &c}); err != nil {
			t.Fatal(err)
		}
		a := e.as("op-a-reporter", "ja")
		a.get("/reporting/reminders").must(t, http.StatusOK).has(t, "期限のリマインド", "リマインドはありません。")
		if n, err := e.rep.RemindAll(ctx); err != nil || n == 0 {
			t.Fatalf("remind: %d %v", n, err)
		}
		due := aware.Add(72 * time.Hour).In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:04 JST")
		a.get("/reporting/reminders").must(t, http.StatusOK).has(t, "期限間近", "<code>jp-acd</code> / <code>prompt</code>", due,
			"Webhookなし", `href="/incidents/`+in.ID+`"`)
		b := e.as("op-b-analyst", "en").get("/reporting/reminders").must(t, http.StatusOK)
		b.has(t, "No reminders.")
		b.hasNot(t, in.ID)
	})
}

// TestReportingAdminMessages checks that every catalogue key this
// feature's handler and pages use exists in both languages, the domain
// labels built from values included.
func TestReportingAdminMessages(t *testing.T) {
	keyRE := regexp.MustCompile(`"(?:[a-z]+=)?(rep\.[a-z0-9_.+-]*[a-z0-9_])"`)
	files, _ := filepath.Glob("templates/pages/reporting_*.html")
	files = append(files, "templates/pages/triage.html", "h_reporting_admin.go")
	used := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllSubmatch(b, -1) {
			used[string(m[1])] = true
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys; is the scan broken?", len(used))
	}
	for _, s := range incident.States {
		used["rep.state."+string(s)] = true
	}
	for _, c := range report.EventClasses {
		used["rep.class."+string(c)] = true
	}
	for k := range used {
		for _, l := range i18n.Langs {
			if !i18n.Has(l, k) {
				t.Errorf("%s: key %q is missing", l, k)
			}
		}
	}
}

// The regimes' notes (regime, stage, conditional offset) are shown in the
// user's language; an organisation's own regime with English notes only
// shows them to Japanese users too.
func TestReportingAdminRegimeNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newReportingEnv(t, db)
		builtins, err := regime.Builtin()
		if err != nil {
			t.Fatal(err)
		}
		ja := e.as("op-a-admin", "ja").get("/reporting/settings").must(t, http.StatusOK)
		en := e.as("op-a-viewer", "en").get("/reporting/settings").must(t, http.StatusOK)
		n := 0
		check := func(what string, t2 regime.Text) {
			if t2.JA == "" || t2.EN == "" {
				t.Errorf("%s: built-in note not bilingual: %+v", what, t2)
				return
			}
			n++
			if !strings.Contains(ja.Body, html.EscapeString(t2.JA)) || strings.Contains(ja.Body, html.EscapeString(t2.EN)) {
				t.Errorf("%s: ja page does not show the Japanese note (only): %q", what, t2.JA)
			}
			if !strings.Contains(en.Body, html.EscapeString(t2.EN)) || strings.Contains(en.Body, html.EscapeString(t2.JA)) {
				t.Errorf("%s: en page does not show the English note (only): %q", what, t2.EN)
			}
		}
		for _, r := range builtins {
			check(r.ID, r.NotesText())
			for _, s := range r.Stages {
				check(r.ID+"/"+s.ID, s.NotesText())
				for _, c := range s.OffsetIf {
					check(r.ID+"/"+s.ID+"/"+c.Condition, c.NoteText())
				}
			}
		}
		if n < 15 {
			t.Errorf("only %d notes checked", n)
		}
		ja.has(t, "特定侵害事象", "遅滞なく", "個人情報保護委員会", "重大なICT関連インシデント", "maliciousの場合：60日。施行規則第8条第2項")
		en.has(t, "RTS Art. 5(1)(a)", "if malicious: 60 day(s) — Enforcement Rules Art. 8(2)")

		// An organisation's regime written with English notes only.
		own := `[{"id": "op-a-group", "name": {"ja": "グループ報告規程", "en": "Group reporting policy"}, "jurisdiction": "JP",
  "legal_source": {"citation": "op-a group policy 7.2"}, "certainty": "custom", "notes": "Report to the parent company first.",
  "stages": [{"id": "parent", "name": {"ja": "親会社への報告", "en": "Report to the parent"}, "trigger": {"kind": "awareness"}, "offset": {"hours": 12}, "required": ["class"], "notes": "By phone, then in writing."}]}]`
		form := url.Values{"flow_mode": {"parallel"}, "flow_steps": {"legal"}, "order_legal": {"1"}, "default_regimes": {"jp-acd"},
			"offset.jp-acd/prompt.hours": {"72"}, "offset.jp-acd/written.days": {"30"}, "remind_before_hours": {"12"}, "custom_regimes": {own}}
		e.as("op-a-admin", "ja").post("/reporting/settings", form).must(t, http.StatusSeeOther)
		for _, lang := range []string{"ja", "en"} {
			e.as("op-a-admin", lang).get("/reporting/settings").must(t, http.StatusOK).has(t, "Report to the parent company first.", "By phone, then in writing.")
		}
	})
}

// A template's contact with a bad e-mail address or phone number is
// refused: the form names the line and column in the user's language and
// keeps the input; the service refuses it too, naming the field.
func TestReportingAdminTemplateContactValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newReportingEnv(t, db)
		ctx := context.Background()
		cases := []struct {
			contacts, ja, en string
		}{
			{"CSIRT当番 | 当番 | +81-3-0000-0000 | csirt@op-a.example.jp\n総務 | 総務 | 03-0000-0000 | not-an-address",
				"2行目：メール（4列目）がメールアドレスの形式ではありません。", "Line 2: the email (fourth column) is not an email address."},
			{"CSIRT当番 | 当番 | call the desk | csirt@op-a.example.jp",
				"1行目：電話（3列目）が電話番号の形式ではありません。", "Line 1: the phone (third column) is not a phone number."},
			{strings.Repeat("名", 201) + " | 当番",
				"1行目：200文字以内で入力してください。", "Line 1: "},
		}
		for _, c := range cases {
			for lang, want := range map[string]string{"ja": c.ja, "en": c.en} {
				form := url.Values{"tpl_name": {"VPN侵入"}, "flow_mode": {"parallel"}, "contacts": {c.contacts}}
				p := e.as("op-a-reporter", lang).post("/reporting/templates/new", form).must(t, http.StatusBadRequest)
				if got := p.fieldError("contacts"); !strings.HasPrefix(got, want) || (lang == "ja" && !hasKana(got)) {
					t.Errorf("%s %q: error %q, want %q", lang, c.contacts, got, want)
				}
				p.has(t, `value="VPN侵入"`, strings.ReplaceAll(html.EscapeString(c.contacts), "+", "&#43;"))
			}
		}
		if ts, err := e.rep.Templates(ctx, e.w.P("op-a-reporter"), ""); err != nil || len(ts) != 0 {
			t.Errorf("refused templates were saved: %v %d", err, len(ts))
		}
		// The service (and so the API) refuses it too, naming the field.
		for field, ct := range map[string]report.Contact{
			"content.contacts.value[0].email": {Name: "SOC", Email: "not-an-address"},
			"content.contacts.value[0].phone": {Name: "SOC", Phone: "call the desk"},
		} {
			tp := &incident.Template{Name: "VPN", Flow: incident.Flow{Mode: "parallel", Steps: []incident.ApprovalKind{}}}
			tp.Content.Contacts = report.Known([]report.Contact{ct}, report.Confirmed, time.Now(), "")
			err := e.rep.PutTemplate(ctx, e.w.P("op-a-reporter"), tp)
			if ae := apperr.As(err); err == nil || ae.Field != field {
				t.Errorf("PutTemplate with %+v: %v, want an error on %s", ct, err, field)
			}
		}
	})
}

func hasKana(s string) bool {
	for _, r := range s {
		if r >= 0x3040 && r <= 0x30ff {
			return true
		}
	}
	return false
}
