package store_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func mustCreateUser(t *testing.T, db *store.DB, orgID, email, name string, roles ...org.Role) *org.User {
	t.Helper()
	u := &org.User{OrgID: orgID, Email: email, DisplayName: name, Roles: roles}
	if err := db.CreateUser(context.Background(), cli, u, "hash-of-"+email); err != nil {
		t.Fatalf("CreateUser %s: %v", email, err)
	}
	return u
}

func emails(us []org.User) []string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = u.Email
	}
	slices.Sort(s)
	return s
}

func TestListUsersFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreateOrg(t, db, newOrg("org-a", org.KindOperator, org.SectorRailway))
		b := mustCreateOrg(t, db, newOrg("org-b", org.KindVendor, ""))
		mustCreateUser(t, db, a.ID, "admin@a.example.jp", "山田 太郎", org.RoleOrgAdmin, org.RoleAnalyst)
		mustCreateUser(t, db, a.ID, "analyst@a.example.jp", "Hanako Suzuki", org.RoleAnalyst)
		mustCreateUser(t, db, a.ID, "legal@a.example.jp", "法務 担当", org.RoleApproverLegal)
		mustCreateUser(t, db, b.ID, "admin@b.example.jp", "B Admin", org.RoleOrgAdmin)
		mustCreateUser(t, db, b.ID, "percent@b.example.jp", "100% Sure_Person", org.RoleViewer)
		cases := []struct {
			name string
			f    store.UserFilter
			want []string
		}{
			{"org", store.UserFilter{OrgID: b.ID}, []string{"admin@b.example.jp", "percent@b.example.jp"}},
			{"role with underscore", store.UserFilter{Role: org.RoleOrgAdmin}, []string{"admin@a.example.jp", "admin@b.example.jp"}},
			{"role and org", store.UserFilter{Role: org.RoleOrgAdmin, OrgID: a.ID}, []string{"admin@a.example.jp"}},
			{"role is exact", store.UserFilter{Role: "admin"}, nil},
			{"second role", store.UserFilter{Role: org.RoleAnalyst}, []string{"admin@a.example.jp", "analyst@a.example.jp"}},
			{"approver_legal", store.UserFilter{Role: org.RoleApproverLegal}, []string{"legal@a.example.jp"}},
			{"query email", store.UserFilter{Query: "ANALYST@"}, []string{"analyst@a.example.jp"}},
			{"query display name any case", store.UserFilter{Query: "suzuki"}, []string{"analyst@a.example.jp"}},
			{"query japanese name", store.UserFilter{Query: "山田"}, []string{"admin@a.example.jp"}},
			{"query percent literal", store.UserFilter{Query: "100%"}, []string{"percent@b.example.jp"}},
			{"query underscore literal", store.UserFilter{Query: "_"}, []string{"percent@b.example.jp"}},
			{"unknown org", store.UserFilter{OrgID: "nope"}, nil},
		}
		for _, c := range cases {
			us, _, err := db.ListUsers(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := emails(us); !slices.Equal(got, c.want) {
				t.Errorf("%s: ListUsers(%+v) = %v, want %v", c.name, c.f, got, c.want)
			}
		}
		// Pages of two join up to all five users, in id order.
		all, next, err := db.ListUsers(ctx, store.UserFilter{})
		if err != nil || len(all) != 5 || next != "" {
			t.Fatalf("all users: %d, %q, %v", len(all), next, err)
		}
		var got []string
		cursor := ""
		for {
			page, next, err := db.ListUsers(ctx, store.UserFilter{Limit: 2, After: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page {
				got = append(got, u.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		var want []string
		for _, u := range all {
			want = append(want, u.ID)
		}
		if !slices.Equal(got, want) || !slices.IsSorted(got) {
			t.Errorf("paged ids %v, want %v", got, want)
		}
		if n, err := db.CountUsers(ctx); err != nil || n != 5 {
			t.Errorf("CountUsers = %d, %v", n, err)
		}
	})
}

func TestUserConflictsAndNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := mustCreateOrg(t, db, newOrg("org-a", org.KindVendor, ""))
		u := mustCreateUser(t, db, o.ID, "Alice@Example.JP ", "Alice", org.RoleViewer, org.RoleAnalyst, org.RoleViewer)
		if u.Email != "alice@example.jp" || !slices.Equal(u.Roles, []org.Role{org.RoleAnalyst, org.RoleViewer}) {
			t.Errorf("not normalised: %q %v", u.Email, u.Roles)
		}
		err := db.CreateUser(ctx, cli, &org.User{OrgID: o.ID, Email: "ALICE@example.jp", DisplayName: "Other", Roles: []org.Role{org.RoleViewer}}, "")
		if e := apperr.As(err); !errors.Is(err, apperr.ErrConflict) || e.Field != "email" {
			t.Errorf("duplicate email (other case): %v", err)
		}
		err = db.CreateUser(ctx, cli, &org.User{OrgID: o.ID, Email: "bob@example.jp", DisplayName: "Bob", Roles: []org.Role{"root"}}, "")
		if e := apperr.As(err); e == nil || e.Code != apperr.CodeInvalid || e.Field != "roles[0]" {
			t.Errorf("unknown role: %v", err)
		}
		for _, ref := range []string{"nobody@example.jp", "0190c1e0-0000-7000-8000-000000000000", ""} {
			got, err := db.GetUser(ctx, ref)
			if got != nil || !errors.Is(err, apperr.ErrNotFound) {
				t.Errorf("GetUser(%q) = %v, %v", ref, got, err)
			}
		}
		got, hash, err := db.GetUserForLogin(ctx, " ALICE@example.jp")
		if err != nil || got.ID != u.ID || hash != "hash-of-Alice@Example.JP " {
			t.Errorf("GetUserForLogin = %v %q %v", got, hash, err)
		}
		if got, err := db.GetUser(ctx, "Alice@example.JP"); err != nil || got.ID != u.ID {
			t.Errorf("GetUser by email in other case = %v, %v", got, err)
		}
		ghost := &org.User{ID: "0190c1e0-0000-7000-8000-000000000000", OrgID: o.ID, Email: "g@example.jp", DisplayName: "G", Roles: []org.Role{org.RoleViewer}}
		if err := db.UpdateUser(ctx, cli, ghost); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("UpdateUser(unknown) = %v", err)
		}
		if err := db.SetPassword(ctx, cli, ghost.ID, "h"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("SetPassword(unknown) = %v", err)
		}
		// Update keeps email and organisation, changes the rest.
		u.DisplayName, u.Roles, u.Locale = "Alice S.", []org.Role{org.RoleOrgAdmin}, "en"
		u.Email = "changed@example.jp"
		if err := db.UpdateUser(ctx, cli, u); err != nil {
			t.Fatal(err)
		}
		got, err = db.GetUser(ctx, u.ID)
		if err != nil || got.Email != "alice@example.jp" || got.DisplayName != "Alice S." || got.Locale != "en" ||
			!slices.Equal(got.Roles, []org.Role{org.RoleOrgAdmin}) {
			t.Errorf("after update: %+v, %v", got, err)
		}
	})
}

func TestRecordLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := mustCreateOrg(t, db, newOrg("org-a", org.KindVendor, ""))
		u := mustCreateUser(t, db, o.ID, "a@example.jp", "A", org.RoleViewer)
		at := time.Date(2026, 11, 23, 1, 2, 3, 456789000, time.UTC)
		db.Now = func() time.Time { return at }
		if err := db.RecordLogin(ctx, audit.Actor{Name: "a@example.jp"}, u.ID, audit.OutcomeFailure, "wrong password"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetUser(ctx, u.ID); got.LastLoginAt != nil {
			t.Errorf("failed login stamped last_login_at: %v", got.LastLoginAt)
		}
		if err := db.RecordLogin(ctx, audit.Actor{UserID: u.ID, Name: "a@example.jp"}, u.ID, audit.OutcomeSuccess, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetUser(ctx, u.ID); got.LastLoginAt == nil || !got.LastLoginAt.Equal(at) {
			t.Errorf("last_login_at = %v, want %v", got.LastLoginAt, at)
		}
		es, _, _ := db.ListAudit(ctx, store.AuditFilter{Action: "login"})
		if len(es) != 2 || es[0].Outcome != audit.OutcomeSuccess || es[1].Outcome != audit.OutcomeFailure || es[1].Detail != "wrong password" {
			t.Errorf("login entries: %+v", es)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := mustCreateOrg(t, db, newOrg("org-a", org.KindVendor, ""))
		o2 := mustCreateOrg(t, db, newOrg("org-b", org.KindVendor, ""))
		u := mustCreateUser(t, db, o.ID, "a@example.jp", "A", org.RoleOrgAdmin)
		u2 := mustCreateUser(t, db, o.ID, "b@example.jp", "B", org.RoleViewer)
		u3 := mustCreateUser(t, db, o2.ID, "c@example.jp", "C", org.RoleViewer)
		exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
		mk := func(user *org.User, name string, hash byte) *org.Token {
			tok := &org.Token{UserID: user.ID, OrgID: user.OrgID, Name: name, Prefix: "skm_" + name,
				Hash: bytes.Repeat([]byte{hash}, 32), Scopes: []org.Scope{org.ScopeRead, org.ScopeWrite}, ExpiresAt: &exp}
			if err := db.CreateToken(ctx, cli, tok); err != nil {
				t.Fatalf("CreateToken %s: %v", name, err)
			}
			return tok
		}
		t1, t2, t3, t4 := mk(u, "one", 1), mk(u, "two", 2), mk(u2, "three", 3), mk(u3, "four", 4)
		got, err := db.GetTokenByHash(ctx, bytes.Repeat([]byte{2}, 32))
		if err != nil || got.ID != t2.ID || !slices.Equal(got.Scopes, t2.Scopes) || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
			t.Errorf("GetTokenByHash = %+v, %v", got, err)
		}
		if got, err := db.GetTokenByHash(ctx, bytes.Repeat([]byte{9}, 32)); got != nil || !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown hash: %v, %v", got, err)
		}
		if got, err := db.GetToken(ctx, "nope"); got != nil || !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown id: %v, %v", got, err)
		}
		ids := func(ts []org.Token) []string {
			var s []string
			for _, t := range ts {
				s = append(s, t.ID)
			}
			return s
		}
		if ts, err := db.ListTokens(ctx, u.ID, ""); err != nil || !slices.Equal(ids(ts), []string{t2.ID, t1.ID}) {
			t.Errorf("ListTokens(user) = %v, %v (newest first)", ids(ts), err)
		}
		if ts, err := db.ListTokens(ctx, "", o.ID); err != nil || !slices.Equal(ids(ts), []string{t3.ID, t2.ID, t1.ID}) {
			t.Errorf("ListTokens(org) = %v, %v", ids(ts), err)
		}
		if ts, _ := db.ListTokens(ctx, "", o2.ID); !slices.Equal(ids(ts), []string{t4.ID}) {
			t.Errorf("ListTokens(other org) = %v", ids(ts))
		}
		// Duplicate secret hash: conflict, nothing stored.
		dup := &org.Token{UserID: u.ID, OrgID: o.ID, Name: "dup", Hash: bytes.Repeat([]byte{1}, 32), Scopes: []org.Scope{org.ScopeRead}}
		if err := db.CreateToken(ctx, cli, dup); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("duplicate hash: %v", err)
		}
		if err := db.CreateToken(ctx, cli, &org.Token{UserID: u.ID, OrgID: o.ID, Name: "nohash", Scopes: []org.Scope{org.ScopeRead}}); err == nil {
			t.Error("token without hash accepted")
		}
		past := time.Now().Add(-time.Hour)
		err = db.CreateToken(ctx, cli, &org.Token{UserID: u.ID, OrgID: o.ID, Name: "old", Hash: []byte("x"), Scopes: []org.Scope{org.ScopeRead}, ExpiresAt: &past})
		if apperr.As(err).Field != "expires_at" {
			t.Errorf("expired at creation: %v", err)
		}
		// Revoke is idempotent and keeps the first time.
		if err := db.RevokeToken(ctx, cli, t1.ID); err != nil {
			t.Fatal(err)
		}
		first, _ := db.GetToken(ctx, t1.ID)
		db.Now = func() time.Time { return time.Now().Add(time.Hour) }
		if err := db.RevokeToken(ctx, cli, t1.ID); err != nil {
			t.Fatal(err)
		}
		db.Now = time.Now
		again, _ := db.GetToken(ctx, t1.ID)
		if first.RevokedAt == nil || !again.RevokedAt.Equal(*first.RevokedAt) {
			t.Errorf("revoked_at %v then %v", first.RevokedAt, again.RevokedAt)
		}
		if err := db.RevokeToken(ctx, cli, "nope"); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("revoke unknown: %v", err)
		}
		used := time.Date(2026, 11, 23, 5, 0, 0, 1000, time.UTC)
		if err := db.TouchToken(ctx, t2.ID, used); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetToken(ctx, t2.ID); got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
			t.Errorf("last_used_at = %v", got.LastUsedAt)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := mustCreateOrg(t, db, newOrg("org-a", org.KindVendor, ""))
		u := mustCreateUser(t, db, o.ID, "a@example.jp", "A", org.RoleOrgAdmin)
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		mk := func(b byte, ttl time.Duration) *store.Session {
			s := &store.Session{Hash: bytes.Repeat([]byte{b}, 32), UserID: u.ID, CSRF: "csrf", ExpiresAt: now.Add(ttl), SourceAddr: "192.0.2.1"}
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		s1 := mk(1, time.Hour)
		mk(2, time.Minute)
		got, err := db.GetSession(ctx, s1.Hash)
		if err != nil || got.UserID != u.ID || got.CSRF != "csrf" || !got.ExpiresAt.Equal(s1.ExpiresAt) || got.SourceAddr != "192.0.2.1" {
			t.Fatalf("GetSession = %+v, %v", got, err)
		}
		if got, err := db.GetSession(ctx, []byte("unknown")); got != nil || !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("unknown session: %v, %v", got, err)
		}
		// Expiry: at the instant of expiry the session is gone.
		now = now.Add(time.Minute)
		if got, err := db.GetSession(ctx, bytes.Repeat([]byte{2}, 32)); got != nil || !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("expired session: %v, %v", got, err)
		}
		if _, err := db.GetSession(ctx, s1.Hash); err != nil {
			t.Errorf("live session: %v", err)
		}
		if n, err := db.DeleteExpiredSessions(ctx); err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v", n, err)
		}
		// Logout deletes the session and is audited.
		act := audit.Actor{UserID: u.ID, Name: u.Email, OrgID: o.ID}
		if err := db.DeleteSession(ctx, act, s1.Hash); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetSession(ctx, s1.Hash); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("session after logout: %v", err)
		}
		if es, _, _ := db.ListAudit(ctx, store.AuditFilter{Action: "logout"}); len(es) != 1 || es[0].ActorID != u.ID {
			t.Errorf("logout entries: %+v", es)
		}
		// Disabling a user and setting a password end their sessions.
		mk(3, time.Hour)
		u.Disabled = true
		if err := db.UpdateUser(ctx, cli, u); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetSession(ctx, bytes.Repeat([]byte{3}, 32)); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("session of a disabled user: %v", err)
		}
		mk(4, time.Hour)
		if err := db.SetPassword(ctx, cli, u.ID, "new-hash"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetSession(ctx, bytes.Repeat([]byte{4}, 32)); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("session after password change: %v", err)
		}
		if _, h, _ := db.GetUserForLogin(ctx, u.Email); h != "new-hash" {
			t.Errorf("password hash = %q", h)
		}
	})
}

func TestMeta(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if v, err := db.Meta(ctx, "anchor"); v != "" || !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("missing key: %q, %v", v, err)
		}
		for _, v := range []string{"1:abc", "2:def", ""} {
			if err := db.SetMeta(ctx, "anchor", v); err != nil {
				t.Fatal(err)
			}
			if got, err := db.Meta(ctx, "anchor"); err != nil || got != v {
				t.Errorf("Meta = %q, %v; want %q", got, err, v)
			}
		}
		// MetaInit: the first value stays; concurrent callers agree on it.
		if v, err := db.MetaInit(ctx, "anchor", "other"); err != nil || v != "" {
			t.Errorf("MetaInit over an existing value = %q, %v; want the stored \"\"", v, err)
		}
		got := make(chan string, 8)
		for i := range 8 {
			go func() {
				v, err := db.MetaInit(ctx, "key", strconv.Itoa(i))
				if err != nil {
					t.Error(err)
				}
				got <- v
			}()
		}
		first := <-got
		for range 7 {
			if v := <-got; v != first {
				t.Errorf("MetaInit: callers got %q and %q", first, v)
			}
		}
		if v, err := db.Meta(ctx, "key"); err != nil || v != first {
			t.Errorf("Meta after MetaInit = %q, %v; want %q", v, err, first)
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, storetest.DSN(t, d), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ms, err := db.Migrations(ctx)
			if err != nil || len(ms) == 0 {
				t.Fatalf("Migrations before: %v, %v", ms, err)
			}
			for _, m := range ms {
				if m.Applied {
					t.Errorf("%s applied before Migrate", m.Name)
				}
			}
			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) != len(ms) {
				t.Fatalf("first Migrate applied %v, %v", applied, err)
			}
			applied, err = db.Migrate(ctx)
			if err != nil || len(applied) != 0 {
				t.Fatalf("second Migrate applied %v, %v", applied, err)
			}
			ms, _ = db.Migrations(ctx)
			for _, m := range ms {
				if !m.Applied {
					t.Errorf("%s not applied", m.Name)
				}
			}
			// The store works after the second run (nothing was duplicated).
			if err := db.CreateOrg(ctx, cli, newOrg("after", org.KindVendor, "")); err != nil {
				t.Fatal(err)
			}
			if v, err := db.VerifyAudit(ctx, nil); err != nil || v.Problem() != nil || v.Count() != 1 {
				t.Fatalf("verify: %v %v %v", v.Count(), v.Problem(), err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		dsn   string
		opt   store.Options
		field string
	}{
		{"", store.Options{}, "db"},
		{"sqlite:", store.Options{}, "db"},
		{"sqlite:" + t.TempDir() + "/x.db", store.Options{Synchronous: "OFF"}, "sqlite-synchronous"},
	} {
		db, err := store.Open(ctx, c.dsn, c.opt)
		if db != nil || apperr.As(err) == nil || apperr.As(err).Field != c.field {
			t.Errorf("Open(%q, %+v) = %v, %v; want invalid %s", c.dsn, c.opt, db, err, c.field)
		}
	}
	// An unreachable PostgreSQL is "unavailable".
	_, err := store.Open(ctx, "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", store.Options{})
	if apperr.CodeOf(err) != apperr.CodeUnavailable {
		t.Errorf("unreachable PostgreSQL: %v", err)
	}
}
