package accounts

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestContactRedaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		a := w.orgs["a"]
		cases := []struct {
			viewer string
			sees   bool
		}{
			{"analyst-a", true},  // own organisation
			{"admin-sup", true},  // its supplier (linked)
			{"gov", true},        // the government
			{"platform", true},   // platform administrators
			{"admin-ven", false}, // an unrelated vendor
			{"auditor", false},   // the oversight commission is not the government
		}
		for _, c := range cases {
			p := w.p(t, c.viewer)
			o, err := w.s.GetOrg(ctx, p, a.Slug)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Contact == a.Contact; got != c.sees {
				t.Errorf("%s sees the contact: %v (%+v)", c.viewer, got, o.Contact)
			}
			if !c.sees && o.Contact != (org.Contact{}) {
				t.Errorf("%s: partly redacted contact %+v", c.viewer, o.Contact)
			}
			if o.Name != a.Name || o.Slug != a.Slug {
				t.Errorf("%s: directory entry changed: %+v", c.viewer, o)
			}
			os, _, err := w.s.ListOrgs(ctx, p, store.OrgFilter{Query: "東京電力"})
			if err != nil || len(os) != 1 || (os[0].Contact == a.Contact) != c.sees {
				t.Errorf("%s: ListOrgs = %+v, %v", c.viewer, os, err)
			}
			ok, err := w.s.CanSeeContact(ctx, p, a)
			if err != nil || ok != c.sees {
				t.Errorf("%s: CanSeeContact = %v, %v", c.viewer, ok, err)
			}
		}
		// The supplier sees its customer's contact, and the customer the supplier's.
		if o, _ := w.s.GetOrg(ctx, w.p(t, "analyst-a"), "it-partner"); o.Contact != w.orgs["sup"].Contact {
			t.Error("customer does not see its supplier's contact")
		}
		if o, _ := w.s.GetOrg(ctx, w.p(t, "admin-ven"), "it-partner"); o.Contact != (org.Contact{}) {
			t.Error("unrelated vendor sees the supplier's contact")
		}
		if _, err := w.s.GetOrg(ctx, w.p(t, "analyst-a"), "nope"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Errorf("unknown org: %v", err)
		}
	})
}

// Denied attempts are refused with "forbidden" and leave a "denied" entry
// naming the actor, the action and the object.
func TestDeniedAttemptsAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		analyst := w.p(t, "analyst-a")
		venAdmin := w.p(t, "admin-ven")
		a := w.orgs["a"]
		cases := []struct {
			name   string
			p      *auth.Principal
			call   func(p *auth.Principal) error
			action string
			object string
		}{
			{"analyst creates an org", analyst, func(p *auth.Principal) error {
				return w.s.CreateOrg(ctx, p, &org.Organisation{Slug: "rogue"})
			}, "org.create", "rogue"},
			{"vendor admin updates another org", venAdmin, func(p *auth.Principal) error {
				_, err := w.s.UpdateOrg(ctx, p, a.Slug, OrgPatch{Name: &org.Names{JA: "乗っ取り", EN: "Taken"}})
				return err
			}, "org.update", a.ID},
			{"org admin changes own slug", w.p(t, "admin-a"), func(p *auth.Principal) error {
				_, err := w.s.UpdateOrg(ctx, p, a.Slug, OrgPatch{Slug: ptr("new-slug")})
				return err
			}, "org.administer", a.ID},
			{"vendor admin lists another org's users", venAdmin, func(p *auth.Principal) error {
				_, _, err := w.s.ListUsers(ctx, p, store.UserFilter{OrgID: a.ID})
				return err
			}, "user.list", a.ID},
			{"analyst reads the audit trail", analyst, func(p *auth.Principal) error {
				_, _, err := w.s.ListAudit(ctx, p, store.AuditFilter{})
				return err
			}, "audit.read", ""},
			{"platform admin verifies the audit trail", w.p(t, "platform"), func(p *auth.Principal) error {
				_, err := w.s.VerifyAudit(ctx, p, nil)
				return err
			}, "audit.verify", ""},
			{"analyst grants self org_admin", analyst, func(p *auth.Principal) error {
				_, err := w.s.UpdateUser(ctx, p, p.User.ID, UserPatch{Roles: &[]org.Role{org.RoleAnalyst, org.RoleOrgAdmin}})
				return err
			}, "user.update", w.users["analyst-a"].ID},
			{"vendor admin links itself to the operator", venAdmin, func(p *auth.Principal) error {
				return w.s.AddLink(ctx, p, &org.Link{SupplierID: w.orgs["sup"].ID, CustomerID: a.ID})
			}, "link.manage", w.orgs["sup"].ID + ">" + a.ID},
		}
		for _, c := range cases {
			before := len(w.entries(t, store.AuditFilter{Outcome: audit.OutcomeDenied}))
			err := c.call(c.p)
			wantCode(t, c.name, err, apperr.CodeForbidden)
			es := w.entries(t, store.AuditFilter{Outcome: audit.OutcomeDenied})
			if len(es) != before+1 {
				t.Errorf("%s: %d denied entries added", c.name, len(es)-before)
				continue
			}
			e := es[len(es)-1]
			if e.Action != c.action || e.ObjectID != c.object || e.ActorID != c.p.User.ID || e.OrgID != c.p.User.OrgID ||
				e.ActorName != c.p.User.Email || e.SourceAddr != "192.0.2.1" || e.Detail == "" {
				t.Errorf("%s: entry %+v", c.name, e)
			}
		}
		// Nothing was changed by the refused calls.
		if o, _ := db.GetOrg(ctx, a.ID); o.Slug != a.Slug || o.Name != a.Name {
			t.Errorf("org changed: %+v", o)
		}
		if v, err := db.VerifyAudit(ctx, nil); err != nil || v.Problem() != nil {
			t.Fatalf("chain: %v %v", v.Problem(), err)
		}
	})
}

func TestCreateTokenRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		analyst, adminA, auditor, platform := w.p(t, "analyst-a"), w.p(t, "admin-a"), w.p(t, "auditor"), w.p(t, "platform")
		read := []org.Scope{org.ScopeRead}
		day := 24 * time.Hour
		in := func(d time.Duration) *time.Time { t := time.Now().Add(d); return &t }
		cases := []struct {
			name    string
			p       *auth.Principal
			user    string
			req     TokenRequest
			code    apperr.Code
			field   string
			expires time.Duration // expected lifetime (0: none), checked to the minute
		}{
			{"default lifetime", analyst, "", TokenRequest{Name: "ci", Scopes: read}, "", "", 90 * day},
			{"own id", analyst, w.users["analyst-a"].ID, TokenRequest{Name: "ci", Scopes: read}, "", "", 90 * day},
			{"own email", analyst, w.users["analyst-a"].Email, TokenRequest{Name: "ci", Scopes: read}, "", "", 90 * day},
			{"expires_in", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresIn: "720h"}, "", "", 30 * day},
			{"expires_at", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresAt: in(7 * day)}, "", "", 7 * day},
			{"both", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresAt: in(day), ExpiresIn: "1h"}, apperr.CodeInvalid, "expires_in", 0},
			{"bad duration", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresIn: "soon"}, apperr.CodeInvalid, "expires_in", 0},
			{"negative duration", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresIn: "-1h"}, apperr.CodeInvalid, "expires_in", 0},
			{"over a year", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresIn: "9000h"}, apperr.CodeInvalid, "expires_at", 0},
			{"in the past", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresAt: in(-time.Hour)}, apperr.CodeInvalid, "expires_at", 0},
			{"never, analyst", analyst, "", TokenRequest{Name: "ci", Scopes: read, ExpiresIn: "never"}, apperr.CodeInvalid, "expires_in", 0},
			{"never, platform admin", platform, "", TokenRequest{Name: "ci", Scopes: read, ExpiresIn: "never"}, "", "", 0},
			{"no name", analyst, "", TokenRequest{Scopes: read}, apperr.CodeInvalid, "name", 0},
			{"no scopes", analyst, "", TokenRequest{Name: "ci"}, apperr.CodeInvalid, "scopes", 0},
			{"unknown scope", analyst, "", TokenRequest{Name: "ci", Scopes: []org.Scope{"root"}}, apperr.CodeInvalid, "scopes[0]", 0},
			{"admin scope without org_admin", analyst, "", TokenRequest{Name: "ci", Scopes: []org.Scope{org.ScopeAdmin}}, apperr.CodeForbidden, "", 0},
			{"admin scope for an org admin", adminA, "", TokenRequest{Name: "ci", Scopes: []org.Scope{org.ScopeAdmin}}, "", "", 90 * day},
			{"audit scope without auditor", adminA, "", TokenRequest{Name: "ci", Scopes: []org.Scope{org.ScopeAudit}}, apperr.CodeForbidden, "", 0},
			{"audit scope for an auditor", auditor, "", TokenRequest{Name: "ci", Scopes: []org.Scope{org.ScopeAudit}}, "", "", 90 * day},
			{"for another user", adminA, w.users["analyst-a"].ID, TokenRequest{Name: "ci", Scopes: read}, apperr.CodeForbidden, "", 0},
			{"platform admin for another user", platform, w.users["analyst-a"].ID, TokenRequest{Name: "ci", Scopes: read}, apperr.CodeForbidden, "", 0},
			{"read token creates a token", w.withToken(t, "admin-a", org.ScopeRead), "", TokenRequest{Name: "ci", Scopes: read}, apperr.CodeForbidden, "", 0},
			{"admin token mints an audit token", w.withToken(t, "admin-o", org.ScopeAdmin), "", TokenRequest{Name: "ci", Scopes: []org.Scope{org.ScopeAudit}}, apperr.CodeForbidden, "", 0},
			{"system for a user", cli, w.users["analyst-a"].Email, TokenRequest{Name: "ci", Scopes: read, ExpiresIn: "never"}, "", "", 0},
			{"system cannot exceed the user's roles", cli, w.users["analyst-a"].ID, TokenRequest{Name: "ci", Scopes: []org.Scope{org.ScopeAudit}}, apperr.CodeInvalid, "scopes", 0},
			{"system for an unknown user", cli, "nobody@example.jp", TokenRequest{Name: "ci", Scopes: read}, apperr.CodeNotFound, "", 0},
		}
		for _, c := range cases {
			secret, tok, err := w.s.CreateToken(ctx, c.p, c.user, c.req)
			if c.code != "" {
				wantCode(t, c.name, err, c.code)
				if c.field != "" {
					wantInvalid(t, c.name, err, c.field)
				}
				if secret != "" || tok != nil {
					t.Errorf("%s: token returned with an error", c.name)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if !auth.LooksLikeToken(secret) || tok.Hash == nil || string(tok.Hash) != string(auth.HashSecret(secret)) {
				t.Errorf("%s: secret %q token %+v", c.name, secret, tok)
			}
			switch {
			case c.expires == 0 && tok.ExpiresAt != nil:
				t.Errorf("%s: expires at %v, want never", c.name, tok.ExpiresAt)
			case c.expires != 0 && (tok.ExpiresAt == nil || time.Until(*tok.ExpiresAt).Round(time.Minute) != c.expires):
				t.Errorf("%s: expires at %v, want in %v", c.name, tok.ExpiresAt, c.expires)
			}
			if c.p.User != nil && tok.UserID != c.p.User.ID {
				t.Errorf("%s: token for %s", c.name, tok.UserID)
			}
		}
		// Every creation is audited without the secret.
		for _, e := range w.entries(t, store.AuditFilter{Action: "token.create", Outcome: audit.OutcomeSuccess}) {
			if len(e.Detail) > 200 || e.ObjectID == "" {
				t.Errorf("token.create entry %+v", e)
			}
		}
	})
}

func TestUpdateUserRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		id := func(k string) string { return w.users[k].ID }
		rs := func(r ...org.Role) *[]org.Role { return &r }
		cases := []struct {
			name  string
			p     *auth.Principal
			user  string
			patch UserPatch
			code  apperr.Code
			field string
		}{
			{"own display name and locale", w.p(t, "analyst-a"), id("analyst-a"), UserPatch{DisplayName: ptr("分析 花子"), Locale: ptr("en")}, "", ""},
			{"own roles, unchanged", w.p(t, "analyst-a"), id("analyst-a"), UserPatch{Roles: rs(org.RoleAnalyst)}, "", ""},
			{"own roles, raised", w.p(t, "analyst-a"), id("analyst-a"), UserPatch{Roles: rs(org.RoleAnalyst, org.RoleOrgAdmin)}, apperr.CodeForbidden, ""},
			{"own account disabled", w.p(t, "analyst-a"), id("analyst-a"), UserPatch{Disabled: ptr(true)}, apperr.CodeForbidden, ""},
			{"a colleague's name by an analyst", w.p(t, "analyst-a"), id("admin-a"), UserPatch{DisplayName: ptr("x")}, apperr.CodeForbidden, ""},
			{"a colleague's roles by the org admin", w.p(t, "admin-a"), id("analyst-a"), UserPatch{Roles: rs(org.RoleReporter, org.RoleApproverLegal)}, "", ""},
			{"org admin drops own org_admin", w.p(t, "admin-a"), id("admin-a"), UserPatch{Roles: rs(org.RoleAnalyst)}, apperr.CodeForbidden, ""},
			{"org admin disables self", w.p(t, "admin-a"), id("admin-a"), UserPatch{Disabled: ptr(true)}, apperr.CodeInvalid, "disabled"},
			{"org admin grants platform_admin", w.p(t, "admin-a"), id("analyst-a"), UserPatch{Roles: rs(org.RolePlatformAdmin)}, apperr.CodeForbidden, ""},
			{"org admin grants auditor in an operator", w.p(t, "admin-a"), id("analyst-a"), UserPatch{Roles: rs(org.RoleAuditor)}, apperr.CodeForbidden, ""},
			{"org admin resets a platform admin's password", w.p(t, "admin-a"), id("platform-in-a"), UserPatch{Password: ptr("a-new-password-123")}, apperr.CodeForbidden, ""},
			{"org admin demotes a platform admin", w.p(t, "admin-a"), id("platform-in-a"), UserPatch{Roles: rs(org.RoleViewer)}, apperr.CodeForbidden, ""},
			{"org admin disables a platform admin", w.p(t, "admin-a"), id("platform-in-a"), UserPatch{Disabled: ptr(true)}, apperr.CodeForbidden, ""},
			{"another org's user (hidden)", w.p(t, "admin-ven"), id("analyst-a"), UserPatch{DisplayName: ptr("x")}, apperr.CodeNotFound, ""},
			{"unknown user", w.p(t, "admin-a"), "nobody@example.jp", UserPatch{DisplayName: ptr("x")}, apperr.CodeNotFound, ""},
			{"read token changes its owner's password", w.withToken(t, "analyst-a", org.ScopeRead, org.ScopeWrite), id("analyst-a"), UserPatch{Password: ptr("a-new-password-123")}, apperr.CodeForbidden, ""},
			{"admin token changes its owner's name", w.withToken(t, "admin-a", org.ScopeAdmin), id("admin-a"), UserPatch{DisplayName: ptr("管理者")}, "", ""},
			{"bad locale", w.p(t, "analyst-a"), id("analyst-a"), UserPatch{Locale: ptr("fr")}, apperr.CodeInvalid, "locale"},
			{"empty display name", w.p(t, "analyst-a"), id("analyst-a"), UserPatch{DisplayName: ptr(" ")}, apperr.CodeInvalid, "display_name"},
			{"no roles", w.p(t, "admin-a"), id("analyst-a"), UserPatch{Roles: rs()}, apperr.CodeInvalid, "roles"},
			{"short password", w.p(t, "analyst-a"), id("analyst-a"), UserPatch{Password: ptr("short")}, apperr.CodeInvalid, "password"},
			{"system grants auditor in an operator", cli, id("analyst-a"), UserPatch{Roles: rs(org.RoleAuditor)}, apperr.CodeInvalid, "roles"},
			{"oversight admin grants auditor", w.p(t, "admin-o"), id("admin-o"), UserPatch{Roles: rs(org.RoleOrgAdmin, org.RoleAuditor, org.RoleViewer)}, "", ""},
			{"platform admin demotes a platform admin", w.p(t, "platform"), id("platform-in-a"), UserPatch{Roles: rs(org.RoleViewer)}, "", ""},
			{"org admin disables a colleague", w.p(t, "admin-a"), id("analyst-a"), UserPatch{Disabled: ptr(true)}, "", ""},
		}
		for _, c := range cases {
			before, _ := db.GetUser(ctx, c.user)
			u, err := w.s.UpdateUser(ctx, c.p, c.user, c.patch)
			after, _ := db.GetUser(ctx, c.user)
			if c.code != "" {
				wantCode(t, c.name, err, c.code)
				if c.field != "" {
					wantInvalid(t, c.name, err, c.field)
				}
				if before != nil && (after.DisplayName != before.DisplayName || !slices.Equal(after.Roles, before.Roles) || after.Disabled != before.Disabled) {
					t.Errorf("%s: refused update changed the user: %+v -> %+v", c.name, before, after)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if u.ID != after.ID || u.DisplayName != after.DisplayName || !slices.Equal(u.Roles, after.Roles) || u.Disabled != after.Disabled {
				t.Errorf("%s: returned %+v, stored %+v", c.name, u, after)
			}
			if c.patch.Roles != nil && !slices.Equal(after.Roles, normRoles(*c.patch.Roles)) {
				t.Errorf("%s: roles %v", c.name, after.Roles)
			}
		}
		// The disabled analyst can no longer act.
		if _, err := w.s.principal(ctx, id("analyst-a"), ""); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("disabled user's principal: %v", err)
		}
	})
}

// A password change takes effect for logins and ends other sessions.
func TestPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		p := w.p(t, "admin-sup")
		secret, _, _ := w.s.NewSession(ctx, p)
		if _, err := w.s.UpdateUser(ctx, p, p.User.ID, UserPatch{Password: ptr("新しい長いパスワードです、覚えやすい")}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.s.Session(ctx, secret, ""); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("old session survived the password change: %v", err)
		}
		if _, err := w.s.Login(ctx, p.User.Email, "新しい長いパスワードです、覚えやすい", "192.0.2.3"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		es := w.entries(t, store.AuditFilter{Action: "user.password"})
		if len(es) != 1 || es[0].ActorID != p.User.ID || es[0].Detail != "" {
			t.Errorf("password entries %+v", es)
		}
	})
}

func TestCreateUserRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		pw := "initial password 123"
		n := 0
		mk := func(orgRef string, roles ...org.Role) *org.User {
			n++
			return &org.User{OrgID: orgRef, Email: fmt.Sprintf("new%d@example.jp", n), DisplayName: "新人", Roles: roles}
		}
		cases := []struct {
			name  string
			p     *auth.Principal
			u     *org.User
			pw    string
			code  apperr.Code
			field string
		}{
			{"org admin, own org by default", w.p(t, "admin-a"), mk("", org.RoleReporter), pw, "", ""},
			{"org admin, another org", w.p(t, "admin-a"), mk(w.orgs["ven"].ID, org.RoleViewer), pw, apperr.CodeForbidden, ""},
			{"analyst", w.p(t, "analyst-a"), mk("", org.RoleViewer), pw, apperr.CodeForbidden, ""},
			{"platform_admin by an org admin", w.p(t, "admin-a"), mk("", org.RolePlatformAdmin), pw, apperr.CodeForbidden, ""},
			{"auditor in an operator by the platform", w.p(t, "platform"), mk(w.orgs["a"].ID, org.RoleAuditor), pw, apperr.CodeForbidden, ""},
			{"auditor in an operator by the command line", cli, mk(w.orgs["a"].ID, org.RoleAuditor), "", apperr.CodeInvalid, "roles"},
			{"auditor in the oversight commission", w.p(t, "admin-o"), mk("", org.RoleAuditor), pw, "", ""},
			{"no password", w.p(t, "admin-a"), mk("", org.RoleViewer), "", apperr.CodeInvalid, "password"},
			{"short password", w.p(t, "admin-a"), mk("", org.RoleViewer), "short", apperr.CodeInvalid, "password"},
			{"unknown org", w.p(t, "platform"), mk("nope", org.RoleViewer), pw, apperr.CodeInvalid, "org_id"},
			{"org by slug", w.p(t, "platform"), mk("other-vendor", org.RoleViewer, org.RoleAnalyst), pw, "", ""},
			{"duplicate email", w.p(t, "admin-a"), &org.User{Email: "ANALYST@tokyo-power.example.jp", DisplayName: "x", Roles: []org.Role{org.RoleViewer}}, pw, apperr.CodeConflict, ""},
			{"bad email", w.p(t, "admin-a"), &org.User{Email: "analyst", DisplayName: "x", Roles: []org.Role{org.RoleViewer}}, pw, apperr.CodeInvalid, "email"},
		}
		for _, c := range cases {
			err := w.s.CreateUser(ctx, c.p, c.u, c.pw)
			if c.code != "" {
				wantCode(t, c.name, err, c.code)
				if c.field != "" {
					wantInvalid(t, c.name, err, c.field)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			got, err := db.GetUser(ctx, c.u.ID)
			if err != nil || got.Email != c.u.Email || (c.p.User != nil && c.p.User.OrgID != got.OrgID && !c.p.Has(org.RolePlatformAdmin)) {
				t.Errorf("%s: stored %+v, %v", c.name, got, err)
			}
		}
	})
}

func TestListAndGetUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		a := w.orgs["a"].ID
		count := func(us []org.User, orgID string) int {
			n := 0
			for _, u := range us {
				if u.OrgID == orgID {
					n++
				}
			}
			return n
		}
		us, _, err := w.s.ListUsers(ctx, w.p(t, "analyst-a"), store.UserFilter{})
		if err != nil || len(us) != 3 || count(us, a) != 3 {
			t.Errorf("own org: %d users, %v", len(us), err)
		}
		_, _, err = w.s.ListUsers(ctx, w.p(t, "analyst-a"), store.UserFilter{OrgID: w.orgs["ven"].ID})
		wantCode(t, "another org", err, apperr.CodeForbidden)
		_, _, err = w.s.ListUsers(ctx, w.p(t, "admin-a"), store.UserFilter{OrgID: "*"})
		wantCode(t, "all orgs by an org admin", err, apperr.CodeForbidden)
		us, _, err = w.s.ListUsers(ctx, w.p(t, "platform"), store.UserFilter{OrgID: "*"})
		if err != nil || len(us) != len(w.users) {
			t.Errorf("platform admin lists %d users, %v", len(us), err)
		}
		us, _, err = w.s.ListUsers(ctx, cli, store.UserFilter{})
		if err != nil || len(us) != len(w.users) {
			t.Errorf("command line lists %d users, %v", len(us), err)
		}
		// Users of other organisations are "not found", as if they did not exist.
		_, err = w.s.GetUser(ctx, w.p(t, "admin-ven"), w.users["analyst-a"].Email)
		wantCode(t, "other org's user", err, apperr.CodeNotFound)
		if u, err := w.s.GetUser(ctx, w.p(t, "admin-a"), w.users["analyst-a"].Email); err != nil || u.ID != w.users["analyst-a"].ID {
			t.Errorf("colleague: %v, %v", u, err)
		}
		// Tokens of other organisations' users are hidden the same way.
		_, err = w.s.ListTokens(ctx, w.p(t, "admin-ven"), w.users["analyst-a"].ID)
		wantCode(t, "other org's tokens", err, apperr.CodeNotFound)
		_, err = w.s.ListTokens(ctx, w.p(t, "analyst-a"), w.users["admin-a"].ID)
		wantCode(t, "colleague's tokens", err, apperr.CodeForbidden)
		_, tok, err := w.s.CreateToken(ctx, w.p(t, "analyst-a"), "", TokenRequest{Name: "x", Scopes: []org.Scope{org.ScopeRead}})
		if err != nil {
			t.Fatal(err)
		}
		if ts, err := w.s.ListTokens(ctx, w.p(t, "admin-a"), w.users["analyst-a"].ID); err != nil || len(ts) != 1 || ts[0].ID != tok.ID {
			t.Errorf("org admin lists a colleague's tokens: %v, %v", ts, err)
		}
		_, err = w.s.RevokeToken(ctx, w.p(t, "admin-ven"), tok.ID)
		wantCode(t, "revoke another org's token", err, apperr.CodeNotFound)
		if got, err := w.s.RevokeToken(ctx, w.p(t, "admin-a"), tok.ID); err != nil || got.RevokedAt == nil {
			t.Errorf("org admin revokes: %v, %v", got, err)
		}
	})
}

func TestOrgsAndLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		adminA, platform := w.p(t, "admin-a"), w.p(t, "platform")
		o, err := w.s.UpdateOrg(ctx, adminA, "tokyo-power", OrgPatch{Name: &org.Names{JA: "東京電力PG", EN: "TEPCO PG"},
			Contact: &org.Contact{Name: "SOC", Email: "soc2@tokyo-power.example.jp"}})
		if err != nil || o.Name.EN != "TEPCO PG" || o.Contact.Email != "soc2@tokyo-power.example.jp" || o.Slug != "tokyo-power" {
			t.Fatalf("org admin update: %+v, %v", o, err)
		}
		// Unchanged administrative fields need no platform admin.
		if _, err := w.s.UpdateOrg(ctx, adminA, "tokyo-power", OrgPatch{Slug: ptr("tokyo-power"), Kind: ptr(org.KindOperator)}); err != nil {
			t.Errorf("unchanged slug and kind: %v", err)
		}
		_, err = w.s.UpdateOrg(ctx, adminA, "tokyo-power", OrgPatch{Contact: &org.Contact{Name: "SOC"}})
		wantInvalid(t, "contact without a channel", err, "emergency_contact.phone")
		_, err = w.s.UpdateOrg(ctx, platform, "tokyo-power", OrgPatch{Slug: ptr("other-vendor")})
		if e := apperr.As(err); e == nil || e.Code != apperr.CodeConflict || e.Field != "slug" {
			t.Errorf("slug conflict: %v", err)
		}
		if o, err := w.s.UpdateOrg(ctx, platform, "tokyo-power", OrgPatch{Slug: ptr("tepco-pg"), Sector: ptr(org.SectorGas)}); err != nil || o.Slug != "tepco-pg" {
			t.Errorf("platform admin renames: %+v, %v", o, err)
		}
		_, err = w.s.UpdateOrg(ctx, platform, "nope", OrgPatch{})
		wantCode(t, "unknown org", err, apperr.CodeNotFound)

		// Links: an admin of either end, or a platform admin.
		l := &org.Link{SupplierID: w.orgs["ven"].ID, CustomerID: w.orgs["a"].ID, Description: "EDR"}
		if err := w.s.AddLink(ctx, w.p(t, "admin-ven"), l); err != nil {
			t.Errorf("supplier admin adds a link: %v", err)
		}
		if err := w.s.RemoveLink(ctx, adminA, l.SupplierID, l.CustomerID); err != nil {
			t.Errorf("customer admin removes it: %v", err)
		}
		err = w.s.AddLink(ctx, w.p(t, "admin-sup"), &org.Link{SupplierID: w.orgs["ven"].ID, CustomerID: w.orgs["a"].ID})
		wantCode(t, "third party adds a link", err, apperr.CodeForbidden)
		links, err := w.s.ListLinks(ctx, w.p(t, "admin-ven"), "it-partner")
		if err != nil || len(links) != 1 {
			t.Errorf("ListLinks = %v, %v", links, err)
		}
		// Audit trail access for the oversight commission, itself audited.
		// link.add (setup), link.add, link.remove, and the denied link.manage.
		es, _, err := w.s.ListAudit(ctx, w.p(t, "auditor"), store.AuditFilter{Action: "link."})
		if err != nil || len(es) != 4 || es[0].Action != "link.manage" || es[0].Outcome != audit.OutcomeDenied {
			t.Errorf("auditor lists %d link entries, %v", len(es), err)
		}
		if got := w.entries(t, store.AuditFilter{Action: "audit.read"}); len(got) != 1 || got[0].ActorID != w.users["auditor"].ID {
			t.Errorf("audit.read entries %+v", got)
		}
		r, err := w.s.VerifyAudit(ctx, w.p(t, "auditor"), nil)
		if err != nil || !r.OK || r.Entries == 0 || r.Problem != nil {
			t.Fatalf("VerifyAudit = %+v, %v", r, err)
		}
		a, err := audit.ParseAnchor(r.Head)
		if err != nil || a.Seq != r.Entries {
			t.Errorf("head %q: %v", r.Head, err)
		}
		r2, err := w.s.VerifyAudit(ctx, w.p(t, "auditor"), []audit.Anchor{a})
		if err != nil || !r2.OK || r2.Entries != r.Entries+1 {
			t.Errorf("verify with the previous head as anchor: %+v, %v", r2, err)
		}
		if got := w.entries(t, store.AuditFilter{Action: "audit.verify"}); len(got) != 2 || got[0].Outcome != audit.OutcomeSuccess {
			t.Errorf("audit.verify entries %+v", got)
		}
		bad := audit.Anchor{Seq: 3, Hash: make([]byte, 32)}
		r3, err := w.s.VerifyAudit(ctx, w.p(t, "auditor"), []audit.Anchor{bad})
		if err != nil || r3.OK || r3.Problem == nil || r3.Problem.Kind != audit.ProblemAnchor {
			t.Errorf("verify with a wrong anchor: %+v, %v", r3, err)
		}
		if got := w.entries(t, store.AuditFilter{Action: "audit.verify", Outcome: audit.OutcomeFailure}); len(got) != 1 {
			t.Errorf("failed verification not audited: %+v", got)
		}
	})
}
