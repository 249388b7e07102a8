package marking

import (
	"slices"

	"sakimori/internal/org"
)

// Viewer is whoever asks to see an object: a user of an organisation, or
// nobody (the zero Viewer: an unauthenticated request). The relation fields
// are resolved once per request by the caller (NewViewer does it from domain
// data) so that Entitled stays pure and cheap.
type Viewer struct {
	UserID  string   // "" for an organisation-level token or anonymous
	OrgID   string   // "" = anonymous
	OrgKind org.Kind // decides the government / oversight rule
	// Groups are the sharing groups the viewer belongs to, as a named user
	// or through its organisation.
	Groups []string
	// Suppliers are the organisations the viewer's organisation is a direct
	// customer of (org.Link.SupplierID where CustomerID is OrgID): the
	// viewer is their client for TLP:AMBER.
	Suppliers []string
	// SupplierGroups are the groups that have one of Suppliers as a member
	// organisation.
	SupplierGroups []string
}

// Anonymous reports whether the viewer is not authenticated.
func (v *Viewer) Anonymous() bool { return v.OrgID == "" }

// official reports whether the viewer acts for the state (government,
// ministries, police, defense) or is the oversight commission: such
// viewers receive TLP:AMBER and stricter only as direct recipients.
func (v *Viewer) official() bool {
	return v.OrgKind.IsGovernment() || v.OrgKind == org.KindOversight
}

// Object is what Entitled needs to know about a shared object: who owns it,
// its TLP label and the sharing decision (groups, organisations and users
// it was shared with).
type Object struct {
	OwnerOrgID string
	TLP        TLP
	Groups     []string // sharing group ids
	Orgs       []string // organisation ids
	Users      []string // user ids
}

// Reasons returned by Entitled. They are stable and meant for the audit
// trail and for explaining a decision to the user.
const (
	ReasonOwner          = "owner"                      // the viewer's organisation owns the object
	ReasonClear          = "tlp:clear"                  // TLP:CLEAR: anyone
	ReasonCommunity      = "tlp:green community"        // TLP:GREEN: any member organisation
	ReasonSharedOrg      = "shared with organisation"   // the viewer's organisation is a named recipient
	ReasonSharedUser     = "shared with user"           // the viewer is a named recipient
	ReasonSharedGroup    = "shared with group"          // the viewer belongs to a recipient group
	ReasonClient         = "tlp:amber client"           // TLP:AMBER: a recipient supplies the viewer's organisation
	ReasonInvalidMarking = "invalid marking"            // no valid TLP label: owner only
	ReasonAnonymous      = "not authenticated"          // anonymous viewers see TLP:CLEAR only
	ReasonNotRecipient   = "not a recipient"            // AMBER and stricter: not shared with the viewer
	ReasonNotSharedGov   = "not shared with government" // as above, for government and oversight viewers
)

// Entitled decides whether viewer may receive obj, and why. It is the one
// place where sakimori applies TLP; every read path must call it. The rules
// (docs/tlp.md), in order:
//
//  1. The owner organisation always sees its own objects.
//  2. An object without a valid TLP label is seen by its owner only.
//  3. TLP:CLEAR: everyone, including unauthenticated viewers (whether a
//     surface serves anonymous requests at all is its own configuration).
//  4. Unauthenticated viewers see nothing else.
//  5. TLP:GREEN: every member organisation of the platform.
//  6. TLP:AMBER, TLP:AMBER+STRICT and TLP:RED: the named recipients, i.e. the
//     users and organisations the object was shared with and the members
//     (organisations and users) of the groups it was shared with.
//  7. TLP:AMBER also: the direct supply-chain customers (clients) of a
//     recipient organisation, except government and oversight viewers, who
//     see AMBER and stricter only when it was shared with them.
//
// Roles (including platform administrator) grant no content access.
func Entitled(viewer Viewer, obj Object) (bool, string) {
	if viewer.OrgID != "" && viewer.OrgID == obj.OwnerOrgID {
		return true, ReasonOwner
	}
	if !obj.TLP.Valid() {
		return false, ReasonInvalidMarking
	}
	if obj.TLP == TLPClear {
		return true, ReasonClear
	}
	if viewer.Anonymous() {
		return false, ReasonAnonymous
	}
	if obj.TLP == TLPGreen {
		return true, ReasonCommunity
	}
	switch {
	case has(obj.Users, viewer.UserID):
		return true, ReasonSharedUser
	case has(obj.Orgs, viewer.OrgID):
		return true, ReasonSharedOrg
	case intersects(obj.Groups, viewer.Groups):
		return true, ReasonSharedGroup
	}
	if viewer.official() {
		return false, ReasonNotSharedGov
	}
	if obj.TLP == TLPAmber && (intersects(obj.Orgs, viewer.Suppliers) || intersects(obj.Groups, viewer.SupplierGroups)) {
		return true, ReasonClient
	}
	return false, ReasonNotRecipient
}

// has reports whether id, which must not be empty, is in list.
func has(list []string, id string) bool {
	return id != "" && slices.Contains(list, id)
}

// intersects reports whether a and b share a non-empty element. Both lists
// are short (a sharing decision, a viewer's memberships), so a nested loop
// beats building a set.
func intersects(a, b []string) bool {
	for _, x := range a {
		if has(b, x) {
			return true
		}
	}
	return false
}

// NewViewer resolves the viewer for user userID ("" for an
// organisation-level credential) of organisation o from the supply-chain
// links and sharing groups. links and groups may hold unrelated entries; they
// are ignored. The result's lists are sorted and free of duplicates.
func NewViewer(userID string, o org.Organisation, links []org.Link, groups []Group) Viewer {
	v := Viewer{UserID: userID, OrgID: o.ID, OrgKind: o.Kind}
	if o.ID == "" {
		return Viewer{}
	}
	for _, l := range links {
		if l.CustomerID == o.ID && l.SupplierID != "" {
			v.Suppliers = append(v.Suppliers, l.SupplierID)
		}
	}
	slices.Sort(v.Suppliers)
	v.Suppliers = slices.Compact(v.Suppliers)
	for i := range groups {
		g := &groups[i]
		if g.ID == "" {
			continue
		}
		if g.HasOrg(o.ID) || g.HasUser(userID) {
			v.Groups = append(v.Groups, g.ID)
		}
		if slices.ContainsFunc(v.Suppliers, g.HasOrg) {
			v.SupplierGroups = append(v.SupplierGroups, g.ID)
		}
	}
	slices.Sort(v.Groups)
	v.Groups = slices.Compact(v.Groups)
	slices.Sort(v.SupplierGroups)
	v.SupplierGroups = slices.Compact(v.SupplierGroups)
	return v
}
