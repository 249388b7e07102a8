package web

// Incident reports (issue #5): the organisation's list and tasks, the
// guided report form laid out as Japan's report items, the report page
// with its deadline timeline, reportability, approvals, submissions,
// versions and history, the receivers' actions (acknowledge, request
// information, feedback, triage, links), version diffs, exports and the
// sanitised-sharing preview and release. Every read and write goes through
// reporting.Service, which authorises; these handlers translate forms into
// service calls and results into pages.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/i18n"
	"sakimori/internal/incident"
	"sakimori/internal/org"
	"sakimori/internal/regime"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
)

func init() {
	for _, name := range report.FieldNames() {
		l := "inc.f." + name
		for _, suffix := range []string{"", ".value", ".state", ".confidence", ".as_of", ".source"} {
			fieldLabels[name+suffix] = l
		}
	}
	for _, sub := range []string{"impact.value.services", "impact.value.users", "impact.value.data_categories", "impact.value.level",
		"impact.value.personal_data", "ransom.value.ransomware", "ransom.value.demanded", "ransom.value.paid", "ransom.value.note",
		"ransom.value.file_extension", "ransom.value.extortion", "ddos.value.technique", "ddos.value.peak_gbps", "ddos.value.peak_pps",
		"ddos.value.duration_minutes", "ddos.value.mitigation"} {
		fieldLabels[sub] = "inc.f." + strings.ReplaceAll(sub, ".value.", ".")
	}
	for k, v := range map[string]string{
		"title": "inc.field.title", "template_id": "inc.field.template", "share_with": "inc.field.share_with",
		"rev": "inc.field.rev", "note": "inc.field.note", "targets": "inc.field.targets", "reason": "inc.field.reason",
		"comment": "field.comment", "text": "inc.field.text", "authority_ref": "inc.field.authority_ref",
		"question": "inc.field.question", "fields": "inc.field.fields", "due": "inc.field.due", "severity": "inc.field.severity",
		"status": "inc.field.status", "assignee": "inc.field.assignee", "ref": "inc.field.link_ref", "tlp": "inc.field.tlp",
		"include": "inc.field.include", "collection": "inc.field.collection", "regimes": "inc.field.regimes",
		"clocks.classified": "inc.field.classified", "clocks.reasonable_belief": "inc.field.reasonable_belief",
		"clocks.ransom_paid": "inc.field.ransom_paid", "from": "inc.field.from", "to": "inc.field.to", "concluded": "inc.field.concluded",
		"final": "inc.field.final", "emergency": "inc.field.emergency", "submission": "inc.field.submission",
		// The receivers' forms share a page: their inputs have names of
		// their own, so that ids and errors do not collide.
		"link_kind": "inc.field.link_kind", "link_ref": "inc.field.link_ref", "link_note": "inc.field.note",
		"comment_kind": "inc.field.comment_kind",
	} {
		if _, ok := fieldLabels[k]; !ok {
			fieldLabels[k] = v
		}
	}
	for i := range 32 {
		fieldLabels["regimes."+strconv.Itoa(i)+".reason"] = "inc.field.reason"
		fieldLabels["regimes."+strconv.Itoa(i)+".reportable"] = "inc.field.reportable"
		fieldLabels["regimes."+strconv.Itoa(i)+".regime"] = "inc.field.regimes"
	}
	for _, k := range []string{"created", "saved", "regimes", "approval_requested", "approved", "rejected", "withdrawn", "submitted",
		"closed", "refuted", "reopened", "commented", "acknowledged", "info_requested", "triaged", "linked"} {
		doneMessages["inc_"+k] = "inc.done." + k
	}
}

// incidentRoutes registers the incident-report pages (issue #5).
func (s *server) incidentRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Reporting == nil {
		return
	}
	mux.Handle("GET /incidents", s.user(s.incidentList))
	mux.Handle("GET /incidents/new", s.user(s.incidentNew))
	mux.Handle("POST /incidents", s.user(s.incidentCreate))
	mux.Handle("GET /incidents/{id}", s.user(s.incidentView))
	mux.Handle("GET /incidents/{id}/edit", s.user(s.incidentEdit))
	mux.Handle("POST /incidents/{id}/edit", s.bigForm(s.incidentSave))
	mux.Handle("POST /incidents/{id}/{action}", s.bigForm(s.incidentAct))
	mux.Handle("GET /incidents/{id}/diff", s.user(s.incidentDiff))
	mux.Handle("GET /incidents/{id}/export", s.user(s.incidentExport))
	mux.Handle("GET /incidents/{id}/print", s.user(s.incidentPrint))
	mux.Handle("GET /incidents/{id}/submissions/{sub}", s.user(s.incidentSubmission))
	mux.Handle("GET /incidents/{id}/share", s.user(s.incidentShare))
	mux.Handle("POST /incidents/{id}/share", s.bigForm(s.incidentShareSubmit))
}

// reportingNav adds the reporting sections to the navigation: the
// incidents for operators, suppliers, vendors and the government
// receivers.
func (s *server) reportingNav(rq *req, items []navItem) []navItem {
	p := rq.P
	if s.opt.Reporting == nil || len(items) < 2 || p == nil || p.Org == nil {
		return items
	}
	switch p.Org.Kind {
	case org.KindOperator, org.KindSupplier, org.KindVendor, org.KindGovernment, org.KindSectorMinistry:
		items = insertNav(rq, items, navItem{Path: "/incidents", Label: "inc.nav"})
	}
	// The templates, settings and triage sections (h_reporting_admin.go).
	return s.reportingAdminNav(rq, items)
}

// ---- labels --------------------------------------------------------------------

// incTOr translates key, or shows fallback when the catalogue lacks it.
func incTOr(rq *req, key, fallback string) string {
	if i18n.Has(rq.lang, key) {
		return rq.T(key)
	}
	return fallback
}

var incIncStateClasses = map[incident.State]string{
	incident.Draft: "badge off", incident.InApproval: "badge pending", incident.Approved: "badge ok", incident.Submitted: "badge ok",
	incident.Acknowledged: "badge ok", incident.InfoRequested: "badge pending", incident.Updated: "badge ok", incident.Final: "badge ok",
	incident.Closed: "badge off", incident.Refuted: "badge denied", incident.Reopened: "badge pending",
}

func incStateBadge(rq *req, st incident.State) incBadge {
	return incBadge{Text: incTOr(rq, "inc.state."+string(st), string(st)), Class: incIncStateClasses[st]}
}

type incBadge struct{ Text, Class string }

var incDueClasses = map[regime.Status]string{
	regime.StatusWaiting: "badge off", regime.StatusOpen: "badge pending", regime.StatusDueSoon: "badge pending",
	regime.StatusOverdue: "badge denied", regime.StatusSubmitted: "badge ok", regime.StatusSubmittedLate: "badge denied",
	regime.StatusNotRequired: "badge off",
}

func incDueBadge(rq *req, st regime.Status) incBadge {
	return incBadge{Text: incTOr(rq, "inc.due."+string(st), string(st)), Class: incDueClasses[st]}
}

func incFieldName(rq *req, name string) string { return incTOr(rq, "inc.f."+name, name) }

func incFieldNames(rq *req, names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, incFieldName(rq, n))
	}
	return out
}

// incRegimeNames resolves regime and stage names in the page's language.
type incRegimeNames map[string]regime.Regime

func (s *server) incRegimeIndex(rq *req, orgID string) incRegimeNames {
	m := incRegimeNames{}
	if rs, err := s.opt.Reporting.Regimes(rq.Context(), rq.P, orgID); err == nil {
		for _, r := range rs {
			m[r.ID] = r
		}
	}
	return m
}

func incTextIn(t regime.Text, lang string) string {
	if lang == i18n.JA && t.JA != "" || t.EN == "" {
		return t.JA
	}
	return t.EN
}

func (m incRegimeNames) regime(lang, id string) string {
	if r, ok := m[id]; ok {
		if n := incTextIn(r.Name, lang); n != "" {
			return n
		}
	}
	return id
}

func (m incRegimeNames) stage(lang, rid, sid string) string {
	if r, ok := m[rid]; ok {
		if st, ok := r.Stage(sid); ok {
			if n := incTextIn(st.Name, lang); n != "" {
				return n
			}
		}
	}
	return sid
}

// ---- list and tasks --------------------------------------------------------------

type incRow struct {
	ID, Ref, Title string
	State          incBadge
	Next           *time.Time
	NextText       string
	NextClass      string
	Version        int
	Submitted      int
	Updated        time.Time
	From           string
}

type incTaskRow struct {
	Kind, IncidentID, Ref, Title, Text string
	Due                                *time.Time
	Overdue                            bool
}

type incListData struct {
	Received   bool
	CanReceive bool
	CanCreate  bool
	Rows       []incRow
	Tasks      []incTaskRow
	Q          string
}

func (s *server) incidentList(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	q := rq.URL.Query()
	d := incListData{Received: q.Get("received") == "1", Q: strings.TrimSpace(q.Get("q"))}
	d.CanReceive = true // operators receive too, as a supplier's linked partners
	d.CanCreate = auth.Can(p, auth.ActReportWrite, auth.Target{OrgID: p.OrgID()})
	ins, err := s.opt.Reporting.List(ctx, p, reporting.Query{Received: d.Received, Q: d.Q, Limit: 200})
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n := s.orgNames(rq)
	var tls map[string][]regime.Due
	if !d.Received {
		if tls, err = s.opt.Reporting.Deadlines(ctx, p, ins); err != nil {
			s.errorPage(w, rq, err)
			return
		}
	}
	for _, in := range ins {
		r := incRow{ID: in.ID, Ref: in.Ref, Title: in.Title, State: incStateBadge(rq, in.State), Version: in.Version,
			Submitted: in.SubmittedVersion, Updated: in.UpdatedAt}
		if d.Received {
			r.From = n.orgName(in.OrgID)
		} else if in.State.Open() {
			{
				for _, due := range tls[in.ID] {
					if due.Due == nil || due.Submitted != nil || due.Status == regime.StatusSubmitted || due.Status == regime.StatusNotRequired ||
						due.Status == regime.StatusSubmittedLate {
						continue
					}
					if r.Next == nil || due.Due.Before(*r.Next) {
						b := incDueBadge(rq, due.Status)
						r.Next, r.NextText, r.NextClass = due.Due, b.Text, b.Class
					}
				}
			}
		}
		d.Rows = append(d.Rows, r)
	}
	if !d.Received {
		ts, err := s.opt.Reporting.Tasks(ctx, p)
		if err != nil && apperr.CodeOf(err) != apperr.CodeForbidden {
			s.errorPage(w, rq, err)
			return
		}
		var rn incRegimeNames
		for _, t := range ts {
			text := t.Text
			// The service words tasks in English ("legal approval of
			// version 3", "jp-acd prompt: 72 h after awareness …"): say
			// them in the user's language.
			if m := incApprovalTaskRE.FindStringSubmatch(text); t.Kind == "approval" && m != nil {
				n, _ := strconv.Atoi(m[2])
				text = rq.T("inc.task.approval_text", incTOr(rq, "inc.approval."+m[1], m[1]), n)
			}
			if m := incDeadlineTaskRE.FindStringSubmatch(text); t.Kind == "deadline" && m != nil {
				if rn == nil {
					rn = s.incRegimeIndex(rq, p.OrgID())
				}
				text = rn.regime(rq.lang, m[1]) + " " + rn.stage(rq.lang, m[1], m[2]) + rq.T("inc.evt.note", incBasis(rq, m[3]))
				if m[4] != "" {
					text += rq.T("inc.task.missing", strings.Join(incFieldNames(rq, strings.Fields(m[4])), rq.T("common.list_sep")))
				}
			}
			d.Tasks = append(d.Tasks, incTaskRow{Kind: incTOr(rq, "inc.task."+t.Kind, t.Kind), IncidentID: t.IncidentID, Ref: t.Ref, Title: t.Title,
				Text: text, Due: t.Due, Overdue: t.Overdue})
		}
	}
	s.render(w, rq, http.StatusOK, "incidents", d)
}

// The deadline engine explains a deadline in English ("72 h after
// awareness 2026-11-30 10:00 JST, end of that day"); the usual shapes are
// said again in Japanese, anything else is shown as it is.
var (
	incBasisRE   = regexp.MustCompile(`^(.+?) after (awareness|detection|occurrence|reasonable belief|ransom payment|classification as major) (\d{4}-\d\d-\d\d \d\d:\d\d [A-Z]+)(, end of that day)?$`)
	incWaitRE    = regexp.MustCompile(`^(.+?) after (awareness|detection|occurrence|reasonable belief|ransom payment|classification as major) \(not yet\)$`)
	incOffsetRE  = regexp.MustCompile(`^(\d+) (h|business days?|days?|months?)(?: |$)`)
	incTriggerOf = map[string]string{"awareness": "rep.trigger.awareness", "detection": "rep.trigger.detection",
		"occurrence": "rep.trigger.occurrence", "reasonable belief": "rep.trigger.reasonable_belief",
		"ransom payment": "rep.trigger.ransom_payment", "classification as major": "rep.trigger.classification"}
	incOffsetUnit = map[string]string{"h": "inc.basis.hours", "business day": "inc.basis.business_days", "business days": "inc.basis.business_days",
		"day": "inc.basis.days", "days": "inc.basis.days", "month": "inc.basis.months", "months": "inc.basis.months"}
)

func incBasis(rq *req, basis string) string {
	if rq.lang != i18n.JA {
		return basis
	}
	if m := incBasisRE.FindStringSubmatch(basis); m != nil {
		if off, ok := incOffset(rq, m[1]); ok {
			s := rq.T("inc.basis.after", rq.T(incTriggerOf[m[2]]), m[3], off)
			if m[4] != "" {
				s += rq.T("inc.basis.end_of_day")
			}
			return s
		}
	}
	if m := incWaitRE.FindStringSubmatch(basis); m != nil {
		if off, ok := incOffset(rq, m[1]); ok {
			return rq.T("inc.basis.waiting", rq.T(incTriggerOf[m[2]]), off)
		}
	}
	return basis
}

// incOffset says an offset ("1 month 3 business days", "72 h") in the
// user's language.
func incOffset(rq *req, s string) (string, bool) {
	var out []string
	for s != "" {
		m := incOffsetRE.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		n, _ := strconv.Atoi(m[1])
		out = append(out, rq.T(incOffsetUnit[m[2]], n))
		s = s[len(m[0]):]
	}
	return strings.Join(out, ""), len(out) > 0 // Japanese: no spaces
}

// The reporting service writes an incident's history in English
// ("report of version 2 to 2 receiver(s)"); for Japanese users the
// usual entries are said again in Japanese (free text, such as notes
// and reasons, stays as written). An entry of another shape is shown as
// it is.
var (
	incEvtSavedRE     = regexp.MustCompile(`^version (\d+)(?:: (.*))?$`)
	incEvtRequestedRE = regexp.MustCompile(`^version (\d+) \((parallel|sequential): ([a-z, ]*)\)(?:: (.*))?$`)
	incEvtApprovedRE  = regexp.MustCompile(`^([a-z]+) approval of version (\d+)(?:: (.*))?$`)
	incEvtCompleteRE  = regexp.MustCompile(`^version (\d+) may be submitted$`)
	incEvtRejectedRE  = regexp.MustCompile(`^([a-z]+) rejected version (\d+): (.*)$`)
	incEvtSubmitRE    = regexp.MustCompile(`^(report|update|final) of version (\d+) to (\d+) receiver\(s\)(?: for ([^ :]+(?:, [^ :]+)*))?(?: without full approval: (.*))?(?:: (.*))?$`)
	incEvtAckRE       = regexp.MustCompile(`^receipt of version (\d+) acknowledged, reference (.*)$`)
	incEvtDueRE       = regexp.MustCompile(`(?s)^(.*) \(due (\d{4}-\d\d-\d\d \d\d:\d\d [A-Z]+)\)$`)
	incEvtRefutedRE   = regexp.MustCompile(`(?s)^false positive: (.*) \(retraction sent to (\d+) receiver\(s\)\)$`)
	incEvtTriagedRE   = regexp.MustCompile(`^severity ([a-z-]+), ([a-z]+)(?:, assigned to (.*))?$`)
)

func incEventText(rq *req, kind, text string) string {
	if rq.lang != i18n.JA || text == "" {
		return text
	}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	note := func(n string) string {
		if n == "" {
			return ""
		}
		return rq.T("inc.evt.note", n)
	}
	approval := func(k string) string { return incTOr(rq, "inc.approval."+k, k) }
	switch kind {
	case "saved":
		if m := incEvtSavedRE.FindStringSubmatch(text); m != nil {
			return rq.T("inc.version_n", num(m[1])) + note(m[2])
		}
	case "approval_requested":
		if m := incEvtRequestedRE.FindStringSubmatch(text); m != nil {
			var ks []string
			for _, k := range strings.Split(m[3], ", ") {
				ks = append(ks, approval(k))
			}
			return rq.T("inc.evt.approval_requested", num(m[1]), incTOr(rq, "inc.mode."+m[2], m[2]), strings.Join(ks, rq.T("common.list_sep"))) + note(m[4])
		}
	case "approved":
		if m := incEvtApprovedRE.FindStringSubmatch(text); m != nil {
			return rq.T("inc.task.approval_text", approval(m[1]), num(m[2])) + note(m[3])
		}
	case "approval_complete":
		if m := incEvtCompleteRE.FindStringSubmatch(text); m != nil {
			return rq.T("inc.evt.approval_complete", num(m[1]))
		}
	case "approval_void":
		if text == "the approved version changed: approval needed again" {
			return rq.T("inc.evt.approval_void")
		}
	case "rejected":
		if m := incEvtRejectedRE.FindStringSubmatch(text); m != nil {
			return rq.T("inc.evt.rejected", approval(m[1]), num(m[2])) + note(m[3])
		}
	case "submitted", "emergency_submitted":
		if m := incEvtSubmitRE.FindStringSubmatch(text); m != nil {
			out := rq.T("inc.evt.submitted", num(m[2]), incTOr(rq, "inc.kind."+m[1], m[1]), num(m[3]))
			if m[4] != "" {
				out += rq.T("inc.evt.for", m[4])
			}
			if kind == "emergency_submitted" && strings.Contains(text, " without full approval: ") {
				out += rq.T("inc.evt.emergency")
				rest := m[5]
				if m[6] != "" {
					rest += ": " + m[6]
				}
				return out + note(rest)
			}
			return out + note(m[6])
		}
	case "acknowledged":
		if m := incEvtAckRE.FindStringSubmatch(text); m != nil {
			return rq.T("inc.evt.acknowledged", num(m[1]), m[2])
		}
	case "info_requested":
		if m := incEvtDueRE.FindStringSubmatch(text); m != nil {
			return m[1] + rq.T("inc.evt.due", m[2])
		}
	case "refuted":
		if m := incEvtRefutedRE.FindStringSubmatch(text); m != nil {
			return rq.T("inc.evt.refuted", m[1], num(m[2]))
		}
	case "triaged":
		if m := incEvtTriagedRE.FindStringSubmatch(text); m != nil {
			sev := "—"
			if m[1] != "-" {
				sev = incTOr(rq, "inc.severity."+m[1], m[1])
			}
			out := rq.T("inc.evt.triaged", sev, incTOr(rq, "inc.triage."+m[2], m[2]))
			if m[3] != "" {
				out += rq.T("inc.evt.assigned", m[3])
			}
			return out
		}
	}
	return text
}

// incApprovalTaskRE reads the service's text of an approval task.
var incApprovalTaskRE = regexp.MustCompile(`^([a-z]+) approval of version ([0-9]+)$`)

// incDeadlineTaskRE reads the service's text of a deadline task:
// "<regime> <stage>: <basis> (missing: [field field])".
var incDeadlineTaskRE = regexp.MustCompile(`^(\S+) (\S+): (.*?)(?: \(missing: \[(.*)\]\))?$`)

// ---- new ---------------------------------------------------------------------------

type incNewData struct {
	Form      *form
	Templates []option
}

func (s *server) incidentNewPage(w http.ResponseWriter, rq *req, status int, f *form) {
	d := incNewData{Form: f, Templates: []option{{Value: "", Label: rq.T("inc.new.blank")}}}
	if ts, err := s.opt.Reporting.Templates(rq.Context(), rq.P, ""); err == nil {
		for _, t := range ts {
			l := t.Name
			if t.Description != "" {
				l += " — " + t.Description
			}
			d.Templates = append(d.Templates, option{Value: t.ID, Label: l})
		}
	}
	rq.here = "/incidents/new"
	s.render(w, rq, status, "incident_new", d)
}

func (s *server) incidentNew(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActReportWrite, auth.Target{OrgID: rq.P.OrgID()}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	s.incidentNewPage(w, rq, http.StatusOK, newForm(nil))
}

func (s *server) incidentCreate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	n := reporting.NewIncident{TemplateID: f.Get("template_id"), Title: strings.TrimSpace(f.Get("title"))}
	if n.Title == "" && n.TemplateID == "" {
		f.invalid("title", rq.T("reason.required"))
		s.incidentNewPage(w, rq, http.StatusBadRequest, f)
		return
	}
	in, err := s.opt.Reporting.Create(rq.Context(), rq.P, n)
	if err != nil {
		if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		s.incidentNewPage(w, rq, s.apply(rq, f, err, nil), f)
		return
	}
	redirect(w, rq, "/incidents/"+url.PathEscape(in.ID)+"/edit", "inc_created")
}

// ---- the guided form ----------------------------------------------------------------

// Input kinds of the guided form.
const (
	incKText     = "text"     // one line
	incKArea     = "textarea" // free text
	incKTime     = "datetime" // datetime-local, JST
	incKSelect   = "select"
	incKMulti    = "multi" // multi-select
	incKCheck    = "check" // one checkbox
	incKLines    = "lines" // one item a line
	incKComposed = "composed"
)

// incSubInput is one input of a composed field (impact, ransom, DDoS).
type incSubInput struct {
	Name, ID, Label, Kind, Value, Err, Help string
	Options                                 []optionView
	Checked                                 bool
}

// incFieldInput is one report field in the guided form: its value input and
// its state, confidence, as-of and source.
type incFieldInput struct {
	Name, ID, Label, Kind, Value, Err, Help string
	Options                                 []optionView
	Checked                                 bool
	Subs                                    []incSubInput
	FormItem                                bool // asked by the ministries' form for the event class
	State, Confidence, AsOf, Source         string
	StateErr, ConfErr, AsOfErr, SourceErr   string
}

type incSectionView struct {
	ID, Title string
	Fields    []incFieldInput
}

type incFormData struct {
	Form          *form
	In            *incident.Incident
	Sections      []incSectionView
	StateOptions  []option
	ConfOptions   []option
	ShareOptions  []optionView
	Class         string
	ClassForm     string
	Conflict      bool
	ClockInputs   []incSubInput
	ConcludedHelp string
}

func incFmtLocal(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(jst).Format("2006-01-02T15:04")
}

func incFmtNum(f float64) string {
	if f == 0 {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func incFmtInt(i int) string {
	if i == 0 {
		return ""
	}
	return strconv.Itoa(i)
}

func incBoolVal(b bool) string {
	if b {
		return "on"
	}
	return ""
}

// incContentValues is the form's initial values for content c.
func incContentValues(in *incident.Incident) url.Values {
	c := &in.Content
	v := url.Values{"title": {in.Title}, "rev": {strconv.Itoa(in.Rev)}}
	meta := func(name string, m report.Meta) {
		st := string(m.State)
		if st == "" {
			st = string(report.StateNotYetKnown)
		}
		v.Set(name+".state", st)
		v.Set(name+".confidence", string(m.Confidence))
		v.Set(name+".as_of", incFmtLocal(m.AsOf))
		v.Set(name+".source", m.Source)
	}
	set := func(name, val string) { v.Set(name+".value", val) }
	set("class", string(c.Class.Value))
	meta("class", c.Class.Meta)
	for _, x := range []struct {
		n string
		f *report.Field[string]
	}{{"summary", &c.Summary}, {"other_systems", &c.OtherSystems}, {"technique", &c.Technique}, {"intrusion_path", &c.IntrusionPath},
		{"partner_impact", &c.PartnerImpact}, {"at_supplier", &c.AtSupplier}, {"recovery_estimate", &c.RecoveryEstimate}, {"root_cause", &c.RootCause}} {
		set(x.n, x.f.Value)
		meta(x.n, x.f.Meta)
	}
	for _, x := range []struct {
		n string
		f *report.Field[*time.Time]
	}{{"occurred", &c.Occurred}, {"detected", &c.Detected}, {"aware", &c.Aware}} {
		set(x.n, incFmtLocal(x.f.Value))
		meta(x.n, x.f.Meta)
	}
	v["computers.value"] = slices.Clone(c.Computers.Value)
	meta("computers", c.Computers.Meta)
	set("attack_techniques", strings.Join(c.Techniques.Value, "\n"))
	meta("attack_techniques", c.Techniques.Meta)
	set("partners", strings.Join(c.Partners.Value, "\n"))
	meta("partners", c.Partners.Meta)
	var lines []string
	for _, x := range c.IOCs.Value {
		l := x.Type + " " + x.Value
		if x.Comment != "" {
			l += " # " + x.Comment
		}
		lines = append(lines, l)
	}
	set("iocs", strings.Join(lines, "\n"))
	meta("iocs", c.IOCs.Meta)
	lines = nil
	set("logs", logLines(c.Logs.Value))
	meta("logs", c.Logs.Meta)
	lines = nil
	for _, x := range c.Vulns.Value {
		lines = append(lines, joinColumns(x.CVE, x.Product, x.Version))
	}
	set("exploited_vulnerabilities", strings.Join(lines, "\n"))
	meta("exploited_vulnerabilities", c.Vulns.Meta)
	lines = nil
	for _, x := range c.OthersNotified.Value {
		lines = append(lines, joinColumns(x.Party, x.At, x.Reference))
	}
	set("others_notified", strings.Join(lines, "\n"))
	meta("others_notified", c.OthersNotified.Meta)
	lines = nil
	set("contacts", contactLines(c.Contacts.Value))
	meta("contacts", c.Contacts.Meta)
	set("overseas", incBoolVal(c.Overseas.Value))
	meta("overseas", c.Overseas.Meta)
	set("cross_border", incBoolVal(c.CrossBorder.Value))
	meta("cross_border", c.CrossBorder.Meta)
	set("containment", string(c.Containment.Value))
	meta("containment", c.Containment.Meta)
	set("recovery", string(c.Recovery.Value))
	meta("recovery", c.Recovery.Meta)
	im := c.Impact.Value
	v.Set("impact.value.services", im.Services)
	v.Set("impact.value.users", incFmtInt(im.Users))
	v.Set("impact.value.data_categories", strings.Join(im.DataCategories, "\n"))
	v.Set("impact.value.level", string(im.Level))
	v.Set("impact.value.personal_data", incBoolVal(im.PersonalData))
	meta("impact", c.Impact.Meta)
	r := c.Ransom.Value
	v.Set("ransom.value.ransomware", incBoolVal(r.Ransomware))
	v.Set("ransom.value.demanded", incBoolVal(r.Demanded))
	v.Set("ransom.value.paid", incBoolVal(r.Paid))
	v.Set("ransom.value.note", r.Note)
	v.Set("ransom.value.file_extension", r.FileExtension)
	v.Set("ransom.value.extortion", r.Extortion)
	meta("ransom", c.Ransom.Meta)
	dd := c.DDoS.Value
	v.Set("ddos.value.technique", dd.Technique)
	v.Set("ddos.value.peak_gbps", incFmtNum(dd.PeakGbps))
	v.Set("ddos.value.peak_pps", incFmtNum(dd.PeakPps))
	v.Set("ddos.value.duration_minutes", incFmtInt(dd.Minutes))
	v.Set("ddos.value.mitigation", dd.Mitigation)
	meta("ddos", c.DDoS.Meta)
	v["share_with"] = slices.Clone(c.ShareWith)
	v.Set("clocks.classified", incFmtLocal(in.Clocks.Classified))
	v.Set("clocks.reasonable_belief", incFmtLocal(in.Clocks.ReasonableBelief))
	v.Set("clocks.ransom_paid", incFmtLocal(in.Clocks.RansomPaid))
	v.Set("concluded", incBoolVal(in.Concluded))
	return v
}

func incSplitParts(line string, n int) []string {
	ps := strings.Split(line, "|")
	for i := range ps {
		ps[i] = strings.TrimSpace(ps[i])
	}
	for len(ps) < n {
		ps = append(ps, "")
	}
	return ps
}

// incReadContent reads the guided form into a copy of cur's content and
// clocks. A field whose inputs are not on the form (a form-specific block
// not shown) keeps its value. Input errors are put on f.
func incReadContent(rq *req, f *form, cur *incident.Incident) (report.Content, incident.Clocks, bool) {
	c := cur.Content
	clocks := cur.Clocks
	has := func(name string) bool { _, ok := f.Values[name+".state"]; return ok }
	when := func(name string) *time.Time {
		t, ok := parseLocal(f.Get(name))
		if !ok {
			f.invalid(name, rq.T("inc.reason.datetime"))
			return nil
		}
		if t.IsZero() {
			return nil
		}
		u := t.UTC()
		return &u
	}
	meta := func(name string, m *report.Meta, zero bool) {
		m.State = report.State(f.Get(name + ".state"))
		if m.State == report.StateNotYetKnown && !zero {
			// A value typed in while the state still says "not yet known".
			m.State = report.StateKnown
		}
		m.Confidence = report.Confidence(f.Get(name + ".confidence"))
		m.AsOf = when(name + ".as_of")
		m.Source = strings.TrimSpace(f.Get(name + ".source"))
	}
	str := func(name string, fl *report.Field[string]) {
		if has(name) {
			fl.Value = strings.TrimSpace(f.Get(name + ".value"))
			meta(name, &fl.Meta, fl.Value == "")
		}
	}
	tm := func(name string, fl *report.Field[*time.Time]) {
		if has(name) {
			fl.Value = when(name + ".value")
			meta(name, &fl.Meta, fl.Value == nil)
		}
	}
	if has("class") {
		c.Class.Value = report.EventClass(f.Get("class.value"))
		meta("class", &c.Class.Meta, c.Class.Value == "")
	}
	str("summary", &c.Summary)
	str("other_systems", &c.OtherSystems)
	str("technique", &c.Technique)
	str("intrusion_path", &c.IntrusionPath)
	str("partner_impact", &c.PartnerImpact)
	str("at_supplier", &c.AtSupplier)
	str("recovery_estimate", &c.RecoveryEstimate)
	str("root_cause", &c.RootCause)
	tm("occurred", &c.Occurred)
	tm("detected", &c.Detected)
	tm("aware", &c.Aware)
	if has("computers") {
		var ids []string
		for _, v := range f.Values["computers.value"] {
			ids = append(ids, nonEmptyLines(v)...)
		}
		c.Computers.Value = ids
		meta("computers", &c.Computers.Meta, len(ids) == 0)
	}
	if has("attack_techniques") {
		c.Techniques.Value = nonEmptyLines(f.Get("attack_techniques.value"))
		meta("attack_techniques", &c.Techniques.Meta, len(c.Techniques.Value) == 0)
	}
	if has("partners") {
		c.Partners.Value = nonEmptyLines(f.Get("partners.value"))
		meta("partners", &c.Partners.Meta, len(c.Partners.Value) == 0)
	}
	if has("iocs") {
		c.IOCs.Value = nil
		for i, l := range nonEmptyLines(f.Get("iocs.value")) {
			l, comment, _ := strings.Cut(l, "#")
			typ, val, ok := strings.Cut(strings.TrimSpace(l), " ")
			if !ok || strings.TrimSpace(val) == "" {
				f.invalid("iocs.value", rq.T("inc.reason.ioc_line", i+1))
				continue
			}
			c.IOCs.Value = append(c.IOCs.Value, report.IOC{Type: strings.ToLower(typ), Value: strings.TrimSpace(val), Comment: strings.TrimSpace(comment)})
		}
		meta("iocs", &c.IOCs.Meta, len(c.IOCs.Value) == 0)
	}
	if has("logs") {
		ls, bad := parseLogLines(f.Get("logs.value"))
		if bad != nil {
			f.invalid("logs.value", rq.T(bad.Key, bad.Line))
		}
		c.Logs.Value = ls
		meta("logs", &c.Logs.Meta, len(c.Logs.Value) == 0)
	}
	if has("exploited_vulnerabilities") {
		c.Vulns.Value = nil
		for _, l := range nonEmptyLines(f.Get("exploited_vulnerabilities.value")) {
			ps := incSplitParts(l, 3)
			c.Vulns.Value = append(c.Vulns.Value, report.ExploitedVuln{CVE: strings.ToUpper(ps[0]), Product: ps[1], Version: ps[2]})
		}
		meta("exploited_vulnerabilities", &c.Vulns.Meta, len(c.Vulns.Value) == 0)
	}
	if has("others_notified") {
		c.OthersNotified.Value = nil
		for _, l := range nonEmptyLines(f.Get("others_notified.value")) {
			ps := incSplitParts(l, 3)
			c.OthersNotified.Value = append(c.OthersNotified.Value, report.OtherNotified{Party: strings.ToLower(ps[0]), At: ps[1], Reference: ps[2]})
		}
		meta("others_notified", &c.OthersNotified.Meta, len(c.OthersNotified.Value) == 0)
	}
	if has("contacts") {
		c.Contacts.Value = parseContactsField(rq, f, "contacts.value", f.Get("contacts.value"))
		meta("contacts", &c.Contacts.Meta, len(c.Contacts.Value) == 0)
	}
	for _, b := range []struct {
		n string
		f *report.Field[bool]
	}{{"overseas", &c.Overseas}, {"cross_border", &c.CrossBorder}} {
		if has(b.n) {
			b.f.Value = f.Get(b.n+".value") != ""
			meta(b.n, &b.f.Meta, true)
		}
	}
	for _, p := range []struct {
		n string
		f *report.Field[report.Progress]
	}{{"containment", &c.Containment}, {"recovery", &c.Recovery}} {
		if has(p.n) {
			p.f.Value = report.Progress(f.Get(p.n + ".value"))
			meta(p.n, &p.f.Meta, p.f.Value == "")
		}
	}
	num := func(name string, dst *int) {
		v := strings.TrimSpace(f.Get(name))
		if v == "" {
			*dst = 0
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			f.invalid(name, rq.T("inc.reason.number"))
			return
		}
		*dst = n
	}
	flt := func(name string, dst *float64) {
		v := strings.TrimSpace(f.Get(name))
		if v == "" {
			*dst = 0
			return
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.invalid(name, rq.T("inc.reason.number"))
			return
		}
		*dst = n
	}
	if has("impact") {
		im := report.Impact{Services: strings.TrimSpace(f.Get("impact.value.services")), DataCategories: nonEmptyLines(f.Get("impact.value.data_categories")),
			Level: report.ImpactLevel(f.Get("impact.value.level")), PersonalData: f.Get("impact.value.personal_data") != ""}
		num("impact.value.users", &im.Users)
		c.Impact.Value = im
		meta("impact", &c.Impact.Meta, im.Services == "" && im.Users == 0 && len(im.DataCategories) == 0 && im.Level == "" && !im.PersonalData)
	}
	if has("ransom") {
		r := report.Ransom{Ransomware: f.Get("ransom.value.ransomware") != "", Demanded: f.Get("ransom.value.demanded") != "",
			Paid: f.Get("ransom.value.paid") != "", Note: strings.TrimSpace(f.Get("ransom.value.note")),
			FileExtension: strings.TrimSpace(f.Get("ransom.value.file_extension")), Extortion: f.Get("ransom.value.extortion")}
		c.Ransom.Value = r
		meta("ransom", &c.Ransom.Meta, r == report.Ransom{})
	}
	if has("ddos") {
		d := report.DDoS{Technique: strings.TrimSpace(f.Get("ddos.value.technique")), Mitigation: strings.TrimSpace(f.Get("ddos.value.mitigation"))}
		flt("ddos.value.peak_gbps", &d.PeakGbps)
		flt("ddos.value.peak_pps", &d.PeakPps)
		num("ddos.value.duration_minutes", &d.Minutes)
		c.DDoS.Value = d
		meta("ddos", &c.DDoS.Meta, d == report.DDoS{})
	}
	if _, ok := f.Values["share_form"]; ok {
		c.ShareWith = f.Values["share_with"]
		if c.ShareWith == nil {
			c.ShareWith = []string{}
		}
	}
	clocks.Classified = when("clocks.classified")
	clocks.ReasonableBelief = when("clocks.reasonable_belief")
	clocks.RansomPaid = when("clocks.ransom_paid")
	return c, clocks, !f.Failed()
}

// incFieldKinds are the guided form's input kinds per field.
var incFieldKinds = map[string]string{
	"class": incKSelect, "summary": incKArea, "occurred": incKTime, "detected": incKTime, "aware": incKTime, "computers": incKMulti,
	"other_systems": incKArea, "impact": incKComposed, "technique": incKArea, "attack_techniques": incKLines, "intrusion_path": incKArea,
	"iocs": incKLines, "logs": incKLines, "partners": incKLines, "partner_impact": incKArea, "ransom": incKComposed, "ddos": incKComposed,
	"overseas": incKCheck, "at_supplier": incKText, "cross_border": incKCheck, "exploited_vulnerabilities": incKLines, "others_notified": incKLines,
	"containment": incKSelect, "recovery": incKSelect, "recovery_estimate": incKText, "root_cause": incKArea, "contacts": incKLines,
}

func incEnumOptions[T ~string](rq *req, prefix string, vals []T, f *form, name string) []optionView {
	cur := f.Get(name)
	out := []optionView{{Value: "", Label: rq.T("inc.choose"), Selected: cur == ""}}
	for _, v := range vals {
		out = append(out, optionView{Value: string(v), Label: incTOr(rq, prefix+string(v), string(v)), Selected: cur == string(v)})
	}
	return out
}

func (s *server) incComputerOptions(rq *req, orgID string, f *form) ([]optionView, bool) {
	if s.opt.Exposure == nil {
		return nil, false
	}
	cs, _, err := s.opt.Exposure.Computers(rq.Context(), rq.P, store.ComputerQuery{OrgID: orgID, Limit: 1000}, false)
	if err != nil {
		return nil, false
	}
	var out []optionView
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.ID] = true
		out = append(out, optionView{Value: c.ID, Label: c.Ref + " — " + c.Name, Selected: f.Checked("computers.value", c.ID)})
	}
	for _, id := range f.Values["computers.value"] {
		if !seen[id] && id != "" {
			out = append(out, optionView{Value: id, Label: id, Selected: true})
		}
	}
	return out, true
}

func (s *server) incFormData(rq *req, f *form, in *incident.Incident) incFormData {
	d := incFormData{Form: f, In: in, Class: f.Get("class.value")}
	d.ClassForm = report.EventClass(d.Class).Form()
	if d.Class == "" {
		d.ClassForm = ""
	}
	for _, st := range []report.State{report.StateKnown, report.StateNotYetKnown, report.StateWithheld} {
		d.StateOptions = append(d.StateOptions, option{Value: string(st), Label: rq.T("inc.fstate." + string(st))})
	}
	d.ConfOptions = []option{{Value: "", Label: "—"}}
	for _, c := range report.Confidences {
		d.ConfOptions = append(d.ConfOptions, option{Value: string(c), Label: rq.T("inc.conf." + string(c))})
	}
	for i, t := range report.ShareTargets {
		d.ShareOptions = append(d.ShareOptions, optionView{Value: t, Label: rq.T("inc.share." + t), ID: "f-share_with-" + strconv.Itoa(i),
			Selected: f.Checked("share_with", t)})
	}
	formItems := map[string]bool{}
	for _, n := range report.FormFields[d.ClassForm] {
		formItems[n] = true
	}
	comps, haveComps := s.incComputerOptions(rq, in.OrgID, f)
	for _, sec := range report.JapanSections {
		sv := incSectionView{ID: sec.ID, Title: sec.EN}
		if rq.lang == i18n.JA {
			sv.Title = sec.JA
		}
		for _, name := range sec.Fields {
			// The form-specific blocks show for their class (or once filled).
			if (name == "ddos" || name == "ransom") && !formItems[name] && f.Get(name+".state") != string(report.StateKnown) &&
				f.Get(name+".state") != string(report.StateWithheld) {
				continue
			}
			fi := incFieldInput{Name: name, ID: inputID(name + ".value"), Label: "inc.f." + name, Kind: incFieldKinds[name],
				Value: f.Get(name + ".value"), Err: f.Errors[name+".value"], FormItem: formItems[name],
				State: f.Get(name + ".state"), Confidence: f.Get(name + ".confidence"), AsOf: f.Get(name + ".as_of"), Source: f.Get(name + ".source"),
				StateErr: f.Errors[name+".state"], ConfErr: f.Errors[name+".confidence"], AsOfErr: f.Errors[name+".as_of"], SourceErr: f.Errors[name+".source"]}
			if fi.Err == "" {
				fi.Err = f.Errors[name]
			}
			if fi.State == "" {
				fi.State = string(report.StateNotYetKnown)
			}
			if h := "inc.help." + name; i18n.Has(rq.lang, h) {
				fi.Help = h
			}
			switch name {
			case "class":
				fi.Options = incEnumOptions(rq, "inc.class.", report.EventClasses, f, "class.value")
			case "containment", "recovery":
				fi.Options = incEnumOptions(rq, "inc.progress.", report.Progresses, f, name+".value")
			case "overseas", "cross_border":
				fi.Checked = f.Get(name+".value") != ""
			case "computers":
				if haveComps {
					fi.Options = comps
				} else {
					fi.Kind, fi.Value = incKLines, strings.Join(f.Values["computers.value"], "\n")
				}
			case "impact":
				fi.Subs = []incSubInput{
					s.sub(rq, f, "impact.value.services", incKText, nil),
					s.sub(rq, f, "impact.value.users", "number", nil),
					s.sub(rq, f, "impact.value.data_categories", incKLines, nil),
					s.sub(rq, f, "impact.value.level", incKSelect, incEnumOptions(rq, "inc.level.", report.ImpactLevels, f, "impact.value.level")),
					s.sub(rq, f, "impact.value.personal_data", incKCheck, nil),
				}
			case "ransom":
				fi.Subs = []incSubInput{
					s.sub(rq, f, "ransom.value.ransomware", incKCheck, nil),
					s.sub(rq, f, "ransom.value.demanded", incKCheck, nil),
					s.sub(rq, f, "ransom.value.paid", incKCheck, nil),
					s.sub(rq, f, "ransom.value.note", incKText, nil),
					s.sub(rq, f, "ransom.value.file_extension", incKText, nil),
					s.sub(rq, f, "ransom.value.extortion", incKSelect, incEnumOptions(rq, "inc.extortion.", []string{"encryption", "exfiltration", "double", "triple"}, f, "ransom.value.extortion")),
				}
			case "ddos":
				fi.Subs = []incSubInput{
					s.sub(rq, f, "ddos.value.technique", incKText, nil),
					s.sub(rq, f, "ddos.value.peak_gbps", "number", nil),
					s.sub(rq, f, "ddos.value.peak_pps", "number", nil),
					s.sub(rq, f, "ddos.value.duration_minutes", "number", nil),
					s.sub(rq, f, "ddos.value.mitigation", incKText, nil),
				}
			}
			sv.Fields = append(sv.Fields, fi)
		}
		d.Sections = append(d.Sections, sv)
	}
	for _, n := range []string{"clocks.classified", "clocks.reasonable_belief", "clocks.ransom_paid"} {
		d.ClockInputs = append(d.ClockInputs, s.sub(rq, f, n, incKTime, nil))
	}
	return d
}

func (s *server) sub(rq *req, f *form, name, kind string, opts []optionView) incSubInput {
	si := incSubInput{Name: name, ID: inputID(name), Label: fieldLabels[name], Kind: kind, Value: f.Get(name), Err: f.Errors[name], Options: opts,
		Checked: f.Get(name) != ""}
	if si.Label == "" {
		si.Label = "field.unknown"
	}
	return si
}

// ownIncident returns the incident of the path for its organisation's
// writers (others: not found or forbidden, as the service decides).
func (s *server) ownIncident(rq *req) (*incident.Incident, error) {
	v, err := s.opt.Reporting.Get(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if v.Role != reporting.RoleReporter {
		return nil, apperr.Forbidden("only the reporting organisation changes its report")
	}
	if !v.Can.Edit {
		return nil, apperr.Conflict("state", "a report %s cannot be changed", v.Incident.State)
	}
	return v.Incident, nil
}

func (s *server) incidentFormPage(w http.ResponseWriter, rq *req, status int, f *form, in *incident.Incident, conflict bool) {
	d := s.incFormData(rq, f, in)
	d.Conflict = conflict
	rq.here = "/incidents/" + url.PathEscape(in.ID) + "/edit"
	s.render(w, rq, status, "incident_form", d)
}

func (s *server) incidentEdit(w http.ResponseWriter, rq *req) {
	in, err := s.ownIncident(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.incidentFormPage(w, rq, http.StatusOK, newForm(incContentValues(in)), in, false)
}

// incContentRemap maps the service's field paths (content.summary.value) to
// the form's inputs (summary.value).
func incContentRemap(err error) error {
	ae, ok := err.(*apperr.Error)
	if !ok || ae.Field == "" {
		return err
	}
	c := *ae
	c.Field = strings.TrimPrefix(c.Field, "content.")
	if i := strings.IndexByte(c.Field, '['); i >= 0 {
		c.Field = c.Field[:i]
	}
	if _, ok := fieldLabels[c.Field]; !ok {
		// "ddos.value" and the like: the field's value input.
		if name, _, _ := strings.Cut(c.Field, "."); fieldLabels[name+".value"] != "" {
			c.Field = name + ".value"
		}
	}
	return &c
}

func (s *server) incidentSave(w http.ResponseWriter, rq *req) {
	in, err := s.ownIncident(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	rev, _ := strconv.Atoi(f.Get("rev"))
	content, clocks, ok := incReadContent(rq, f, in)
	title := strings.TrimSpace(f.Get("title"))
	if title == "" {
		f.invalid("title", rq.T("reason.required"))
		ok = false
	}
	if !ok {
		s.incidentFormPage(w, rq, http.StatusBadRequest, f, in, false)
		return
	}
	concluded := f.Get("concluded") != ""
	e := reporting.Edit{Title: &title, Content: &content, Clocks: &clocks, Concluded: &concluded, Note: strings.TrimSpace(f.Get("note")), Rev: rev}
	if rev == 0 {
		e.Rev = -1 // a form without its rev is stale by definition
	}
	if _, err := s.opt.Reporting.Save(rq.Context(), rq.P, in.ID, e); err != nil {
		ae := apperr.As(err)
		if ae.Code == apperr.CodeConflict && ae.Field == "rev" {
			f.Error = rq.T("inc.conflict")
			s.incidentFormPage(w, rq, http.StatusConflict, f, in, true)
			return
		}
		if c := ae.Code; c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		status := s.apply(rq, f, incContentRemap(err), nil)
		s.incidentFormPage(w, rq, status, f, in, false)
		return
	}
	redirect(w, rq, "/incidents/"+url.PathEscape(in.ID), "inc_saved")
}

// ---- the report page -------------------------------------------------------------------

type incDueRow struct {
	Regime, Stage string
	Due, Start    *time.Time
	Submitted     *time.Time
	Basis         string
	Status        incBadge
	Row           string // overdue | due_soon | ""
	Missing       []string
	Recurring     bool
	PrintURL      string
}

type incRegimeRow struct {
	Index               int
	ID, Name            string
	Reportable          string
	Reason, Conditions  string
	DecidedBy           string
	DecidedAt           *time.Time
	ReportableOptions   []optionView
	ReasonID, CondID    string
	ReasonErr, ReasonNm string
}

type incStepRow struct {
	Kind, Decision, By, Comment string
	Class                       string
	At                          *time.Time
}

type incSubRow struct {
	ID, Recipient, Regime, Stage, Kind string
	Version                            int
	At                                 time.Time
	SHA                                string
	AuthorityRef                       string
	AckedAt                            *time.Time
	Emergency, Partner                 bool
	CanAck                             bool
	BodyURL, PrintURL                  string
}

type incVersionRow struct {
	N          int
	SavedAt    time.Time
	SavedBy    string
	Note       string
	Submitted  bool
	DiffURL    string
	IsCurrent  bool
	PrevExists bool
}

type incEventView struct {
	At        time.Time
	Kind, Who string
	Text      string
	Shared    bool
	GovOnly   bool
}

type incInfoRow struct {
	Question, From, State string
	Fields                []string
	Due                   *time.Time
	Overdue               bool
}

type incTargetOption struct {
	Value, Label, ID string
	Checked          bool
}

type incValueRow struct {
	Name, Label, State, Confidence, Source string
	AsOf                                   *time.Time
	Lines                                  []string
	Withheld, Unknown                      bool
}

type incValueSection struct {
	Title string
	Rows  []incValueRow
}

type incViewData struct {
	// Feedback is the report's feedback section (h_feedback.go): what the
	// government did with it.
	Feedback    template.HTML
	V           *reporting.View
	In          *incident.Incident
	Reporter    bool
	Role        string
	State       incBadge
	OrgName     string
	Timeline    []incDueRow
	Regimes     []incRegimeRow
	Approval    *incident.Approval
	Steps       []incStepRow
	Approve     []string // kinds the user may decide
	Subs        []incSubRow
	Versions    []incVersionRow
	Events      []incEventView
	Infos       []incInfoRow
	Targets     []incTargetOption
	Content     []incValueSection
	Forms       map[string]*form
	FieldOpts   []optionView
	SevOpts     []option
	StatusOpts  []option
	AssigneeOps []option
	LinkKinds   []option
	CommentOpts []option
	Triage      incident.Triage
	Links       []incident.Link
	Can         reporting.Can
	PrintOK     bool
	ShareWith   []string
}

// incForms are the forms of the report page, by action.
var incForms = []string{"regimes", "request-approval", "decide", "withdraw", "submit", "close", "refute", "reopen", "comment",
	"ack", "info-request", "triage", "link"}

func (s *server) incidentView(w http.ResponseWriter, rq *req) {
	s.incidentPage(w, rq, http.StatusOK, nil)
}

// printable reports whether the printable report is available.
func (s *server) printable() bool { return s.opt.Reporting != nil }

// incValueLines renders one content field's value for reading.
func incValueLines(rq *req, c *report.Content, name string, n *names) []string {
	switch name {
	case "class":
		if c.Class.Value != "" {
			return []string{incTOr(rq, "inc.class."+string(c.Class.Value), string(c.Class.Value))}
		}
		return nil
	case "occurred":
		return incTimeLine(c.Occurred.Value)
	case "detected":
		return incTimeLine(c.Detected.Value)
	case "aware":
		return incTimeLine(c.Aware.Value)
	case "overseas":
		return []string{yesNoText(rq, c.Overseas.Value)}
	case "cross_border":
		return []string{yesNoText(rq, c.CrossBorder.Value)}
	case "containment":
		return incNonEmpty(incTOr(rq, "inc.progress."+string(c.Containment.Value), string(c.Containment.Value)), c.Containment.Value != "")
	case "recovery":
		return incNonEmpty(incTOr(rq, "inc.progress."+string(c.Recovery.Value), string(c.Recovery.Value)), c.Recovery.Value != "")
	}
	v := incContentValues(&incident.Incident{Content: *c})
	switch name {
	case "computers", "partners":
		var out []string
		for _, id := range v[name+".value"] {
			for _, l := range nonEmptyLines(id) {
				if name == "partners" {
					l = n.orgName(l)
				}
				out = append(out, l)
			}
		}
		return out
	case "impact", "ransom", "ddos":
		var out []string
		for k, vals := range v {
			if strings.HasPrefix(k, name+".value.") && len(vals) > 0 && vals[0] != "" {
				out = append(out, rq.T(fieldLabels[k])+": "+strings.ReplaceAll(vals[0], "\n", ", "))
			}
		}
		slices.Sort(out)
		return out
	}
	return nonEmptyLines(v.Get(name + ".value"))
}

func incTimeLine(t *time.Time) []string {
	if t == nil {
		return nil
	}
	return []string{formatTime(t)}
}

func incNonEmpty(s string, ok bool) []string {
	if !ok {
		return nil
	}
	return []string{s}
}

func incContentSections(rq *req, c *report.Content, n *names) []incValueSection {
	var out []incValueSection
	for _, sec := range report.JapanSections {
		vs := incValueSection{Title: sec.EN}
		if rq.lang == i18n.JA {
			vs.Title = sec.JA
		}
		for _, name := range sec.Fields {
			vs.Rows = append(vs.Rows, incValueRowOf(rq, c, name, n))
		}
		out = append(out, vs)
	}
	return out
}

// incValueRowOf is content field name as people read it: its value's
// lines, its state, confidence, time and source in the user's language.
func incValueRowOf(rq *req, c *report.Content, name string, n *names) incValueRow {
	m := incMetaOf(c, name)
	r := incValueRow{Name: name, Label: incFieldName(rq, name), State: rq.T("inc.fstate." + string(incOrDefault(m.State))),
		AsOf: m.AsOf, Source: m.Source, Withheld: m.State == report.StateWithheld, Unknown: m.State != report.StateKnown}
	if m.Confidence != "" {
		r.Confidence = rq.T("inc.conf." + string(m.Confidence))
	}
	if m.State == report.StateKnown {
		r.Lines = incValueLines(rq, c, name, n)
	}
	return r
}

func incOrDefault(s report.State) report.State {
	if s == "" {
		return report.StateNotYetKnown
	}
	return s
}

// incMetaOf returns the Meta of content field name.
func incMetaOf(c *report.Content, name string) report.Meta {
	b, err := json.Marshal(c)
	if err != nil {
		return report.Meta{}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return report.Meta{}
	}
	var meta report.Meta
	_ = json.Unmarshal(m[name], &meta)
	return meta
}

func (s *server) incidentPage(w http.ResponseWriter, rq *req, status int, failed map[string]*form) {
	ctx, p := rq.Context(), rq.P
	v, err := s.opt.Reporting.Get(ctx, p, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	in := v.Incident
	n := s.orgNames(rq)
	rn := s.incRegimeIndex(rq, in.OrgID)
	base := "/incidents/" + url.PathEscape(in.ID)
	d := incViewData{V: v, In: in, Reporter: v.Role == reporting.RoleReporter, Role: incTOr(rq, "inc.role."+v.Role, v.Role),
		State: incStateBadge(rq, in.State), OrgName: n.orgName(in.OrgID), Can: v.Can, Forms: map[string]*form{}, PrintOK: s.printable(),
		Triage: in.Triage, Links: in.Links}
	for _, name := range incForms {
		d.Forms[name] = newForm(nil)
	}
	for k, f := range failed {
		d.Forms[k] = f
	}
	for _, t := range in.Content.ShareWith {
		d.ShareWith = append(d.ShareWith, rq.T("inc.share."+t))
	}
	for _, due := range v.Timeline {
		r := incDueRow{Regime: rn.regime(rq.lang, due.Regime), Stage: rn.stage(rq.lang, due.Regime, due.Stage), Due: due.Due, Start: due.Start,
			Submitted: due.Submitted, Basis: incBasis(rq, due.Basis), Status: incDueBadge(rq, due.Status), Missing: incFieldNames(rq, due.Missing), Recurring: due.Recurring}
		switch due.Status {
		case regime.StatusOverdue:
			r.Row = "overdue"
		case regime.StatusDueSoon:
			r.Row = "due-soon"
		}
		if d.PrintOK {
			r.PrintURL = base + "/print?" + url.Values{"regime": {due.Regime}, "stage": {due.Stage}}.Encode()
		}
		d.Timeline = append(d.Timeline, r)
	}
	if v.Role != reporting.RolePartner && in.SubmittedVersion > 0 {
		d.Feedback = s.feedbackSection(rq, in.ID)
	}
	if d.Reporter {
		for i, c := range in.Regimes {
			rr := incRegimeRow{Index: i, ID: c.Regime, Name: rn.regime(rq.lang, c.Regime), Reportable: string(c.Reportable), Reason: c.Reason,
				Conditions: strings.Join(c.Conditions, ", "), DecidedBy: c.DecidedBy, DecidedAt: c.DecidedAt,
				ReasonNm: "regimes." + strconv.Itoa(i) + ".reason", ReasonID: "f-regimes-" + strconv.Itoa(i) + "-reason",
				CondID: "f-regimes-" + strconv.Itoa(i) + "-conditions"}
			if f := failed["regimes"]; f != nil {
				rr.Reportable = f.Get("regimes." + strconv.Itoa(i) + ".reportable")
				rr.Reason = f.Get(rr.ReasonNm)
				rr.Conditions = f.Get("regimes." + strconv.Itoa(i) + ".conditions")
				rr.ReasonErr = f.Errors["regimes."+strconv.Itoa(i)+".reason"]
			}
			for _, o := range []incident.Reportable{incident.ReportableYes, incident.ReportableNo, incident.ReportableUndecided} {
				rr.ReportableOptions = append(rr.ReportableOptions, optionView{Value: string(o), Label: rq.T("inc.reportable." + string(o)),
					Selected: rr.Reportable == string(o)})
			}
			d.Regimes = append(d.Regimes, rr)
			if c.Reportable == incident.ReportableYes {
				if r, ok := rn[c.Regime]; ok {
					for _, st := range r.Stages {
						val := c.Regime + "/" + st.ID
						d.Targets = append(d.Targets, incTargetOption{Value: val, Label: rn.regime(rq.lang, c.Regime) + ": " + incTextIn(st.Name, rq.lang),
							ID: "f-targets-" + strconv.Itoa(len(d.Targets)), Checked: d.Forms["submit"].Checked("targets", val)})
					}
				}
			}
		}
		if a := in.Approval; a != nil {
			d.Approval = a
			for _, st := range a.Steps {
				cls := map[incident.Decision]string{incident.Pending: "badge pending", incident.Approve: "badge ok", incident.Reject: "badge denied",
					incident.Withdraw: "badge off"}[st.Decision]
				d.Steps = append(d.Steps, incStepRow{Kind: rq.T("inc.approval." + string(st.Kind)), Decision: rq.T("inc.decision." + string(st.Decision)),
					By: st.ByName, Comment: st.Comment, At: st.At, Class: cls})
			}
		}
		for _, k := range v.Can.Approve {
			d.Approve = append(d.Approve, string(k))
		}
	}
	for _, sub := range v.Submissions {
		r := incSubRow{ID: sub.ID, Recipient: n.orgName(sub.Recipient), Regime: rn.regime(rq.lang, sub.Regime), Stage: rn.stage(rq.lang, sub.Regime, sub.Stage),
			Kind: incTOr(rq, "inc.kind."+sub.Kind, sub.Kind), Version: sub.Version, At: sub.SubmittedAt, AuthorityRef: sub.AuthorityRef,
			AckedAt: sub.AckedAt, Emergency: sub.Emergency, Partner: sub.Partner, BodyURL: base + "/submissions/" + url.PathEscape(sub.ID)}
		if sub.Regime == "" {
			r.Regime, r.Stage = "—", ""
		}
		if len(sub.SHA256) >= 12 {
			r.SHA = sub.SHA256[:12]
		}
		r.CanAck = v.Can.Receive && sub.AckedAt == nil
		if d.PrintOK {
			r.PrintURL = base + "/print?submission=" + url.QueryEscape(sub.ID)
		}
		d.Subs = append(d.Subs, r)
	}
	for i, ver := range v.Versions {
		vr := incVersionRow{N: ver.N, SavedAt: ver.SavedAt, SavedBy: ver.SavedBy, Note: ver.Note, Submitted: ver.Submitted, IsCurrent: ver.N == in.Version}
		if i > 0 {
			vr.PrevExists = true
			vr.DiffURL = base + "/diff?" + url.Values{"from": {strconv.Itoa(v.Versions[i-1].N)}, "to": {strconv.Itoa(ver.N)}}.Encode()
		}
		d.Versions = append(d.Versions, vr)
	}
	slices.Reverse(d.Versions)
	for _, e := range v.Events {
		who := e.ActorName
		if e.OrgID != "" && e.OrgID != p.OrgID() {
			who = n.orgName(e.OrgID)
		}
		d.Events = append(d.Events, incEventView{At: e.At, Kind: incTOr(rq, "inc.event."+e.Kind, e.Kind), Who: who, Text: incEventText(rq, e.Kind, e.Text),
			Shared: e.Shared, GovOnly: e.GovOnly})
	}
	slices.Reverse(d.Events)
	now := time.Now()
	for _, r := range in.InfoRequests {
		d.Infos = append(d.Infos, incInfoRow{Question: r.Question, From: n.orgName(r.FromOrg), State: incTOr(rq, "inc.info."+r.State, r.State),
			Fields: incFieldNames(rq, r.Fields), Due: r.Due, Overdue: r.Overdue(now)})
	}
	d.Content = incContentSections(rq, &in.Content, n)
	if v.Can.Receive {
		for _, name := range report.FieldNames() {
			d.FieldOpts = append(d.FieldOpts, optionView{Value: name, Label: incFieldName(rq, name), Selected: d.Forms["info-request"].Checked("fields", name)})
		}
		d.SevOpts = []option{{Value: "", Label: "—"}}
		for _, sv := range incident.Severities {
			d.SevOpts = append(d.SevOpts, option{Value: sv, Label: rq.T("inc.severity." + sv)})
		}
		for _, st := range incident.TriageStatuses {
			d.StatusOpts = append(d.StatusOpts, option{Value: st, Label: rq.T("inc.triage." + st)})
		}
		d.AssigneeOps = []option{{Value: "", Label: "—"}}
		if us, _, err := s.svc.ListUsers(ctx, p, store.UserFilter{OrgID: p.OrgID(), Limit: 500}); err == nil {
			for _, u := range us {
				d.AssigneeOps = append(d.AssigneeOps, option{Value: u.ID, Label: u.DisplayName})
			}
		}
		for _, k := range incident.LinkKinds {
			d.LinkKinds = append(d.LinkKinds, option{Value: k, Label: rq.T("inc.link." + k)})
		}
		if failed["triage"] == nil {
			d.Forms["triage"] = newForm(url.Values{"severity": {in.Triage.Severity}, "status": {in.Triage.Status}, "assignee": {in.Triage.Assignee},
				"note": {in.Triage.Note}})
		}
	}
	kinds := []string{"comment"}
	if v.Can.Receive {
		kinds = []string{"feedback", "advice", "comment"}
	}
	for _, k := range kinds {
		d.CommentOpts = append(d.CommentOpts, option{Value: k, Label: rq.T("inc.comment." + k)})
	}
	rq.here = base
	s.render(w, rq, status, "incident", d)
}

// ---- actions ------------------------------------------------------------------------

func (s *server) incidentAct(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	id := rq.PathValue("id")
	action := rq.PathValue("action")
	f := newForm(rq.PostForm)
	back := "/incidents/" + url.PathEscape(id)
	svc := s.opt.Reporting
	var err error
	var done string
	var remap map[string]string
	switch action {
	case "regimes":
		var choices []incident.RegimeChoice
		for i := 0; ; i++ {
			k := "regimes." + strconv.Itoa(i)
			rid := f.Get(k + ".regime")
			if rid == "" {
				break
			}
			var conds []string
			for _, c := range strings.FieldsFunc(f.Get(k+".conditions"), func(r rune) bool { return r == ',' || r == '\n' || r == ' ' }) {
				conds = append(conds, strings.TrimSpace(c))
			}
			choices = append(choices, incident.RegimeChoice{Regime: rid, Reportable: incident.Reportable(f.Get(k + ".reportable")),
				Reason: strings.TrimSpace(f.Get(k + ".reason")), Conditions: conds})
		}
		_, err = svc.SetRegimes(ctx, p, id, choices)
		if err != nil {
			if ae := apperr.As(err); ae.Field != "" {
				// regimes[1].reason -> regimes.1.reason
				c := *ae
				c.Field = strings.NewReplacer("[", ".", "]", "").Replace(ae.Field)
				err = &c
			}
		}
		done = "inc_regimes"
	case "request-approval":
		_, err = svc.RequestApproval(ctx, p, id, strings.TrimSpace(f.Get("note")))
		done = "inc_approval_requested"
	case "decide":
		approve := f.Get("decision") == "approve"
		_, err = svc.Decide(ctx, p, id, incident.ApprovalKind(f.Get("kind")), approve, f.Get("comment"))
		// Each approval kind has its own comment box on the page.
		remap = map[string]string{"comment": "comment-" + f.Get("kind")}
		f.Labels = map[string]string{"comment-" + f.Get("kind"): "field.comment"}
		done = map[bool]string{true: "inc_approved", false: "inc_rejected"}[approve]
	case "withdraw":
		_, err = svc.WithdrawApproval(ctx, p, id)
		done = "inc_withdrawn"
	case "submit":
		req := reporting.SubmitRequest{Final: f.Get("final") != "", Emergency: f.Get("emergency") != "", Reason: f.Get("reason"), Note: f.Get("note")}
		for _, t := range f.Values["targets"] {
			rid, sid, _ := strings.Cut(t, "/")
			req.Targets = append(req.Targets, reporting.Target{Regime: rid, Stage: sid})
		}
		_, err = svc.Submit(ctx, p, id, req)
		done = "inc_submitted"
		if err != nil {
			err = incContentRemap(err)
			if ae := apperr.As(err); ae.Field != "" && ae.Field != "reason" && ae.Field != "note" {
				// A missing field or a target: say so on the form as a whole.
				c := *ae
				c.Field = "targets"
				if !strings.HasPrefix(ae.Field, "targets") {
					c.Message = incFieldName(rq, strings.TrimSuffix(ae.Field, ".value")) + ": " + ae.Message
				}
				err = &c
			}
		}
	case "close":
		_, err = svc.Close(ctx, p, id, strings.TrimSpace(f.Get("note")))
		remap, f.Labels = map[string]string{"note": "close-note"}, map[string]string{"close-note": "inc.field.note"}
		done = "inc_closed"
	case "refute":
		_, err = svc.Refute(ctx, p, id, f.Get("reason"))
		remap, f.Labels = map[string]string{"reason": "refute-reason"}, map[string]string{"refute-reason": "inc.field.reason"}
		done = "inc_refuted"
	case "reopen":
		_, err = svc.Reopen(ctx, p, id, f.Get("reason"))
		remap, f.Labels = map[string]string{"reason": "reopen-reason"}, map[string]string{"reopen-reason": "inc.field.reason"}
		done = "inc_reopened"
	case "comment":
		kind := incFormGet(f, "comment_kind", "kind")
		if kind == "" {
			kind = "comment"
		}
		_, err = svc.Comment(ctx, p, id, kind, f.Get("text"))
		remap = map[string]string{"kind": "comment_kind"}
		done = "inc_commented"
	case "ack":
		_, err = svc.Acknowledge(ctx, p, id, f.Get("submission"), f.Get("authority_ref"))
		// The reference box of the submission acknowledged.
		ack := "ack-" + f.Get("submission")
		remap, f.Labels = map[string]string{"authority_ref": ack}, map[string]string{ack: "inc.field.authority_ref"}
		done = "inc_acknowledged"
	case "info-request":
		in := reporting.InfoRequestInput{Question: f.Get("question"), Fields: f.Values["fields"]}
		if v := strings.TrimSpace(f.Get("due")); v != "" {
			t, ok := parseLocal(v)
			if !ok {
				f.invalid("due", rq.T("inc.reason.datetime"))
				s.incidentPage(w, rq, http.StatusBadRequest, map[string]*form{action: f})
				return
			}
			u := t.UTC()
			in.Due = &u
		}
		_, err = svc.RequestInfo(ctx, p, id, in)
		done = "inc_info_requested"
	case "triage":
		_, err = svc.SetTriage(ctx, p, id, incident.Triage{Severity: f.Get("severity"), Status: f.Get("status"), Assignee: f.Get("assignee"),
			Note: strings.TrimSpace(f.Get("note"))})
		done = "inc_triaged"
	case "link":
		_, err = svc.AddLink(ctx, p, id, incident.Link{Kind: incFormGet(f, "link_kind", "kind"), Ref: strings.TrimSpace(incFormGet(f, "link_ref", "ref")),
			Note: strings.TrimSpace(incFormGet(f, "link_note", "note"))})
		remap = map[string]string{"kind": "link_kind", "ref": "link_ref", "note": "link_note"}
		done = "inc_linked"
	default:
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	if err == nil {
		redirect(w, rq, back, done)
		return
	}
	ae := apperr.As(err)
	if ae.Code == apperr.CodeNotFound || ae.Code == apperr.CodeForbidden || ae.Code == apperr.CodeUnauthenticated || ae.Code == apperr.CodeInternal {
		s.errorPage(w, rq, err)
		return
	}
	status := s.apply(rq, f, err, remap)
	s.incidentPage(w, rq, status, map[string]*form{action: f})
}

// incFormGet is input name of f, or its older name old (posts from
// before the receivers' forms had names of their own).
func incFormGet(f *form, name, old string) string {
	if _, ok := f.Values[name]; ok {
		return f.Get(name)
	}
	return f.Get(old)
}

// ---- diff, exports, submissions, print ------------------------------------------------

type incChangeView struct {
	Field, Label  string
	Before, After string // the JSON of each side, for the record
	// Old and New are each side as the report page shows a field (nil
	// for the title, shown as OldText and NewText).
	Old, New         *incValueRow
	OldText, NewText string
}

// incDiffSide reads one side of a change to content field name as the
// report page shows it.
func incDiffSide(rq *req, name string, raw json.RawMessage, n *names) *incValueRow {
	var c report.Content
	if len(raw) > 0 && string(raw) != "null" {
		doc, err := json.Marshal(map[string]json.RawMessage{name: raw})
		if err != nil || json.Unmarshal(doc, &c) != nil {
			return nil
		}
	}
	r := incValueRowOf(rq, &c, name, n)
	return &r
}

type incDiffData struct {
	In       *incident.Incident
	From, To int
	Changes  []incChangeView
}

// incDiffText is a changed title or list of audiences as text.
func incDiffText(raw json.RawMessage) string {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, ", ")
	}
	return incPrettyJSON(raw)
}

func incPrettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "—"
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

func (s *server) incidentDiff(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	v, err := s.opt.Reporting.Get(ctx, p, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	from, err1 := strconv.Atoi(rq.URL.Query().Get("from"))
	to, err2 := strconv.Atoi(rq.URL.Query().Get("to"))
	if err1 != nil || err2 != nil {
		s.errorPage(w, rq, apperr.Invalid("from", "from and to must be version numbers"))
		return
	}
	cs, err := s.opt.Reporting.Diff(ctx, p, v.Incident.ID, from, to)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := incDiffData{In: v.Incident, From: from, To: to}
	n := s.orgNames(rq)
	for _, c := range cs {
		l := incFieldName(rq, c.Field)
		if c.Field == "title" {
			l = rq.T("inc.field.title")
		}
		cv := incChangeView{Field: c.Field, Label: l, Before: incPrettyJSON(c.Before), After: incPrettyJSON(c.After)}
		if c.Field == "title" || c.Field == "share_with" {
			cv.OldText, cv.NewText = incDiffText(c.Before), incDiffText(c.After)
		} else {
			cv.Old, cv.New = incDiffSide(rq, c.Field, c.Before, n), incDiffSide(rq, c.Field, c.After, n)
		}
		d.Changes = append(d.Changes, cv)
	}
	s.render(w, rq, http.StatusOK, "incident_diff", d)
}

func incDownload(w http.ResponseWriter, ctype, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Write(b)
}

func (s *server) incidentExport(w http.ResponseWriter, rq *req) {
	ctx, p, id := rq.Context(), rq.P, rq.PathValue("id")
	switch rq.URL.Query().Get("format") {
	case "", "json":
		x, err := s.opt.Reporting.ExportJSON(ctx, p, id)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		b, err := json.MarshalIndent(x, "", "  ")
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		incDownload(w, "application/json", "incident-"+x.View.Incident.Ref+".json", b)
	case "stix":
		b, err := s.opt.Reporting.ExportSTIX(ctx, p, id, rq.URL.Query().Get("tlp"))
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		incDownload(w, "application/stix+json;version=2.1", "incident-"+id+".stix.json", b)
	default:
		s.errorPage(w, rq, apperr.Invalid("format", "must be json or stix"))
	}
}

func (s *server) incidentSubmission(w http.ResponseWriter, rq *req) {
	sub, err := s.opt.Reporting.Submission(rq.Context(), rq.P, rq.PathValue("id"), rq.PathValue("sub"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	w.Header().Set("X-Content-SHA256", sub.SHA256)
	incDownload(w, "application/json", "submission-"+sub.ID+".json", sub.Body)
}

func (s *server) incidentPrint(w http.ResponseWriter, rq *req) {
	q := rq.URL.Query()
	b, err := s.opt.Reporting.Print(rq.Context(), rq.P, rq.PathValue("id"), q.Get("regime"), q.Get("stage"), q.Get("submission"), rq.lang)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The printable report is self-contained: its own inline style, no
	// script, nothing loaded.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.Write(b)
}

// ---- sanitised sharing --------------------------------------------------------------------

type incRemovedRow struct {
	Field, Kind, Original, Replacement, Reason string
}

type incShareData struct {
	In          *incident.Incident
	Form        *form
	Step        string // choose | preview | done
	TLPOptions  []option
	Include     []optionView
	Objects     []string
	Removed     []incRemovedRow
	Token       string
	CollOptions []option
	Colls       bool
	Job         any
	Accepted    int
	Total       int
	JobID       string
}

func (s *server) incShareData(rq *req, f *form, in *incident.Incident) incShareData {
	d := incShareData{In: in, Form: f, Step: "choose", TLPOptions: tlpOptions(rq, "")}
	for _, name := range in.Content.Unconfirmed() {
		d.Include = append(d.Include, optionView{Value: name, Label: incFieldName(rq, name), ID: "f-include-" + name, Selected: f.Checked("include", name)})
	}
	if s.opt.Intel != nil {
		if cs, err := s.opt.Intel.Collections(rq.Context(), rq.P); err == nil {
			d.CollOptions = []option{{Value: "", Label: rq.T("inc.choose")}}
			for _, c := range cs {
				if c.CanWrite {
					d.CollOptions = append(d.CollOptions, option{Value: c.Alias, Label: c.Title.In(rq.lang) + " (" + c.Alias + ")"})
				}
			}
			d.Colls = true
		}
	}
	return d
}

func (s *server) incSharable(rq *req) (*incident.Incident, error) {
	v, err := s.opt.Reporting.Get(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !v.Can.Share {
		return nil, apperr.ErrForbidden
	}
	return v.Incident, nil
}

func (s *server) incidentShare(w http.ResponseWriter, rq *req) {
	in, err := s.incSharable(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	tlp := in.DefaultTLP
	if tlp == "" {
		tlp = "amber"
	}
	s.render(w, rq, http.StatusOK, "incident_share", s.incShareData(rq, newForm(url.Values{"tlp": {tlp}}), in))
}

func (s *server) incidentShareSubmit(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	in, err := s.incSharable(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	d := s.incShareData(rq, f, in)
	sr := reporting.ShareRequest{TLP: f.Get("tlp"), Include: f.Values["include"]}
	rq.here = "/incidents/" + url.PathEscape(in.ID) + "/share"
	if f.Get("step") == "release" {
		sr.Token, sr.Collection = f.Get("token"), strings.TrimSpace(f.Get("collection"))
		if sr.Collection == "" {
			f.invalid("collection", rq.T("reason.required"))
		} else {
			job, err := s.opt.Reporting.ShareRelease(ctx, p, in.ID, sr)
			if err == nil {
				d.Step, d.Job, d.Accepted, d.Total, d.JobID = "done", job, job.Accepted+job.Updated+job.Duplicates, job.Total, job.ID
				s.render(w, rq, http.StatusOK, "incident_share", d)
				return
			}
			if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
				s.errorPage(w, rq, err)
				return
			}
			s.apply(rq, f, err, nil)
		}
	}
	prev, err := s.opt.Reporting.SharePreview(ctx, p, in.ID, sr)
	if err != nil {
		s.render(w, rq, s.apply(rq, f, err, nil), "incident_share", d)
		return
	}
	d.Step, d.Token = "preview", prev.Token
	for _, o := range prev.Objects {
		d.Objects = append(d.Objects, incPrettyJSON(o))
	}
	for _, r := range prev.Removed {
		d.Removed = append(d.Removed, incRemovedRow{Field: r.Field, Kind: incTOr(rq, "inc.removed."+r.Kind, r.Kind), Original: r.Original,
			Replacement: r.Replacement, Reason: r.Reason})
	}
	status := http.StatusOK
	if f.Failed() {
		status = http.StatusBadRequest
	}
	s.render(w, rq, status, "incident_share", d)
}
