package web

import (
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/i18n"
	"sakimori/internal/org"
	"sakimori/internal/report"
)

// TestValidationMessagesAreTranslated feeds invalid domain objects to the
// validators and checks each message maps to a catalogue entry, so a
// reworded validator shows up here rather than as English on a Japanese page.
func TestValidationMessagesAreTranslated(t *testing.T) {
	good := func() org.Organisation {
		return org.Organisation{Slug: "ok-org", Kind: org.KindOperator, Sector: org.SectorGas,
			Name: org.Names{JA: "名", EN: "Name"}, Contact: org.Contact{Name: "desk", Email: "a@b.example"}}
	}
	var errs []error
	for _, mut := range []func(o *org.Organisation){
		func(o *org.Organisation) { o.Slug = "Bad Slug" },
		func(o *org.Organisation) { o.Kind = "pirate" },
		func(o *org.Organisation) { o.Sector = "space" },
		func(o *org.Organisation) { o.Sector = "" },
		func(o *org.Organisation) { o.Name.JA = "" },
		func(o *org.Organisation) { o.Name.EN = strings.Repeat("x", 201) },
		func(o *org.Organisation) { o.Name.EN = "a\x01b" },
		func(o *org.Organisation) { o.Name.EN = "\xff" },
		func(o *org.Organisation) { o.Contact.Email, o.Contact.Phone = "", "" },
		func(o *org.Organisation) { o.Contact.Phone = "call me" },
		func(o *org.Organisation) { o.Contact.Email = "nope" },
	} {
		o := good()
		mut(&o)
		errs = append(errs, o.Validate())
	}
	u := org.User{OrgID: "x", Email: "a@b.example", DisplayName: "n", Roles: nil}
	errs = append(errs, u.Validate())
	u.Roles = []org.Role{"emperor"}
	errs = append(errs, u.Validate())
	u.Roles, u.Locale = []org.Role{org.RoleViewer}, "fr"
	errs = append(errs, u.Validate())
	errs = append(errs, org.ValidatePassword("password", "short"), org.ValidatePassword("password", strings.Repeat("x", 300)))
	l := org.Link{SupplierID: "a", CustomerID: "a"}
	errs = append(errs, l.Validate())
	for _, ct := range []report.Contact{{Name: "n", Email: "nope"}, {Name: "n", Phone: "call me"}} {
		errs = append(errs, ct.Validate())
	}
	now := time.Now()
	tok := org.Token{Name: "t", CreatedAt: now}
	errs = append(errs, tok.Validate())
	tok.Scopes, tok.ExpiresAt = []org.Scope{org.ScopeRead}, &now
	errs = append(errs, tok.Validate())
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
	// Messages set by the service for the dashboard's own checks.
	for _, m := range []string{`a user with email "x@y" already exists`, `an organisation with slug "x" already exists`,
		"this supply-chain link already exists", "must be within 366 days", `no organisation "x"`,
		"tokens that never expire are created by platform administrators only", "you cannot disable your own account"} {
		if k, _ := reasonKey(m); k == "" {
			t.Errorf("service message %q has no translation", m)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		"/orgs?kind=operator":           "/orgs?kind=operator",
		"/users/abc#x":                  "/users/abc#x",
		"orgs":                          "/",
		"//evil.example":                "/",
		"/\\evil.example":               "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"/ok\r\nSet-Cookie: x":          "/",
		"/a\\b":                         "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "http://x", "/a?b=c", "/%2F%2Fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if got == "/" {
			return
		}
		if got != s || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t") {
			t.Fatalf("safeNext(%q) = %q", s, got)
		}
	})
}

func TestFormatTimeInJST(t *testing.T) {
	utc := time.Date(2026, 11, 23, 6, 4, 0, 0, time.UTC)
	if got := formatTime(utc); got != "2026-11-23 15:04 JST" {
		t.Errorf("formatTime = %q", got)
	}
	if got := formatTime(&utc); got != "2026-11-23 15:04 JST" {
		t.Errorf("formatTime(ptr) = %q", got)
	}
	var nilTime *time.Time
	if got := formatTime(nilTime); got != "—" {
		t.Errorf("formatTime(nil) = %q", got)
	}
	late := time.Date(2026, 12, 31, 20, 0, 0, 0, time.UTC)
	if got := formatTime(late); got != "2027-01-01 05:00 JST" {
		t.Errorf("date change across midnight JST: %q", got)
	}
}

func TestInputFor(t *testing.T) {
	remap := map[string]string{"expires_in": "expires"}
	for in, want := range map[string]string{"roles[2]": "roles", "name.ja": "name.ja", "expires_in": "expires", "scopes[0]": "scopes"} {
		if got := inputFor(in, remap); got != want {
			t.Errorf("inputFor(%q) = %q, want %q", in, got, want)
		}
	}
	for name, key := range fieldLabels {
		for _, l := range i18n.Langs {
			if !i18n.Has(l, key) {
				t.Errorf("%s: label %q of input %q is missing", l, key, name)
			}
		}
	}
}
