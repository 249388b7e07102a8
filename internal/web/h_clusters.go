package web

// Correlation clusters (issue #7, docs/correlation.md): candidate
// campaigns for government analysts. The list shows each cluster's
// strength as a bar (server-side SVG: the pages carry no script); a
// cluster's page shows its evidence, the organisations involved (the
// government only: the correlation service refuses everyone else), the
// timeline, a status form and the link to draft an alert from it.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
)

func init() {
	doneMessages["cluster_updated"] = "cl.done.updated"
}

// clusterRoutes registers correlation cluster pages (issue #7).
func (s *server) clusterRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	mux.Handle("GET /clusters", s.user(s.clusterList))
	mux.Handle("GET /clusters/{id}", s.user(s.clusterDetail))
	mux.Handle("POST /clusters/{id}", s.user(s.clusterUpdate))
}

// clusterNav adds this file's sections to the navigation: government
// users only.
func (s *server) clusterNav(rq *req, items []navItem) []navItem {
	if s.opt.Correlate == nil || len(items) < 2 || rq.P == nil || !auth.Can(rq.P, auth.ActClusterRead, auth.Target{}) {
		return items
	}
	return insertNav(rq, items, navItem{Path: "/clusters", Label: "cl.nav"})
}

// strengthBar is the width and class of a strength bar.
type strengthBar struct {
	Value int
	Class string // low | mid | high
}

func barOf(v int) strengthBar {
	b := strengthBar{Value: max(0, min(100, v)), Class: "low"}
	switch {
	case v >= 70:
		b.Class = "high"
	case v >= 40:
		b.Class = "mid"
	}
	return b
}

type clusterRow struct {
	correlate.Cluster
	Bar         strengthBar
	StatusLabel string
	StatusClass string
}

var clusterStatusKeys = map[string]string{"open": "cl.status.open", "confirmed": "cl.status.confirmed", "dismissed": "cl.status.dismissed",
	"merged": "cl.status.merged"}

var clusterStatusClasses = map[string]string{"open": "badge pending", "confirmed": "badge denied", "dismissed": "badge off", "merged": "badge off"}

func clusterRowOf(rq *req, c correlate.Cluster) clusterRow {
	return clusterRow{Cluster: c, Bar: barOf(c.Strength), StatusLabel: rq.T(clusterStatusKeys[c.Status]), StatusClass: clusterStatusClasses[c.Status]}
}

func (s *server) statusOptions(rq *req, any bool, merged bool) []option {
	var os []option
	if any {
		os = append(os, option{Value: "", Label: rq.T("cl.status.any")})
	}
	sts := append([]string{}, correlate.Statuses...)
	if merged {
		sts = append(sts, "merged")
	}
	for _, st := range sts {
		os = append(os, option{Value: st, Label: rq.T(clusterStatusKeys[st])})
	}
	return os
}

type clusterListData struct {
	Form          *form
	Rows          []clusterRow
	StatusOptions []option
}

func (s *server) clusterList(w http.ResponseWriter, rq *req) {
	if s.opt.Correlate == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	q := rq.URL.Query()
	f := newForm(q)
	d := clusterListData{Form: f, StatusOptions: s.statusOptions(rq, true, true)}
	cq := correlate.Query{Status: q.Get("status"), Limit: 500}
	if v := strings.TrimSpace(q.Get("min_strength")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			f.invalid("min_strength", rq.T("cl.reason.strength"))
		}
		cq.MinStrength = n
	}
	if v := strings.TrimSpace(q.Get("since")); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, jst)
		if err != nil {
			f.invalid("since", rq.T("reason.date"))
		}
		cq.Since = t.UTC()
	}
	if cq.Status != "" && cq.Status != "merged" && !contains(correlate.Statuses, cq.Status) {
		f.invalid("status", rq.T("reason.unknown_value"))
	}
	if f.Failed() {
		// Even a bad filter is answered only to those who may list.
		if _, err := s.opt.Correlate.List(rq.Context(), rq.P, correlate.Query{Limit: 1}); err != nil {
			s.errorPage(w, rq, err)
			return
		}
		s.render(w, rq, http.StatusBadRequest, "clusters", d)
		return
	}
	cs, err := s.opt.Correlate.List(rq.Context(), rq.P, cq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	for _, c := range cs {
		d.Rows = append(d.Rows, clusterRowOf(rq, c))
	}
	s.render(w, rq, http.StatusOK, "clusters", d)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

type clusterData struct {
	clusterRow
	D             *correlate.Detail
	Orgs          []clusterOrgRow
	Form          *form
	StatusOptions []option
	CanWrite      bool
	AlertURL      string
}

type clusterOrgRow struct {
	correlate.InvolvedOrg
	Name, SectorName string
}

func (s *server) clusterDetail(w http.ResponseWriter, rq *req) {
	s.clusterPage(w, rq, http.StatusOK, nil)
}

func (s *server) clusterPage(w http.ResponseWriter, rq *req, status int, f *form) {
	if s.opt.Correlate == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	d, err := s.opt.Correlate.Get(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	cd := clusterData{clusterRow: clusterRowOf(rq, d.Cluster), D: d, StatusOptions: s.statusOptions(rq, false, false),
		CanWrite: auth.Can(rq.P, auth.ActClusterWrite, auth.Target{}) && d.Status != "merged",
		AlertURL: "/alerts/new?cluster=" + url.QueryEscape(d.ID)}
	for _, o := range d.Involved {
		sec := rq.T("sector.none")
		if o.Sector != "" {
			sec = rq.T("sector." + o.Sector)
		}
		cd.Orgs = append(cd.Orgs, clusterOrgRow{InvolvedOrg: o, Name: o.Name.In(rq.lang), SectorName: sec})
	}
	if f == nil {
		f = newForm(url.Values{"status": {d.Status}, "title": {d.Title}, "note": {d.Note}})
	}
	cd.Form = f
	rq.here = "/clusters/" + url.PathEscape(d.ID)
	s.render(w, rq, status, "cluster", cd)
}

func (s *server) clusterUpdate(w http.ResponseWriter, rq *req) {
	if s.opt.Correlate == nil {
		s.errorPage(w, rq, apperr.ErrNotFound)
		return
	}
	f := newForm(rq.PostForm)
	f.Labels = map[string]string{"title": "cl.field.title", "note": "cl.field.note"}
	st, title, note := f.Get("status"), f.Get("title"), f.Get("note")
	u := correlate.Update{Status: &st, Title: &title, Note: &note}
	c, err := s.opt.Correlate.Change(rq.Context(), rq.P, rq.PathValue("id"), u)
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.CodeInvalid, apperr.CodeConflict:
			s.clusterPage(w, rq, s.apply(rq, f, err, nil), f)
		default:
			s.errorPage(w, rq, err)
		}
		return
	}
	redirect(w, rq, "/clusters/"+url.PathEscape(c.ID), "cluster_updated")
}
