package demo_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/auth"
	"sakimori/internal/demo"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestDemoData checks the demo's own promises about its data: the
// organisations the brief asks for exist with valid records, operators span
// at least four sectors, every user is valid for its organisation's kind,
// emails are unique, and links join organisations of the demo.
func TestDemoData(t *testing.T) {
	kinds := map[org.Kind]int{}
	sectors := map[org.Sector]bool{}
	slugs := map[string]org.Kind{}
	emails := map[string]bool{}
	roles := map[org.Role]bool{}
	for _, o := range demo.Orgs {
		oo := o.Organisation
		if err := oo.Validate(); err != nil {
			t.Errorf("%s: %v", o.Slug, err)
		}
		kinds[o.Kind]++
		if o.Kind == org.KindOperator {
			sectors[o.Sector] = true
		}
		slugs[o.Slug] = o.Kind
		if len(o.Users) == 0 {
			t.Errorf("%s has no users", o.Slug)
		}
		for _, u := range o.Users {
			if emails[u.Email] {
				t.Errorf("duplicate email %s", u.Email)
			}
			emails[u.Email] = true
			uu := org.User{OrgID: "x", Email: u.Email, DisplayName: u.Name, Roles: u.Roles}
			if err := uu.Validate(); err != nil {
				t.Errorf("%s: %v", u.Email, err)
			}
			if slices.Contains(u.Roles, org.RoleAuditor) && o.Kind != org.KindOversight {
				t.Errorf("%s: auditor outside the oversight commission", u.Email)
			}
			for _, r := range u.Roles {
				roles[r] = true
			}
		}
	}
	for k, min := range map[org.Kind]int{org.KindGovernment: 1, org.KindSectorMinistry: 1, org.KindLawEnforcement: 1,
		org.KindOversight: 1, org.KindOperator: 4, org.KindVendor: 2, org.KindSupplier: 3, org.KindISAC: 1} {
		if kinds[k] < min {
			t.Errorf("%d organisations of kind %s, want at least %d", kinds[k], k, min)
		}
	}
	if len(sectors) < 4 {
		t.Errorf("operators in %d sectors, want at least 4", len(sectors))
	}
	for _, r := range []org.Role{org.RoleOrgAdmin, org.RoleAnalyst, org.RoleReporter, org.RoleApproverLegal,
		org.RoleApproverPR, org.RoleApproverExec, org.RoleViewer, org.RoleAuditor, org.RolePlatformAdmin} {
		if !roles[r] {
			t.Errorf("no demo user holds %s", r)
		}
	}
	suppliersLinked := map[string]bool{}
	for _, l := range demo.Links {
		if _, ok := slugs[l.Supplier]; !ok {
			t.Errorf("link from unknown %s", l.Supplier)
		}
		if slugs[l.Customer] != org.KindOperator {
			t.Errorf("link to %s, which is not an operator", l.Customer)
		}
		suppliersLinked[l.Supplier] = true
	}
	for s, k := range slugs {
		if (k == org.KindSupplier || k == org.KindVendor) && !suppliersLinked[s] {
			t.Errorf("%s (%s) supplies nobody", s, k)
		}
	}
}

func TestSeedAndCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := accounts.New(db, nil)
		p := auth.System("test")
		r1, err := demo.Seed(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		if r1.OrgsCreated != len(demo.Orgs) || r1.LinksCreated != len(demo.Links) || r1.UsersCreated != r1.Users {
			t.Fatalf("first seed: %v", r1)
		}
		r2, err := demo.Seed(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		if r2.OrgsCreated+r2.UsersCreated+r2.LinksCreated != 0 || r2.Orgs != r1.Orgs || r2.Users != r1.Users {
			t.Fatalf("second seed created data: %v", r2)
		}
		orgs, _, err := svc.ListOrgs(ctx, p, store.OrgFilter{Limit: 1000})
		if err != nil || len(orgs) != len(demo.Orgs) {
			t.Fatalf("%d orgs after two seeds (err %v), want %d", len(orgs), err, len(demo.Orgs))
		}

		dir := t.TempDir()
		c1, n, err := demo.EnsureCredentials(ctx, svc, dir, "http://127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		if n != r1.Users || len(c1.Users) != r1.Users {
			t.Fatalf("first credentials: rotated %d, users %d; want %d", n, len(c1.Users), r1.Users)
		}
		path := demo.CredentialsPath(dir)
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("credentials file: %v %v", fi, err)
		}
		for _, c := range c1.Users {
			if ok, err := svc.PasswordMatches(ctx, p, c.Email, c.Password); err != nil || !ok {
				t.Errorf("%s: password does not match (%v)", c.Email, err)
			}
			tp, err := svc.Token(ctx, c.Token, "")
			if err != nil || tp.User.Email != c.Email {
				t.Errorf("%s: token does not authenticate: %v", c.Email, err)
			}
		}

		// A second run keeps everything; a new URL is written to the file.
		c2, n, err := demo.EnsureCredentials(ctx, svc, dir, "http://127.0.0.1:2")
		if err != nil || n != 0 {
			t.Fatalf("second credentials: rotated %d, err %v", n, err)
		}
		for i := range c1.Users {
			if c1.Users[i].Password != c2.Users[i].Password || c1.Users[i].Token != c2.Users[i].Token {
				t.Errorf("%s: credentials changed on a re-run", c1.Users[i].Email)
			}
		}
		var onDisk demo.Credentials
		b, _ := os.ReadFile(path)
		if err := json.Unmarshal(b, &onDisk); err != nil || onDisk.URL != "http://127.0.0.1:2" {
			t.Errorf("file URL %q (err %v)", onDisk.URL, err)
		}

		// Someone changes one user's password and revokes another's token:
		// exactly those two are rotated, and the old token stops working.
		victim, other := c2.Users[0], c2.Users[1]
		pw := "changed by someone else"
		if _, err := svc.UpdateUser(ctx, p, victim.Email, accounts.UserPatch{Password: &pw}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RevokeToken(ctx, p, other.TokenID); err != nil {
			t.Fatal(err)
		}
		c3, n, err := demo.EnsureCredentials(ctx, svc, dir, "http://127.0.0.1:2")
		if err != nil || n != 2 {
			t.Fatalf("third credentials: rotated %d, err %v", n, err)
		}
		if c3.Users[0].Password == victim.Password || c3.Users[1].Token == other.Token || c3.Users[2].Token != c2.Users[2].Token {
			t.Errorf("wrong entries rotated")
		}
		if _, err := svc.Token(ctx, victim.Token, ""); err == nil {
			t.Errorf("the rotated user's old token still works")
		}

		// A damaged file rotates everyone.
		os.WriteFile(path, []byte("{not json"), 0o600)
		_, n, err = demo.EnsureCredentials(ctx, svc, dir, "http://127.0.0.1:2")
		if err != nil || n != len(c3.Users) {
			t.Fatalf("after damage: rotated %d, err %v", n, err)
		}
		// Writes go through a temporary file renamed into place: none is left.
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 || ents[0].Name() != filepath.Base(path) {
			t.Errorf("data directory holds %v", ents)
		}
	})
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := demo.NewPassword()
		if err := org.ValidatePassword("password", p); err != nil || len(p) != 19 || seen[p] {
			t.Fatalf("bad password %q: %v", p, err)
		}
		seen[p] = true
	}
}
