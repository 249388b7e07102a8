package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.client("ja-JP,ja;q=0.9")

		// A page request without a session goes to the login page, which
		// comes back to it afterwards.
		p := c.get("/orgs?kind=operator").must(t, http.StatusSeeOther)
		if p.Location != "/login?next="+url.QueryEscape("/orgs?kind=operator") {
			t.Errorf("redirect to %q", p.Location)
		}
		if p := c.get("/").must(t, http.StatusSeeOther); p.Location != "/login?next=%2F" {
			t.Errorf("redirect to %q", p.Location)
		}

		// Wrong password: translated message, the email kept, 401.
		p = c.tryLogin("admin@alpha.example", "wrong password!!", "/orgs").must(t, http.StatusUnauthorized)
		p.has(t, "メールアドレスまたはパスワードが正しくありません。", `value="admin@alpha.example"`, `role="alert"`)
		en := e.client("en-US")
		en.tryLogin("nobody@alpha.example", "wrong password!!", "/").must(t, http.StatusUnauthorized).
			has(t, "Wrong email address or password.", `value="nobody@alpha.example"`)

		// Success: session cookie with the right attributes, back to next.
		p = c.tryLogin("admin@alpha.example", password, "/orgs").must(t, http.StatusSeeOther)
		if p.Location != "/orgs" {
			t.Errorf("after login: redirect to %q, want /orgs", p.Location)
		}
		var sc string
		for _, v := range p.Header.Values("Set-Cookie") {
			if strings.HasPrefix(v, "sakimori_session=") {
				sc = v
			}
		}
		for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(sc, attr) {
				t.Errorf("session cookie %q lacks %s", sc, attr)
			}
		}
		if strings.Contains(sc, "Secure") {
			t.Errorf("session cookie is Secure without SecureCookies: %q", sc)
		}
		home := c.get("/").must(t, http.StatusOK)
		home.has(t, "ようこそ、Alpha Adminさん", "アルファ電力", "基幹インフラ事業者", "電力", "組織管理者", "アナリスト")

		// The login page with a session goes on to next.
		if p := c.get("/login?next=/tokens").must(t, http.StatusSeeOther); p.Location != "/tokens" {
			t.Errorf("login page when signed in: redirect to %q", p.Location)
		}

		// Logout ends the session on the server.
		c.post("/logout", nil).must(t, http.StatusSeeOther)
		c.get("/").must(t, http.StatusSeeOther)

		// next may only be a local path.
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
			c2 := e.client("en")
			if p := c2.tryLogin("viewer@alpha.example", password, next).must(t, http.StatusSeeOther); p.Location != "/" {
				t.Errorf("next=%q: redirect to %q, want /", next, p.Location)
			}
		}
	})
}

func TestLoginThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.Throttle = auth.NewThrottle(auth.ThrottleConfig{PerAccount: 2, Window: time.Hour})
		c := e.client("ja")
		for range 2 {
			c.tryLogin("viewer@alpha.example", "wrong password!!", "/").must(t, http.StatusUnauthorized)
		}
		c.tryLogin("viewer@alpha.example", password, "/").must(t, http.StatusTooManyRequests).
			has(t, "ログインの失敗が続いたため")
		en := e.client("en")
		en.tryLogin("viewer@alpha.example", password, "/").must(t, http.StatusTooManyRequests).
			has(t, "Too many failed attempts")
	})
}

func TestCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.client("en")
		c.login("viewer@alpha.example")
		ctx := context.Background()

		// Missing or wrong token: 403, nothing happens.
		c.do(http.MethodPost, "/logout", url.Values{}).must(t, http.StatusForbidden).has(t, "The form has expired")
		c.do(http.MethodPost, "/logout", url.Values{"csrf": {c.csrf + "x"}}).must(t, http.StatusForbidden)
		c.do(http.MethodPost, "/tokens", url.Values{"csrf": {"nope"}, "name": {"x"}, "scopes": {"read"}, "expires": {"30"}}).
			must(t, http.StatusForbidden)
		p := e.svc
		viewer, _, err := p.Session(ctx, "", "")
		_ = viewer
		if apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Fatalf("empty session secret: %v", err)
		}
		toks, err := e.db.ListTokens(ctx, e.users["viewer@alpha.example"].ID, "")
		if err != nil || len(toks) != 0 {
			t.Fatalf("tokens after forged posts: %v, %v", toks, err)
		}
		c.get("/").must(t, http.StatusOK) // still signed in

		// Another user's token does not work either.
		other := e.client("en")
		other.login("viewer@alpha.example")
		c.do(http.MethodPost, "/logout", url.Values{"csrf": {other.csrf}}).must(t, http.StatusForbidden)

		// Cross-origin browser posts are refused even with the right token.
		c.do(http.MethodPost, "/logout", url.Values{"csrf": {c.csrf}}, "Origin", "http://evil.example").
			must(t, http.StatusForbidden).has(t, "Requests from other sites are not accepted.")
		c.do(http.MethodPost, "/logout", url.Values{"csrf": {c.csrf}}, "Sec-Fetch-Site", "cross-site").
			must(t, http.StatusForbidden)
		c.get("/").must(t, http.StatusOK)
		// The same origin is fine.
		c.do(http.MethodPost, "/logout", url.Values{"csrf": {c.csrf}}, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin").
			must(t, http.StatusSeeOther)
		c.get("/").must(t, http.StatusSeeOther)

		// The login form needs its pre-session double-submit token.
		fresh := e.client("en")
		fresh.do(http.MethodPost, "/login", url.Values{"email": {"viewer@alpha.example"}, "password": {password}}).
			must(t, http.StatusForbidden)
		fresh.get("/login")
		fresh.do(http.MethodPost, "/login", url.Values{"csrf": {strings.Repeat("a", 52)}, "email": {"viewer@alpha.example"}, "password": {password}}).
			must(t, http.StatusForbidden)
		fresh.get("/").must(t, http.StatusSeeOther)
	})
}

func TestSecurityHeaders(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := newEnv(t, db)
	c := e.client("en")
	for _, path := range []string{"/login", "/no-such-page"} {
		p := c.get(path)
		h := p.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
	c.get("/no-such-page").must(t, http.StatusNotFound).has(t, "Not found")
	css := c.get("/static/app.css").must(t, http.StatusOK)
	if ct := css.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("css content type %q", ct)
	}
}

func TestNavigationFollowsRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)

		viewer := e.client("en")
		viewer.login("viewer@alpha.example")
		nav := viewer.get("/").must(t, http.StatusOK).nav()
		for _, want := range []string{`href="/orgs"`, `href="/users"`, `href="/tokens"`, `href="/account"`} {
			if !strings.Contains(nav, want) {
				t.Errorf("viewer nav lacks %s", want)
			}
		}
		if strings.Contains(nav, `href="/audit"`) {
			t.Error("viewer sees the audit trail in the navigation")
		}
		viewer.get("/audit").must(t, http.StatusForbidden)
		viewer.post("/audit/verify", nil).must(t, http.StatusForbidden)
		viewer.get("/orgs/new").must(t, http.StatusForbidden)
		viewer.get("/orgs/alpha/edit").must(t, http.StatusForbidden)
		viewer.get("/users/new").must(t, http.StatusForbidden)
		viewer.get("/orgs").must(t, http.StatusOK).hasNot(t, `href="/orgs/new"`)

		auditor := e.client("ja")
		auditor.login("auditor@commission.example")
		if nav := auditor.get("/").nav(); !strings.Contains(nav, `href="/audit"`) {
			t.Error("auditor nav lacks the audit trail")
		}
		a := auditor.get("/audit").must(t, http.StatusOK)
		a.has(t, "監査証跡", "<code>login</code>", "admin@")
		auditor.get("/audit?outcome=failure").must(t, http.StatusOK)
		auditor.get("/audit?since=2026-13-01").must(t, http.StatusBadRequest).has(t, "日付を")
		v := auditor.post("/audit/verify", nil).must(t, http.StatusOK)
		v.has(t, "改ざんは検出されませんでした。")
		head := regexp.MustCompile(`id="verify-head">(\d+:[0-9a-f]{64})<`).FindStringSubmatch(v.Body)
		if head == nil {
			t.Fatalf("no head anchor on the verification page")
		}
		// Verifying against the anchor just shown succeeds; a bad anchor is a field error.
		auditor.post("/audit/verify", url.Values{"anchor": {head[1]}}).must(t, http.StatusOK).has(t, "改ざんは検出されませんでした。")
		bad := auditor.post("/audit/verify", url.Values{"anchor": {"12:zz"}}).must(t, http.StatusBadRequest)
		if got := bad.fieldError("anchor"); !strings.Contains(got, "アンカー") {
			t.Errorf("anchor error = %q", got)
		}
		bad.has(t, `value="12:zz"`)

		root := e.client("en")
		root.login("root@nco.example")
		root.get("/orgs").must(t, http.StatusOK).has(t, `href="/orgs/new"`)
		root.get("/orgs/new").must(t, http.StatusOK)
		root.get("/users?org=*").must(t, http.StatusOK).has(t, "admin@beta.example", "viewer@alpha.example")
	})
}

func TestOrganisationIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		beta := e.client("en")
		beta.login("admin@beta.example")

		// Users of another organisation are invisible.
		beta.get("/users?org=alpha").must(t, http.StatusForbidden)
		beta.get("/users/"+e.users["viewer@alpha.example"].ID).must(t, http.StatusNotFound)
		beta.get("/users").must(t, http.StatusOK).has(t, "admin@beta.example")
		beta.get("/users").hasNot(t, "alpha.example")
		beta.get("/users?org=*").must(t, http.StatusForbidden)

		// Alpha's page without its contact or members.
		p := beta.get("/orgs/alpha").must(t, http.StatusOK)
		p.has(t, "Alpha Power", `id="contact-hidden"`)
		p.hasNot(t, "1234-5678", "csirt@alpha.example", `id="members"`, `action="/orgs/alpha/links"`)
		beta.get("/orgs/alpha/edit").must(t, http.StatusForbidden)

		// The government sees emergency contacts.
		gov := e.client("en")
		gov.login("analyst@nco.example")
		gov.get("/orgs/alpha").must(t, http.StatusOK).has(t, "1234-5678", "csirt@alpha.example")

		// Alpha's admin proposes Alpha as a supplier of Beta: pending, it
		// reveals nothing, and Alpha cannot confirm its own proposal.
		alpha := e.client("en")
		alpha.login("admin@alpha.example")
		alpha.post("/orgs/alpha/links", url.Values{"direction": {"supplier_of"}, "partner": {"beta"}, "description": {"gas turbine maintenance"}}).
			must(t, http.StatusSeeOther)
		beta.get("/orgs/alpha").must(t, http.StatusOK).hasNot(t, "csirt@alpha.example")
		pend := beta.get("/orgs/beta").must(t, http.StatusOK)
		pend.has(t, "Awaiting confirmation", `action="/orgs/beta/links/confirm"`)
		link := url.Values{"supplier": {e.orgs["alpha"].ID}, "customer": {e.orgs["beta"].ID}}
		alpha.post("/orgs/alpha/links/confirm", link).must(t, http.StatusForbidden)
		// Beta's admin confirms: now Beta sees Alpha's contact, and the link from both ends.
		beta.post("/orgs/beta/links/confirm", link).must(t, http.StatusSeeOther)
		p = beta.get("/orgs/alpha").must(t, http.StatusOK)
		p.has(t, "csirt@alpha.example", "Beta Gas", "gas turbine maintenance")
		b := beta.get("/orgs/beta").must(t, http.StatusOK)
		sup := b.Body[strings.Index(b.Body, `id="suppliers"`):strings.Index(b.Body, `id="customers"`)]
		if !strings.Contains(sup, "Alpha Power") {
			t.Error("Beta's page does not list Alpha among its suppliers")
		}

		// Adding it again, linking to oneself or to nothing: field errors.
		alpha.post("/orgs/alpha/links", url.Values{"direction": {"supplier_of"}, "partner": {"beta"}}).
			must(t, http.StatusConflict).has(t, "This supply-chain link already exists.")
		if got := alpha.post("/orgs/alpha/links", url.Values{"direction": {"supplier_of"}, "partner": {"alpha"}}).
			must(t, http.StatusBadRequest).fieldError("partner"); got != "An organisation cannot supply itself." {
			t.Errorf("self link error = %q", got)
		}
		if got := alpha.post("/orgs/alpha/links", url.Values{"direction": {"supplier_of"}, "partner": {"nope"}, "description": {"kept text"}}).
			must(t, http.StatusBadRequest); got.fieldError("partner") != "No such organisation." {
			t.Errorf("unknown partner error = %q", got.fieldError("partner"))
		} else {
			got.has(t, `value="kept text"`, `value="nope"`)
		}

		// Beta's admin removes the link (an admin of either end may).
		beta.post("/orgs/beta/links/remove", url.Values{"supplier": {e.orgs["alpha"].ID}, "customer": {e.orgs["beta"].ID}}).
			must(t, http.StatusSeeOther)
		beta.get("/orgs/alpha").must(t, http.StatusOK).hasNot(t, "csirt@alpha.example")
	})
}

func TestTokenSecretShownOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.client("en")
		c.login("viewer@alpha.example")
		ctx := context.Background()

		p := c.post("/tokens", url.Values{"name": {"SIEM feed"}, "scopes": {"read"}, "expires": {"30"}}).must(t, http.StatusCreated)
		secret := regexp.MustCompile(`skm_[a-z2-7]{52}`).FindString(p.Body)
		if secret == "" {
			t.Fatal("no token secret on the result page")
		}
		p.has(t, "shown only this once", "SIEM feed")
		if p.Header.Get("Cache-Control") != "no-store" {
			t.Error("the secret page may be cached")
		}

		list := c.get("/tokens").must(t, http.StatusOK)
		list.hasNot(t, secret)
		list.has(t, "SIEM feed", auth.DisplayPrefix(secret), "Active")

		pr, err := e.svc.Token(ctx, secret, "127.0.0.1")
		if err != nil {
			t.Fatalf("the new token does not authenticate: %v", err)
		}
		if pr.User.Email != "viewer@alpha.example" || !pr.Token.Allows(org.ScopeRead) || pr.Token.Allows(org.ScopeWrite) {
			t.Errorf("token principal %s with scopes %v", pr.User.Email, pr.Token.Scopes)
		}
		if d := time.Until(*pr.Token.ExpiresAt); d < 29*24*time.Hour || d > 31*24*time.Hour {
			t.Errorf("token expires in %v, want about 30 days", d)
		}

		// A viewer cannot take the admin scope; the form keeps its input.
		bad := c.post("/tokens", url.Values{"name": {"too much"}, "scopes": {"admin"}, "expires": {"30"}}).must(t, http.StatusForbidden)
		if bad.fieldError("scopes") == "" {
			t.Error("no error next to the scopes")
		}
		bad.has(t, `value="too much"`)
		if got := c.post("/tokens", url.Values{"name": {""}, "scopes": {"read"}, "expires": {"30"}}).
			must(t, http.StatusBadRequest).fieldError("name"); got != "This is required." {
			t.Errorf("empty name error = %q", got)
		}
		if got := c.post("/tokens", url.Values{"name": {"forever"}, "scopes": {"read"}, "expires": {"never"}}).
			must(t, http.StatusBadRequest).fieldError("expires"); !strings.Contains(got, "never expire") {
			t.Errorf("never-expiring token error = %q", got)
		}

		// Revoking it from the list stops it working.
		id := pr.Token.ID
		c.post("/tokens/"+id+"/revoke", url.Values{"next": {"/tokens"}}).must(t, http.StatusSeeOther)
		if _, err := e.svc.Token(ctx, secret, "127.0.0.1"); err == nil {
			t.Error("revoked token still authenticates")
		}
		c.get("/tokens").has(t, "Revoked")

		// Another organisation's admin cannot revoke tokens here.
		session := &auth.Principal{User: pr.User, Org: pr.Org}
		secret2, t2, err := e.svc.CreateToken(ctx, session, "", accountsReq("second"))
		if err != nil {
			t.Fatal(err)
		}
		beta := e.client("en")
		beta.login("admin@beta.example")
		beta.post("/tokens/"+t2.ID+"/revoke", nil).must(t, http.StatusNotFound)
		if _, err := e.svc.Token(ctx, secret2, "127.0.0.1"); err != nil {
			t.Errorf("token revoked by another organisation: %v", err)
		}
	})
}

func TestFormErrorsKeepInputAndNameTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		form := url.Values{"slug": {"delta"}, "kind": {"operator"}, "sector": {"water"}, "name.ja": {"デルタ水道"},
			"name.en": {"Delta Water"}, "emergency_contact.name": {"Delta SOC"}, "emergency_contact.email": {"not-an-email"},
			"emergency_contact.hours": {"平日 9-17時"}}
		for _, c := range []struct {
			lang, label, reason string
		}{
			{"ja", "緊急連絡先のメールアドレス", "メールアドレスの形式ではありません。"},
			{"en", "Emergency contact email", "Not an email address."},
		} {
			cl := e.client(c.lang)
			cl.login("root@nco.example")
			p := cl.post("/orgs", form).must(t, http.StatusBadRequest)
			if got := p.fieldError("emergency_contact.email"); got != c.reason {
				t.Errorf("%s: error next to the email input = %q, want %q", c.lang, got, c.reason)
			}
			p.has(t, c.label, `aria-invalid="true"`, `value="delta"`, `value="デルタ水道"`, `value="Delta Water"`,
				`value="not-an-email"`, `value="平日 9-17時"`, `<option value="water" selected>`)
			if _, err := e.svc.GetOrg(context.Background(), auth.System("t"), "delta"); apperr.CodeOf(err) != apperr.CodeNotFound {
				t.Fatalf("invalid organisation was created: %v", err)
			}
		}

		cl := e.client("ja")
		cl.login("root@nco.example")
		noSector := url.Values{}
		for k, v := range form {
			noSector[k] = v
		}
		noSector.Set("sector", "")
		noSector.Set("emergency_contact.email", "soc@delta.example")
		if got := cl.post("/orgs", noSector).must(t, http.StatusBadRequest).fieldError("sector"); got != "基幹インフラ事業者は分野を選んでください。" {
			t.Errorf("missing sector error = %q", got)
		}
		dup := url.Values{}
		for k, v := range noSector {
			dup[k] = v
		}
		dup.Set("slug", "alpha")
		dup.Set("sector", "water")
		if got := cl.post("/orgs", dup).must(t, http.StatusConflict).fieldError("slug"); got != "この識別子の組織は既に存在します。" {
			t.Errorf("duplicate slug error = %q", got)
		}
		// Fixed, it is created and shown.
		noSector.Set("sector", "water")
		p := cl.post("/orgs", noSector).must(t, http.StatusSeeOther)
		if p.Location != "/orgs/delta?done=org_created" {
			t.Errorf("after create: %q", p.Location)
		}
		cl.get(p.Location).must(t, http.StatusOK).has(t, "組織を作成しました。", "デルタ水道", "水道", "soc@delta.example")
	})
}

func TestLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, c := range []struct{ accept, lang, text string }{
			{"ja-JP,ja;q=0.9,en;q=0.8", "ja", "ログイン"},
			{"ja", "ja", "ログイン"},
			{"en-US,en;q=0.9", "en", "Sign in"},
			{"fr-FR,fr;q=0.9", "en", "Sign in"},
			{"", "en", "Sign in"},
		} {
			p := e.client(c.accept).get("/login").must(t, http.StatusOK)
			p.has(t, `<html lang="`+c.lang+`">`, c.text)
			if got := p.Header.Get("Content-Language"); got != c.lang {
				t.Errorf("Accept-Language %q: Content-Language %q, want %q", c.accept, got, c.lang)
			}
		}

		// The switch sets the cookie and returns to the page; it then beats
		// the browser's preference.
		c := e.client("ja")
		c.login("viewer@alpha.example")
		c.get("/orgs").has(t, `<html lang="ja">`, "組織一覧")
		p := c.get("/lang/en?next="+url.QueryEscape("/orgs?kind=operator")).must(t, http.StatusSeeOther)
		if p.Location != "/orgs?kind=operator" {
			t.Errorf("switch returned to %q", p.Location)
		}
		c.get("/orgs?kind=operator").has(t, `<html lang="en">`, "Organisations", "Alpha Power")
		c.get("/").has(t, "Welcome, Alpha Viewer")
		// The switch links on a page lead back to it.
		c.get("/orgs?q=alpha").has(t, `href="/lang/ja?next=%2forgs%3fq%3dalpha"`)
		c.get("/lang/ja?next=/").must(t, http.StatusSeeOther)
		c.get("/").has(t, "ようこそ、Alpha Viewerさん")

		for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil"} {
			if p := c.get("/lang/en?next=" + url.QueryEscape(next)); p.Location != "/" {
				t.Errorf("switch with next=%q went to %q", next, p.Location)
			}
		}
		c.get("/lang/fr").must(t, http.StatusNotFound)

		// A saved locale beats the browser when there is no explicit choice.
		en := "en"
		if _, err := e.svc.UpdateUser(context.Background(), auth.System("t"), "admin@beta.example", accountsPatchLocale(en)); err != nil {
			t.Fatal(err)
		}
		b := e.client("ja")
		b.login("admin@beta.example")
		b.get("/").has(t, `<html lang="en">`, "Welcome, Beta Admin")

		// Saving a language on the account page switches at once.
		p = b.post("/account", url.Values{"display_name": {"Beta Admin"}, "locale": {"ja"}}).must(t, http.StatusSeeOther)
		b.get(p.Location).has(t, `<html lang="ja">`, "プロフィールを保存しました。")
	})
}

func TestAccountPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.client("ja")
		c.login("viewer@alpha.example")
		newPW := "a much longer passphrase 2026"

		p := c.post("/account/password", url.Values{"current_password": {"wrong password!!"}, "password": {newPW}, "password_confirm": {newPW}}).
			must(t, http.StatusBadRequest)
		if got := p.fieldError("current_password"); got != "現在のパスワードが正しくありません。" {
			t.Errorf("wrong current password error = %q", got)
		}
		p = c.post("/account/password", url.Values{"current_password": {password}, "password": {newPW}, "password_confirm": {newPW + "x"}}).
			must(t, http.StatusBadRequest)
		if got := p.fieldError("password_confirm"); got != "確認用のパスワードが一致しません。" {
			t.Errorf("mismatch error = %q", got)
		}
		p = c.post("/account/password", url.Values{"current_password": {password}, "password": {"short"}, "password_confirm": {"short"}}).
			must(t, http.StatusBadRequest)
		if got := p.fieldError("password"); got != "12文字以上で入力してください。" {
			t.Errorf("short password error = %q", got)
		}

		// Another session of the same user ends; this one goes on.
		other := e.client("ja")
		other.login("viewer@alpha.example")
		p = c.post("/account/password", url.Values{"current_password": {password}, "password": {newPW}, "password_confirm": {newPW}}).
			must(t, http.StatusSeeOther)
		c.get(p.Location).must(t, http.StatusOK).has(t, "パスワードを変更しました。")
		other.get("/").must(t, http.StatusSeeOther)
		e.client("en").tryLogin("viewer@alpha.example", password, "/").must(t, http.StatusUnauthorized)
		e.client("en").tryLogin("viewer@alpha.example", newPW, "/").must(t, http.StatusSeeOther)

		// Profile: a bad display name keeps the form.
		p = c.post("/account", url.Values{"display_name": {""}, "locale": {"en"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("display_name"); got != "入力してください。" {
			t.Errorf("empty display name error = %q", got)
		}
		p.has(t, `<option value="en" selected>`)
	})
}

func TestUserAdministration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		c := e.client("en")
		c.login("admin@alpha.example")

		form := c.get("/users/new").must(t, http.StatusOK)
		form.hasNot(t, `value="auditor"`, `value="platform_admin"`) // roles an org admin cannot grant here
		p := c.post("/users", url.Values{"email": {"new.alpha.example"}, "display_name": {"New Person"}, "roles": {"analyst", "reporter"},
			"password": {"a long enough password"}}).must(t, http.StatusBadRequest)
		if got := p.fieldError("email"); got != "Not an email address." {
			t.Errorf("bad email error = %q", got)
		}
		p.has(t, `value="new.alpha.example"`, `value="New Person"`, `value="reporter" checked`)
		if got := c.post("/users", url.Values{"email": {"viewer@alpha.example"}, "display_name": {"Dup"}, "roles": {"viewer"},
			"password": {"a long enough password"}}).must(t, http.StatusConflict).fieldError("email"); got != "A user with this email address already exists." {
			t.Errorf("duplicate email error = %q", got)
		}
		p = c.post("/users", url.Values{"email": {"new@alpha.example"}, "display_name": {"New Person"}, "roles": {"analyst", "reporter"},
			"password": {"a long enough password"}}).must(t, http.StatusSeeOther)
		u, err := e.svc.GetUser(ctx, auth.System("t"), "new@alpha.example")
		if err != nil {
			t.Fatal(err)
		}
		if p.Location != "/users/"+u.ID+"?done=user_created" {
			t.Errorf("after create: %q", p.Location)
		}
		c.get("/users").has(t, "new@alpha.example")

		// Removing every role names the roles field.
		if got := c.post("/users/"+u.ID, url.Values{"display_name": {"New Person"}}).must(t, http.StatusBadRequest).
			fieldError("roles"); got != "Choose at least one role." {
			t.Errorf("no roles error = %q", got)
		}
		// Disable: the user can no longer sign in.
		c.post("/users/"+u.ID, url.Values{"display_name": {"New Person"}, "roles": {"analyst"}, "disabled": {"1"}}).must(t, http.StatusSeeOther)
		c.get("/users/"+u.ID).has(t, "Disabled")
		e.client("en").tryLogin("new@alpha.example", "a long enough password", "/").must(t, http.StatusUnauthorized)
		c.post("/users/"+u.ID, url.Values{"display_name": {"New Person"}, "roles": {"analyst"}}).must(t, http.StatusSeeOther)

		// Password reset by the admin.
		if got := c.post("/users/"+u.ID+"/password", url.Values{"password": {"another long password"}, "password_confirm": {"different"}}).
			must(t, http.StatusBadRequest).fieldError("password_confirm"); got != "The two passwords differ." {
			t.Errorf("mismatch = %q", got)
		}
		c.post("/users/"+u.ID+"/password", url.Values{"password": {"another long password"}, "password_confirm": {"another long password"}}).
			must(t, http.StatusSeeOther)
		e.client("en").tryLogin("new@alpha.example", "another long password", "/").must(t, http.StatusSeeOther)

		// A viewer may look at colleagues but not change them.
		v := e.client("en")
		v.login("viewer@alpha.example")
		v.get("/users/"+u.ID).must(t, http.StatusOK).hasNot(t, `action="/users/`+u.ID+`"`)
		v.post("/users/"+u.ID, url.Values{"display_name": {"Hacked"}, "roles": {"org_admin"}}).must(t, http.StatusForbidden)
		if got, _ := e.svc.GetUser(ctx, auth.System("t"), u.ID); got.DisplayName != "New Person" {
			t.Errorf("viewer changed a user: %q", got.DisplayName)
		}
	})
}

func TestOrgEditByOrgAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		c := e.client("en")
		c.login("admin@alpha.example")
		p := c.get("/orgs/alpha/edit").must(t, http.StatusOK)
		p.hasNot(t, `name="slug"`, `name="kind"`)
		p.has(t, `value="Alpha Power"`, `value="csirt@alpha.example"`)
		vals := url.Values{"slug": {"hijacked"}, "kind": {"government"}, "name.ja": {"アルファ電力"}, "name.en": {"Alpha Electric"},
			"emergency_contact.name": {"Alpha CSIRT"}, "emergency_contact.phone": {"+81-3-1234-5678"}, "emergency_contact.email": {"csirt@alpha.example"}}
		c.post("/orgs/alpha/edit", vals).must(t, http.StatusSeeOther)
		o, err := e.svc.GetOrg(context.Background(), auth.System("t"), e.orgs["alpha"].ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Slug != "alpha" || o.Kind != org.KindOperator || o.Name.EN != "Alpha Electric" {
			t.Errorf("after edit by org admin: %s %s %q", o.Slug, o.Kind, o.Name.EN)
		}
		vals.Set("emergency_contact.phone", "")
		vals.Set("emergency_contact.email", "")
		if got := c.post("/orgs/alpha/edit", vals).must(t, http.StatusBadRequest).fieldError("emergency_contact.phone"); got != "Give a phone number or an email address." {
			t.Errorf("no channel error = %q", got)
		}
		c.get("/orgs/beta/edit").must(t, http.StatusForbidden)
		c.post("/orgs/beta/edit", vals).must(t, http.StatusForbidden)
	})
}

func TestDirectoryFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i := range 52 {
			e.org(strings.ToLower("sup-"+string(rune('a'+i/26))+string(rune('a'+i%26))), org.KindSupplier, "",
				"委託先", "Contractor", org.Contact{Name: "desk", Email: "desk@example.org"})
		}
		c := e.client("ja")
		c.login("viewer@alpha.example")
		first := c.get("/orgs").must(t, http.StatusOK)
		next := regexp.MustCompile(`href="(/orgs\?after=[^"]+)" rel="next"`).FindStringSubmatch(first.Body)
		if next == nil {
			t.Fatal("no next page link for 56 organisations")
		}
		second := c.get(strings.ReplaceAll(next[1], "&amp;", "&")).must(t, http.StatusOK)
		rows := func(p *page) int { return strings.Count(p.Body, "<tr>") - 1 }
		if rows(first) != 50 || rows(second) != 6 {
			t.Errorf("pages have %d and %d rows, want 50 and 6", rows(first), rows(second))
		}
		second.has(t, "最初のページ")
		gas := c.get("/orgs?kind=operator&sector=gas").must(t, http.StatusOK).table()
		if !strings.Contains(gas, "ベータガス") || strings.Contains(gas, "アルファ電力") || strings.Count(gas, "<tr>") != 2 {
			t.Errorf("operators in the gas sector:\n%s", gas)
		}
		if tbl := c.get("/orgs?q=" + url.QueryEscape("アルファ")).table(); !strings.Contains(tbl, "アルファ電力") || strings.Contains(tbl, "ベータガス") {
			t.Errorf("search in Japanese:\n%s", tbl)
		}
		if tbl := c.get("/orgs?q=ALPHA").table(); !strings.Contains(tbl, "アルファ電力") {
			t.Errorf("search in English:\n%s", tbl)
		}
		bad := c.get("/orgs?kind=pirate").must(t, http.StatusBadRequest)
		if got := bad.fieldError("kind"); got != "選択肢にない値です。" {
			t.Errorf("bad kind error = %q", got)
		}
	})
}
