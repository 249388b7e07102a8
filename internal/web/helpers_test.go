package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/web"
)

const password = "correct horse battery staple"

// env is a dashboard over a real store, with a small world of
// organisations and users.
type env struct {
	t     testing.TB
	db    *store.DB
	svc   *accounts.Service
	srv   *httptest.Server
	orgs  map[string]*org.Organisation // by slug
	users map[string]*org.User         // by email
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := accounts.New(db, log)
	h, err := web.New(svc, web.Options{Log: log, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, svc: svc, srv: srv, orgs: map[string]*org.Organisation{}, users: map[string]*org.User{}}
	e.org("nco", org.KindGovernment, "", "国家サイバー統括室", "National Cybersecurity Office", org.Contact{Name: "NCO duty desk", Phone: "+81-3-0000-0001", Hours: "24/7"})
	e.org("commission", org.KindOversight, "", "サイバー通信情報監理委員会", "Oversight Commission", org.Contact{Name: "Secretariat", Email: "sec@commission.example"})
	e.org("alpha", org.KindOperator, org.SectorElectricity, "アルファ電力", "Alpha Power", org.Contact{Name: "Alpha CSIRT", Phone: "+81-3-1234-5678", Email: "csirt@alpha.example", Hours: "24/7"})
	e.org("beta", org.KindOperator, org.SectorGas, "ベータガス", "Beta Gas", org.Contact{Name: "Beta SOC", Email: "soc@beta.example"})
	e.user("admin@alpha.example", "alpha", "Alpha Admin", org.RoleOrgAdmin, org.RoleAnalyst)
	e.user("viewer@alpha.example", "alpha", "Alpha Viewer", org.RoleViewer)
	e.user("admin@beta.example", "beta", "Beta Admin", org.RoleOrgAdmin)
	e.user("auditor@commission.example", "commission", "Commission Auditor", org.RoleAuditor)
	e.user("root@nco.example", "nco", "Platform Root", org.RolePlatformAdmin)
	e.user("analyst@nco.example", "nco", "NCO Analyst", org.RoleAnalyst)
	return e
}

func (e *env) org(slug string, k org.Kind, s org.Sector, ja, en string, c org.Contact) {
	e.t.Helper()
	o := &org.Organisation{Slug: slug, Kind: k, Sector: s, Name: org.Names{JA: ja, EN: en}, Contact: c}
	if err := e.svc.CreateOrg(context.Background(), auth.System("test"), o); err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	e.orgs[slug] = o
}

func (e *env) user(email, orgSlug, name string, roles ...org.Role) {
	e.t.Helper()
	u := &org.User{OrgID: e.orgs[orgSlug].ID, Email: email, DisplayName: name, Roles: roles}
	if err := e.svc.CreateUser(context.Background(), auth.System("test"), u, password); err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	e.users[email] = u
}

// client is a browser-like HTTP client: a cookie jar, an Accept-Language,
// and no automatic redirects (tests look at them).
type client struct {
	t    testing.TB
	e    *env
	hc   *http.Client
	lang string
	csrf string // the session's CSRF token, from the last page that had one
}

func (e *env) client(lang string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, e: e, lang: lang, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(method, path string, form url.Values, hdr ...string) *page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	p := &page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Header: resp.Header}
	if m := csrfRE.FindStringSubmatch(p.Body); m != nil && strings.Contains(p.Body, `action="/logout"`) {
		c.csrf = m[1]
	}
	return p
}

func (c *client) get(path string) *page { return c.do(http.MethodGet, path, nil) }

// post sends a form with the session's CSRF token.
func (c *client) post(path string, form url.Values) *page {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("csrf", c.csrf)
	return c.do(http.MethodPost, path, f)
}

// login signs in through the login form and loads the home page.
func (c *client) login(email string) {
	c.t.Helper()
	p := c.tryLogin(email, password, "/")
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303\n%s", email, p.Status, p.Body)
	}
	if h := c.get("/"); h.Status != http.StatusOK || c.csrf == "" {
		c.t.Fatalf("home after login: %d", h.Status)
	}
}

func (c *client) tryLogin(email, pw, next string) *page {
	c.t.Helper()
	lp := c.get("/login?next=" + url.QueryEscape(next))
	m := csrfRE.FindStringSubmatch(lp.Body)
	if lp.Status != http.StatusOK || m == nil {
		c.t.Fatalf("login page: status %d, no token", lp.Status)
	}
	return c.do(http.MethodPost, "/login", url.Values{"csrf": {m[1]}, "email": {email}, "password": {pw}, "next": {next}})
}

func (p *page) must(t testing.TB, status int) *page {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d\n%s", p.Status, status, p.Body)
	}
	return p
}

func (p *page) has(t testing.TB, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(p.Body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

func (p *page) hasNot(t testing.TB, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(p.Body, s) {
			t.Errorf("page unexpectedly contains %q", s)
		}
	}
}

// nav returns the main navigation of the page.
func (p *page) nav() string {
	i := strings.Index(p.Body, `<nav class="main-nav"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(p.Body[i:], "</nav>")
	return p.Body[i : i+j]
}

// table returns the first table of the page ("" if none).
func (p *page) table() string {
	i := strings.Index(p.Body, "<table")
	if i < 0 {
		return ""
	}
	return p.Body[i : i+strings.Index(p.Body[i:], "</table>")]
}

// fieldError returns the error shown next to input name ("" if none).
func (p *page) fieldError(name string) string {
	id := "f-" + strings.NewReplacer(".", "-").Replace(name) + "-err"
	re := regexp.MustCompile(`<p class="error" id="` + regexp.QuoteMeta(id) + `">(?:<span class="sr-only">[^<]*</span>)?([^<]*)</p>`)
	if m := re.FindStringSubmatch(p.Body); m != nil {
		return m[1]
	}
	return ""
}

func accountsReq(name string) accounts.TokenRequest {
	return accounts.TokenRequest{Name: name, Scopes: []org.Scope{org.ScopeRead}}
}

func accountsPatchLocale(l string) accounts.UserPatch { return accounts.UserPatch{Locale: &l} }

// serveWorld serves the dashboard over db with the services in opt (Log,
// Version and Intel filled in when empty) for the organisations and users
// of w, every user with the test password.
func serveWorld(t testing.TB, db *store.DB, w *inteltest.World, opt web.Options) *env {
	t.Helper()
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Version == "" {
		opt.Version = "test"
	}
	if opt.Intel == nil {
		opt.Intel = w.Svc
	}
	svc := accounts.New(db, opt.Log)
	h, err := web.New(svc, opt)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, svc: svc, srv: srv, orgs: w.Orgs, users: map[string]*org.User{}}
	for _, u := range w.Users {
		if err := db.SetPassword(context.Background(), audit.Actor{Name: "test"}, u.ID, hash); err != nil {
			t.Fatal(err)
		}
		e.users[u.Email] = u
	}
	return e
}
