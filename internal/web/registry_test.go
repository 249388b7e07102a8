package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"sakimori/internal/exposure"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/registry"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
	"sakimori/internal/web"
)

// exposureEnv is the dashboard over the inteltest world with the exposure
// service and a small registry (sign in as "<user>", e.g. op-a-analyst):
//
//	op-a: fgA    "Alpha FortiGate"  FortiOS 7.2.4      exposed to CVE-2024-21762
//	      ivA    "Alpha Ivanti"     Connect Secure 22.7R2.3, exposed to the
//	             AMBER SKM-2026-0001 (op-a is told) and the RED SKM-2026-0002 (nobody is)
//	op-b: fgB    "Bravo FortiGate"  FortiOS 7.4.2      exposed to CVE-2024-21762
type exposureEnv struct {
	*env
	w             *inteltest.World
	x             *exposure.Service
	fgA, ivA, fgB *registry.Computer
}

const (
	cveFortiOS = "CVE-2024-21762"
	amberID    = "SKM-2026-0001"
	redID      = "SKM-2026-0002"
)

func newExposureEnv(t testing.TB, db *store.DB) *exposureEnv {
	t.Helper()
	ctx := context.Background()
	w := inteltest.New(t, db)
	x := exposure.New(db, inteltest.Quiet)
	x.Viewer = w.Svc.Viewer
	e := serveWorld(t, db, w, web.Options{Exposure: x})
	xe := &exposureEnv{env: e, w: w, x: x}
	notify := func(user string, c *registry.Computer) *registry.Computer {
		t.Helper()
		if _, err := x.Notify(ctx, w.P(user), c); err != nil {
			t.Fatalf("notify %s: %v", c.Ref, err)
		}
		return c
	}
	xe.fgA = notify("op-a-analyst", &registry.Computer{Ref: "FG-01", Name: "Alpha FortiGate", Function: registry.FunctionVPN, Vendor: "Fortinet",
		Product: "FortiOS", ProductVersion: "7.2.4", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Site: "Tokyo DC", InternetFacing: true,
		Business: "electricity supply", Equipment: "remote access gateway"})
	xe.ivA = notify("op-a-analyst", &registry.Computer{Ref: "ICS-01", Name: "Alpha Ivanti", Function: registry.FunctionRemoteAccess,
		Vendor: "Ivanti", Product: "Connect Secure", CPE: "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*", Site: "Osaka DC",
		Business: "electricity supply", Equipment: "maintenance access"})
	xe.fgB = notify("op-b-analyst", &registry.Computer{Ref: "FG-B", Name: "Bravo FortiGate", Function: registry.FunctionVPN, Vendor: "Fortinet",
		Product: "FortiOS", ProductVersion: "7.4.2", Site: "Nagoya yard", Business: "railway transport", Equipment: "signalling gateway"})
	nco := w.P("nco-analyst")
	for _, v := range []*vuln.Vulnerability{
		{ID: cveFortiOS, Title: "FortiOS out-of-bounds write in sslvpnd", TLP: marking.TLPClear, Description: "A out-of-bounds write.\nSecond line.",
			CVSS: &vuln.CVSS{Version: "3.1", Score: 9.6, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}, Exploited: true,
			KEV: &vuln.KEV{DateAdded: "2024-02-09", DueDate: "2024-02-16", RequiredAction: "Apply mitigations per vendor instructions."},
			Affected: []vuln.Affected{{Vendor: "Fortinet", Product: "FortiOS", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Ranges: []version.Range{
				{Scheme: version.Fortinet, StartIncluding: "7.4.0", EndExcluding: "7.4.3"}, {Scheme: version.Fortinet, StartIncluding: "7.2.0", EndExcluding: "7.2.7"}}}},
			Fixes:       []vuln.Remedy{{Text: "Upgrade to 7.4.3 or 7.2.7", URL: "https://fortiguard.example/psirt/FG-IR-24-015"}},
			Workarounds: []vuln.Remedy{{Text: "Disable SSL VPN"}}, References: []string{"https://nvd.example/CVE-2024-21762"}},
		{ID: amberID, Title: "Undisclosed Ivanti pre-auth issue", TLP: marking.TLPAmber,
			Affected: []vuln.Affected{{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", Ranges: []version.Range{{Scheme: version.Ivanti, EndExcluding: "22.7R2.5"}}}}},
		{ID: redID, Title: "Red only Ivanti matter", TLP: marking.TLPRed,
			Affected: []vuln.Affected{{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}}},
	} {
		if _, err := x.PutVuln(ctx, nco, v); err != nil {
			t.Fatalf("put %s: %v", v.ID, err)
		}
	}
	return xe
}

func (e *exposureEnv) as(name, lang string) *client {
	c := e.client(lang)
	c.login(email(name))
	return c
}

var langs = []struct{ name, accept string }{{"ja", "ja-JP,ja;q=0.9"}, {"en", "en-US,en;q=0.9"}}

func TestRegistryPagesRenderInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		for _, tc := range []struct {
			lang                                        string
			title, vpn, hist, current, first, state, cs string
		}{
			{"ja", "重要電子計算機", "VPN装置", "届出の履歴", "現在の届出（第1版）", "最初の届出です。", "未対応", "脆弱性"},
			{"en", "Critical computers", "VPN appliance", "Notification history", "Current notification (version 1)", "The first notification.", "Open", "Vulnerabilities"},
		} {
			c := e.as("op-a-analyst", tc.lang)
			nav := c.get("/").must(t, http.StatusOK).nav()
			for _, p := range []string{"/computers", "/vulns", "/notices"} {
				if !strings.Contains(nav, `href="`+p+`"`) {
					t.Errorf("%s: operator nav lacks %s", tc.lang, p)
				}
			}
			for _, p := range []string{"/exposure", "/vendor-requests"} {
				if strings.Contains(nav, `href="`+p+`"`) {
					t.Errorf("%s: operator nav has %s", tc.lang, p)
				}
			}
			p := c.get("/computers").must(t, http.StatusOK)
			p.has(t, tc.title, "Alpha FortiGate", "Alpha Ivanti", "FG-01", tc.vpn, `href="/computers/new"`, `href="/computers/import"`)
			if !strings.Contains(p.nav(), `href="/computers" aria-current="page"`) {
				t.Errorf("%s: /computers is not the current section", tc.lang)
			}
			d := c.get("/computers/"+e.fgA.ID).must(t, http.StatusOK)
			d.has(t, "Alpha FortiGate", tc.hist, tc.current, tc.first, cveFortiOS, "7.2.4", "&gt;= 7.2.0, &lt; 7.2.7", tc.state,
				`class="stack exposure-form"`, `id="retire-form"`, `href="/computers/`+e.fgA.ID+`/edit"`)
			c.get("/computers/new").must(t, http.StatusOK).has(t, `id="computer-form"`, `name="ref"`, `name="computer_name"`)
			c.get("/computers/import").must(t, http.StatusOK).has(t, `id="computer-import-form"`, `enctype="multipart/form-data"`)
			c.get("/vulns").must(t, http.StatusOK).has(t, tc.cs, cveFortiOS)
			c.get("/notices").must(t, http.StatusOK)
			// Bad filters are named.
			p = c.get("/computers?function=toaster&after=x").must(t, http.StatusBadRequest)
			if p.fieldError("function") == "" || !strings.Contains(p.Body, `href="#f-after"`) {
				t.Errorf("%s: filter errors not shown", tc.lang)
			}
		}
		// Filters: function and text.
		c := e.as("op-a-analyst", "en")
		c.get("/computers?function=remote_access").must(t, http.StatusOK).has(t, "Alpha Ivanti")
		c.get("/computers?function=remote_access").must(t, http.StatusOK).hasNot(t, "Alpha FortiGate")
		c.get("/computers?q=fortios").must(t, http.StatusOK).hasNot(t, "Alpha Ivanti")

		// The government: every organisation, with a selector.
		g := e.as("nco-analyst", "ja")
		nav := g.get("/").nav()
		for _, p := range []string{"/computers", "/vulns", "/vendor-requests", "/exposure"} {
			if !strings.Contains(nav, `href="`+p+`"`) {
				t.Errorf("government nav lacks %s", p)
			}
		}
		p := g.get("/computers").must(t, http.StatusOK)
		p.has(t, "すべての組織", `name="org"`, "Alpha FortiGate", "Bravo FortiGate", "op-a 日本語", "op-b 日本語")
		p = g.get("/computers?org=op-b").must(t, http.StatusOK)
		p.has(t, "Bravo FortiGate")
		p.hasNot(t, "Alpha FortiGate")
		if p = g.get("/computers?org=nowhere").must(t, http.StatusBadRequest); p.fieldError("org") == "" {
			t.Error("unknown organisation not named")
		}
		p = g.get("/computers/"+e.fgB.ID).must(t, http.StatusOK)
		p.has(t, "Bravo FortiGate", "op-b 日本語")
		p.hasNot(t, `id="retire-form"`, `class="stack exposure-form"`)

		// A vendor has no registry section.
		v := e.as("ven-analyst", "en")
		if strings.Contains(v.get("/").nav(), `href="/computers"`) {
			t.Error("vendor nav has the registry")
		}
	})
}

func TestRegistryIsolationBetweenOperators(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		for _, l := range langs {
			b := e.as("op-b-analyst", l.accept)
			p := b.get("/computers").must(t, http.StatusOK)
			p.has(t, "Bravo FortiGate")
			p.hasNot(t, "Alpha FortiGate", "Alpha Ivanti", "FG-01", e.fgA.ID)
			b.get("/computers?q=alpha").must(t, http.StatusOK).hasNot(t, "Alpha FortiGate")
			b.get("/computers?retired=1").must(t, http.StatusOK).hasNot(t, "Alpha")
			// Another operator's registry and computers: refused or not found.
			b.get("/computers?org=op-a").must(t, http.StatusForbidden).hasNot(t, "Alpha FortiGate")
			for _, path := range []string{"/computers/" + e.fgA.ID, "/computers/" + e.fgA.ID + "/edit"} {
				b.get(path).must(t, http.StatusNotFound).hasNot(t, "Alpha FortiGate", "Tokyo DC")
			}
			// The shared vulnerability shows op-b's exposure only.
			d := b.get("/vulns/"+cveFortiOS).must(t, http.StatusOK)
			d.has(t, "Bravo FortiGate", "7.4.2")
			d.hasNot(t, "Alpha FortiGate", "7.2.4", e.fgA.ID, "op-a 日本語")
			// Notices: op-b's own only.
			n := b.get("/notices").must(t, http.StatusOK)
			n.hasNot(t, "Alpha FortiGate", e.fgA.ID, e.ivA.ID, amberID)
			// Writing to op-a's computer: not found, nothing changed.
			b.post("/computers/"+e.fgA.ID+"/exposures/"+cveFortiOS, url.Values{"state": {"patched"}, "from": {"computer"}}).must(t, http.StatusNotFound)
			b.post("/computers/"+e.fgA.ID+"/retire", url.Values{"change_note": {"not mine"}}).must(t, http.StatusNotFound)
			b.post("/computers/"+e.fgA.ID+"/edit", url.Values{"ref": {"FG-01"}, "change_note": {"x"}}).must(t, http.StatusNotFound)
		}
		es, err := e.x.Exposures(context.Background(), e.w.P("op-a-analyst"), store.ExposureQuery{ComputerID: e.fgA.ID}, false)
		if err != nil || len(es) != 1 || es[0].State != vuln.ExposureOpen {
			t.Fatalf("op-a's exposure after op-b's attempts: %+v %v", es, err)
		}
		if c, _ := e.x.Computer(context.Background(), e.w.P("op-a-analyst"), e.fgA.ID); c.Retired || c.Version != 1 {
			t.Fatalf("op-a's computer changed: %+v", c)
		}
		// op-a does not see the RED vulnerability its Ivanti is exposed to.
		a := e.as("op-a-analyst", "en")
		d := a.get("/computers/"+e.ivA.ID).must(t, http.StatusOK)
		d.has(t, amberID)
		d.hasNot(t, redID, "Red only")
		a.get("/computers").must(t, http.StatusOK)
	})
}

// fieldValue returns the value attribute of input name ("" if none).
func (p *page) fieldValue(name string) string {
	re := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" type="[a-z-]+" value="([^"]*)"`)
	if m := re.FindStringSubmatch(p.Body); m != nil {
		return m[1]
	}
	return ""
}

func TestRegistryNotifyChangeAndRetire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		good := url.Values{"ref": {"AUTH-01"}, "computer_name": {"認証サーバ1号機"}, "function": {"authentication"}, "vendor": {"Example"},
			"product": {"Directory"}, "product_version": {"2.4.1"}, "site": {"本社"}, "business": {"電力供給"}, "equipment": {"中央給電指令所"},
			"management": {"in_house"}, "components": {"openssl | 3.0.7 | | cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*\nzlib | 1.2.13"}}
		for _, tc := range []struct{ lang, required, contractor, cpe, line string }{
			{"ja", "入力してください。", "管理形態が「委託」の場合は委託先を記入してください。", "入力内容が正しくありません", "3行目："},
			{"en", "This is required.", "Name the contractor of an outsourced computer.", "cpe:", "Line 3: "},
		} {
			c := e.as("op-a-analyst", tc.lang)
			c.get("/computers/new").must(t, http.StatusOK)
			// Missing field: named, typed values kept.
			bad := url.Values{}
			for k, v := range good {
				bad[k] = v
			}
			bad.Del("site")
			p := c.post("/computers", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("site"); got != tc.required {
				t.Errorf("%s: site error %q", tc.lang, got)
			}
			if p.fieldValue("computer_name") != "認証サーバ1号機" || p.fieldValue("ref") != "AUTH-01" {
				t.Errorf("%s: typed values lost: %q %q", tc.lang, p.fieldValue("ref"), p.fieldValue("computer_name"))
			}
			p.has(t, "zlib | 1.2.13")
			// Outsourced without a contractor.
			bad.Set("site", "本社")
			bad.Set("management", "outsourced")
			p = c.post("/computers", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("contractor"); got != tc.contractor {
				t.Errorf("%s: contractor error %q", tc.lang, got)
			}
			// A bad CPE, and a bad component line named by its number.
			bad.Set("management", "in_house")
			bad.Set("cpe", "cpe:2.3:a:broken")
			p = c.post("/computers", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("cpe"); !strings.Contains(got, tc.cpe) {
				t.Errorf("%s: cpe error %q", tc.lang, got)
			}
			bad.Del("cpe")
			bad.Set("components", "openssl | 3.0.7\n\n | 1.0 | | cpe:2.3:a:x") // the third line: a blank one is skipped
			p = c.post("/computers", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("components"); !strings.HasPrefix(got, tc.line) {
				t.Errorf("%s: components error %q", tc.lang, got)
			}
		}
		// Nothing was notified by the failed posts.
		a := e.as("op-a-analyst", "ja")
		p := a.post("/computers", good).must(t, http.StatusSeeOther)
		if !strings.HasPrefix(p.Location, "/computers/") || !strings.HasSuffix(p.Location, "?done=computer_notified") {
			t.Fatalf("redirect to %q", p.Location)
		}
		path := strings.TrimSuffix(p.Location, "?done=computer_notified")
		d := a.get(p.Location).must(t, http.StatusOK)
		d.has(t, "届け出ました。", "認証サーバ1号機", "認証サーバ", "openssl", "zlib", "op-a-analyst")
		cs, total, err := e.x.Computers(context.Background(), e.w.P("op-a-analyst"), store.ComputerQuery{}, false)
		if err != nil || total != 3 || len(cs) != 3 {
			t.Fatalf("after one good notification: %d computers, %v", total, err)
		}

		// A change: the form is pre-filled, a change note is required, the
		// history shows the difference field by field.
		ed := a.get(path+"/edit").must(t, http.StatusOK)
		if ed.fieldValue("product_version") != "2.4.1" || ed.fieldValue("ref") != "AUTH-01" {
			t.Errorf("edit form not pre-filled: %q", ed.fieldValue("product_version"))
		}
		ed.has(t, "zlib | 1.2.13", `name="change_note"`)
		change := url.Values{}
		for k, v := range good {
			change[k] = v
		}
		change.Set("product_version", "2.5.0")
		change.Set("components", "openssl | 3.0.13 | | cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*\nzlib | 1.2.13")
		p = a.post(path+"/edit", change).must(t, http.StatusBadRequest)
		if p.fieldError("change_note") == "" || p.fieldValue("product_version") != "2.5.0" {
			t.Errorf("change without a note: error %q, version %q", p.fieldError("change_note"), p.fieldValue("product_version"))
		}
		change.Set("change_note", "定期更新で2.5.0へ")
		p = a.post(path+"/edit", change).must(t, http.StatusSeeOther)
		if p.Location != path+"?done=computer_changed" {
			t.Errorf("redirect to %q", p.Location)
		}
		d = a.get(p.Location).must(t, http.StatusOK)
		d.has(t, "変更を届け出ました。", "第2版", "定期更新で2.5.0へ", `<tr class="changed"><td>バージョン</td><td>2.4.1</td><td>2.5.0</td></tr>`,
			`<tr class="removed"><td>構成ソフトウェア</td><td>openssl | 3.0.7 |  | cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*</td>`,
			`<tr class="added"><td>構成ソフトウェア</td><td></td><td>openssl | 3.0.13`)
		// The same facts again: no new version.
		p = a.post(path+"/edit", change).must(t, http.StatusSeeOther)
		if !strings.HasSuffix(p.Location, "done=computer_same") {
			t.Errorf("unchanged notification redirect %q", p.Location)
		}

		// Retirement needs a change note and ends matching.
		p = a.post(path+"/retire", url.Values{"change_note": {"  "}}).must(t, http.StatusBadRequest)
		if p.fieldError("change_note") != "入力してください。" {
			t.Errorf("retire error %q", p.fieldError("change_note"))
		}
		p = a.post(path+"/retire", url.Values{"change_note": {"機器更新により撤去"}}).must(t, http.StatusSeeOther)
		d = a.get(p.Location).must(t, http.StatusOK)
		d.has(t, "使用の終了を届け出ました。", "第3版", "機器更新により撤去", "使用終了")
		d.hasNot(t, `id="retire-form"`)
		a.post(path+"/retire", url.Values{"change_note": {"again"}}).must(t, http.StatusConflict)
		// Retired computers are listed only when asked for.
		a.get("/computers").must(t, http.StatusOK).hasNot(t, "認証サーバ1号機")
		a.get("/computers?retired=1").must(t, http.StatusOK).has(t, "認証サーバ1号機")

		// A viewer reads but does not notify.
		v := e.as("op-a-viewer", "en")
		v.get(path).must(t, http.StatusOK).hasNot(t, `href="`+path+`/edit"`)
		v.get("/computers/new").must(t, http.StatusForbidden)
		v.post("/computers", good).must(t, http.StatusForbidden)
		v.get(path+"/edit").must(t, http.StatusForbidden)
	})
}

func TestRegistryImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		csv := "ref,name,function,vendor,product,version,site,business,equipment\n" +
			"FG-01,Alpha FortiGate,vpn,Fortinet,FortiOS,7.2.4,Tokyo DC,electricity supply,remote access gateway\n" + // as notified, but no CPE: a change
			"NEW-1,New gateway,vpn,Fortinet,FortiOS,7.4.1,Sendai,electricity supply,substation link\n" +
			"BAD-1,Bad one,toaster,X,Y,1,Z,b,e\n" +
			"BAD-2,Missing version,vpn,X,Y,,Z,b,e\n"
		a := e.as("op-a-analyst", "ja")
		a.get("/computers/import").must(t, http.StatusOK)
		p := a.upload("/computers/import", map[string]string{"format": "csv"}, "registry.csv", csv).must(t, http.StatusOK)
		p.has(t, `id="import-result"`, `<span class="big">1</span> 新規`, `<span class="big">1</span> 更新`, `<span class="big">0</span> 変更なし`,
			"4行目", "<code>function</code>", "5行目", "<code>version</code>", "新たに検出された影響：1件")
		// The new computer (7.4.1) is exposed to the FortiOS CVE.
		p = a.get("/computers?q=NEW-1").must(t, http.StatusOK)
		p.has(t, "New gateway")
		// A second run changes nothing.
		a.get("/computers/import")
		p = a.upload("/computers/import", map[string]string{"format": "csv"}, "registry.csv", csv).must(t, http.StatusOK)
		p.has(t, `<span class="big">0</span> 新規`, `<span class="big">2</span> 変更なし`)

		// English, a file that cannot be used at all, and no file.
		en := e.as("op-a-analyst", "en")
		en.get("/computers/import")
		p = en.upload("/computers/import", map[string]string{"format": "csv"}, "x.csv", "nothing,useful\n1,2\n").must(t, http.StatusBadRequest)
		if got := p.fieldError("file"); !strings.Contains(got, "unknown columns") {
			t.Errorf("bad CSV error %q", got)
		}
		p = en.upload("/computers/import", map[string]string{"format": "csv"}, "", "").must(t, http.StatusBadRequest)
		if p.fieldError("file") == "" {
			t.Error("no file not reported")
		}
		// SBOM: attached to a computer by its ref, as a new notification.
		sb, err := os.ReadFile("../sbom/testdata/cyclonedx-sslvpn-firmware.json")
		if err != nil {
			t.Fatal(err)
		}
		p = en.upload("/computers/import", map[string]string{"format": "sbom", "computer_ref": "NOPE"}, "fw.json", string(sb)).must(t, http.StatusBadRequest)
		if got := p.fieldError("computer_ref"); got != "No computer has the ref NOPE." {
			t.Errorf("unknown ref error %q", got)
		}
		if p.fieldValue("computer_ref") != "NOPE" {
			t.Error("typed ref lost")
		}
		p = en.upload("/computers/import", map[string]string{"format": "sbom", "computer_ref": "FG-01"}, "fw.json", string(sb)).must(t, http.StatusOK)
		p.has(t, "SBOM (cyclonedx 1.5)", `<span class="big">1</span> updated`, `href="/computers/`+e.fgA.ID+`"`)
		d := en.get("/computers/"+e.fgA.ID).must(t, http.StatusOK)
		d.has(t, "openssl", "SBOM import: fw.json")
		// Not for viewers.
		e.as("op-a-viewer", "en").get("/computers/import").must(t, http.StatusForbidden)
		v := e.as("op-a-viewer", "en")
		v.upload("/computers/import", map[string]string{"format": "csv"}, "registry.csv", csv).must(t, http.StatusForbidden)
	})
}
