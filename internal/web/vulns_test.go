package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/vuln"
)

func TestVulnPagesInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		for _, tc := range []struct {
			lang                                   string
			title, critical, exploited, own, fixes string
		}{
			{"ja", "脆弱性", "CVSS 9.6 緊急", "悪用確認済み", "影響を受ける自組織の電子計算機", "修正"},
			{"en", "Vulnerabilities", "CVSS 9.6 Critical", "Exploited", "Your exposed computers", "Fixes"},
		} {
			a := e.as("op-a-analyst", tc.lang)
			p := a.get("/vulns").must(t, http.StatusOK)
			p.has(t, tc.title, cveFortiOS, amberID, tc.critical, `<span class="badge denied">KEV</span>`, `class="tlp tlp-clear"`, `class="tlp tlp-amber"`)
			p.hasNot(t, redID, `href="/vulns/new"`)
			a.get("/vulns?exploited=1").must(t, http.StatusOK).hasNot(t, amberID)
			a.get("/vulns?q=ivanti").must(t, http.StatusOK).hasNot(t, cveFortiOS)
			d := a.get("/vulns/"+cveFortiOS).must(t, http.StatusOK)
			d.has(t, "FortiOS out-of-bounds write in sslvpnd", "A out-of-bounds write.<br>Second line.", tc.exploited, tc.own, tc.fixes,
				"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "&gt;= 7.2.0, &lt; 7.2.7 (fortinet)", `href="https://fortiguard.example/psirt/FG-IR-24-015"`,
				"Disable SSL VPN", "Alpha FortiGate", "7.2.4", `class="stack exposure-form"`, "CVSS:3.1/AV:N")
			d.hasNot(t, "Bravo FortiGate", `href="/vulns/`+cveFortiOS+`/request"`, `href="/vulns/`+cveFortiOS+`/edit"`)
			a.get("/vulns/"+amberID).must(t, http.StatusOK).has(t, "Undisclosed Ivanti pre-auth issue", "Alpha Ivanti")
			a.get("/vulns/"+redID).must(t, http.StatusNotFound).hasNot(t, "Red only")
			a.get("/vulns/new").must(t, http.StatusForbidden)
			a.get("/vulns/import").must(t, http.StatusForbidden)
		}
		// The government: every vulnerability, exposures across organisations.
		for _, tc := range []struct{ lang, opA, opB string }{{"ja", "op-a 日本語", "op-b 日本語"}, {"en", "<td>op-a<span", "<td>op-b<span"}} {
			g := e.as("nco-analyst", tc.lang)
			p := g.get("/vulns").must(t, http.StatusOK)
			p.has(t, cveFortiOS, amberID, redID, `href="/vulns/new"`, `href="/vulns/import"`)
			d := g.get("/vulns/"+cveFortiOS).must(t, http.StatusOK)
			d.has(t, "Alpha FortiGate", "Bravo FortiGate", tc.opA, tc.opB, `href="/vulns/`+cveFortiOS+`/request"`, `id="exposure-list"`)
			d.hasNot(t, `class="stack exposure-form"`)
			g.get("/vulns/"+redID).must(t, http.StatusOK).has(t, "Alpha Ivanti")
		}
	})
}

func TestVulnTLPOnPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		// op-b is not exposed to the AMBER vulnerability: not a recipient;
		// ven and isac are not either. (sup is op-a's customer, which
		// TLP:AMBER allows op-a to share with.)
		for _, who := range []string{"op-b-analyst", "ven-analyst", "isac-analyst"} {
			for _, l := range langs {
				c := e.as(who, l.accept)
				p := c.get("/vulns").must(t, http.StatusOK)
				p.has(t, cveFortiOS)
				p.hasNot(t, amberID, redID, "Undisclosed Ivanti", "Red only", "TLP:AMBER", "TLP:RED")
				for _, q := range []string{amberID, "ivanti", "Undisclosed"} {
					// (The search input shows the query itself.)
					c.get("/vulns?q="+url.QueryEscape(q)).must(t, http.StatusOK).hasNot(t, `href="/vulns/`+amberID+`"`, "Undisclosed Ivanti", "TLP:AMBER")
				}
				c.get("/vulns/"+amberID).must(t, http.StatusNotFound).hasNot(t, "Undisclosed Ivanti")
				c.get("/vulns/"+amberID+"/edit").must(t, http.StatusNotFound)
				c.get("/vulns/"+amberID+"/request").must(t, http.StatusNotFound)
				c.get("/notices").must(t, http.StatusOK).hasNot(t, amberID)
			}
		}
	})
}

func TestExposureStateForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		path := "/computers/" + e.fgA.ID + "/exposures/" + cveFortiOS
		for _, tc := range []struct{ lang, unknown, long string }{
			{"ja", "選択肢にない値です。", "2000文字以内で入力してください。"},
			{"en", "", ""},
		} {
			a := e.as("op-a-analyst", tc.lang)
			a.get("/vulns/"+cveFortiOS).must(t, http.StatusOK)
			p := a.post(path, url.Values{"state": {"resolved"}, "state_note": {"自分で解消と記録したい"}, "from": {"vuln"}}).must(t, http.StatusBadRequest)
			if got := p.fieldError("state"); got == "" || tc.unknown != "" && got != tc.unknown {
				t.Errorf("%s: state error %q", tc.lang, got)
			}
			p.has(t, "自分で解消と記録したい", "FortiOS out-of-bounds write in sslvpnd")
			p = a.post(path, url.Values{"state": {"mitigated"}, "state_note": {strings.Repeat("x", 2001)}, "from": {"computer"}}).must(t, http.StatusBadRequest)
			if got := p.fieldError("state_note"); got == "" || tc.long != "" && got != tc.long {
				t.Errorf("%s: note error %q", tc.lang, got)
			}
			p.has(t, "Alpha FortiGate", `<option value="mitigated" selected>`)
		}
		a := e.as("op-a-analyst", "ja")
		a.get("/vulns/" + cveFortiOS)
		p := a.post(path, url.Values{"state": {"mitigated"}, "state_note": {"SSL-VPNを無効化"}, "from": {"vuln"}}).must(t, http.StatusSeeOther)
		if p.Location != "/vulns/"+cveFortiOS+"?done=exposure_saved" {
			t.Errorf("redirect to %q", p.Location)
		}
		d := a.get(p.Location).must(t, http.StatusOK)
		d.has(t, "対応状況を記録しました。", "緩和策実施済み", "SSL-VPNを無効化", "op-a-analyst")
		p = a.post(path, url.Values{"state": {"patched"}, "state_note": {"7.2.7へ更新"}, "from": {"computer"}}).must(t, http.StatusSeeOther)
		if p.Location != "/computers/"+e.fgA.ID+"?done=exposure_saved" {
			t.Errorf("redirect to %q", p.Location)
		}
		a.get(p.Location).must(t, http.StatusOK).has(t, "修正済み", "7.2.7へ更新")
		es, err := e.x.Exposures(context.Background(), e.w.P("op-a-analyst"), store.ExposureQuery{ComputerID: e.fgA.ID}, false)
		if err != nil || len(es) != 1 || es[0].State != vuln.ExposurePatched || es[0].StateNote != "7.2.7へ更新" {
			t.Fatalf("exposure: %+v %v", es, err)
		}
		// A viewer sees the state but cannot set it.
		v := e.as("op-a-viewer", "en")
		v.get("/vulns/"+cveFortiOS).must(t, http.StatusOK).hasNot(t, `class="stack exposure-form"`)
		v.post(path, url.Values{"state": {"open"}, "from": {"vuln"}}).must(t, http.StatusForbidden)
		// op-a cannot state anything about the RED exposure it does not know of.
		a.post("/computers/"+e.ivA.ID+"/exposures/"+redID, url.Values{"state": {"patched"}}).must(t, http.StatusNotFound)
	})
}

func TestVulnRecordForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		good := url.Values{"vuln_id": {"CVE-2025-12345"}, "title": {"FortiOS 7.4.2 heap overflow"}, "description": {"説明の1行目\n2行目"},
			"tlp": {"clear"}, "cvss.version": {"3.1"}, "cvss.score": {"8.1"}, "exploited": {"1"},
			"affected": {"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:* | scheme=fortinet | = 7.4.2"},
			"fixes":    {"Upgrade to 7.4.3 | https://fortiguard.example/psirt/1"}, "workarounds": {"Disable the admin interface on WAN"},
			"references": {"https://nvd.example/CVE-2025-12345"}, "cwes": {"CWE-122"}}
		for _, tc := range []struct{ lang, id, line, line3, entry, score string }{
			{"ja", "CVE ID（CVE-2024-21762）またはsakimoriのID（SKM-2026-0001）を入力してください。", "1行目：", "3行目：", "2番目：", "0.0から10.0までの数値を入力してください。"},
			{"en", "Give a CVE id (CVE-2024-21762) or a sakimori id (SKM-2026-0001).", "Line 1: ", "Line 3: ", "Entry 2: ", "Give a number from 0.0 to 10.0."},
		} {
			g := e.as("nco-analyst", tc.lang)
			g.get("/vulns/new").must(t, http.StatusOK).has(t, `id="vuln-form"`)
			bad := url.Values{}
			for k, v := range good {
				bad[k] = v
			}
			bad.Set("vuln_id", "CVE-12")
			p := g.post("/vulns", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("vuln_id"); got != tc.id {
				t.Errorf("%s: id error %q", tc.lang, got)
			}
			if p.fieldValue("title") != "FortiOS 7.4.2 heap overflow" || p.fieldValue("vuln_id") != "CVE-12" {
				t.Errorf("%s: typed values lost", tc.lang)
			}
			p.has(t, "説明の1行目\n2行目", "scheme=fortinet | = 7.4.2")
			bad.Set("vuln_id", "CVE-2025-12345")
			bad.Set("affected", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:* | ~ 7.4")
			p = g.post("/vulns", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("affected"); !strings.HasPrefix(got, tc.line) {
				t.Errorf("%s: affected error %q", tc.lang, got)
			}
			bad.Set("affected", "cpe:2.3:o:*:*:*:*:*:*:*:*:*:*")
			p = g.post("/vulns", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("affected"); !strings.HasPrefix(got, tc.line) {
				t.Errorf("%s: vendorless CPE error %q", tc.lang, got)
			}
			bad.Set("affected", good.Get("affected"))
			bad.Set("cwes", "CWE-79, XSS")
			p = g.post("/vulns", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("cwes"); !strings.HasPrefix(got, tc.entry) {
				t.Errorf("%s: cwes error %q", tc.lang, got)
			}
			bad.Set("cwes", "CWE-79")
			bad.Set("fixes", "Upgrade\n\n"+strings.Repeat("x", 5001))
			p = g.post("/vulns", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("fixes"); !strings.HasPrefix(got, tc.line3) {
				t.Errorf("%s: fixes error %q", tc.lang, got)
			}
			bad.Set("fixes", "")
			bad.Set("cvss.score", "12")
			p = g.post("/vulns", bad).must(t, http.StatusBadRequest)
			if got := p.fieldError("cvss.score"); got != tc.score {
				t.Errorf("%s: score error %q", tc.lang, got)
			}
		}
		if _, err := e.x.Vuln(context.Background(), e.w.P("nco-analyst"), "CVE-2025-12345"); err == nil {
			t.Fatal("a rejected form recorded the vulnerability")
		}
		g := e.as("nco-analyst", "en")
		p := g.post("/vulns", good).must(t, http.StatusSeeOther)
		if p.Location != "/vulns/CVE-2025-12345?done=vuln_recorded" {
			t.Fatalf("redirect to %q", p.Location)
		}
		d := g.get(p.Location).must(t, http.StatusOK)
		d.has(t, "The vulnerability was recorded and matched.", "Bravo FortiGate", "= 7.4.2 (fortinet)", "CWE-122")
		d.hasNot(t, "Alpha FortiGate")
		// Matched at once: op-b is told, op-a is not.
		e.as("op-b-analyst", "en").get("/notices").must(t, http.StatusOK).has(t, "CVE-2025-12345", "Bravo FortiGate")
		e.as("op-a-analyst", "en").get("/notices").must(t, http.StatusOK).hasNot(t, "CVE-2025-12345")
		// Recording the same id again is refused; the edit form is pre-filled.
		p = g.post("/vulns", good).must(t, http.StatusConflict)
		if p.fieldError("vuln_id") == "" {
			t.Error("duplicate id not named")
		}
		ed := g.get("/vulns/CVE-2025-12345/edit").must(t, http.StatusOK)
		ed.has(t, "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:* | scheme=fortinet | = 7.4.2", "Upgrade to 7.4.3 | https://fortiguard.example/psirt/1")
		if ed.fieldValue("cvss.score") != "8.1" {
			t.Errorf("edit form score %q", ed.fieldValue("cvss.score"))
		}
		change := url.Values{}
		for k, v := range good {
			change[k] = v
		}
		change.Set("affected", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:* | scheme=fortinet | = 7.4.1")
		p = g.post("/vulns/CVE-2025-12345/edit", change).must(t, http.StatusSeeOther)
		d = g.get(p.Location).must(t, http.StatusOK)
		d.has(t, "= 7.4.1 (fortinet)", "Bravo FortiGate", "Resolved (no longer matched)")
		d.hasNot(t, `<span class="badge denied">Open</span>`)
		// Operators do not record vulnerabilities.
		o := e.as("op-a-analyst", "en")
		o.post("/vulns", good).must(t, http.StatusForbidden)
		o.post("/vulns/"+cveFortiOS+"/edit", good).must(t, http.StatusForbidden)
		// The admin of the government (no analyst role) neither.
		e.as("nco-admin", "en").get("/vulns/new").must(t, http.StatusForbidden)
	})
}

func TestVulnImportAndRematch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newExposureEnv(t, db)
		read := func(name string) string {
			b, err := os.ReadFile("../vuln/testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		g := e.as("nco-analyst", "ja")
		g.get("/vulns/import").must(t, http.StatusOK).has(t, `id="vuln-import-form"`, `id="rematch-form"`)
		p := g.upload("/vulns/import", map[string]string{"format": "cve5"}, "records.json", read("cve5/records.json")).must(t, http.StatusOK)
		p.has(t, `id="import-result"`, `<span class="big">3</span> 新規`, "2件目 (CVE-2024-29998)", "REJECTED",
			"<code>containers.cna.affected[0].versions[1].lessThan</code>", "一部省略")
		e.as("op-a-analyst", "en").get("/vulns").must(t, http.StatusOK).has(t, "CVE-2025-10001")
		// The CVE record of a vulnerability recorded by hand updates it.
		p = g.upload("/vulns/import", map[string]string{"format": "cve5"}, "CVE-2024-21762.json", read("cve5/CVE-2024-21762.json")).must(t, http.StatusOK)
		p.has(t, `<span class="big">0</span> 新規`, `<span class="big">1</span> 更新`)
		// KEV: six entries; the FortiOS one is already recorded.
		p = g.upload("/vulns/import", map[string]string{"format": "kev"}, "kev.json", read("kev/known_exploited_vulnerabilities.json")).must(t, http.StatusOK)
		p.has(t, "CISA KEVカタログ", `<span class="big">5</span> 新規`)
		// Bad input: named on the file input.
		en := e.as("nco-analyst", "en")
		en.get("/vulns/import")
		p = en.upload("/vulns/import", map[string]string{"format": "cve5"}, "x.json", "not json").must(t, http.StatusBadRequest)
		if got := p.fieldError("file"); !strings.Contains(got, "not a CVE JSON 5 file") {
			t.Errorf("bad file error %q", got)
		}
		p = en.upload("/vulns/import", map[string]string{"format": "stix"}, "x.json", "{}").must(t, http.StatusBadRequest)
		if p.fieldError("format") == "" {
			t.Error("unknown format not named")
		}
		// Re-match: a summary of the run.
		p = en.post("/vulns/rematch", nil).must(t, http.StatusOK)
		p.has(t, `id="rematch-result"`, "against 3 computers")
		// Operators can do neither.
		o := e.as("op-a-analyst", "en")
		o.upload("/vulns/import", map[string]string{"format": "cve5"}, "x.json", read("cve5/CVE-2024-21762.json")).must(t, http.StatusForbidden)
		o.post("/vulns/rematch", nil).must(t, http.StatusForbidden)
	})
}
