package reportexport

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/report"
	"sakimori/internal/stix/stixtest"
)

func deriveOpts() DeriveOptions {
	return DeriveOptions{TLP: "green", Sector: "electricity", MaskNames: []string{"東京電力"}, InternalDomains: []string{"corp.example.co.jp"}, Now: now}
}

func TestDeriveValidAndSanitised(t *testing.T) {
	schemas := stixtest.OASIS(t)
	d, err := Derive(sample(), deriveOpts())
	if err != nil {
		t.Fatal(err)
	}
	objs := checkObjects(t, schemas, d.Objects)
	all := string(marshal(d.Objects))
	for _, secret := range []string{"10.1.2.3", "vpn01", "corp.example.co.jp", "東京電力", "500万円", "山田太郎", "taro@", "03-1234-5678",
		"FortiOS", "7.2.4", "fe80::1", "cmp-1", "org-partner", "1200", "customer portal", "INC-2026", "Credential stuffing", "created_by_ref"} {
		if strings.Contains(all, secret) {
			t.Errorf("derived STIX contains %q:\n%s", secret, all)
		}
	}
	count := map[string]int{}
	var inc map[string]any
	for i, o := range objs {
		count[o.Type]++
		if o.SpecVersion != "2.1" || !reflect.DeepEqual(o.ObjectMarkingRefs, []string{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"}) || o.CreatedByRef != "" {
			t.Errorf("common properties of %s", d.Objects[i])
		}
		if got := o.Created.Format("2006-01-02T15:04:05.000Z"); got != "2026-12-01T03:04:05.678Z" || !o.Modified.Equal(o.Created) {
			t.Errorf("created %s", got)
		}
		if o.Type == "incident" {
			json.Unmarshal(d.Objects[i], &inc)
		}
	}
	// 203.0.113.5, evil.example.com, url, sha256, md5, sha1, email, 2001:db8::1
	want := map[string]int{"incident": 1, "indicator": 8, "attack-pattern": 2, "vulnerability": 1, "relationship": 8 + 2 + 1 + 16}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("objects %v, want %v", count, want)
	}
	if inc["name"] != "Unauthorised access at an electricity-sector operator" {
		t.Errorf("name %q", inc["name"])
	}
	desc, _ := inc["description"].(string)
	if !strings.Contains(desc, "203.0.113.5") || !strings.Contains(desc, "[PRIVATE-IP-1]") || !strings.Contains(desc, "[ORG-1]") ||
		!strings.Contains(desc, "\n\nInternet-facing VPN appliance.") || !strings.Contains(desc, "[CONFIG-1]") {
		t.Errorf("description %q", desc)
	}
	if !strings.Contains(all, `"pattern":"[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"`) ||
		!strings.Contains(all, `[url:value = 'https://evil.example.com/p?a=\\'x\\'']`) ||
		!strings.Contains(all, `"valid_from":"2026-11-30T10:00:00.000Z"`) ||
		!strings.Contains(all, `"url":"https://attack.mitre.org/techniques/T1078/002/"`) ||
		!strings.Contains(all, `"source_name":"cve"`) {
		t.Errorf("objects:\n%s", all)
	}
	has := func(field, kind, reason string) {
		t.Helper()
		for _, r := range d.Removed {
			if r.Field == field && r.Kind == kind && strings.Contains(r.Reason, reason) {
				return
			}
		}
		t.Errorf("no removal %s/%s/%s in %+v", field, kind, reason, d.Removed)
	}
	has("iocs[1]", "private_ip", ReasonPrivateAddr)
	has("iocs[10]", "private_ip", ReasonPrivateAddr)
	has("iocs[3]", "internal_host", ReasonInternal)
	has("exploited_vulnerabilities[0].product", "vulnerable_config", ReasonConfig)
	has("exploited_vulnerabilities[0].version", "vulnerable_config", ReasonConfig)
	has("technique", "unconfirmed", ReasonUnconfirmed)
	has("summary", "organization", "masked")
	has("summary", "money", "masked")
	has("summary", "vulnerable_config", ReasonConfig)
	has("title", KindNotShared, ReasonNotShared)
	has("contacts", KindNotShared, ReasonNotShared)
	has("impact", KindNotShared, ReasonNotShared)
	for _, r := range d.Removed {
		if r.Field == "root_cause" {
			t.Errorf("withheld root_cause listed: %+v", r)
		}
	}
	if d.Token != TokenOf(d.Objects, "green") || len(d.Token) != 64 {
		t.Errorf("token %q", d.Token)
	}
}

func TestDeriveDeterministic(t *testing.T) {
	a, err := Derive(sample(), deriveOpts())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Derive(sample(), deriveOpts())
	if !reflect.DeepEqual(a, b) {
		t.Error("two derivations differ")
	}
	o := deriveOpts()
	o.TLP = "amber"
	c, _ := Derive(sample(), o)
	if c.Token == a.Token {
		t.Error("the token does not depend on the TLP")
	}
	in := sample()
	in.ID = "inc-0002"
	e, _ := Derive(in, deriveOpts())
	if string(e.Objects[0]) == string(a.Objects[0]) {
		t.Error("ids do not depend on the incident")
	}
}

func TestDeriveInclude(t *testing.T) {
	o := deriveOpts()
	o.Include = []string{"technique"}
	d, err := Derive(sample(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d.Objects[0]), "Credential stuffing") {
		t.Errorf("included technique missing: %s", d.Objects[0])
	}
	for _, r := range d.Removed {
		if r.Field == "technique" {
			t.Errorf("included field listed as removed: %+v", r)
		}
	}
}

func TestDeriveSkipsUnknownAndUnconfirmed(t *testing.T) {
	in := sample()
	in.Content.Summary = report.Field[string]{Meta: report.Meta{State: report.StateWithheld}}
	in.Content.IOCs.Confidence = report.Possible
	in.Content.Class.Confidence = report.Likely
	in.Content.Techniques = report.Field[[]string]{Meta: report.Meta{State: report.StateNotYetKnown}}
	d, err := Derive(in, deriveOpts())
	if err != nil {
		t.Fatal(err)
	}
	checkObjects(t, nil, d.Objects)
	all := string(marshal(d.Objects))
	for _, s := range []string{`"indicator"`, `"attack-pattern"`, "203.0.113.5", "Unauthorised"} {
		if strings.Contains(all, s) {
			t.Errorf("contains %s:\n%s", s, all)
		}
	}
	if !strings.Contains(all, `"name":"Cyber incident at an electricity-sector operator"`) {
		t.Errorf("name: %s", d.Objects[0])
	}
	var fields []string
	for _, r := range d.Removed {
		if r.Reason == ReasonUnconfirmed {
			fields = append(fields, r.Field)
		}
	}
	for _, f := range []string{"class", "iocs", "technique"} {
		if !slices.Contains(fields, f) {
			t.Errorf("unconfirmed %s not listed: %v", f, fields)
		}
	}
}

func TestDeriveErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mod   func(*DeriveOptions)
		field string
	}{
		{"no tlp", func(o *DeriveOptions) { o.TLP = "" }, "tlp"},
		{"bad tlp", func(o *DeriveOptions) { o.TLP = "white" }, "tlp"},
		{"bad include", func(o *DeriveOptions) { o.Include = []string{"summary", "title"} }, "include[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := deriveOpts()
			tc.mod(&o)
			_, err := Derive(sample(), o)
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("got %v, want an error on %s", err, tc.field)
			}
		})
	}
	for _, tlp := range []string{"clear", "green", "amber", "amber+strict", "red"} {
		o := deriveOpts()
		o.TLP = tlp
		if _, err := Derive(sample(), o); err != nil {
			t.Errorf("%s: %v", tlp, err)
		}
	}
}

func FuzzDerive(f *testing.F) {
	f.Add("VPN 10.0.0.1 of ACME hit from 203.0.113.9; 300万円", "T1190")
	f.Add("<script>alert(1)</script>'\"\\", "T1078.002")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, summary, technique string) {
		in := sample()
		in.Content.Summary.Value = summary
		in.Content.IntrusionPath.Value = technique
		in.Content.IOCs.Value = append(in.Content.IOCs.Value, report.IOC{Type: "domain", Value: technique}, report.IOC{Type: "url", Value: summary})
		d, err := Derive(in, deriveOpts())
		if err != nil {
			t.Fatal(err)
		}
		checkObjects(t, nil, d.Objects)
		if d.Token != TokenOf(d.Objects, "green") {
			t.Fatal("token")
		}
	})
}
