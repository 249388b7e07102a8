package reportexport

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/report"
	"sakimori/internal/stix"
	"sakimori/internal/stix/stixtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	t0  = time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC) // 19:00 JST
	now = time.Date(2026, 12, 1, 3, 4, 5, 678901234, time.UTC)
)

func tp(t time.Time) *time.Time { return &t }

// sample is a report with a bit of everything.
func sample() *incident.Incident {
	c := report.Content{
		Class:         report.Known(report.ClassUnauthorisedAccess, report.Confirmed, t0, "EDR alert"),
		Summary:       report.Known("VPN gateway vpn01.corp.example.co.jp (10.1.2.3) of 東京電力 was accessed from 203.0.113.5; 損害額 500万円. Contact 山田太郎 taro@example.co.jp. FortiOS 7.2.4 was exploited.", report.Confirmed, t0, "SOC"),
		Occurred:      report.Known(tp(t0.Add(-6*time.Hour)), report.Likely, t0, "VPN logs"),
		Detected:      report.Known(tp(t0.Add(-2*time.Hour)), report.Confirmed, t0, "EDR"),
		Aware:         report.Known(tp(t0), report.Confirmed, t0, "CSIRT"),
		Computers:     report.Known([]string{"cmp-1"}, report.Confirmed, t0, ""),
		Impact:        report.Known(report.Impact{Services: "customer portal", Users: 1200, Level: "significant", PersonalData: true}, report.Confirmed, t0, "ops"),
		Technique:     report.Known("Credential stuffing against the VPN, then lateral movement over RDP.", report.Likely, t0, "analyst"),
		Techniques:    report.Known([]string{"T1190", "T1078.002"}, report.Confirmed, t0, "analyst"),
		IntrusionPath: report.Known("Internet-facing VPN appliance.", report.Confirmed, t0, "analyst"),
		IOCs: report.Known([]report.IOC{
			{Type: "ipv4", Value: "203.0.113.5"},
			{Type: "ipv4", Value: "10.1.2.3", Comment: "our gateway"},
			{Type: "domain", Value: "evil.example.com"},
			{Type: "domain", Value: "dc01.corp.example.co.jp"},
			{Type: "url", Value: "https://evil.example.com/p?a='x'"},
			{Type: "sha256", Value: "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
			{Type: "md5", Value: "d41d8cd98f00b204e9800998ecf8427e"},
			{Type: "sha1", Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
			{Type: "email", Value: "attacker@evil.example.com"},
			{Type: "ipv6", Value: "2001:db8::1"},
			{Type: "ipv6", Value: "fe80::1"},
		}, report.Confirmed, t0, "EDR"),
		Vulns:       report.Known([]report.ExploitedVuln{{CVE: "CVE-2024-21762", Product: "FortiOS", Version: "7.2.4"}}, report.Confirmed, t0, "vendor advisory"),
		Partners:    report.Known([]string{"org-partner"}, report.Possible, t0, ""),
		Contacts:    report.Known([]report.Contact{{Name: "山田太郎", Role: "CSIRT", Phone: "03-1234-5678", Email: "taro@example.co.jp", H24: true}}, report.Confirmed, t0, ""),
		Containment: report.Known(report.Progress("in_progress"), report.Confirmed, t0, ""),
		RootCause:   report.Field[string]{Meta: report.Meta{State: report.StateWithheld}},
	}
	c.Normalize()
	return &incident.Incident{ID: "inc-0001", OrgID: "org-1", Ref: "INC-2026-0003", Title: "東京電力 VPN 不正アクセス", State: incident.Draft,
		Version: 2, Content: c, CreatedAt: t0, UpdatedAt: t0}
}

func reporter() *org.Organisation {
	return &org.Organisation{ID: "org-1", Slug: "tepco", Kind: org.KindOperator, Sector: org.SectorElectricity,
		Name:    org.Names{JA: "東京電力ホールディングス株式会社", EN: "Tokyo Electric Power Company Holdings"},
		Contact: org.Contact{Name: "CSIRT duty officer", Phone: "+81-3-0000-0000", Email: "csirt@example.co.jp", Hours: "24/7"}}
}

// checkObjects parses and validates every object with internal/stix and,
// when given, the OASIS schemas.
func checkObjects(t testing.TB, schemas *stixtest.Schemas, objs []json.RawMessage) []*stix.Object {
	t.Helper()
	var out []*stix.Object
	for _, raw := range objs {
		o, err := stix.Parse(raw)
		if err != nil {
			t.Fatalf("parse %s: %v", raw, err)
		}
		if err := stix.Validate(o); err != nil {
			t.Fatalf("invalid %s: %v", raw, err)
		}
		if schemas != nil {
			if err := schemas.Validate(raw); err != nil {
				t.Fatalf("OASIS schema rejects %s: %v", raw, err)
			}
		}
		out = append(out, o)
	}
	return out
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff):\n%s", name, got)
	}
}
