package web

// The home page (issue #8): what each user wants to open every morning,
// made for their role. Operators, suppliers and vendors see their threat
// weather, their open incidents with a live countdown to every applicable
// deadline, what waits for them (approvals, questions), alerts to
// acknowledge, new indicators and their exposed critical computers;
// executives and viewers the same, summary first. Government analysts see
// the reports to triage, their questions' answers, alerts to review and
// their acknowledgement, correlation clusters, the weather and exposure
// overviews; auditors the audit trail's state; platform administrators
// the platform's size and the government view.
//
// Every section reads through its service, as the user (TLP and
// organisation scope are the services'), is left out when its service is
// not configured or the user may not see it, and shows a short failure
// note rather than breaking the page when its service fails. Each reads
// a bounded number of rows and shows at most homeTop.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/reporting"
	"sakimori/internal/stats"
	"sakimori/internal/store"
	"sakimori/internal/vuln"
	"sakimori/internal/weather"
)

// homeTop is how many items a section lists.
const homeTop = 5

// homeSoon is when a deadline is shown as near (as the reminders do).
const homeSoon = 6 * time.Hour

// homeRecent is how far back "new" indicators go.
const homeRecent = 7 * 24 * time.Hour

// ---- view model --------------------------------------------------------------------

// homeStat is one count of the glance row; every count links to its list.
type homeStat struct {
	N     int
	More  bool // N is a lower bound (the section read at most so many)
	Label string
	Link  string
	Class string // "alert" when it needs attention
}

// homeDue is one deadline with its countdown.
type homeDue struct {
	Regime, Stage string
	Jurisdiction  string // JP, EU, US
	At            time.Time
	Text          string // "残り 3時間12分" / "3 h 12 min left" / "overdue by …"
	Class         string // overdue | soon | ""
	Flag          string // the class in words (not by colour alone)
}

type homeIncident struct {
	ID, Ref, Title string
	State          incBadge
	Dues           []homeDue
	Next           *time.Time
}

type homeIncidents struct {
	Failed    bool
	Count     int
	More      bool // more open incidents than were read
	Overdue   int
	Rows      []homeIncident
	CanCreate bool
}

type homeTask struct {
	Kind, IncidentID, Ref, Title, Text string
	Due                                *homeDue
}

type homeTasks struct {
	Failed bool
	Rows   []homeTask
	Count  int
}

type homeAlert struct {
	alertRow
	Due *homeDue
}

type homeAlerts struct {
	Failed bool
	Count  int
	More   bool
	Rows   []homeAlert
	CanAck bool
}

type homeIndicator struct {
	ID, Name string
	TLP      tlpBadge
	Score    int
	Added    time.Time
}

type homeIndicators struct {
	Failed bool
	Count  int
	More   bool // the count stopped at the scan bound
	Rows   []homeIndicator
	Link   string
}

type homeExposure struct {
	ComputerID, ComputerName, VulnID, Product, Installed string
	CVSS                                                 string
	Exploited                                            bool
	State                                                string
}

type homeExposures struct {
	Failed    bool
	Count     int // open exposures
	Computers int // distinct computers exposed
	Exploited int // exposures to known-exploited vulnerabilities
	Rows      []homeExposure
}

type homeRequest struct {
	ID, VulnID, Questions string
	Due                   homeDue
}

type homeRequests struct {
	Failed  bool
	Count   int
	Overdue int
	Rows    []homeRequest
}

type homeWeather struct {
	Failed bool
	Panels []wxPanel
}

type homeTriageRow struct {
	ID, Ref, Title, From, Status string
	Updated                      time.Time
	Due                          *homeDue // the earliest open question's
}

type homeTriage struct {
	Failed       bool
	New          int // reports not yet triaged
	Open         int // reports still open
	More         bool
	Rows         []homeTriageRow
	Requests     int // open questions to reporters
	Overdue      int // of which past their due date
	RequestRows  []homeTriageRow
	CanReceive   bool
	ReceivedLink string
}

type homeReviewRow struct {
	alertRow
	By string
}

type homePublishedRow struct {
	alertRow
	Total, Answered, Overdue int
	Rate                     int // percent answered
}

type homeAlertDesk struct {
	Failed    bool
	CanWrite  bool
	Reviews   []homeReviewRow
	NReview   int
	Drafts    int
	Published []homePublishedRow
	NPub      int
}

type homeCluster struct {
	Ref, Title string
	Strength   int
	Orgs       int
	LastSeen   time.Time
	Status     string
}

type homeClusters struct {
	Failed bool
	Count  int
	More   bool
	Rows   []homeCluster
}

type homeWxCell struct {
	Icon  template.HTML
	Label string
}

type homeWxRow struct {
	Name, Link string
	Today      string
	Cells      []homeWxCell
}

// homeDay is a column of the sector grid: the day of the month, the date.
type homeDay struct{ Day, Date string }

type homeWxOverview struct {
	Failed  bool
	Dates   []homeDay
	Rows    []homeWxRow
	Symbols template.HTML // each level's icon once, used by the cells
}

type homeExpOverview struct {
	Failed                                  bool
	Exposures, Exploited, Critical, Advised int
	Sectors                                 int
	TopSector, TopProduct                   string
	TopSectorExposures, TopProductComputers int
}

type homeAudit struct {
	Failed     bool
	Last       *audit.Entry // the last verification
	LastOK     bool
	Day        int           // entries of the last 24 h
	Denied     int           // denied in the last 7 days
	Failures   int           // failures in the last 7 days
	Sensitive  int           // sensitive actions in the last 7 days (homeSensitive)
	Recent     []audit.Entry // the latest of them, newest first
	CanVerify  bool
	DeniedLink string
	CSRF       string
}

type homePlatform struct {
	Failed     bool
	Orgs       int
	Users      int
	ByKind     []homeStat
	CanNewOrg  bool
	CanNewUser bool
}

type homeAbout struct {
	Org            *org.Organisation
	Roles          []org.Role
	Members        int
	MembersVisible bool
	ActiveTokens   int
	Suppliers      int
	Customers      int
	CanEditOrg     bool
	CanCreateUser  bool
	CanAudit       bool
}

type homeData struct {
	User    *org.User
	Role    string // data-role: government | platform | auditor | executive | viewer | staff
	Lead    string
	Kind    string
	Gov     bool
	Summary bool // executives and viewers: the glance and the weather first
	Stream  string
	Labels  template.JS // countdown formats, JSON, for home.js
	Now     time.Time
	Stats   []homeStat
	About   homeAbout
	// Sections (nil: not shown).
	Weather    *homeWeather
	Incidents  *homeIncidents
	Tasks      *homeTasks
	Alerts     *homeAlerts
	Indicators *homeIndicators
	Exposures  *homeExposures
	Requests   *homeRequests
	Triage     *homeTriage
	Desk       *homeAlertDesk
	Clusters   *homeClusters
	WxOverview *homeWxOverview
	ExpOver    *homeExpOverview
	Audit      *homeAudit
	Platform   *homePlatform
	Picture    *homePicture
	// Order is the order of the sections on the page.
	Order []string
}

// ---- countdowns ----------------------------------------------------------------------

// homeDuration is d in days and hours, hours and minutes, or minutes.
func homeDuration(rq *req, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	m := int(d / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0:
		return rq.T("home.dur.dh", days, hours)
	case hours > 0:
		return rq.T("home.dur.hm", hours, mins)
	}
	return rq.T("home.dur.m", mins)
}

// homeDueOf is the countdown to at, as of now.
func homeDueOf(rq *req, at, now time.Time) homeDue {
	d := at.Sub(now)
	h := homeDue{At: at}
	switch {
	case d < 0:
		h.Class, h.Flag, h.Text = "overdue", rq.T("home.flag.overdue"), rq.T("home.overdue_by", homeDuration(rq, d))
	case d < homeSoon:
		h.Class, h.Flag, h.Text = "soon", rq.T("home.flag.soon"), rq.T("home.left", homeDuration(rq, d))
	default:
		h.Text = rq.T("home.left", homeDuration(rq, d))
	}
	return h
}

// homeLabels are the countdown's words for home.js: the same formats the
// server used, with {} for the duration and 9101, 9202 for the numbers.
func homeLabels(rq *req) template.JS {
	b, _ := json.Marshal(map[string]string{
		"left": rq.T("home.left", "{}"), "over": rq.T("home.overdue_by", "{}"),
		"dh": rq.T("home.dur.dh", 9101, 9202), "hm": rq.T("home.dur.hm", 9101, 9202), "m": rq.T("home.dur.m", 9101),
		"soon": rq.T("home.flag.soon"), "overdue": rq.T("home.flag.overdue"),
	})
	return template.JS(b)
}

// ---- the page ------------------------------------------------------------------------

// homeHidden reports whether err means the section is not for this user
// (hide it); any other error is logged and the section marked failed.
func (s *server) homeHidden(rq *req, section string, err error) bool {
	switch apperr.CodeOf(err) {
	case apperr.CodeForbidden, apperr.CodeNotFound, apperr.CodeUnauthenticated:
		return true
	}
	s.log.Warn("home: section failed", "section", section, "err", err)
	return false
}

func (s *server) home(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	o, err := s.svc.GetOrg(ctx, p, p.User.OrgID)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := &homeData{User: p.User, Kind: string(o.Kind), Gov: o.Kind.IsGovernment(), Now: time.Now(), Labels: homeLabels(rq)}
	if s.opt.Reporting != nil {
		d.Now = s.repNow()
	}
	if s.opt.Push != nil {
		d.Stream = "/events/stream"
	}
	worker := p.Has(org.RoleReporter) || p.Has(org.RoleAnalyst) || p.Has(org.RoleOrgAdmin)
	switch {
	case d.Gov && !p.Has(org.RolePlatformAdmin):
		d.Role = "government"
	case p.Has(org.RolePlatformAdmin):
		d.Role = "platform"
	case p.Has(org.RoleAuditor):
		d.Role = "auditor"
	case p.Has(org.RoleApproverExec) && !worker:
		d.Role, d.Summary = "executive", true
	case p.Has(org.RoleViewer) && !worker:
		d.Role, d.Summary = "viewer", true
	default:
		d.Role = "staff"
	}
	d.Lead = map[string]string{"government": rq.T("home.lead.government"), "platform": rq.T("home.lead.platform"), "auditor": rq.T("home.lead.auditor"),
		"executive": rq.T("home.lead.executive"), "viewer": rq.T("home.lead.viewer"), "staff": rq.T("home.lead.staff")}[d.Role]
	if err := s.homeAbout(rq, o, &d.About); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	switch {
	case d.Gov:
		s.homeGov(rq, d)
	case o.Kind == org.KindOversight:
		// The commission: the audit trail (auditors) and its alerts.
		s.homeAlerts(rq, d)
	default:
		s.homeOrg(rq, o, d)
	}
	if p.Has(org.RoleAuditor) {
		s.homeAudit(rq, d)
	}
	if p.Has(org.RolePlatformAdmin) {
		s.homePlatform(rq, d)
	}
	s.homePicture(rq, d)
	s.homeStats(rq, d)
	d.Order = homeOrder(d)
	s.render(w, rq, http.StatusOK, "home", d)
}

// homeOrder is the order of the sections: what needs doing first; for
// executives and viewers the weather before the lists.
func homeOrder(d *homeData) []string {
	switch {
	case d.Gov:
		return []string{"platform", "triage", "desk", "picture", "clusters", "wxoverview", "expoverview", "indicators", "audit"}
	case d.Summary:
		return []string{"weather", "picture", "incidents", "tasks", "requests", "alerts", "exposures", "indicators"}
	}
	return []string{"platform", "audit", "incidents", "tasks", "requests", "alerts", "weather", "exposures", "indicators", "picture"}
}

// homeStats are the glance row: the counts of the sections shown.
func (s *server) homeStats(rq *req, d *homeData) {
	add := func(n int, key, link string, alert bool, more ...bool) {
		st := homeStat{N: n, Label: rq.T(key), Link: link, More: len(more) > 0 && more[0]}
		if alert && n > 0 {
			st.Class = "alert"
		}
		d.Stats = append(d.Stats, st)
	}
	if x := d.Incidents; x != nil && !x.Failed {
		add(x.Count, "home.stat.open_incidents", "/incidents", false, x.More)
		add(x.Overdue, "home.stat.overdue", "/incidents", true, x.More)
	}
	if x := d.Tasks; x != nil && !x.Failed {
		add(x.Count, "home.stat.waiting_for_you", "/incidents#tasks", true)
	}
	if x := d.Requests; x != nil && !x.Failed {
		add(x.Count, "home.stat.vendor_requests", "/vendor-requests", x.Overdue > 0)
	}
	if x := d.Alerts; x != nil && !x.Failed {
		add(x.Count, "home.stat.alerts_to_ack", "/alerts?unacked=1", true, x.More)
	}
	if x := d.Exposures; x != nil && !x.Failed {
		add(x.Exploited, "home.stat.kev_exposures", "/computers", true)
	}
	if x := d.Triage; x != nil && !x.Failed {
		add(x.New, "home.stat.to_triage", "/triage", true, x.More)
		add(x.Overdue, "home.stat.overdue_answers", "/triage", true, x.More)
	}
	if x := d.Desk; x != nil && !x.Failed && x.CanWrite {
		add(x.NReview, "home.stat.to_review", "/alerts?state=in_review", true)
	}
	if x := d.Clusters; x != nil && !x.Failed {
		add(x.Count, "home.stat.clusters", "/clusters?status=open", false, x.More)
	}
	if x := d.Indicators; x != nil && !x.Failed {
		add(x.Count, "home.stat.new_indicators", x.Link, false, x.More)
	}
}

func (s *server) homeAbout(rq *req, o *org.Organisation, a *homeAbout) error {
	ctx, p := rq.Context(), rq.P
	a.Org, a.Roles = o, p.User.Roles
	own := auth.Target{OrgID: o.ID, OrgKind: o.Kind}
	a.CanEditOrg = auth.Can(p, auth.ActOrgUpdate, own)
	a.CanCreateUser = auth.Can(p, auth.ActUserCreate, own)
	a.CanAudit = auth.Can(p, auth.ActAuditRead, auth.Target{})
	var err error
	if auth.Can(p, auth.ActUserList, own) {
		if a.Members, err = s.svc.CountMembers(ctx, p, o.ID); err != nil {
			return err
		}
		a.MembersVisible = true
	}
	tokens, err := s.svc.ListTokens(ctx, p, "")
	if err != nil {
		return err
	}
	now := time.Now()
	for i := range tokens {
		if tokens[i].Active(now) {
			a.ActiveTokens++
		}
	}
	links, err := s.svc.ListLinks(ctx, p, o.ID)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.CustomerID == o.ID {
			a.Suppliers++
		} else {
			a.Customers++
		}
	}
	return nil
}

// ---- operators, suppliers, vendors, ISACs -----------------------------------------

func (s *server) homeOrg(rq *req, o *org.Organisation, d *homeData) {
	if s.opt.Weather != nil {
		s.homeWeather(rq, d)
	}
	switch o.Kind {
	case org.KindOperator, org.KindSupplier, org.KindVendor:
		if s.opt.Reporting != nil {
			s.homeIncidents(rq, d)
			s.homeTasks(rq, d)
		}
	}
	s.homeAlerts(rq, d)
	if s.opt.Exposure != nil && (o.Kind == org.KindOperator || o.Kind == org.KindSupplier) {
		s.homeExposures(rq, d)
	}
	if s.opt.Exposure != nil && (o.Kind == org.KindVendor || o.Kind == org.KindSupplier) {
		s.homeRequests(rq, d)
	}
	s.homeIndicators(rq, d)
}

func (s *server) homeWeather(rq *req, d *homeData) {
	r, err := s.opt.Weather.Weather(rq.Context(), rq.P, weather.Query{Days: weather.DefaultDays})
	if err != nil {
		if s.homeHidden(rq, "weather", err) {
			return
		}
		d.Weather = &homeWeather{Failed: true}
		return
	}
	x := &homeWeather{}
	for _, w := range []struct {
		id string
		w  *weather.Weather
	}{{"org", r.Org}, {"sector", r.Sector}} {
		if w.w == nil {
			continue
		}
		pn := s.wxPanel(rq, "home-wx-"+w.id, w.w)
		pn.Icon = wxIcon(pn.Level, 64, pn.LevelName)
		x.Panels = append(x.Panels, pn)
	}
	if len(x.Panels) > 0 {
		d.Weather = x
	}
}

// homeOpenStates are the states of an incident still being worked on.
var homeOpenStates = func() []incident.State {
	var out []incident.State
	for _, st := range incident.States {
		if st.Open() {
			out = append(out, st)
		}
	}
	return out
}()

// homeIncidentScan bounds the open incidents read for the section.
const homeIncidentScan = 50

func (s *server) homeIncidents(rq *req, d *homeData) {
	ctx, p := rq.Context(), rq.P
	if !auth.Can(p, auth.ActReportRead, auth.Target{OrgID: p.ActingOrgID()}) {
		return
	}
	x := &homeIncidents{CanCreate: auth.Can(p, auth.ActReportWrite, auth.Target{OrgID: p.ActingOrgID()})}
	d.Incidents = x
	ins, err := s.opt.Reporting.List(ctx, p, reporting.Query{States: homeOpenStates, Limit: homeIncidentScan})
	if err == nil && len(ins) > 0 {
		var tls map[string][]regime.Due
		if tls, err = s.opt.Reporting.Deadlines(ctx, p, ins); err == nil {
			names := s.incRegimeIndex(rq, p.ActingOrgID())
			for _, in := range ins {
				x.Rows = append(x.Rows, s.homeIncidentOf(rq, names, in, tls[in.ID], d.Now))
			}
		}
	}
	if err != nil {
		if s.homeHidden(rq, "incidents", err) {
			d.Incidents = nil
			return
		}
		x.Failed = true
		return
	}
	x.Count, x.More = len(x.Rows), len(ins) == homeIncidentScan
	for _, r := range x.Rows {
		if len(r.Dues) > 0 && r.Dues[0].Class == "overdue" {
			x.Overdue++
		}
	}
	// The nearest deadline first; incidents without one after, newest first.
	sort.SliceStable(x.Rows, func(i, j int) bool {
		a, b := x.Rows[i].Next, x.Rows[j].Next
		if a == nil || b == nil {
			return a != nil
		}
		return a.Before(*b)
	})
	x.Rows = x.Rows[:min(len(x.Rows), homeTop)]
}

// homeIncidentOf is an incident with the next open stage of every regime
// that applies to it.
func (s *server) homeIncidentOf(rq *req, names incRegimeNames, in incident.Incident, dues []regime.Due, now time.Time) homeIncident {
	r := homeIncident{ID: in.ID, Ref: in.Ref, Title: in.Title, State: incStateBadge(rq, in.State)}
	seen := map[string]bool{}
	for _, due := range dues {
		if due.Due == nil || due.Submitted != nil || seen[due.Regime] {
			continue
		}
		switch due.Status {
		case regime.StatusOpen, regime.StatusDueSoon, regime.StatusOverdue:
		default:
			continue
		}
		seen[due.Regime] = true
		h := homeDueOf(rq, *due.Due, now)
		h.Regime, h.Stage = names.regime(rq.lang, due.Regime), names.stage(rq.lang, due.Regime, due.Stage)
		h.Jurisdiction = names[due.Regime].Jurisdiction
		r.Dues = append(r.Dues, h)
	}
	sort.SliceStable(r.Dues, func(i, j int) bool { return r.Dues[i].At.Before(r.Dues[j].At) })
	if len(r.Dues) > 0 {
		r.Next = &r.Dues[0].At
	}
	return r
}

// homeTasks: approvals waiting for one of the user's approver roles and
// the government's open questions to the organisation.
func (s *server) homeTasks(rq *req, d *homeData) {
	p := rq.P
	approver := p.Has(org.RoleApproverLegal) || p.Has(org.RoleApproverPR) || p.Has(org.RoleApproverExec)
	if !approver && !p.Has(org.RoleReporter) && !p.Has(org.RoleAnalyst) && !p.Has(org.RoleOrgAdmin) {
		return
	}
	ts, err := s.opt.Reporting.Tasks(rq.Context(), p)
	if err != nil {
		if !s.homeHidden(rq, "tasks", err) {
			d.Tasks = &homeTasks{Failed: true}
		}
		return
	}
	x := &homeTasks{}
	for _, t := range ts {
		if t.Kind != "approval" && t.Kind != "info_request" {
			continue // deadlines are in the incidents section
		}
		if t.Kind == "info_request" && !p.Has(org.RoleReporter) && !p.Has(org.RoleAnalyst) && !p.Has(org.RoleOrgAdmin) {
			continue // approvers answer no questions
		}
		x.Count++
		if len(x.Rows) == homeTop {
			continue
		}
		r := homeTask{Kind: incTOr(rq, "inc.task."+t.Kind, t.Kind), IncidentID: t.IncidentID, Ref: t.Ref, Title: t.Title, Text: t.Text}
		if t.Kind == "approval" {
			r.Text = rq.T("home.task.approval")
		}
		if t.Due != nil {
			h := homeDueOf(rq, *t.Due, d.Now)
			r.Due = &h
		}
		x.Rows = append(x.Rows, r)
	}
	d.Tasks = x
}

// homeAlertScan bounds the alerts read for a section.
const homeAlertScan = 100

func (s *server) homeAlerts(rq *req, d *homeData) {
	if s.opt.Alerting == nil {
		return
	}
	vs, err := s.opt.Alerting.List(rq.Context(), rq.P, alerting.Query{Unacked: true, State: alert.Published, Limit: homeAlertScan})
	if err != nil {
		if !s.homeHidden(rq, "alerts", err) {
			d.Alerts = &homeAlerts{Failed: true}
		}
		return
	}
	x := &homeAlerts{Count: len(vs), More: len(vs) == homeAlertScan, CanAck: auth.Can(rq.P, auth.ActAlertAck, auth.Target{OrgID: rq.P.ActingOrgID()})}
	for _, v := range vs[:min(len(vs), homeTop)] {
		r := homeAlert{alertRow: s.alertRowOf(rq, v)}
		if v.DueAt != nil {
			h := homeDueOf(rq, *v.DueAt, d.Now)
			r.Due = &h
		}
		x.Rows = append(x.Rows, r)
	}
	d.Alerts = x
}

func (s *server) homeIndicators(rq *req, d *homeData) {
	if s.opt.Intel == nil {
		return
	}
	recs, total, capped, err := s.opt.Intel.RecentIndicators(rq.Context(), rq.P, d.Now.Add(-homeRecent), homeTop)
	if err != nil {
		if !s.homeHidden(rq, "indicators", err) {
			d.Indicators = &homeIndicators{Failed: true}
		}
		return
	}
	x := &homeIndicators{Count: total, More: capped, Link: "/intel?" + url.Values{"type": {"indicator"}, "revoked": {"no"}}.Encode()}
	for _, r := range recs {
		x.Rows = append(x.Rows, homeIndicator{ID: r.ID, Name: cmp.Or(r.Name, r.ID), TLP: badgeOf(r.TLP), Score: r.Score, Added: r.Added})
	}
	d.Indicators = x
}

// homeExposureScan bounds the exposures read for the section.
const homeExposureScan = 500

func (s *server) homeExposures(rq *req, d *homeData) {
	ctx, p := rq.Context(), rq.P
	if !auth.Can(p, auth.ActExposureRead, auth.Target{OrgID: p.ActingOrgID()}) {
		return
	}
	exps, err := s.opt.Exposure.Exposures(ctx, p, store.ExposureQuery{OrgID: p.ActingOrgID(), Unpatched: true, Limit: homeExposureScan}, false)
	if err != nil {
		if !s.homeHidden(rq, "exposures", err) {
			d.Exposures = &homeExposures{Failed: true}
		}
		return
	}
	// Known-exploited first, then the most severe (the store's order).
	sort.SliceStable(exps, func(i, j int) bool { return exps[i].Exploited && !exps[j].Exploited })
	x := &homeExposures{Count: len(exps)}
	comps := map[string]bool{}
	for _, e := range exps {
		comps[e.ComputerID] = true
		if e.Exploited {
			x.Exploited++
		}
		if len(x.Rows) < homeTop {
			r := homeExposure{ComputerID: e.ComputerID, ComputerName: cmp.Or(e.ComputerName, e.ComputerID), VulnID: e.VulnID, Product: e.Product,
				Installed: e.Installed, Exploited: e.Exploited, State: label(rq, exposureStateKeys, e.State)}
			if e.CVSS > 0 {
				r.CVSS = strconv.FormatFloat(e.CVSS, 'f', 1, 64)
			}
			x.Rows = append(x.Rows, r)
		}
	}
	x.Computers = len(comps)
	d.Exposures = x
}

// homeRequests: the government's open requests to a vendor (or a
// supplier) about vulnerabilities in its products, the nearest due first.
func (s *server) homeRequests(rq *req, d *homeData) {
	rs, err := s.opt.Exposure.Requests(rq.Context(), rq.P, store.RequestQuery{Limit: homeAlertScan})
	if err != nil {
		if !s.homeHidden(rq, "vendor requests", err) {
			d.Requests = &homeRequests{Failed: true}
		}
		return
	}
	rs = slices.DeleteFunc(rs, func(r vuln.Request) bool { return !r.State.Open() })
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].DueAt.Before(rs[j].DueAt) })
	x := &homeRequests{Count: len(rs)}
	for _, r := range rs {
		if r.Overdue(d.Now) {
			x.Overdue++
		}
		if len(x.Rows) < homeTop {
			x.Rows = append(x.Rows, homeRequest{ID: r.ID, VulnID: r.VulnID, Questions: r.Questions, Due: homeDueOf(rq, r.DueAt, d.Now)})
		}
	}
	if x.Count > 0 || rq.P.Org.Kind == org.KindVendor {
		d.Requests = x // a supplier without requests is not shown the section
	}
}

// ---- government ----------------------------------------------------------------------

func (s *server) homeGov(rq *req, d *homeData) {
	if s.opt.Reporting != nil {
		s.homeTriage(rq, d)
	}
	if s.opt.Alerting != nil {
		s.homeDesk(rq, d)
	}
	if s.opt.Correlate != nil {
		s.homeClusters(rq, d)
	}
	if s.opt.Weather != nil {
		s.homeWxOverview(rq, d)
	}
	if s.opt.Exposure != nil {
		s.homeExpOverview(rq, d)
	}
	s.homeIndicators(rq, d)
}

// homeTriageScan bounds the received reports read.
const homeTriageScan = 200

func (s *server) homeTriage(rq *req, d *homeData) {
	ctx, p := rq.Context(), rq.P
	ins, err := s.opt.Reporting.Queue(ctx, p, reporting.Query{States: homeOpenStates, Limit: homeTriageScan})
	if err != nil {
		if !s.homeHidden(rq, "triage", err) {
			d.Triage = &homeTriage{Failed: true}
		}
		return
	}
	x := &homeTriage{CanReceive: auth.Can(p, auth.ActReportReceive, auth.Target{}), More: len(ins) == homeTriageScan}
	n := s.orgNames(rq)
	me := p.ActingOrgID()
	var asks []homeTriageRow
	for _, in := range ins {
		x.Open++
		st := cmp.Or(in.Triage.Status, "new")
		row := homeTriageRow{ID: in.ID, Ref: in.Ref, Title: in.Title, Updated: in.UpdatedAt, Status: label(rq, repStatusKeys, st)}
		if st == "new" {
			x.New++
			if len(x.Rows) < homeTop {
				row.From = n.orgName(in.OrgID)
				x.Rows = append(x.Rows, row)
			}
		}
		var first *time.Time
		for _, r := range in.InfoRequests {
			if r.FromOrg != me || r.State != "open" {
				continue
			}
			x.Requests++
			if r.Overdue(d.Now) {
				x.Overdue++
			}
			if r.Due != nil && (first == nil || r.Due.Before(*first)) {
				first = r.Due
			}
		}
		if first != nil {
			h := homeDueOf(rq, *first, d.Now)
			row.Due = &h
			row.From = n.orgName(in.OrgID)
			asks = append(asks, row)
		}
	}
	sort.SliceStable(asks, func(i, j int) bool { return asks[i].Due.At.Before(asks[j].Due.At) })
	x.RequestRows = asks[:min(len(asks), homeTop)]
	d.Triage = x
}

func (s *server) homeDesk(rq *req, d *homeData) {
	ctx, p := rq.Context(), rq.P
	x := &homeAlertDesk{CanWrite: auth.Can(p, auth.ActAlertReview, auth.Target{OrgID: p.ActingOrgID()})}
	fail := func(err error) {
		if s.homeHidden(rq, "alert desk", err) {
			d.Desk = nil
			return
		}
		x.Failed = true
	}
	d.Desk = x
	if x.CanWrite {
		rev, err := s.opt.Alerting.List(ctx, p, alerting.Query{State: alert.InReview, Limit: homeAlertScan})
		if err != nil {
			fail(err)
			return
		}
		for _, v := range rev {
			if v.SubmittedBy == p.User.ID || v.OrgID != p.ActingOrgID() {
				continue // reviewed by someone else, or by the issuing organisation's analysts
			}
			x.NReview++
			if len(x.Reviews) < homeTop {
				x.Reviews = append(x.Reviews, homeReviewRow{alertRow: s.alertRowOf(rq, v)})
			}
		}
		drafts, err := s.opt.Alerting.List(ctx, p, alerting.Query{State: alert.Draft, Mine: true, Limit: homeAlertScan})
		if err != nil {
			fail(err)
			return
		}
		x.Drafts = len(drafts)
	}
	pub, err := s.opt.Alerting.List(ctx, p, alerting.Query{State: alert.Published, Limit: homeAlertScan})
	if err != nil {
		fail(err)
		return
	}
	x.NPub = len(pub)
	for _, v := range pub[:min(len(pub), homeTop)] {
		r := homePublishedRow{alertRow: s.alertRowOf(rq, v)}
		if t, err := s.opt.Alerting.Recipients(ctx, p, v.ID); err == nil {
			r.Total = t.Counts["total"]
			r.Answered = t.Counts["acknowledged"] + t.Counts["actioned"] + t.Counts["not_affected"]
			r.Overdue = t.Counts["overdue"]
			if r.Total > 0 {
				r.Rate = r.Answered * 100 / r.Total
			}
		} else if !s.homeHidden(rq, "alert recipients", err) {
			x.Failed = true
		}
		x.Published = append(x.Published, r)
	}
}

// homeClusterScan bounds the open clusters read (the most recently seen).
const homeClusterScan = 20

func (s *server) homeClusters(rq *req, d *homeData) {
	cs, err := s.opt.Correlate.List(rq.Context(), rq.P, correlate.Query{Status: store.ClusterOpen, Limit: homeClusterScan})
	if err != nil {
		if !s.homeHidden(rq, "clusters", err) {
			d.Clusters = &homeClusters{Failed: true}
		}
		return
	}
	x := &homeClusters{Count: len(cs), More: len(cs) == homeClusterScan}
	// The most recently seen, the strongest of them first.
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Strength > cs[j].Strength })
	for _, c := range cs[:min(len(cs), homeTop)] {
		x.Rows = append(x.Rows, homeCluster{Ref: c.Ref, Title: c.Title, Strength: c.Strength, Orgs: c.Orgs, LastSeen: c.LastSeen, Status: c.Status})
	}
	d.Clusters = x
}

func (s *server) homeWxOverview(rq *req, d *homeData) {
	ov, err := s.opt.Weather.Overview(rq.Context(), rq.P, weather.DefaultDays)
	if err != nil {
		if !s.homeHidden(rq, "weather overview", err) {
			d.WxOverview = &homeWxOverview{Failed: true}
		}
		return
	}
	x := &homeWxOverview{Symbols: homeWxSymbols()}
	for _, dt := range ov.Dates {
		x.Dates = append(x.Dates, homeDay{Day: strings.TrimPrefix(dt[8:], "0"), Date: dt})
	}
	for _, r := range ov.Sectors {
		row := homeWxRow{Name: rq.T("sector." + string(r.Sector)), Link: "/weather?" + url.Values{"sector": {string(r.Sector)}}.Encode()}
		for _, c := range r.Days {
			name := c.Level.Name(rq.lang)
			row.Cells = append(row.Cells, homeWxCell{Icon: homeWxUse(c.Level, 20, c.Date+" "+name), Label: name})
			row.Today = name
		}
		x.Rows = append(x.Rows, row)
	}
	d.WxOverview = x
}

// homeWxSymbols defines each weather level's icon once (the sector grid
// has 7 cells a sector).
func homeWxSymbols() template.HTML {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" class="wx-symbols" aria-hidden="true" focusable="false">`)
	for _, l := range []weather.Level{weather.Clear, weather.Cloudy, weather.Rain, weather.Storm} {
		fmt.Fprintf(&b, `<symbol id="home-wx-%d" viewBox="0 0 64 64">%s</symbol>`, int(l), wxShapes[l])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// homeWxUse is a level's icon from homeWxSymbols, named for screen readers.
func homeWxUse(l weather.Level, size int, name string) template.HTML {
	n := template.HTMLEscapeString(name)
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 64 64"><title>%s</title><use href="#home-wx-%d"/></svg>`,
		n, size, size, n, int(l)))
}

func (s *server) homeExpOverview(rq *req, d *homeData) {
	ov, err := s.opt.Exposure.Overview(rq.Context(), rq.P)
	if err != nil {
		if !s.homeHidden(rq, "exposure overview", err) {
			d.ExpOver = &homeExpOverview{Failed: true}
		}
		return
	}
	x := &homeExpOverview{Advised: len(ov.Unpatched), Sectors: len(ov.BySector)}
	for _, r := range ov.BySector {
		x.Exposures += r.Exposures
		x.Exploited += r.Exploited
		x.Critical += r.Critical
	}
	if len(ov.BySector) > 0 {
		r := ov.BySector[0]
		x.TopSector, x.TopSectorExposures = rq.T("sector.none"), r.Exposures
		if r.Sector != "" {
			x.TopSector = rq.T("sector." + r.Sector)
		}
	}
	if len(ov.ByProduct) > 0 {
		x.TopProduct, x.TopProductComputers = ov.ByProduct[0].Product, ov.ByProduct[0].Computers
	}
	d.ExpOver = x
}

// ---- auditors and platform administrators ----------------------------------------

func (s *server) homeAudit(rq *req, d *homeData) {
	ctx, p := rq.Context(), rq.P
	x := &homeAudit{CanVerify: auth.Can(p, auth.ActAuditVerify, auth.Target{}),
		DeniedLink: "/audit?" + url.Values{"outcome": {string(audit.OutcomeDenied)}}.Encode()}
	if rq.sess != nil {
		x.CSRF = rq.sess.CSRF
	}
	d.Audit = x
	// One read of the trail (itself audited): the last week's entries
	// (bounded, newest first), counted; the last verification is among
	// them unless it is older, then a second read finds it.
	since := d.Now.Add(-7 * 24 * time.Hour)
	week, _, err := s.svc.ListAudit(ctx, p, store.AuditFilter{Since: since, Limit: 1000})
	if err != nil {
		if s.homeHidden(rq, "audit", err) {
			d.Audit = nil
			return
		}
		x.Failed = true
		return
	}
	if i := slices.IndexFunc(week, func(e audit.Entry) bool { return e.Action == "audit.verify" }); i >= 0 {
		x.Last = &week[i]
	} else {
		last, _, err := s.svc.ListAudit(ctx, p, store.AuditFilter{Action: "audit.verify", Limit: 1})
		if err != nil {
			x.Failed = true
			return
		}
		if len(last) > 0 {
			x.Last = &last[0]
		}
	}
	x.LastOK = x.Last != nil && x.Last.Outcome == audit.OutcomeSuccess
	day := d.Now.Add(-24 * time.Hour)
	for _, e := range week {
		if e.Time.After(day) {
			x.Day++
		}
		for _, a := range homeSensitive {
			if e.Action == a || strings.HasSuffix(a, ".") && strings.HasPrefix(e.Action, a) {
				x.Sensitive++
				if len(x.Recent) < homeTop {
					x.Recent = append(x.Recent, e) // the trail is read newest first
				}
				break
			}
		}
		switch e.Outcome {
		case audit.OutcomeDenied:
			x.Denied++
		case audit.OutcomeFailure:
			x.Failures++
		}
	}
}

// homeSensitive are the actions an auditor looks at first: accounts,
// organisations and their links, tokens, sharing settings, deletions and
// revocations, emergency submissions and shares of reports, contact reads
// (an entry ending in "." is a prefix).
var homeSensitive = []string{"user.", "token.", "org.", "link.", "collection.", "group.", "warninglist.", "webhook.", "reporting.settings",
	"intel.delete", "intel.revoke", "incident.submit.emergency", "incident.share", "audit.verify"}

// homeScanOrgs bounds the organisations and users counted.
const homeScanOrgs = 1000

func (s *server) homePlatform(rq *req, d *homeData) {
	ctx, p := rq.Context(), rq.P
	x := &homePlatform{CanNewOrg: auth.Can(p, auth.ActOrgCreate, auth.Target{})}
	d.Platform = x
	orgs, _, err := s.svc.ListOrgs(ctx, p, store.OrgFilter{Limit: homeScanOrgs})
	if err != nil {
		x.Failed = true
		s.log.Warn("home: platform", "err", err)
		return
	}
	x.Orgs = len(orgs)
	kinds := map[org.Kind]int{}
	for _, o := range orgs {
		kinds[o.Kind]++
	}
	for _, k := range org.Kinds {
		if n := kinds[k]; n > 0 {
			x.ByKind = append(x.ByKind, homeStat{N: n, Label: rq.T("kind." + string(k)), Link: "/orgs?" + url.Values{"kind": {string(k)}}.Encode()})
		}
	}
	users, _, err := s.svc.ListUsers(ctx, p, store.UserFilter{OrgID: "*", Limit: homeScanOrgs})
	if err != nil {
		x.Failed = true
		s.log.Warn("home: platform users", "err", err)
		return
	}
	x.Users = len(users)
}

// homePicture is one chart of the charts page (h_charts.go) on the home
// page: the government sees the reports it received per week by sector,
// an organisation the sightings of itself and its sector, a reader of the
// audit trail nothing (the commission has no charts of its own).
type homePicture struct {
	Chart  template.HTML
	Failed bool
}

// homePictureWeeks is the window of the home page's chart.
const homePictureWeeks = 12

func (s *server) homePicture(rq *req, d *homeData) {
	if s.opt.Stats == nil || rq.P.Org == nil || rq.P.Org.Kind == org.KindOversight {
		return
	}
	name := stats.Sightings
	if d.Gov {
		name = stats.Reports
	}
	c, err := s.chartHTML(rq, name, homePictureWeeks)
	if err != nil {
		s.log.Error("home: section failed", "section", "picture", "err", err)
		d.Picture = &homePicture{Failed: true}
		return
	}
	if c != "" {
		d.Picture = &homePicture{Chart: c}
	}
}
