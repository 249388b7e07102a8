package web

import (
	"net/http"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/org"
)

type homeData struct {
	User           *org.User
	Org            *org.Organisation
	Members        int
	MembersVisible bool
	ActiveTokens   int
	Suppliers      int
	Customers      int
	CanEditOrg     bool
	CanCreateOrg   bool
	CanCreateUser  bool
	CanAudit       bool
}

func (s *server) home(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	d := homeData{User: p.User}
	o, err := s.svc.GetOrg(ctx, p, p.User.OrgID)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d.Org = o
	own := auth.Target{OrgID: o.ID, OrgKind: o.Kind}
	d.CanEditOrg = auth.Can(p, auth.ActOrgUpdate, own)
	d.CanCreateOrg = auth.Can(p, auth.ActOrgCreate, auth.Target{})
	d.CanCreateUser = auth.Can(p, auth.ActUserCreate, own)
	d.CanAudit = auth.Can(p, auth.ActAuditRead, auth.Target{})
	if auth.Can(p, auth.ActUserList, own) {
		if d.Members, err = s.svc.CountMembers(ctx, p, o.ID); err != nil {
			s.errorPage(w, rq, err)
			return
		}
		d.MembersVisible = true
	}
	tokens, err := s.svc.ListTokens(ctx, p, "")
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	now := time.Now()
	for i := range tokens {
		if tokens[i].Active(now) {
			d.ActiveTokens++
		}
	}
	links, err := s.svc.ListLinks(ctx, p, o.ID)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	for _, l := range links {
		if l.CustomerID == o.ID {
			d.Suppliers++
		} else {
			d.Customers++
		}
	}
	s.render(w, rq, http.StatusOK, "home", d)
}
