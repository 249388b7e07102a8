package web

import (
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/i18n"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
)

// TestIntelValidationMessagesAreTranslated does for the sharing types what
// TestValidationMessagesAreTranslated does for accounts: every validator
// message the dashboard's forms can show maps to a catalogue entry.
func TestIntelValidationMessagesAreTranslated(t *testing.T) {
	coll := func() share.Collection {
		return share.Collection{Alias: "ok", Title: org.Names{EN: "t"}, OwnerOrgID: "o", TLP: marking.TLPGreen, WritePolicy: share.WriteOwner}
	}
	var errs []error
	for _, mut := range []func(c *share.Collection){
		func(c *share.Collection) { c.Alias = "Bad Alias" },
		func(c *share.Collection) { c.Title = org.Names{} },
		func(c *share.Collection) { c.Title.JA = strings.Repeat("x", 201) },
		func(c *share.Collection) { c.Description = strings.Repeat("x", 4001) },
		func(c *share.Collection) { c.OwnerOrgID = "" },
		func(c *share.Collection) { c.TLP = 0 },
		func(c *share.Collection) { c.WritePolicy = "anyone" },
		func(c *share.Collection) { c.Audience.Orgs = make([]string, 501) },
	} {
		c := coll()
		mut(&c)
		errs = append(errs, c.Validate())
	}
	now := time.Now()
	sg := func() share.Sighting {
		return share.Sighting{StixID: "indicator--x", Count: 1, FirstSeen: now, LastSeen: now}
	}
	for _, mut := range []func(s *share.Sighting){
		func(s *share.Sighting) { s.StixID = "x" },
		func(s *share.Sighting) { s.Count = 0 },
		func(s *share.Sighting) { s.FirstSeen = time.Time{} },
		func(s *share.Sighting) { s.LastSeen = now.Add(-time.Hour) },
		func(s *share.Sighting) { s.Sector = "space" },
		func(s *share.Sighting) { s.Note = strings.Repeat("x", 2001) },
	} {
		s := sg()
		mut(&s)
		errs = append(errs, s.Validate())
	}
	o := share.Override{StixID: "indicator--x", Reason: "x"}
	errs = append(errs, o.Validate())
	g := func() share.Group {
		return share.Group{Slug: "ok", OwnerOrgID: "o", Group: marking.Group{Kind: marking.GroupAdHoc, Name: org.Names{JA: "a", EN: "b"}, OrgIDs: []string{"x"}}}
	}
	for _, mut := range []func(g *share.Group){
		func(g *share.Group) { g.Slug = "Bad Slug" },
		func(g *share.Group) { g.Kind = "club" },
		func(g *share.Group) { g.Name.EN = "" },
		func(g *share.Group) { g.Name.JA = strings.Repeat("x", 201) },
		func(g *share.Group) { g.OrgIDs = nil },
		func(g *share.Group) { g.OrgIDs = []string{"a", "a"} },
	} {
		x := g()
		mut(&x)
		errs = append(errs, x.Validate())
	}
	_, err := marking.ParseTLP("purple")
	errs = append(errs, err)
	for i, err := range errs {
		ae := apperr.As(err)
		if err == nil || ae.Code != apperr.CodeInvalid {
			t.Errorf("case %d: not an invalid-input error: %v", i, err)
			continue
		}
		key, args := reasonKey(ae.Message)
		if key == "" {
			t.Errorf("validator message %q has no translation in reasons", ae.Message)
			continue
		}
		for _, lang := range i18n.Langs {
			msg := i18n.For(lang).T(key, args...)
			if !i18n.Has(lang, key) || strings.Contains(msg, "%!") {
				t.Errorf("%s: %q -> %q renders %q", lang, ae.Message, key, msg)
			}
		}
	}
	// Messages of the sharing service and store.
	for _, m := range []string{"is in the future", `no object "indicator--x" that you can see`, `a collection with alias "x" already exists`,
		`a sharing group with slug "x" already exists`, `no sharing group "x"`} {
		if k, _ := reasonKey(m); k == "" {
			t.Errorf("service message %q has no translation", m)
		}
	}
}

func TestTLPBadges(t *testing.T) {
	for tl, want := range map[marking.TLP]string{marking.TLPClear: "tlp tlp-clear", marking.TLPGreen: "tlp tlp-green",
		marking.TLPAmber: "tlp tlp-amber", marking.TLPAmberStrict: "tlp tlp-amber-strict", marking.TLPRed: "tlp tlp-red"} {
		if b := badgeOf(tl); b.Class != want || b.Name != tl.String() {
			t.Errorf("%v: %+v", tl, b)
		}
	}
}

func TestScoreKindFromFirstAtom(t *testing.T) {
	for raw, want := range map[string]string{
		`{"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix"}`:                                     "ipv4",
		`{"pattern":"[domain-name:value = 'evil.example'] OR [ipv4-addr:value = '198.51.100.1']"}`:                   "domain",
		`{"pattern":"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"}`: "sha256",
		`{"pattern":"alert tcp any any","pattern_type":"snort"}`:                                                     "",
		`{"name":"no pattern"}`: "",
	} {
		if got := scoreKind([]byte(raw)); got != want {
			t.Errorf("%s: kind %q, want %q", raw, got, want)
		}
	}
}
