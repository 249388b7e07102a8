// Package inteltest builds a small sharing platform for tests of the intel
// service and of the surfaces over it (TAXII, API, dashboard): organisations
// of every relevant kind, users with roles, a supply-chain link, a sharing
// group and collections with different labels and audiences.
package inteltest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/store"
)

// World is the platform:
//
//	orgs:  nco (government), op-a (operator, electricity), op-b (operator,
//	       railway), sup (supplier, a confirmed customer of op-a... i.e. op-a
//	       supplies sup), ven (vendor, unrelated), isac (ISAC)
//	users: "<org>-analyst" (analyst), "<org>-admin" (org_admin), "op-a-viewer"
//	       (viewer), "platform" (platform_admin in isac)
//	group: "council" with members nco and op-b
//	collections:
//	  "advisories"  owner nco,  TLP:CLEAR, write owner
//	  "exchange"    owner isac, TLP:GREEN, write members
//	  "op-a-amber"  owner op-a, TLP:AMBER, audience orgs [op-b], write owner
//	  "council-red" owner nco,  TLP:RED,   audience groups [council], write audience
type World struct {
	Svc   *intel.Service
	DB    *store.DB
	Orgs  map[string]*org.Organisation
	Users map[string]*org.User
	Group *share.Group
	Colls map[string]*share.Collection
}

// Quiet is a logger that discards everything.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// New builds the world in db.
func New(t testing.TB, db *store.DB) *World {
	t.Helper()
	ctx := context.Background()
	act := audit.Actor{Name: "cli"}
	w := &World{Svc: intel.New(db, Quiet), DB: db, Orgs: map[string]*org.Organisation{}, Users: map[string]*org.User{},
		Colls: map[string]*share.Collection{}}
	mk := func(key string, kind org.Kind, sector org.Sector) {
		o := &org.Organisation{Slug: key, Kind: kind, Sector: sector, Name: org.Names{JA: key + " 日本語", EN: key},
			Contact: org.Contact{Name: "duty", Email: "soc@" + key + ".example.jp"}}
		if err := db.CreateOrg(ctx, act, o); err != nil {
			t.Fatalf("org %s: %v", key, err)
		}
		w.Orgs[key] = o
		for _, r := range []org.Role{org.RoleAnalyst, org.RoleOrgAdmin} {
			name := key + "-" + map[org.Role]string{org.RoleAnalyst: "analyst", org.RoleOrgAdmin: "admin"}[r]
			u := &org.User{OrgID: o.ID, Email: name + "@" + key + ".example.jp", DisplayName: name, Roles: []org.Role{r}}
			if err := db.CreateUser(ctx, act, u, ""); err != nil {
				t.Fatalf("user %s: %v", name, err)
			}
			w.Users[name] = u
		}
	}
	mk("nco", org.KindGovernment, "")
	mk("op-a", org.KindOperator, org.SectorElectricity)
	mk("op-b", org.KindOperator, org.SectorRailway)
	mk("sup", org.KindSupplier, "")
	mk("ven", org.KindVendor, "")
	mk("isac", org.KindISAC, "")
	for _, u := range []struct {
		name, orgKey string
		role         org.Role
	}{{"op-a-viewer", "op-a", org.RoleViewer}, {"platform", "isac", org.RolePlatformAdmin}} {
		usr := &org.User{OrgID: w.Orgs[u.orgKey].ID, Email: u.name + "@example.jp", DisplayName: u.name, Roles: []org.Role{u.role}}
		if err := db.CreateUser(ctx, act, usr, ""); err != nil {
			t.Fatal(err)
		}
		w.Users[u.name] = usr
	}
	now := time.Now()
	if err := db.AddLink(ctx, act, &org.Link{SupplierID: w.Orgs["op-a"].ID, CustomerID: w.Orgs["sup"].ID, ConfirmedAt: &now}); err != nil {
		t.Fatal(err)
	}
	w.Group = &share.Group{Group: marking.Group{Kind: marking.GroupCouncil, Name: org.Names{JA: "協議会", EN: "Council"},
		OrgIDs: []string{w.Orgs["nco"].ID, w.Orgs["op-b"].ID}}, Slug: "council", OwnerOrgID: w.Orgs["nco"].ID}
	if err := db.CreateGroup(ctx, act, w.Group); err != nil {
		t.Fatal(err)
	}
	mkc := func(alias, owner string, tlp marking.TLP, wp share.WritePolicy, aud share.Audience) {
		c := &share.Collection{Alias: alias, Title: org.Names{JA: alias + " 集", EN: alias}, OwnerOrgID: w.Orgs[owner].ID, TLP: tlp,
			WritePolicy: wp, Audience: aud}
		if err := db.CreateCollection(ctx, act, c); err != nil {
			t.Fatalf("collection %s: %v", alias, err)
		}
		w.Colls[alias] = c
	}
	mkc("advisories", "nco", marking.TLPClear, share.WriteOwner, share.Audience{})
	mkc("exchange", "isac", marking.TLPGreen, share.WriteMembers, share.Audience{})
	mkc("op-a-amber", "op-a", marking.TLPAmber, share.WriteOwner, share.Audience{Orgs: []string{w.Orgs["op-b"].ID}})
	mkc("council-red", "nco", marking.TLPRed, share.WriteAudience, share.Audience{Groups: []string{w.Group.ID}})
	return w
}

// P returns the principal of user name (e.g. "op-a-analyst").
func (w *World) P(name string) *auth.Principal {
	u, ok := w.Users[name]
	if !ok {
		panic("inteltest: no user " + name)
	}
	for _, o := range w.Orgs {
		if o.ID == u.OrgID {
			return &auth.Principal{User: u, Org: o, SourceAddr: "192.0.2.10"}
		}
	}
	panic("inteltest: no org for " + name)
}

// Indicator returns a valid STIX 2.1 indicator for an IPv4 address with a
// deterministic id derived from n; modified is created + minute offset.
func Indicator(n int, ip string, extra string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000",`+
		`"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:%02d:00.000Z","name":"C2 %s",`+
		`"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"%s}`, n, 0, ip, ip, extra)
}

// IndicatorVersion is Indicator with a given minute for modified.
func IndicatorVersion(n, minute int, ip string, extra string) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000",`+
		`"created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:%02d:00.000Z","name":"C2 %s",`+
		`"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"%s}`, n, minute, ip, ip, extra)
}

// Bundle wraps objects' JSON in a bundle.
func Bundle(objs ...string) []byte {
	s := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`
	for i, o := range objs {
		if i > 0 {
			s += ","
		}
		s += o
	}
	return []byte(s + "]}")
}
