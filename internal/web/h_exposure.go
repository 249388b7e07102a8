package web

// Critical computers, vulnerabilities, notices, vendor requests and the
// government's exposure overview (issue #4). Every read and write goes
// through exposure.Service, which authorises and applies TLP; these
// handlers translate forms into service calls and results into pages.
// This file holds the routes, the navigation entries, the labels shared
// by the pages, the notices page and the overview; the registry, the
// vulnerabilities and the vendor requests have a file each.

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/exposure"
	"sakimori/internal/org"
	"sakimori/internal/registry"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/vuln"
)

func init() {
	for k, v := range map[string]string{
		"notice_acknowledged": "done.notice_acknowledged",
		"exposure_saved":      "done.exposure_saved",
	} {
		doneMessages[k] = v
	}
	fieldLabels["state"] = "field.state"
	fieldLabels["state_note"] = "field.state_note"
}

// exposureRoutes registers the registry, vulnerability, notice,
// vendor-request and overview pages (when the service is configured).
func (s *server) exposureRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Exposure == nil {
		return
	}
	s.registryRoutes(mux)
	s.vulnRoutes(mux)
	s.vendorRoutes(mux)
	mux.Handle("GET /notices", s.user(s.noticeList))
	mux.Handle("POST /notices/{id}/acknowledge", s.user(s.noticeAcknowledge))
	mux.Handle("GET /exposure", s.user(s.exposureOverview))
}

// exposureNav adds the sections of this feature to items (the navigation
// built by nav): the registry for operators and the government, the
// vulnerabilities for everyone, notices for operators, vendor requests for
// vendors, suppliers and the government, the overview for the government.
// As everywhere, the links only follow the policy; the service decides.
func (s *server) exposureNav(rq *req, items []navItem) []navItem {
	p := rq.P
	if s.opt.Exposure == nil || len(items) < 2 || p == nil || p.Org == nil {
		return items
	}
	gov := p.Org.Kind.IsGovernment()
	operator := p.Org.Kind == org.KindOperator
	var extra []navItem
	if gov || operator {
		extra = append(extra, navItem{Path: "/computers", Label: "nav.computers"})
	}
	extra = append(extra, navItem{Path: "/vulns", Label: "nav.vulns"})
	if operator {
		extra = append(extra, navItem{Path: "/notices", Label: "nav.notices"})
	}
	if gov || p.Org.Kind == org.KindVendor || p.Org.Kind == org.KindSupplier {
		extra = append(extra, navItem{Path: "/vendor-requests", Label: "nav.vendor_requests"})
	}
	if auth.Can(p, auth.ActExposureOverview, auth.Target{}) {
		extra = append(extra, navItem{Path: "/exposure", Label: "nav.exposure"})
	}
	return insertNav(rq, items, extra...)
}

// insertNav inserts a feature's sections into the navigation after the
// organisation's own and the sharing sections, before the administrative
// ones, marking the current one.
func insertNav(rq *req, items []navItem, extra ...navItem) []navItem {
	for i := range extra {
		it := &extra[i]
		it.Current = rq.URL.Path == it.Path || strings.HasPrefix(rq.URL.Path, it.Path+"/")
	}
	at := len(items)
	for i, it := range items {
		if it.Path == "/users" || it.Path == "/tokens" || it.Path == "/audit" {
			at = i
			break
		}
	}
	return slices.Insert(items, at, extra...)
}

// ---- labels ------------------------------------------------------------------

// The catalogue keys of the domain values, spelled out so that a test can
// check each has a translation (see exposure_unit_test.go).
var (
	functionKeys = map[registry.Function]string{
		registry.FunctionVPN: "reg.function.vpn", registry.FunctionAuthentication: "reg.function.authentication",
		registry.FunctionRemoteAccess: "reg.function.remote_access", registry.FunctionControlGateway: "reg.function.control_gateway",
		registry.FunctionOther: "reg.function.other",
	}
	managementKeys = map[registry.Management]string{
		registry.ManagedInHouse: "reg.management.in_house", registry.ManagedOutsourced: "reg.management.outsourced",
	}
	exposureStateKeys = map[vuln.ExposureState]string{
		vuln.ExposureOpen: "exp.state.open", vuln.ExposureMitigated: "exp.state.mitigated", vuln.ExposurePatched: "exp.state.patched",
		vuln.ExposureNotAffected: "exp.state.not_affected", vuln.ExposureResolved: "exp.state.resolved",
	}
	exposureStateClasses = map[vuln.ExposureState]string{
		vuln.ExposureOpen: "badge denied", vuln.ExposureMitigated: "badge pending", vuln.ExposurePatched: "badge ok",
		vuln.ExposureNotAffected: "badge off", vuln.ExposureResolved: "badge ok",
	}
	requestStateKeys = map[vuln.RequestState]string{
		vuln.RequestRequested: "vreq.state.requested", vuln.RequestAcknowledged: "vreq.state.acknowledged",
		vuln.RequestAnswered: "vreq.state.answered", vuln.RequestDeclined: "vreq.state.declined", vuln.RequestWithdrawn: "vreq.state.withdrawn",
	}
	requestStateClasses = map[vuln.RequestState]string{
		vuln.RequestRequested: "badge pending", vuln.RequestAcknowledged: "badge pending", vuln.RequestAnswered: "badge ok",
		vuln.RequestDeclined: "badge denied", vuln.RequestWithdrawn: "badge off",
	}
	// requestEventKeys name the steps of a request's history.
	requestEventKeys = map[string]string{
		"requested": "vreq.event.requested", "acknowledged": "vreq.event.acknowledged", "answered": "vreq.event.answered",
		"declined": "vreq.event.declined", "withdrawn": "vreq.event.withdrawn", "advised": "vreq.event.advised", "comment": "vreq.event.comment",
	}
	noticeKindKeys = map[vuln.NoticeKind]string{vuln.NoticeExposure: "notice.kind.exposure", vuln.NoticeAdvisory: "notice.kind.advisory"}
	severityKeys   = map[string]string{"none": "vuln.severity.none", "low": "vuln.severity.low", "medium": "vuln.severity.medium",
		"high": "vuln.severity.high", "critical": "vuln.severity.critical"}
)

// label translates the key of value v in keys, or shows v as it is.
func label[K ~string](rq *req, keys map[K]string, v K) string {
	if k, ok := keys[v]; ok {
		return rq.T(k)
	}
	return string(v)
}

// settableStates are the states an operator may give an exposure.
var settableStates = []vuln.ExposureState{vuln.ExposureOpen, vuln.ExposureMitigated, vuln.ExposurePatched, vuln.ExposureNotAffected}

func stateOptions(rq *req) []option {
	var os []option
	for _, st := range settableStates {
		os = append(os, option{Value: string(st), Label: label(rq, exposureStateKeys, st)})
	}
	return os
}

// cvssView is a CVSS score as a badge: "CVSS 9.6 Critical".
type cvssView struct {
	Score, Version, Vector, Severity, Class string
}

func cvssOf(rq *req, c *vuln.CVSS) *cvssView {
	if c == nil {
		return nil
	}
	sev := c.Severity()
	v := &cvssView{Score: strconv.FormatFloat(c.Score, 'f', 1, 64), Version: c.Version, Vector: c.Vector, Severity: label(rq, severityKeys, sev)}
	switch sev {
	case "critical", "high":
		v.Class = "badge denied"
	case "medium":
		v.Class = "badge pending"
	default:
		v.Class = "badge off"
	}
	return v
}

// orgNames resolves organisation ids for display (names without groups).
func (s *server) orgNames(rq *req) *names {
	return &names{s: s, rq: rq, orgs: map[string]*org.Organisation{}, groups: map[string]share.Group{}}
}

// people names the users behind records. A user of the viewer's own
// organisation is shown by name; anyone else by their organisation only,
// since users are visible only within their organisation.
type people struct {
	n     *names
	users map[string]string
}

func (s *server) people(rq *req, n *names) *people {
	return &people{n: n, users: map[string]string{}}
}

func (pp *people) who(userID, orgID string) string {
	rq := pp.n.rq
	if userID == "" {
		if orgID != "" {
			return pp.n.orgName(orgID)
		}
		return rq.T("exp.system")
	}
	if orgID != "" && orgID != rq.P.OrgID() {
		return pp.n.orgName(orgID)
	}
	if name, ok := pp.users[userID]; ok {
		return name
	}
	name := rq.T("exp.someone")
	if u, err := pp.n.s.svc.GetUser(rq.Context(), rq.P, userID); err == nil {
		name = u.DisplayName
	}
	pp.users[userID] = name
	return name
}

// now is the clock the service decides overdue requests with.
func (s *server) now() time.Time {
	if s.opt.Exposure.Now != nil {
		return s.opt.Exposure.Now()
	}
	return time.Now()
}

// bigForm is s.user for forms with long texts (vulnerability descriptions,
// vendor answers): a larger body bound than other forms.
func (s *server) bigForm(fn handlerFunc) http.Handler {
	return s.signedIn(func(w http.ResponseWriter, rq *req) bool {
		rq.Body = http.MaxBytesReader(w, rq.Body, maxBigFormBytes)
		return s.parsed(w, rq, rq.ParseForm(), "form")
	}, fn)
}

// maxBigFormBytes bounds the forms of bigForm: 20,000 Japanese characters
// take 180 kB once URL-encoded.
const maxBigFormBytes = 1 << 20

// visibleVulns returns the vulnerabilities among ids that the user is
// entitled to see, by id (exposures carry vulnerability ids that the
// service does not filter by TLP: a RED vulnerability's exposures are
// recorded for the government but must not reveal it to the operator).
func (s *server) visibleVulns(ctx context.Context, rq *req, ids []string) (map[string]*vuln.Vulnerability, error) {
	out := map[string]*vuln.Vulnerability{}
	seen := map[string]bool{}
	var want []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	// The service lists at most 500 at a time.
	for len(want) > 0 {
		part := want[:min(len(want), 500)]
		want = want[len(part):]
		vs, err := s.opt.Exposure.Vulns(ctx, rq.P, store.VulnQuery{IDs: part, Limit: len(part)})
		if err != nil {
			return nil, err
		}
		for i := range vs {
			out[vs[i].ID] = &vs[i]
		}
	}
	return out, nil
}

// ---- exposures as rows ---------------------------------------------------------

// exposureRow is one exposure as the computer, vulnerability and overview
// pages show it, with the operator's state form when the user may set it.
type exposureRow struct {
	ComputerID, ComputerName string
	VulnID, VulnTitle        string
	Org, OrgID               string
	Sector                   org.Sector
	Product, Installed       string
	Evidence                 vuln.Evidence
	State, StateClass        string
	StateNote, StateBy       string
	StateAt, MatchedAt       time.Time
	AdvisedAt                *time.Time
	CVSS                     *cvssView
	Exploited, Unpatched     bool
	Days                     int    // days since the advisory (overview)
	Key                      string // unique on the page, for element ids
	// The state form: where it posts, the page it returns to (computer
	// or vuln), its values and errors.
	CanUpdate         bool
	Action, From      string
	Form              *form
	StateErr, NoteErr string
}

// exposureKey identifies the exposure of computer cid to vulnerability vid
// on a page (element ids; which state form failed).
func exposureKey(cid, vid string) string {
	return strings.NewReplacer(".", "-", ":", "-").Replace(cid + "-" + vid)
}

// exposureRows turns exposures into rows, leaving out those of
// vulnerabilities the user may not see. stateKey/stateForm carry a state
// form that failed (re-rendered with its errors and values).
func (s *server) exposureRows(rq *req, es []vuln.Exposure, from string, stateKey string, stateForm *form) ([]exposureRow, error) {
	ids := make([]string, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.VulnID)
	}
	vs, err := s.visibleVulns(rq.Context(), rq, ids)
	if err != nil {
		return nil, err
	}
	n := s.orgNames(rq)
	pp := s.people(rq, n)
	gov := rq.P.IsGovernment()
	var rows []exposureRow
	for _, e := range es {
		v := vs[e.VulnID]
		if v == nil {
			continue
		}
		r := exposureRow{ComputerID: e.ComputerID, ComputerName: e.ComputerName, VulnID: e.VulnID, VulnTitle: v.Title, OrgID: e.OrgID,
			Product: e.Product, Installed: e.Installed, Evidence: e.Evidence,
			State: label(rq, exposureStateKeys, e.State), StateClass: exposureStateClasses[e.State], StateNote: e.StateNote,
			StateAt: e.StateAt, MatchedAt: e.MatchedAt, AdvisedAt: e.AdvisedAt, CVSS: cvssOf(rq, v.CVSS), Exploited: e.Exploited,
			Unpatched: e.State.Unpatched(), Sector: org.Sector(e.Sector), From: from,
			Key: exposureKey(e.ComputerID, e.VulnID)}
		if e.StateBy != "" {
			r.StateBy = pp.who(e.StateBy, e.OrgID)
		}
		if gov {
			r.Org = n.orgName(e.OrgID)
		}
		if e.State != vuln.ExposureResolved {
			r.CanUpdate = auth.Can(rq.P, auth.ActExposureUpdate, auth.Target{OrgID: e.OrgID})
		}
		r.Action = "/computers/" + url.PathEscape(e.ComputerID) + "/exposures/" + url.PathEscape(e.VulnID)
		r.Form = newForm(url.Values{"state": {string(e.State)}, "state_note": {e.StateNote}})
		if r.Key == stateKey && stateForm != nil {
			r.Form = stateForm
			r.StateErr, r.NoteErr = stateForm.Errors["state"], stateForm.Errors["state_note"]
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// exposureState records an operator's state of one exposure (POST from
// the computer or the vulnerability page).
func (s *server) exposureState(w http.ResponseWriter, rq *req) {
	cid, vid := rq.PathValue("id"), rq.PathValue("vuln")
	f := newForm(rq.PostForm)
	st := vuln.ExposureState(f.Get("state"))
	note := strings.TrimSpace(f.Get("state_note"))
	if !slices.Contains(settableStates, st) {
		f.invalid("state", rq.T("reason.unknown_value"))
	}
	if len([]rune(note)) > 2000 {
		f.invalid("state_note", rq.T("reason.max_chars", 2000))
	}
	from := f.Get("from")
	back := "/computers/" + url.PathEscape(cid)
	if from == "vuln" {
		back = "/vulns/" + url.PathEscape(vid)
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		err := s.opt.Exposure.SetExposureState(rq.Context(), rq.P, cid, vid, st, note)
		if err == nil {
			redirect(w, rq, back, "exposure_saved")
			return
		}
		if c := apperr.CodeOf(err); c != apperr.CodeInvalid {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, nil)
	}
	key := exposureKey(cid, vid)
	rq.here = back
	if from == "vuln" {
		rq.SetPathValue("id", vid)
		s.vulnPage(w, rq, status, key, f)
		return
	}
	s.computerPage(w, rq, status, key, f, nil)
}

// ---- notices -------------------------------------------------------------------

// noticeComputer is a computer a notice is about, with the evidence.
type noticeComputer struct {
	ID, Name, Installed, Range, CPE string
}

type noticeRow struct {
	ID, Title, Kind, KindClass string
	Lines                      []string // the body, line by line
	VulnID                     string
	TLP                        tlpBadge
	Created                    time.Time
	Acked                      bool
	AckAt                      *time.Time
	AckBy                      string
	Computers                  []noticeComputer
	CanAck                     bool
}

type noticeData struct {
	Rows    []noticeRow
	Unacked int
}

func (s *server) noticeList(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	ns, err := s.opt.Exposure.Notices(ctx, p, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n := s.orgNames(rq)
	pp := s.people(rq, n)
	comps := map[string]string{}
	compName := func(id string) string {
		if name, ok := comps[id]; ok {
			return name
		}
		name := id
		if c, err := s.opt.Exposure.Computer(ctx, p, id); err == nil {
			name = c.Name
		}
		comps[id] = name
		return name
	}
	var d noticeData
	for _, x := range ns {
		r := noticeRow{ID: x.ID, Title: noticeTitle(rq, &x), Lines: strings.Split(x.Body, "\n"), Kind: label(rq, noticeKindKeys, x.Kind), VulnID: x.VulnID,
			TLP: badgeOf(x.TLP), Created: x.CreatedAt, Acked: x.AcknowledgedAt != nil, AckAt: x.AcknowledgedAt,
			CanAck: x.AcknowledgedAt == nil && auth.Can(p, auth.ActExposureUpdate, auth.Target{OrgID: x.OrgID})}
		r.KindClass = "badge pending"
		if x.Kind == vuln.NoticeAdvisory {
			r.KindClass = "badge denied"
		}
		if x.AcknowledgedAt != nil {
			r.AckBy = pp.who(x.AcknowledgedBy, x.OrgID)
		} else {
			d.Unacked++
		}
		for i, id := range x.ComputerIDs {
			nc := noticeComputer{ID: id, Name: compName(id)}
			if i < len(x.Evidence) {
				ev := x.Evidence[i]
				nc.Installed, nc.Range, nc.CPE = ev.Installed, ev.Range, ev.ComputerCPE
			}
			r.Computers = append(r.Computers, nc)
		}
		d.Rows = append(d.Rows, r)
	}
	s.render(w, rq, http.StatusOK, "notices", d)
}

// noticeTitle is a notice's title in the user's language (the service
// writes it in English).
func noticeTitle(rq *req, n *vuln.Notice) string {
	switch n.Kind {
	case vuln.NoticeExposure:
		return rq.T("notice.exposure_title", n.VulnID, len(n.ComputerIDs))
	case vuln.NoticeAdvisory:
		return rq.T("notice.advisory_title", n.VulnID)
	}
	return n.Title
}

func (s *server) noticeAcknowledge(w http.ResponseWriter, rq *req) {
	if err := s.opt.Exposure.AcknowledgeNotice(rq.Context(), rq.P, rq.PathValue("id")); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	redirect(w, rq, "/notices", "notice_acknowledged")
}

// ---- the government's overview ---------------------------------------------------

type sectorRow struct {
	exposure.SectorRow
	Sector org.Sector
}

type vendorRecordRow struct {
	exposure.VendorRow
	Vendor, Slug string
	Median       string
}

// barChart is a horizontal bar chart drawn as SVG on the server.
type barChart struct {
	Width, Height int
	Bars          []bar
	Max           int
}

type bar struct {
	Label             string
	Value             int
	Y, W, TextY, ValX int
}

// Chart geometry (SVG user units).
const (
	chartWidth  = 640
	chartLabelW = 170
	chartBarMax = 400
	chartRow    = 28
	chartBarH   = 18
)

func newBarChart(labels []string, values []int) barChart {
	c := barChart{Width: chartWidth, Height: chartRow*len(values) + 8}
	for _, v := range values {
		c.Max = max(c.Max, v)
	}
	for i, v := range values {
		w := 0
		if c.Max > 0 {
			w = v * chartBarMax / c.Max
		}
		if v > 0 && w < 2 {
			w = 2
		}
		y := 4 + i*chartRow
		c.Bars = append(c.Bars, bar{Label: labels[i], Value: v, Y: y, W: w, TextY: y + chartBarH - 4, ValX: chartLabelW + w + 6})
	}
	return c
}

type overviewData struct {
	Sectors   []sectorRow
	Chart     barChart
	Products  []exposure.ProductRow
	Unpatched []exposureRow
	Vendors   []vendorRecordRow
	LabelX    int
	BarX      int
	BarH      int
}

func (s *server) exposureOverview(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	ov, err := s.opt.Exposure.Overview(ctx, p)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rec, err := s.opt.Exposure.VendorRecord(ctx, p)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := overviewData{LabelX: chartLabelW - 8, BarX: chartLabelW, BarH: chartBarH}
	var labels []string
	var values []int
	for _, r := range ov.BySector {
		row := sectorRow{SectorRow: r, Sector: org.Sector(r.Sector)}
		d.Sectors = append(d.Sectors, row)
		l := rq.T("sector.none")
		if row.Sector != org.SectorNone {
			l = rq.T("sector." + r.Sector)
		}
		labels, values = append(labels, l), append(values, r.Exposures)
	}
	d.Chart = newBarChart(labels, values)
	d.Products = ov.ByProduct
	rows, err := s.exposureRows(rq, ov.Unpatched, "", "", nil)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	now := s.now()
	for i := range rows {
		if a := rows[i].AdvisedAt; a != nil {
			rows[i].Days = int(now.Sub(*a).Hours() / 24)
		}
	}
	d.Unpatched = rows
	n := s.orgNames(rq)
	for _, r := range rec {
		row := vendorRecordRow{VendorRow: r, Vendor: n.orgName(r.VendorOrgID), Slug: n.orgSlug(r.VendorOrgID), Median: "—"}
		if r.MedianDays >= 0 {
			row.Median = rq.T("vreq.days", strconv.FormatFloat(r.MedianDays, 'f', 1, 64))
		}
		d.Vendors = append(d.Vendors, row)
	}
	s.render(w, rq, http.StatusOK, "exposure", d)
}
