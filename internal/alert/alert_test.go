package alert

import (
	"encoding/json"
	"strings"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
	"sakimori/internal/org"
)

func TestNormalizeIndicator(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113[.]5":                    "[ipv4-addr:value = '203.0.113.5']",
		"hxxps://Evil[.]Example/a":         "[url:value = 'https://evil.example/a']",
		"EVIL.example":                     "[domain-name:value = 'evil.example']",
		"d41d8cd98f00b204e9800998ecf8427e": "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
	} {
		got, err := NormalizeIndicator(Indicator{Value: in})
		if err != nil || got.Pattern != want || got.Value == "" {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	got, err := NormalizeIndicator(Indicator{Pattern: "[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'x.example']"})
	if err != nil || got.Kind != "" || got.Value != "" {
		t.Errorf("two atoms: %+v %v", got, err)
	}
	for _, bad := range []Indicator{{}, {Value: "not an indicator"}, {Pattern: "[nonsense"}} {
		if _, err := NormalizeIndicator(bad); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestContentValidation(t *testing.T) {
	ok := Content{Severity: High, TLP: marking.TLPAmber, Title: Text{JA: "件名"}, Summary: Text{JA: "概要"}}
	for name, c := range map[string]struct {
		mut   func(c *Content)
		field string
	}{
		"severity": {func(c *Content) { c.Severity = "urgent" }, "severity"},
		"tlp":      {func(c *Content) { c.TLP = 0 }, "tlp"},
		"title":    {func(c *Content) { c.Title.JA = " " }, "title.ja"},
		"summary":  {func(c *Content) { c.Summary.JA = "" }, "summary.ja"},
		"cve":      {func(c *Content) { c.CVEs = []string{"CVE-24-1"} }, "cves[0]"},
		"product":  {func(c *Content) { c.Products = []Product{{Vendor: "x"}} }, "products[0]"},
		"cpe":      {func(c *Content) { c.Products = []Product{{CPE: "cpe:/bad"}} }, "products[0].cpe"},
		"action":   {func(c *Content) { c.Actions = []Text{{EN: "only English"}} }, "recommended_actions[0].ja"},
		"sector":   {func(c *Content) { c.Targeting.Sectors = []org.Sector{"space"} }, "targeting.sectors[0]"},
		"ind":      {func(c *Content) { c.Indicators = []Indicator{{Value: "1.2.3"}} }, "indicators[0].value"},
	} {
		cc := ok
		c.mut(&cc)
		err := cc.Normalize()
		if err == nil {
			err = cc.Validate()
		}
		if e := apperr.As(err); err == nil || e.Code != apperr.CodeInvalid || e.Field != c.field {
			t.Errorf("%s: %v (field %q)", name, err, apperr.As(err).Field)
		}
	}
	c := ok
	c.CVEs = []string{"cve-2024-1234", "CVE-2024-1234"}
	if err := c.Normalize(); err != nil || len(c.CVEs) != 1 || c.CVEs[0] != "CVE-2024-1234" {
		t.Fatalf("cves %v %v", c.CVEs, err)
	}
	if w := c.Warnings(); len(w) != 3 { // title.en, summary.en, targeting
		t.Fatalf("warnings %+v", w)
	}
	a, b := ok, ok
	b.Title.EN = "x"
	b.Indicators = []Indicator{{Pattern: "[ipv4-addr:value = '1.2.3.4']"}}
	if ch := Changes(&a, &b); strings.Join(ch, ",") != "title,indicators" {
		t.Fatalf("changes %v", ch)
	}
}

// FuzzContent: decoding and normalising any content never panics, and
// normalised content normalises to itself.
func FuzzContent(f *testing.F) {
	f.Add(`{"severity":"high","tlp":"TLP:AMBER","title":{"ja":"t"},"summary":{"ja":"s"},"indicators":[{"value":"203.0.113[.]5"}],"cves":["cve-2024-1"]}`)
	f.Add(`{"indicators":[{"pattern":"[url:value = 'http://x.example/']"},{"value":"hxxp://a[.]b/c"}],"products":[{"cpe":"cpe:2.3:a:x:y:*:*:*:*:*:*:*:*"}]}`)
	f.Add(`{"indicators":[{"value":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var c Content
		if json.Unmarshal([]byte(s), &c) != nil {
			return
		}
		if c.Normalize() != nil {
			return
		}
		_ = c.Validate()
		_ = c.Warnings()
		again := c
		again.Indicators = append([]Indicator(nil), c.Indicators...)
		if err := again.Normalize(); err != nil {
			t.Fatalf("normalised content fails again: %v", err)
		}
		for i := range c.Indicators {
			if again.Indicators[i].Pattern != c.Indicators[i].Pattern {
				t.Fatalf("not idempotent: %q -> %q", c.Indicators[i].Pattern, again.Indicators[i].Pattern)
			}
		}
	})
}
