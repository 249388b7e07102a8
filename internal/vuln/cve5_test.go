package vuln

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/version"
)

// rng builders keep the expectations short.
func between(s version.Scheme, from, below string) version.Range {
	return version.Range{Scheme: s, StartIncluding: from, EndExcluding: below}
}

func through(s version.Scheme, from, upTo string) version.Range {
	return version.Range{Scheme: s, StartIncluding: from, EndIncluding: upTo}
}

func exact(s version.Scheme, v string) version.Range { return version.Range{Scheme: s, Exact: v} }

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func problemStrings(ps []ImportProblem) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func date(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// checkImported checks what every importer guarantees.
func checkImported(t *testing.T, vs []Vulnerability, source string) {
	t.Helper()
	for _, v := range vs {
		w := v
		w.Normalize()
		if !reflect.DeepEqual(w, v) {
			t.Errorf("%s: not normalised", v.ID)
		}
		if err := v.Validate(); err != nil {
			t.Errorf("%s: %v", v.ID, err)
		}
		if v.Source != source || v.TLP != marking.TLPClear {
			t.Errorf("%s: source %q, TLP %v", v.ID, v.Source, v.TLP)
		}
	}
}

func TestParseCVE5Fixtures(t *testing.T) {
	cisco := []version.Range{}
	for _, v := range []string{"16.1.1", "16.1.2", "16.3.1", "16.6.4s", "16.9.4c", "16.12.4", "17.3.4a", "17.6.5", "17.9.1a", "17.9.3a"} {
		cisco = append(cisco, exact(version.Cisco, v))
	}
	tests := []struct {
		file string
		want Vulnerability // the fields compared: see below
	}{
		{
			file: "CVE-2024-21762.json",
			want: Vulnerability{
				ID:    "CVE-2024-21762",
				Title: "A out-of-bounds write in Fortinet FortiOS versions 7.4.0 through 7.4.2, 7.2.0 through 7.2.6, 7.0.0 through 7.0.13, 6.4.0",
				Affected: []Affected{
					{Vendor: "Fortinet", Product: "FortiOS", CPE: "cpe:2.3:*:fortinet:fortios:*:*:*:*:*:*:*:*", Ranges: []version.Range{
						between(version.Semver, "7.4.0", "7.4.3"),
						between(version.Semver, "7.2.0", "7.2.7"),
						between(version.Semver, "7.0.0", "7.0.14"),
						between(version.Semver, "6.4.0", "6.4.15"),
						between(version.Semver, "6.2.0", "6.2.16"),
						between(version.Semver, "6.0.0", "6.1"), // "<= 6.0.*": the whole 6.0 branch
					}},
					{Vendor: "Fortinet", Product: "FortiProxy", CPE: "cpe:2.3:*:fortinet:fortiproxy:*:*:*:*:*:*:*:*", Ranges: []version.Range{
						through(version.Semver, "7.4.0", "7.4.2"),
						through(version.Semver, "7.2.0", "7.2.8"),
						through(version.Semver, "7.0.0", "7.0.14"),
						through(version.Semver, "2.0.0", "2.0.13"),
						through(version.Semver, "1.2.0", "1.2.13"),
						through(version.Semver, "1.1.0", "1.1.6"),
						through(version.Semver, "1.0.0", "1.0.7"),
					}},
					// The CISA ADP's fortinet:fortios names the same product: not repeated.
				},
				CVSS:        &CVSS{Version: "3.1", Score: 9.6, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/RL:X/RC:X"},
				Exploited:   true, // CISA ADP: kev and SSVC Exploitation active
				KEV:         &KEV{DateAdded: "2024-02-09"},
				Fixes:       []Remedy{{Text: "Please upgrade to FortiProxy version 7.4.3 or above \nPlease upgrade to FortiProxy version 7.2.9 or above \nPlease upgrade to FortiProxy version 7.0.15 or above \nPlease upgrade to FortiOS version 7.4.3 or above \nPlease upgrade to FortiOS version 7.2.7 or above \nPlease upgrade to FortiOS version 7.0.14 or above \nPlease upgrade to FortiOS version 6.4.15 or above \nPlease upgrade to FortiOS version 6.2.16 or above"}},
				Workarounds: []Remedy{{Text: "Disable SSL VPN (disable webmode is NOT a valid workaround)"}},
				References:  []string{"https://fortiguard.com/psirt/FG-IR-24-015"},
				CWEs:        []string{"CWE-787"},
				Published:   date("2024-02-09T08:13:59.593Z"),
			},
		},
		{
			file: "CVE-2025-0282.json",
			want: Vulnerability{
				ID:    "CVE-2025-0282",
				Title: "A stack-based buffer overflow in Ivanti Connect Secure before version 22.7R2.5, Ivanti Policy Secure before version 22.7",
				Affected: []Affected{
					// The cpes differ in the update only: ANY, like the version.
					{Vendor: "Ivanti", Product: "Connect Secure", CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", Ranges: []version.Range{between(version.Ivanti, "22.7R2", "22.7R2.5")}},
					{Vendor: "Ivanti", Product: "Policy Secure", CPE: "cpe:2.3:*:ivanti:policy_secure:*:*:*:*:*:*:*:*", Ranges: []version.Range{between(version.Ivanti, "22.7R1", "22.7R1.2")}},
					{Vendor: "Ivanti", Product: "Neurons for ZTA gateways", CPE: "cpe:2.3:*:ivanti:neurons_for_zta_gateways:*:*:*:*:*:*:*:*", Ranges: []version.Range{between(version.Ivanti, "22.7R2", "22.7R2.3")}},
				},
				CVSS:        &CVSS{Version: "3.1", Score: 9, Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H"},
				Fixes:       []Remedy{},
				Workarounds: []Remedy{},
				References:  []string{"https://forums.ivanti.com/s/article/Security-Advisory-Ivanti-Connect-Secure-Policy-Secure-ZTA-Gateways-CVE-2025-0282-CVE-2025-0283"},
				CWEs:        []string{"CWE-121"},
				Published:   date("2025-01-08T22:15:12.846Z"),
			},
		},
		{
			file: "CVE-2023-20198.json",
			want: Vulnerability{
				ID:    "CVE-2023-20198",
				Title: "Cisco IOS XE Software Web UI Privilege Escalation Vulnerability",
				Affected: []Affected{
					{Vendor: "Cisco", Product: "Cisco IOS XE Software", CPE: "cpe:2.3:*:cisco:cisco_ios_xe_software:*:*:*:*:*:*:*:*", Ranges: cisco},
					// The CISA ADP's CPE names another product: added.
					{Vendor: "cisco", Product: "ios_xe", CPE: "cpe:2.3:o:cisco:ios_xe:*:*:*:*:*:*:*:*", Ranges: []version.Range{exact(version.Cisco, "16.12.4"), exact(version.Cisco, "17.9.3a")}},
				},
				CVSS:        &CVSS{Version: "3.1", Score: 10, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
				Exploited:   true,
				KEV:         &KEV{DateAdded: "2023-10-16"},
				Fixes:       []Remedy{},
				Workarounds: []Remedy{},
				References:  []string{"https://sec.cloudapps.cisco.com/security/center/content/CiscoSecurityAdvisory/cisco-sa-iosxe-webui-privesc-j22SaA4z"},
				CWEs:        []string{"CWE-269", "CWE-420"},
				Published:   date("2023-10-16T15:12:47.033Z"),
			},
		},
		{
			file: "CVE-2024-3400.json",
			want: Vulnerability{
				ID:    "CVE-2024-3400",
				Title: "PAN-OS: Arbitrary File Creation Leads to OS Command Injection Vulnerability in GlobalProtect",
				Affected: []Affected{
					{Vendor: "Palo Alto Networks", Product: "PAN-OS", CPE: "cpe:2.3:*:palo_alto_networks:pan-os:*:*:*:*:*:*:*:*", Ranges: []version.Range{
						between(version.PaloAlto, "11.1.2", "11.1.2-h3"),
						// 11.1.0 < 11.1.2 split by its changes: unaffected
						// from 11.1.0-h3, affected again from 11.1.1,
						// unaffected from 11.1.1-h1.
						between(version.PaloAlto, "11.1.0", "11.1.0-h3"),
						between(version.PaloAlto, "11.1.1", "11.1.1-h1"),
						between(version.PaloAlto, "11.0.0", "11.0.4-h1"),
						between(version.PaloAlto, "10.2.0", "10.2.9-h1"),
					}},
					// Cloud NGFW and Prisma Access: every version unaffected, left out.
				},
				CVSS:        &CVSS{Version: "4.0", Score: 10, Vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/AU:Y/R:U/V:C/RE:H/U:Red"},
				Fixes:       []Remedy{{Text: "This issue is fixed in PAN-OS 10.2.9-h1, PAN-OS 11.0.4-h1, PAN-OS 11.1.2-h3, and in all later PAN-OS versions."}},
				Workarounds: []Remedy{{Text: "Customers with a Threat Prevention subscription can block attacks for this vulnerability by enabling Threat ID 95187 (introduced in Applications and Threats content version 8833-8682)."}},
				References:  []string{"https://security.paloaltonetworks.com/CVE-2024-3400", "https://unit42.paloaltonetworks.com/cve-2024-3400/"},
				CWEs:        []string{"CWE-77", "CWE-20"},
				Published:   date("2024-04-12T07:06:25.837Z"),
			},
		},
		{
			file: "CVE-2024-38063.json",
			want: Vulnerability{
				ID:    "CVE-2024-38063",
				Title: "Windows TCP/IP Remote Code Execution Vulnerability",
				Affected: []Affected{
					// x86 and x64 cpes: target_hw ANY.
					{Vendor: "Microsoft", Product: "Windows 10 Version 1809", CPE: "cpe:2.3:o:microsoft:windows_10_1809:*:*:*:*:*:*:*:*", Ranges: []version.Range{between(version.Microsoft, "10.0.17763.0", "10.0.17763.6189")}},
					{Vendor: "Microsoft", Product: "Windows Server 2022", CPE: "cpe:2.3:o:microsoft:windows_server_2022:*:*:*:*:*:*:*:*", Ranges: []version.Range{between(version.Microsoft, "10.0.20348.0", "10.0.20348.2655")}},
					{Vendor: "Microsoft", Product: "Windows 11 version 23H2", CPE: "cpe:2.3:o:microsoft:windows_11_23h2:*:*:*:*:*:*:*:*", Ranges: []version.Range{between(version.Microsoft, "10.0.22631.0", "10.0.22631.4037")}},
				},
				CVSS:        &CVSS{Version: "3.1", Score: 9.8, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C"},
				Fixes:       []Remedy{},
				Workarounds: []Remedy{},
				References:  []string{"https://msrc.microsoft.com/update-guide/vulnerability/CVE-2024-38063"},
				CWEs:        []string{"CWE-191"},
				Published:   date("2024-08-13T17:30:15.436Z"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			vs, probs, err := ParseCVE5(readFixture(t, filepath.Join("cve5", tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if len(probs) != 0 {
				t.Errorf("problems: %q", problemStrings(probs))
			}
			if len(vs) != 1 {
				t.Fatalf("%d records, want 1", len(vs))
			}
			checkImported(t, vs, "cve5")
			got := vs[0]
			want := tt.want
			want.TLP, want.Source = marking.TLPClear, "cve5"
			got.Description = "" // checked separately
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestParseCVE5Description(t *testing.T) {
	vs, _, err := ParseCVE5(readFixture(t, "cve5/CVE-2024-3400.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := "A command injection as a result of arbitrary file creation vulnerability in the GlobalProtect feature of Palo Alto Networks PAN-OS software for specific PAN-OS versions and distinct feature configurations may enable an unauthenticated attacker to execute arbitrary code with root privileges on the firewall.\n\nCloud NGFW, Panorama appliances, and Prisma Access are not impacted by this vulnerability."
	if vs[0].Description != want {
		t.Errorf("description %q", vs[0].Description)
	}
}

func TestParseCVE5Rejected(t *testing.T) {
	vs, probs, err := ParseCVE5(readFixture(t, "cve5/rejected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		t.Fatalf("a rejected record was imported: %+v", vs)
	}
	want := []ImportProblem{{Index: 0, ID: "CVE-2024-29999", Field: "cveMetadata.state",
		Message: "the record is REJECTED: This candidate was withdrawn by its CNA. Further investigation showed that it was a duplicate of CVE-2024-21762."}}
	if !reflect.DeepEqual(probs, want) {
		t.Errorf("problems %+v", probs)
	}
	if !strings.Contains(probs[0].String(), "CVE-2024-29999") || probs[0].Partial() {
		t.Errorf("String %q", probs[0].String())
	}
}

func TestParseCVE5Malformed(t *testing.T) {
	vs, probs, err := ParseCVE5(readFixture(t, "cve5/malformed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 0 {
		t.Fatalf("a malformed record was imported: %+v", vs)
	}
	want := []string{"record 0 (CVE-2024-23113): containers.cna.affected[0].versions[1].lessThan: must be a string, not a number"}
	if got := problemStrings(probs); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q", got)
	}
}

func TestParseCVE5Array(t *testing.T) {
	vs, probs, err := ParseCVE5(readFixture(t, "cve5/records.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkImported(t, vs, "cve5")
	wantProblems := []string{
		"record 1 (CVE-2024-29998): cveMetadata.state: the record is REJECTED: DO NOT USE THIS CANDIDATE NUMBER. Reason: This candidate was in a CNA pool that was not assigned to any issues during 2024.",
		"record 2 (CVE-2025-10002): containers.cna.affected[0].versions[1].lessThan: must be a string, not a number",
		"record 3 (CVE-2025-10003): containers.cna.affected[0].versions: ignored: 2 version entries of versionType git (commit ranges cannot be compared)",
		"record 3 (CVE-2025-10003): containers.cna.affected[0]: ignored: no affected version could be read; the affected product is left out",
		"record 4 (CVE-2025-10001): cveMetadata.cveId: duplicates record 0; only the first is imported",
		"record 5: a record must be a JSON object, not a string",
		"record 6 (CVE-2025-10004): containers.cna.affected[0]: ignored: an affected product needs a vendor and a product (or a CPE name) to be matched",
		"record 6 (CVE-2025-10004): containers.cna.affected[1].versions: ignored: every version is affected by default except the unaffected ones, which cannot be ordered " +
			`(version: first version: semver "1.2.0 build 77": core version "1.2.0 build 77" must be numbers separated by "." (MAJOR.MINOR.PATCH)); only the versions listed as affected are imported`,
	}
	if got := problemStrings(probs); !reflect.DeepEqual(got, wantProblems) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
	}
	partial := map[int]bool{2: true, 3: true, 6: true, 7: true}
	for i, p := range probs {
		if p.Partial() != partial[i] {
			t.Errorf("problem %d: Partial() = %v", i, p.Partial())
		}
	}

	type want struct {
		title     string
		affected  []Affected
		cvss      *CVSS
		cwes      []string
		published *time.Time
	}
	wants := map[string]want{
		"CVE-2025-10001": {
			// No title: the start of the English description (not the
			// Japanese one listed first).
			title: "An authentication bypass in the management interface of Example Networks EdgeGate, EdgeGate Manager and EdgeGate Agent a",
			affected: []Affected{
				// defaultStatus affected, unaffected from 3.2.1 on.
				{Vendor: "Example Networks", Product: "EdgeGate", CPE: "cpe:2.3:*:example_networks:edgegate:*:*:*:*:*:*:*:*",
					Ranges: []version.Range{{Scheme: version.Semver, EndExcluding: "3.2.1"}}},
				// Unaffected below 2.0.0 and from 2.4.0 on.
				{Vendor: "Example Networks", Product: "EdgeGate Manager", CPE: "cpe:2.3:*:example_networks:edgegate_manager:*:*:*:*:*:*:*:*",
					Ranges: []version.Range{between(version.Semver, "2.0.0", "2.4.0")}},
				// Only 4.2.0 is unaffected.
				{Vendor: "Example Networks", Product: "EdgeGate Agent", CPE: "cpe:2.3:*:example_networks:edgegate_agent:*:*:*:*:*:*:*:*",
					Ranges: []version.Range{{Scheme: version.Semver, EndExcluding: "4.2.0"}, {Scheme: version.Semver, StartExcluding: "4.2.0"}}},
				// defaultStatus affected and no versions: every version.
				{Vendor: "Example Networks", Product: "EdgeGate Cloud", CPE: "cpe:2.3:*:example_networks:edgegate_cloud:*:*:*:*:*:*:*:*", Ranges: []version.Range{}},
			},
			cwes:      []string{},
			published: date("2025-03-03T01:00:00Z"),
		},
		"CVE-2025-10003": {
			title: "netfilter: nf_tables: release mutex after gc sequence end from abort path",
			affected: []Affected{
				// The git entry is left out; the semver one is every
				// version but those before 5.10, the fixed 5.15 and 6.1
				// releases and everything from 6.3.
				{Vendor: "Linux", Product: "Linux", CPE: "cpe:2.3:*:linux:linux:*:*:*:*:*:*:*:*", Ranges: []version.Range{
					between(version.Semver, "5.10", "5.15.100"),
					between(version.Semver, "5.16", "6.1.20"),
					between(version.Semver, "6.2", "6.3"),
				}},
			},
			cwes:      []string{},
			published: date("2025-03-04T12:30:00Z"),
		},
		"CVE-2025-10004": {
			title: "Cross-site scripting in Example Soft Widget and Example Soft HTTP Server.",
			affected: []Affected{
				{Vendor: "Example Soft", Product: "Widget", CPE: "cpe:2.3:*:example_soft:widget:*:*:*:*:*:*:*:*", Ranges: []version.Range{between(version.Semver, "1.1.0", "1.2.0")}},
				{Vendor: "Example Soft", Product: "HTTP Server", CPE: "cpe:2.3:*:example_soft:http_server:*:*:*:*:*:*:*:*", Ranges: []version.Range{{Scheme: version.Generic, EndExcluding: "2.4.58"}}},
			},
			// CVSS 2.0 from the CNA loses to 3.1 from the ADP.
			cvss:      &CVSS{Version: "3.1", Score: 6.1, Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"},
			cwes:      []string{"CWE-79"}, // from the description text; NVD-CWE-noinfo is no CWE
			published: date("2025-03-05T09:15:00Z"),
		},
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
		w, ok := wants[v.ID]
		if !ok {
			t.Errorf("unexpected record %s", v.ID)
			continue
		}
		if v.Title != w.title {
			t.Errorf("%s: title %q", v.ID, v.Title)
		}
		if !reflect.DeepEqual(v.Affected, w.affected) {
			g, _ := json.MarshalIndent(v.Affected, "", "  ")
			t.Errorf("%s: affected\n%s", v.ID, g)
		}
		if !reflect.DeepEqual(v.CVSS, w.cvss) {
			t.Errorf("%s: cvss %+v", v.ID, v.CVSS)
		}
		if !reflect.DeepEqual(v.CWEs, w.cwes) {
			t.Errorf("%s: cwes %q", v.ID, v.CWEs)
		}
		if !reflect.DeepEqual(v.Published, w.published) {
			t.Errorf("%s: published %v", v.ID, v.Published)
		}
	}
	if want := []string{"CVE-2025-10001", "CVE-2025-10003", "CVE-2025-10004"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("records %q, want %q", ids, want)
	}
}

// record wraps a CNA container in a minimal published record.
func record(id, cna string) string {
	return `{"dataType":"CVE_RECORD","dataVersion":"5.1","cveMetadata":{"cveId":"` + id + `","state":"PUBLISHED"},"containers":{"cna":` + cna + `}}`
}

// TestParseCVE5Versions checks the version entries one by one.
func TestParseCVE5Versions(t *testing.T) {
	const desc = `"descriptions":[{"lang":"en","value":"x"}]`
	tests := []struct {
		name     string
		affected string // the affected entry
		want     []version.Range
		none     bool   // no affected product
		problem  string // the start of the last problem, if any
	}{
		{"range", `{"vendor":"Fortinet","product":"FortiOS","versions":[{"version":"7.2.0","lessThan":"7.2.7","status":"affected"}]}`,
			[]version.Range{between(version.Fortinet, "7.2.0", "7.2.7")}, false, ""},
		{"from zero", `{"vendor":"Fortinet","product":"FortiOS","versions":[{"version":"0","lessThan":"7.2.7","status":"affected","versionType":"custom"}]}`,
			[]version.Range{{Scheme: version.Fortinet, EndExcluding: "7.2.7"}}, false, ""},
		{"from star", `{"vendor":"Fortinet","product":"FortiOS","versions":[{"version":"*","lessThanOrEqual":"7.2.6","status":"affected"}]}`,
			[]version.Range{{Scheme: version.Fortinet, EndIncluding: "7.2.6"}}, false, ""},
		{"open above", `{"vendor":"Acme","product":"Gate","versions":[{"version":"2.0","lessThan":"*","status":"affected"}]}`,
			[]version.Range{{Scheme: version.Generic, StartIncluding: "2.0"}}, false, ""},
		{"every version", `{"vendor":"Acme","product":"Gate","versions":[{"version":"0","lessThan":"*","status":"affected"}]}`,
			[]version.Range{}, false, ""},
		{"exact", `{"vendor":"Ivanti","product":"Connect Secure","versions":[{"version":"9.1R18.2","status":"affected"}]}`,
			[]version.Range{exact(version.Ivanti, "9.1R18.2")}, false, ""},
		{"semver type", `{"vendor":"Ivanti","product":"EPM","versions":[{"version":"2022.1.0","lessThan":"2022.3.0","status":"affected","versionType":"semver"}]}`,
			[]version.Range{between(version.Semver, "2022.1.0", "2022.3.0")}, false, ""},
		{"branch wildcard alone", `{"vendor":"Acme","product":"Gate","versions":[{"version":"6.0.*","status":"affected"}]}`,
			[]version.Range{between(version.Generic, "6.0", "6.1")}, false, ""},
		{"operator in version", `{"vendor":"Acme","product":"Gate","versions":[{"version":"<= 3.4","status":"affected"}]}`,
			[]version.Range{{Scheme: version.Generic, EndIncluding: "3.4"}}, false, ""},
		{"all versions word", `{"vendor":"Acme","product":"Gate","versions":[{"version":"All","status":"affected"}]}`,
			[]version.Range{}, false, ""},
		{"unknown status only", `{"vendor":"Acme","product":"Gate","defaultStatus":"unknown","versions":[{"version":"1.0","status":"unknown"}]}`,
			nil, true, ""},
		{"unaffected default, no versions", `{"vendor":"Acme","product":"Gate","defaultStatus":"unaffected"}`,
			nil, true, ""},
		{"no versions, no default", `{"vendor":"Acme","product":"Gate"}`,
			nil, true, ""},
		{"affected default, listed affected only", `{"vendor":"Acme","product":"Gate","defaultStatus":"affected","versions":[{"version":"1.0","lessThan":"1.4","status":"affected"}]}`,
			[]version.Range{between(version.Generic, "1.0", "1.4")}, false, ""},
		{"affected default, unaffected up to a version", `{"vendor":"Acme","product":"Gate","defaultStatus":"affected","versions":[{"version":"0","lessThanOrEqual":"1.9","status":"unaffected"}]}`,
			[]version.Range{{Scheme: version.Generic, StartExcluding: "1.9"}}, false, ""},
		{"affected default, overlapping unaffected", `{"vendor":"Acme","product":"Gate","defaultStatus":"affected","versions":[
			{"version":"2.0","lessThan":"3.0","status":"unaffected"},{"version":"2.5","lessThan":"2.8","status":"unaffected"},{"version":"2.9","lessThanOrEqual":"3.1","status":"unaffected"},{"version":"4.0","lessThan":"*","status":"unaffected"}]}`,
			[]version.Range{{Scheme: version.Generic, EndExcluding: "2.0"}, {Scheme: version.Generic, StartExcluding: "3.1", EndExcluding: "4.0"}}, false, ""},
		{"affected default, all unaffected", `{"vendor":"Acme","product":"Gate","defaultStatus":"affected","versions":[{"version":"0","lessThan":"*","status":"unaffected"}]}`,
			nil, true, ""},
		{"changes", `{"vendor":"Acme","product":"Gate","versions":[{"version":"1.0","lessThan":"2.0","status":"affected","changes":[{"at":"1.5","status":"unaffected"}]}]}`,
			[]version.Range{between(version.Generic, "1.0", "1.5")}, false, ""},
		{"changes from unaffected", `{"vendor":"Acme","product":"Gate","versions":[{"version":"1.0","lessThan":"*","status":"unaffected","changes":[{"at":"1.2","status":"affected"},{"at":"1.3","status":"unaffected"}]}]}`,
			[]version.Range{between(version.Generic, "1.2", "1.3")}, false, ""},
		{"cpes", `{"vendor":"Acme","product":"Gate","cpes":["cpe:/o:acme:gate_os:2.0","cpe:2.3:o:acme:gate_os:2.1:*:*:*:*:*:*:*"],"versions":[{"version":"2.0","lessThan":"2.2","status":"affected"}]}`,
			[]version.Range{between(version.Generic, "2.0", "2.2")}, false, ""},
		{"both ends", `{"vendor":"Acme","product":"Gate","versions":[{"version":"1.0","lessThan":"2.0","lessThanOrEqual":"2.0","status":"affected"},{"version":"3.0","status":"affected"}]}`,
			[]version.Range{exact(version.Generic, "3.0")}, false,
			`containers.cna.affected[0].versions[0]: ignored: CVE entry has both "lessThan" and "lessThanOrEqual"`},
		{"start after end", `{"vendor":"Acme","product":"Gate","versions":[{"version":"2.0","lessThan":"1.0","status":"affected"},{"version":"3.0","status":"affected"}]}`,
			[]version.Range{exact(version.Generic, "3.0")}, false,
			`containers.cna.affected[0].versions[0]: ignored: range: "start_including" "2.0" is after "end_excluding" "1.0"`},
		{"nothing readable", `{"vendor":"Acme","product":"Gate","versions":[{"version":"2.0","lessThan":"1.0","status":"affected"}]}`,
			nil, true,
			`containers.cna.affected[0]: ignored: no affected version could be read; the affected product is left out`},
		{"bad status", `{"vendor":"Acme","product":"Gate","versions":[{"version":"2.0","status":"vulnerable"},{"version":"3.0","status":"affected"}]}`,
			[]version.Range{exact(version.Generic, "3.0")}, false,
			`containers.cna.affected[0].versions[0]: ignored: status "vulnerable" is not affected, unaffected or unknown`},
		{"affected default, unreadable unaffected only", `{"vendor":"Acme","product":"Gate","defaultStatus":"affected","versions":[{"version":"beta","status":"unaffected"}]}`,
			nil, true,
			`containers.cna.affected[0]: ignored: every version is affected by default except those of entries that could not be read; the affected product is left out`},
		{"no name", `{"vendor":"n/a","product":"Gate","versions":[{"version":"1.0","status":"affected"}]}`,
			nil, true,
			`containers.cna.affected[0]: ignored: an affected product needs a vendor and a product (or a CPE name) to be matched`},
		{"name not ASCII", `{"vendor":"エイシー","product":"ゲート","versions":[{"version":"1.0","status":"affected"}]}`,
			nil, true, "containers.cna.affected[0]: ignored: vendor"},
		{"bad cpe", `{"vendor":"Acme","product":"Gate","cpes":["cpe:2.3:a:acme"],"versions":[{"version":"1.0","status":"affected"}]}`,
			[]version.Range{exact(version.Generic, "1.0")}, false, "containers.cna.affected[0].cpes[0]: ignored: cpe: formatted string has"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := record("CVE-2025-20001", `{`+desc+`,"affected":[`+tt.affected+`]}`)
			vs, probs, err := ParseCVE5([]byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 {
				t.Fatalf("no record; problems %q", problemStrings(probs))
			}
			checkImported(t, vs, "cve5")
			// The problem is the last one (a left-out product also has the
			// problem of each entry that could not be read).
			switch {
			case tt.problem == "" && len(probs) != 0:
				t.Errorf("problems %q", problemStrings(probs))
			case tt.problem != "" && (len(probs) == 0 || !strings.HasPrefix(probs[len(probs)-1].Field+": "+probs[len(probs)-1].Message, tt.problem)):
				t.Errorf("problems %q, want %q", problemStrings(probs), tt.problem)
			}
			v := vs[0]
			if tt.none {
				if len(v.Affected) != 0 {
					t.Errorf("affected %+v, want none", v.Affected)
				}
				return
			}
			if len(v.Affected) != 1 {
				t.Fatalf("affected %+v", v.Affected)
			}
			if !reflect.DeepEqual(v.Affected[0].Ranges, tt.want) {
				t.Errorf("ranges %+v, want %+v", v.Affected[0].Ranges, tt.want)
			}
			if tt.name == "cpes" && v.Affected[0].CPE != "cpe:2.3:o:acme:gate_os:*:*:*:*:*:*:*:*" {
				t.Errorf("cpe %s", v.Affected[0].CPE)
			}
		})
	}
}

// TestParseCVE5Errors checks the problems that make a record unusable and
// the errors for unusable files.
func TestParseCVE5Errors(t *testing.T) {
	tests := []struct {
		name, data string
		problem    string // "" when err
		err        string
	}{
		{"not json", `{"dataType":`, "", "not a CVE JSON 5 file"},
		{"number", `42`, "", "holds a record (an object) or an array of records, not a number"},
		{"no metadata", `{"dataType":"CVE_RECORD"}`, "record 0: cveMetadata: is required (is this a CVE JSON 5 record?)", ""},
		{"bad id", `{"cveMetadata":{"cveId":"GHSA-1234","state":"PUBLISHED"},"containers":{"cna":{}}}`, `record 0: cveMetadata.cveId: "GHSA-1234" is not a CVE id`, ""},
		{"other data type", `{"dataType":"CVE_RECORD_V4","cveMetadata":{"cveId":"CVE-2025-20002","state":"PUBLISHED"}}`,
			`record 0 (CVE-2025-20002): dataType: is "CVE_RECORD_V4", want CVE_RECORD`, ""},
		{"rejected without cna", `{"cveMetadata":{"cveId":"CVE-2025-20002","state":"REJECTED"}}`,
			"record 0 (CVE-2025-20002): cveMetadata.state: the record is REJECTED", ""},
		{"version 4", `{"dataType":"CVE_RECORD","dataVersion":"4.0","cveMetadata":{"cveId":"CVE-2025-20002","state":"PUBLISHED"},"containers":{"cna":{}}}`,
			`record 0 (CVE-2025-20002): dataVersion: is "4.0", want 5.x`, ""},
		{"no cna", `{"cveMetadata":{"cveId":"CVE-2025-20002","state":"PUBLISHED"},"containers":{"adp":[]}}`, "record 0 (CVE-2025-20002): containers.cna: is required", ""},
		{"reserved", `{"cveMetadata":{"cveId":"CVE-2025-20002","state":"RESERVED"},"containers":{"cna":{}}}`,
			`record 0 (CVE-2025-20002): cveMetadata.state: is "RESERVED", want PUBLISHED or REJECTED`, ""},
		{"score type", record("CVE-2025-20002", `{"metrics":[{"cvssV3_1":{"baseScore":"9.8"}}]}`),
			"record 0 (CVE-2025-20002): containers.cna.metrics[0].cvssV3_1.baseScore: must be a number, not a string", ""},
		{"adp type", `{"cveMetadata":{"cveId":"CVE-2025-20002","state":"PUBLISHED"},"containers":{"cna":{},"adp":{}}}`,
			"record 0 (CVE-2025-20002): containers.adp: must be an array, not an object", ""},
		{"cpes type", record("CVE-2025-20002", `{"affected":[{"vendor":"a","product":"b","cpes":[1]}]}`),
			"record 0 (CVE-2025-20002): containers.cna.affected[0].cpes[0]: must be a string, not a number", ""},
		{"changes type", record("CVE-2025-20002", `{"affected":[{"vendor":"a","product":"b","versions":[{"version":"1","lessThan":"2","status":"affected","changes":[{"at":2}]}]}]}`),
			"record 0 (CVE-2025-20002): containers.cna.affected[0].versions[0].changes[0].at: must be a string, not a number", ""},
		{"description type", record("CVE-2025-20002", `{"descriptions":[{"lang":"en","value":["x"]}]}`),
			"record 0 (CVE-2025-20002): containers.cna.descriptions[0].value: must be a string, not an array", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, probs, err := ParseCVE5([]byte(tt.data))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := problemStrings(probs); len(vs) != 0 || !reflect.DeepEqual(got, []string{tt.problem}) {
				t.Errorf("records %d, problems %q, want %q", len(vs), got, tt.problem)
			}
		})
	}
}

// TestParseCVE5Texts checks titles and texts at their limits.
func TestParseCVE5Texts(t *testing.T) {
	long := strings.Repeat("長い説明 ", 5000) // 25000 runes
	data := record("CVE-2025-20003", `{"title":"   `+strings.Repeat("t", 400)+`  ","descriptions":[{"lang":"en","value":"`+long+`"}],
		"solutions":[{"lang":"en","value":"  Update to 2.0.  "},{"lang":"de","value":"Auf 2.0 aktualisieren."},{"lang":"en","value":""}],
		"workarounds":[{"lang":"en-GB","value":"Disable the web UI."}]}`)
	vs, probs, err := ParseCVE5([]byte(data))
	if err != nil || len(vs) != 1 {
		t.Fatalf("%v %q", err, problemStrings(probs))
	}
	v := vs[0]
	if n := len([]rune(v.Title)); n != 300 || !strings.HasSuffix(v.Title, "…") {
		t.Errorf("title of %d runes", n)
	}
	if n := len([]rune(v.Description)); n > 20000 {
		t.Errorf("description of %d runes", n)
	}
	if !reflect.DeepEqual(v.Fixes, []Remedy{{Text: "Update to 2.0."}}) || !reflect.DeepEqual(v.Workarounds, []Remedy{{Text: "Disable the web UI."}}) {
		t.Errorf("fixes %+v workarounds %+v", v.Fixes, v.Workarounds)
	}
	want := []string{
		"record 0 (CVE-2025-20003): containers.cna.descriptions: ignored: the description is longer than 20000 characters and was shortened",
		"record 0 (CVE-2025-20003): containers.cna.title: ignored: the title is longer than 300 characters and was shortened",
	}
	if got := problemStrings(probs); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q", got)
	}

	// Neither title nor description: the id is the title.
	vs, _, _ = ParseCVE5([]byte(record("CVE-2025-20004", `{}`)))
	if len(vs) != 1 || vs[0].Title != "CVE-2025-20004" || vs[0].Published != nil {
		t.Errorf("%+v", vs)
	}
	// Empty array: nothing, no error.
	vs, probs, err = ParseCVE5([]byte(" [ ] "))
	if err != nil || len(vs) != 0 || len(probs) != 0 {
		t.Errorf("%v %v %v", vs, probs, err)
	}
	// A byte-order mark is ignored; a lower-case id is upper-cased.
	vs, _, err = ParseCVE5([]byte("\ufeff" + record("cve-2025-20005", `{}`)))
	if err != nil || len(vs) != 1 || vs[0].ID != "CVE-2025-20005" {
		t.Errorf("%+v %v", vs, err)
	}
}

func TestImportProblemString(t *testing.T) {
	tests := []struct {
		p    ImportProblem
		want string
	}{
		{ImportProblem{Index: 2, ID: "CVE-2024-1234", Field: "containers.cna.affected[0].versions[1].lessThan", Message: "must be a string, not a number"},
			"record 2 (CVE-2024-1234): containers.cna.affected[0].versions[1].lessThan: must be a string, not a number"},
		{ImportProblem{Index: 5, Message: "a record must be a JSON object, not a string"}, "record 5: a record must be a JSON object, not a string"},
		{ImportProblem{Index: 0, ID: "CVE-2024-1", Message: "x"}, "record 0 (CVE-2024-1): x"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%q, want %q", got, tt.want)
		}
	}
}

func FuzzParseCVE5(f *testing.F) {
	files, _ := filepath.Glob("testdata/cve5/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(record("CVE-2025-1000", `{"affected":[{"vendor":"a","product":"b","defaultStatus":"affected","versions":[{"version":"1","lessThan":"2","status":"unaffected","changes":[{"at":"1.5","status":"affected"}]}]}]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, probs, err := ParseCVE5(data)
		if err != nil {
			if len(vs) != 0 || len(probs) != 0 {
				t.Fatal("results with an error")
			}
			return
		}
		for _, v := range vs {
			w := v
			w.Normalize()
			if err := w.Validate(); err != nil {
				t.Fatalf("%s: %v", v.ID, err)
			}
			for _, a := range v.Affected {
				for _, r := range a.Ranges {
					if err := r.Validate(); err != nil || r.IsAny() {
						t.Fatalf("%s: range %+v: %v", v.ID, r, err)
					}
				}
			}
		}
		for _, p := range probs {
			_ = p.String()
		}
	})
}
