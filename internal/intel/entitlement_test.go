package intel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestNoObjectReachesOutsideItsAudience builds random platforms (kinds of
// organisations, supply-chain links, sharing groups with organisation and
// user members, collections with random labels and audiences, objects with
// random TLP markings by random owners, deletions) and checks every read
// path of the service for every user: what it returns is exactly what the
// TLP rules entitle that user to (no leak, and nothing entitled missing).
// The expected audience is computed here from the test's own record of
// each object's label, owner and collection audience.
func TestNoObjectReachesOutsideItsAudience(t *testing.T) {
	for _, d := range storetest.Dialects {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", d, seed), func(t *testing.T) { checkRandomPlatform(t, storetest.Open(t, d), seed) })
		}
	}
}

type tObj struct {
	id, coll, owner, value string
	tlp                    marking.TLP
	deleted                bool
}

func checkRandomPlatform(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 99))
	act := audit.Actor{Name: "cli"}
	svc := intel.New(db, nil)
	svc.BatchSize = 7
	kinds := []org.Kind{org.KindOperator, org.KindOperator, org.KindOperator, org.KindSupplier, org.KindVendor,
		org.KindGovernment, org.KindSectorMinistry, org.KindOversight, org.KindISAC, org.KindLawEnforcement}
	var orgs []*org.Organisation
	var users []*org.User
	userOrg := map[string]*org.Organisation{}
	for i, k := range kinds {
		o := &org.Organisation{Slug: fmt.Sprintf("s%d-o%d", seed, i), Kind: k, Name: org.Names{JA: "組織", EN: "Org"}, Contact: org.Contact{Name: "x", Email: "soc@example.jp"}}
		if k == org.KindOperator {
			o.Sector = org.Sectors[i]
		}
		if err := db.CreateOrg(ctx, act, o); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
		for j := range 2 {
			u := &org.User{OrgID: o.ID, Email: fmt.Sprintf("u%d@%s.example.jp", j, o.Slug), DisplayName: "u", Roles: []org.Role{org.RoleAnalyst}}
			if err := db.CreateUser(ctx, act, u, ""); err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
			userOrg[u.ID] = o
		}
	}
	// Links: some confirmed, some pending (pending ones must grant nothing).
	type link struct{ sup, cus string }
	var confirmed []link
	for range 8 {
		a, b := orgs[rng.IntN(len(orgs))], orgs[rng.IntN(len(orgs))]
		if a == b {
			continue
		}
		l := &org.Link{SupplierID: a.ID, CustomerID: b.ID}
		if rng.IntN(3) > 0 {
			now := time.Now()
			l.ConfirmedAt = &now
		}
		if err := db.AddLink(ctx, act, l); err != nil {
			continue // duplicate pair
		}
		if l.ConfirmedAt != nil {
			confirmed = append(confirmed, link{a.ID, b.ID})
		}
	}
	// Groups.
	var groups []*share.Group
	for g := range 3 {
		grp := &share.Group{Group: marking.Group{Kind: marking.GroupAdHoc, Name: org.Names{JA: "群", EN: "Group"}}, Slug: fmt.Sprintf("s%d-g%d", seed, g), OwnerOrgID: orgs[0].ID}
		for _, o := range orgs {
			if rng.IntN(4) == 0 {
				grp.OrgIDs = append(grp.OrgIDs, o.ID)
			}
		}
		grp.UserIDs = append(grp.UserIDs, users[rng.IntN(len(users))].ID)
		if err := db.CreateGroup(ctx, act, grp); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, grp)
	}
	// Collections: every member may write, random labels and audiences.
	var colls []*share.Collection
	for c := range 5 {
		col := &share.Collection{Alias: fmt.Sprintf("s%d-c%d", seed, c), Title: org.Names{EN: "C"}, OwnerOrgID: orgs[rng.IntN(len(orgs))].ID,
			TLP: marking.TLPs[rng.IntN(len(marking.TLPs))], WritePolicy: share.WriteMembers}
		for _, o := range orgs {
			if rng.IntN(5) == 0 {
				col.Audience.Orgs = append(col.Audience.Orgs, o.ID)
			}
		}
		for _, g := range groups {
			if rng.IntN(3) == 0 {
				col.Audience.Groups = append(col.Audience.Groups, g.ID)
			}
		}
		if rng.IntN(3) == 0 {
			col.Audience.Users = append(col.Audience.Users, users[rng.IntN(len(users))].ID)
		}
		if err := db.CreateCollection(ctx, act, col); err != nil {
			t.Fatal(err)
		}
		colls = append(colls, col)
	}
	principal := func(u *org.User) *auth.Principal { return &auth.Principal{User: u, Org: userOrg[u.ID]} }
	// Objects: random owner (one of its users ingests), label from a
	// marking or from the collection.
	var objs []*tObj
	for i := range 60 {
		col := colls[rng.IntN(len(colls))]
		u := users[rng.IntN(len(users))]
		value := fmt.Sprintf("10.%d.%d.%d", seed, i/200, i%200)
		tlp := col.TLP
		marks := ""
		if rng.IntN(2) == 0 {
			tlp = marking.TLPs[rng.IntN(len(marking.TLPs))]
			marks = `,"object_marking_refs":["` + tlp.StixID() + `"]`
		}
		id := fmt.Sprintf("indicator--%08x-%04x-4000-8000-000000000000", i, seed)
		raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z",`+
			`"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-11-01T00:00:00Z"%s}`, id, value, marks)
		parsed, err := intel.ParseObjects([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		j, err := svc.Ingest(ctx, principal(u), col.ID, parsed, intel.IngestOptions{})
		if err != nil || j.Accepted != 1 {
			t.Fatalf("ingest: %v %+v", err, j)
		}
		objs = append(objs, &tObj{id: id, coll: col.ID, owner: u.OrgID, value: value, tlp: tlp})
	}
	// Delete a few, by their owners.
	for _, o := range objs[:6] {
		var owner *org.User
		for _, u := range users {
			if u.OrgID == o.owner {
				owner = u
				break
			}
		}
		if _, err := svc.Delete(ctx, principal(owner), o.coll, o.id, share.VersionMatch{}, nil); err != nil {
			t.Fatal(err)
		}
		o.deleted = true
	}
	collByID := map[string]*share.Collection{}
	for _, c := range colls {
		collByID[c.ID] = c
	}
	// expected: the test's own statement of the rules (docs/tlp.md).
	expected := func(u *org.User, o *tObj) bool {
		uo := userOrg[u.ID]
		if o.owner == uo.ID {
			return true
		}
		switch o.tlp {
		case marking.TLPClear, marking.TLPGreen:
			return true
		}
		col := collByID[o.coll]
		inGroup := func(gid string) bool {
			for _, g := range groups {
				if g.ID == gid && (slices.Contains(g.OrgIDs, uo.ID) || slices.Contains(g.UserIDs, u.ID)) {
					return true
				}
			}
			return false
		}
		if slices.Contains(col.Audience.Orgs, uo.ID) || slices.Contains(col.Audience.Users, u.ID) || slices.ContainsFunc(col.Audience.Groups, inGroup) {
			return true
		}
		if o.tlp != marking.TLPAmber || uo.Kind.IsGovernment() || uo.Kind == org.KindOversight {
			return false
		}
		// AMBER: clients of a recipient organisation (a direct org
		// recipient or a member organisation of a recipient group).
		for _, l := range confirmed {
			if l.cus != uo.ID {
				continue
			}
			if slices.Contains(col.Audience.Orgs, l.sup) {
				return true
			}
			for _, g := range groups {
				if slices.Contains(col.Audience.Groups, g.ID) && slices.Contains(g.OrgIDs, l.sup) {
					return true
				}
			}
		}
		return false
	}
	for _, u := range users {
		p := principal(u)
		want := map[string]bool{}
		for _, o := range objs {
			if !o.deleted && expected(u, o) {
				want[o.id] = true
			}
		}
		// Search across everything, all pages of 5.
		got := map[string]bool{}
		cursor := ""
		for {
			recs, next, err := svc.Search(ctx, p, intel.SearchQuery{Limit: 5, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				got[r.ID] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		compare(t, u.Email, "search", got, want)
		// Objects and manifest per collection (TAXII paths), paged.
		for _, manifest := range []bool{false, true} {
			got := map[string]bool{}
			for _, c := range colls {
				next := ""
				for {
					q := share.Query{Collection: c.ID, Limit: 4, Next: next}
					var pg *share.Page
					var err error
					if manifest {
						pg, err = svc.Manifest(ctx, p, q)
					} else {
						pg, err = svc.Objects(ctx, p, q)
					}
					if apperr.CodeOf(err) == apperr.CodeNotFound {
						break // collection not listed for this viewer
					}
					if err != nil {
						t.Fatal(err)
					}
					for _, r := range pg.Records {
						got[r.ID] = true
					}
					if !pg.More {
						break
					}
					next = pg.Next
				}
			}
			compare(t, u.Email, fmt.Sprint("objects manifest=", manifest), got, want)
		}
		// Detail, history, sightings: visible ids answer, others are 404
		// (a sample per user, to keep the test quick).
		for k, o := range objs {
			if k%4 != int(seed)%4 {
				continue
			}
			_, errObj := svc.Object(ctx, p, o.id)
			_, errHist := svc.History(ctx, p, o.id)
			_, errSight := svc.Sightings(ctx, p, o.id)
			for name, err := range map[string]error{"object": errObj, "history": errHist, "sightings": errSight} {
				if want[o.id] && err != nil {
					t.Errorf("%s: %s %s: %v, want visible", u.Email, name, o.id, err)
				}
				if !want[o.id] && apperr.CodeOf(err) != apperr.CodeNotFound {
					t.Errorf("%s: %s %s: %v, want not found", u.Email, name, o.id, err)
				}
			}
		}
		// Block list: only entitled values.
		entries, _, err := svc.Blocklist(ctx, p, intel.BlockQuery{})
		if err != nil {
			t.Fatal(err)
		}
		gotVals := map[string]bool{}
		for _, e := range entries {
			gotVals[e.StixID] = true
		}
		compare(t, u.Email, "blocklist", gotVals, want)
		// Bundle export.
		var buf bytes.Buffer
		if _, err := svc.ExportBundle(ctx, p, intel.SearchQuery{}, &buf); err != nil {
			t.Fatal(err)
		}
		var b struct {
			Objects []struct {
				Type, ID string
			} `json:"objects"`
		}
		if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
			t.Fatalf("export is not JSON: %v", err)
		}
		gotExp := map[string]bool{}
		for _, o := range b.Objects {
			if o.Type != "marking-definition" {
				gotExp[o.ID] = true
			}
		}
		compare(t, u.Email, "export", gotExp, want)
		// Deletions: a tombstone only for those who saw the object.
		for _, c := range colls {
			ts, err := svc.Deletions(ctx, p, c.ID, 0, 100)
			if apperr.CodeOf(err) == apperr.CodeNotFound {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, tb := range ts {
				for _, o := range objs {
					if o.id == tb.ID && !expected(u, o) {
						t.Errorf("%s received the tombstone of %s it was never entitled to", u.Email, o.id)
					}
				}
			}
		}
	}
}

func compare(t *testing.T, who, path string, got, want map[string]bool) {
	t.Helper()
	for id := range got {
		if !want[id] {
			t.Errorf("%s: %s returned %s, which is outside its audience", who, path, id)
		}
	}
	for id := range want {
		if !got[id] {
			t.Errorf("%s: %s is missing %s, which it is entitled to", who, path, id)
		}
	}
}
