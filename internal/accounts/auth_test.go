package accounts

import (
	"context"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

const goodPassword = "長いパスフレーズ correct horse"

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		w.s.Throttle = auth.NewThrottle(auth.ThrottleConfig{PerAccount: 3, PerAddr: 6, Window: 10 * time.Minute})
		w.s.Throttle.Now = func() time.Time { return clock }
		analyst := w.users["analyst-a"]
		if _, err := w.s.UpdateUser(ctx, cli, analyst.ID, UserPatch{Password: ptr(goodPassword)}); err != nil {
			t.Fatal(err)
		}

		// Success.
		p, err := w.s.Login(ctx, " Analyst@Tokyo-Power.example.jp", goodPassword, "192.0.2.10:50000")
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		if p.User.ID != analyst.ID || p.Org == nil || p.Org.ID != analyst.OrgID || p.SourceAddr != "192.0.2.10:50000" || p.Token != nil {
			t.Fatalf("principal %+v", p)
		}
		if u, _ := db.GetUser(ctx, analyst.ID); u.LastLoginAt == nil {
			t.Error("last login not recorded")
		}
		es := w.entries(t, store.AuditFilter{Action: "login"})
		if len(es) != 1 || es[0].Outcome != audit.OutcomeSuccess || es[0].ActorID != analyst.ID || es[0].SourceAddr != "192.0.2.10:50000" {
			t.Fatalf("login entries %+v", es)
		}

		// Failures: one error for all of them, so nothing tells them apart.
		if _, err := w.s.UpdateUser(ctx, cli, w.users["admin-ven"].ID, UserPatch{Password: ptr(goodPassword)}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.UpdateUser(ctx, cli, w.users["admin-ven"].ID, UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		fails := []struct {
			name, email, pw, why string
		}{
			{"wrong password", "analyst@tokyo-power.example.jp", goodPassword + "!", "wrong password"},
			{"unknown user", "nobody@tokyo-power.example.jp", goodPassword, "unknown account"},
			{"disabled user", "admin@other-vendor.example.jp", goodPassword, "account disabled"},
			{"no password set", "admin@it-partner.example.jp", "", "no password set"},
		}
		for i, f := range fails {
			p, err := w.s.Login(ctx, f.email, f.pw, "198.51.100."+string(rune('1'+i)))
			e := apperr.As(err)
			if p != nil || e == nil || e.Code != apperr.CodeUnauthenticated || e.Message != "wrong email or password" || e.MessageKey != "err.login_failed" {
				t.Errorf("%s: %v, %v", f.name, p, err)
			}
			es := w.entries(t, store.AuditFilter{Action: "login", Outcome: audit.OutcomeFailure})
			if last := es[len(es)-1]; last.Detail != f.why || last.ActorName != f.email {
				t.Errorf("%s: audited as %+v", f.name, last)
			}
		}

		// Throttling per account: spellings of one address are one account.
		clock = clock.Add(10 * time.Minute) // forget the failures above
		for _, email := range []string{"ANALYST@tokyo-power.example.jp", "analyst@TOKYO-POWER.example.jp", " analyst@tokyo-power.example.jp"} {
			if _, err := w.s.Login(ctx, email, "guess-guess-guess", "203.0.113.7:1"); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
				t.Fatalf("failure: %v", err)
			}
		}
		_, err = w.s.Login(ctx, "analyst@tokyo-power.example.jp", goodPassword, "203.0.113.99:1")
		if e := apperr.As(err); e == nil || e.Code != apperr.CodeRateLimited || e.MessageKey != "err.login_throttled" {
			t.Fatalf("locked account, right password: %v", err)
		}
		if es := w.entries(t, store.AuditFilter{Action: "login", Outcome: audit.OutcomeDenied}); len(es) != 1 || es[0].Detail != "throttled" {
			t.Errorf("throttled attempt audited as %+v", es)
		}
		clock = clock.Add(10 * time.Minute)
		if _, err := w.s.Login(ctx, "analyst@tokyo-power.example.jp", goodPassword, "203.0.113.99:1"); err != nil {
			t.Fatalf("after the window: %v", err)
		}

		// Throttling per address: the port does not make a new address.
		for i := range 6 {
			_, err := w.s.Login(ctx, "spray"+string(rune('a'+i))+"@example.jp", "guess-guess-guess", "203.0.113.50:"+string(rune('1'+i)))
			if apperr.CodeOf(err) != apperr.CodeUnauthenticated {
				t.Fatalf("spray %d: %v", i, err)
			}
		}
		if _, err := w.s.Login(ctx, "analyst@tokyo-power.example.jp", goodPassword, "203.0.113.50:9999"); apperr.CodeOf(err) != apperr.CodeRateLimited {
			t.Fatalf("address not throttled: %v", err)
		}
		// ... and an IPv6 client cannot rotate through its /64.
		for i := range 6 {
			_, _ = w.s.Login(ctx, "v6@example.jp"+strings.Repeat("x", i), "guess-guess-guess", "[2001:db8:1:2::"+string(rune('1'+i))+"]:443")
		}
		if _, err := w.s.Login(ctx, "analyst@tokyo-power.example.jp", goodPassword, "[2001:db8:1:2:ffff::1]:443"); apperr.CodeOf(err) != apperr.CodeRateLimited {
			t.Fatalf("IPv6 /64 not throttled: %v", err)
		}
		if _, err := w.s.Login(ctx, "analyst@tokyo-power.example.jp", goodPassword, "[2001:db8:1:3::1]:443"); err != nil {
			t.Fatalf("other /64 throttled: %v", err)
		}

		// Absurd login names are refused like any other and kept short in the trail.
		_, err = w.s.Login(ctx, strings.Repeat("x", 10000)+"\x00@example.jp", "pw", "192.0.2.200")
		wantCode(t, "long name", err, apperr.CodeUnauthenticated)
		es = w.entries(t, store.AuditFilter{Action: "login", Outcome: audit.OutcomeFailure})
		if last := es[len(es)-1]; len(last.ActorName) > 300 {
			t.Errorf("audited name of %d bytes", len(last.ActorName))
		}
		if v, err := db.VerifyAudit(ctx, nil); err != nil || v.Problem() != nil {
			t.Fatalf("chain after logins: %v %v", v.Problem(), err)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		p := w.p(t, "analyst-a")
		secret, sess, err := w.s.NewSession(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) != 52 || sess.CSRF == "" || sess.CSRF == secret || string(sess.Hash) == secret {
			t.Fatalf("session %q %+v", secret, sess)
		}
		got, gs, err := w.s.Session(ctx, secret, "192.0.2.5")
		if err != nil || got.User.ID != p.User.ID || got.Org.ID != p.Org.ID || gs.CSRF != sess.CSRF || got.SourceAddr != "192.0.2.5" {
			t.Fatalf("Session = %+v %+v %v", got, gs, err)
		}
		for _, bad := range []string{"", secret + "x", secret[:51], auth.NewSecret("")} {
			if p, s, err := w.s.Session(ctx, bad, ""); p != nil || s != nil || apperr.CodeOf(err) != apperr.CodeUnauthenticated {
				t.Errorf("Session(%q) = %v %v %v", bad, p, s, err)
			}
		}
		// Expiry.
		w.s.SessionTTL = time.Hour
		secret2, _, _ := w.s.NewSession(ctx, p)
		db.Now = func() time.Time { return time.Now().Add(time.Hour + time.Minute) }
		if _, _, err := w.s.Session(ctx, secret2, ""); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("expired session: %v", err)
		}
		db.Now = time.Now
		// A disabled user's sessions stop working.
		secret3, _, _ := w.s.NewSession(ctx, w.p(t, "admin-ven"))
		if _, err := w.s.UpdateUser(ctx, w.p(t, "platform"), w.users["admin-ven"].ID, UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.s.Session(ctx, secret3, ""); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("session of a disabled user: %v", err)
		}
		// Logout ends the session and is audited.
		if err := w.s.Logout(ctx, got, secret); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.s.Session(ctx, secret, ""); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("session after logout: %v", err)
		}
		if es := w.entries(t, store.AuditFilter{Action: "logout"}); len(es) != 1 || es[0].ActorID != p.User.ID {
			t.Errorf("logout entries %+v", es)
		}
	})
}

func TestTokenAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		analyst := w.p(t, "analyst-a")
		secret, tok, err := w.s.CreateToken(ctx, analyst, "", TokenRequest{Name: "SIEM 連携", Scopes: []org.Scope{org.ScopeRead}})
		if err != nil {
			t.Fatal(err)
		}
		if !auth.LooksLikeToken(secret) || tok.Prefix != secret[:10] || tok.UserID != analyst.User.ID || tok.OrgID != analyst.User.OrgID {
			t.Fatalf("token %q %+v", secret, tok)
		}
		p, err := w.s.Token(ctx, secret, "192.0.2.77")
		if err != nil || p.User.ID != analyst.User.ID || p.Token == nil || p.Token.ID != tok.ID || p.Org == nil || p.SourceAddr != "192.0.2.77" {
			t.Fatalf("Token = %+v, %v", p, err)
		}
		if got, _ := db.GetToken(ctx, tok.ID); got.LastUsedAt == nil {
			t.Error("last use not recorded")
		}
		if !strings.Contains(p.Actor().Name, tok.Prefix) {
			t.Errorf("token actor %q does not name the token", p.Actor().Name)
		}

		// Bad shapes and unknown tokens.
		for _, bad := range []string{"", "skm_", secret[:20], secret + "a", "Bearer " + secret, strings.ToUpper(secret), auth.NewSecret("ghp_")} {
			if p, err := w.s.Token(ctx, bad, ""); p != nil || apperr.CodeOf(err) != apperr.CodeUnauthenticated {
				t.Errorf("Token(%q) = %v, %v", bad, p, err)
			}
		}
		if p, err := w.s.Token(ctx, auth.NewSecret(auth.TokenPrefix), ""); p != nil || apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("unknown token: %v, %v", p, err)
		}

		// Expired: a token made yesterday that expired an hour ago.
		old := auth.NewSecret(auth.TokenPrefix)
		exp := time.Now().Add(-time.Hour)
		db.Now = func() time.Time { return time.Now().Add(-24 * time.Hour) }
		err = db.CreateToken(ctx, audit.Actor{Name: "cli"}, &org.Token{UserID: analyst.User.ID, OrgID: analyst.User.OrgID, Name: "old",
			Prefix: auth.DisplayPrefix(old), Hash: auth.HashSecret(old), Scopes: []org.Scope{org.ScopeRead}, ExpiresAt: &exp})
		db.Now = time.Now
		if err != nil {
			t.Fatal(err)
		}
		if p, err := w.s.Token(ctx, old, ""); p != nil || apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("expired token: %v, %v", p, err)
		}

		// Revoked.
		if _, err := w.s.RevokeToken(ctx, analyst, tok.ID); err != nil {
			t.Fatal(err)
		}
		if p, err := w.s.Token(ctx, secret, ""); p != nil || apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("revoked token: %v, %v", p, err)
		}

		// The owner disabled.
		s2, _, err := w.s.CreateToken(ctx, w.p(t, "admin-sup"), "", TokenRequest{Name: "x", Scopes: []org.Scope{org.ScopeRead}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.UpdateUser(ctx, cli, w.users["admin-sup"].ID, UserPatch{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if p, err := w.s.Token(ctx, s2, ""); p != nil || apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("token of a disabled user: %v, %v", p, err)
		}
		// The secret itself is nowhere in the store or the trail.
		for _, e := range w.entries(t, store.AuditFilter{}) {
			if strings.Contains(e.Detail, secret[10:]) || strings.Contains(e.ActorName, secret[10:]) {
				t.Errorf("secret in audit entry %+v", e)
			}
		}
	})
}

// Methods called without a principal refuse before doing anything.
func TestUnauthenticated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		uid := w.users["analyst-a"].ID
		for _, p := range []*auth.Principal{nil, {}, {SourceAddr: "192.0.2.1"}} {
			calls := map[string]error{}
			_, _, calls["ListOrgs"] = w.s.ListOrgs(ctx, p, store.OrgFilter{})
			_, calls["GetOrg"] = w.s.GetOrg(ctx, p, "tokyo-power")
			calls["CreateOrg"] = w.s.CreateOrg(ctx, p, &org.Organisation{Slug: "x-y"})
			_, calls["UpdateOrg"] = w.s.UpdateOrg(ctx, p, "tokyo-power", OrgPatch{})
			_, _, calls["ListUsers"] = w.s.ListUsers(ctx, p, store.UserFilter{})
			_, _, calls["ListUsers(org)"] = w.s.ListUsers(ctx, p, store.UserFilter{OrgID: w.orgs["a"].ID})
			_, calls["GetUser"] = w.s.GetUser(ctx, p, uid)
			_, calls["GetUser(unknown)"] = w.s.GetUser(ctx, p, "nobody@example.jp")
			calls["CreateUser"] = w.s.CreateUser(ctx, p, &org.User{OrgID: w.orgs["a"].ID, Email: "n@example.jp", DisplayName: "n", Roles: []org.Role{org.RoleViewer}}, "long-enough-password")
			_, calls["UpdateUser"] = w.s.UpdateUser(ctx, p, uid, UserPatch{DisplayName: ptr("x")})
			_, _, calls["CreateToken"] = w.s.CreateToken(ctx, p, uid, TokenRequest{Name: "x", Scopes: []org.Scope{org.ScopeRead}})
			_, calls["ListTokens"] = w.s.ListTokens(ctx, p, "")
			_, calls["RevokeToken"] = w.s.RevokeToken(ctx, p, "x")
			_, _, calls["ListAudit"] = w.s.ListAudit(ctx, p, store.AuditFilter{})
			_, calls["VerifyAudit"] = w.s.VerifyAudit(ctx, p, nil)
			calls["AddLink"] = w.s.AddLink(ctx, p, &org.Link{SupplierID: w.orgs["ven"].ID, CustomerID: w.orgs["a"].ID})
			for name, err := range calls {
				wantCode(t, name, err, apperr.CodeUnauthenticated)
			}
		}
	})
}
