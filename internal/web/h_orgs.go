package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

const pageSize = 50

func kindOptions(rq *req, withAny bool) []option {
	var os []option
	if withAny {
		os = append(os, option{Value: "", Label: rq.T("common.any")})
	}
	for _, k := range org.Kinds {
		os = append(os, option{Value: string(k), Label: rq.T("kind." + string(k))})
	}
	return os
}

func sectorOptions(rq *req, withAny bool) []option {
	var os []option
	if withAny {
		os = append(os, option{Value: "", Label: rq.T("common.any")})
	} else {
		os = append(os, option{Value: "", Label: rq.T("sector.none")})
	}
	for _, s := range org.Sectors {
		os = append(os, option{Value: string(s), Label: rq.T("sector." + string(s))})
	}
	return os
}

// ---- directory ------------------------------------------------------------

type orgListData struct {
	Form          *form
	Orgs          []org.Organisation
	Next, First   string
	KindOptions   []option
	SectorOptions []option
	CanCreate     bool
}

func (s *server) orgList(w http.ResponseWriter, rq *req) {
	q := rq.URL.Query()
	f := newForm(q)
	d := orgListData{Form: f, KindOptions: kindOptions(rq, true), SectorOptions: sectorOptions(rq, true),
		CanCreate: auth.Can(rq.P, auth.ActOrgCreate, auth.Target{})}
	filter := store.OrgFilter{Kind: org.Kind(q.Get("kind")), Sector: org.Sector(q.Get("sector")),
		Query: strings.TrimSpace(q.Get("q")), After: q.Get("after"), Limit: pageSize}
	if filter.Kind != "" && !filter.Kind.Valid() {
		f.invalid("kind", rq.T("reason.unknown_value"))
	}
	if !filter.Sector.Valid() {
		f.invalid("sector", rq.T("reason.unknown_value"))
	}
	if len([]rune(filter.Query)) > 200 {
		f.invalid("q", rq.T("reason.max_chars", 200))
	}
	if f.Failed() {
		s.render(w, rq, http.StatusBadRequest, "orgs", d)
		return
	}
	orgs, next, err := s.svc.ListOrgs(rq.Context(), rq.P, filter)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d.Orgs = orgs
	if next != "" {
		d.Next = pageURL("/orgs", q, next)
	}
	if filter.After != "" {
		d.First = pageURL("/orgs", q, "")
	}
	s.render(w, rq, http.StatusOK, "orgs", d)
}

// ---- detail and supply-chain links ----------------------------------------

type linkView struct {
	Other       *org.Organisation // nil if it cannot be read
	OtherID     string
	Description string
	CreatedAt   time.Time
	SupplierID  string
	CustomerID  string
	CanRemove   bool
	Pending     bool // proposed by one side, not yet confirmed by the other
	CanConfirm  bool // the viewer may confirm it (an admin of the other side)
}

type orgDetailData struct {
	Org              *org.Organisation
	ContactVisible   bool
	Suppliers        []linkView // organisations that supply this one
	Customers        []linkView // organisations this one supplies
	CanEdit          bool
	CanManageLinks   bool
	CanListUsers     bool
	CanCreateUser    bool
	Members          []org.User
	MoreMembers      bool
	LinkForm         *form
	DirectionOptions []option
	Partners         []org.Organisation // suggestions for the partner input
}

func (s *server) orgDetail(w http.ResponseWriter, rq *req) {
	o, err := s.svc.GetOrg(rq.Context(), rq.P, rq.PathValue("ref"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d, err := s.orgDetailData(rq, o, newForm(url.Values{"direction": {string(org.LinkSupplierOf)}}))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "org", d)
}

func (s *server) orgDetailData(rq *req, o *org.Organisation, linkForm *form) (*orgDetailData, error) {
	ctx, p := rq.Context(), rq.P
	t := auth.Target{OrgID: o.ID, OrgKind: o.Kind}
	d := &orgDetailData{Org: o, LinkForm: linkForm,
		CanEdit:        auth.Can(p, auth.ActOrgUpdate, t),
		CanManageLinks: auth.Can(p, auth.ActLinkManage, t),
		CanListUsers:   auth.Can(p, auth.ActUserList, t),
		CanCreateUser:  auth.Can(p, auth.ActUserCreate, t),
		DirectionOptions: []option{
			{Value: string(org.LinkSupplierOf), Label: rq.T("org.link_dir.supplier_of", o.Name.In(rq.lang))},
			{Value: string(org.LinkCustomerOf), Label: rq.T("org.link_dir.customer_of", o.Name.In(rq.lang))},
		}}
	var err error
	if d.ContactVisible, err = s.svc.CanSeeContact(ctx, p, o); err != nil {
		return nil, err
	}
	links, err := s.svc.ListLinks(ctx, p, o.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		v := linkView{Description: l.Description, CreatedAt: l.CreatedAt, SupplierID: l.SupplierID, CustomerID: l.CustomerID,
			CanRemove: auth.Can(p, auth.ActLinkManage, auth.Target{OrgID: l.SupplierID}) ||
				auth.Can(p, auth.ActLinkManage, auth.Target{OrgID: l.CustomerID})}
		v.Pending = !l.Confirmed()
		if v.Pending && v.CanRemove {
			// The proposing side waits; the other side (or a platform admin) confirms.
			v.CanConfirm = p.Has(org.RolePlatformAdmin) || l.RequestedBy != p.OrgID()
		}
		v.OtherID = l.SupplierID
		if l.SupplierID == o.ID {
			v.OtherID = l.CustomerID
		}
		other, err := s.svc.GetOrg(ctx, p, v.OtherID)
		switch {
		case err == nil:
			v.Other = other
		case apperr.CodeOf(err) != apperr.CodeNotFound:
			return nil, err
		}
		if l.SupplierID == o.ID {
			d.Customers = append(d.Customers, v)
		} else {
			d.Suppliers = append(d.Suppliers, v)
		}
	}
	if d.CanListUsers {
		users, next, err := s.svc.ListUsers(ctx, p, store.UserFilter{OrgID: o.ID, Limit: 20})
		if err != nil {
			return nil, err
		}
		d.Members, d.MoreMembers = users, next != ""
	}
	if d.CanManageLinks {
		all, _, err := s.svc.ListOrgs(ctx, p, store.OrgFilter{Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, x := range all {
			if x.ID != o.ID {
				d.Partners = append(d.Partners, x)
			}
		}
	}
	return d, nil
}

func (s *server) linkAdd(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	o, err := s.svc.GetOrg(ctx, p, rq.PathValue("ref"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	status := http.StatusBadRequest
	partnerRef := strings.TrimSpace(f.Get("partner"))
	var partner *org.Organisation
	if partnerRef == "" {
		f.invalid("partner", rq.T("reason.required"))
	} else if partner, err = s.svc.GetOrg(ctx, p, partnerRef); err != nil {
		if apperr.CodeOf(err) != apperr.CodeNotFound {
			s.errorPage(w, rq, err)
			return
		}
		f.invalid("partner", rq.T("reason.no_org"))
	}
	dir := org.LinkKind(f.Get("direction"))
	if dir != org.LinkSupplierOf && dir != org.LinkCustomerOf {
		f.invalid("direction", rq.T("reason.unknown_value"))
	}
	if !f.Failed() {
		l := org.Link{SupplierID: o.ID, CustomerID: partner.ID, Description: strings.TrimSpace(f.Get("description"))}
		if dir == org.LinkCustomerOf {
			l.SupplierID, l.CustomerID = partner.ID, o.ID
		}
		if err := s.svc.AddLink(ctx, p, &l); err != nil {
			status = s.apply(rq, f, err, map[string]string{"supplier_id": "partner", "customer_id": "partner"})
		} else {
			done := "link_added"
			if !l.Confirmed() {
				done = "link_proposed"
			}
			redirect(w, rq, "/orgs/"+o.Slug, done)
			return
		}
	}
	d, err := s.orgDetailData(rq, o, f)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rq.here = "/orgs/" + o.Slug
	s.render(w, rq, status, "org", d)
}

// linkAction returns the handler of a form that acts on one supply-chain
// link of the organisation in the path (remove, confirm), then redirects to
// its page with the done message.
func (s *server) linkAction(act func(ctx context.Context, p *auth.Principal, supplierID, customerID string) error, done string) func(http.ResponseWriter, *req) {
	return func(w http.ResponseWriter, rq *req) {
		ctx, p := rq.Context(), rq.P
		o, err := s.svc.GetOrg(ctx, p, rq.PathValue("ref"))
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		sup, cus := rq.PostForm.Get("supplier"), rq.PostForm.Get("customer")
		if sup != o.ID && cus != o.ID {
			s.errorPage(w, rq, apperr.NotFound("supply-chain link", sup+">"+cus))
			return
		}
		if err := act(ctx, p, sup, cus); err != nil {
			s.errorPage(w, rq, err)
			return
		}
		redirect(w, rq, "/orgs/"+o.Slug, done)
	}
}

// ---- create and edit ------------------------------------------------------

type orgFormData struct {
	Form          *form
	New           bool
	Org           *org.Organisation // the organisation edited (nil when new)
	AdminFields   bool              // slug, kind and sector may be changed
	Action        string
	KindOptions   []option
	SectorOptions []option
}

func orgValues(o *org.Organisation) url.Values {
	return url.Values{
		"slug": {o.Slug}, "kind": {string(o.Kind)}, "sector": {string(o.Sector)},
		"name.ja": {o.Name.JA}, "name.en": {o.Name.EN},
		"emergency_contact.name": {o.Contact.Name}, "emergency_contact.phone": {o.Contact.Phone},
		"emergency_contact.email": {o.Contact.Email}, "emergency_contact.hours": {o.Contact.Hours},
	}
}

// orgForm reads the organisation form, trimming surrounding spaces.
func orgForm(v url.Values) (*form, org.Names, org.Contact) {
	for k, vs := range v {
		for i := range vs {
			vs[i] = strings.TrimSpace(vs[i])
		}
		v[k] = vs
	}
	f := newForm(v)
	return f, org.Names{JA: f.Get("name.ja"), EN: f.Get("name.en")}, org.Contact{
		Name: f.Get("emergency_contact.name"), Phone: f.Get("emergency_contact.phone"),
		Email: f.Get("emergency_contact.email"), Hours: f.Get("emergency_contact.hours")}
}

func (s *server) orgNew(w http.ResponseWriter, rq *req) {
	if !auth.Can(rq.P, auth.ActOrgCreate, auth.Target{}) {
		s.errorPage(w, rq, apperr.ErrForbidden)
		return
	}
	f := newForm(url.Values{"kind": {string(org.KindOperator)}, "emergency_contact.hours": {"24/7"}})
	s.render(w, rq, http.StatusOK, "org_form", s.orgFormData(rq, f, nil))
}

func (s *server) orgFormData(rq *req, f *form, o *org.Organisation) orgFormData {
	d := orgFormData{Form: f, New: o == nil, Org: o, Action: "/orgs",
		KindOptions: kindOptions(rq, false), SectorOptions: sectorOptions(rq, false)}
	if o != nil {
		d.Action = "/orgs/" + o.Slug + "/edit"
		d.AdminFields = auth.Can(rq.P, auth.ActOrgAdminister, auth.Target{OrgID: o.ID, OrgKind: o.Kind})
	} else {
		d.AdminFields = true
	}
	return d
}

func (s *server) orgCreate(w http.ResponseWriter, rq *req) {
	f, names, contact := orgForm(rq.PostForm)
	o := &org.Organisation{Slug: f.Get("slug"), Kind: org.Kind(f.Get("kind")), Sector: org.Sector(f.Get("sector")),
		Name: names, Contact: contact}
	if err := s.svc.CreateOrg(rq.Context(), rq.P, o); err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			s.errorPage(w, rq, err)
			return
		}
		status := s.apply(rq, f, err, nil)
		rq.here = "/orgs/new"
		s.render(w, rq, status, "org_form", s.orgFormData(rq, f, nil))
		return
	}
	redirect(w, rq, "/orgs/"+o.Slug, "org_created")
}

func (s *server) orgEdit(w http.ResponseWriter, rq *req) {
	o, err := s.editableOrg(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "org_form", s.orgFormData(rq, newForm(orgValues(o)), o))
}

// editableOrg returns the organisation of the request path if the caller
// may edit it (a 403 otherwise, for a readable organisation).
func (s *server) editableOrg(rq *req) (*org.Organisation, error) {
	o, err := s.svc.GetOrg(rq.Context(), rq.P, rq.PathValue("ref"))
	if err != nil {
		return nil, err
	}
	if !auth.Can(rq.P, auth.ActOrgUpdate, auth.Target{OrgID: o.ID, OrgKind: o.Kind}) {
		return nil, apperr.ErrForbidden
	}
	return o, nil
}

func (s *server) orgUpdate(w http.ResponseWriter, rq *req) {
	o, err := s.editableOrg(rq)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f, names, contact := orgForm(rq.PostForm)
	d := s.orgFormData(rq, f, o)
	patch := accounts.OrgPatch{Name: &names, Contact: &contact}
	if d.AdminFields {
		slug, kind, sector := f.Get("slug"), org.Kind(f.Get("kind")), org.Sector(f.Get("sector"))
		patch.Slug, patch.Kind, patch.Sector = &slug, &kind, &sector
	} else {
		// Shown read-only; keep what is stored whatever was posted.
		f.Values.Set("slug", o.Slug)
		f.Values.Set("kind", string(o.Kind))
		f.Values.Set("sector", string(o.Sector))
	}
	updated, err := s.svc.UpdateOrg(rq.Context(), rq.P, o.ID, patch)
	if err != nil {
		status := s.apply(rq, f, err, nil)
		rq.here = "/orgs/" + o.Slug + "/edit"
		s.render(w, rq, status, "org_form", d)
		return
	}
	redirect(w, rq, "/orgs/"+updated.Slug, "org_saved")
}
