package accounts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestNoCrossOrganisationLeaks is a randomized property test: on a platform
// of organisations and users with random roles, random principals (by
// session or by API token) call the service with random targets. Whatever
// succeeds, a principal who is not a platform administrator never gets a
// user or token of another organisation back, never creates or changes one
// there, and never grants platform_admin; auditors exist only in the
// oversight commission.
func TestNoCrossOrganisationLeaks(t *testing.T) {
	iterations := 600
	if testing.Short() {
		iterations = 150
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed := uint64(20261123)
		t.Logf("seed %d", seed)
		rnd := rand.New(rand.NewPCG(seed, uint64(len(db.Dialect()))))
		w := newWorld(t, db) // fixed cast: every kind of actor exists at least once
		orgs := []*org.Organisation{}
		for _, o := range w.orgs {
			orgs = append(orgs, o)
		}
		slices.SortFunc(orgs, func(a, b *org.Organisation) int { return cmpStr(a.ID, b.ID) })
		for i := range 4 {
			kind := []org.Kind{org.KindVendor, org.KindSupplier, org.KindOversight, org.KindSectorMinistry}[i]
			o := &org.Organisation{Slug: fmt.Sprintf("rand-org-%d", i), Kind: kind, Name: org.Names{JA: "組織", EN: "Org"},
				Contact: org.Contact{Name: "SOC", Phone: "03-0000-0000"}}
			if err := w.s.CreateOrg(ctx, cli, o); err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, o)
		}
		kindOf := map[string]org.Kind{}
		for _, o := range orgs {
			kindOf[o.ID] = o.Kind
		}
		randomRoles := func(o *org.Organisation, platformOK bool) []org.Role {
			var rs []org.Role
			for _, r := range org.Roles {
				if r == org.RoleAuditor && o.Kind != org.KindOversight || r == org.RolePlatformAdmin && !platformOK {
					continue
				}
				if rnd.IntN(4) == 0 {
					rs = append(rs, r)
				}
			}
			if len(rs) == 0 {
				rs = []org.Role{org.RoleViewer}
			}
			return rs
		}
		for i := range 30 {
			o := orgs[rnd.IntN(len(orgs))]
			u := &org.User{OrgID: o.ID, Email: fmt.Sprintf("user%d@%s.example.jp", i, o.Slug), DisplayName: "利用者",
				Roles: randomRoles(o, rnd.IntN(10) == 0)}
			if err := w.s.CreateUser(ctx, cli, u, ""); err != nil {
				t.Fatal(err)
			}
			w.users[u.Email] = u
		}
		var userIDs []string
		for _, u := range w.users {
			userIDs = append(userIDs, u.ID)
		}
		slices.Sort(userIDs)
		var tokenIDs []string
		for i := range 20 {
			uid := userIDs[rnd.IntN(len(userIDs))]
			_, tok, err := w.s.CreateToken(ctx, cli, uid, TokenRequest{Name: fmt.Sprintf("t%d", i), Scopes: []org.Scope{org.ScopeRead}})
			if err != nil {
				t.Fatal(err)
			}
			tokenIDs = append(tokenIDs, tok.ID)
		}

		userOrg := func(id string) string {
			u, err := db.GetUser(ctx, id)
			if err != nil {
				t.Fatalf("user %s: %v", id, err)
			}
			return u.OrgID
		}
		// Half the targets are in the principal's own organisation, so that
		// both allowed and refused calls are exercised.
		var own string
		randomUserRef := func() string {
			id := userIDs[rnd.IntN(len(userIDs))]
			if rnd.IntN(2) == 0 {
				var mine []string
				for _, uid := range userIDs {
					if userOrg(uid) == own {
						mine = append(mine, uid)
					}
				}
				if len(mine) > 0 {
					id = mine[rnd.IntN(len(mine))]
				}
			}
			if rnd.IntN(3) == 0 {
				u, _ := db.GetUser(ctx, id)
				return u.Email
			}
			return id
		}
		calls := map[string]int{}
		successes := map[string]int{}
		for i := range iterations {
			// A principal: a random user by session, or by an API token.
			uid := userIDs[rnd.IntN(len(userIDs))]
			p, err := w.s.principal(ctx, uid, "192.0.2.1")
			if err != nil {
				continue // disabled meanwhile
			}
			if rnd.IntN(3) == 0 {
				scopes := []org.Scope{org.ScopeRead}
				if p.Has(org.RoleOrgAdmin) || p.Has(org.RolePlatformAdmin) {
					scopes = append(scopes, org.ScopeAdmin)
				}
				secret, _, err := w.s.CreateToken(ctx, cli, uid, TokenRequest{Name: "prop", Scopes: scopes[:1+rnd.IntN(len(scopes))]})
				if err != nil {
					t.Fatal(err)
				}
				if p, err = w.s.Token(ctx, secret, "192.0.2.1"); err != nil {
					t.Fatal(err)
				}
			}
			platform := p.Has(org.RolePlatformAdmin)
			own = p.User.OrgID
			checkUser := func(op string, u *org.User) {
				if !platform && u.OrgID != own {
					t.Fatalf("iteration %d: %s: %s (org %s) returned user %s of org %s", i, op, p.User.Email, own, u.Email, u.OrgID)
				}
			}
			checkToken := func(op string, tok *org.Token) {
				if !platform && (tok.OrgID != own || userOrg(tok.UserID) != own) {
					t.Fatalf("iteration %d: %s: %s (org %s) returned token %s of org %s", i, op, p.User.Email, own, tok.ID, tok.OrgID)
				}
			}
			var op string
			var opErr error
			switch rnd.IntN(8) {
			case 0:
				op = "ListUsers"
				f := store.UserFilter{}
				switch rnd.IntN(3) {
				case 0:
					f.OrgID = "*"
				case 1:
					f.OrgID = orgs[rnd.IntN(len(orgs))].ID
				}
				var us []org.User
				us, _, opErr = w.s.ListUsers(ctx, p, f)
				for i := range us {
					checkUser(op, &us[i])
				}
			case 1:
				op = "GetUser"
				var u *org.User
				if u, opErr = w.s.GetUser(ctx, p, randomUserRef()); opErr == nil {
					checkUser(op, u)
				}
			case 2:
				op = "UpdateUser"
				ref := randomUserRef()
				before, _ := db.GetUser(ctx, ref)
				var patch UserPatch
				switch rnd.IntN(3) {
				case 0:
					patch.DisplayName = ptr(fmt.Sprintf("名前 %d", i))
				case 1:
					o, _ := db.GetOrg(ctx, before.OrgID)
					patch.Roles = ptr(randomRoles(o, rnd.IntN(3) == 0))
				case 2:
					patch.Disabled = ptr(rnd.IntN(4) == 0)
				}
				var u *org.User
				if u, opErr = w.s.UpdateUser(ctx, p, ref, patch); opErr == nil {
					checkUser(op, u)
					if !platform && u.Has(org.RolePlatformAdmin) && !before.Has(org.RolePlatformAdmin) {
						t.Fatalf("iteration %d: %s granted platform_admin", i, p.User.Email)
					}
					if !platform && before.Has(org.RolePlatformAdmin) && (!u.Has(org.RolePlatformAdmin) || u.Disabled != before.Disabled) {
						t.Fatalf("iteration %d: %s changed platform admin %s", i, p.User.Email, u.Email)
					}
				}
			case 3:
				op = "ListTokens"
				var ts []org.Token
				ts, opErr = w.s.ListTokens(ctx, p, randomUserRef())
				for i := range ts {
					checkToken(op, &ts[i])
				}
			case 4:
				op = "RevokeToken"
				var tok *org.Token
				if tok, opErr = w.s.RevokeToken(ctx, p, tokenIDs[rnd.IntN(len(tokenIDs))]); opErr == nil {
					checkToken(op, tok)
				}
			case 5:
				op = "CreateToken"
				var tok *org.Token
				ref := ""
				if rnd.IntN(2) == 0 {
					ref = randomUserRef()
				}
				scopes := []org.Scope{org.Scopes[rnd.IntN(len(org.Scopes))]}
				if _, tok, opErr = w.s.CreateToken(ctx, p, ref, TokenRequest{Name: "x", Scopes: scopes}); opErr == nil {
					checkToken(op, tok)
					if tok.UserID != p.User.ID {
						t.Fatalf("iteration %d: %s created a token for %s", i, p.User.Email, tok.UserID)
					}
					tokenIDs = append(tokenIDs, tok.ID)
				}
			case 6:
				op = "CreateUser"
				o := orgs[rnd.IntN(len(orgs))]
				u := &org.User{Email: fmt.Sprintf("created%d@example.jp", i), DisplayName: "新人", Roles: randomRoles(o, rnd.IntN(3) == 0)}
				if rnd.IntN(4) != 0 {
					u.OrgID = o.ID
				}
				// Argon2 is slow: only hash when the call can succeed.
				pw := "a-long-enough-password"
				if !auth.Can(p, auth.ActUserCreate, auth.Target{OrgID: o.ID, OrgKind: o.Kind, Roles: u.Roles}) {
					pw = "x"
				}
				if opErr = w.s.CreateUser(ctx, p, u, pw); opErr == nil {
					checkUser(op, u)
					if !platform && u.Has(org.RolePlatformAdmin) {
						t.Fatalf("iteration %d: %s created a platform admin", i, p.User.Email)
					}
					userIDs = append(userIDs, u.ID)
				}
			case 7:
				op = "GetOrg"
				var o *org.Organisation
				if o, opErr = w.s.GetOrg(ctx, p, orgs[rnd.IntN(len(orgs))].Slug); opErr == nil {
					ok, _ := w.s.CanSeeContact(ctx, p, o)
					if !ok && o.Contact != (org.Contact{}) {
						t.Fatalf("iteration %d: contact of %s shown to %s", i, o.Slug, p.User.Email)
					}
				}
			}
			calls[op]++
			switch apperr.CodeOf(opErr) {
			case "":
				successes[op]++
			case apperr.CodeForbidden, apperr.CodeNotFound, apperr.CodeInvalid, apperr.CodeConflict:
			default:
				t.Fatalf("iteration %d: %s by %s: unexpected error %v", i, op, p.User.Email, opErr)
			}
		}
		t.Logf("calls %v, successes %v", calls, successes)
		for op, n := range calls {
			if n > 10 && successes[op] == 0 {
				t.Errorf("%s never succeeded in %d calls: the test exercises nothing", op, n)
			}
		}
		// Global invariants over the final state.
		all, _, err := db.ListUsers(ctx, store.UserFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range all {
			if u.Has(org.RoleAuditor) && kindOf[u.OrgID] != org.KindOversight {
				t.Errorf("auditor %s in a %s organisation", u.Email, kindOf[u.OrgID])
			}
		}
		if v, err := db.VerifyAudit(ctx, nil); err != nil || v.Problem() != nil {
			t.Fatalf("chain: %v %v", v.Problem(), err)
		}
	})
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
