package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/vuln"
)

var noticeIDRE = regexp.MustCompile(`action="/notices/([^/"]+)/acknowledge"`)

func TestNoticesAndAcknowledge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		a := e.as("op-a-analyst", "ja")
		p := a.get("/notices").must(t, http.StatusOK)
		p.has(t, "通知", "未確認の通知が2件あります。", `class="card warn unacked"`, cveFortiOS, amberID, "Alpha FortiGate", "Alpha Ivanti",
			`<span class="tlp tlp-amber">TLP:AMBER</span>`, "影響の通知", "7.2.4",
			"CVE-2024-21762：届け出た電子計算機1台が影響を受けます")
		p.hasNot(t, redID, "Bravo FortiGate")
		ids := noticeIDRE.FindAllStringSubmatch(p.Body, -1)
		if len(ids) != 2 {
			t.Fatalf("%d acknowledge buttons, want 2", len(ids))
		}
		// Newest first: the AMBER notice came after the FortiOS one.
		if strings.Index(p.Body, amberID) > strings.Index(p.Body, cveFortiOS) {
			t.Error("notices are not newest first")
		}
		// Another operator cannot acknowledge op-a's notice; a viewer cannot either.
		e.as("op-b-analyst", "en").post("/notices/"+ids[0][1]+"/acknowledge", nil).must(t, http.StatusNotFound)
		v := e.as("op-a-viewer", "en")
		v.get("/notices").must(t, http.StatusOK).hasNot(t, `class="buttons ack-form"`)
		v.post("/notices/"+ids[0][1]+"/acknowledge", nil).must(t, http.StatusForbidden)

		p = a.post("/notices/"+ids[0][1]+"/acknowledge", nil).must(t, http.StatusSeeOther)
		if p.Location != "/notices?done=notice_acknowledged" {
			t.Errorf("redirect to %q", p.Location)
		}
		p = a.get(p.Location).must(t, http.StatusOK)
		p.has(t, "通知を確認済みにしました。", "未確認の通知が1件あります。", "op-a-analystが")
		if n := len(noticeIDRE.FindAllStringSubmatch(p.Body, -1)); n != 1 {
			t.Errorf("%d acknowledge buttons after acknowledging, want 1", n)
		}
		// op-b sees its own notice only, in English.
		b := e.as("op-b-analyst", "en")
		p = b.get("/notices").must(t, http.StatusOK)
		p.has(t, "Notices", "1 notice(s) not yet acknowledged.", "Bravo FortiGate", "7.4.2")
		p.hasNot(t, "Alpha", amberID, e.fgA.ID)
	})
}

var requestPathRE = regexp.MustCompile(`^/vendor-requests/([^?]+)\?done=request_sent$`)

func TestVendorRequestFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		ctx := context.Background()
		g := e.as("nco-analyst", "ja")
		form := g.get("/vulns/"+cveFortiOS+"/request").must(t, http.StatusOK)
		form.has(t, `id="request-form"`, `<option value="ven">`, `<option value="sup">`, "影響を受ける製品とバージョン")
		form.hasNot(t, `<option value="op-b">`)
		// Bad input: named, typed values kept.
		p := g.post("/vulns/"+cveFortiOS+"/request", url.Values{"vendor_org": {""}, "questions": {"修正版はいつ？"}, "due_at": {"2020-01-01"}}).
			must(t, http.StatusBadRequest)
		if p.fieldError("vendor_org") != "入力してください。" || p.fieldError("due_at") != "未来の日時を指定してください。" {
			t.Errorf("errors %q %q", p.fieldError("vendor_org"), p.fieldError("due_at"))
		}
		p.has(t, "修正版はいつ？")
		due := time.Now().Add(10 * 24 * time.Hour).Format(time.DateOnly)
		p = g.post("/vulns/"+cveFortiOS+"/request", url.Values{"vendor_org": {"op-b"}, "questions": {"修正版はいつ？"}, "due_at": {due}}).
			must(t, http.StatusBadRequest)
		if got := p.fieldError("vendor_org"); got != "照会先はベンダーまたは供給者の組織にしてください。" {
			t.Errorf("operator as vendor: %q", got)
		}
		p = g.post("/vulns/"+cveFortiOS+"/request", url.Values{"vendor_org": {"ven"}, "questions": {"修正版はいつ？"}, "due_at": {due}}).
			must(t, http.StatusSeeOther)
		m := requestPathRE.FindStringSubmatch(p.Location)
		if m == nil {
			t.Fatalf("redirect to %q", p.Location)
		}
		path := "/vendor-requests/" + m[1]
		d := g.get(p.Location).must(t, http.StatusOK)
		d.has(t, "ベンダーに照会しました。", "照会中", "修正版はいつ？", "ven 日本語", "<dd>nco-analyst · nco 日本語</dd>")
		d.hasNot(t, `id="answer-form"`, `id="ack-form"`, `id="advise-form"`)
		g.get("/vendor-requests").must(t, http.StatusOK).has(t, cveFortiOS, "ven 日本語", "照会中")
		// Neither operators nor other vendors see it.
		for _, who := range []string{"op-a-analyst", "sup-analyst"} {
			c := e.as(who, "en")
			c.get(path).must(t, http.StatusNotFound).hasNot(t, "修正版はいつ")
			c.get("/vendor-requests").must(t, http.StatusOK).hasNot(t, m[1])
			c.post(path+"/acknowledge", nil).must(t, http.StatusNotFound)
		}
		// Nor may the government acknowledge for the vendor.
		g.post(path+"/acknowledge", nil).must(t, http.StatusForbidden)

		// The vendor acknowledges and answers.
		v := e.as("ven-analyst", "en")
		if !strings.Contains(v.get("/").nav(), `href="/vendor-requests"`) {
			t.Error("vendor nav lacks vendor requests")
		}
		v.get("/vendor-requests").must(t, http.StatusOK).has(t, cveFortiOS, "Requested")
		d = v.get(path).must(t, http.StatusOK)
		d.has(t, `id="ack-form"`, `id="answer-form"`, `id="decline-form"`, "<dd>nco</dd>")
		d.hasNot(t, `id="advise-form"`, `id="withdraw-form"`, "nco-analyst") // the government's users are not named to the vendor
		p = v.post(path+"/acknowledge", nil).must(t, http.StatusSeeOther)
		v.get(p.Location).must(t, http.StatusOK).has(t, "The request was acknowledged.", "Acknowledged")
		v.post(path+"/acknowledge", nil).must(t, http.StatusConflict).has(t, "The request is not in a state that allows this.")
		p = v.post(path+"/answer", url.Values{"affected_versions": {"7.2.0 to 7.2.6"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("fix_timeline"); got != "Say when a fix is (or will be) available, or which mitigations apply." {
			t.Errorf("empty answer error %q", got)
		}
		p.has(t, "7.2.0 to 7.2.6")
		p = v.post(path+"/answer", url.Values{"fix_timeline": {"fixed in 7.2.7"}, "advisory_url": {"javascript:alert(1)"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("advisory_url"); got != "Give a URL starting with http:// or https://." {
			t.Errorf("bad URL error %q", got)
		}
		p = v.post(path+"/answer", url.Values{"affected_versions": {"7.2.0 to 7.2.6, 7.4.0 to 7.4.2"}, "fixed_versions": {"7.2.7, 7.4.3"},
			"fix_timeline": {"fixed releases available"}, "mitigations": {"disable SSL-VPN"}, "advisory_url": {"https://fortiguard.example/psirt/FG-IR-24-015"}}).
			must(t, http.StatusSeeOther)
		d = v.get(p.Location).must(t, http.StatusOK)
		d.has(t, "The answer was sent.", "Answered", "disable SSL-VPN", "Update the answer")
		r, err := e.x.Request(ctx, e.w.P("nco-analyst"), m[1])
		if err != nil || r.State != vuln.RequestAnswered || r.Answer == nil || r.Answer.FixedVersions != "7.2.7, 7.4.3" {
			t.Fatalf("request after the answer: %+v %v", r, err)
		}
		// Comments from both sides.
		v.post(path+"/comment", url.Values{"comment": {""}}).must(t, http.StatusBadRequest)
		v.post(path+"/comment", url.Values{"comment": {"A 7.0 fix follows next week."}}).must(t, http.StatusSeeOther)

		// The government turns the answer into an advisory: both exposed
		// operators are told.
		d = g.get(path).must(t, http.StatusOK)
		d.has(t, `id="advise-form"`, "A 7.0 fix follows next week.", "回答済み", "受領", "回答", "コメント")
		d.hasNot(t, `id="answer-form"`)
		p = g.post(path+"/advise", url.Values{"advice": {"至急更新してください。"}}).must(t, http.StatusSeeOther)
		if p.Location != path+"?done=request_advised" {
			t.Errorf("advise redirect %q", p.Location)
		}
		g.get(p.Location).must(t, http.StatusOK).has(t, "回答を注意喚起として影響を受ける組織に送りました。", "注意喚起済み")
		for _, who := range []string{"op-a-analyst", "op-b-analyst"} {
			n := e.as(who, "ja").get("/notices").must(t, http.StatusOK)
			n.has(t, "注意喚起：CVE-2024-21762（ベンダーの回答に基づく）", "至急更新してください。", "disable SSL-VPN")
		}
		// op-a patches after the advisory; op-b does not.
		if err := e.x.SetExposureState(ctx, e.w.P("op-a-analyst"), e.fgA.ID, cveFortiOS, vuln.ExposurePatched, "7.2.7"); err != nil {
			t.Fatal(err)
		}

		// A second request, overdue, to the supplier, which declines it.
		late := &vuln.Request{VulnID: cveFortiOS, VendorOrgID: e.w.Orgs["sup"].ID, Questions: "Do you ship FortiOS in your kit?", DueAt: time.Now().Add(-time.Hour)}
		if err := e.x.RequestVendor(ctx, e.w.P("nco-analyst"), late); err != nil {
			t.Fatal(err)
		}
		p = g.get("/vendor-requests").must(t, http.StatusOK)
		p.has(t, `<tr class="overdue">`, "期限超過", "回答期限を過ぎた照会が1件あります。")
		g.get("/vendor-requests?state=overdue").must(t, http.StatusOK).hasNot(t, "/vendor-requests/"+m[1]+`"`)
		g.get("/vendor-requests?state=answered").must(t, http.StatusOK).has(t, "/vendor-requests/"+m[1]+`"`)
		if p = g.get("/vendor-requests?state=lost").must(t, http.StatusBadRequest); p.fieldError("state") == "" {
			t.Error("unknown state filter not named")
		}
		s := e.as("sup-analyst", "ja")
		lp := "/vendor-requests/" + late.ID
		s.get(lp).must(t, http.StatusOK).has(t, "期限超過", `id="decline-form"`)
		p = s.post(lp+"/decline", url.Values{"decline_reason": {" "}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("decline_reason"); got != "辞退の理由を記入してください。" {
			t.Errorf("decline error %q", got)
		}
		s.post(lp+"/decline", url.Values{"decline_reason": {"当社製品ではFortiOSを使っていません。"}}).must(t, http.StatusSeeOther)
		g.get(lp).must(t, http.StatusOK).has(t, "辞退", "当社製品ではFortiOSを使っていません。")
		s.post(lp+"/answer", url.Values{"fix_timeline": {"after all"}}).must(t, http.StatusConflict)
		// A third request is withdrawn by the government.
		third := &vuln.Request{VulnID: amberID, VendorOrgID: e.w.Orgs["ven"].ID, Questions: "Ivanti?", DueAt: time.Now().Add(48 * time.Hour)}
		if err := e.x.RequestVendor(ctx, e.w.P("nco-analyst"), third); err != nil {
			t.Fatal(err)
		}
		// The vendor asked about the AMBER vulnerability now sees it.
		v.get("/vulns/"+amberID).must(t, http.StatusOK)
		g.get("/vendor-requests/"+third.ID).must(t, http.StatusOK).has(t, `id="withdraw-form"`)
		g.post("/vendor-requests/"+third.ID+"/advise", nil).must(t, http.StatusConflict).has(t, "回答済みの照会だけを注意喚起にできます。")
		g.post("/vendor-requests/"+third.ID+"/withdraw", nil).must(t, http.StatusSeeOther)
		g.get("/vendor-requests/"+third.ID).must(t, http.StatusOK).has(t, "取り下げ")

		// The overview: by sector and product, the chart, unpatched after
		// the advisory, the vendors' record.
		o := g.get("/exposure").must(t, http.StatusOK)
		o.has(t, "露出状況", `<svg role="img"`, "<rect", "分野別の未対応の影響", "鉄道", "電力", "Fortinet FortiOS", `href="/vulns/`+cveFortiOS+`"`,
			`id="unpatched-table"`, "Bravo FortiGate", "0日", "ven 日本語", "sup 日本語")
		unpatched := o.Body[strings.Index(o.Body, `id="unpatched-table"`):]
		unpatched = unpatched[:strings.Index(unpatched, "</table>")]
		if strings.Contains(unpatched, "Alpha FortiGate") {
			t.Error("a patched computer is listed as unpatched after the advisory")
		}
		vendors := o.Body[strings.Index(o.Body, `id="vendor-table"`):]
		vendors = vendors[:strings.Index(vendors, "</table>")]
		// ven: 1 request (the withdrawn one is not counted), answered on time; sup: 1 declined.
		if !regexp.MustCompile(`ven 日本語</a></td>\s*<td class="num">1</td>\s*<td class="num">1</td>\s*<td class="num">1</td>\s*<td class="num">0</td>`).MatchString(vendors) {
			t.Errorf("ven's record wrong:\n%s", vendors)
		}
		if !regexp.MustCompile(`sup 日本語</a></td>\s*<td class="num">1</td>\s*<td class="num">0</td>\s*<td class="num">0</td>\s*<td class="num">1</td>`).MatchString(vendors) {
			t.Errorf("sup's record wrong:\n%s", vendors)
		}
		e.as("nco-analyst", "en").get("/exposure").must(t, http.StatusOK).has(t, "Exposure overview", "Railway", "Unpatched after an advisory")
		for _, who := range []string{"op-a-analyst", "ven-analyst"} {
			e.as(who, "en").get("/exposure").must(t, http.StatusForbidden).hasNot(t, "Bravo FortiGate")
		}
	})
}

func TestExposureFormsNeedCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		ctx := context.Background()
		r := &vuln.Request{VulnID: cveFortiOS, VendorOrgID: e.w.Orgs["ven"].ID, Questions: "?", DueAt: time.Now().Add(time.Hour)}
		if err := e.x.RequestVendor(ctx, e.w.P("nco-analyst"), r); err != nil {
			t.Fatal(err)
		}
		ns, err := e.x.Notices(ctx, e.w.P("op-a-analyst"), "")
		if err != nil || len(ns) == 0 {
			t.Fatalf("notices %v", err)
		}
		form := url.Values{"ref": {"X-1"}, "computer_name": {"x"}, "function": {"vpn"}, "vendor": {"x"}, "product": {"x"}, "product_version": {"1"},
			"site": {"x"}, "business": {"x"}, "equipment": {"x"}, "change_note": {"forged"}, "state": {"patched"}, "vuln_id": {"CVE-2025-99999"},
			"title": {"forged"}, "tlp": {"clear"}, "vendor_org": {"ven"}, "questions": {"forged"}, "due_at": {"2099-01-01"},
			"fix_timeline": {"forged"}, "decline_reason": {"forged"}, "comment": {"forged"}}
		for who, paths := range map[string][]string{
			"op-a-analyst": {"/computers", "/computers/" + e.fgA.ID + "/edit", "/computers/" + e.fgA.ID + "/retire",
				"/computers/" + e.fgA.ID + "/exposures/" + cveFortiOS, "/notices/" + ns[0].ID + "/acknowledge"},
			"nco-analyst": {"/vulns", "/vulns/" + cveFortiOS + "/edit", "/vulns/rematch", "/vulns/" + cveFortiOS + "/request",
				"/vendor-requests/" + r.ID + "/withdraw", "/vendor-requests/" + r.ID + "/comment"},
			"ven-analyst": {"/vendor-requests/" + r.ID + "/acknowledge", "/vendor-requests/" + r.ID + "/answer", "/vendor-requests/" + r.ID + "/decline"},
		} {
			c := e.as(who, "en")
			for _, path := range paths {
				c.do(http.MethodPost, path, form).must(t, http.StatusForbidden).has(t, "The form has expired")
				f := url.Values{"csrf": {"wrong"}}
				for k, v := range form {
					f[k] = v
				}
				c.do(http.MethodPost, path, f).must(t, http.StatusForbidden)
			}
		}
		a := e.as("op-a-analyst", "en")
		a.upload("/computers/import", map[string]string{"csrf": "", "format": "csv"}, "r.csv", "ref,name\n").must(t, http.StatusForbidden)
		g := e.as("nco-analyst", "en")
		g.upload("/vulns/import", map[string]string{"csrf": "wrong", "format": "cve5"}, "r.json", "[]").must(t, http.StatusForbidden)
		// Nothing changed.
		if _, total, _ := e.x.Computers(ctx, e.w.P("op-a-analyst"), store.ComputerQuery{Retired: true}, false); total != 2 {
			t.Errorf("%d op-a computers after forged posts", total)
		}
		if c, _ := e.x.Computer(ctx, e.w.P("op-a-analyst"), e.fgA.ID); c.Version != 1 || c.Retired {
			t.Errorf("computer changed by forged posts: %+v", c)
		}
		if _, err := e.x.Vuln(ctx, e.w.P("nco-analyst"), "CVE-2025-99999"); err == nil {
			t.Error("a forged post recorded a vulnerability")
		}
		if got, _ := e.x.Request(ctx, e.w.P("nco-analyst"), r.ID); got.State != vuln.RequestRequested || len(got.Events) != 1 {
			t.Errorf("request changed by forged posts: %+v", got)
		}
		if rs, _ := e.x.Requests(ctx, e.w.P("nco-analyst"), store.RequestQuery{}); len(rs) != 1 {
			t.Errorf("%d requests after forged posts", len(rs))
		}
		if ns, _ := e.x.Notices(ctx, e.w.P("op-a-analyst"), ""); ns[0].AcknowledgedAt != nil {
			t.Error("a forged post acknowledged a notice")
		}
		es, _ := e.x.Exposures(ctx, e.w.P("op-a-analyst"), store.ExposureQuery{ComputerID: e.fgA.ID}, false)
		if len(es) != 1 || es[0].State != vuln.ExposureOpen {
			t.Errorf("exposure changed by forged posts: %+v", es)
		}
	})
}
