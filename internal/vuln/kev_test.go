package vuln

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"sakimori/internal/marking"
	"sakimori/internal/version"
)

func TestParseKEVCatalogue(t *testing.T) {
	vs, probs, err := ParseKEV(readFixture(t, "kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Errorf("problems %q", problemStrings(probs))
	}
	checkImported(t, vs, "kev")
	aff := func(vendor, product, cpe string) []Affected {
		return []Affected{{Vendor: vendor, Product: product, CPE: cpe, Ranges: []version.Range{}}}
	}
	want := []Vulnerability{
		{
			ID:          "CVE-2025-0282",
			Title:       "Ivanti Connect Secure, Policy Secure, and ZTA Gateways Stack-Based Buffer Overflow Vulnerability",
			Description: "Ivanti Connect Secure, Policy Secure, and ZTA Gateways contain a stack-based buffer overflow which can lead to unauthenticated remote code execution.",
			Affected:    aff("Ivanti", "Connect Secure, Policy Secure, and ZTA Gateways", `cpe:2.3:*:ivanti:connect_secure\,_policy_secure\,_and_zta_gateways:*:*:*:*:*:*:*:*`),
			KEV: &KEV{DateAdded: "2025-01-08", DueDate: "2025-01-15",
				RequiredAction: "Apply mitigations as set forth in the CISA instructions linked below to include conducting hunt activities, taking remediation actions if applicable, and applying updates prior to returning a device to service."},
			References: []string{
				"https://forums.ivanti.com/s/article/Security-Advisory-Ivanti-Connect-Secure-Policy-Secure-ZTA-Gateways-CVE-2025-0282-CVE-2025-0283",
				"https://www.cisa.gov/cisa-mitigation-instructions-cve-2025-0282",
				"https://nvd.nist.gov/vuln/detail/CVE-2025-0282",
			},
			CWEs: []string{"CWE-121"},
		},
		{
			ID:          "CVE-2024-3400",
			Title:       "Palo Alto Networks PAN-OS Command Injection Vulnerability",
			Description: "Palo Alto Networks PAN-OS GlobalProtect feature contains a command injection vulnerability that allows an unauthenticated attacker to execute commands with root privileges on the firewall.",
			Affected:    aff("Palo Alto Networks", "PAN-OS", "cpe:2.3:*:palo_alto_networks:pan-os:*:*:*:*:*:*:*:*"),
			KEV: &KEV{DateAdded: "2024-04-12", DueDate: "2024-04-19",
				RequiredAction: "Apply mitigations per vendor instructions as they become available. Otherwise, users with vulnerable versions of affected devices should enable Threat ID 95187 if that is available."},
			References: []string{"https://security.paloaltonetworks.com/CVE-2024-3400", "https://nvd.nist.gov/vuln/detail/CVE-2024-3400"},
			CWEs:       []string{"CWE-77"},
		},
		{
			ID:          "CVE-2024-21762",
			Title:       "Fortinet FortiOS Out-of-Bound Write Vulnerability",
			Description: "Fortinet FortiOS contains an out-of-bound write vulnerability that allows a remote attacker to execute unauthenticated remote code via specially crafted HTTP requests.",
			Affected:    aff("Fortinet", "FortiOS", "cpe:2.3:*:fortinet:fortios:*:*:*:*:*:*:*:*"),
			KEV: &KEV{DateAdded: "2024-02-09", DueDate: "2024-02-16",
				RequiredAction: "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable."},
			References: []string{"https://fortiguard.com/psirt/FG-IR-24-015", "https://nvd.nist.gov/vuln/detail/CVE-2024-21762"},
			CWEs:       []string{"CWE-787"},
		},
		{
			ID:          "CVE-2023-4966",
			Title:       "Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability",
			Description: "Citrix NetScaler ADC and NetScaler Gateway contain a buffer overflow vulnerability that allows for sensitive information disclosure when configured as a Gateway (VPN virtual server, ICA Proxy, CVPN, RDP Proxy) or AAA virtual server.",
			Affected:    aff("Citrix", "NetScaler ADC and NetScaler Gateway", "cpe:2.3:*:citrix:netscaler_adc_and_netscaler_gateway:*:*:*:*:*:*:*:*"),
			KEV: &KEV{DateAdded: "2023-10-18", DueDate: "2023-11-08", Ransomware: true,
				RequiredAction: "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable."},
			References: []string{
				"https://support.citrix.com/article/CTX579459/netscaler-adc-and-netscaler-gateway-security-bulletin-for-cve20234966-and-cve20234967",
				"https://nvd.nist.gov/vuln/detail/CVE-2023-4966",
			},
			CWEs: []string{"CWE-119"},
		},
		{
			ID:    "CVE-2023-20198",
			Title: "Cisco IOS XE Web UI Privilege Escalation Vulnerability",
			// The text of the notes joins the description.
			Description: "Cisco IOS XE Web UI contains a privilege escalation vulnerability when exposed to the internet or to untrusted networks. Successful exploitation allows a remote, unauthenticated attacker to create an account with privilege level 15 access, which can then be used to take control of the affected device.\n\nNotes: Please see the CISA guidance for hunting and remediation steps.",
			Affected:    aff("Cisco", "IOS XE Web UI", "cpe:2.3:*:cisco:ios_xe_web_ui:*:*:*:*:*:*:*:*"),
			KEV: &KEV{DateAdded: "2023-10-16", DueDate: "2023-10-20",
				RequiredAction: "Verify that instances of Cisco IOS XE Web UI that have the HTTP Server feature enabled are not compromised and apply mitigations per vendor instructions."},
			References: []string{
				"https://sec.cloudapps.cisco.com/security/center/content/CiscoSecurityAdvisory/cisco-sa-iosxe-webui-privesc-j22SaA4z",
				"https://nvd.nist.gov/vuln/detail/CVE-2023-20198",
			},
			CWEs: []string{"CWE-420"},
		},
		{
			ID:          "CVE-2021-44228",
			Title:       "Apache Log4j2 Remote Code Execution Vulnerability",
			Description: "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.",
			Affected:    aff("Apache", "Log4j2", "cpe:2.3:*:apache:log4j2:*:*:*:*:*:*:*:*"),
			KEV: &KEV{DateAdded: "2021-12-10", DueDate: "2021-12-24", Ransomware: true,
				RequiredAction: "For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks. Temporary mitigations using one of the measures provided at https://www.cisa.gov/uscert/ed-22-02-apache-log4j-recommended-mitigation-measures are only acceptable until updates are available."},
			References: []string{"https://nvd.nist.gov/vuln/detail/CVE-2021-44228"},
			CWEs:       []string{"CWE-20", "CWE-400", "CWE-502"},
		},
	}
	if len(vs) != len(want) {
		t.Fatalf("%d records, want %d", len(vs), len(want))
	}
	for i := range want {
		w := want[i]
		w.Exploited, w.TLP, w.Source = true, marking.TLPClear, "kev"
		w.Fixes, w.Workarounds = []Remedy{}, []Remedy{}
		if !reflect.DeepEqual(vs[i], w) {
			g, _ := json.MarshalIndent(vs[i], "", "  ")
			e, _ := json.MarshalIndent(w, "", "  ")
			t.Errorf("entry %d:\n%s\nwant\n%s", i, g, e)
		}
	}
}

// kevFile wraps entries in a catalogue.
func kevFile(entries ...string) []byte {
	return []byte(`{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.01.10","count":` +
		string(rune('0'+len(entries))) + `,"vulnerabilities":[` + strings.Join(entries, ",") + `]}`)
}

const goodKEV = `{"cveID":"CVE-2024-21762","vendorProject":"Fortinet","product":"FortiOS","vulnerabilityName":"Fortinet FortiOS Out-of-Bound Write Vulnerability","dateAdded":"2024-02-09","shortDescription":"x","requiredAction":"y","dueDate":"2024-02-16","knownRansomwareCampaignUse":"Unknown","notes":"","cwes":["CWE-787"]}`

func TestParseKEVProblems(t *testing.T) {
	tests := []struct {
		name     string
		entry    string
		imported bool
		problem  string
	}{
		{"not an object", `"CVE-2024-1"`, false, "record 0: an entry must be a JSON object, not a string"},
		{"no id", `{"vendorProject":"a"}`, false, "record 0: cveID: is required"},
		{"bad id", `{"cveID":"CVE-24-1"}`, false, `record 0: cveID: "CVE-24-1" is not a CVE id`},
		{"id type", `{"cveID":2024}`, false, "record 0: cveID: must be a string, not a number"},
		{"no name", strings.Replace(goodKEV, `"vulnerabilityName":"Fortinet FortiOS Out-of-Bound Write Vulnerability"`, `"vulnerabilityName":" "`, 1), false,
			"record 0 (CVE-2024-21762): vulnerabilityName: is required"},
		{"no vendor", strings.Replace(goodKEV, `"vendorProject":"Fortinet"`, `"vendorProject":""`, 1), false, "record 0 (CVE-2024-21762): vendorProject: is required"},
		{"no product", strings.Replace(goodKEV, `"product":"FortiOS",`, ``, 1), false, "record 0 (CVE-2024-21762): product: is required"},
		{"bad date added", strings.Replace(goodKEV, `"dateAdded":"2024-02-09"`, `"dateAdded":"2024/02/09"`, 1), false,
			`record 0 (CVE-2024-21762): dateAdded: "2024/02/09" is not a date YYYY-MM-DD`},
		{"cwes type", strings.Replace(goodKEV, `"cwes":["CWE-787"]`, `"cwes":"CWE-787"`, 1), false, "record 0 (CVE-2024-21762): cwes: must be an array, not a string"},
		{"cwe type", strings.Replace(goodKEV, `"cwes":["CWE-787"]`, `"cwes":[787]`, 1), false, "record 0 (CVE-2024-21762): cwes[0]: must be a string, not a number"},
		{"bad due date", strings.Replace(goodKEV, `"dueDate":"2024-02-16"`, `"dueDate":"soon"`, 1), true,
			`record 0 (CVE-2024-21762): dueDate: ignored: "soon" is not a date YYYY-MM-DD`},
		{"bad ransomware", strings.Replace(goodKEV, `"Unknown"`, `"Likely"`, 1), true,
			`record 0 (CVE-2024-21762): knownRansomwareCampaignUse: ignored: "Likely" is neither Known nor Unknown; read as Unknown`},
		{"bad cwe", strings.Replace(goodKEV, `"cwes":["CWE-787"]`, `"cwes":["NVD-CWE-noinfo","Out-of-bounds Write","CWE-787"]`, 1), true,
			`record 0 (CVE-2024-21762): cwes[1]: ignored: "Out-of-bounds Write" is not a CWE id`},
		{"non-ASCII product", strings.Replace(goodKEV, `"product":"FortiOS"`, `"product":"フォーティOS"`, 1), true,
			`record 0 (CVE-2024-21762): product: ignored: vendorProject "Fortinet" and product "フォーティOS" do not make a CPE name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs, probs, err := ParseKEV(kevFile(tt.entry))
			if err != nil {
				t.Fatal(err)
			}
			checkImported(t, vs, "kev")
			if (len(vs) == 1) != tt.imported {
				t.Errorf("imported %d records", len(vs))
			}
			got := problemStrings(probs)
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.problem) {
				t.Errorf("problems %q, want %q", got, tt.problem)
			}
			if probs[0].Partial() != tt.imported {
				t.Errorf("Partial() = %v", probs[0].Partial())
			}
		})
	}
}

func TestParseKEVMixed(t *testing.T) {
	vs, probs, err := ParseKEV(kevFile(goodKEV, `{"cveID":"CVE-2024-3400"}`, goodKEV,
		strings.Replace(goodKEV, "CVE-2024-21762", "CVE-2023-27997", 1)))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	if want := []string{"CVE-2024-21762", "CVE-2023-27997"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q", ids)
	}
	want := []ImportProblem{
		{Index: 1, ID: "CVE-2024-3400", Field: "vulnerabilityName", Message: "is required"},
		{Index: 2, ID: "CVE-2024-21762", Field: "cveID", Message: "duplicates entry 0; only the first is imported"},
	}
	if !reflect.DeepEqual(probs, want) {
		t.Errorf("problems %+v", probs)
	}
}

func TestParseKEVErrors(t *testing.T) {
	tests := []struct{ name, data, err string }{
		{"not json", `{"vulnerabilities":[`, "not a KEV catalogue"},
		{"array", `[]`, "a KEV catalogue is a JSON object, not an array"},
		{"no list", `{"title":"x"}`, "vulnerabilities: is required"},
		{"list type", `{"vulnerabilities":{}}`, "vulnerabilities: must be an array, not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseKEV([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("err %v, want %q", err, tt.err)
			}
		})
	}
	// An empty catalogue is fine.
	vs, probs, err := ParseKEV([]byte(`{"vulnerabilities":[]}`))
	if err != nil || len(vs) != 0 || len(probs) != 0 {
		t.Errorf("%v %v %v", vs, probs, err)
	}
}

func FuzzParseKEV(f *testing.F) {
	data, err := os.ReadFile("testdata/kev/known_exploited_vulnerabilities.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(kevFile(goodKEV, `{"cveID":"CVE-2024-3400","cwes":[1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, probs, err := ParseKEV(data)
		if err != nil {
			if len(vs) != 0 || len(probs) != 0 {
				t.Fatal("results with an error")
			}
			return
		}
		for _, v := range vs {
			if err := v.Validate(); err != nil || !v.Exploited || v.KEV == nil {
				t.Fatalf("%s: %v", v.ID, err)
			}
		}
		for _, p := range probs {
			_ = p.String()
		}
	})
}
