package marking

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sakimori/internal/org"
)

// world is a random platform for the property test, kept as plain maps so
// that the reference below reads it from the object's side, unlike
// Entitled, which works from the viewer's side.
type world struct {
	orgs      []org.Organisation
	kind      map[string]org.Kind
	users     map[string]string // user -> org
	userIDs   []string
	links     []org.Link
	groups    []Group
	groupByID map[string]Group
}

func randomWorld(r *rand.Rand) *world {
	w := &world{kind: map[string]org.Kind{}, users: map[string]string{}, groupByID: map[string]Group{}}
	nOrgs := 2 + r.IntN(14)
	for i := range nOrgs {
		o := org.Organisation{ID: fmt.Sprintf("o%d", i), Kind: org.Kinds[r.IntN(len(org.Kinds))]}
		w.orgs = append(w.orgs, o)
		w.kind[o.ID] = o.Kind
		for j := range r.IntN(4) {
			u := fmt.Sprintf("u%d.%d", i, j)
			w.users[u] = o.ID
			w.userIDs = append(w.userIDs, u)
		}
	}
	for range r.IntN(2 * nOrgs) {
		a, b := w.orgs[r.IntN(nOrgs)].ID, w.orgs[r.IntN(nOrgs)].ID
		if a != b {
			w.links = append(w.links, org.Link{SupplierID: a, CustomerID: b})
		}
	}
	for i := range r.IntN(5) {
		g := Group{ID: fmt.Sprintf("g%d", i), Kind: GroupKinds[r.IntN(len(GroupKinds))]}
		for _, o := range w.orgs {
			if r.IntN(4) == 0 {
				g.OrgIDs = append(g.OrgIDs, o.ID)
			}
		}
		for _, u := range w.userIDs {
			if r.IntN(6) == 0 {
				g.UserIDs = append(g.UserIDs, u)
			}
		}
		w.groups = append(w.groups, g)
		w.groupByID[g.ID] = g
	}
	return w
}

// pick returns a few random ids from pool, sometimes with a dangling or an
// empty id mixed in.
func pick(r *rand.Rand, pool []string, dangling string) []string {
	var out []string
	for range r.IntN(4) {
		switch n := r.IntN(12); {
		case n == 0:
			out = append(out, "")
		case n == 1:
			out = append(out, dangling)
		case len(pool) > 0:
			out = append(out, pool[r.IntN(len(pool))])
		}
	}
	return out
}

func (w *world) randomObject(r *rand.Rand) Object {
	var orgIDs, groupIDs []string
	for _, o := range w.orgs {
		orgIDs = append(orgIDs, o.ID)
	}
	for _, g := range w.groups {
		groupIDs = append(groupIDs, g.ID)
	}
	return Object{
		OwnerOrgID: w.orgs[r.IntN(len(w.orgs))].ID,
		TLP:        TLP(r.IntN(7)), // 0 and 6 are invalid
		Orgs:       pick(r, orgIDs, "o-gone"),
		Users:      pick(r, w.userIDs, "u-gone"),
		Groups:     pick(r, groupIDs, "g-gone"),
	}
}

// reference computes the audience of obj as sets and asks whether the
// viewer is in it. It shares no code with Entitled or NewViewer.
func (w *world) reference(userID, orgID string, obj Object) bool {
	if orgID != "" && orgID == obj.OwnerOrgID {
		return true
	}
	switch obj.TLP {
	case TLPClear:
		return true
	case TLPGreen:
		return orgID != ""
	case TLPAmber, TLPAmberStrict, TLPRed:
	default:
		return false
	}
	if orgID == "" {
		return false
	}
	recipientOrgs := map[string]bool{}
	recipientUsers := map[string]bool{}
	for _, o := range obj.Orgs {
		recipientOrgs[o] = true
	}
	for _, u := range obj.Users {
		recipientUsers[u] = true
	}
	for _, gid := range obj.Groups {
		g, ok := w.groupByID[gid]
		if !ok {
			continue
		}
		for _, o := range g.OrgIDs {
			recipientOrgs[o] = true
		}
		for _, u := range g.UserIDs {
			recipientUsers[u] = true
		}
	}
	delete(recipientOrgs, "")
	delete(recipientUsers, "")
	if recipientOrgs[orgID] || recipientUsers[userID] {
		return true
	}
	k := w.kind[orgID]
	if obj.TLP != TLPAmber || k == org.KindGovernment || k == org.KindSectorMinistry ||
		k == org.KindLawEnforcement || k == org.KindDefense || k == org.KindOversight {
		return false
	}
	clients := map[string]bool{}
	for _, l := range w.links {
		if recipientOrgs[l.SupplierID] {
			clients[l.CustomerID] = true
		}
	}
	return clients[orgID]
}

func TestEntitledMatchesReference(t *testing.T) {
	worlds := 300
	if testing.Short() {
		worlds = 50
	}
	r := rand.New(rand.NewPCG(2026, 11))
	granted, denied := 0, 0
	seen := map[string]int{}
	for wi := range worlds {
		w := randomWorld(r)
		type who struct{ user, org string }
		viewers := []who{{}} // anonymous
		for _, o := range w.orgs {
			viewers = append(viewers, who{"", o.ID}) // organisation token
		}
		for _, u := range w.userIDs {
			viewers = append(viewers, who{u, w.users[u]})
		}
		for range 60 {
			obj := w.randomObject(r)
			for _, vw := range viewers {
				var v Viewer
				if vw.org != "" {
					v = NewViewer(vw.user, w.orgs[orgIndex(vw.org)], w.links, w.groups)
				}
				got, reason := Entitled(v, obj)
				want := w.reference(vw.user, vw.org, obj)
				if got != want {
					t.Fatalf("world %d: Entitled(user %q org %q kind %s, %+v) = %v (%s), reference %v\nlinks %v\ngroups %+v",
						wi, vw.user, vw.org, w.kind[vw.org], obj, got, reason, want, w.links, w.groups)
				}
				if reason == "" {
					t.Fatal("empty reason")
				}
				seen[reason]++
				if got {
					granted++
				} else {
					denied++
				}
				// Monotonicity: a stricter label never shows more.
				if obj.TLP.Valid() {
					for _, l := range TLPs {
						o2 := obj
						o2.TLP = l
						if ok, _ := Entitled(v, o2); l > obj.TLP && ok && !got {
							t.Fatalf("denied at %s but entitled at stricter %s: %+v %+v", obj.TLP, l, v, obj)
						}
					}
				}
			}
		}
	}
	// The generator must exercise both outcomes, or the test proves nothing.
	if granted < 1000 || denied < 1000 {
		t.Fatalf("weak generator: %d granted, %d denied", granted, denied)
	}
	for _, reason := range []string{ReasonOwner, ReasonClear, ReasonCommunity, ReasonSharedOrg, ReasonSharedUser,
		ReasonSharedGroup, ReasonClient, ReasonInvalidMarking, ReasonAnonymous, ReasonNotRecipient, ReasonNotSharedGov} {
		if seen[reason] < 20 {
			t.Errorf("weak generator: reason %q seen %d times", reason, seen[reason])
		}
	}
	t.Logf("%d granted, %d denied, reasons %v", granted, denied, seen)
}

func orgIndex(id string) int {
	var i int
	fmt.Sscanf(id, "o%d", &i)
	return i
}

func BenchmarkEntitled(b *testing.B) {
	f := newFixture()
	cases := []struct {
		name string
		v    Viewer
		obj  Object
	}{
		{"owner", f.viewer("u-own", "own"), Object{OwnerOrgID: "own", TLP: TLPRed}},
		{"green", f.viewer("u-peer", "peer"), Object{OwnerOrgID: "own", TLP: TLPGreen}},
		{"amber client", f.viewer("u-cli", "cli"), Object{OwnerOrgID: "own", TLP: TLPAmber,
			Orgs: []string{"a", "b", "c", "d", "rcp"}, Users: []string{"x", "y", "z"}, Groups: []string{"g1", "g2", "council"}}},
		{"red denied", f.viewer("u-peer", "peer"), Object{OwnerOrgID: "own", TLP: TLPRed,
			Orgs: []string{"a", "b", "c", "d", "rcp"}, Users: []string{"x", "y", "z"}, Groups: []string{"g1", "g2", "council"}}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Entitled(c.v, c.obj)
			}
		})
	}
}
