package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/encoding/japanese"

	"sakimori/internal/exposure"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/registry"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

func init() {
	// The bodies of the registry, vulnerability and vendor-request routes,
	// for TestRequestSchemasMatchTheTypes.
	for name, v := range map[string]any{
		"ComputerInput": &ComputerInput{}, "RetireInput": &RetireInput{}, "VulnerabilityInput": &VulnerabilityInput{},
		"ExposureStateInput": &ExposureStateInput{}, "VendorRequestInput": &VendorRequestInput{}, "RequestActionInput": &RequestActionInput{},
		"AdviseInput": &AdviseInput{},
	} {
		requestTypes[name] = v
	}
}

// exposureFixture is the intel fixture's API with the exposure service
// wired as serve wires it (TLP decisions through the sharing service's
// viewer).
type exposureFixture struct {
	*intelFixture
	exp *exposure.Service
	c   *jsonschema.Compiler
}

func newExposureFixture(t *testing.T, db *store.DB) *exposureFixture {
	t.Helper()
	f := newIntelFixture(t, db)
	s := exposure.New(db, inteltest.Quiet)
	s.Viewer = f.w.Svc.Viewer
	f.api = New(f.svc, Options{MaxBodyBytes: 1 << 20, Log: inteltest.Quiet, Version: "test", Intel: f.w.Svc, Exposure: s})
	f.srv.Config.Handler = f.api
	return &exposureFixture{intelFixture: f, exp: s, c: compiler(t, f.api.openapi)}
}

// body is a request body sent as it is with its content type.
type body struct{ ctype, text string }

func csvBody(s string) body  { return body{"text/csv", s} }
func jsonBody(s string) body { return body{"application/json", s} }

// call sends a request, checks its status, and validates the response
// against the schema the document declares for the route and status (and
// an accepted JSON body against the request schema).
func (f *exposureFixture) call(t *testing.T, method, path, who string, b any, want int) resp {
	t.Helper()
	var r resp
	if rb, ok := b.(body); ok {
		r = f.raw(method, path, who, rb.ctype, rb.text)
	} else {
		r = f.do(method, path, who, b)
	}
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
	validateResp(t, f.c, f.api.openapi, method, pattern, r)
	return r
}

func into[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return v
}

type (
	tComputer struct {
		ID         string               `json:"id"`
		OrgID      string               `json:"org_id"`
		Ref        string               `json:"ref"`
		Version    int                  `json:"version"`
		Vendor     string               `json:"vendor"`
		Product    string               `json:"product"`
		PV         string               `json:"product_version"`
		Retired    bool                 `json:"retired"`
		Components []registry.Component `json:"components"`
	}
	tExposure struct {
		ComputerID string        `json:"computer_id"`
		VulnID     string        `json:"vuln_id"`
		OrgID      string        `json:"org_id"`
		State      string        `json:"state"`
		StateNote  string        `json:"state_note"`
		Evidence   vuln.Evidence `json:"evidence"`
	}
	tNotice struct {
		ID             string     `json:"id"`
		OrgID          string     `json:"org_id"`
		VulnID         string     `json:"vuln_id"`
		Kind           string     `json:"kind"`
		Body           string     `json:"body"`
		ComputerIDs    []string   `json:"computer_ids"`
		AcknowledgedAt *time.Time `json:"acknowledged_at"`
	}
	tMatch struct {
		New      []tExposure `json:"new_exposures"`
		Resolved int         `json:"resolved"`
		Notices  []tNotice   `json:"notices"`
	}
	tNotify struct {
		Computer tComputer `json:"computer"`
		Changed  bool      `json:"changed"`
		Match    *tMatch   `json:"match"`
	}
	tList[T any] struct {
		Items []T `json:"items"`
	}
	tImport struct {
		Format    string                   `json:"format"`
		Created   int                      `json:"created"`
		Updated   int                      `json:"updated"`
		Computers []string                 `json:"computer_ids"`
		Problems  []exposure.ImportProblem `json:"problems"`
		Warnings  []string                 `json:"warnings"`
	}
	tVulnPut struct {
		Vuln    struct{ ID, Source string } `json:"vulnerability"`
		Changed bool                        `json:"changed"`
		Match   tMatch                      `json:"match"`
	}
	tRequest struct {
		ID      string `json:"id"`
		State   string `json:"state"`
		Overdue bool   `json:"overdue"`
		Events  []struct {
			Kind string `json:"kind"`
		} `json:"events"`
	}
)

func computerBody(ref, vendor, product, ver, cpeName string) map[string]any {
	return map[string]any{"ref": ref, "name": ref + " appliance", "function": "vpn", "vendor": vendor, "product": product,
		"product_version": ver, "cpe": cpeName, "site": "Tokyo DC", "internet_facing": true, "business": "electricity supply",
		"equipment": "remote access gateway"}
}

func fortiBody() map[string]any {
	return map[string]any{"title": "FortiOS out-of-bounds write in sslvpnd", "tlp": "clear", "exploited": true,
		"cvss": map[string]any{"version": "3.1", "score": 9.6},
		"affected": []any{map[string]any{"vendor": "Fortinet", "product": "FortiOS", "cpe": "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*",
			"ranges": []any{map[string]any{"start_including": "7.4.0", "end_excluding": "7.4.3"}, map[string]any{"start_including": "7.2.0", "end_excluding": "7.2.7"},
				map[string]any{"start_including": "7.0.0", "end_excluding": "7.0.14"}}}},
		"fixes": []any{map[string]any{"text": "Upgrade to 7.4.3, 7.2.7 or 7.0.14"}}, "cwes": []string{"CWE-787"}}
}

const fgCPE = "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"

const registryCSV = "ref,name,function,vendor,product,version,cpe,site,business,equipment,internet_facing\n" +
	"ICS-01,Remote gateway,remote_access,Ivanti,Connect Secure,,cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*,Osaka DC,electricity supply,remote access gateway,yes\n" +
	"RAD-01,RADIUS,router,FreeRADIUS,FreeRADIUS,3.2.3,,Tokyo DC,electricity supply,identity,no\n" +
	"AUTH-01,Auth server,authentication,Microsoft,Windows Server,2019,,Tokyo DC,electricity supply,identity,no\n"

const kevCatalogue = `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.11.01","dateReleased":"2026-11-01T00:00:00Z","count":2,
"vulnerabilities":[{"cveID":"CVE-2024-21762","vendorProject":"Fortinet","product":"FortiOS","vulnerabilityName":"Fortinet FortiOS Out-of-Bound Write Vulnerability",
"dateAdded":"2024-02-09","shortDescription":"FortiOS contains an out-of-bound write vulnerability.","requiredAction":"Apply mitigations per vendor instructions.",
"dueDate":"2024-02-16","knownRansomwareCampaignUse":"Unknown","notes":"https://fortiguard.com/psirt/FG-IR-24-015","cwes":["CWE-787"]},
{"vendorProject":"Nobody","product":"Nothing","vulnerabilityName":"no id","dateAdded":"2024-02-09","shortDescription":"x","requiredAction":"x","dueDate":"2024-02-16"}]}`

const cve5Records = `[{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"CVE-2025-10001","state":"PUBLISHED"},
"containers":{"cna":{"descriptions":[{"lang":"en","value":"Acme Gate allows remote code execution."}],
"affected":[{"vendor":"Acme","product":"Gate","versions":[{"version":"4.0","lessThan":"4.2","status":"affected"}]}]}}},
{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"state":"PUBLISHED"},"containers":{"cna":{}}}]`

const cdxForAuth = `{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"type":"device","name":"Auth server","version":"2019"}},
"components":[{"type":"library","name":"openssl","version":"3.0.1","purl":"pkg:generic/openssl@3.0.1"},
{"type":"library","name":"zlib","version":"1.2.13","cpe":"not a cpe"}]}`

const cdxGateway = `{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"device","name":"EdgeGate","version":"4.1","supplier":{"name":"Acme"}}},
"components":[{"type":"application","name":"gate-daemon","version":"4.1.0"}]}`

// TestExposureFlow walks issue #4 over HTTP: an operator notifies and
// imports its critical computers, the government records a vulnerability
// and sees who is exposed, the operator is told and acknowledges, the
// government asks the vendor, the vendor answers, the government advises,
// and the government's views show the result.
func TestExposureFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newExposureFixture(t, db)
		opA, opB := f.w.Orgs["op-a"].ID, f.w.Orgs["op-b"].ID

		// op-a notifies its FortiGate; the same facts again are no new version.
		r := f.call(t, "POST", "/api/v1/computers", "op-a-analyst", computerBody("FG-01", "Fortinet", "FortiOS", "7.2.4", fgCPE), 201)
		n := into[tNotify](t, r)
		fg := n.Computer.ID
		if !n.Changed || n.Computer.Version != 1 || n.Computer.OrgID != opA || fg == "" {
			t.Fatalf("notify: %s", r.Body)
		}
		if n := into[tNotify](t, f.call(t, "POST", "/api/v1/computers", "op-a-analyst", computerBody("FG-01", "Fortinet", "FortiOS", "7.2.4", fgCPE), 200)); n.Changed || n.Computer.ID != fg || n.Computer.Version != 1 {
			t.Errorf("unchanged notify: %+v", n)
		}
		// A CSV with a bad row: the good rows are kept, the problem names row and column.
		r = f.call(t, "POST", "/api/v1/computers/import", "op-a-analyst", csvBody(registryCSV), 200)
		imp := into[tImport](t, r)
		if imp.Format != "csv" || imp.Created != 2 || len(imp.Computers) != 2 || len(imp.Problems) != 1 ||
			imp.Problems[0].Row != 3 || imp.Problems[0].Field != "function" || !strings.Contains(imp.Problems[0].Message, "router") {
			t.Fatalf("CSV import: %s", r.Body)
		}
		page := into[struct {
			Items []tComputer `json:"items"`
			Total int         `json:"total"`
		}](t, f.call(t, "GET", "/api/v1/computers", "op-a-analyst", nil, 200))
		refs := map[string]string{}
		for _, c := range page.Items {
			refs[c.Ref] = c.ID
		}
		if page.Total != 3 || refs["ICS-01"] == "" || refs["AUTH-01"] == "" || refs["RAD-01"] != "" {
			t.Fatalf("registry after import: %+v", page)
		}
		// op-b's FortiGate runs a fixed version.
		f.call(t, "POST", "/api/v1/computers", "op-b-analyst", computerBody("FG-B", "Fortinet", "FortiOS", "7.4.5", ""), 201)

		// The government records CVE-2024-21762: op-a's FortiGate is exposed at once, and only op-a is told.
		r = f.call(t, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", "nco-analyst", fortiBody(), 201)
		put := into[tVulnPut](t, r)
		if put.Vuln.ID != "CVE-2024-21762" || put.Vuln.Source != "api" || len(put.Match.New) != 1 || put.Match.New[0].ComputerID != fg ||
			len(put.Match.Notices) != 1 || put.Match.Notices[0].OrgID != opA {
			t.Fatalf("put vulnerability: %s", r.Body)
		}
		f.call(t, "PUT", "/api/v1/vulnerabilities/cve-2024-21762", "nco-analyst", fortiBody(), 200) // unchanged, id case-insensitive
		exps := into[tList[tExposure]](t, f.call(t, "GET", "/api/v1/vulnerabilities/CVE-2024-21762/exposures", "nco-analyst", nil, 200)).Items
		if len(exps) != 1 || exps[0].OrgID != opA || exps[0].Evidence.Installed != "7.2.4" || exps[0].Evidence.Range != ">= 7.2.0, < 7.2.7" {
			t.Fatalf("government's exposures: %+v", exps)
		}
		if all := into[tList[tExposure]](t, f.call(t, "GET", "/api/v1/exposures?all=true&unpatched=true", "nco-analyst", nil, 200)).Items; len(all) != 1 {
			t.Errorf("government's exposures of every organisation: %+v", all)
		}

		// op-a sees its notice and acknowledges it; op-b has none.
		ns := into[tList[tNotice]](t, f.call(t, "GET", "/api/v1/notices", "op-a-analyst", nil, 200)).Items
		if len(ns) != 1 || ns[0].Kind != "exposure" || ns[0].VulnID != "CVE-2024-21762" || !slices.Equal(ns[0].ComputerIDs, []string{fg}) ||
			ns[0].AcknowledgedAt != nil || !strings.Contains(ns[0].Body, "7.2.4") {
			t.Fatalf("op-a's notices: %+v", ns)
		}
		if ack := into[tNotice](t, f.call(t, "POST", "/api/v1/notices/"+ns[0].ID+"/acknowledge", "op-a-analyst", nil, 200)); ack.AcknowledgedAt == nil {
			t.Errorf("acknowledged notice: %+v", ack)
		}
		f.call(t, "GET", "/api/v1/notices/"+ns[0].ID, "op-a-analyst", nil, 200)
		if ns := into[tList[tNotice]](t, f.call(t, "GET", "/api/v1/notices", "op-b-analyst", nil, 200)).Items; len(ns) != 0 {
			t.Errorf("op-b's notices: %+v", ns)
		}
		// op-a states a workaround.
		e := into[tExposure](t, f.call(t, "PUT", "/api/v1/exposures/"+fg+"/CVE-2024-21762", "op-a-analyst",
			map[string]any{"state": "mitigated", "note": "SSL-VPN disabled"}, 200))
		if e.State != "mitigated" || e.StateNote != "SSL-VPN disabled" {
			t.Errorf("exposure state: %+v", e)
		}

		// The government asks the vendor; the vendor acknowledges and answers.
		r = f.call(t, "POST", "/api/v1/vendor-requests", "nco-analyst", map[string]any{"vuln_id": "cve-2024-21762", "vendor": "ven",
			"questions": "Which FortiOS builds are affected? When is a fix available?", "due_days": 7}, 201)
		req := into[tRequest](t, r)
		if req.State != "requested" || req.Overdue || len(req.Events) != 1 {
			t.Fatalf("request: %s", r.Body)
		}
		if rs := into[tList[tRequest]](t, f.call(t, "GET", "/api/v1/vendor-requests", "ven-admin", nil, 200)).Items; len(rs) != 1 || rs[0].ID != req.ID {
			t.Errorf("vendor's requests: %+v", rs)
		}
		act := "/api/v1/vendor-requests/" + req.ID + "/actions"
		f.call(t, "POST", "/api/v1/vendor-requests/"+req.ID+"/advise", "nco-analyst", nil, 409) // not answered yet
		if got := into[tRequest](t, f.call(t, "POST", act, "ven-admin", map[string]any{"action": "acknowledge"}, 200)); got.State != "acknowledged" {
			t.Errorf("acknowledge: %+v", got)
		}
		f.call(t, "POST", act, "nco-analyst", map[string]any{"action": "comment", "text": "Please include the 7.0 branch."}, 200)
		got := into[tRequest](t, f.call(t, "POST", act, "ven-admin", map[string]any{"action": "answer", "answer": map[string]any{
			"fixed_versions": "7.4.3, 7.2.7, 7.0.14", "fix_timeline": "fixed releases available", "mitigations": "disable SSL-VPN",
			"advisory_url": "https://fortiguard.example/psirt/FG-IR-24-015"}}, 200))
		if got.State != "answered" || len(got.Events) != 4 {
			t.Fatalf("answer: %+v", got)
		}
		// The government turns the answer into an advisory to the exposed operator.
		adv := into[tList[tNotice]](t, f.call(t, "POST", "/api/v1/vendor-requests/"+req.ID+"/advise", "nco-analyst", map[string]any{"text": "Patch now."}, 200)).Items
		if len(adv) != 1 || adv[0].OrgID != opA || adv[0].Kind != "advisory" || !strings.HasPrefix(adv[0].Body, "Patch now.") || !strings.Contains(adv[0].Body, "disable SSL-VPN") {
			t.Fatalf("advisory: %+v", adv)
		}
		if ns := into[tList[tNotice]](t, f.call(t, "GET", "/api/v1/notices?vuln=CVE-2024-21762", "op-a-analyst", nil, 200)).Items; len(ns) != 2 || ns[0].Kind != "advisory" {
			t.Errorf("op-a's notices after the advisory: %+v", ns)
		}
		// Overview: op-a is still unpatched after the advisory; the vendor answered on time.
		ov := into[exposure.Overview](t, f.call(t, "GET", "/api/v1/exposure-overview", "nco-analyst", nil, 200))
		if len(ov.BySector) != 1 || ov.BySector[0].Sector != "electricity" || ov.BySector[0].Exploited != 1 || ov.BySector[0].Critical != 1 ||
			len(ov.ByProduct) != 1 || len(ov.Unpatched) != 1 || ov.Unpatched[0].ComputerID != fg {
			t.Fatalf("overview: %+v", ov)
		}
		rec := into[tList[exposure.VendorRow]](t, f.call(t, "GET", "/api/v1/vendor-record", "nco-analyst", nil, 200)).Items
		if len(rec) != 1 || rec[0].VendorOrgID != f.w.Orgs["ven"].ID || rec[0].Answered != 1 || rec[0].OnTime != 1 || rec[0].Overdue != 0 || rec[0].MedianDays < 0 {
			t.Errorf("vendor record: %+v", rec)
		}

		// op-a upgrades: a new version with its note; the exposure is resolved.
		up := computerBody("FG-01", "Fortinet", "FortiOS", "7.2.7", fgCPE)
		up["change_note"] = "upgraded after the advisory"
		n = into[tNotify](t, f.call(t, "PUT", "/api/v1/computers/"+fg, "op-a-analyst", up, 200))
		if !n.Changed || n.Computer.Version != 2 || n.Match == nil || n.Match.Resolved != 1 {
			t.Fatalf("upgrade: %+v", n)
		}
		if ov = into[exposure.Overview](t, f.call(t, "GET", "/api/v1/exposure-overview", "nco-analyst", nil, 200)); len(ov.Unpatched) != 0 {
			t.Errorf("still unpatched after the upgrade: %+v", ov.Unpatched)
		}
		hist := into[tList[registry.Notification]](t, f.call(t, "GET", "/api/v1/computers/"+fg+"/notifications", "op-a-analyst", nil, 200)).Items
		if len(hist) != 2 || hist[0].Version != 2 || hist[0].ChangeNote != "upgraded after the advisory" || hist[1].Computer.ProductVersion != "7.2.4" {
			t.Errorf("history: %+v", hist)
		}
		if es := into[tList[tExposure]](t, f.call(t, "GET", "/api/v1/computers/"+fg+"/exposures", "op-a-analyst", nil, 200)).Items; len(es) != 1 || es[0].State != "resolved" {
			t.Errorf("computer's exposures: %+v", es)
		}

		// Retirement: a new version, hidden from the default list.
		n = into[tNotify](t, f.call(t, "POST", "/api/v1/computers/"+refs["ICS-01"]+"/retire", "op-a-analyst", map[string]any{"change_note": "replaced by FG-01"}, 200))
		if !n.Computer.Retired || n.Computer.Version != 2 {
			t.Errorf("retire: %+v", n)
		}
		if p := into[tList[tComputer]](t, f.call(t, "GET", "/api/v1/computers", "op-a-analyst", nil, 200)); len(p.Items) != 2 {
			t.Errorf("in service: %+v", p)
		}
		if p := into[tList[tComputer]](t, f.call(t, "GET", "/api/v1/computers?retired=true&function=remote_access", "op-a-analyst", nil, 200)); len(p.Items) != 1 || !p.Items[0].Retired {
			t.Errorf("retired remote access: %+v", p)
		}

		// SBOMs: components for AUTH-01 (by ref), and a new computer from a subject.
		r = f.call(t, "POST", "/api/v1/computers/import?computer=AUTH-01", "op-a-analyst", jsonBody(cdxForAuth), 200)
		imp = into[tImport](t, r)
		if imp.Format != "cyclonedx" || imp.Updated != 1 || len(imp.Warnings) != 1 || !strings.Contains(imp.Warnings[0], "cpe") {
			t.Fatalf("SBOM for AUTH-01: %s", r.Body)
		}
		c := into[tComputer](t, f.call(t, "GET", "/api/v1/computers/"+refs["AUTH-01"], "op-a-analyst", nil, 200))
		if c.Version != 2 || len(c.Components) != 2 || c.Components[0].Name != "openssl" || c.Components[1].CPE != "" {
			t.Errorf("AUTH-01 after the SBOM: %+v", c)
		}
		q := url.Values{"ref": {"GW-01"}, "function": {"control_gateway"}, "site": {"Sendai substation"}, "business": {"electricity supply"},
			"equipment": {"SCADA gateway"}, "internet_facing": {"true"}}
		r = f.call(t, "POST", "/api/v1/computers/import?"+q.Encode(), "op-a-analyst", body{"application/vnd.cyclonedx+json", cdxGateway}, 200)
		imp = into[tImport](t, r)
		if imp.Created != 1 || len(imp.Computers) != 1 {
			t.Fatalf("SBOM new computer: %s", r.Body)
		}
		c = into[tComputer](t, f.call(t, "GET", "/api/v1/computers/"+imp.Computers[0], "op-a-analyst", nil, 200))
		if c.Ref != "GW-01" || c.Vendor != "Acme" || c.Product != "EdgeGate" || c.PV != "4.1" || len(c.Components) != 1 {
			t.Errorf("computer from an SBOM: %+v", c)
		}

		// Imports of vulnerability records: KEV adds the known-exploited
		// facts to the recorded CVE; a bad entry is reported, the good kept.
		r = f.call(t, "POST", "/api/v1/vulnerabilities/import?format=kev", "nco-analyst", jsonBody(kevCatalogue), 200)
		vi := into[VulnImportResult](t, r)
		if vi.Updated != 1 || vi.Created != 0 || len(vi.Problems) != 1 || vi.Problems[0].Record == nil || *vi.Problems[0].Record != 1 {
			t.Fatalf("KEV import: %s", r.Body)
		}
		v := into[vuln.Vulnerability](t, f.call(t, "GET", "/api/v1/vulnerabilities/CVE-2024-21762", "op-b-analyst", nil, 200))
		if v.KEV == nil || v.KEV.DateAdded != "2024-02-09" || len(v.Affected) != 1 || len(v.Affected[0].Ranges) != 3 {
			t.Errorf("after the KEV merge: %+v", v)
		}
		r = f.call(t, "POST", "/api/v1/vulnerabilities/import?format=cve5", "nco-analyst", jsonBody(cve5Records), 200)
		if vi = into[VulnImportResult](t, r); vi.Created != 1 || len(vi.Problems) == 0 || *vi.Problems[0].Record != 1 {
			t.Fatalf("CVE JSON 5 import: %s", r.Body)
		}
		if vs := into[tList[vuln.Vulnerability]](t, f.call(t, "GET", "/api/v1/vulnerabilities?q=acme", "op-a-analyst", nil, 200)).Items; len(vs) != 1 || vs[0].ID != "CVE-2025-10001" {
			t.Errorf("search: %+v", vs)
		}
		if vs := into[tList[vuln.Vulnerability]](t, f.call(t, "GET", "/api/v1/vulnerabilities?exploited=true", "op-a-analyst", nil, 200)).Items; len(vs) != 1 || vs[0].ID != "CVE-2024-21762" {
			t.Errorf("exploited: %+v", vs)
		}
		r = f.call(t, "POST", "/api/v1/vulnerabilities/rematch", "nco-analyst", nil, 200)
		if m := r.json(t); m["vulnerabilities"] != 2.0 || m["new_exposures"] != 0.0 {
			t.Errorf("rematch: %s", r.Body)
		}
		_ = opB
	})
}

// world is the state of the entitlement tests, made through the service.
type world struct {
	fgA, ivA, oldA, fgB        string // computers
	noticeA, noticeB, req, ans string
}

func seedExposures(t *testing.T, f *exposureFixture) world {
	t.Helper()
	ctx := context.Background()
	s := f.exp
	nco, ven := f.w.P("nco-analyst"), f.w.P("ven-admin")
	mk := func(p string, c *registry.Computer) string {
		t.Helper()
		if _, err := s.Notify(ctx, f.w.P(p), c); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	comp := func(ref, vendor, product, ver, cpeName string) *registry.Computer {
		return &registry.Computer{Ref: ref, Name: ref, Function: registry.FunctionVPN, Vendor: vendor, Product: product, ProductVersion: ver, CPE: cpeName,
			Site: "DC", Business: "b", Equipment: "e"}
	}
	var w world
	w.fgA = mk("op-a-analyst", comp("FG-01", "Fortinet", "FortiOS", "7.2.4", fgCPE))
	w.ivA = mk("op-a-analyst", comp("ICS-01", "Ivanti", "Connect Secure", "", "cpe:2.3:a:ivanti:connect_secure:22.7:r2.3:*:*:*:*:*:*"))
	w.oldA = mk("op-a-analyst", comp("OLD-01", "Acme", "Gate", "1.0", ""))
	w.fgB = mk("op-b-analyst", comp("FG-B", "Fortinet", "FortiOS", "7.4.2", ""))
	forti := &vuln.Vulnerability{ID: "CVE-2024-21762", Title: "FortiOS out-of-bounds write", TLP: marking.TLPClear, Exploited: true,
		Affected: []vuln.Affected{{CPE: fgCPE, Ranges: []version.Range{{StartIncluding: "7.4.0", EndExcluding: "7.4.3"}, {StartIncluding: "7.2.0", EndExcluding: "7.2.7"}}}}}
	amber := &vuln.Vulnerability{ID: "SKM-2026-0001", Title: "Undisclosed Ivanti pre-auth issue", TLP: marking.TLPAmber,
		Affected: []vuln.Affected{{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", Ranges: []version.Range{{Scheme: version.Ivanti, EndExcluding: "22.7R2.5"}}}}}
	red := &vuln.Vulnerability{ID: "SKM-2026-0002", Title: "Red Ivanti issue", TLP: marking.TLPRed,
		Affected: []vuln.Affected{{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*"}}}
	for _, v := range []*vuln.Vulnerability{forti, amber, red} {
		if _, err := s.PutVuln(ctx, nco, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []struct {
		p   string
		dst *string
	}{{"op-a-analyst", &w.noticeA}, {"op-b-analyst", &w.noticeB}} {
		ns, err := s.Notices(ctx, f.w.P(x.p), "CVE-2024-21762")
		if err != nil || len(ns) != 1 {
			t.Fatalf("notices of %s: %+v %v", x.p, ns, err)
		}
		*x.dst = ns[0].ID
	}
	for _, dst := range []*string{&w.req, &w.ans} {
		r := &vuln.Request{VulnID: "CVE-2024-21762", VendorOrgID: f.w.Orgs["ven"].ID, Questions: "fix timeline?", DueAt: time.Now().Add(72 * time.Hour)}
		if err := s.RequestVendor(ctx, nco, r); err != nil {
			t.Fatal(err)
		}
		*dst = r.ID
	}
	if _, err := s.ActOnRequest(ctx, ven, w.ans, exposure.RequestAction{Kind: "answer", Answer: &vuln.Answer{FixTimeline: "fixed in 7.2.7"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// entitlementCell is a route (a body for each request) and the status for
// each of exposurePrincipals.
type entitlementCell struct {
	method, path string
	body         func() any
	want         []int
}

// exposurePrincipals are the columns of the entitlement table.
var exposurePrincipals = []string{"op-a-analyst", "op-b-analyst", "ven-admin", "nco-analyst", ""}

// TestExposureEntitlements sends every route as an analyst of op-a (which
// owns the computers and is the recipient of the AMBER vulnerability), an
// analyst of op-b (another operator), the vendor's administrator, a
// government analyst and no one, and checks the status; then checks that
// no list shows another organisation's computers, exposures or notices, or
// a vulnerability its reader is not entitled to.
func TestExposureEntitlements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newExposureFixture(t, db)
		w := seedExposures(t, f)
		const (
			ok, created        = 200, 201
			unauth, deny, hide = 401, 403, 404
		)
		row := func(a, b, v, g int) []int { return []int{a, b, v, g, unauth} }
		fgBody := computerBody("FG-01", "Fortinet", "FortiOS", "7.2.4", fgCPE)
		fgBody["name"], fgBody["site"], fgBody["business"], fgBody["equipment"], fgBody["internet_facing"] = "FG-01", "DC", "b", "e", false
		n := 0
		cells := []entitlementCell{
			{"GET", "/api/v1/computers", nil, row(ok, ok, ok, ok)},
			{"GET", "/api/v1/computers?all=true", nil, row(deny, deny, deny, ok)},
			{"GET", "/api/v1/computers?org=op-a", nil, row(ok, deny, deny, ok)},
			// Operators (and suppliers) notify their own organisation's computers; vendors and the government do not.
			{"POST", "/api/v1/computers", func() any { n++; return computerBody(fmt.Sprintf("NEW-%d", n), "Acme", "Gate", "1.0", "") }, row(created, created, deny, deny)},
			{"POST", "/api/v1/computers/import", func() any {
				n++
				return csvBody(fmt.Sprintf("ref,name,function,vendor,product,version,site,business,equipment\nCSV-%d,c,other,Acme,Gate,1.0,DC,b,e\n", n))
			}, row(ok, ok, deny, deny)},
			{"GET", "/api/v1/computers/" + w.fgA, nil, row(ok, hide, hide, ok)},
			{"PUT", "/api/v1/computers/" + w.fgA, func() any { return fgBody }, row(ok, hide, hide, deny)},
			{"POST", "/api/v1/computers/" + w.oldA + "/retire", func() any { return map[string]any{"change_note": "decommissioned"} }, row(ok, hide, hide, deny)},
			{"GET", "/api/v1/computers/" + w.fgA + "/notifications", nil, row(ok, hide, hide, ok)},
			{"GET", "/api/v1/computers/" + w.fgA + "/exposures", nil, row(ok, hide, hide, ok)},
			{"GET", "/api/v1/computers/" + w.fgB, nil, row(hide, ok, hide, ok)},

			{"GET", "/api/v1/vulnerabilities", nil, row(ok, ok, ok, ok)},
			{"GET", "/api/v1/vulnerabilities/CVE-2024-21762", nil, row(ok, ok, ok, ok)},
			{"GET", "/api/v1/vulnerabilities/SKM-2026-0001", nil, row(ok, hide, hide, ok)},   // AMBER: op-a was told
			{"GET", "/api/v1/vulnerabilities/SKM-2026-0002", nil, row(hide, hide, hide, ok)}, // RED: told to nobody
			{"PUT", "/api/v1/vulnerabilities/CVE-2024-21762", func() any { return fortiBody() }, row(deny, deny, deny, ok)},
			{"POST", "/api/v1/vulnerabilities/import?format=kev", func() any { return jsonBody(kevCatalogue) }, row(deny, deny, deny, ok)},
			{"POST", "/api/v1/vulnerabilities/rematch", nil, row(deny, deny, deny, ok)},
			{"GET", "/api/v1/vulnerabilities/CVE-2024-21762/exposures", nil, row(ok, ok, ok, ok)},
			{"GET", "/api/v1/vulnerabilities/SKM-2026-0001/exposures", nil, row(ok, hide, hide, ok)},
			{"GET", "/api/v1/vulnerabilities/SKM-2026-0002/exposures", nil, row(hide, hide, hide, ok)},

			{"GET", "/api/v1/exposures", nil, row(ok, ok, ok, ok)},
			{"GET", "/api/v1/exposures?all=true", nil, row(deny, deny, deny, ok)},
			{"GET", "/api/v1/exposures?org=op-a", nil, row(ok, deny, deny, ok)},
			{"PUT", "/api/v1/exposures/" + w.fgA + "/CVE-2024-21762", func() any { return map[string]any{"state": "open"} }, row(ok, hide, hide, deny)},
			{"PUT", "/api/v1/exposures/" + w.ivA + "/SKM-2026-0002", func() any { return map[string]any{"state": "mitigated"} }, row(hide, hide, hide, deny)},
			{"GET", "/api/v1/notices", nil, row(ok, ok, ok, ok)},
			{"GET", "/api/v1/notices/" + w.noticeA, nil, row(ok, hide, hide, ok)},
			{"GET", "/api/v1/notices/" + w.noticeB, nil, row(hide, ok, hide, ok)},
			{"POST", "/api/v1/notices/" + w.noticeA + "/acknowledge", nil, row(ok, hide, hide, deny)},
			{"GET", "/api/v1/exposure-overview", nil, row(deny, deny, deny, ok)},

			{"GET", "/api/v1/vendor-record", nil, row(deny, deny, deny, ok)},
			{"GET", "/api/v1/vendor-requests", nil, row(ok, ok, ok, ok)},
			{"POST", "/api/v1/vendor-requests", func() any {
				return map[string]any{"vuln_id": "CVE-2024-21762", "vendor": "ven", "questions": "status?", "due_days": 3}
			}, row(deny, deny, deny, created)},
			{"GET", "/api/v1/vendor-requests/" + w.req, nil, row(hide, hide, ok, ok)},
			{"POST", "/api/v1/vendor-requests/" + w.req + "/actions", func() any { return map[string]any{"action": "comment", "text": "noted"} }, row(hide, hide, ok, ok)},
			{"POST", "/api/v1/vendor-requests/" + w.ans + "/advise", nil, row(hide, hide, deny, ok)},
		}
		for _, c := range cells {
			for i, who := range exposurePrincipals {
				var b any
				if c.body != nil {
					b = c.body()
				}
				r := f.call(t, c.method, c.path, who, b, c.want[i])
				if r.Status == unauth && r.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s: 401 without WWW-Authenticate", c.method, c.path)
				}
			}
		}
		// Every route of the file is in the table.
		for _, rt := range f.api.exposureRoutes() {
			if !slices.ContainsFunc(cells, func(c entitlementCell) bool {
				return c.method == rt.Method && pathMatches(rt.Path, strings.SplitN(c.path, "?", 2)[0])
			}) {
				t.Errorf("%s %s is not in the entitlement table", rt.Method, rt.Path)
			}
		}

		// Scopes and roles: a read token or a viewer changes nothing.
		for _, tc := range []struct {
			who, method, path string
			body              any
		}{
			{"op-a-analyst:read", "POST", "/api/v1/computers", computerBody("RO-1", "Acme", "Gate", "1.0", "")},
			{"op-a-viewer", "POST", "/api/v1/computers", computerBody("RO-2", "Acme", "Gate", "1.0", "")},
			{"op-a-analyst:read", "PUT", "/api/v1/exposures/" + w.fgA + "/CVE-2024-21762", map[string]any{"state": "patched"}},
			{"op-a-analyst:read", "POST", "/api/v1/notices/" + w.noticeA + "/acknowledge", nil},
			{"nco-analyst:read", "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", fortiBody()},
			{"nco-admin", "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", fortiBody()}, // government, but not an analyst
			{"ven-admin:read", "POST", "/api/v1/vendor-requests/" + w.req + "/actions", map[string]any{"action": "acknowledge"}},
		} {
			f.call(t, tc.method, tc.path, tc.who, tc.body, deny)
		}

		// What each list shows: nobody sees another organisation's
		// computers, exposures or notices, nor a vulnerability it is not
		// entitled to.
		secrets := map[string][]string{
			"op-a-analyst": {w.fgB, w.noticeB, "SKM-2026-0002"},
			"op-b-analyst": {w.fgA, w.ivA, w.noticeA, "SKM-2026-0001", "SKM-2026-0002"},
			"ven-admin":    {w.fgA, w.ivA, w.fgB, w.noticeA, w.noticeB, "SKM-2026-0001", "SKM-2026-0002"},
		}
		musts := map[string][]string{
			"op-a-analyst": {w.fgA, w.ivA, w.noticeA, "SKM-2026-0001"},
			"op-b-analyst": {w.fgB, w.noticeB},
			"nco-analyst":  {w.fgA, w.fgB, "SKM-2026-0001", "SKM-2026-0002"},
		}
		for _, who := range exposurePrincipals[:4] {
			scope := "" // the government lists every organisation's
			if who == "nco-analyst" {
				scope = "&all=true"
			}
			var all strings.Builder
			for _, path := range []string{"/api/v1/computers?retired=true" + scope, "/api/v1/exposures?unpatched=false" + scope, "/api/v1/notices",
				"/api/v1/vulnerabilities", "/api/v1/vulnerabilities/CVE-2024-21762/exposures", "/api/v1/vendor-requests"} {
				all.Write(f.call(t, "GET", path, who, nil, ok).Body)
			}
			for _, s := range secrets[who] {
				if strings.Contains(all.String(), s) {
					t.Errorf("%s sees %s", who, s)
				}
			}
			for _, s := range musts[who] {
				if !strings.Contains(all.String(), s) {
					t.Errorf("%s does not see %s", who, s)
				}
			}
		}
		// The vendor sees only requests to it: op-b's view of the requests is empty.
		if rs := into[tList[tRequest]](t, f.call(t, "GET", "/api/v1/vendor-requests", "op-b-analyst", nil, ok)).Items; len(rs) != 0 {
			t.Errorf("op-b sees vendor requests: %+v", rs)
		}
	})
}

// TestExposureBadInputNamesTheField: every kind of bad input is a 400 (or
// 415) naming the field, the parameter or the column, and nothing is
// written.
func TestExposureBadInputNamesTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newExposureFixture(t, db)
		w := seedExposures(t, f)
		comp := func(change func(m map[string]any)) string {
			m := computerBody("BAD-1", "Fortinet", "FortiOS", "7.2.4", "")
			change(m)
			b, _ := json.Marshal(m)
			return string(b)
		}
		vulnJSON := func(change func(m map[string]any)) string {
			m := fortiBody()
			change(m)
			b, _ := json.Marshal(m)
			return string(b)
		}
		const a, g, v = "op-a-analyst", "nco-analyst", "ven-admin"
		sbomQ := "?ref=GW-2&function=control_gateway&site=s&business=b&equipment=e"
		for _, tc := range []struct {
			name, who, method, path string
			body                    any // body, string (JSON) or nil
			status                  int
			field                   string
		}{
			{"unknown field", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { m["colour"] = "red" }), 400, "colour"},
			{"bad function", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { m["function"] = "router" }), 400, "function"},
			{"no function", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { delete(m, "function") }), 400, "function"},
			{"bad management", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { m["management"] = "cloud" }), 400, "management"},
			{"outsourced without contractor", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { m["management"] = "outsourced" }), 400, "contractor"},
			{"bad cpe", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { m["cpe"] = "cpe:2.3:o:fortinet" }), 400, "cpe"},
			{"missing site", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { delete(m, "site") }), 400, "site"},
			{"wrong type", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { m["overseas"] = "yes" }), 400, "overseas"},
			{"bad component", a, "POST", "/api/v1/computers", comp(func(m map[string]any) {
				m["components"] = []any{map[string]any{"name": "openssl", "version": "3"}, map[string]any{"cpe": "cpe:/x"}}
			}), 400, "components[1].cpe"},
			{"component type", a, "POST", "/api/v1/computers", comp(func(m map[string]any) { m["components"] = []any{map[string]any{"name": 1}} }), 400, "components[0].name"},
			{"bad in_service", a, "PUT", "/api/v1/computers/" + w.fgA, comp(func(m map[string]any) { m["in_service"] = "April" }), 400, "in_service"},
			{"retire without note", a, "POST", "/api/v1/computers/" + w.oldA + "/retire", `{}`, 400, "change_note"},
			{"list function", a, "GET", "/api/v1/computers?function=router", nil, 400, "function"},
			{"list all", a, "GET", "/api/v1/computers?all=maybe", nil, 400, "all"},
			{"list org", g, "GET", "/api/v1/computers?org=nowhere", nil, 400, "org"},
			{"org and all", g, "GET", "/api/v1/exposures?org=op-a&all=true", nil, 400, "all"},
			{"offset", a, "GET", "/api/v1/computers?offset=-1", nil, 400, "offset"},
			{"limit", a, "GET", "/api/v1/computers?limit=0", nil, 400, "limit"},
			{"exposure flag", a, "GET", "/api/v1/exposures?unpatched=sometimes", nil, 400, "unpatched"},

			{"import media type", a, "POST", "/api/v1/computers/import", body{"application/xml", "<bom/>"}, 415, "Content-Type"},
			{"csv with sbom parameter", a, "POST", "/api/v1/computers/import?ref=x", csvBody(registryCSV), 400, "ref"},
			{"csv header", a, "POST", "/api/v1/computers/import", csvBody("ref,name\nX,Y\n"), 400, "header"},
			{"sbom function", a, "POST", "/api/v1/computers/import?ref=GW-2&site=s&business=b&equipment=e", jsonBody(cdxGateway), 400, "function"},
			{"sbom missing equipment", a, "POST", "/api/v1/computers/import?ref=GW-2&function=other&site=s&business=b", jsonBody(cdxGateway), 400, "equipment"},
			{"sbom computer and ref", a, "POST", "/api/v1/computers/import?computer=FG-01&ref=x", jsonBody(cdxGateway), 400, "ref"},
			{"sbom unknown computer", a, "POST", "/api/v1/computers/import?computer=NOPE", jsonBody(cdxGateway), 404, ""},
			{"sbom of another's computer", "op-b-analyst", "POST", "/api/v1/computers/import?computer=" + w.fgA, jsonBody(cdxGateway), 404, ""},
			{"not an sbom", a, "POST", "/api/v1/computers/import" + sbomQ, jsonBody(`{"hello":"world"}`), 400, ""},
			{"sbom without version", a, "POST", "/api/v1/computers/import" + sbomQ,
				jsonBody(`{"bomFormat":"CycloneDX","specVersion":"1.5","metadata":{"component":{"type":"device","name":"EdgeGate","supplier":{"name":"Acme"}}},"components":[]}`), 400, "version"},
			{"sbom bad value", a, "POST", "/api/v1/computers/import" + sbomQ, jsonBody(`{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":5}]}`), 400, "components[0].name"},

			{"vuln without tlp", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) { delete(m, "tlp") }), 400, "tlp"},
			{"vuln bad tlp", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) { m["tlp"] = "purple" }), 400, "tlp"},
			{"vuln bad scheme", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) {
				m["affected"] = []any{map[string]any{"cpe": fgCPE, "ranges": []any{map[string]any{"scheme": "weird", "exact": "1"}}}}
			}), 400, "affected[0].ranges[0].scheme"},
			{"vuln bad range", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) {
				m["affected"] = []any{map[string]any{"cpe": fgCPE, "ranges": []any{map[string]any{"exact": "1", "end_excluding": "2"}}}}
			}), 400, "affected[0].ranges[0]"},
			{"vuln cpe without vendor", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) {
				m["affected"] = []any{map[string]any{"cpe": "cpe:2.3:o:*:*:*:*:*:*:*:*:*:*"}}
			}), 400, "affected[0].cpe"},
			{"vuln score", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) { m["cvss"] = map[string]any{"version": "3.1", "score": 11} }), 400, "cvss.score"},
			{"vuln cwe", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) { m["cwes"] = []string{"79"} }), 400, "cwes[0]"},
			{"vuln unknown", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) { m["severity"] = "high" }), 400, "severity"},
			{"vuln published", g, "PUT", "/api/v1/vulnerabilities/CVE-2024-21762", vulnJSON(func(m map[string]any) { m["published"] = "last week" }), 400, "published"},
			{"vuln id", g, "PUT", "/api/v1/vulnerabilities/NOT-AN-ID", vulnJSON(func(m map[string]any) {}), 400, "id"},
			{"vuln limit", a, "GET", "/api/v1/vulnerabilities?limit=501", nil, 400, "limit"},
			{"vuln exploited", a, "GET", "/api/v1/vulnerabilities?exploited=1x", nil, 400, "exploited"},
			{"import format missing", g, "POST", "/api/v1/vulnerabilities/import", jsonBody(kevCatalogue), 400, "format"},
			{"import format", g, "POST", "/api/v1/vulnerabilities/import?format=nvd", jsonBody(kevCatalogue), 400, "format"},
			{"import media type", g, "POST", "/api/v1/vulnerabilities/import?format=kev", body{"text/plain", kevCatalogue}, 415, "Content-Type"},
			{"import not json", g, "POST", "/api/v1/vulnerabilities/import?format=cve5", jsonBody(`{"dataType":`), 400, ""},
			{"import not kev", g, "POST", "/api/v1/vulnerabilities/import?format=kev", jsonBody(`{"vulnerabilities":{}}`), 400, "vulnerabilities"},

			{"state resolved", a, "PUT", "/api/v1/exposures/" + w.fgA + "/CVE-2024-21762", `{"state":"resolved"}`, 400, "state"},
			{"state unknown", a, "PUT", "/api/v1/exposures/" + w.fgA + "/CVE-2024-21762", `{"state":"fixed"}`, 400, "state"},
			{"state note type", a, "PUT", "/api/v1/exposures/" + w.fgA + "/CVE-2024-21762", `{"state":"patched","note":7}`, 400, "note"},
			{"no such exposure", a, "PUT", "/api/v1/exposures/" + w.oldA + "/CVE-2024-21762", `{"state":"patched"}`, 404, ""},
			{"notice limit", a, "GET", "/api/v1/notices?limit=201", nil, 400, "limit"},

			{"request state", g, "GET", "/api/v1/vendor-requests?state=late", nil, 400, "state"},
			{"request vendor", g, "POST", "/api/v1/vendor-requests", `{"vuln_id":"CVE-2024-21762","vendor":"nowhere","questions":"q"}`, 400, "vendor"},
			{"request to an operator", g, "POST", "/api/v1/vendor-requests", `{"vuln_id":"CVE-2024-21762","vendor":"op-b","questions":"q"}`, 400, "vendor"},
			{"request vuln", g, "POST", "/api/v1/vendor-requests", `{"vuln_id":"CVE-2099-0001","vendor":"ven","questions":"q"}`, 400, "vuln_id"},
			{"request questions", g, "POST", "/api/v1/vendor-requests", `{"vuln_id":"CVE-2024-21762","vendor":"ven","questions":"  "}`, 400, "questions"},
			{"request past", g, "POST", "/api/v1/vendor-requests", `{"vuln_id":"CVE-2024-21762","vendor":"ven","questions":"q","due_at":"2020-01-01T00:00:00Z"}`, 400, "due_at"},
			{"request both dues", g, "POST", "/api/v1/vendor-requests", `{"vuln_id":"CVE-2024-21762","vendor":"ven","questions":"q","due_at":"2099-01-01T00:00:00Z","due_days":3}`, 400, "due_days"},
			{"request days", g, "POST", "/api/v1/vendor-requests", `{"vuln_id":"CVE-2024-21762","vendor":"ven","questions":"q","due_days":400}`, 400, "due_days"},
			{"action unknown", v, "POST", "/api/v1/vendor-requests/" + w.req + "/actions", `{"action":"approve"}`, 400, "action"},
			{"answer empty", v, "POST", "/api/v1/vendor-requests/" + w.req + "/actions", `{"action":"answer","answer":{"fixed_versions":"7.2.7"}}`, 400, "answer.fix_timeline"},
			{"answer url", v, "POST", "/api/v1/vendor-requests/" + w.req + "/actions", `{"action":"answer","answer":{"mitigations":"m","advisory_url":"ftp://x"}}`, 400, "answer.advisory_url"},
			{"answer field", v, "POST", "/api/v1/vendor-requests/" + w.req + "/actions", `{"action":"answer","answer":{"eta":"soon"}}`, 400, "answer.eta"},
			{"decline without text", v, "POST", "/api/v1/vendor-requests/" + w.req + "/actions", `{"action":"decline"}`, 400, "text"},
			{"answer on acknowledge", v, "POST", "/api/v1/vendor-requests/" + w.req + "/actions", `{"action":"acknowledge","answer":{"mitigations":"m"}}`, 400, "answer"},
			{"advise field", g, "POST", "/api/v1/vendor-requests/" + w.ans + "/advise", `{"note":"x"}`, 400, "note"},
		} {
			if s, ok := tc.body.(string); ok {
				tc.body = jsonBody(s)
			}
			r := f.call(t, tc.method, tc.path, tc.who, tc.body, tc.status) // the error body is validated too
			if code, field := r.errField(); field != tc.field || code == "" {
				t.Errorf("%s: %d %s field %q, want field %q: %s", tc.name, r.Status, code, field, tc.field, r.Body)
			}
		}
		// Nothing of that was written.
		ctx := context.Background()
		if cs, _, _ := f.exp.Computers(ctx, f.w.P("op-a-analyst"), store.ComputerQuery{Retired: true}, false); len(cs) != 3 {
			t.Errorf("op-a has %d computers", len(cs))
		}
		if c, _ := f.exp.Computer(ctx, f.w.P("op-a-analyst"), w.fgA); c.Version != 1 {
			t.Errorf("FG-01 changed: %+v", c)
		}
		if rs, _ := f.exp.Requests(ctx, f.w.P("nco-analyst"), store.RequestQuery{}); len(rs) != 2 {
			t.Errorf("%d requests", len(rs))
		}
		if r, _ := f.exp.Request(ctx, f.w.P("nco-analyst"), w.req); r.State != vuln.RequestRequested {
			t.Errorf("request %s", r.State)
		}
	})
}

// TestCSVRows: the row numbers registry.ParseCSVRows gives the service
// (for problems the service finds) are the spreadsheet's, past blank rows,
// problem rows and quoted line breaks, in UTF-8 and Shift_JIS.
func TestCSVRows(t *testing.T) {
	const head = "ref,name,function,vendor,product,version,site,business,equipment\n"
	for _, tc := range []struct {
		name, csv string
		want      map[string]int // ref -> row
	}{
		{"plain", head + "A,a,vpn,V,P,1,s,b,e\nB,b,vpn,V,P,1,s,b,e\n", map[string]int{"A": 2, "B": 3}},
		{"blank and bad rows", head + "A,a,vpn,V,P,1,s,b,e\n,,,,,,,,\nX,x,router,V,P,1,s,b,e\nY,y,vpn\nB,b,vpn,V,P,1,s,b,e\n", map[string]int{"A": 2, "B": 6}},
		{"quoted line break", head + "A,\"two\nlines\",vpn,V,P,1,s,b,e\nB,b,vpn,V,P,1,s,b,e\n", map[string]int{"A": 2, "B": 3}},
		{"bad quote", head + "A,a,vpn,V,P,1,s,b,e\nX,\"x\"y,vpn,V,P,1,s,b,e\nB,b,vpn,V,P,1,s,b,e\n", map[string]int{"A": 2, "B": 4}},
		{"duplicate ref", head + "A,a,vpn,V,P,1,s,b,e\nA,a,vpn,V,P,1,s,b,e\nB,b,vpn,V,P,1,s,b,e\n", map[string]int{"A": 2, "B": 4}},
		{"byte-order mark", "\ufeff" + head + "A,a,vpn,V,P,1,s,b,e\n", map[string]int{"A": 2}},
		{"shift_jis", sjis("管理番号,名称,機能,ベンダー,製品,バージョン,設置場所,特定社会基盤事業,特定重要設備\n" +
			"A,本社,VPN,V,P,1,東京,電気,設備\nX,x,ルーター,V,P,1,s,b,e\n\u3000,\u3000,,,,,,,\nB,支社,その他,V,P,1,大阪,電気,設備\n"), map[string]int{"A": 2, "B": 5}},
	} {
		cs, rows, probs, err := registry.ParseCSVRows(strings.NewReader(tc.csv))
		if err != nil || len(rows) != len(cs) {
			t.Fatalf("%s: %d rows for %d computers, %v", tc.name, len(rows), len(cs), err)
		}
		got := map[string]int{}
		for i, c := range cs {
			got[c.Ref] = rows[i]
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: rows %v, want %v (problems %v)", tc.name, got, tc.want, probs)
		}
	}
}

func sjis(s string) string {
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestExposureRoutesNeedTheService: without the service every route
// answers 503 in the one error shape.
func TestExposureRoutesNeedTheService(t *testing.T) {
	f := newIntelFixture(t, storetest.Open(t, store.SQLite))
	for _, rt := range f.api.exposureRoutes() {
		path := strings.NewReplacer("{id}", "x", "{computer_id}", "x", "{vuln_id}", "CVE-2024-21762").Replace(rt.Path)
		r := f.do(rt.Method, path, "nco-analyst", nil)
		if code, _ := r.errField(); r.Status != 503 || code != "unavailable" {
			t.Errorf("%s %s without the service: %d %s", rt.Method, rt.Path, r.Status, r.Body)
		}
	}
}
