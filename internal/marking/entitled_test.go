package marking

import (
	"slices"
	"testing"

	"sakimori/internal/org"
)

// fixture is a small platform:
//
//	own    operator, owns every object
//	rcp    operator, the usual recipient; supplies cli and govc; supplied by sup
//	cli    supplier, a client (customer) of rcp
//	sup    vendor that supplies rcp (the wrong direction for AMBER)
//	peer   operator with no relation
//	mem    operator, member organisation of the council group
//	memc   operator, client of mem
//	gov    government (NCO); govc: sector ministry that is a client of rcp
//	pol    law enforcement; ovs: the oversight commission
type fixture struct {
	orgs   map[string]org.Organisation
	links  []org.Link
	groups []Group
}

func newFixture() *fixture {
	f := &fixture{orgs: map[string]org.Organisation{}}
	for id, k := range map[string]org.Kind{
		"own": org.KindOperator, "rcp": org.KindOperator, "cli": org.KindSupplier, "sup": org.KindVendor,
		"peer": org.KindOperator, "mem": org.KindOperator, "memc": org.KindOperator,
		"gov": org.KindGovernment, "govc": org.KindSectorMinistry, "pol": org.KindLawEnforcement,
		"ovs": org.KindOversight, "isac": org.KindISAC,
	} {
		f.orgs[id] = org.Organisation{ID: id, Kind: k}
	}
	f.links = []org.Link{
		{SupplierID: "rcp", CustomerID: "cli"},
		{SupplierID: "rcp", CustomerID: "govc"},
		{SupplierID: "sup", CustomerID: "rcp"},
		{SupplierID: "mem", CustomerID: "memc"},
		{SupplierID: "rcp", CustomerID: "ovs"},
	}
	f.groups = []Group{
		{ID: "council", Kind: GroupCouncil, OrgIDs: []string{"mem", "gov"}, UserIDs: []string{"u-named"}},
		{ID: "adhoc", Kind: GroupAdHoc, UserIDs: []string{"u-peer2"}},
	}
	return f
}

func (f *fixture) viewer(userID, orgID string) Viewer {
	if orgID == "" {
		return Viewer{}
	}
	return NewViewer(userID, f.orgs[orgID], f.links, f.groups)
}

func TestEntitledRules(t *testing.T) {
	f := newFixture()
	type share struct{ groups, orgs, users []string }
	toRcp := share{orgs: []string{"rcp"}}
	cases := []struct {
		name        string
		user, org   string
		tlp         TLP
		share       share
		want        bool
		reason      string
		anyTLPAbove bool // the same outcome holds for every label from tlp up to RED
	}{
		// Rule 1: the owner always sees its own objects, whatever the label.
		{name: "owner sees red shared with nobody", user: "u-own", org: "own", tlp: TLPRed, want: true, reason: ReasonOwner},
		{name: "owner org token sees red", org: "own", tlp: TLPRed, want: true, reason: ReasonOwner},
		{name: "owner sees invalid marking", user: "u-own", org: "own", tlp: TLPInvalid, want: true, reason: ReasonOwner},
		{name: "owner sees out-of-range marking", org: "own", tlp: 99, want: true, reason: ReasonOwner},
		// Rule 2: invalid marking: owner only.
		{name: "invalid marking hidden from recipient", org: "rcp", tlp: TLPInvalid, share: toRcp, want: false, reason: ReasonInvalidMarking},
		{name: "out-of-range marking hidden", org: "rcp", tlp: 6, share: toRcp, want: false, reason: ReasonInvalidMarking},
		{name: "invalid marking hidden from anonymous", tlp: TLPInvalid, want: false, reason: ReasonInvalidMarking},
		// Rule 3: CLEAR is for everyone.
		{name: "clear to anonymous", tlp: TLPClear, want: true, reason: ReasonClear},
		{name: "clear to peer", org: "peer", tlp: TLPClear, want: true, reason: ReasonClear},
		{name: "clear to government", org: "gov", tlp: TLPClear, want: true, reason: ReasonClear},
		// Rule 4: anonymous sees nothing else.
		{name: "green hidden from anonymous", tlp: TLPGreen, want: false, reason: ReasonAnonymous},
		{name: "amber hidden from anonymous even if shared with empty user", tlp: TLPAmber, share: share{users: []string{""}, orgs: []string{""}, groups: []string{""}}, want: false, reason: ReasonAnonymous},
		{name: "red hidden from anonymous", tlp: TLPRed, want: false, reason: ReasonAnonymous},
		// Rule 5: GREEN is for the whole community.
		{name: "green to unrelated operator", user: "u-peer", org: "peer", tlp: TLPGreen, want: true, reason: ReasonCommunity},
		{name: "green to government", org: "gov", tlp: TLPGreen, want: true, reason: ReasonCommunity},
		{name: "green to oversight", org: "ovs", tlp: TLPGreen, want: true, reason: ReasonCommunity},
		{name: "green to vendor", org: "sup", tlp: TLPGreen, want: true, reason: ReasonCommunity},
		// Rule 6: named recipients, for AMBER, AMBER+STRICT and RED.
		{name: "amber to recipient org", user: "u-rcp", org: "rcp", tlp: TLPAmber, share: toRcp, want: true, reason: ReasonSharedOrg, anyTLPAbove: true},
		{name: "amber to recipient org token", org: "rcp", tlp: TLPAmber, share: toRcp, want: true, reason: ReasonSharedOrg, anyTLPAbove: true},
		{name: "amber to named user", user: "u-peer", org: "peer", tlp: TLPAmber, share: share{users: []string{"u-peer"}}, want: true, reason: ReasonSharedUser, anyTLPAbove: true},
		{name: "named user does not open it to colleagues", user: "u-peer3", org: "peer", tlp: TLPAmber, share: share{users: []string{"u-peer"}}, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "named user does not open it to their org token", org: "peer", tlp: TLPAmber, share: share{users: []string{"u-peer"}}, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "amber to member org of group", user: "u-mem", org: "mem", tlp: TLPAmber, share: share{groups: []string{"council"}}, want: true, reason: ReasonSharedGroup, anyTLPAbove: true},
		{name: "amber to named member user of group", user: "u-named", org: "peer", tlp: TLPAmber, share: share{groups: []string{"council"}}, want: true, reason: ReasonSharedGroup, anyTLPAbove: true},
		{name: "colleague of named member user not in group", user: "u-peer", org: "peer", tlp: TLPAmber, share: share{groups: []string{"council"}}, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "user-only group", user: "u-peer2", org: "peer", tlp: TLPRed, share: share{groups: []string{"adhoc"}}, want: true, reason: ReasonSharedGroup},
		{name: "government member of group", org: "gov", tlp: TLPRed, share: share{groups: []string{"council"}}, want: true, reason: ReasonSharedGroup},
		{name: "red to recipient org", user: "u-rcp", org: "rcp", tlp: TLPRed, share: toRcp, want: true, reason: ReasonSharedOrg},
		{name: "red to named user", user: "u-rcp", org: "rcp", tlp: TLPRed, share: share{users: []string{"u-rcp"}}, want: true, reason: ReasonSharedUser},
		{name: "amber+strict to recipient", org: "rcp", tlp: TLPAmberStrict, share: toRcp, want: true, reason: ReasonSharedOrg},
		{name: "amber hidden from unrelated operator", user: "u-peer", org: "peer", tlp: TLPAmber, share: toRcp, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "amber not shared at all", user: "u-rcp", org: "rcp", tlp: TLPAmber, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "unknown group grants nothing", org: "rcp", tlp: TLPAmber, share: share{groups: []string{"nope"}}, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "empty user id never matches", org: "peer", tlp: TLPRed, share: share{users: []string{""}}, want: false, reason: ReasonNotRecipient},
		// Rule 7: AMBER reaches the recipients' direct clients.
		{name: "amber to client of recipient org", user: "u-cli", org: "cli", tlp: TLPAmber, share: toRcp, want: true, reason: ReasonClient},
		{name: "amber to client of recipient group member", org: "memc", tlp: TLPAmber, share: share{groups: []string{"council"}}, want: true, reason: ReasonClient},
		{name: "amber+strict not to client", user: "u-cli", org: "cli", tlp: TLPAmberStrict, share: toRcp, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "amber+strict not to client of group member", org: "memc", tlp: TLPAmberStrict, share: share{groups: []string{"council"}}, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "red not to client", org: "cli", tlp: TLPRed, share: toRcp, want: false, reason: ReasonNotRecipient},
		{name: "amber not to the recipient's supplier", org: "sup", tlp: TLPAmber, share: toRcp, want: false, reason: ReasonNotRecipient, anyTLPAbove: true},
		{name: "amber not to clients of the owner", org: "cli", tlp: TLPAmber, share: share{orgs: []string{"peer"}}, want: false, reason: ReasonNotRecipient},
		{name: "amber not transitive", org: "cli", tlp: TLPAmber, share: share{orgs: []string{"sup"}}, want: false, reason: ReasonNotRecipient},
		{name: "amber via named user does not reach org clients", org: "cli", tlp: TLPAmber, share: share{users: []string{"u-rcp"}}, want: false, reason: ReasonNotRecipient},
		// Government and oversight: only as direct recipients.
		{name: "government not entitled to amber", org: "gov", tlp: TLPAmber, share: toRcp, want: false, reason: ReasonNotSharedGov, anyTLPAbove: true},
		{name: "government client of recipient not entitled", org: "govc", tlp: TLPAmber, share: toRcp, want: false, reason: ReasonNotSharedGov, anyTLPAbove: true},
		{name: "police not entitled to amber", org: "pol", tlp: TLPAmber, share: toRcp, want: false, reason: ReasonNotSharedGov, anyTLPAbove: true},
		{name: "oversight client of recipient not entitled", org: "ovs", tlp: TLPAmber, share: toRcp, want: false, reason: ReasonNotSharedGov, anyTLPAbove: true},
		{name: "oversight not entitled to red", org: "ovs", tlp: TLPRed, share: toRcp, want: false, reason: ReasonNotSharedGov},
		{name: "government as direct recipient", org: "gov", tlp: TLPAmber, share: share{orgs: []string{"gov"}}, want: true, reason: ReasonSharedOrg, anyTLPAbove: true},
		{name: "oversight as direct recipient", org: "ovs", tlp: TLPRed, share: share{orgs: []string{"ovs"}}, want: true, reason: ReasonSharedOrg},
		{name: "ministry as direct recipient", org: "govc", tlp: TLPAmberStrict, share: share{orgs: []string{"govc"}}, want: true, reason: ReasonSharedOrg},
		{name: "isac is not government", org: "isac", tlp: TLPAmber, share: toRcp, want: false, reason: ReasonNotRecipient},
	}
	for _, c := range cases {
		v := f.viewer(c.user, c.org)
		labels := []TLP{c.tlp}
		if c.anyTLPAbove {
			labels = nil
			for _, l := range TLPs {
				if l >= c.tlp {
					labels = append(labels, l)
				}
			}
		}
		for _, l := range labels {
			obj := Object{OwnerOrgID: "own", TLP: l, Groups: c.share.groups, Orgs: c.share.orgs, Users: c.share.users}
			got, reason := Entitled(v, obj)
			if got != c.want || reason != c.reason {
				t.Errorf("%s (%s): Entitled = %v %q, want %v %q", c.name, l, got, reason, c.want, c.reason)
			}
		}
	}
}

func TestEntitledRolesGrantNothing(t *testing.T) {
	// A viewer's kind alone never opens AMBER: every kind, unrelated to
	// the recipient, is denied.
	for _, k := range org.Kinds {
		v := Viewer{UserID: "u", OrgID: "x", OrgKind: k}
		if ok, reason := Entitled(v, Object{OwnerOrgID: "own", TLP: TLPAmber, Orgs: []string{"rcp"}}); ok {
			t.Errorf("kind %s: entitled (%s)", k, reason)
		}
	}
	// An empty owner never matches an org-less viewer.
	if ok, _ := Entitled(Viewer{UserID: "u"}, Object{TLP: TLPGreen}); ok {
		t.Error("org-less viewer saw an owner-less GREEN object")
	}
}

func TestNewViewer(t *testing.T) {
	f := newFixture()
	f.links = append(f.links, org.Link{SupplierID: "mem", CustomerID: "cli"}, org.Link{SupplierID: "rcp", CustomerID: "cli"})
	f.groups = append(f.groups, Group{ID: "isac-e", OrgIDs: []string{"cli", "rcp"}}, Group{ID: "", OrgIDs: []string{"cli"}})
	v := NewViewer("u-named", f.orgs["cli"], f.links, f.groups)
	want := Viewer{UserID: "u-named", OrgID: "cli", OrgKind: org.KindSupplier,
		Groups: []string{"council", "isac-e"}, Suppliers: []string{"mem", "rcp"}, SupplierGroups: []string{"council", "isac-e"}}
	if !slices.Equal(v.Groups, want.Groups) || !slices.Equal(v.Suppliers, want.Suppliers) ||
		!slices.Equal(v.SupplierGroups, want.SupplierGroups) || v.UserID != want.UserID || v.OrgID != want.OrgID || v.OrgKind != want.OrgKind {
		t.Errorf("NewViewer = %+v\nwant %+v", v, want)
	}
	if v := NewViewer("u", org.Organisation{}, f.links, f.groups); !v.Anonymous() || v.UserID != "" || v.Groups != nil {
		t.Errorf("NewViewer without org = %+v, want anonymous", v)
	}
	if v := NewViewer("", f.orgs["peer"], f.links, f.groups); v.Groups != nil || v.Suppliers != nil || v.SupplierGroups != nil {
		t.Errorf("unrelated org: %+v", v)
	}
}
