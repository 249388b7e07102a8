// Package reportingtest builds the platform incident-reporting tests use
// (the service's, the API's, the dashboard's and the command line's):
// inteltest's world plus a sector ministry for electricity ("min", with
// the NCO a receiver of op-a's reports), a police agency ("npa":
// government, but never a receiver) and op-a's reporter and approvers.
package reportingtest

import (
	"context"
	"testing"

	"sakimori/internal/audit"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// New builds the world in db. Users added to inteltest's: "min-analyst",
// "npa-analyst" (e-mail <name>@<org>.example.jp), "op-a-reporter",
// "op-a-legal", "op-a-exec" (<name>@op-a.example.jp).
func New(t testing.TB, db *store.DB) *inteltest.World {
	t.Helper()
	ctx := context.Background()
	w := inteltest.New(t, db)
	act := audit.Actor{Name: "cli"}
	for _, o := range []*org.Organisation{
		{Slug: "min", Kind: org.KindSectorMinistry, Sector: org.SectorElectricity, Name: org.Names{JA: "経済産業省", EN: "Ministry"},
			Contact: org.Contact{Name: "duty", Email: "d@min.example.jp"}},
		{Slug: "npa", Kind: org.KindLawEnforcement, Name: org.Names{JA: "警察庁", EN: "Police"},
			Contact: org.Contact{Name: "duty", Email: "d@npa.example.jp"}},
	} {
		if err := db.CreateOrg(ctx, act, o); err != nil {
			t.Fatal(err)
		}
		w.Orgs[o.Slug] = o
		name := o.Slug + "-analyst"
		u := &org.User{OrgID: o.ID, Email: name + "@" + o.Slug + ".example.jp", DisplayName: name, Roles: []org.Role{org.RoleAnalyst}}
		if err := db.CreateUser(ctx, act, u, ""); err != nil {
			t.Fatal(err)
		}
		w.Users[name] = u
	}
	for _, u := range []struct {
		name string
		role org.Role
	}{{"op-a-reporter", org.RoleReporter}, {"op-a-legal", org.RoleApproverLegal}, {"op-a-exec", org.RoleApproverExec}} {
		usr := &org.User{OrgID: w.Orgs["op-a"].ID, Email: u.name + "@op-a.example.jp", DisplayName: u.name, Roles: []org.Role{u.role}}
		if err := db.CreateUser(ctx, act, usr, ""); err != nil {
			t.Fatal(err)
		}
		w.Users[u.name] = usr
	}
	return w
}
