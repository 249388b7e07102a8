package web

import (
	"net/http/httptest"
	"testing"

	"sakimori/internal/alerting"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/defense"
	"sakimori/internal/exposure"
	"sakimori/internal/i18n"
	"sakimori/internal/intel"
	"sakimori/internal/org"
	"sakimori/internal/push"
	"sakimori/internal/reporting"
	"sakimori/internal/weather"
)

// TestNavGroups builds the navigation of people of every kind of
// organisation with every feature switched on and checks that each page is
// filed under a section made for it (a new page missing from navGroupOf
// would land under administration), that each section heading is
// translated, and that the page being shown marks its section.
func TestNavGroups(t *testing.T) {
	s := &server{opt: Options{Intel: &intel.Service{}, Exposure: &exposure.Service{}, Reporting: &reporting.Service{},
		Defense: &defense.Service{}, Push: &push.Service{}, Correlate: &correlate.Service{}, Alerting: &alerting.Service{},
		Weather: &weather.Service{}}}
	people := []struct {
		kind  org.Kind
		roles []org.Role
	}{
		{org.KindGovernment, []org.Role{org.RolePlatformAdmin, org.RoleOrgAdmin, org.RoleAnalyst}},
		{org.KindOperator, []org.Role{org.RoleOrgAdmin, org.RoleReporter, org.RoleAnalyst}},
		{org.KindSupplier, []org.Role{org.RoleOrgAdmin, org.RoleReporter}},
		{org.KindVendor, []org.Role{org.RoleOrgAdmin, org.RoleAnalyst}},
		{org.KindOversight, []org.Role{org.RoleAuditor}},
	}
	seen := map[string]bool{}
	for _, who := range people {
		o := &org.Organisation{ID: "o1", Slug: "o1", Kind: who.kind, Sector: org.SectorGas}
		p := &auth.Principal{Org: o, User: &org.User{ID: "u1", OrgID: o.ID, Roles: who.roles}}
		for path := range navGroupOf {
			rq := &req{Request: httptest.NewRequest("GET", path, nil), P: p, lang: i18n.JA, tr: i18n.For(i18n.JA)}
			items := s.fullNav(rq)
			for _, it := range items {
				seen[it.Path] = true
				if _, ok := navGroupOf[it.Path]; !ok {
					t.Errorf("%s: page %s is in no navigation section (add it to navGroupOf)", who.kind, it.Path)
				}
				if !i18n.Has(i18n.JA, it.Label) || !i18n.Has(i18n.EN, it.Label) {
					t.Errorf("%s: page %s: label %q is not a catalogue key", who.kind, it.Path, it.Label)
				}
			}
			groups := groupNav(items)
			var current []string
			n := 0
			for _, g := range groups {
				if g.Label != "" && (!i18n.Has(i18n.JA, g.Label) || !i18n.Has(i18n.EN, g.Label)) {
					t.Errorf("section %s: heading %q untranslated", g.Key, g.Label)
				}
				if g.Current {
					current = append(current, g.Key)
				}
				n += len(g.Items)
			}
			if n != len(items) {
				t.Errorf("%s %s: %d pages filed, %d in the navigation", who.kind, path, n, len(items))
			}
			shown := false
			for _, it := range items {
				shown = shown || it.Path == path
			}
			if shown && (len(current) != 1 || current[0] != navGroupOf[path]) {
				t.Errorf("%s on %s: current sections %v, want [%s]", who.kind, path, current, navGroupOf[path])
			}
		}
	}
	// Every section is used by someone.
	for _, g := range navGroups {
		used := false
		for path, key := range navGroupOf {
			used = used || key == g.key && seen[path]
		}
		if !used {
			t.Errorf("section %s shows no page to anyone", g.key)
		}
	}
}
