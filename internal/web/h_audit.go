package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

type auditRow struct {
	audit.Entry
	Org *org.Organisation
}

type auditData struct {
	Form           *form // filters
	Entries        []auditRow
	Next, First    string
	OutcomeOptions []option
	CanVerify      bool
	VerifyForm     *form
	Verify         *accounts.VerifyResult
}

// auditFilter reads the filter form; dates are whole days in JST, "until"
// inclusive.
func (s *server) auditFilter(rq *req, f *form) (store.AuditFilter, error) {
	flt := store.AuditFilter{Action: strings.TrimSpace(f.Get("action")), ActorID: strings.TrimSpace(f.Get("actor")),
		Outcome: audit.Outcome(f.Get("outcome")), Limit: pageSize}
	if len(flt.Action) > 100 {
		f.invalid("action", rq.T("reason.max_chars", 100))
	}
	if len(flt.ActorID) > 100 {
		f.invalid("actor", rq.T("reason.max_chars", 100))
	}
	switch flt.Outcome {
	case "", audit.OutcomeSuccess, audit.OutcomeDenied, audit.OutcomeFailure:
	default:
		f.invalid("outcome", rq.T("reason.unknown_value"))
	}
	if ref := strings.TrimSpace(f.Get("org")); ref != "" {
		o, err := s.svc.GetOrg(rq.Context(), rq.P, ref)
		switch {
		case err == nil:
			flt.OrgID = o.ID
		case apperr.CodeOf(err) == apperr.CodeNotFound:
			f.invalid("org", rq.T("reason.no_org"))
		default:
			return flt, err
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"since", &flt.Since, 0}, {"until", &flt.Until, 1}} {
		if v := f.Get(d.name); v != "" {
			t, err := time.ParseInLocation("2006-01-02", v, jst)
			if err != nil {
				f.invalid(d.name, rq.T("reason.date"))
				continue
			}
			*d.dst = t.AddDate(0, 0, d.add)
		}
	}
	if a := f.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 1 {
			f.invalid("after", rq.T("reason.unknown_value"))
		}
		flt.After = n
	}
	return flt, nil
}

func (s *server) auditData(rq *req, q url.Values) (*auditData, int, error) {
	f := newForm(q)
	d := &auditData{Form: f, VerifyForm: newForm(nil),
		CanVerify: auth.Can(rq.P, auth.ActAuditVerify, auth.Target{}),
		OutcomeOptions: []option{{Value: "", Label: rq.T("common.any")},
			{Value: string(audit.OutcomeSuccess), Label: rq.T("outcome.success")},
			{Value: string(audit.OutcomeDenied), Label: rq.T("outcome.denied")},
			{Value: string(audit.OutcomeFailure), Label: rq.T("outcome.failure")}}}
	flt, err := s.auditFilter(rq, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Failed() {
		// A non-auditor gets 403, not a form with errors.
		if !auth.Can(rq.P, auth.ActAuditRead, auth.Target{}) {
			return nil, 0, apperr.ErrForbidden
		}
		return d, http.StatusBadRequest, nil
	}
	es, next, err := s.svc.ListAudit(rq.Context(), rq.P, flt)
	if err != nil {
		return nil, 0, err
	}
	memo := s.orgMemo(rq)
	for _, e := range es {
		o, err := memo.get(e.OrgID)
		if err != nil {
			return nil, 0, err
		}
		d.Entries = append(d.Entries, auditRow{Entry: e, Org: o})
	}
	if next != 0 {
		d.Next = pageURL("/audit", q, strconv.FormatInt(next, 10))
	}
	if flt.After != 0 {
		d.First = pageURL("/audit", q, "")
	}
	return d, http.StatusOK, nil
}

func (s *server) auditList(w http.ResponseWriter, rq *req) {
	d, status, err := s.auditData(rq, rq.URL.Query())
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, status, "audit", d)
}

func (s *server) auditVerify(w http.ResponseWriter, rq *req) {
	vf := newForm(rq.PostForm)
	var anchors []audit.Anchor
	if v := strings.TrimSpace(vf.Get("anchor")); v != "" {
		a, err := audit.ParseAnchor(v)
		if err != nil {
			vf.invalid("anchor", rq.T("reason.anchor"))
		}
		anchors = append(anchors, a)
	}
	var res *accounts.VerifyResult
	status := http.StatusBadRequest
	if !vf.Failed() {
		var err error
		if res, err = s.svc.VerifyAudit(rq.Context(), rq.P, anchors); err != nil {
			s.errorPage(w, rq, err)
			return
		}
		status = http.StatusOK
	}
	d, _, err := s.auditData(rq, url.Values{})
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d.VerifyForm, d.Verify = vf, res
	rq.here = "/audit"
	s.render(w, rq, status, "audit", d)
}
