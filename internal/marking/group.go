package marking

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

// GroupKind says what a sharing group is. It does not change the
// entitlement rules; it is shown so that people know whom they share with.
type GroupKind string

const (
	// GroupCouncil is a body whose members are bound to confidentiality,
	// e.g. the public-private council (協議会) of the Active Cyber Defense law.
	GroupCouncil GroupKind = "council"
	// GroupISAC is a sector or cross-sector ISAC.
	GroupISAC GroupKind = "isac"
	// GroupAdHoc is an ad-hoc recipient list, e.g. the organisations hit by
	// one campaign.
	GroupAdHoc GroupKind = "ad_hoc"
)

// GroupKinds lists every kind in display order.
var GroupKinds = []GroupKind{GroupCouncil, GroupISAC, GroupAdHoc}

// Valid reports whether k is a known kind.
func (k GroupKind) Valid() bool { return slices.Contains(GroupKinds, k) }

// Group is a named sharing group. Its members are organisations (every user
// of a member organisation belongs to the group) and, optionally,
// individual users (only that person belongs, not the rest of their
// organisation). An object shared with a group is shared with all of them.
type Group struct {
	ID          string    `json:"id"`
	Kind        GroupKind `json:"kind"`
	Name        org.Names `json:"name"`
	Description string    `json:"description,omitempty"`
	OrgIDs      []string  `json:"org_ids"`
	UserIDs     []string  `json:"user_ids,omitempty"`
}

// Normalize sorts and de-duplicates the member lists and trims the texts.
func (g *Group) Normalize() {
	g.Name.JA = strings.TrimSpace(g.Name.JA)
	g.Name.EN = strings.TrimSpace(g.Name.EN)
	g.Description = strings.TrimSpace(g.Description)
	slices.Sort(g.OrgIDs)
	g.OrgIDs = slices.Compact(g.OrgIDs)
	slices.Sort(g.UserIDs)
	g.UserIDs = slices.Compact(g.UserIDs)
}

// MaxGroupMembers bounds each member list of a group.
const MaxGroupMembers = 10000

// Validate checks the group, naming the first bad field.
func (g *Group) Validate() error {
	if !g.Kind.Valid() {
		return apperr.Invalid("kind", "unknown group kind %q: use council, isac or ad_hoc", clip(string(g.Kind)))
	}
	if err := text("name.ja", g.Name.JA, 1, 200); err != nil {
		return err
	}
	if err := text("name.en", g.Name.EN, 1, 200); err != nil {
		return err
	}
	if err := text("description", g.Description, 0, 2000); err != nil {
		return err
	}
	if len(g.OrgIDs) == 0 && len(g.UserIDs) == 0 {
		return apperr.Invalid("org_ids", "a sharing group needs at least one member organisation or user")
	}
	if err := ids("org_ids", g.OrgIDs); err != nil {
		return err
	}
	return ids("user_ids", g.UserIDs)
}

// HasOrg reports whether organisation id is a member organisation.
func (g *Group) HasOrg(id string) bool { return id != "" && slices.Contains(g.OrgIDs, id) }

// HasUser reports whether user id is an individual member.
func (g *Group) HasUser(id string) bool { return id != "" && slices.Contains(g.UserIDs, id) }

func ids(field string, list []string) error {
	if len(list) > MaxGroupMembers {
		return apperr.Invalid(field, "at most %d members", MaxGroupMembers)
	}
	seen := make(map[string]bool, len(list))
	for i, id := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(id) == "" {
			return apperr.Invalid(f, "required")
		}
		if seen[id] {
			return apperr.Invalid(f, "duplicate member %q", clip(id))
		}
		seen[id] = true
	}
	return nil
}

func text(field, s string, min, max int) error {
	if !utf8.ValidString(s) {
		return apperr.Invalid(field, "not valid UTF-8")
	}
	if min > 0 && strings.TrimSpace(s) == "" {
		return apperr.Invalid(field, "required")
	}
	if utf8.RuneCountInString(s) > max {
		return apperr.Invalid(field, "must be at most %d characters", max)
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && (r != '\n' || field != "description") || r == 0x7f {
			return apperr.Invalid(field, "contains control characters")
		}
	}
	return nil
}
