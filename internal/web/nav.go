package web

// navGroup is one section of the navigation: a heading and the pages
// under it. Each feature adds its pages to the flat list (navItems and the
// features' *Nav functions decide who sees what); groupNav then files them
// under the sections people look for, in a fixed order.
type navGroup struct {
	Key     string // stable id, also the heading's element id
	Label   string // catalogue key of the heading ("" for the home link)
	Items   []navItem
	Current bool // the page being shown is in this group
}

// navGroups are the sections in display order.
var navGroups = []struct{ key, label string }{
	{"home", ""},
	{"report", "nav.group.report"},
	{"intel", "nav.group.intel"},
	{"analysis", "nav.group.analysis"},
	{"assets", "nav.group.assets"},
	{"defense", "nav.group.defense"},
	{"admin", "nav.group.admin"},
}

// navGroupOf files each page under its section. A path missing here goes
// to the administration section (TestNavGroups fails on it).
var navGroupOf = map[string]string{
	"/": "home",

	"/incidents":           "report",
	"/triage":              "report",
	"/reporting/settings":  "report",
	"/reporting/templates": "report",

	"/intel":        "intel",
	"/collections":  "intel",
	"/groups":       "intel",
	"/import":       "intel",
	"/warninglists": "intel",

	"/weather":  "analysis",
	"/alerts":   "analysis",
	"/clusters": "analysis",
	"/charts":   "analysis",
	"/events":   "analysis",

	"/computers":       "assets",
	"/vulns":           "assets",
	"/notices":         "assets",
	"/vendor-requests": "assets",
	"/exposure":        "assets",

	"/defense/exports": "defense",
	"/defense/test":    "defense",

	"/orgs":    "admin",
	"/users":   "admin",
	"/tokens":  "admin",
	"/audit":   "admin",
	"/account": "admin",
}

// groupNav files the flat navigation under its sections, keeping each
// section's pages in the order the features added them; empty sections
// are left out.
func groupNav(items []navItem) []navGroup {
	if len(items) == 0 {
		return nil
	}
	by := make(map[string][]navItem, len(navGroups))
	for _, it := range items {
		g, ok := navGroupOf[it.Path]
		if !ok {
			g = "admin"
		}
		by[g] = append(by[g], it)
	}
	out := make([]navGroup, 0, len(navGroups))
	for _, g := range navGroups {
		its := by[g.key]
		if len(its) == 0 {
			continue
		}
		ng := navGroup{Key: g.key, Label: g.label, Items: its}
		for _, it := range its {
			ng.Current = ng.Current || it.Current
		}
		out = append(out, ng)
	}
	return out
}

// fullNav is every page the principal may open: the foundation's pages,
// then each feature's, then the account page.
func (s *server) fullNav(rq *req) []navItem {
	items := s.analysisNav(rq, s.defenseNav(rq, s.reportingNav(rq, s.exposureNav(rq, s.nav(rq)))))
	if len(items) == 0 {
		return nil
	}
	return append(items, navItem{Path: "/account", Label: "nav.account", Current: rq.URL.Path == "/account"})
}
