package web

import (
	"reflect"
	"strings"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/i18n"
	"sakimori/internal/marking"
	"sakimori/internal/registry"
	"sakimori/internal/version"
	"sakimori/internal/vuln"
)

// TestExposureLabels checks a label in both catalogues for every value of
// every enum the registry and vulnerability pages show (the keys are
// spelled out in maps, which TestUsedKeysExist in package i18n cannot see).
func TestExposureLabels(t *testing.T) {
	var keys []string
	for _, f := range registry.Functions {
		keys = append(keys, functionKeys[f])
	}
	for _, m := range []registry.Management{registry.ManagedInHouse, registry.ManagedOutsourced} {
		keys = append(keys, managementKeys[m])
	}
	for _, s := range vuln.ExposureStates {
		keys = append(keys, exposureStateKeys[s])
		if exposureStateClasses[s] == "" {
			t.Errorf("exposure state %s has no badge class", s)
		}
	}
	for _, s := range vuln.RequestStates {
		keys = append(keys, requestStateKeys[s])
		if requestStateClasses[s] == "" {
			t.Errorf("request state %s has no badge class", s)
		}
	}
	for _, k := range []string{"requested", "acknowledged", "answered", "declined", "withdrawn", "advised", "comment"} {
		keys = append(keys, requestEventKeys[k])
	}
	for _, k := range []vuln.NoticeKind{vuln.NoticeExposure, vuln.NoticeAdvisory} {
		keys = append(keys, noticeKindKeys[k])
	}
	for _, score := range []float64{0, 3.9, 6.9, 8.9, 10} {
		keys = append(keys, severityKeys[(&vuln.CVSS{Score: score}).Severity()])
	}
	for _, k := range keys {
		for _, l := range i18n.Langs {
			if k == "" || !i18n.Has(l, k) {
				t.Errorf("%s: missing label key %q", l, k)
			}
		}
	}
	for _, m := range []map[string]string{fieldLabels} {
		for input, k := range m {
			for _, l := range i18n.Langs {
				if !i18n.Has(l, k) {
					t.Errorf("%s: input %q has label key %q, which is missing", l, input, k)
				}
			}
		}
	}
}

// TestExposureValidationMessagesAreTranslated does for the registry,
// vulnerability and vendor-request types what
// TestValidationMessagesAreTranslated does for accounts.
func TestExposureValidationMessagesAreTranslated(t *testing.T) {
	comp := func() registry.Computer {
		return registry.Computer{Ref: "r", Name: "n", Function: registry.FunctionVPN, Vendor: "v", Product: "p", ProductVersion: "1",
			Site: "s", Business: "b", Equipment: "e", Management: registry.ManagedInHouse}
	}
	var errs []error
	for _, mut := range []func(c *registry.Computer){
		func(c *registry.Computer) { c.Site = "" },
		func(c *registry.Computer) { c.Name = strings.Repeat("x", 201) },
		func(c *registry.Computer) { c.Notes = strings.Repeat("x", 2001) },
		func(c *registry.Computer) { c.Function = "toaster" },
		func(c *registry.Computer) { c.Management = "cloud" },
		func(c *registry.Computer) { c.Management = registry.ManagedOutsourced },
		func(c *registry.Computer) { c.Contractor = "someone" },
		func(c *registry.Computer) { c.Excluded = true },
		func(c *registry.Computer) { c.InService = "April" },
		func(c *registry.Computer) { c.CPE = "cpe:2.3:a:*:*:*:*:*:*:*:*:*:*" },
		func(c *registry.Computer) { c.Components = make([]registry.Component, registry.MaxComponents+1) },
		func(c *registry.Computer) { c.Components = []registry.Component{{Version: "1"}} },
		func(c *registry.Computer) { c.Components = []registry.Component{{Name: strings.Repeat("x", 501)}} },
	} {
		c := comp()
		mut(&c)
		errs = append(errs, c.Validate())
	}
	vu := func() vuln.Vulnerability {
		return vuln.Vulnerability{ID: "CVE-2024-21762", Title: "t", TLP: marking.TLPClear}
	}
	for _, mut := range []func(v *vuln.Vulnerability){
		func(v *vuln.Vulnerability) { v.ID = "CVE-12" },
		func(v *vuln.Vulnerability) { v.Title = "" },
		func(v *vuln.Vulnerability) { v.Description = strings.Repeat("x", 20001) },
		func(v *vuln.Vulnerability) { v.Affected = make([]vuln.Affected, 1001) },
		func(v *vuln.Vulnerability) { v.Affected = []vuln.Affected{{}} },
		func(v *vuln.Vulnerability) { v.Affected = []vuln.Affected{{CPE: "cpe:2.3:a:*:*:*:*:*:*:*:*:*:*"}} },
		func(v *vuln.Vulnerability) { v.CVSS = &vuln.CVSS{Version: "3.1", Score: 11} },
		func(v *vuln.Vulnerability) { v.CVSS = &vuln.CVSS{Version: "5", Score: 1} },
		func(v *vuln.Vulnerability) { v.KEV = &vuln.KEV{DateAdded: "soon"} },
		func(v *vuln.Vulnerability) { v.Fixes = []vuln.Remedy{{}} },
		func(v *vuln.Vulnerability) { v.CWEs = []string{"79"} },
		func(v *vuln.Vulnerability) { v.TLP = 0 },
	} {
		v := vu()
		mut(&v)
		errs = append(errs, v.Validate())
	}
	errs = append(errs, (&vuln.Answer{}).Validate(), (&vuln.Answer{FixTimeline: "x", AdvisoryURL: "ftp://x"}).Validate(),
		(&vuln.Request{VulnID: "v", VendorOrgID: "o"}).Validate())
	for i, err := range errs {
		ae := apperr.As(err)
		if err == nil || ae.Code != apperr.CodeInvalid {
			t.Errorf("case %d: not an invalid-input error: %v", i, err)
			continue
		}
		key, args := reasonKey(ae.Message)
		if key == "" {
			t.Errorf("validator message %q has no translation in reasons", ae.Message)
			continue
		}
		for _, lang := range i18n.Langs {
			msg := i18n.For(lang).T(key, args...)
			if !i18n.Has(lang, key) || strings.Contains(msg, "%!") {
				t.Errorf("%s: %q -> %q renders %q", lang, ae.Message, key, msg)
			}
		}
	}
	// Messages of the exposure service and store.
	for _, m := range []string{"ven is not a vendor or supplier", `no vulnerability "CVE-1"`, "the request is answered, not requested",
		"the request is declined", "only an answered request can become an advisory", "say why the request is declined", "a comment needs a text",
		`another computer of the organisation has ref "x"`, "must be open, mitigated, patched or not_affected"} {
		if k, _ := reasonKey(m); k == "" {
			t.Errorf("service message %q has no translation", m)
		}
	}
}

func testReq(lang string) *req {
	return &req{lang: lang, tr: i18n.For(lang)}
}

func TestAffectedRoundTrip(t *testing.T) {
	as := []vuln.Affected{
		{CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Vendor: "fortinet", Product: "fortios", Ranges: []version.Range{
			{Scheme: version.Fortinet, StartIncluding: "7.4.0", EndExcluding: "7.4.3"}, {Scheme: version.Fortinet, StartIncluding: "7.2.0", EndIncluding: "7.2.6"},
			{Exact: "6.0.1"}}},
		{CPE: "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", Vendor: "ivanti", Product: "connect_secure", Ranges: []version.Range{}},
		{CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", Vendor: "apache", Product: "http_server", Ranges: []version.Range{{StartExcluding: "2.4.0"}}},
	}
	text := affectedText(as)
	f := newForm(nil)
	got := parseAffected(testReq("en"), f, text)
	if f.Failed() {
		t.Fatalf("parse %q: %v", text, f.List)
	}
	// Ranges of different schemes are on lines of their own: the fortinet
	// line and the generic exact one come back as two entries.
	want := []vuln.Affected{
		{CPE: as[0].CPE, Vendor: "fortinet", Product: "fortios", Ranges: as[0].Ranges[:2]},
		{CPE: as[0].CPE, Vendor: "fortinet", Product: "fortios", Ranges: []version.Range{{Exact: "6.0.1"}}},
		as[1], as[2],
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip of\n%s\ngot  %+v\nwant %+v", text, got, want)
	}
	for _, tc := range []struct{ in, err string }{
		{"cpe:2.3:a:x:y:*:*:*:*:*:*:*:* | ~ 1.0", "Line 1: Cannot read the range \"~ 1.0\""},
		{"\ncpe:2.3:a:x:y:*:*:*:*:*:*:*:* | scheme=roman | < 2", "Line 2: Unknown version scheme \"roman\""},
		{"cpe:2.3:a:x:y:*:*:*:*:*:*:*:* | >=", "Line 1: Cannot read the range \">=\""},
	} {
		f := newForm(nil)
		parseAffected(testReq("en"), f, tc.in)
		if !strings.HasPrefix(f.Errors["affected"], tc.err) {
			t.Errorf("%q: error %q, want %q...", tc.in, f.Errors["affected"], tc.err)
		}
	}
}

func TestComponentsAndRemediesRoundTrip(t *testing.T) {
	cs := []registry.Component{{Name: "openssl", Version: "3.0.7", CPE: "cpe:2.3:a:openssl:openssl:3.0.7:*:*:*:*:*:*:*"},
		{Name: "zlib", Version: "1.2.13"}, {Name: "busybox", Version: "1.36", Supplier: "BusyBox", PURL: "pkg:generic/busybox@1.36"}}
	var lines []string
	for _, c := range cs {
		lines = append(lines, componentLine(c))
	}
	if got := parseComponents(strings.Join(lines, "\n") + "\n\n"); !reflect.DeepEqual(got, cs) {
		t.Errorf("components: got %+v", got)
	}
	rs := []vuln.Remedy{{Text: "Upgrade", URL: "https://example.com/a"}, {Text: "Disable the portal"}, {URL: "https://example.com/b"}}
	if got := parseRemedies(remedyText(rs)); !reflect.DeepEqual(got, rs) {
		t.Errorf("remedies: got %+v", got)
	}
	v := &vuln.Vulnerability{ID: "CVE-2024-1", Title: "t", TLP: marking.TLPAmber, CVSS: &vuln.CVSS{Version: "3.1", Score: 9.8}, Fixes: rs,
		References: []string{"https://example.com/r"}, CWEs: []string{"CWE-79", "CWE-22"}}
	f := newForm(vulnValues(v))
	got := readVulnForm(testReq("ja"), f, nil)
	if f.Failed() {
		t.Fatalf("form of a valid record fails: %v", f.List)
	}
	got.Normalize()
	v.Normalize()
	if !reflect.DeepEqual(got, v) {
		t.Errorf("vulnerability form round trip:\ngot  %+v\nwant %+v", got, v)
	}
}

func TestBarChart(t *testing.T) {
	c := newBarChart([]string{"a", "b", "c"}, []int{10, 5, 0})
	if len(c.Bars) != 3 || c.Bars[0].W != chartBarMax || c.Bars[1].W != chartBarMax/2 || c.Bars[2].W != 0 {
		t.Errorf("bars %+v", c.Bars)
	}
	if c.Height != 3*chartRow+8 || c.Bars[1].Y != c.Bars[0].Y+chartRow {
		t.Errorf("geometry %+v", c)
	}
	// A tiny value is still visible.
	if c := newBarChart([]string{"a", "b"}, []int{1000, 1}); c.Bars[1].W < 2 {
		t.Errorf("tiny bar width %d", c.Bars[1].W)
	}
}
