package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// xrun is one command's outcome.
type xrun struct {
	code           int
	stdout, stderr string
}

func (r xrun) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// exposureWorld migrates a fresh store of dialect d, seeds the inteltest
// world (nco, op-a, op-b, ven, ... with "<org>-analyst" users) and returns
// a runner of command lines against it.
func exposureWorld(t *testing.T, d store.Dialect) func(stdin string, args ...string) xrun {
	return seededWorld(t, d, func(t testing.TB, db *store.DB) { inteltest.New(t, db) })
}

// seededWorld migrates a fresh store of dialect d, seeds it with seed and
// returns a runner of command lines against it.
func seededWorld(t *testing.T, d store.Dialect, seed func(testing.TB, *store.DB)) func(stdin string, args ...string) xrun {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.DSN(t, d)
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seed(t, db)
	db.Close()
	return func(stdin string, args ...string) xrun {
		t.Helper()
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			if k == "SAKIMORI_DB" {
				return dsn
			}
			return ""
		}
		code := Run(ctx, args, strings.NewReader(stdin), &out, &errb, getenv)
		return xrun{code, out.String(), errb.String()}
	}
}

// as returns the --as flag of user "<org>-analyst" (or another inteltest user).
func as(user string) []string {
	org := strings.TrimSuffix(strings.TrimSuffix(user, "-analyst"), "-admin")
	return []string{"--as", user + "@" + org + ".example.jp"}
}

func jsonOf(t *testing.T, r xrun, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("not JSON: %v\n%v", err, r)
	}
}

// TestExposureCommands drives the registry, vulnerability, notice and
// vendor-request commands end to end as an operator, the government and a
// vendor would: notifications and an import with a bad row, matching on a
// CVE JSON 5 and a KEV import, TLP, notices, a vendor request turned into
// an advisory, the government's overview and vendor record, and refusals.
func TestExposureCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			x := exposureWorld(t, d)
			dir := t.TempDir()
			// ok runs a command that must succeed.
			ok := func(stdin string, args ...string) xrun {
				t.Helper()
				r := x(stdin, args...)
				if r.code != 0 {
					t.Fatalf("%s: %v", strings.Join(args, " "), r)
				}
				return r
			}
			cmd := func(user string, args ...string) []string { return append(args, as(user)...) }
			contains := func(r xrun, what ...string) {
				t.Helper()
				for _, w := range what {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("output lacks %q:\n%v", w, r)
					}
				}
			}

			// ---- op-a notifies a FortiGate; then changes its version ----
			fg := []string{"registry", "notify", "--ref", "FG-01", "--name", "SSL-VPN gateway", "--function", "vpn", "--vendor", "Fortinet",
				"--product", "FortiOS", "--version", "7.2.4", "--site", "Tokyo DC", "--internet-facing", "--business", "electricity supply",
				"--equipment", "remote access gateway", "--in-service", "2023-04-01"}
			r := ok("", cmd("op-a-analyst", fg...)...)
			contains(r, "notified computer FG-01", "version 1")
			contains(ok("", cmd("op-a-analyst", fg...)...), "unchanged: computer FG-01")
			r = ok("", cmd("op-a-analyst", "registry", "notify", "--ref", "FG-01", "--version", "7.2.5", "--outsourced", "--contractor", "Kanto Systems",
				"--change-note", "upgraded; now run by Kanto Systems")...)
			contains(r, "updated computer FG-01", "version 2")

			// ---- op-b imports a CSV file with a blank line and one bad row ----
			csvFile := filepath.Join(dir, "registry.csv")
			os.WriteFile(csvFile, []byte("ref,name,function,vendor,product,version,site,internet_facing,business,equipment\n"+
				"FG-B,Station VPN,vpn,Fortinet,FortiOS,7.4.2,Osaka,yes,railway operation,train control network\n"+
				",,,,,,,,,\n"+
				"RT-1,Core router,router,Cisco,IOS XE,17.9.4,Osaka,no,railway operation,backbone\n"+
				"RAD-1,RADIUS,authentication,FreeRADIUS,FreeRADIUS,3.0.26,Osaka,no,railway operation,staff authentication\n"), 0o600)
			r = x("", cmd("op-b-analyst", "registry", "import", csvFile)...)
			if r.code != 1 {
				t.Fatalf("import with a bad row: want exit 1: %v", r)
			}
			contains(r, "registry.csv: 2 created, 0 updated, 0 unchanged, 1 problem(s)", "row 4: function:")
			r = x("", cmd("op-b-analyst", "registry", "import", csvFile, "--json")...)
			var imp struct {
				Created, Updated, Unchanged int
				Problems                    []struct {
					Row     int
					Field   string
					Message string
				}
			}
			jsonOf(t, r, &imp)
			if r.code != 1 || imp.Created != 0 || imp.Unchanged != 2 || len(imp.Problems) != 1 || imp.Problems[0].Row != 4 || imp.Problems[0].Field != "function" {
				t.Fatalf("re-import --json: %+v\n%v", imp, r)
			}
			r = ok("", cmd("op-b-analyst", "registry", "list")...)
			contains(r, "FG-B", "RAD-1", "2 of 2 computer(s)")
			if strings.Contains(r.stdout, "FG-01") || strings.Contains(r.stdout, "RT-1") {
				t.Errorf("op-b's list: %v", r)
			}

			// ---- registries stay within the organisation ----
			for _, c := range []struct {
				args []string
				code int
				want string
			}{
				{cmd("op-b-analyst", "registry", "list", "--org", "op-a"), 1, "--org: an organisation's critical computers and exposures are visible to it and to the government"},
				{cmd("op-b-analyst", "registry", "list", "--all"), 1, "--all: "},
				{cmd("ven-analyst", "registry", "show", "FG-01", "--org", "op-a"), 1, "not found"},
				{cmd("op-b-analyst", "vuln", "exposures", "--org", "op-a"), 1, "--org: "},
				{cmd("op-b-analyst", "registry", "notify", "--org", "op-a", "--ref", "X", "--name", "x"), 1, "--org: only the organisation itself"},
			} {
				if r := x("", c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) {
					t.Errorf("%v: want exit %d and %q: %v", c.args, c.code, c.want, r)
				}
			}
			r = ok("", cmd("nco-analyst", "registry", "list", "--all", "--json")...)
			var listed struct {
				Computers []struct{ Ref string }
				Total     int
			}
			if jsonOf(t, r, &listed); listed.Total != 3 || len(listed.Computers) != 3 {
				t.Errorf("government list --all: %+v", listed)
			}
			contains(ok("", cmd("nco-analyst", "registry", "list", "--org", "op-a")...), "FG-01", "1 of 1")

			// ---- bad input names the flag ----
			for _, c := range []struct {
				args []string
				code int
				want string
			}{
				{[]string{"registry", "list"}, 2, "--as: required"},
				{[]string{"registry", "list", "--as", "nobody@example.jp"}, 2, "--as: no user"},
				{cmd("op-a-analyst", "registry", "notify", "--name", "x"), 2, "--ref: required"},
				{cmd("op-a-analyst", "registry", "notify", "--ref", "NEW-1", "--name", "n", "--function", "vpn", "--vendor", "v", "--product", "p",
					"--version", "1", "--site", "s", "--business", "b"), 2, "--equipment: is required"},
				{cmd("op-a-analyst", "registry", "notify", "--ref", "FG-01", "--function", "firewall"), 2, "--function: must be one of"},
				{cmd("op-a-analyst", "registry", "notify", "--ref", "FG-01", "--cpe", "cpe:2.3:o:fortinet"), 2, "--cpe:"},
				{cmd("op-a-analyst", "registry", "notify", "--ref", "FG-01", "--in-service", "April 2023"), 2, "--in-service: must be a date"},
				{cmd("op-a-analyst", "registry", "notify", "--ref", "FG-01", "--outsourced=false", "--subcontractor", "Y"), 2, "--contractor:"},
				{cmd("op-a-analyst", "registry", "notify", "--ref", "FG-01", "--excluded"), 2, "--exclusion-note:"},
				{cmd("op-a-analyst", "registry", "list", "--org", "nowhere"), 2, "--org: no organisation"},
				{cmd("op-a-analyst", "registry", "list", "--org", "op-a", "--all"), 2, "--org and --all"},
				{cmd("op-a-analyst", "registry", "retire", "FG-01"), 2, "--change-note: required"},
				{cmd("op-a-analyst", "registry", "import", csvFile, "--computer", "FG-01"), 2, "--computer: applies to an SBOM"},
				{cmd("op-a-analyst", "vuln", "import", csvFile), 2, "--format: required"},
				{cmd("op-a-analyst", "vuln", "import", "--format", "nvd", csvFile), 2, "--format"},
				{cmd("op-a-analyst", "vuln", "exposure-state", "FG-01", "CVE-2024-21762", "--state", "fixed"), 2, "--state"},
				{cmd("op-a-analyst", "vendor-request", "list", "--state", "lost"), 2, "--state"},
			} {
				if r := x("", c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) {
					t.Errorf("%v: want exit %d and %q: %v", c.args, c.code, c.want, r)
				}
			}

			// ---- the government imports the CVE: both FortiGates are exposed at once ----
			if r := x("", cmd("op-a-analyst", "vuln", "import", "--format", "cve5", "testdata/exposure/CVE-2024-21762.json")...); r.code != 1 || !strings.Contains(r.stderr, "recording vulnerabilities and asking vendors is for government analysts") {
				t.Errorf("operator importing a CVE: %v", r)
			}
			r = ok("", cmd("nco-analyst", "vuln", "import", "--format", "cve5", "testdata/exposure/CVE-2024-21762.json")...)
			contains(r, "CVE-2024-21762.json: 1 created, 0 updated, 0 unchanged, 0 not imported; 2 new exposure(s), 2 notice(s) sent")
			r = ok("", cmd("op-a-analyst", "vuln", "exposures")...)
			contains(r, "CVE-2024-21762", "SSL-VPN gateway", "7.2.5", ">= 7.2.0, < 7.2.7", "open", "1 exposure(s)")
			r = ok("", cmd("op-a-analyst", "vuln", "show", "CVE-2024-21762")...)
			contains(r, "FortiOS out-of-bounds write", "cvss: 3.1 9.6 (critical)", "exposures (1):", "op-a SSL-VPN gateway")
			if strings.Contains(r.stdout, "op-b") {
				t.Errorf("op-a sees op-b's exposure: %v", r)
			}
			contains(ok("", cmd("nco-analyst", "vuln", "show", "CVE-2024-21762")...), "exposures (2):", "op-b Station VPN")

			// op-a's notice, acknowledged.
			r = ok("", cmd("op-a-analyst", "notices", "--json")...)
			var notices []struct {
				ID   string `json:"id"`
				Kind string `json:"kind"`
			}
			jsonOf(t, r, &notices)
			if len(notices) != 1 {
				t.Fatalf("op-a notices: %v", r)
			}
			nid := notices[0].ID
			contains(ok("", cmd("op-a-analyst", "notices")...), nid, "exposure", "1 notice(s), 1 not acknowledged")
			contains(ok("", cmd("op-a-analyst", "notices", nid)...), "installed 7.2.5", "Fix: Upgrade to FortiOS 7.4.3")
			if r := x("", cmd("op-b-analyst", "notices", nid)...); r.code != 1 || !strings.Contains(r.stderr, "not found") {
				t.Errorf("op-b reading op-a's notice: %v", r)
			}
			if r := x("", cmd("op-b-analyst", "notices", "--ack", nid)...); r.code != 1 || !strings.Contains(r.stderr, "--ack") {
				t.Errorf("op-b acknowledging op-a's notice: %v", r)
			}
			contains(ok("", cmd("op-a-analyst", "notices", "--ack", nid)...), "acknowledged notice "+nid)
			contains(ok("", cmd("op-a-analyst", "notices")...), "1 notice(s), 0 not acknowledged")

			// ---- KEV: the CVE becomes known-exploited, a new entry, a bad entry ----
			r = x("", cmd("nco-analyst", "vuln", "import", "--format", "kev", "testdata/exposure/kev.json")...)
			if r.code != 1 {
				t.Fatalf("KEV with a bad entry: want exit 1: %v", r)
			}
			contains(r, "kev.json: 1 created, 1 updated, 0 unchanged, 1 not imported", "record 2")
			contains(ok("", cmd("op-b-analyst", "vuln", "list", "--exploited")...), "CVE-2024-21762", "CVE-2025-0282", "2 vulnerabilities")
			contains(ok("", cmd("op-b-analyst", "vuln", "show", "CVE-2024-21762")...), "exploited: yes", "KEV: added 2024-02-09")

			// ---- a TLP:AMBER vulnerability put by the government reaches only op-b ----
			r = ok("", cmd("nco-analyst", "vuln", "put", "testdata/exposure/SKM-2026-0001.json")...)
			contains(r, "recorded SKM-2026-0001 (TLP:AMBER), version 1", "1 new exposure(s)", "1 notice(s) sent", "installed 3.0.26")
			contains(ok("", cmd("nco-analyst", "vuln", "put", "testdata/exposure/SKM-2026-0001.json")...), "unchanged: SKM-2026-0001")
			contains(ok("", cmd("op-b-analyst", "vuln", "show", "SKM-2026-0001")...), "TLP:AMBER", "FreeRADIUS")
			if r := x("", cmd("op-a-analyst", "vuln", "show", "SKM-2026-0001")...); r.code != 1 || !strings.Contains(r.stderr, "not found") {
				t.Errorf("op-a reading the AMBER vulnerability: %v", r)
			}
			if r := x("", cmd("op-a-analyst", "vuln", "list", "--q", "SKM")...); r.code != 0 || strings.Contains(r.stdout, "SKM-2026-0001") {
				t.Errorf("op-a listing: %v", r)
			}
			// The JSON of show is what put reads: a round trip changes nothing.
			shown := filepath.Join(dir, "shown.json")
			os.WriteFile(shown, []byte(ok("", cmd("nco-analyst", "vuln", "show", "SKM-2026-0001", "--json")...).stdout), 0o600)
			contains(ok("", cmd("nco-analyst", "vuln", "put", shown)...), "unchanged: SKM-2026-0001")
			for _, c := range []struct {
				file, want string
			}{
				{"testdata/exposure/bad-cpe.json", "bad-cpe.json: affected[0].cpe:"},
				{"testdata/exposure/kev.json", "kev.json: not a vulnerability in sakimori's JSON form"},
				{"testdata/exposure/missing.json", "no such file"},
			} {
				if r := x("", cmd("nco-analyst", "vuln", "put", c.file)...); r.code != 1 || !strings.Contains(r.stderr, c.want) {
					t.Errorf("put %s: want %q: %v", c.file, c.want, r)
				}
			}
			// A misspelt member is refused rather than ignored (it would widen the record).
			typo := `{"id":"SKM-2026-0006","title":"t","tlp":"clear","affected":[{"cpe":"cpe:2.3:a:freeradius:freeradius:*:*:*:*:*:*:*:*","rangs":[{"end_excluding":"1.0"}]}]}`
			if r := x(typo, cmd("nco-analyst", "vuln", "put", "-")...); r.code != 1 || !strings.Contains(r.stderr, `unknown field "rangs"`) {
				t.Errorf("put with a misspelt member: %v", r)
			}
			noTLP := `{"id":"SKM-2026-0005","title":"t","affected":[]}`
			if r := x(noTLP, cmd("nco-analyst", "vuln", "put", "-")...); r.code != 1 || !strings.Contains(r.stderr, "tlp:") || !strings.Contains(r.stderr, "--tlp") {
				t.Errorf("put without a TLP: %v", r)
			}
			contains(ok(noTLP, cmd("nco-analyst", "vuln", "put", "-", "--tlp", "green")...), "recorded SKM-2026-0005 (TLP:GREEN)")

			// ---- an SBOM gives FG-01 its software; an OpenSSL issue then exposes it ----
			sbomFile := filepath.Join(dir, "fg01.cdx.json")
			os.WriteFile(sbomFile, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
				"metadata":{"component":{"type":"firmware","name":"FortiOS","version":"7.2.5"}},
				"components":[{"type":"library","name":"openssl","version":"3.0.7","cpe":"cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*"},
				{"type":"library","name":"zlib","version":"1.2.13","purl":"not a purl"}]}`), 0o600)
			r = ok("", cmd("op-a-analyst", "registry", "import", sbomFile, "--computer", "FG-01")...)
			contains(r, "cyclonedx 1.5 SBOM, 2 component(s)", "warning:", "updated computer FG-01", "version 3", "0 created, 1 updated, 0 unchanged")
			if r := x("", cmd("op-a-analyst", "registry", "import", sbomFile, "--computer", "NOPE")...); r.code != 1 || !strings.Contains(r.stderr, "--computer: ") {
				t.Errorf("SBOM for an unknown computer: %v", r)
			}
			r = ok("", cmd("nco-analyst", "vuln", "put", "testdata/exposure/SKM-2026-0002.json")...)
			contains(r, "1 new exposure(s)", "installed 3.0.7")
			r = ok("", cmd("op-a-analyst", "registry", "show", "FG-01", "--history")...)
			contains(r, "components: 2", "openssl 3.0.7", "exposures (2):", "SKM-2026-0002  open", "history (3 versions):",
				"version 2 at", "upgraded; now run by Kanto Systems", "~ product_version: 7.2.4 -> 7.2.5", "~ management: in_house -> outsourced",
				"~ components: 0 -> 2", "management: outsourced to Kanto Systems")

			// ---- the government asks the vendor; the vendor answers; the answer becomes an advisory ----
			for _, c := range []struct {
				args []string
				code int
				want string
			}{
				{cmd("nco-analyst", "vendor-request", "create", "--vuln", "CVE-2024-21762", "--questions", "?"), 2, "--vendor: required"},
				{cmd("nco-analyst", "vendor-request", "create", "--vuln", "CVE-2024-21762", "--vendor", "op-b", "--questions", "?"), 2, "--vendor: op-b is not a vendor"},
				{cmd("nco-analyst", "vendor-request", "create", "--vuln", "CVE-2024-21762", "--vendor", "nope", "--questions", "?"), 2, "--vendor: no organisation"},
				{cmd("nco-analyst", "vendor-request", "create", "--vuln", "CVE-2099-0001", "--vendor", "ven", "--questions", "?"), 2, "--vuln: no vulnerability"},
				{cmd("nco-analyst", "vendor-request", "create", "--vuln", "CVE-2024-21762", "--vendor", "ven", "--questions", "?", "--due", "next week"), 2, "--due:"},
				{cmd("nco-analyst", "vendor-request", "create", "--vuln", "CVE-2024-21762", "--vendor", "ven", "--questions", "?", "--due", "2026-12-14", "--due-days", "3"), 2, "--due and --due-days"},
				{cmd("op-a-analyst", "vendor-request", "create", "--vuln", "CVE-2024-21762", "--vendor", "ven", "--questions", "?"), 1, "for government analysts"},
			} {
				if r := x("", c.args...); r.code != c.code || !strings.Contains(r.stderr, c.want) {
					t.Errorf("%v: want exit %d and %q: %v", c.args, c.code, c.want, r)
				}
			}
			r = ok("Which FortiOS builds are affected?\nWhen is a fix available?\n", cmd("nco-analyst", "vendor-request", "create", "--vuln", "CVE-2024-21762",
				"--vendor", "ven", "--questions", "-", "--due", "2099-12-14", "--json")...)
			var req struct {
				ID    string
				State string
				DueAt string `json:"due_at"`
			}
			jsonOf(t, r, &req)
			if req.State != "requested" || req.DueAt != "2099-12-14T14:59:59Z" {
				t.Fatalf("request: %+v", req)
			}
			contains(ok("", cmd("ven-analyst", "vendor-request", "list")...), req.ID, "requested", "1 request(s)")
			if r := x("", cmd("op-a-analyst", "vendor-request", "show", req.ID)...); r.code != 1 || !strings.Contains(r.stderr, "not found") {
				t.Errorf("operator reading a vendor request: %v", r)
			}
			if r := x("", cmd("nco-analyst", "vendor-request", "acknowledge", req.ID)...); r.code != 1 || !strings.Contains(r.stderr, "only the organisation itself") {
				t.Errorf("government acknowledging for the vendor: %v", r)
			}
			contains(ok("", cmd("ven-analyst", "vendor-request", "acknowledge", req.ID)...), "acknowledged")
			if r := x("", cmd("ven-analyst", "vendor-request", "answer", req.ID, "--fixed-versions", "7.2.7")...); r.code != 2 || !strings.Contains(r.stderr, "--fix-timeline:") {
				t.Errorf("answer without a timeline: %v", r)
			}
			if r := x("", cmd("ven-analyst", "vendor-request", "answer", req.ID, "--fix-timeline", "now", "--advisory-url", "ftp://x")...); r.code != 2 || !strings.Contains(r.stderr, "--advisory-url:") {
				t.Errorf("answer with a bad URL: %v", r)
			}
			if r := x("", cmd("ven-analyst", "vendor-request", "decline", req.ID)...); r.code != 2 || !strings.Contains(r.stderr, "--text: required") {
				t.Errorf("decline without a reason: %v", r)
			}
			if r := x("", cmd("nco-analyst", "vendor-request", "advise", req.ID)...); r.code != 1 || !strings.Contains(r.stderr, "only an answered request") {
				t.Errorf("advise before the answer: %v", r)
			}
			ok("", cmd("ven-analyst", "vendor-request", "answer", req.ID, "--affected-versions", "7.0.0-7.4.2", "--fixed-versions", "7.4.3, 7.2.7, 7.0.14",
				"--fix-timeline", "fixed releases available", "--mitigations", "disable SSL-VPN", "--advisory-url", "https://vendor.example/psirt/FG-IR-24-015")...)
			ok("", cmd("nco-analyst", "vendor-request", "comment", req.ID, "--text", "Thank you.")...)
			r = ok("", cmd("nco-analyst", "vendor-request", "show", req.ID)...)
			contains(r, "state: answered", "fixed versions: 7.4.3, 7.2.7, 7.0.14", "Which FortiOS builds", "events (4):", "acknowledged by ",
				"comment by nco-analyst@nco.example.jp (nco): Thank you.")
			// The vendor's users are named as the policy lets the government see them: by id.
			if strings.Contains(r.stdout, "ven-analyst@") {
				t.Errorf("the government sees the vendor's user directory: %v", r)
			}
			contains(ok("", cmd("ven-analyst", "vendor-request", "show", req.ID)...), "acknowledged by ven-analyst@ven.example.jp (ven)")
			r = ok("", cmd("nco-analyst", "vendor-request", "advise", req.ID, "--text", "Patch now.")...)
			contains(r, "advisory sent to 2 organisation(s)", "to op-a: 1 computer(s)", "to op-b: 1 computer(s)")
			r = ok("", cmd("op-b-analyst", "notices", "--vuln", "cve-2024-21762")...)
			contains(r, "advisory", "Advisory: CVE-2024-21762", "2 notice(s), 2 not acknowledged")

			// ---- the government's views ----
			if r := x("", cmd("op-a-analyst", "vuln", "overview")...); r.code != 1 || !strings.Contains(r.stderr, "for the government") {
				t.Errorf("operator overview: %v", r)
			}
			r = ok("", cmd("nco-analyst", "vuln", "overview")...)
			contains(r, "Unpatched exposure by sector:", "electricity", "railway", "Unpatched exposure by product:", "Unpatched after an advisory (2):")
			for _, row := range []string{
				`(?m)^  electricity +1 +1 +2 +1 +1$`, // 1 organisation, 1 computer, 2 exposures, 1 exploited, 1 critical
				`(?m)^  railway +1 +2 +2 +1 +1$`,
				`(?m)^  Fortinet FortiOS +2 +2 +CVE-2024-21762, SKM-2026-0002$`,
				`(?m)^  FreeRADIUS FreeRADIUS +1 +1 +SKM-2026-0001$`,
				`(?m)^  \S+ +op-a +SSL-VPN gateway +CVE-2024-21762 +open +7\.2\.5$`,
				`(?m)^  \S+ +op-b +Station VPN +CVE-2024-21762 +open +7\.4\.2$`,
			} {
				if !regexp.MustCompile(row).MatchString(r.stdout) {
					t.Errorf("overview lacks a row matching %s:\n%s", row, r.stdout)
				}
			}
			ok("", cmd("op-b-analyst", "vuln", "exposure-state", "FG-B", "CVE-2024-21762", "--state", "patched", "--note", "upgraded to 7.4.3")...)
			if r := x("", cmd("op-b-analyst", "vuln", "exposure-state", "FG-01", "CVE-2024-21762", "--state", "patched")...); r.code != 1 || !strings.Contains(r.stderr, "not found") {
				t.Errorf("op-b stating op-a's exposure: %v", r)
			}
			var ov struct {
				BySector  []struct{ Sector string } `json:"by_sector"`
				Unpatched []struct {
					OrgID string `json:"org_id"`
				} `json:"unpatched_after_advisory"`
			}
			jsonOf(t, ok("", cmd("nco-analyst", "vuln", "overview", "--json")...), &ov)
			if len(ov.Unpatched) != 1 || len(ov.BySector) != 2 {
				t.Errorf("overview after op-b patched: %+v", ov)
			}
			contains(ok("", cmd("nco-analyst", "vuln", "exposures", "--all", "--unpatched", "--advised")...), "1 exposure(s)", "op-a")
			r = ok("", cmd("nco-analyst", "vuln", "vendor-record")...)
			if !regexp.MustCompile(`(?m)^ven\s+1\s+1\s+1\s+0\s+0\s+0\s+0\.0$`).MatchString(r.stdout) {
				t.Errorf("vendor record:\n%s", r.stdout)
			}
			if r := x("", cmd("ven-analyst", "vuln", "vendor-record")...); r.code != 1 {
				t.Errorf("vendor reading the record: %v", r)
			}

			// ---- re-matching and retiring ----
			if r := x("", cmd("op-a-analyst", "vuln", "rematch")...); r.code != 1 {
				t.Errorf("operator rematch: %v", r)
			}
			contains(ok("", cmd("nco-analyst", "vuln", "rematch")...), "re-matched 5 vulnerabilities against 3 computers", "0 new exposure(s), 0 resolved")
			r = ok("", cmd("op-b-analyst", "registry", "retire", "RAD-1", "--change-note", "replaced by the cloud IdP")...)
			contains(r, "retired computer RAD-1", "1 resolved")
			contains(ok("", cmd("op-b-analyst", "registry", "retire", "RAD-1", "--change-note", "again")...), "already retired")
			contains(ok("", cmd("op-b-analyst", "registry", "list")...), "1 of 1 computer(s)")
			contains(ok("", cmd("op-b-analyst", "registry", "list", "--retired")...), "retired", "2 of 2")

			// Every action is in the audit trail under the acting user, from the CLI.
			r = ok("", "audit", "list", "--limit", "1000")
			for _, w := range []string{"op-a-analyst@op-a.example.jp", "registry.notify", "ven-analyst@ven.example.jp"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("audit lacks %q", w)
				}
			}
		})
	}
}
