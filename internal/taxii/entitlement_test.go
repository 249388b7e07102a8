package taxii

import (
	"context"
	"slices"
	"testing"

	"sakimori/internal/marking"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestEntitlementOverHTTP: every organisation's token receives, from every
// collection, exactly the seeded objects marking.Entitled allows it, over
// objects, manifest and get-object; invisible collections are 404 and are
// not listed.
func TestEntitlementOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seed(f)
		ctx := context.Background()
		// Each seeded object: collection, owner org key, label.
		type obj struct {
			id, coll, owner string
		}
		seeded := []obj{{sid(1), "op-a-amber", "op-a"}, {sid(2), "op-a-amber", "op-a"}, {sid(10), "exchange", "isac"},
			{malwareID, "exchange", "isac"}, {sid(30), "council-red", "nco"}}
		for n := 20; n < 25; n++ {
			seeded = append(seeded, obj{sid(n), "advisories", "nco"})
		}
		for _, user := range []string{"nco-analyst", "op-a-analyst", "op-a-viewer", "op-b-analyst", "sup-analyst", "ven-analyst", "isac-analyst", "platform"} {
			v, err := f.w.Svc.Viewer(ctx, f.w.P(user))
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]bool{}
			for _, c := range asList(f.get(user, "/taxii2/api/collections/").json(t)["collections"]) {
				listed[c.(map[string]any)["alias"].(string)] = true
			}
			for alias, c := range f.w.Colls {
				var want []string
				for _, o := range seeded {
					if o.coll != alias {
						continue
					}
					mo := marking.Object{OwnerOrgID: f.w.Orgs[o.owner].ID, TLP: c.TLP, Groups: c.Audience.Groups, Orgs: c.Audience.Orgs, Users: c.Audience.Users}
					if ok, _ := marking.Entitled(v, mo); ok {
						want = append(want, o.id)
					}
				}
				r := f.get(user, objectsPath(c.ID))
				var got []string
				if r.status == 404 {
					if listed[alias] {
						t.Errorf("%s: %s listed but 404", user, alias)
					}
				} else {
					got = idsOf(objects(t, r))
					if !listed[alias] {
						t.Errorf("%s: %s readable but not listed", user, alias)
					}
				}
				if !slices.Equal(sorted(got), sorted(want)) {
					t.Errorf("%s in %s: received %v, entitled to %v", user, alias, got, want)
				}
				if r.status == 200 {
					var man []string
					for _, x := range asList(f.get(user, collPath(c.ID)+"manifest/").json(t)["objects"]) {
						man = append(man, x.(map[string]any)["id"].(string))
					}
					if !slices.Equal(sorted(man), sorted(want)) {
						t.Errorf("%s manifest of %s: %v, entitled to %v", user, alias, man, want)
					}
				}
				for _, o := range seeded {
					if o.coll != alias || slices.Contains(want, o.id) {
						continue
					}
					if r := f.get(user, objectsPath(c.ID)+o.id+"/"); r.status != 404 {
						t.Errorf("%s got %s by id from %s: %d", user, o.id, alias, r.status)
					}
				}
			}
		}
		// The expectations are not vacuous: spot checks of the policy.
		for _, tc := range []struct {
			user, coll string
			n          int
		}{{"ven-analyst", "op-a-amber", 0}, {"op-b-analyst", "op-a-amber", 2}, {"op-b-analyst", "council-red", 1},
			{"op-a-analyst", "council-red", 0}, {"nco-analyst", "council-red", 1}, {"ven-analyst", "advisories", 5}} {
			r := f.get(tc.user, objectsPath(f.w.Colls[tc.coll].ID))
			n := 0
			if r.status == 200 {
				n = len(objects(t, r))
			}
			if n != tc.n {
				t.Errorf("%s in %s: %d objects, want %d", tc.user, tc.coll, n, tc.n)
			}
		}
	})
}
