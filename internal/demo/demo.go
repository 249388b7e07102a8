// Package demo seeds a store with a realistic set of organisations, users
// and supply-chain links (the National Cybersecurity Office, a sector
// ministry, the police, the oversight commission, critical-infrastructure
// operators, vendors, suppliers and an ISAC), and keeps a credentials file
// with each demo user's password and API token for scripts.
//
// Seeding is idempotent: organisations, users and links are found by slug,
// email and endpoints and created only when missing, so a second run
// reuses the data. Passwords and tokens are random per installation, never
// fixed in the source; a re-run keeps them while they still work and
// rotates only those that do not.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
)

// Actor is the audit name under which the demo seeds and rotates.
const Actor = "demo"

// CredentialsFile is the credentials file's name inside the data directory.
const CredentialsFile = "demo-credentials.json"

// TokenName names the demo users' API tokens.
const TokenName = "demo"

// tokenLifetime is the demo tokens' lifetime; a token with less than
// tokenMinLeft to live is rotated on the next run.
const (
	tokenLifetime = 90 * 24 * time.Hour
	tokenMinLeft  = 7 * 24 * time.Hour
)

// SeedResult counts what Seed found and created.
type SeedResult struct {
	Orgs, OrgsCreated   int
	Users, UsersCreated int
	Links, LinksCreated int
}

func (r SeedResult) String() string {
	return fmt.Sprintf("%d organisations (%d new), %d users (%d new), %d supply-chain links (%d new)",
		r.Orgs, r.OrgsCreated, r.Users, r.UsersCreated, r.Links, r.LinksCreated)
}

// Seed creates whatever part of the demo data is missing. Users are
// created without a password; EnsureCredentials gives them one.
func Seed(ctx context.Context, svc *accounts.Service) (SeedResult, error) {
	p := auth.System(Actor)
	var res SeedResult
	ids := map[string]string{} // slug -> id
	for _, spec := range Orgs {
		o, err := svc.GetOrg(ctx, p, spec.Slug)
		if apperr.CodeOf(err) == apperr.CodeNotFound {
			n := spec.Organisation
			if err = svc.CreateOrg(ctx, p, &n); err == nil {
				o = &n
				res.OrgsCreated++
			}
		}
		if err != nil {
			return res, fmt.Errorf("demo: organisation %s: %w", spec.Slug, err)
		}
		ids[spec.Slug] = o.ID
		res.Orgs++
		for _, us := range spec.Users {
			_, err := svc.GetUser(ctx, p, us.Email)
			if apperr.CodeOf(err) == apperr.CodeNotFound {
				nu := &org.User{OrgID: o.ID, Email: us.Email, DisplayName: us.Name, Roles: slices.Clone(us.Roles), Locale: "ja"}
				if err = svc.CreateUser(ctx, p, nu, ""); err == nil {
					res.UsersCreated++
				}
			}
			if err != nil {
				return res, fmt.Errorf("demo: user %s: %w", us.Email, err)
			}
			res.Users++
		}
	}
	for _, l := range Links {
		sup, cus := ids[l.Supplier], ids[l.Customer]
		links, err := svc.ListLinks(ctx, p, sup)
		if err != nil {
			return res, fmt.Errorf("demo: links of %s: %w", l.Supplier, err)
		}
		exists := slices.ContainsFunc(links, func(x org.Link) bool { return x.SupplierID == sup && x.CustomerID == cus })
		if !exists {
			if err := svc.AddLink(ctx, p, &org.Link{SupplierID: sup, CustomerID: cus, Description: l.Description}); err != nil {
				return res, fmt.Errorf("demo: link %s -> %s: %w", l.Supplier, l.Customer, err)
			}
			res.LinksCreated++
		}
		res.Links++
	}
	return res, nil
}

// Credentials is the credentials file.
type Credentials struct {
	URL   string       `json:"url"`
	Note  string       `json:"note"`
	Users []Credential `json:"users"`
}

// Credential is one demo user's login and API token.
type Credential struct {
	Email       string      `json:"email"`
	DisplayName string      `json:"display_name"`
	Title       string      `json:"title"`
	Org         string      `json:"org"` // slug
	OrgName     org.Names   `json:"org_name"`
	OrgKind     org.Kind    `json:"org_kind"`
	Roles       []org.Role  `json:"roles"`
	Password    string      `json:"password"`
	Token       string      `json:"token"`
	TokenID     string      `json:"token_id"`
	Scopes      []org.Scope `json:"scopes"`
}

const note = "Demo accounts for trying sakimori locally. Passwords and API tokens are random for this installation; " +
	"anyone who can read this file can act as these users. Do not use demo data in production."

// CredentialsPath returns the credentials file's path in dataDir.
func CredentialsPath(dataDir string) string { return filepath.Join(dataDir, CredentialsFile) }

// EnsureCredentials loads the credentials file in dataDir, keeps every
// entry whose password and token still work, rotates the password and
// token of every demo user whose entry is missing or stale, and writes the
// file (mode 0600) when anything changed. It reports how many users were
// rotated. Seed must have run.
func EnsureCredentials(ctx context.Context, svc *accounts.Service, dataDir, url string) (*Credentials, int, error) {
	p := auth.System(Actor)
	path := CredentialsPath(dataDir)
	old := map[string]Credential{}
	var prev Credentials
	if b, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(b, &prev) == nil {
			for _, c := range prev.Users {
				old[c.Email] = c
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("demo: read %s: %w", path, err)
	}
	out := &Credentials{URL: url, Note: note}
	rotated := 0
	for _, spec := range Orgs {
		for _, us := range spec.Users {
			u, err := svc.GetUser(ctx, p, us.Email)
			if err != nil {
				return nil, rotated, fmt.Errorf("demo: user %s: %w", us.Email, err)
			}
			c := Credential{Email: u.Email, DisplayName: u.DisplayName, Title: us.Title, Org: spec.Slug,
				OrgName: spec.Name, OrgKind: spec.Kind, Roles: u.Roles, Scopes: scopesFor(u.Roles)}
			prevC, ok := old[u.Email]
			if ok {
				valid, err := stillValid(ctx, svc, p, u, prevC)
				if err != nil {
					return nil, rotated, err
				}
				if valid {
					c.Password, c.Token, c.TokenID, c.Scopes = prevC.Password, prevC.Token, prevC.TokenID, prevC.Scopes
					out.Users = append(out.Users, c)
					continue
				}
			}
			if err := rotate(ctx, svc, p, u, &c); err != nil {
				return nil, rotated, err
			}
			rotated++
			out.Users = append(out.Users, c)
		}
	}
	if rotated > 0 || prev.URL != url || len(prev.Users) != len(out.Users) {
		if err := writeFile(path, out); err != nil {
			return nil, rotated, err
		}
	}
	return out, rotated, nil
}

// stillValid reports whether a stored credential still logs in and its
// token still authenticates as the same user for a while longer.
func stillValid(ctx context.Context, svc *accounts.Service, p *auth.Principal, u *org.User, c Credential) (bool, error) {
	if c.Password == "" || c.Token == "" || u.Disabled {
		return false, nil
	}
	ok, err := svc.PasswordMatches(ctx, p, u.ID, c.Password)
	if err != nil || !ok {
		return false, err
	}
	tp, err := svc.Token(ctx, c.Token, "")
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeUnauthenticated {
			return false, nil
		}
		return false, err
	}
	if tp.User.ID != u.ID || tp.Token.ID != c.TokenID {
		return false, nil
	}
	if tp.Token.ExpiresAt != nil && time.Until(*tp.Token.ExpiresAt) < tokenMinLeft {
		return false, nil
	}
	return true, nil
}

// rotate gives u a new random password and a new API token, revoking the
// user's earlier demo tokens.
func rotate(ctx context.Context, svc *accounts.Service, p *auth.Principal, u *org.User, c *Credential) error {
	pw := NewPassword()
	if _, err := svc.UpdateUser(ctx, p, u.ID, accounts.UserPatch{Password: &pw}); err != nil {
		return fmt.Errorf("demo: set password of %s: %w", u.Email, err)
	}
	toks, err := svc.ListTokens(ctx, p, u.ID)
	if err != nil {
		return fmt.Errorf("demo: tokens of %s: %w", u.Email, err)
	}
	for _, t := range toks {
		if t.Name == TokenName && t.RevokedAt == nil {
			if _, err := svc.RevokeToken(ctx, p, t.ID); err != nil {
				return fmt.Errorf("demo: revoke token of %s: %w", u.Email, err)
			}
		}
	}
	secret, t, err := svc.CreateToken(ctx, p, u.ID, accounts.TokenRequest{Name: TokenName, Scopes: c.Scopes,
		ExpiresIn: tokenLifetime.String()})
	if err != nil {
		return fmt.Errorf("demo: token for %s: %w", u.Email, err)
	}
	c.Password, c.Token, c.TokenID = pw, secret, t.ID
	return nil
}

// scopesFor returns the widest token scopes a user's roles allow.
func scopesFor(roles []org.Role) []org.Scope {
	has := func(r org.Role) bool { return slices.Contains(roles, r) }
	var s []org.Scope
	switch {
	case has(org.RoleOrgAdmin) || has(org.RolePlatformAdmin):
		s = append(s, org.ScopeAdmin)
	case has(org.RoleAnalyst) || has(org.RoleReporter) || has(org.RoleApproverLegal) ||
		has(org.RoleApproverPR) || has(org.RoleApproverExec):
		s = append(s, org.ScopeWrite)
	case !has(org.RoleAuditor):
		s = append(s, org.ScopeRead)
	}
	if has(org.RoleAuditor) {
		s = append(s, org.ScopeAudit)
	}
	return s
}

func writeFile(path string, c *Credentials) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".demo-credentials-*")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("demo: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	return nil
}

// passwordAlphabet leaves out characters that are easy to misread.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// NewPassword returns a random password of four groups of four characters
// (80 bits), e.g. "k7dm-q2xa-9fhe-t4nb".
func NewPassword() string {
	var b strings.Builder
	max := big.NewInt(int64(len(passwordAlphabet)))
	for i := range 16 {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("demo: crypto/rand failed: " + err.Error())
		}
		b.WriteByte(passwordAlphabet[n.Int64()])
	}
	return b.String()
}

// PrintLogins writes the demo logins as a table.
func PrintLogins(w io.Writer, c *Credentials) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tORGANISATION\tROLES\tPASSWORD")
	for _, u := range c.Users {
		roles := make([]string, len(u.Roles))
		for i, r := range u.Roles {
			roles[i] = string(r)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Org, strings.Join(roles, ","), u.Password)
	}
	tw.Flush()
}
