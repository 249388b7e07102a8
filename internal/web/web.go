// Package web serves sakimori's server-rendered dashboard: html/template
// pages from an embedded file system, one shared layout, one CSS file and
// no JavaScript. Every action goes through the accounts service; the
// dashboard only translates forms into service calls and results into
// pages, in Japanese or English.
//
// Adding a page (later features: incident reports, indicators, alerts):
//
//  1. write templates/pages/NAME.html defining "title" and "content"
//     (use the partials in templates/partials.html for fields, errors and
//     pagination, and {{t "key"}} for every text);
//  2. add its messages to both catalogues in internal/i18n/catalog;
//  3. register the handler in routes() with s.user(...) (signed-in pages)
//     and render it with s.render(w, rq, status, "NAME", data);
//  4. if it belongs in the navigation, add it to navItems with the
//     auth.Can check that decides who sees it.
//
// Every POST through s.user is CSRF-checked before the handler runs, and
// the whole handler is wrapped in http.CrossOriginProtection.
package web

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"

	"sakimori/internal/accounts"
	"sakimori/internal/alerting"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/defense"
	"sakimori/internal/exposure"
	"sakimori/internal/intel"
	"sakimori/internal/push"
	"sakimori/internal/reporting"
	"sakimori/internal/stats"
	"sakimori/internal/weather"
)

// Options configure the dashboard.
type Options struct {
	// SecureCookies marks cookies Secure (set when served over HTTPS or
	// behind a TLS-terminating proxy).
	SecureCookies bool
	Log           *slog.Logger
	Version       string
	// TrustedOrigins lists extra origins ("https://example.org") whose
	// cross-origin form posts are accepted, e.g. when a proxy rewrites the
	// Host header. Normally empty.
	TrustedOrigins []string
	// Intel is the sharing service behind the threat-intelligence pages.
	Intel *intel.Service
	// Exposure is the registry and vulnerability service behind the
	// critical-computer, vulnerability and vendor-request pages.
	Exposure *exposure.Service
	// Reporting is the incident-reporting service behind the report,
	// approval, deadline, template, settings and triage pages.
	Reporting *reporting.Service
	// Defense is the receivers' service behind the export and log-test
	// pages.
	Defense *defense.Service
	// Push, Correlate, Alerting and Weather are the government-analysis
	// services (issue #7) behind the event-stream, webhook-subscription,
	// cluster, alert, threat-weather and feedback routes.
	Push      *push.Service
	Correlate *correlate.Service
	Alerting  *alerting.Service
	Weather   *weather.Service
	// Stats gives the numbers behind the charts (issue #8).
	Stats *stats.Service
}

//go:embed templates static
var assets embed.FS

// Cookie names.
const (
	sessionCookie = "sakimori_session"
	loginCSRF     = "sakimori_csrf" // pre-session double-submit token for the login form
	langCookie    = "lang"
)

// maxFormBytes bounds form bodies.
const maxFormBytes = 64 << 10

type server struct {
	svc   *accounts.Service
	opt   Options
	log   *slog.Logger
	pages map[string]map[string]*template.Template // lang -> page name -> template
	// static files, content-addressed by a short hash in the URL
	css, icon         []byte
	cssPath, iconPath string
	scripts           map[string]staticFile // static/*.js by file name
}

// staticFile is an embedded file and its content-addressed path.
type staticFile struct {
	body []byte
	path string
}

// New returns the dashboard handler. Mount it at "/": it serves every path
// not taken by the API and the operational endpoints.
func New(svc *accounts.Service, opt Options) (http.Handler, error) {
	if svc == nil {
		return nil, fmt.Errorf("web: nil accounts service")
	}
	s := &server{svc: svc, opt: opt, log: opt.Log}
	if s.log == nil {
		s.log = slog.Default()
	}
	var err error
	if s.css, s.cssPath, err = stylesheet(); err != nil {
		return nil, err
	}
	if s.scripts, err = scripts(); err != nil {
		return nil, err
	}
	if s.icon, s.iconPath, err = static("static/icon.svg"); err != nil {
		return nil, err
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.routes(mux)
	cop := http.NewCrossOriginProtection()
	for _, o := range opt.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("web: trusted origin %q: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	return securityHeaders(cop.Handler(mux)), nil
}

func static(name string) ([]byte, string, error) {
	b, err := assets.ReadFile(name)
	if err != nil {
		return nil, "", fmt.Errorf("web: %w", err)
	}
	sum := sha256.Sum256(b)
	return b, "/" + name + "?v=" + hex.EncodeToString(sum[:6]), nil
}

// stylesheet is static/app.css followed by every other static/*.css in
// name order (each feature keeps its own rules in its own file), served
// as one file.
func stylesheet() ([]byte, string, error) {
	names, err := fs.Glob(assets, "static/*.css")
	if err != nil {
		return nil, "", fmt.Errorf("web: %w", err)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "static/app.css") != (names[j] == "static/app.css") {
			return names[i] == "static/app.css"
		}
		return names[i] < names[j]
	})
	var all []byte
	for _, n := range names {
		b, err := assets.ReadFile(n)
		if err != nil {
			return nil, "", fmt.Errorf("web: %w", err)
		}
		all = append(all, "/* "+path.Base(n)+" */\n"...)
		all = append(all, b...)
		all = append(all, '\n')
	}
	sum := sha256.Sum256(all)
	return all, "/static/app.css?v=" + hex.EncodeToString(sum[:6]), nil
}

// scripts are the dashboard's scripts (static/*.js), each content-addressed.
func scripts() (map[string]staticFile, error) {
	names, err := fs.Glob(assets, "static/*.js")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	m := make(map[string]staticFile, len(names))
	for _, n := range names {
		b, p, err := static(n)
		if err != nil {
			return nil, err
		}
		m[path.Base(n)] = staticFile{body: b, path: p}
	}
	return m, nil
}

// scriptPath is the content-addressed path of static/name (a template
// function: {{script "push.js"}}); it panics on an unknown script, which
// the template tests catch.
func (s *server) scriptPath(name string) string {
	f, ok := s.scripts[name]
	if !ok {
		panic("web: no script static/" + name)
	}
	return f.path
}

func (s *server) serveScript(w http.ResponseWriter, r *http.Request) {
	f, ok := s.scripts[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.serveStatic(f.body, "text/javascript; charset=utf-8")(w, r)
}

func (s *server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/app.css", s.serveStatic(s.css, "text/css; charset=utf-8"))
	mux.HandleFunc("GET /static/{file}", s.serveScript)
	mux.HandleFunc("GET /static/icon.svg", s.serveStatic(s.icon, "image/svg+xml"))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.iconPath, http.StatusMovedPermanently)
	})

	mux.Handle("GET /login", s.public(s.loginPage))
	mux.Handle("POST /login", s.public(s.loginSubmit))
	mux.Handle("GET /lang/{lang}", s.public(s.switchLang))
	mux.Handle("POST /logout", s.user(s.logout))

	mux.Handle("GET /{$}", s.user(s.home))

	mux.Handle("GET /orgs", s.user(s.orgList))
	mux.Handle("GET /orgs/new", s.user(s.orgNew))
	mux.Handle("POST /orgs", s.user(s.orgCreate))
	mux.Handle("GET /orgs/{ref}", s.user(s.orgDetail))
	mux.Handle("GET /orgs/{ref}/edit", s.user(s.orgEdit))
	mux.Handle("POST /orgs/{ref}/edit", s.user(s.orgUpdate))
	mux.Handle("POST /orgs/{ref}/links", s.user(s.linkAdd))
	mux.Handle("POST /orgs/{ref}/links/remove", s.user(s.linkAction(s.svc.RemoveLink, "link_removed")))
	mux.Handle("POST /orgs/{ref}/links/confirm", s.user(s.linkAction(func(ctx context.Context, p *auth.Principal, sup, cus string) error {
		_, err := s.svc.ConfirmLink(ctx, p, sup, cus)
		return err
	}, "link_confirmed")))

	mux.Handle("GET /users", s.user(s.userList))
	mux.Handle("GET /users/new", s.user(s.userNew))
	mux.Handle("POST /users", s.user(s.userCreate))
	mux.Handle("GET /users/{id}", s.user(s.userDetail))
	mux.Handle("POST /users/{id}", s.user(s.userUpdate))
	mux.Handle("POST /users/{id}/password", s.user(s.userResetPassword))

	mux.Handle("GET /account", s.user(s.account))
	mux.Handle("POST /account", s.user(s.accountUpdate))
	mux.Handle("POST /account/password", s.user(s.accountPassword))

	mux.Handle("GET /tokens", s.user(s.tokens))
	mux.Handle("POST /tokens", s.user(s.tokenCreate))
	mux.Handle("POST /tokens/{id}/revoke", s.user(s.tokenRevoke))

	mux.Handle("GET /audit", s.user(s.auditList))
	mux.Handle("POST /audit/verify", s.user(s.auditVerify))

	s.intelRoutes(mux)
	s.exposureRoutes(mux)
	s.incidentRoutes(mux)
	s.reportingAdminRoutes(mux)
	s.defenseRoutes(mux)
	s.pushRoutes(mux)
	s.clusterRoutes(mux)
	s.alertRoutes(mux)
	s.weatherRoutes(mux)
	s.chartsRoutes(mux)

	mux.Handle("/", s.public(s.notFound))
}

func (s *server) serveStatic(b []byte, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		w.Write(b)
	}
}

// csp is the Content-Security-Policy of every response: nothing but our own
// stylesheet, icon and scripts (static/*.js: no inline script runs) load, no page frames us, forms post
// only to us.
const csp = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Pages show personal data and, once, token secrets: never cache them.
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}
