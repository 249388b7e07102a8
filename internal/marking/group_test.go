package marking

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/apperr"
	"sakimori/internal/org"
)

func validGroup() Group {
	return Group{ID: "g1", Kind: GroupCouncil, Name: org.Names{JA: "サイバーセキュリティ協議会", EN: "Cybersecurity Council"},
		Description: "守秘義務あり\nMembers are bound to confidentiality.", OrgIDs: []string{"o1", "o2"}, UserIDs: []string{"u1"}}
}

func TestGroupValidate(t *testing.T) {
	cases := []struct {
		name  string
		mut   func(g *Group)
		field string
	}{
		{"valid", func(g *Group) {}, ""},
		{"isac", func(g *Group) { g.Kind = GroupISAC }, ""},
		{"ad hoc users only", func(g *Group) { g.Kind, g.OrgIDs = GroupAdHoc, nil }, ""},
		{"orgs only", func(g *Group) { g.UserIDs = nil }, ""},
		{"kind empty", func(g *Group) { g.Kind = "" }, "kind"},
		{"kind unknown", func(g *Group) { g.Kind = "club" }, "kind"},
		{"name.ja empty", func(g *Group) { g.Name.JA = "" }, "name.ja"},
		{"name.ja blank", func(g *Group) { g.Name.JA = " 　" }, "name.ja"},
		{"name.ja newline", func(g *Group) { g.Name.JA = "a\nb" }, "name.ja"},
		{"name.en too long", func(g *Group) { g.Name.EN = strings.Repeat("x", 201) }, "name.en"},
		{"name.en invalid utf-8", func(g *Group) { g.Name.EN = "\xff" }, "name.en"},
		{"description too long", func(g *Group) { g.Description = strings.Repeat("説", 2001) }, "description"},
		{"description escape", func(g *Group) { g.Description = "a\x1bb" }, "description"},
		{"no members", func(g *Group) { g.OrgIDs, g.UserIDs = nil, nil }, "org_ids"},
		{"empty org id", func(g *Group) { g.OrgIDs = []string{"o1", ""} }, "org_ids[1]"},
		{"duplicate org", func(g *Group) { g.OrgIDs = []string{"o1", "o2", "o1"} }, "org_ids[2]"},
		{"blank user id", func(g *Group) { g.UserIDs = []string{" "} }, "user_ids[0]"},
		{"duplicate user", func(g *Group) { g.UserIDs = []string{"u1", "u1"} }, "user_ids[1]"},
		{"too many orgs", func(g *Group) {
			g.OrgIDs = make([]string, MaxGroupMembers+1)
		}, "org_ids"},
	}
	for _, c := range cases {
		g := validGroup()
		c.mut(&g)
		err := g.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		e := apperr.As(err)
		if !errors.Is(err, apperr.ErrInvalid) || e.Field != c.field || e.Message == "" {
			t.Errorf("%s: got %v, want invalid %s", c.name, err, c.field)
		}
	}
}

func TestGroupNormalizeAndMembers(t *testing.T) {
	g := Group{Name: org.Names{JA: " 協議会 ", EN: " Council "}, OrgIDs: []string{"b", "a", "b"}, UserIDs: []string{"u2", "u1", "u2"}}
	g.Normalize()
	if g.Name.JA != "協議会" || g.Name.EN != "Council" || !slices.Equal(g.OrgIDs, []string{"a", "b"}) || !slices.Equal(g.UserIDs, []string{"u1", "u2"}) {
		t.Errorf("Normalize = %+v", g)
	}
	if !g.HasOrg("a") || g.HasOrg("u1") || g.HasOrg("") || !g.HasUser("u1") || g.HasUser("a") || g.HasUser("") {
		t.Error("HasOrg/HasUser")
	}
	for _, k := range GroupKinds {
		if !k.Valid() {
			t.Errorf("%s invalid", k)
		}
	}
}
