package accounts

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// ---- Organisations --------------------------------------------------------

// ListOrgs lists the directory of organisations. Emergency contacts are
// removed from entries the caller may not see them for.
func (s *Service) ListOrgs(ctx context.Context, p *auth.Principal, f store.OrgFilter) ([]org.Organisation, string, error) {
	if err := s.authorize(ctx, p, auth.ActOrgRead, auth.Target{}, "org", ""); err != nil {
		return nil, "", err
	}
	os, next, err := s.DB.ListOrgs(ctx, f)
	if err != nil {
		return nil, "", err
	}
	for i := range os {
		if err := s.redactContact(ctx, p, &os[i]); err != nil {
			return nil, "", err
		}
	}
	return os, next, nil
}

// GetOrg returns one organisation by id or slug.
func (s *Service) GetOrg(ctx context.Context, p *auth.Principal, ref string) (*org.Organisation, error) {
	if err := s.authorize(ctx, p, auth.ActOrgRead, auth.Target{}, "org", ref); err != nil {
		return nil, err
	}
	o, err := s.DB.GetOrg(ctx, ref)
	if err != nil {
		return nil, err
	}
	return o, s.redactContact(ctx, p, o)
}

// CanSeeContact reports whether p may see o's emergency contact.
func (s *Service) CanSeeContact(ctx context.Context, p *auth.Principal, o *org.Organisation) (bool, error) {
	t := auth.Target{OrgID: o.ID}
	if !auth.Can(p, auth.ActOrgReadContact, t) {
		linked, err := s.DB.LinkedOrgIDs(ctx, o.ID)
		if err != nil {
			return false, err
		}
		t.LinkedOrgIDs = linked
	}
	return auth.Can(p, auth.ActOrgReadContact, t), nil
}

func (s *Service) redactContact(ctx context.Context, p *auth.Principal, o *org.Organisation) error {
	ok, err := s.CanSeeContact(ctx, p, o)
	if err != nil {
		return err
	}
	if !ok {
		o.Contact = org.Contact{}
	}
	return nil
}

// CreateOrg creates an organisation (platform administrators).
func (s *Service) CreateOrg(ctx context.Context, p *auth.Principal, o *org.Organisation) error {
	if err := s.authorize(ctx, p, auth.ActOrgCreate, auth.Target{}, "org", o.Slug); err != nil {
		return err
	}
	return s.DB.CreateOrg(ctx, p.Actor(), o)
}

// OrgPatch holds the fields of an organisation to change; nil means keep.
type OrgPatch struct {
	Slug    *string      `json:"slug,omitempty"`
	Kind    *org.Kind    `json:"kind,omitempty"`
	Sector  *org.Sector  `json:"sector,omitempty"`
	Name    *org.Names   `json:"name,omitempty"`
	Contact *org.Contact `json:"emergency_contact,omitempty"`
}

// UpdateOrg applies patch to the organisation ref. Org admins may change
// names and the contact route; slug, kind and sector need a platform admin.
func (s *Service) UpdateOrg(ctx context.Context, p *auth.Principal, ref string, patch OrgPatch) (*org.Organisation, error) {
	o, err := s.DB.GetOrg(ctx, ref)
	if err != nil {
		return nil, err
	}
	t := auth.Target{OrgID: o.ID, OrgKind: o.Kind}
	if err := s.authorize(ctx, p, auth.ActOrgUpdate, t, "org", o.ID); err != nil {
		return nil, err
	}
	if patch.Slug != nil && *patch.Slug != o.Slug || patch.Kind != nil && *patch.Kind != o.Kind || patch.Sector != nil && *patch.Sector != o.Sector {
		if err := s.authorize(ctx, p, auth.ActOrgAdminister, t, "org", o.ID); err != nil {
			return nil, err
		}
	}
	if patch.Slug != nil {
		o.Slug = *patch.Slug
	}
	if patch.Kind != nil {
		o.Kind = *patch.Kind
	}
	if patch.Sector != nil {
		o.Sector = *patch.Sector
	}
	if patch.Name != nil {
		o.Name = *patch.Name
	}
	if patch.Contact != nil {
		o.Contact = *patch.Contact
	}
	if err := s.DB.UpdateOrg(ctx, p.Actor(), o); err != nil {
		return nil, err
	}
	return o, nil
}

// ListLinks lists the supply-chain links of an organisation.
func (s *Service) ListLinks(ctx context.Context, p *auth.Principal, ref string) ([]org.Link, error) {
	o, err := s.GetOrg(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	return s.DB.ListLinks(ctx, o.ID)
}

// AddLink records a supply-chain link. An administrator of either end may
// propose it; it stays pending (revealing nothing, e.g. no emergency
// contacts) until an administrator of the other end confirms it with
// ConfirmLink. Links made by platform administrators or the command line
// are confirmed at once.
func (s *Service) AddLink(ctx context.Context, p *auth.Principal, l *org.Link) error {
	if err := s.linkAllowed(ctx, p, l.SupplierID, l.CustomerID); err != nil {
		return err
	}
	l.RequestedBy, l.ConfirmedAt = "", nil
	if p.IsSystem() || p.Has(org.RolePlatformAdmin) {
		now := time.Now().UTC()
		l.ConfirmedAt = &now
	} else {
		l.RequestedBy = p.OrgID()
	}
	return s.DB.AddLink(ctx, p.Actor(), l)
}

// ConfirmLink confirms a pending link: an administrator of the end that did
// not propose it (or a platform administrator) agrees to it.
func (s *Service) ConfirmLink(ctx context.Context, p *auth.Principal, supplierID, customerID string) (*org.Link, error) {
	if err := s.linkAllowed(ctx, p, supplierID, customerID); err != nil {
		return nil, err
	}
	links, err := s.DB.ListLinks(ctx, supplierID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(links, func(l org.Link) bool { return l.SupplierID == supplierID && l.CustomerID == customerID })
	if i < 0 {
		return nil, apperr.NotFound("supply-chain link", supplierID+">"+customerID)
	}
	l := &links[i]
	if l.Confirmed() {
		return l, nil
	}
	if !p.IsSystem() && !p.Has(org.RolePlatformAdmin) && l.RequestedBy == p.OrgID() {
		return nil, apperr.Forbidden("the other organisation must confirm a link that yours proposed")
	}
	if err := s.DB.ConfirmLink(ctx, p.Actor(), supplierID, customerID); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	l.ConfirmedAt = &now
	return l, nil
}

// RemoveLink deletes a supply-chain link.
func (s *Service) RemoveLink(ctx context.Context, p *auth.Principal, supplierID, customerID string) error {
	if err := s.linkAllowed(ctx, p, supplierID, customerID); err != nil {
		return err
	}
	return s.DB.RemoveLink(ctx, p.Actor(), supplierID, customerID)
}

func (s *Service) linkAllowed(ctx context.Context, p *auth.Principal, supplierID, customerID string) error {
	if auth.Can(p, auth.ActLinkManage, auth.Target{OrgID: supplierID}) {
		return nil
	}
	return s.authorize(ctx, p, auth.ActLinkManage, auth.Target{OrgID: customerID}, "org_link", supplierID+">"+customerID)
}

// ---- Users ----------------------------------------------------------------

// ListUsers lists users of orgID ("" = the caller's own organisation; a
// platform admin may pass "*" for all).
func (s *Service) ListUsers(ctx context.Context, p *auth.Principal, f store.UserFilter) ([]org.User, string, error) {
	if f.OrgID == "*" || f.OrgID == "" && p.OrgID() == "" {
		// Every organisation (also what "" means for a principal without
		// one, e.g. the command line): platform administrators only.
		f.OrgID = ""
		if err := s.authorize(ctx, p, auth.ActOrgAdminister, auth.Target{}, "user", "*"); err != nil {
			return nil, "", err
		}
		return s.DB.ListUsers(ctx, f)
	}
	if f.OrgID == "" {
		f.OrgID = p.OrgID()
	}
	if err := s.authorize(ctx, p, auth.ActUserList, auth.Target{OrgID: f.OrgID}, "org", f.OrgID); err != nil {
		return nil, "", err
	}
	return s.DB.ListUsers(ctx, f)
}

// GetUser returns a user by id or email.
func (s *Service) GetUser(ctx context.Context, p *auth.Principal, ref string) (*org.User, error) {
	if err := authenticated(p); err != nil {
		return nil, err // before the lookup: do not reveal which users exist
	}
	u, err := s.DB.GetUser(ctx, ref)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, auth.ActUserRead, auth.Target{OrgID: u.OrgID, UserID: u.ID}, "user", u.ID); err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			return nil, apperr.NotFound("user", ref) // do not reveal users of other organisations
		}
		return nil, err
	}
	return u, nil
}

// CreateUser creates a user with an initial password (which may be empty
// only for system principals, e.g. SSO-provisioned accounts later).
func (s *Service) CreateUser(ctx context.Context, p *auth.Principal, u *org.User, password string) error {
	// Roles are checked before they are sorted, so errors name the index given.
	if err := org.ValidateRoles("roles", u.Roles); err != nil {
		return err
	}
	if u.OrgID == "" {
		u.OrgID = p.OrgID()
	}
	o, err := s.DB.GetOrg(ctx, u.OrgID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			return apperr.Invalid("org_id", "no organisation %q", u.OrgID)
		}
		return err
	}
	u.OrgID = o.ID
	if err := s.authorize(ctx, p, auth.ActUserCreate, auth.Target{OrgID: o.ID, OrgKind: o.Kind, Roles: u.Roles}, "user", u.Email); err != nil {
		return err
	}
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	if err := auditorInOversight(u.Roles, o); err != nil {
		return err // also for the command line, which Authorize trusts
	}
	var hash string
	if password != "" || !p.IsSystem() {
		if err := org.ValidatePassword("password", password); err != nil {
			return err
		}
		if hash, err = auth.HashPassword(password); err != nil {
			return err
		}
	}
	return s.DB.CreateUser(ctx, p.Actor(), u, hash)
}

// UserPatch holds the fields of a user to change; nil means keep.
type UserPatch struct {
	DisplayName *string     `json:"display_name,omitempty"`
	Roles       *[]org.Role `json:"roles,omitempty"`
	Locale      *string     `json:"locale,omitempty"`
	Disabled    *bool       `json:"disabled,omitempty"`
	Password    *string     `json:"password,omitempty"`
}

// UpdateUser applies patch to user ref. Users may change their own display
// name, locale and password; roles and disabling need an administrator.
func (s *Service) UpdateUser(ctx context.Context, p *auth.Principal, ref string, patch UserPatch) (*org.User, error) {
	if patch.Roles != nil {
		if err := org.ValidateRoles("roles", *patch.Roles); err != nil {
			return nil, err
		}
	}
	u, err := s.GetUser(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	o, err := s.DB.GetOrg(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	self := p.User != nil && p.User.ID == u.ID
	adminChange := patch.Roles != nil && !slices.Equal(normRoles(*patch.Roles), u.Roles) || patch.Disabled != nil && *patch.Disabled != u.Disabled
	if adminChange || !self {
		t := auth.Target{OrgID: u.OrgID, OrgKind: o.Kind, UserID: u.ID, UserRoles: u.Roles}
		if patch.Roles != nil {
			t.Roles = normRoles(*patch.Roles)
		}
		if err := s.authorize(ctx, p, auth.ActUserUpdate, t, "user", u.ID); err != nil {
			return nil, err
		}
		if self && patch.Disabled != nil && *patch.Disabled {
			return nil, apperr.Invalid("disabled", "you cannot disable your own account")
		}
	} else {
		// Users change their own name, locale and password; an API token
		// needs the admin scope for it (a read-only token must not be able
		// to take over the account by setting a new password).
		if err := s.authorize(ctx, p, auth.ActUserUpdateSelf, auth.Target{OrgID: u.OrgID, UserID: u.ID}, "user", u.ID); err != nil {
			return nil, err
		}
	}
	if patch.DisplayName != nil {
		u.DisplayName = *patch.DisplayName
	}
	if patch.Roles != nil {
		u.Roles = *patch.Roles
	}
	if patch.Locale != nil {
		u.Locale = *patch.Locale
	}
	if patch.Disabled != nil {
		u.Disabled = *patch.Disabled
	}
	u.Normalize()
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if patch.Roles != nil {
		if err := auditorInOversight(u.Roles, o); err != nil {
			return nil, err
		}
	}
	var hash string
	if patch.Password != nil {
		if err := org.ValidatePassword("password", *patch.Password); err != nil {
			return nil, err
		}
		if hash, err = auth.HashPassword(*patch.Password); err != nil {
			return nil, err
		}
	}
	if err := s.DB.UpdateUser(ctx, p.Actor(), u); err != nil {
		return nil, err
	}
	if hash != "" {
		if err := s.DB.SetPassword(ctx, p.Actor(), u.ID, hash); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// auditorInOversight enforces that the auditor role exists only in the
// oversight commission, whoever grants it.
func auditorInOversight(rs []org.Role, o *org.Organisation) error {
	if slices.Contains(rs, org.RoleAuditor) && o.Kind != org.KindOversight {
		return apperr.Invalid("roles", "the auditor role belongs to the oversight commission, not to a %s organisation", o.Kind)
	}
	return nil
}

func normRoles(rs []org.Role) []org.Role {
	c := slices.Clone(rs)
	slices.Sort(c)
	return slices.Compact(c)
}

// ---- API tokens -----------------------------------------------------------

// TokenRequest asks for a new API token.
type TokenRequest struct {
	Name      string      `json:"name"`
	Scopes    []org.Scope `json:"scopes"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
	// ExpiresIn is an alternative to ExpiresAt, e.g. "720h"; "" with no
	// ExpiresAt means the default of 90 days; "never" means no expiry.
	ExpiresIn string `json:"expires_in,omitempty"`
}

// MaxTokenLifetime bounds token expiry (one year), except for "never",
// which needs a platform admin or a system principal.
const MaxTokenLifetime = 366 * 24 * time.Hour

// CreateToken creates an API token for the calling user (or, for a system
// principal, for userRef) and returns the secret, shown only this once.
func (s *Service) CreateToken(ctx context.Context, p *auth.Principal, userRef string, req TokenRequest) (string, *org.Token, error) {
	if err := authenticated(p); err != nil {
		return "", nil, err
	}
	// Input errors come before permission errors: a typo is not a denial.
	if err := (&org.Token{Name: req.Name, Scopes: req.Scopes}).Validate(); err != nil {
		return "", nil, err
	}
	var u *org.User
	if p.IsSystem() {
		var err error
		if u, err = s.DB.GetUser(ctx, userRef); err != nil {
			return "", nil, err
		}
	} else {
		if userRef != "" && userRef != p.User.ID && userRef != p.User.Email {
			return "", nil, s.authorize(ctx, p, auth.ActTokenCreate, auth.Target{UserID: userRef}, "token", userRef)
		}
		u = p.User
	}
	now := time.Now().UTC()
	exp := req.ExpiresAt
	switch {
	case exp != nil && req.ExpiresIn != "":
		return "", nil, apperr.Invalid("expires_in", "give expires_at or expires_in, not both")
	case req.ExpiresIn == "never":
		if !p.IsSystem() && !p.Has(org.RolePlatformAdmin) {
			return "", nil, apperr.Invalid("expires_in", "tokens that never expire are created by platform administrators only")
		}
	case req.ExpiresIn != "":
		d, err := time.ParseDuration(req.ExpiresIn)
		if err != nil || d <= 0 {
			return "", nil, apperr.Invalid("expires_in", "must be a positive duration such as \"720h\" or \"never\"")
		}
		t := now.Add(d)
		exp = &t
	case exp == nil:
		t := now.Add(90 * 24 * time.Hour)
		exp = &t
	}
	if exp != nil && exp.Sub(now) > MaxTokenLifetime && !p.IsSystem() {
		return "", nil, apperr.Invalid("expires_at", "must be within %d days", int(MaxTokenLifetime.Hours()/24))
	}
	pu := p
	if p.IsSystem() {
		pu = &auth.Principal{System: p.System}
	}
	if !p.IsSystem() {
		if err := s.authorize(ctx, pu, auth.ActTokenCreate, auth.Target{UserID: u.ID, OrgID: u.OrgID, Scopes: req.Scopes}, "token", ""); err != nil {
			return "", nil, err
		}
	} else {
		// Even local administration cannot hand out scopes the user's roles lack.
		tmp := &auth.Principal{User: u}
		if err := auth.Authorize(tmp, auth.ActTokenCreate, auth.Target{UserID: u.ID, OrgID: u.OrgID, Scopes: req.Scopes}); err != nil {
			return "", nil, apperr.Invalid("scopes", "%s", apperr.As(err).Message)
		}
	}
	secret := auth.NewSecret(auth.TokenPrefix)
	t := &org.Token{UserID: u.ID, OrgID: u.OrgID, Name: req.Name, Prefix: auth.DisplayPrefix(secret),
		Scopes: req.Scopes, ExpiresAt: exp, Hash: auth.HashSecret(secret)}
	if err := s.DB.CreateToken(ctx, p.Actor(), t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// ListTokens lists the tokens of user ref ("" = the caller).
func (s *Service) ListTokens(ctx context.Context, p *auth.Principal, userRef string) ([]org.Token, error) {
	if err := authenticated(p); err != nil {
		return nil, err
	}
	if userRef == "" && p.User != nil {
		userRef = p.User.ID
	}
	u, err := s.DB.GetUser(ctx, userRef)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, auth.ActTokenList, auth.Target{OrgID: u.OrgID, UserID: u.ID}, "user", u.ID); err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden && !auth.Can(p, auth.ActUserRead, auth.Target{OrgID: u.OrgID, UserID: u.ID}) {
			return nil, apperr.NotFound("user", userRef)
		}
		return nil, err
	}
	return s.DB.ListTokens(ctx, u.ID, "")
}

// RevokeToken revokes token id.
func (s *Service) RevokeToken(ctx context.Context, p *auth.Principal, id string) (*org.Token, error) {
	if err := authenticated(p); err != nil {
		return nil, err
	}
	t, err := s.DB.GetToken(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, auth.ActTokenRevoke, auth.Target{OrgID: t.OrgID, UserID: t.UserID}, "token", id); err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden && p.OrgID() != t.OrgID {
			return nil, apperr.NotFound("token", id)
		}
		return nil, err
	}
	if err := s.DB.RevokeToken(ctx, p.Actor(), id); err != nil {
		return nil, err
	}
	return s.DB.GetToken(ctx, id)
}

// ---- Audit trail ----------------------------------------------------------

// ListAudit returns a page of the audit trail (auditors). The read itself
// is audited.
func (s *Service) ListAudit(ctx context.Context, p *auth.Principal, f store.AuditFilter) ([]audit.Entry, int64, error) {
	if err := s.authorize(ctx, p, auth.ActAuditRead, auth.Target{}, "audit", ""); err != nil {
		return nil, 0, err
	}
	es, next, err := s.DB.ListAudit(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	detail := fmt.Sprintf("action=%s actor=%s org=%s after=%d n=%d", f.Action, f.ActorID, f.OrgID, f.After, len(es))
	if err := s.DB.Append(ctx, p.Actor().Event("audit.read", "audit", "", audit.OutcomeSuccess, detail)); err != nil {
		return nil, 0, err
	}
	return es, next, nil
}

// VerifyResult is the outcome of verifying the audit chain.
type VerifyResult struct {
	OK       bool           `json:"ok"`
	Entries  int64          `json:"entries"`
	Head     string         `json:"head"` // anchor "seq:hash" to record elsewhere
	Problem  *audit.Problem `json:"problem,omitempty"`
	Duration time.Duration  `json:"-"`
}

// VerifyAudit verifies the whole chain against optional anchors.
func (s *Service) VerifyAudit(ctx context.Context, p *auth.Principal, anchors []audit.Anchor) (*VerifyResult, error) {
	if err := s.authorize(ctx, p, auth.ActAuditVerify, auth.Target{}, "audit", ""); err != nil {
		return nil, err
	}
	start := time.Now()
	v, err := s.DB.VerifyAudit(ctx, anchors)
	if err != nil {
		return nil, err
	}
	r := &VerifyResult{OK: v.Problem() == nil, Entries: v.Count(), Head: v.Head().String(), Problem: v.Problem(), Duration: time.Since(start)}
	outcome, detail := audit.OutcomeSuccess, "ok "+r.Head
	if !r.OK {
		outcome, detail = audit.OutcomeFailure, r.Problem.Error()
	}
	if err := s.DB.Append(ctx, p.Actor().Event("audit.verify", "audit", "", outcome, detail)); err != nil {
		return nil, err
	}
	return r, nil
}
