package org

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
)

// checkField asserts that err is an invalid-input error naming field ("" = no error).
func checkField(t *testing.T, name string, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
		}
		return
	}
	e := apperr.As(err)
	if e == nil || e.Code != apperr.CodeInvalid || e.Field != field || e.Message == "" {
		t.Errorf("%s: got %v, want invalid %s", name, err, field)
	}
	if !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("%s: %v does not match ErrInvalid", name, err)
	}
}

func validOrg() Organisation {
	return Organisation{Slug: "tokyo-power", Kind: KindOperator, Sector: SectorElectricity,
		Name:    Names{JA: "東京電力パワーグリッド", EN: "TEPCO Power Grid"},
		Contact: Contact{Name: "CSIRT 当番", Phone: "+81-3-1234-5678", Email: "csirt@tepco.example.jp", Hours: "24/7"}}
}

func TestOrganisationValidate(t *testing.T) {
	cases := []struct {
		name  string
		mut   func(o *Organisation)
		field string
	}{
		{"valid", func(o *Organisation) {}, ""},
		{"valid shortest slug", func(o *Organisation) { o.Slug = "a1" }, ""},
		{"valid longest slug", func(o *Organisation) { o.Slug = strings.Repeat("a", 63) }, ""},
		{"slug empty", func(o *Organisation) { o.Slug = "" }, "slug"},
		{"slug one character", func(o *Organisation) { o.Slug = "a" }, "slug"},
		{"slug too long", func(o *Organisation) { o.Slug = strings.Repeat("a", 64) }, "slug"},
		{"slug upper case", func(o *Organisation) { o.Slug = "Tokyo" }, "slug"},
		{"slug leading hyphen", func(o *Organisation) { o.Slug = "-tokyo" }, "slug"},
		{"slug underscore", func(o *Organisation) { o.Slug = "tokyo_power" }, "slug"},
		{"slug japanese", func(o *Organisation) { o.Slug = "東京" }, "slug"},
		{"slug trailing newline", func(o *Organisation) { o.Slug = "tokyo\n" }, "slug"},
		{"kind empty", func(o *Organisation) { o.Kind = "" }, "kind"},
		{"kind unknown", func(o *Organisation) { o.Kind = "company" }, "kind"},
		{"sector unknown", func(o *Organisation) { o.Sector = "nuclear" }, "sector"},
		{"operator without sector", func(o *Organisation) { o.Sector = "" }, "sector"},
		{"vendor without sector", func(o *Organisation) { o.Kind, o.Sector = KindVendor, "" }, ""},
		{"government without sector", func(o *Organisation) { o.Kind, o.Sector = KindGovernment, "" }, ""},
		{"ministry with sector", func(o *Organisation) { o.Kind, o.Sector = KindSectorMinistry, SectorGas }, ""},
		{"name.ja empty", func(o *Organisation) { o.Name.JA = "" }, "name.ja"},
		{"name.ja blank", func(o *Organisation) { o.Name.JA = " \t　" }, "name.ja"},
		{"name.ja 200 characters", func(o *Organisation) { o.Name.JA = strings.Repeat("東", 200) }, ""},
		{"name.ja 201 characters", func(o *Organisation) { o.Name.JA = strings.Repeat("東", 201) }, "name.ja"},
		{"name.ja control character", func(o *Organisation) { o.Name.JA = "東京\x1b[31m" }, "name.ja"},
		{"name.ja newline", func(o *Organisation) { o.Name.JA = "東京\n電力" }, "name.ja"},
		{"name.ja DEL", func(o *Organisation) { o.Name.JA = "東京\x7f" }, "name.ja"},
		{"name.ja invalid UTF-8", func(o *Organisation) { o.Name.JA = "\xff東京" }, "name.ja"},
		{"name.ja with tab", func(o *Organisation) { o.Name.JA = "東京\t電力" }, ""},
		{"name.en empty", func(o *Organisation) { o.Name.EN = "" }, "name.en"},
		{"name.en too long", func(o *Organisation) { o.Name.EN = strings.Repeat("x", 201) }, "name.en"},
		{"contact checked", func(o *Organisation) { o.Contact.Name = "" }, "emergency_contact.name"},
	}
	for _, c := range cases {
		o := validOrg()
		c.mut(&o)
		checkField(t, c.name, o.Validate(), c.field)
	}
}

func TestContactValidate(t *testing.T) {
	cases := []struct {
		name  string
		c     Contact
		field string
	}{
		{"phone only", Contact{Name: "SOC", Phone: "03-1234-5678"}, ""},
		{"email only", Contact{Name: "SOC", Email: "soc@example.jp"}, ""},
		{"both", Contact{Name: "SOC", Phone: "+81 (3) 1234-5678", Email: "soc@example.jp", Hours: "平日 9-17時"}, ""},
		{"name missing", Contact{Phone: "03-1234-5678"}, "emergency_contact.name"},
		{"name blank", Contact{Name: "  ", Phone: "03-1234-5678"}, "emergency_contact.name"},
		{"name too long", Contact{Name: strings.Repeat("n", 201), Phone: "03-1234-5678"}, "emergency_contact.name"},
		{"no channel", Contact{Name: "SOC"}, "emergency_contact.phone"},
		{"phone letters", Contact{Name: "SOC", Phone: "call us"}, "emergency_contact.phone"},
		{"phone too short", Contact{Name: "SOC", Phone: "110"}, "emergency_contact.phone"},
		{"phone too long", Contact{Name: "SOC", Phone: "+" + strings.Repeat("1", 26)}, "emergency_contact.phone"},
		{"phone two plus signs", Contact{Name: "SOC", Phone: "++81312345678"}, "emergency_contact.phone"},
		{"email bad", Contact{Name: "SOC", Email: "soc"}, "emergency_contact.email"},
		{"email with display name", Contact{Name: "SOC", Email: "SOC <soc@example.jp>"}, "emergency_contact.email"},
		{"email with angle brackets", Contact{Name: "SOC", Email: "<soc@example.jp>"}, "emergency_contact.email"},
		{"email with spaces", Contact{Name: "SOC", Email: " soc@example.jp"}, "emergency_contact.email"},
		{"bad email beside a good phone", Contact{Name: "SOC", Phone: "03-1234-5678", Email: "x"}, "emergency_contact.email"},
		{"hours too long", Contact{Name: "SOC", Phone: "03-1234-5678", Hours: strings.Repeat("h", 101)}, "emergency_contact.hours"},
		{"hours control character", Contact{Name: "SOC", Phone: "03-1234-5678", Hours: "24/7\r"}, "emergency_contact.hours"},
	}
	for _, c := range cases {
		checkField(t, c.name, c.c.Validate(), c.field)
	}
}

func TestLinkValidate(t *testing.T) {
	cases := []struct {
		name  string
		l     Link
		field string
	}{
		{"valid", Link{SupplierID: "a", CustomerID: "b", Description: "VPN 運用委託"}, ""},
		{"no description", Link{SupplierID: "a", CustomerID: "b"}, ""},
		{"supplier missing", Link{CustomerID: "b"}, "supplier_id"},
		{"customer missing", Link{SupplierID: "a"}, "customer_id"},
		{"self link", Link{SupplierID: "a", CustomerID: "a"}, "customer_id"},
		{"description 500", Link{SupplierID: "a", CustomerID: "b", Description: strings.Repeat("説", 500)}, ""},
		{"description 501", Link{SupplierID: "a", CustomerID: "b", Description: strings.Repeat("説", 501)}, "description"},
		{"description control", Link{SupplierID: "a", CustomerID: "b", Description: "a\x00b"}, "description"},
	}
	for _, c := range cases {
		checkField(t, c.name, c.l.Validate(), c.field)
	}
}

func validUser() User {
	return User{OrgID: "o1", Email: "analyst@tepco.example.jp", DisplayName: "分析 太郎", Roles: []Role{RoleAnalyst}}
}

func TestUserValidate(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61) + ".jp"
	cases := []struct {
		name  string
		mut   func(u *User)
		field string
	}{
		{"valid", func(u *User) {}, ""},
		{"every role", func(u *User) { u.Roles = slices.Clone(Roles) }, ""},
		{"locale ja", func(u *User) { u.Locale = "ja" }, ""},
		{"locale en", func(u *User) { u.Locale = "en" }, ""},
		{"org missing", func(u *User) { u.OrgID = "" }, "org_id"},
		{"email missing", func(u *User) { u.Email = "" }, "email"},
		{"email without domain", func(u *User) { u.Email = "analyst" }, "email"},
		{"email with name", func(u *User) { u.Email = "A <a@example.jp>" }, "email"},
		{"email too long", func(u *User) { u.Email = long }, "email"},
		{"display name missing", func(u *User) { u.DisplayName = "" }, "display_name"},
		{"display name too long", func(u *User) { u.DisplayName = strings.Repeat("名", 201) }, "display_name"},
		{"display name control", func(u *User) { u.DisplayName = "a\nb" }, "display_name"},
		{"no roles", func(u *User) { u.Roles = nil }, "roles"},
		{"unknown role", func(u *User) { u.Roles = []Role{RoleAnalyst, "root"} }, "roles[1]"},
		{"unknown role at 12", func(u *User) {
			u.Roles = append(slices.Repeat([]Role{RoleViewer}, 12), "superuser")
		}, "roles[12]"},
		{"locale unknown", func(u *User) { u.Locale = "fr" }, "locale"},
		{"locale region", func(u *User) { u.Locale = "ja-JP" }, "locale"},
	}
	if len(long) <= 254 {
		t.Fatalf("test email is only %d bytes", len(long))
	}
	for _, c := range cases {
		u := validUser()
		c.mut(&u)
		checkField(t, c.name, u.Validate(), c.field)
	}
}

func TestUserNormalize(t *testing.T) {
	u := User{Email: "  Alice@Example.JP ", DisplayName: " Alice ", Roles: []Role{RoleViewer, RoleAnalyst, RoleViewer}}
	u.Normalize()
	if u.Email != "alice@example.jp" || u.DisplayName != "Alice" || !slices.Equal(u.Roles, []Role{RoleAnalyst, RoleViewer}) {
		t.Fatalf("Normalize = %+v", u)
	}
	if !u.Has(RoleAnalyst) || u.Has(RoleOrgAdmin) {
		t.Error("Has")
	}
}

func TestValidatePassword(t *testing.T) {
	cases := []struct {
		name, pw string
		ok       bool
	}{
		{"empty", "", false},
		{"11 characters", "abcdefghijk", false},
		{"12 characters", "abcdefghijkl", true},
		{"12 japanese characters", "あいうえおかきくけこさし", true}, // counted in characters, not bytes
		{"11 japanese characters (33 bytes)", "あいうえおかきくけこさ", false},
		{"256 characters", strings.Repeat("p", 256), true},
		{"257 characters", strings.Repeat("p", 257), false},
		{"spaces count", "correct horse", true},
	}
	for _, c := range cases {
		field := ""
		if !c.ok {
			field = "new_password"
		}
		checkField(t, c.name, ValidatePassword("new_password", c.pw), field)
	}
}

func TestTokenValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Second)
	cases := []struct {
		name  string
		tok   Token
		field string
	}{
		{"valid", Token{Name: "CI パイプライン", Scopes: []Scope{ScopeRead}, CreatedAt: now, ExpiresAt: &later}, ""},
		{"no expiry", Token{Name: "ci", Scopes: []Scope{ScopeRead, ScopeWrite, ScopeAdmin, ScopeAudit}, CreatedAt: now}, ""},
		{"name missing", Token{Scopes: []Scope{ScopeRead}, CreatedAt: now}, "name"},
		{"name too long", Token{Name: strings.Repeat("n", 101), Scopes: []Scope{ScopeRead}, CreatedAt: now}, "name"},
		{"no scopes", Token{Name: "ci", CreatedAt: now}, "scopes"},
		{"unknown scope", Token{Name: "ci", Scopes: []Scope{ScopeRead, "root"}, CreatedAt: now}, "scopes[1]"},
		{"expires at creation", Token{Name: "ci", Scopes: []Scope{ScopeRead}, CreatedAt: now, ExpiresAt: &now}, "expires_at"},
		{"expired", Token{Name: "ci", Scopes: []Scope{ScopeRead}, CreatedAt: now, ExpiresAt: &earlier}, "expires_at"},
	}
	for _, c := range cases {
		checkField(t, c.name, c.tok.Validate(), c.field)
	}
}

func TestTokenAllows(t *testing.T) {
	// have -> which of read, write, admin, audit it allows
	cases := []struct {
		have []Scope
		want [4]bool
	}{
		{[]Scope{ScopeRead}, [4]bool{true, false, false, false}},
		{[]Scope{ScopeWrite}, [4]bool{true, true, false, false}},
		{[]Scope{ScopeAdmin}, [4]bool{true, true, true, false}},
		{[]Scope{ScopeAudit}, [4]bool{true, false, false, true}},
		{[]Scope{ScopeRead, ScopeAudit}, [4]bool{true, false, false, true}},
		{[]Scope{ScopeAudit, ScopeWrite}, [4]bool{true, true, false, true}},
		{[]Scope{ScopeAdmin, ScopeAudit}, [4]bool{true, true, true, true}},
		{nil, [4]bool{false, false, false, false}},
	}
	for _, c := range cases {
		tok := Token{Scopes: c.have}
		for i, s := range []Scope{ScopeRead, ScopeWrite, ScopeAdmin, ScopeAudit} {
			if got := tok.Allows(s); got != c.want[i] {
				t.Errorf("token %v allows %s = %v, want %v", c.have, s, got, c.want[i])
			}
		}
		if tok.Allows("") || tok.Allows("root") {
			t.Errorf("token %v allows an unknown scope", c.have)
		}
	}
}

func TestTokenActive(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	cases := []struct {
		name string
		tok  Token
		want bool
	}{
		{"no expiry", Token{}, true},
		{"expires later", Token{ExpiresAt: &future}, true},
		{"expired", Token{ExpiresAt: &past}, false},
		{"expires now", Token{ExpiresAt: &now}, false},
		{"revoked", Token{RevokedAt: &past, ExpiresAt: &future}, false},
		{"revoked later (clock skew) still revoked", Token{RevokedAt: &future}, false},
	}
	for _, c := range cases {
		if got := c.tok.Active(now); got != c.want {
			t.Errorf("%s: Active = %v", c.name, got)
		}
	}
}

func TestNamesAndKinds(t *testing.T) {
	cases := []struct {
		n          Names
		lang, want string
	}{
		{Names{JA: "東京", EN: "Tokyo"}, "ja", "東京"},
		{Names{JA: "東京", EN: "Tokyo"}, "en", "Tokyo"},
		{Names{JA: "東京", EN: "Tokyo"}, "", "東京"},
		{Names{JA: "東京"}, "en", "東京"},
		{Names{EN: "Tokyo"}, "ja", "Tokyo"},
	}
	for _, c := range cases {
		if got := c.n.In(c.lang); got != c.want {
			t.Errorf("%+v.In(%q) = %q, want %q", c.n, c.lang, got, c.want)
		}
	}
	gov := map[Kind]bool{KindGovernment: true, KindSectorMinistry: true, KindLawEnforcement: true, KindDefense: true}
	for _, k := range Kinds {
		if !k.Valid() || k.IsGovernment() != gov[k] {
			t.Errorf("kind %s: valid %v government %v", k, k.Valid(), k.IsGovernment())
		}
	}
	if KindOversight.IsGovernment() {
		t.Error("the oversight commission is independent, not the government")
	}
	if len(Sectors) != 15 {
		t.Errorf("%d sectors; the law names 15", len(Sectors))
	}
	for _, s := range Sectors {
		if !s.Valid() || s == SectorNone {
			t.Errorf("sector %q", s)
		}
	}
	if !SectorNone.Valid() || Sector("nuclear").Valid() || Kind("").Valid() || Role("").Valid() || Scope("").Valid() {
		t.Error("validity of empty or unknown values")
	}
}
