package auth

import (
	"context"

	"sakimori/internal/audit"
	"sakimori/internal/org"
)

// Principal is who is acting: a user through a web session or an API token,
// or the local command line / system itself.
type Principal struct {
	User  *org.User
	Org   *org.Organisation
	Token *org.Token // set when authenticated by API token
	// System is "cli" or "system" when no user acts (sakimori admin, demo seeding).
	System string
	// SourceAddr is the client address of the request, for the audit trail.
	SourceAddr string
}

// System returns the principal for local administrative commands.
func System(name string) *Principal { return &Principal{System: name} }

// IsSystem reports whether no user is acting.
func (p *Principal) IsSystem() bool { return p != nil && p.System != "" }

// IsGovernment reports whether the principal acts for a government
// organisation (the NCO, a ministry, the police).
func (p *Principal) IsGovernment() bool { return p != nil && p.Org != nil && p.Org.Kind.IsGovernment() }

// Has reports whether the principal's user holds role r.
func (p *Principal) Has(r org.Role) bool { return p != nil && p.User != nil && p.User.Has(r) }

// OrgID returns the acting user's organisation id, or "".
func (p *Principal) OrgID() string {
	if p == nil || p.User == nil {
		return ""
	}
	return p.User.OrgID
}

// ActingOrgID is the organisation p acts for: its Org (a system principal
// acting for an organisation, as the demo seeder and the CLI do, has Org
// but no User), else its user's; "" for none.
func (p *Principal) ActingOrgID() string {
	if p != nil && p.Org != nil {
		return p.Org.ID
	}
	return p.OrgID()
}

// Actor returns the audit identity of the principal.
func (p *Principal) Actor() audit.Actor {
	if p == nil {
		return audit.Actor{Name: "anonymous"}
	}
	if p.System != "" {
		return audit.Actor{Name: p.System, SourceAddr: p.SourceAddr}
	}
	if p.User == nil {
		return audit.Actor{Name: "anonymous", SourceAddr: p.SourceAddr}
	}
	a := audit.Actor{UserID: p.User.ID, Name: p.User.Email, OrgID: p.User.OrgID, SourceAddr: p.SourceAddr}
	if p.Token != nil {
		a.Name = p.User.Email + " (token " + p.Token.Prefix + ")"
	}
	return a
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
