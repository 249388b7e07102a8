package web

// Vendor requests (脆弱性に関する情報提供の求め): the government asks a
// vendor or supplier about a vulnerability in its product, the vendor
// acknowledges, answers or declines (a best-effort obligation: the record
// shows whether and when), and the government turns the answer into an
// advisory to the exposed operators.

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/exposure"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/vuln"
)

func init() {
	for k, v := range map[string]string{
		"vendor_org":        "field.vendor_org",
		"questions":         "field.questions",
		"due_at":            "field.due_at",
		"affected_versions": "field.affected_versions",
		"fixed_versions":    "field.fixed_versions",
		"fix_timeline":      "field.fix_timeline",
		"mitigations":       "field.mitigations",
		"advisory_url":      "field.advisory_url",
		"advisory_text":     "field.advisory_text",
		"decline_reason":    "field.decline_reason",
		"comment":           "field.comment",
		"advice":            "field.advice",
	} {
		fieldLabels[k] = v
	}
	for k, v := range map[string]string{
		"request_sent":         "done.request_sent",
		"request_acknowledged": "done.request_acknowledged",
		"request_answered":     "done.request_answered",
		"request_declined":     "done.request_declined",
		"request_withdrawn":    "done.request_withdrawn",
		"request_commented":    "done.request_commented",
		"request_advised":      "done.request_advised",
		"request_advised_none": "done.request_advised_none",
	} {
		doneMessages[k] = v
	}
}

// vendorRoutes registers the routes of this file (called by exposureRoutes).
func (s *server) vendorRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	mux.Handle("GET /vendor-requests", s.user(s.requestList))
	mux.Handle("GET /vendor-requests/{id}", s.user(s.requestDetail))
	mux.Handle("POST /vendor-requests/{id}/{action}", s.bigForm(s.requestAct))
	mux.Handle("GET /vulns/{id}/request", s.user(s.requestNew))
	mux.Handle("POST /vulns/{id}/request", s.bigForm(s.requestCreate))
}

// ---- list ---------------------------------------------------------------------------

type requestRow struct {
	ID, VulnID, VulnTitle string
	Vendor                string
	State, StateClass     string
	Overdue               bool
	Created, Due          time.Time
	AnsweredAt, AdvisedAt *time.Time
}

// requestRows turns requests into rows; the vulnerability's title is shown
// when the user may see it.
func (s *server) requestRows(rq *req, rs []vuln.Request, n *names) []requestRow {
	titles := map[string]string{}
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.VulnID)
	}
	if vs, err := s.visibleVulns(rq.Context(), rq, ids); err == nil {
		for id, v := range vs {
			titles[id] = v.Title
		}
	}
	now := s.now()
	var out []requestRow
	for _, r := range rs {
		out = append(out, requestRow{ID: r.ID, VulnID: r.VulnID, VulnTitle: titles[r.VulnID], Vendor: n.orgName(r.VendorOrgID),
			State: label(rq, requestStateKeys, r.State), StateClass: requestStateClasses[r.State],
			Overdue: r.Overdue(now), Created: r.CreatedAt, Due: r.DueAt, AnsweredAt: r.AnsweredAt, AdvisedAt: r.AdvisedAt})
	}
	return out
}

type requestListData struct {
	Form         *form
	Rows         []requestRow
	StateOptions []option
	Gov          bool
	Overdue      int
}

func (s *server) requestList(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	q := rq.URL.Query()
	f := newForm(q)
	gov := p.IsGovernment()
	d := requestListData{Form: f, Gov: gov, StateOptions: []option{{Value: "", Label: rq.T("common.any")}, {Value: "overdue", Label: rq.T("vreq.overdue")}}}
	for _, st := range vuln.RequestStates {
		d.StateOptions = append(d.StateOptions, option{Value: string(st), Label: label(rq, requestStateKeys, st)})
	}
	rqq := store.RequestQuery{}
	overdueOnly := false
	switch st := q.Get("state"); {
	case st == "":
	case st == "overdue":
		overdueOnly = true
	case vuln.RequestState(st).Valid():
		rqq.State = vuln.RequestState(st)
	default:
		f.invalid("state", rq.T("reason.unknown_value"))
		s.render(w, rq, http.StatusBadRequest, "vendor_requests", d)
		return
	}
	rs, err := s.opt.Exposure.Requests(ctx, p, rqq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rows := s.requestRows(rq, rs, s.orgNames(rq))
	for _, r := range rows {
		if r.Overdue {
			d.Overdue++
		}
		if !overdueOnly || r.Overdue {
			d.Rows = append(d.Rows, r)
		}
	}
	s.render(w, rq, http.StatusOK, "vendor_requests", d)
}

// ---- create (from a vulnerability page) ------------------------------------------------

type requestFormData struct {
	Form          *form
	V             *vuln.Vulnerability
	TLP           tlpBadge
	VendorOptions []option
	Action        string
}

// vendorOptions lists the vendors and suppliers a request may go to.
func (s *server) vendorOptions(rq *req) ([]option, error) {
	os := []option{{Value: "", Label: rq.T("reg.choose")}}
	for _, k := range []org.Kind{org.KindVendor, org.KindSupplier} {
		err := s.eachOrgOfKind(rq, k, func(o *org.Organisation) {
			os = append(os, option{Value: o.Slug, Label: o.Name.In(rq.lang) + " (" + rq.T("kind."+string(o.Kind)) + ")"})
		})
		if err != nil {
			return nil, err
		}
	}
	return os, nil
}

// requestable returns the vulnerability of the path if the user may ask
// vendors about it.
func (s *server) requestable(rq *req) (*vuln.Vulnerability, error) {
	v, err := s.opt.Exposure.Vuln(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !auth.Can(rq.P, auth.ActVendorRequestCreate, auth.Target{}) {
		return nil, apperr.ErrForbidden
	}
	return v, nil
}

func (s *server) requestForm(w http.ResponseWriter, rq *req, status int, f *form, v *vuln.Vulnerability) {
	opts, err := s.vendorOptions(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d := requestFormData{Form: f, V: v, TLP: badgeOf(v.TLP), VendorOptions: opts, Action: "/vulns/" + url.PathEscape(v.ID) + "/request"}
	rq.here = d.Action
	s.render(w, rq, status, "vendor_request_form", d)
}

// defaultDue is the due date a new request proposes: two weeks.
const defaultDue = 14 * 24 * time.Hour

func (s *server) requestNew(w http.ResponseWriter, rq *req) {
	v, err := s.requestable(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(url.Values{"questions": {rq.T("vreq.questions_default", v.ID)},
		"due_at": {s.now().Add(defaultDue).In(jst).Format(time.DateOnly)}, "vendor_org": {rq.URL.Query().Get("vendor")}})
	s.requestForm(w, rq, http.StatusOK, f, v)
}

// parseDue reads a due date: the end of that day in Japan.
func parseDue(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), jst)
	if err != nil {
		return time.Time{}, false
	}
	return t.Add(24*time.Hour - time.Minute).UTC(), true
}

func (s *server) requestCreate(w http.ResponseWriter, rq *req) {
	v, err := s.requestable(rq)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			// Through the service, so that the refusal is the service's.
			err = s.opt.Exposure.RequestVendor(rq.Context(), rq.P, &vuln.Request{VulnID: rq.PathValue("id")})
			if err == nil {
				err = apperr.ErrForbidden
			}
		}
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	r := &vuln.Request{VulnID: v.ID, Questions: strings.TrimSpace(f.Get("questions"))}
	if slug := f.Get("vendor_org"); slug == "" {
		f.invalid("vendor_org", rq.T("reason.required"))
	} else if o, err := s.svc.GetOrg(rq.Context(), rq.P, slug); err != nil {
		f.invalid("vendor_org", rq.T("reason.no_org_named", slug))
	} else {
		r.VendorOrgID = o.ID
	}
	if due, ok := parseDue(f.Get("due_at")); !ok {
		f.invalid("due_at", rq.T("reason.date"))
	} else if !due.After(s.now()) {
		f.invalid("due_at", rq.T("reason.future"))
	} else {
		r.DueAt = due
	}
	if r.Questions == "" {
		f.invalid("questions", rq.T("reason.required"))
	}
	status := http.StatusBadRequest
	if !f.Failed() {
		err := s.opt.Exposure.RequestVendor(rq.Context(), rq.P, r)
		if err == nil {
			redirect(w, rq, "/vendor-requests/"+url.PathEscape(r.ID), "request_sent")
			return
		}
		if c := apperr.CodeOf(err); c == apperr.CodeForbidden || c == apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		status = s.apply(rq, f, err, map[string]string{"vendor_org_id": "vendor_org", "vuln_id": "vendor_org"})
	}
	s.requestForm(w, rq, status, f, v)
}

// ---- detail and actions --------------------------------------------------------------

type eventRow struct {
	At        time.Time
	Kind, Who string
	Text      string
}

type requestData struct {
	R           *vuln.Request
	Questions   []string // line by line
	Vendor      string
	From        string
	RequestedBy string
	VulnTitle   string
	VulnVisible bool
	State       string
	StateClass  string
	Overdue     bool
	Events      []eventRow
	CanAnswer   bool // acknowledge, answer, decline
	CanManage   bool // withdraw, advise (the government)
	CanAck      bool
	CanDecline  bool
	CanWithdraw bool
	CanAdvise   bool
	AnswerForm  *form
	DeclineForm *form
	CommentForm *form
	AdviseForm  *form
	CanComment  bool
}

// requestForms are the forms of a request page; a failed one is passed
// back with its errors.
type requestForms struct{ answer, decline, comment, advise *form }

func (s *server) requestDetail(w http.ResponseWriter, rq *req) {
	s.requestPage(w, rq, http.StatusOK, requestForms{})
}

func (s *server) requestPage(w http.ResponseWriter, rq *req, status int, fs requestForms) {
	ctx, p := rq.Context(), rq.P
	r, err := s.opt.Exposure.Request(ctx, p, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	n := s.orgNames(rq)
	pp := s.people(rq, n)
	d := requestData{R: r, Vendor: n.orgName(r.VendorOrgID), From: n.orgName(r.FromOrgID), RequestedBy: pp.who(r.RequestedBy, r.FromOrgID),
		State: label(rq, requestStateKeys, r.State), StateClass: requestStateClasses[r.State], Overdue: r.Overdue(s.now()),
		Questions: strings.Split(r.Questions, "\n")}
	if v, err := s.opt.Exposure.Vuln(ctx, p, r.VulnID); err == nil {
		d.VulnTitle, d.VulnVisible = v.Title, true
	}
	for _, e := range r.Events {
		d.Events = append(d.Events, eventRow{At: e.At, Kind: label(rq, requestEventKeys, e.Kind), Who: pp.who(e.UserID, e.OrgID), Text: e.Text})
	}
	slices.Reverse(d.Events) // newest first
	target := auth.Target{OrgID: r.VendorOrgID}
	d.CanAnswer = auth.Can(p, auth.ActVendorRequestAnswer, target)
	d.CanManage = auth.Can(p, auth.ActVendorRequestCreate, target)
	d.CanAck = d.CanAnswer && r.State == vuln.RequestRequested
	d.CanDecline = d.CanAnswer && r.State.Open()
	d.CanAnswer = d.CanAnswer && (r.State.Open() || r.State == vuln.RequestAnswered)
	d.CanWithdraw = d.CanManage && r.State.Open()
	d.CanAdvise = d.CanManage && r.State == vuln.RequestAnswered && r.Answer != nil
	d.CanComment = d.CanManage || auth.Can(p, auth.ActVendorRequestAnswer, target)
	d.AnswerForm, d.DeclineForm, d.CommentForm, d.AdviseForm = fs.answer, fs.decline, fs.comment, fs.advise
	if d.AnswerForm == nil {
		v := url.Values{}
		if a := r.Answer; a != nil {
			v = url.Values{"affected_versions": {a.AffectedVersions}, "fixed_versions": {a.FixedVersions}, "fix_timeline": {a.FixTimeline},
				"mitigations": {a.Mitigations}, "advisory_url": {a.AdvisoryURL}, "advisory_text": {a.AdvisoryText}}
		}
		d.AnswerForm = newForm(v)
	}
	for _, f := range []**form{&d.DeclineForm, &d.CommentForm, &d.AdviseForm} {
		if *f == nil {
			*f = newForm(nil)
		}
	}
	rq.here = "/vendor-requests/" + url.PathEscape(r.ID)
	s.render(w, rq, status, "vendor_request", d)
}

// answerRemap maps the answer's field paths to the form's inputs.
var answerRemap = map[string]string{"answer": "fix_timeline", "answer.affected_versions": "affected_versions",
	"answer.fixed_versions": "fixed_versions", "answer.fix_timeline": "fix_timeline", "answer.mitigations": "mitigations",
	"answer.advisory_url": "advisory_url", "answer.advisory_text": "advisory_text"}

func (s *server) requestAct(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	id := rq.PathValue("id")
	f := newForm(rq.PostForm)
	back := "/vendor-requests/" + url.PathEscape(id)
	var fs requestForms
	var a exposure.RequestAction
	var remap map[string]string
	switch action := rq.PathValue("action"); action {
	case "acknowledge", "withdraw":
		a.Kind = action
	case "answer":
		a.Kind, fs.answer, remap = "answer", f, answerRemap
		a.Answer = &vuln.Answer{AffectedVersions: f.Get("affected_versions"), FixedVersions: f.Get("fixed_versions"),
			FixTimeline: f.Get("fix_timeline"), Mitigations: f.Get("mitigations"), AdvisoryURL: strings.TrimSpace(f.Get("advisory_url")),
			AdvisoryText: f.Get("advisory_text")}
	case "decline":
		a.Kind, a.Text, fs.decline, remap = "decline", f.Get("decline_reason"), f, map[string]string{"text": "decline_reason"}
		if len([]rune(a.Text)) > 10000 {
			f.invalid("decline_reason", rq.T("reason.max_chars", 10000))
		}
	case "comment":
		a.Kind, a.Text, fs.comment, remap = "comment", f.Get("comment"), f, map[string]string{"text": "comment"}
		if len([]rune(a.Text)) > 10000 {
			f.invalid("comment", rq.T("reason.max_chars", 10000))
		}
	case "advise":
		fs.advise = f
		if len([]rune(f.Get("advice"))) > 10000 {
			f.invalid("advice", rq.T("reason.max_chars", 10000))
			s.requestPage(w, rq, http.StatusBadRequest, fs)
			return
		}
		notices, err := s.opt.Exposure.Advise(ctx, p, id, f.Get("advice"))
		if err != nil {
			s.actionFailed(w, rq, f, err, nil, fs)
			return
		}
		done := "request_advised"
		if len(notices) == 0 {
			done = "request_advised_none"
		}
		redirect(w, rq, back, done)
		return
	default:
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	if f.Failed() {
		s.requestPage(w, rq, http.StatusBadRequest, fs)
		return
	}
	if _, err := s.opt.Exposure.ActOnRequest(ctx, p, id, a); err != nil {
		s.actionFailed(w, rq, f, err, remap, fs)
		return
	}
	redirect(w, rq, back, map[string]string{"acknowledge": "request_acknowledged", "answer": "request_answered", "decline": "request_declined",
		"withdraw": "request_withdrawn", "comment": "request_commented"}[a.Kind])
}

// actionFailed answers a request action the service refused: the page
// again with the error on the form for bad input; an error page otherwise
// (not allowed, not visible, or not possible in the request's state).
func (s *server) actionFailed(w http.ResponseWriter, rq *req, f *form, err error, remap map[string]string, fs requestForms) {
	ae := apperr.As(err)
	if ae.Code != apperr.CodeInvalid || fs == (requestForms{}) {
		if ae.Code == apperr.CodeConflict && ae.MessageKey == "" {
			// Say why in the user's language ("the request is declined").
			if key, args := reasonKey(ae.Message); key != "" && len(args) == 0 {
				c := *ae
				c.MessageKey = key
				err = &c
			}
		}
		s.errorPage(w, rq, err)
		return
	}
	status := s.apply(rq, f, err, remap)
	s.requestPage(w, rq, status, fs)
}
