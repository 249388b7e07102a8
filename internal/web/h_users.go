package web

import (
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

// orgMemo resolves organisation ids for display, once per request.
type orgMemo struct {
	s  *server
	rq *req
	m  map[string]*org.Organisation
}

func (s *server) orgMemo(rq *req) *orgMemo {
	return &orgMemo{s: s, rq: rq, m: map[string]*org.Organisation{}}
}

// get returns the organisation with id, or nil if there is none (or none
// the caller may see).
func (m *orgMemo) get(id string) (*org.Organisation, error) {
	if id == "" {
		return nil, nil
	}
	if o, ok := m.m[id]; ok {
		return o, nil
	}
	o, err := m.s.svc.GetOrg(m.rq.Context(), m.rq.P, id)
	if err != nil && apperr.CodeOf(err) != apperr.CodeNotFound {
		return nil, err
	}
	m.m[id] = o
	return o, nil
}

func roleOptions(rq *req, roles []org.Role) []option {
	var os []option
	for _, r := range roles {
		os = append(os, option{Value: string(r), Label: rq.T("role." + string(r)), Desc: rq.T("role." + string(r) + ".desc")})
	}
	return os
}

// grantableRoles lists the roles the caller may give users of o, plus
// those the user already holds (so they show, checked).
func grantableRoles(p *auth.Principal, o *org.Organisation, held []org.Role) []org.Role {
	var out []org.Role
	for _, r := range org.Roles {
		if auth.Can(p, auth.ActUserCreate, auth.Target{OrgID: o.ID, OrgKind: o.Kind, Roles: []org.Role{r}}) || containsRole(held, r) {
			out = append(out, r)
		}
	}
	return out
}

func containsRole(rs []org.Role, r org.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func localeOptions(rq *req) []option {
	return []option{{Value: "", Label: rq.T("locale.auto")}, {Value: "ja", Label: rq.T("lang.ja")}, {Value: "en", Label: rq.T("lang.en")}}
}

func formRoles(f *form) []org.Role {
	roles := []org.Role{}
	for _, r := range f.Values["roles"] {
		roles = append(roles, org.Role(r))
	}
	return roles
}

// ---- list -----------------------------------------------------------------

type userRow struct {
	org.User
	Org *org.Organisation
}

type userListData struct {
	Form        *form
	Users       []userRow
	Org         *org.Organisation // nil when listing every organisation
	AllOrgs     bool
	Next, First string
	RoleOptions []option
	CanCreate   bool
	IsPlatform  bool
}

func (s *server) userList(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	q := rq.URL.Query()
	f := newForm(q)
	d := userListData{Form: f, IsPlatform: p.Has(org.RolePlatformAdmin),
		RoleOptions: append([]option{{Value: "", Label: rq.T("common.any")}}, roleOptions(rq, org.Roles)...)}
	filter := store.UserFilter{Role: org.Role(q.Get("role")), Query: strings.TrimSpace(q.Get("q")), After: q.Get("after"), Limit: pageSize}
	switch ref := strings.TrimSpace(q.Get("org")); ref {
	case "*":
		d.AllOrgs, filter.OrgID = true, "*"
	default:
		if ref == "" {
			ref = p.OrgID()
		}
		o, err := s.svc.GetOrg(ctx, p, ref)
		if err != nil {
			if apperr.CodeOf(err) != apperr.CodeNotFound {
				s.errorPage(w, rq, err)
				return
			}
			f.invalid("org", rq.T("reason.no_org"))
		} else {
			d.Org, filter.OrgID = o, o.ID
			d.CanCreate = auth.Can(p, auth.ActUserCreate, auth.Target{OrgID: o.ID, OrgKind: o.Kind})
		}
	}
	if filter.Role != "" && !filter.Role.Valid() {
		f.invalid("role", rq.T("reason.unknown_value"))
	}
	if f.Failed() {
		s.render(w, rq, http.StatusBadRequest, "users", d)
		return
	}
	users, next, err := s.svc.ListUsers(ctx, p, filter)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	memo := s.orgMemo(rq)
	for _, u := range users {
		row := userRow{User: u}
		if d.AllOrgs {
			if row.Org, err = memo.get(u.OrgID); err != nil {
				s.errorPage(w, rq, err)
				return
			}
		}
		d.Users = append(d.Users, row)
	}
	if next != "" {
		d.Next = pageURL("/users", q, next)
	}
	if filter.After != "" {
		d.First = pageURL("/users", q, "")
	}
	s.render(w, rq, http.StatusOK, "users", d)
}

// ---- create ---------------------------------------------------------------

type userFormData struct {
	Form          *form
	Org           *org.Organisation
	RoleOptions   []option
	LocaleOptions []option
}

// creatableIn returns the organisation named by ref ("" = own) if the
// caller may create users in it.
func (s *server) creatableIn(rq *req, ref string) (*org.Organisation, error) {
	if ref == "" {
		ref = rq.P.OrgID()
	}
	o, err := s.svc.GetOrg(rq.Context(), rq.P, ref)
	if err != nil {
		return nil, err
	}
	if !auth.Can(rq.P, auth.ActUserCreate, auth.Target{OrgID: o.ID, OrgKind: o.Kind}) {
		return nil, apperr.ErrForbidden
	}
	return o, nil
}

func (s *server) userNew(w http.ResponseWriter, rq *req) {
	o, err := s.creatableIn(rq, rq.URL.Query().Get("org"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(url.Values{"org": {o.ID}, "roles": {string(org.RoleViewer)}})
	s.render(w, rq, http.StatusOK, "user_new", userFormData{Form: f, Org: o,
		RoleOptions: roleOptions(rq, grantableRoles(rq.P, o, nil)), LocaleOptions: localeOptions(rq)})
}

func (s *server) userCreate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	o, err := s.creatableIn(rq, f.Get("org"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	u := &org.User{OrgID: o.ID, Email: strings.TrimSpace(f.Get("email")), DisplayName: strings.TrimSpace(f.Get("display_name")),
		Roles: formRoles(f), Locale: f.Get("locale")}
	if err := s.svc.CreateUser(rq.Context(), rq.P, u, f.Get("password")); err != nil {
		status := s.apply(rq, f, err, map[string]string{"org_id": "org"})
		rq.here = "/users/new?org=" + url.QueryEscape(o.Slug)
		s.render(w, rq, status, "user_new", userFormData{Form: f, Org: o,
			RoleOptions: roleOptions(rq, grantableRoles(rq.P, o, nil)), LocaleOptions: localeOptions(rq)})
		return
	}
	redirect(w, rq, "/users/"+u.ID, "user_created")
}

// ---- detail, edit, password reset -----------------------------------------

type tokenRow struct {
	org.Token
	Status    string // catalogue key
	Class     string // CSS class of the status badge
	CanRevoke bool
}

func tokenRows(p *auth.Principal, ts []org.Token) []tokenRow {
	now := time.Now()
	rows := make([]tokenRow, len(ts))
	for i, t := range ts {
		st, class := "tokens.status.active", "ok"
		switch {
		case t.RevokedAt != nil:
			st, class = "tokens.status.revoked", "off"
		case !t.Active(now):
			st, class = "tokens.status.expired", "off"
		}
		rows[i] = tokenRow{Token: t, Status: st, Class: class,
			CanRevoke: t.RevokedAt == nil && auth.Can(p, auth.ActTokenRevoke, auth.Target{OrgID: t.OrgID, UserID: t.UserID})}
	}
	return rows
}

type userDetailData struct {
	U             *org.User
	Org           *org.Organisation
	Self          bool
	CanUpdate     bool
	Form          *form // display name, roles, disabled
	PwForm        *form // password reset
	RoleOptions   []option
	Tokens        []tokenRow
	TokensVisible bool
}

func (s *server) userDetailData(rq *req, u *org.User, f, pw *form) (*userDetailData, error) {
	ctx, p := rq.Context(), rq.P
	o, err := s.svc.GetOrg(ctx, p, u.OrgID)
	if err != nil {
		return nil, err
	}
	d := &userDetailData{U: u, Org: o, Self: p.User.ID == u.ID, Form: f, PwForm: pw,
		CanUpdate:   auth.Can(p, auth.ActUserUpdate, auth.Target{OrgID: o.ID, OrgKind: o.Kind, UserID: u.ID, UserRoles: u.Roles}),
		RoleOptions: roleOptions(rq, grantableRoles(p, o, u.Roles))}
	if d.Form == nil {
		v := url.Values{"display_name": {u.DisplayName}}
		for _, r := range u.Roles {
			v.Add("roles", string(r))
		}
		if u.Disabled {
			v.Set("disabled", "1")
		}
		d.Form = newForm(v)
	}
	if d.PwForm == nil {
		d.PwForm = newForm(nil)
	}
	if auth.Can(p, auth.ActTokenList, auth.Target{OrgID: u.OrgID, UserID: u.ID}) {
		ts, err := s.svc.ListTokens(ctx, p, u.ID)
		if err != nil {
			return nil, err
		}
		d.Tokens, d.TokensVisible = tokenRows(p, ts), true
	}
	return d, nil
}

func (s *server) userDetail(w http.ResponseWriter, rq *req) {
	u, err := s.svc.GetUser(rq.Context(), rq.P, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	d, err := s.userDetailData(rq, u, nil, nil)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "user", d)
}

func (s *server) userUpdate(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	u, err := s.svc.GetUser(ctx, p, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	name, roles, disabled := strings.TrimSpace(f.Get("display_name")), formRoles(f), f.Get("disabled") == "1"
	updated, err := s.svc.UpdateUser(ctx, p, u.ID, accounts.UserPatch{DisplayName: &name, Roles: &roles, Disabled: &disabled})
	if err == nil {
		redirect(w, rq, "/users/"+updated.ID, "user_saved")
		return
	}
	status := s.apply(rq, f, err, nil)
	d, derr := s.userDetailData(rq, u, f, nil)
	if derr != nil {
		s.errorPage(w, rq, derr)
		return
	}
	rq.here = "/users/" + u.ID
	s.render(w, rq, status, "user", d)
}

func (s *server) userResetPassword(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	u, err := s.svc.GetUser(ctx, p, rq.PathValue("id"))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	f := newForm(rq.PostForm)
	status := http.StatusBadRequest
	pw := f.Get("password")
	switch {
	case u.ID == p.User.ID:
		// One's own password changes on the account page, with the current one.
		f.Error = rq.T("user.reset_self")
	case pw != f.Get("password_confirm"):
		f.invalid("password_confirm", rq.T("reason.password_mismatch"))
	default:
		if _, err := s.svc.UpdateUser(ctx, p, u.ID, accounts.UserPatch{Password: &pw}); err == nil {
			redirect(w, rq, "/users/"+u.ID, "password_reset")
			return
		} else {
			status = s.apply(rq, f, err, nil)
		}
	}
	d, derr := s.userDetailData(rq, u, nil, f)
	if derr != nil {
		s.errorPage(w, rq, derr)
		return
	}
	rq.here = "/users/" + u.ID
	s.render(w, rq, status, "user", d)
}
