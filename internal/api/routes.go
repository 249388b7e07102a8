package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// route is one API operation: it builds the mux entry and its OpenAPI entry.
type route struct {
	Method, Path string
	ID           string // operationId
	Summary      string
	Tag          string
	Scope        org.Scope // token scope needed ("" for public)
	Public       bool
	Query        []param
	Body         string // request schema name in components, "" for none
	BodyOptional bool
	Status       int    // success status
	Resp         string // response schema name, "" for no body
	// BodyTypes are request media types with their schema names, for
	// bodies read as they are rather than decoded strictly into Body (an
	// "application/json" entry stands in for Body).
	BodyTypes map[string]string
	// Also are further success statuses with their response schema names.
	Also map[int]string
	// Raw routes answer with files in their own media types (exports,
	// the compiled set): any Accept header is taken.
	Raw bool
	// Produces is a Raw route's media type when it has one
	// (text/event-stream), for the OpenAPI description.
	Produces string
	h        func(*call) (int, any, error)
}

type param struct {
	Name, Type, Desc string
	Enum             []string
}

// call is one request being served.
type call struct {
	api *API
	w   http.ResponseWriter
	r   *http.Request
	p   *auth.Principal
}

var pageParams = []param{
	{Name: "limit", Type: "integer", Desc: "page size, 1 to 1000 (default 50)"},
	{Name: "cursor", Type: "string", Desc: "next_cursor from the previous page"},
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func (a *API) table() []route {
	sectors := append([]string{""}, strs(org.Sectors)...)
	return append([]route{
		{Method: "GET", Path: "/api/v1/openapi.json", ID: "getOpenAPI", Tag: "meta", Public: true, Status: 200, Resp: "OpenAPIDocument",
			Summary: "This OpenAPI 3.1 description", h: a.getOpenAPI},
		{Method: "GET", Path: "/api/v1/meta", ID: "getMeta", Tag: "meta", Scope: org.ScopeRead, Status: 200, Resp: "Meta",
			Summary: "Enumerations: organisation kinds, sectors, roles, token scopes", h: a.getMeta},
		{Method: "GET", Path: "/api/v1/me", ID: "getMe", Tag: "accounts", Scope: org.ScopeRead, Status: 200, Resp: "Me",
			Summary: "The authenticated user, their organisation and the token in use", h: a.getMe},

		{Method: "GET", Path: "/api/v1/orgs", ID: "listOrgs", Tag: "organisations", Scope: org.ScopeRead, Status: 200, Resp: "OrganisationPage",
			Summary: "The directory of organisations (emergency contacts only where visible)",
			Query: append([]param{{Name: "kind", Type: "string", Enum: strs(org.Kinds)}, {Name: "sector", Type: "string", Enum: sectors},
				{Name: "q", Type: "string", Desc: "substring of slug or names"}}, pageParams...), h: a.listOrgs},
		{Method: "POST", Path: "/api/v1/orgs", ID: "createOrg", Tag: "organisations", Scope: org.ScopeAdmin, Body: "OrganisationInput", Status: 201, Resp: "Organisation",
			Summary: "Create an organisation (platform administrators)", h: a.createOrg},
		{Method: "GET", Path: "/api/v1/orgs/{ref}", ID: "getOrg", Tag: "organisations", Scope: org.ScopeRead, Status: 200, Resp: "Organisation",
			Summary: "One organisation by id or slug", h: a.getOrg},
		{Method: "PATCH", Path: "/api/v1/orgs/{ref}", ID: "updateOrg", Tag: "organisations", Scope: org.ScopeAdmin, Body: "OrganisationPatch", Status: 200, Resp: "Organisation",
			Summary: "Change an organisation (names and contact: its administrators; slug, kind, sector: platform administrators)", h: a.updateOrg},
		{Method: "GET", Path: "/api/v1/orgs/{ref}/links", ID: "listLinks", Tag: "organisations", Scope: org.ScopeRead, Status: 200, Resp: "LinkList",
			Summary: "Supply-chain links in which the organisation is supplier or customer", h: a.listLinks},
		{Method: "POST", Path: "/api/v1/orgs/{ref}/links", ID: "addLink", Tag: "organisations", Scope: org.ScopeAdmin, Body: "LinkInput", Status: 201, Resp: "Link",
			Summary: "Add a supply-chain link: give customer_id (this organisation supplies it) or supplier_id (it supplies this organisation)", h: a.addLink},
		{Method: "POST", Path: "/api/v1/orgs/{ref}/links/{customer}/confirm", ID: "confirmLink", Tag: "organisations", Scope: org.ScopeAdmin, Status: 200, Resp: "Link",
			Summary: "Confirm the pending link in which {ref} supplies {customer} (an administrator of the end that did not propose it)", h: a.confirmLink},
		{Method: "DELETE", Path: "/api/v1/orgs/{ref}/links/{customer}", ID: "removeLink", Tag: "organisations", Scope: org.ScopeAdmin, Status: 204,
			Summary: "Remove the link in which {ref} supplies {customer}", h: a.removeLink},

		{Method: "GET", Path: "/api/v1/users", ID: "listUsers", Tag: "users", Scope: org.ScopeRead, Status: 200, Resp: "UserPage",
			Summary: "Users of an organisation (default: your own; platform administrators may pass org=*)",
			Query: append([]param{{Name: "org", Type: "string", Desc: "organisation id or slug, or * for all"}, {Name: "role", Type: "string", Enum: strs(org.Roles)},
				{Name: "q", Type: "string", Desc: "substring of email or display name"}}, pageParams...), h: a.listUsers},
		{Method: "POST", Path: "/api/v1/users", ID: "createUser", Tag: "users", Scope: org.ScopeAdmin, Body: "UserInput", Status: 201, Resp: "User",
			Summary: "Create a user (organisation administrators)", h: a.createUser},
		{Method: "GET", Path: "/api/v1/users/{ref}", ID: "getUser", Tag: "users", Scope: org.ScopeRead, Status: 200, Resp: "User",
			Summary: "One user by id or email", h: a.getUser},
		{Method: "PATCH", Path: "/api/v1/users/{ref}", ID: "updateUser", Tag: "users", Scope: org.ScopeAdmin, Body: "UserPatch", Status: 200, Resp: "User",
			Summary: "Change a user (roles and disabling: administrators; a password change of one's own account needs current_password)", h: a.updateUser},
		{Method: "GET", Path: "/api/v1/users/{ref}/tokens", ID: "listUserTokens", Tag: "tokens", Scope: org.ScopeRead, Status: 200, Resp: "TokenList",
			Summary: "API tokens of a user (the user and their organisation's administrators)", h: a.listUserTokens},

		{Method: "GET", Path: "/api/v1/tokens", ID: "listTokens", Tag: "tokens", Scope: org.ScopeRead, Status: 200, Resp: "TokenList",
			Summary: "Your API tokens", h: a.listTokens},
		{Method: "POST", Path: "/api/v1/tokens", ID: "createToken", Tag: "tokens", Scope: org.ScopeAdmin, Body: "TokenInput", Status: 201, Resp: "NewToken",
			Summary: "Create an API token for yourself; the secret is in `token` and is shown only this once", h: a.createToken},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", ID: "revokeToken", Tag: "tokens", Scope: org.ScopeAdmin, Status: 200, Resp: "Token",
			Summary: "Revoke an API token", h: a.revokeToken},

		{Method: "GET", Path: "/api/v1/audit", ID: "listAudit", Tag: "audit", Scope: org.ScopeAudit, Status: 200, Resp: "AuditPage",
			Summary: "The audit trail, newest first (auditors of the oversight commission; the read is itself audited)",
			Query: append([]param{{Name: "action", Type: "string", Desc: "exact action, or a prefix ending in '.' such as user."},
				{Name: "actor", Type: "string", Desc: "user id"}, {Name: "org", Type: "string", Desc: "organisation id of the actor"},
				{Name: "object", Type: "string", Desc: "object id"}, {Name: "outcome", Type: "string", Enum: []string{"success", "denied", "failure"}},
				{Name: "since", Type: "string", Desc: "RFC 3339 time, inclusive"}, {Name: "until", Type: "string", Desc: "RFC 3339 time, exclusive"}}, pageParams...),
			h: a.listAudit},
		{Method: "POST", Path: "/api/v1/audit/verify", ID: "verifyAudit", Tag: "audit", Scope: org.ScopeAudit, Body: "VerifyInput", BodyOptional: true, Status: 200, Resp: "VerifyResult",
			Summary: "Verify the whole hash chain, optionally against anchors recorded earlier", h: a.verifyAudit},
	}, append(append(append(append(append(append(append(append(a.intelRoutes(), a.exposureRoutes()...), a.reportingRoutes()...), a.defenseRoutes()...),
		a.pushRoutes()...), a.clusterRoutes()...), a.alertRoutes()...), a.weatherRoutes()...), a.statsRoutes()...)...)
}

// ---- helpers ---------------------------------------------------------------

func (c *call) decode(dst any) error { return decode(c.r, c.api.opt.MaxBodyBytes, dst) }

// limit reads ?limit= (1..1000, default def).
func (c *call) limit(def int) (int, error) {
	s := c.r.URL.Query().Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, apperr.Invalid("limit", "must be a whole number from 1 to 1000")
	}
	return n, nil
}

// paging reads ?limit= (1..1000, default 50) and the opaque ?cursor=,
// returning the decoded keyset position ("" for the first page).
func (c *call) paging() (int, string, error) {
	limit, err := c.limit(50)
	if err != nil {
		return 0, "", err
	}
	s := c.r.URL.Query().Get("cursor")
	if s == "" {
		return limit, "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 64 {
		return 0, "", apperr.Invalid("cursor", "not a cursor from a previous page")
	}
	return limit, string(b), nil
}

func encCursor(s string) string {
	if s == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// Page is a page of items.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func page[T any](items []T, next string) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, NextCursor: encCursor(next)}
}

type list[T any] struct {
	Items []T `json:"items"`
}

func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}

// ---- meta and me -----------------------------------------------------------

func (a *API) getOpenAPI(c *call) (int, any, error) {
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(a.openapi)
	return 0, nil, errWritten
}

// errWritten tells the wrapper the handler wrote the response itself.
var errWritten = &apperr.Error{Code: "written"}

type meta struct {
	Kinds   []org.Kind   `json:"kinds"`
	Sectors []org.Sector `json:"sectors"`
	Roles   []org.Role   `json:"roles"`
	Scopes  []org.Scope  `json:"scopes"`
	Version string       `json:"version"`
}

func (a *API) getMeta(c *call) (int, any, error) {
	return 200, meta{Kinds: org.Kinds, Sectors: org.Sectors, Roles: org.Roles, Scopes: org.Scopes, Version: a.opt.Version}, nil
}

type me struct {
	User  *org.User         `json:"user"`
	Org   *org.Organisation `json:"org"`
	Token *org.Token        `json:"token,omitempty"`
}

func (a *API) getMe(c *call) (int, any, error) {
	return 200, me{User: c.p.User, Org: c.p.Org, Token: c.p.Token}, nil
}

// ---- organisations ---------------------------------------------------------

func (a *API) listOrgs(c *call) (int, any, error) {
	q := c.r.URL.Query()
	limit, after, err := c.paging()
	if err != nil {
		return 0, nil, err
	}
	f := store.OrgFilter{Kind: org.Kind(q.Get("kind")), Sector: org.Sector(q.Get("sector")), Query: q.Get("q"), After: after, Limit: limit}
	if f.Kind != "" && !f.Kind.Valid() {
		return 0, nil, apperr.Invalid("kind", "unknown organisation kind %q", f.Kind)
	}
	if !f.Sector.Valid() {
		return 0, nil, apperr.Invalid("sector", "unknown sector %q", f.Sector)
	}
	os, next, err := a.svc.ListOrgs(c.r.Context(), c.p, f)
	return 200, page(os, next), err
}

// OrganisationInput is the body of POST /orgs.
type OrganisationInput struct {
	Slug    string      `json:"slug"`
	Kind    org.Kind    `json:"kind"`
	Sector  org.Sector  `json:"sector"`
	Name    org.Names   `json:"name"`
	Contact org.Contact `json:"emergency_contact"`
}

func (a *API) createOrg(c *call) (int, any, error) {
	var in OrganisationInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	o := &org.Organisation{Slug: in.Slug, Kind: in.Kind, Sector: in.Sector, Name: in.Name, Contact: in.Contact}
	if err := a.svc.CreateOrg(c.r.Context(), c.p, o); err != nil {
		return 0, nil, err
	}
	return 201, o, nil
}

func (a *API) getOrg(c *call) (int, any, error) {
	o, err := a.svc.GetOrg(c.r.Context(), c.p, c.r.PathValue("ref"))
	return 200, o, err
}

func (a *API) updateOrg(c *call) (int, any, error) {
	var patch accounts.OrgPatch
	if err := c.decode(&patch); err != nil {
		return 0, nil, err
	}
	o, err := a.svc.UpdateOrg(c.r.Context(), c.p, c.r.PathValue("ref"), patch)
	if err != nil {
		return 0, nil, err
	}
	o, err = a.svc.GetOrg(c.r.Context(), c.p, o.ID) // with the caller's redaction
	return 200, o, err
}

func (a *API) listLinks(c *call) (int, any, error) {
	ls, err := a.svc.ListLinks(c.r.Context(), c.p, c.r.PathValue("ref"))
	return 200, listOf(ls), err
}

// LinkInput is the body of POST /orgs/{ref}/links.
type LinkInput struct {
	CustomerID  string `json:"customer_id,omitempty"`
	SupplierID  string `json:"supplier_id,omitempty"`
	Description string `json:"description,omitempty"`
}

func (a *API) addLink(c *call) (int, any, error) {
	var in LinkInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	ctx := c.r.Context()
	self, err := a.svc.GetOrg(ctx, c.p, c.r.PathValue("ref"))
	if err != nil {
		return 0, nil, err
	}
	l := &org.Link{Description: in.Description}
	switch {
	case in.CustomerID != "" && in.SupplierID != "":
		return 0, nil, apperr.Invalid("supplier_id", "give customer_id or supplier_id, not both")
	case in.CustomerID != "":
		other, err := a.resolveOrg(c, "customer_id", in.CustomerID)
		if err != nil {
			return 0, nil, err
		}
		l.SupplierID, l.CustomerID = self.ID, other
	case in.SupplierID != "":
		other, err := a.resolveOrg(c, "supplier_id", in.SupplierID)
		if err != nil {
			return 0, nil, err
		}
		l.SupplierID, l.CustomerID = other, self.ID
	default:
		return 0, nil, apperr.Invalid("customer_id", "required: the organisation this one supplies (or give supplier_id)")
	}
	if err := a.svc.AddLink(ctx, c.p, l); err != nil {
		return 0, nil, err
	}
	return 201, l, nil
}

// resolveOrg turns an id or slug given in field into an id.
func (a *API) resolveOrg(c *call, field, ref string) (string, error) {
	o, err := a.svc.GetOrg(c.r.Context(), c.p, ref)
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return "", apperr.Invalid(field, "no organisation %q", ref)
	}
	if err != nil {
		return "", err
	}
	return o.ID, nil
}

// linkEnds resolves the supplier {ref} and {customer} of a link path. They
// name resources, so an unknown organisation is a 404, not invalid input.
func (a *API) linkEnds(c *call) (supplierID, customerID string, err error) {
	sup, err := a.svc.GetOrg(c.r.Context(), c.p, c.r.PathValue("ref"))
	if err != nil {
		return "", "", err
	}
	cus, err := a.svc.GetOrg(c.r.Context(), c.p, c.r.PathValue("customer"))
	if err != nil {
		return "", "", err
	}
	return sup.ID, cus.ID, nil
}

func (a *API) confirmLink(c *call) (int, any, error) {
	sup, cus, err := a.linkEnds(c)
	if err != nil {
		return 0, nil, err
	}
	l, err := a.svc.ConfirmLink(c.r.Context(), c.p, sup, cus)
	return 200, l, err
}

func (a *API) removeLink(c *call) (int, any, error) {
	sup, cus, err := a.linkEnds(c)
	if err != nil {
		return 0, nil, err
	}
	return 204, nil, a.svc.RemoveLink(c.r.Context(), c.p, sup, cus)
}

// ---- users -----------------------------------------------------------------

func (a *API) listUsers(c *call) (int, any, error) {
	q := c.r.URL.Query()
	limit, after, err := c.paging()
	if err != nil {
		return 0, nil, err
	}
	f := store.UserFilter{Role: org.Role(q.Get("role")), Query: q.Get("q"), After: after, Limit: limit}
	if f.Role != "" && !f.Role.Valid() {
		return 0, nil, apperr.Invalid("role", "unknown role %q", f.Role)
	}
	switch ref := q.Get("org"); ref {
	case "", "*":
		f.OrgID = ref
	default:
		if f.OrgID, err = a.resolveOrg(c, "org", ref); err != nil {
			return 0, nil, err
		}
	}
	us, next, err := a.svc.ListUsers(c.r.Context(), c.p, f)
	return 200, page(us, next), err
}

// UserInput is the body of POST /users.
type UserInput struct {
	OrgID       string     `json:"org_id,omitempty"`
	Email       string     `json:"email"`
	DisplayName string     `json:"display_name"`
	Roles       []org.Role `json:"roles"`
	Locale      string     `json:"locale,omitempty"`
	Password    string     `json:"password"`
}

func (a *API) createUser(c *call) (int, any, error) {
	var in UserInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.OrgID != "" {
		id, err := a.resolveOrg(c, "org_id", in.OrgID)
		if err != nil {
			return 0, nil, err
		}
		in.OrgID = id
	}
	u := &org.User{OrgID: in.OrgID, Email: in.Email, DisplayName: in.DisplayName, Roles: in.Roles, Locale: in.Locale}
	if err := a.svc.CreateUser(c.r.Context(), c.p, u, in.Password); err != nil {
		return 0, nil, err
	}
	return 201, u, nil
}

func (a *API) getUser(c *call) (int, any, error) {
	u, err := a.svc.GetUser(c.r.Context(), c.p, c.r.PathValue("ref"))
	return 200, u, err
}

// UserPatchInput is the body of PATCH /users/{ref}.
type UserPatchInput struct {
	accounts.UserPatch
	// CurrentPassword is required to change one's own password.
	CurrentPassword *string `json:"current_password,omitempty"`
}

func (a *API) updateUser(c *call) (int, any, error) {
	var in UserPatchInput
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	ctx := c.r.Context()
	u, err := a.svc.GetUser(ctx, c.p, c.r.PathValue("ref"))
	if err != nil {
		return 0, nil, err
	}
	if in.Password != nil && u.ID == c.p.User.ID {
		// One's own password: prove the current one, as the dashboard does.
		if in.CurrentPassword == nil {
			return 0, nil, apperr.Invalid("current_password", "required to change your own password")
		}
		// Alone, so that a request is applied whole or not at all: the
		// password change cannot be undone if a later field is refused.
		if in.DisplayName != nil || in.Roles != nil || in.Locale != nil || in.Disabled != nil {
			return 0, nil, apperr.Invalid("password", "change your own password in a request of its own (password and current_password only)")
		}
		if err := a.svc.ChangePassword(ctx, c.p, *in.CurrentPassword, *in.Password); err != nil {
			return 0, nil, err
		}
		u, err := a.svc.GetUser(ctx, c.p, u.ID)
		return 200, u, err
	} else if in.CurrentPassword != nil {
		return 0, nil, apperr.Invalid("current_password", "only used to change your own password")
	}
	if u, err = a.svc.UpdateUser(ctx, c.p, u.ID, in.UserPatch); err != nil {
		return 0, nil, err
	}
	return 200, u, nil
}

// ---- tokens ----------------------------------------------------------------

func (a *API) listUserTokens(c *call) (int, any, error) {
	ts, err := a.svc.ListTokens(c.r.Context(), c.p, c.r.PathValue("ref"))
	return 200, listOf(ts), err
}

func (a *API) listTokens(c *call) (int, any, error) {
	ts, err := a.svc.ListTokens(c.r.Context(), c.p, "")
	return 200, listOf(ts), err
}

// NewToken is a created token with its secret.
type NewToken struct {
	Secret string `json:"token"` // the secret, shown only once
	*org.Token
}

func (a *API) createToken(c *call) (int, any, error) {
	var in accounts.TokenRequest
	if err := c.decode(&in); err != nil {
		return 0, nil, err
	}
	secret, t, err := a.svc.CreateToken(c.r.Context(), c.p, "", in)
	if err != nil {
		return 0, nil, err
	}
	return 201, NewToken{Secret: secret, Token: t}, nil
}

func (a *API) revokeToken(c *call) (int, any, error) {
	t, err := a.svc.RevokeToken(c.r.Context(), c.p, c.r.PathValue("id"))
	return 200, t, err
}

// ---- audit -----------------------------------------------------------------

// AuditEntry is an audit entry as the API shows it, hashes in hex.
type AuditEntry struct {
	audit.Entry
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

func (a *API) listAudit(c *call) (int, any, error) {
	q := c.r.URL.Query()
	limit, cur, err := c.paging()
	if err != nil {
		return 0, nil, err
	}
	f := store.AuditFilter{Action: q.Get("action"), ActorID: q.Get("actor"), OrgID: q.Get("org"), ObjectID: q.Get("object"),
		Outcome: audit.Outcome(q.Get("outcome")), Limit: limit}
	switch f.Outcome {
	case "", audit.OutcomeSuccess, audit.OutcomeDenied, audit.OutcomeFailure:
	default:
		return 0, nil, apperr.Invalid("outcome", "must be success, denied or failure")
	}
	if cur != "" {
		if f.After, err = strconv.ParseInt(cur, 10, 64); err != nil || f.After < 1 {
			return 0, nil, apperr.Invalid("cursor", "not a cursor from a previous page")
		}
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(t.name); s != "" {
			if *t.dst, err = time.Parse(time.RFC3339Nano, s); err != nil {
				return 0, nil, apperr.Invalid(t.name, "must be an RFC 3339 time such as 2026-11-23T09:00:00+09:00")
			}
		}
	}
	es, next, err := a.svc.ListAudit(c.r.Context(), c.p, f)
	if err != nil {
		return 0, nil, err
	}
	out := make([]AuditEntry, len(es))
	for i := range es {
		out[i] = AuditEntry{Entry: es[i], PrevHash: hexs(es[i].PrevHash), Hash: hexs(es[i].Hash)}
	}
	nc := ""
	if next > 0 {
		nc = strconv.FormatInt(next, 10)
	}
	return 200, page(out, nc), nil
}

// VerifyInput is the optional body of POST /audit/verify.
type VerifyInput struct {
	Anchors []string `json:"anchors,omitempty"`
}

func (a *API) verifyAudit(c *call) (int, any, error) {
	var in VerifyInput
	if err := decodeOptional(c.r, c.api.opt.MaxBodyBytes, &in); err != nil {
		return 0, nil, err
	}
	anchors := make([]audit.Anchor, 0, len(in.Anchors))
	for i, s := range in.Anchors {
		an, err := audit.ParseAnchor(s)
		if err != nil {
			return 0, nil, apperr.Invalid("anchors["+strconv.Itoa(i)+"]", "%v", err)
		}
		anchors = append(anchors, an)
	}
	r, err := a.svc.VerifyAudit(c.r.Context(), c.p, anchors)
	return 200, r, err
}

const hexdigits = "0123456789abcdef"

func hexs(b []byte) string {
	out := make([]byte, len(b)*2)
	for i, x := range b {
		out[2*i], out[2*i+1] = hexdigits[x>>4], hexdigits[x&15]
	}
	return string(out)
}
