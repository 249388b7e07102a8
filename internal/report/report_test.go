package report_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/regime"
	"sakimori/internal/report"
)

var (
	now  = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC) // 15:00 JST
	asOf = now.Add(-time.Hour)
)

func at(h int) *time.Time { t := now.Add(time.Duration(-h) * time.Hour); return &t }

// early is an early report of a VPN compromise: some fields confirmed,
// some likely, some not yet known, the ransom question withheld.
func early() report.Content {
	c := report.Content{
		Class:      report.Known(report.ClassUnauthorisedAccess, report.Confirmed, asOf, "SOC"),
		Summary:    report.Known("Unauthorised logins to the SSL-VPN from overseas addresses", report.Confirmed, asOf, "VPN logs"),
		Occurred:   report.Known(at(30), report.Likely, asOf, "VPN logs"),
		Detected:   report.Known(at(6), report.Confirmed, asOf, "EDR alert"),
		Aware:      report.Known(at(5), report.Confirmed, asOf, "CSIRT"),
		Techniques: report.Known([]string{"T1190", "T1078.002"}, report.Likely, asOf, "analysis"),
		IOCs:       report.Known([]report.IOC{{Type: "ipv4", Value: "203.0.113.7"}}, report.Confirmed, asOf, "VPN logs"),
		Ransom:     report.Field[report.Ransom]{Meta: report.Meta{State: report.StateWithheld}},
		ShareWith:  []string{"nco", "sector"},
	}
	c.Normalize()
	return c
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(c *report.Content)
		field string // "" = valid
	}{
		{"early report is valid", func(c *report.Content) {}, ""},
		{"detection before occurrence", func(c *report.Content) { c.Detected.Value = at(40) }, "detected.value"},
		{"awareness before detection", func(c *report.Content) { c.Aware.Value = at(7) }, "aware.value"},
		{"awareness before occurrence (no detection)", func(c *report.Content) { c.Detected.Value = nil; c.Aware.Value = at(31) }, "aware.value"},
		{"occurrence in the future", func(c *report.Content) { t := now.Add(2 * time.Hour); c.Occurred.Value = &t }, "occurred.value"},
		{"same instant is fine", func(c *report.Content) { c.Detected.Value = c.Occurred.Value; c.Aware.Value = c.Occurred.Value }, ""},
		{"bad class", func(c *report.Content) { c.Class.Value = "phishing" }, "class.value"},
		{"bad state", func(c *report.Content) { c.Summary.State = "maybe" }, "summary.state"},
		{"bad confidence", func(c *report.Content) { c.Summary.Confidence = "sure" }, "summary.confidence"},
		{"bad ATT&CK id", func(c *report.Content) { c.Techniques.Value = []string{"T1190", "T99"} }, "attack_techniques.value[1]"},
		{"bad IOC type", func(c *report.Content) { c.IOCs.Value = append(c.IOCs.Value, report.IOC{Type: "hostname", Value: "x"}) }, "iocs.value[1].type"},
		{"empty IOC", func(c *report.Content) { c.IOCs.Value = []report.IOC{{Type: "ipv4"}} }, "iocs.value[0].value"},
		{"bad CVE", func(c *report.Content) {
			c.Vulns = report.Known([]report.ExploitedVuln{{CVE: "CVE-24-1", Product: "FortiOS"}}, report.Likely, asOf, "")
		}, "exploited_vulnerabilities.value[0].cve"},
		{"CVE without product", func(c *report.Content) {
			c.Vulns = report.Known([]report.ExploitedVuln{{CVE: "CVE-2024-21762"}}, report.Likely, asOf, "")
		}, "exploited_vulnerabilities.value[0].product"},
		{"bad impact level", func(c *report.Content) {
			c.Impact = report.Known(report.Impact{Level: "huge"}, report.Likely, asOf, "")
		}, "impact.value.level"},
		{"ransom paid without ransomware", func(c *report.Content) {
			c.Ransom = report.Known(report.Ransom{Paid: true}, report.Confirmed, asOf, "")
		}, "ransom.value.ransomware"},
		{"DDoS technique", func(c *report.Content) {
			c.DDoS = report.Known(report.DDoS{Technique: "T1190"}, report.Confirmed, asOf, "")
		}, "ddos.value.technique"},
		{"DDoS sub-technique", func(c *report.Content) {
			c.DDoS = report.Known(report.DDoS{Technique: "T1498.001", PeakGbps: 40}, report.Confirmed, asOf, "")
		}, ""},
		{"bad notified party", func(c *report.Content) {
			c.OthersNotified = report.Known([]report.OtherNotified{{Party: "press"}}, report.Confirmed, asOf, "")
		}, "others_notified.value[0].party"},
		{"bad share target", func(c *report.Content) { c.ShareWith = []string{"nco", "everyone"} }, "share_with[1]"},
		{"contact without name", func(c *report.Content) { c.Contacts = contacts(report.Contact{Name: " ", Email: "soc@example.jp"}) }, "contacts.value[0].name"},
		{"contact e-mail not an address", func(c *report.Content) {
			c.Contacts = contacts(report.Contact{Name: "SOC", Email: "soc@example.jp"}, report.Contact{Name: "CISO", Email: "not-an-address"})
		}, "contacts.value[1].email"},
		{"contact e-mail with a display name", func(c *report.Content) {
			c.Contacts = contacts(report.Contact{Name: "SOC", Email: "SOC <soc@example.jp>"})
		}, "contacts.value[0].email"},
		{"contact phone not a number", func(c *report.Content) { c.Contacts = contacts(report.Contact{Name: "SOC", Phone: "call the desk"}) }, "contacts.value[0].phone"},
		{"contact name too long", func(c *report.Content) { c.Contacts = contacts(report.Contact{Name: strings.Repeat("名", 201)}) }, "contacts.value[0].name"},
		{"contacts with good phone and e-mail", func(c *report.Content) {
			c.Contacts = contacts(report.Contact{Name: "SOC", Role: "当番", Phone: "03-1234-5678", Email: "soc@example.jp", H24: true},
				report.Contact{Name: "CISO", Phone: "+81 (3) 1234-5678"}, report.Contact{Name: "法務"})
		}, ""},
		{"bad progress", func(c *report.Content) {
			c.Containment = report.Known(report.Progress("half"), report.Confirmed, asOf, "")
		}, "containment.value"},
	}
	for _, tc := range cases {
		c := early()
		tc.edit(&c)
		err := c.Validate(now)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field != "" && (apperr.CodeOf(err) != apperr.CodeInvalid || apperr.As(err).Field != tc.field):
			t.Errorf("%s: %v, want an error on %s", tc.name, err, tc.field)
		}
	}
	// The time-rule message shows JST.
	c := early()
	c.Detected.Value = at(40)
	if err := c.Validate(now); !strings.Contains(err.Error(), "JST") {
		t.Errorf("time rule message without JST: %v", err)
	}
}

func TestGivenMissingWithheld(t *testing.T) {
	c := early()
	// Known with a value, withheld: given. Not yet known, or known but
	// empty: missing.
	for name, want := range map[string]bool{"class": true, "aware": true, "ransom": true, "computers": false, "root_cause": false, "no_such_field": false} {
		if got := c.Given(name); got != want {
			t.Errorf("Given(%s) = %v, want %v", name, got, want)
		}
	}
	if got := c.Missing([]string{"class", "aware", "computers", "logs"}); !slices.Equal(got, []string{"computers", "logs"}) {
		t.Errorf("Missing = %v", got)
	}
	// Withheld values are dropped on Normalize, whatever was typed.
	w := early()
	w.Summary.State = report.StateWithheld
	w.Normalize()
	if w.Summary.Value != "" || !w.Given("summary") {
		t.Errorf("withheld summary %+v", w.Summary)
	}
	// A value without a state becomes known (confidence unknown); nothing
	// becomes not yet known.
	var n report.Content
	n.RootCause.Value = "weak password on the VPN"
	n.Normalize()
	if n.RootCause.State != report.StateKnown || n.RootCause.Confidence != report.Unknown || n.Occurred.State != report.StateNotYetKnown {
		t.Errorf("normalised %+v %+v", n.RootCause.Meta, n.Occurred.Meta)
	}
	if !slices.Contains(report.FieldNames(), "exploited_vulnerabilities") || len(report.FieldNames()) != 27 {
		t.Errorf("FieldNames = %v", report.FieldNames())
	}
	if got := c.Unconfirmed(); !slices.Equal(got, []string{"occurred", "attack_techniques"}) {
		t.Errorf("Unconfirmed = %v", got)
	}
}

func TestClassesAndJSON(t *testing.T) {
	if report.ClassDDoS.Precursor() || !report.ClassStolenAdminCredentials.Precursor() || report.ClassDDoS.Form() != "ddos" || report.ClassUnauthorisedAccess.Form() != "other" {
		t.Error("class helpers")
	}
	c := early()
	b, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	var back report.Content
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if string(b) != string(b2) {
		t.Fatalf("round trip:\n%s\n%s", b, b2)
	}
	for _, want := range []string{`"ransom":{"value":{"ransomware":false,"demanded":false,"paid":false},"state":"withheld"}`, `"occurred":{"value":"2026-11-29T00:00:00Z","state":"known","confidence":"likely"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func FuzzContent(f *testing.F) {
	c := early()
	b, _ := json.Marshal(&c)
	f.Add(b)
	f.Add([]byte(`{"occurred":{"value":"2026-11-29T00:00:00+09:00"},"detected":{"value":"2026-11-28T00:00:00Z"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c report.Content
		if json.Unmarshal(data, &c) != nil {
			return
		}
		c.Normalize()
		if err := c.Validate(now); err != nil && apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Fatalf("error %v is not invalid input", err)
		}
		for _, n := range report.FieldNames() {
			c.Given(n)
		}
	})
}

// TestLayout: every field is in exactly one section of the Japanese layout,
// and the forms name only real fields.
func TestLayout(t *testing.T) {
	seen := map[string]string{}
	for _, s := range report.JapanSections {
		if s.JA == "" || s.EN == "" || len(s.Fields) == 0 {
			t.Errorf("section %+v", s)
		}
		for _, f := range s.Fields {
			if prev, dup := seen[f]; dup {
				t.Errorf("%s in %s and %s", f, prev, s.ID)
			}
			seen[f] = s.ID
		}
	}
	for _, f := range report.FieldNames() {
		if seen[f] == "" {
			t.Errorf("field %s is in no section", f)
		}
		delete(seen, f)
	}
	if len(seen) != 0 {
		t.Errorf("sections name unknown fields: %v", seen)
	}
	for form, fs := range report.FormFields {
		for _, f := range fs {
			if !slices.Contains(report.FieldNames(), f) {
				t.Errorf("form %s names unknown field %s", form, f)
			}
		}
	}
	for _, c := range report.EventClasses {
		if _, ok := report.FormFields[c.Form()]; !ok {
			t.Errorf("class %s renders into unknown form %s", c, c.Form())
		}
	}
}

// TestRegimesNameReportFields: every field a shipped regime requires at a
// stage is a field of the report, so Content.Missing can answer it.
func TestRegimesNameReportFields(t *testing.T) {
	rs, err := regime.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rs {
		for _, st := range r.Stages {
			for _, f := range st.Required {
				n++
				if !slices.Contains(report.FieldNames(), f) {
					t.Errorf("%s stage %s requires %q, not a report field", r.ID, st.ID, f)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no required fields at all: nothing checked")
	}
}

// GivenFunc agrees with Given for every field, answered or not.
func TestGivenFuncAgrees(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	c := report.Content{Summary: report.Known("x", report.Confirmed, now, ""), Overseas: report.Known(false, report.Likely, now, ""),
		Computers: report.Field[[]string]{Meta: report.Meta{State: report.StateWithheld}}, IOCs: report.Field[[]report.IOC]{Meta: report.Meta{State: report.StateKnown}}}
	c.Normalize()
	f := c.GivenFunc()
	n := 0
	for _, name := range append(report.FieldNames(), "no_such_field") {
		if f(name) != c.Given(name) {
			t.Errorf("%s: GivenFunc %v, Given %v", name, f(name), c.Given(name))
		}
		if f(name) {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d given, want 3 (summary, overseas, computers)", n)
	}
}

func contacts(cs ...report.Contact) report.Field[[]report.Contact] {
	return report.Known(cs, report.Confirmed, asOf, "")
}
