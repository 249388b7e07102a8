package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/i18n"
	"sakimori/internal/org"
)

// jst is Japan Standard Time. Japan has no daylight saving time, so a fixed
// zone is exact and needs no time zone database.
var jst = time.FixedZone("JST", 9*60*60)

// view is what the layout renders; Data is the page's own data.
type view struct {
	Lang    string
	P       *auth.Principal
	CSRF    string
	Nav     []navItem  // the pages the user may open
	Groups  []navGroup // Nav filed under its sections, as the layout shows it
	Here    string     // GET address of this page, for the language switch
	Done    string     // translated confirmation of the last action
	CSS     string
	Icon    string
	Version string
	Data    any
}

type navItem struct {
	Path, Label string
	Current     bool
}

// navItems lists the sections the principal may use. auth.Can only hides
// links; the service still authorizes every request.
func navItems(rq *req) []navItem {
	p := rq.P
	if p == nil || p.User == nil {
		return nil
	}
	self := auth.Target{OrgID: p.OrgID(), UserID: p.User.ID}
	items := []navItem{{Path: "/", Label: "nav.home"}, {Path: "/orgs", Label: "nav.orgs"}}
	if auth.Can(p, auth.ActUserList, auth.Target{OrgID: p.OrgID()}) {
		items = append(items, navItem{Path: "/users", Label: "nav.users"})
	}
	if auth.Can(p, auth.ActTokenList, self) {
		items = append(items, navItem{Path: "/tokens", Label: "nav.tokens"})
	}
	if auth.Can(p, auth.ActAuditRead, auth.Target{}) {
		items = append(items, navItem{Path: "/audit", Label: "nav.audit"})
	}
	for i := range items {
		it := &items[i]
		it.Current = rq.URL.Path == it.Path || it.Path != "/" && strings.HasPrefix(rq.URL.Path, it.Path+"/")
	}
	return items
}

// doneMessages are the confirmations a redirect may ask for (?done=...).
var doneMessages = map[string]string{
	"org_created":    "done.org_created",
	"org_saved":      "done.org_saved",
	"link_added":     "done.link_added",
	"link_removed":   "done.link_removed",
	"link_confirmed": "done.link_confirmed",
	"link_proposed":  "done.link_proposed",
	"user_created":   "done.user_created",
	"user_saved":     "done.user_saved",
	"password_reset": "done.password_reset",
	"profile_saved":  "done.profile_saved",
	"password_saved": "done.password_saved",
	"token_revoked":  "done.token_revoked",
}

func (s *server) parseTemplates() error {
	s.pages = map[string]map[string]*template.Template{}
	files, err := fs.Glob(assets, "templates/pages/*.html")
	if err != nil {
		return err
	}
	for _, lang := range i18n.Langs {
		fm := funcs(lang)
		fm["script"] = s.scriptPath
		base, err := template.New("").Funcs(fm).ParseFS(assets, "templates/layout.html", "templates/partials.html")
		if err != nil {
			return fmt.Errorf("web: templates: %w", err)
		}
		s.pages[lang] = map[string]*template.Template{}
		for _, f := range files {
			t, err := template.Must(base.Clone()).ParseFS(assets, f)
			if err != nil {
				return fmt.Errorf("web: templates: %w", err)
			}
			s.pages[lang][strings.TrimSuffix(path.Base(f), ".html")] = t
		}
	}
	return nil
}

// render writes page name with data, in the request's language.
func (s *server) render(w http.ResponseWriter, rq *req, status int, name string, data any) {
	t := s.pages[rq.lang][name]
	if t == nil {
		s.log.Error("web: no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := &view{Lang: rq.lang, P: rq.P, Nav: s.fullNav(rq), Here: rq.here, CSS: s.cssPath, Icon: s.iconPath,
		Version: s.opt.Version, Data: data}
	v.Groups = groupNav(v.Nav)
	if rq.sess != nil {
		v.CSRF = rq.sess.CSRF
	}
	if v.Here == "" {
		v.Here = hereOf(rq)
	}
	if rq.Method == http.MethodGet {
		if key, ok := doneMessages[rq.URL.Query().Get("done")]; ok {
			v.Done = rq.T(key)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", rq.lang)
	h.Add("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// hereOf returns the address to come back to after a language switch: the
// page itself for GET (without the one-time "done" confirmation), the
// path for other methods.
func hereOf(rq *req) string {
	if rq.Method != http.MethodGet {
		return rq.URL.Path
	}
	q := rq.URL.Query()
	if !q.Has("done") {
		return rq.URL.RequestURI()
	}
	q.Del("done")
	if len(q) == 0 {
		return rq.URL.Path
	}
	return rq.URL.Path + "?" + q.Encode()
}

type errorData struct {
	Status  int
	Title   string
	Message string
}

// errorPage shows err as a page: the login page for an unauthenticated
// request, a translated error page otherwise. Internal errors are logged
// and shown without detail.
func (s *server) errorPage(w http.ResponseWriter, rq *req, err error) {
	ae := apperr.As(err)
	if ae.Code == apperr.CodeUnauthenticated {
		s.clearCookie(w, sessionCookie)
		s.toLogin(w, rq)
		return
	}
	status := apperr.Status(ae)
	if status >= 500 {
		s.log.Error("web: request failed", "method", rq.Method, "path", rq.URL.Path, "err", err)
	}
	d := errorData{Status: status, Title: rq.T("err." + string(ae.Code)), Message: rq.T("errpage." + string(ae.Code))}
	if ae.MessageKey != "" {
		d.Message = rq.T(ae.MessageKey)
	}
	s.render(w, rq, status, "error", d)
}

// fail is errorPage for failures outside a handler.
func (s *server) fail(w http.ResponseWriter, rq *req, err error) { s.errorPage(w, rq, err) }

func (s *server) notFound(w http.ResponseWriter, rq *req) { s.errorPage(w, rq, apperr.ErrNotFound) }

func (s *server) csrfFailed(w http.ResponseWriter, rq *req) {
	s.render(w, rq, http.StatusForbidden, "error", errorData{Status: http.StatusForbidden,
		Title: rq.T("err.forbidden"), Message: rq.T("err.csrf")})
}

// crossOriginDenied answers a cross-origin form post (http.CrossOriginProtection).
func (s *server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	rq := &req{Request: r}
	rq.setLang()
	rq.here = "/"
	s.render(w, rq, http.StatusForbidden, "error", errorData{Status: http.StatusForbidden,
		Title: rq.T("err.forbidden"), Message: rq.T("err.cross_origin")})
}

// ---- template functions ---------------------------------------------------

func funcs(lang string) template.FuncMap {
	tr := i18n.For(lang)
	return template.FuncMap{
		"t": tr.T,
		"kind": func(k org.Kind) string {
			return tr.T("kind." + string(k))
		},
		"sector": func(s org.Sector) string {
			if s == org.SectorNone {
				return tr.T("sector.none")
			}
			return tr.T("sector." + string(s))
		},
		"role":      func(r org.Role) string { return tr.T("role." + string(r)) },
		"roleDesc":  func(r org.Role) string { return tr.T("role." + string(r) + ".desc") },
		"scope":     func(s org.Scope) string { return tr.T("scope." + string(s)) },
		"scopeDesc": func(s org.Scope) string { return tr.T("scope." + string(s) + ".desc") },
		"outcome":   func(o audit.Outcome) string { return tr.T("outcome." + string(o)) },
		"name":      func(n org.Names) string { return n.In(lang) },
		// altName is the name in the other language (shown under the main one).
		"altName": func(n org.Names) string {
			if lang == i18n.JA {
				return n.EN
			}
			return n.JA
		},
		"altLang": func() string {
			if lang == i18n.JA {
				return i18n.EN
			}
			return i18n.JA
		},
		"problemKind": func(k string) string { return tr.T("audit.problem." + k) },
		"duration": func(d time.Duration) string {
			return tr.T("common.ms", float64(d.Microseconds())/1000)
		},
		"dict":    dict,
		"dt":      formatTime,
		"field":   newField,
		"choice":  newChoice,
		"pageURL": pageURL,
	}
}

// formatTime shows a time in JST with the zone, e.g. "2026-11-23 15:04 JST".
// It takes a time.Time or *time.Time; zero and nil show as "—".
func formatTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.In(jst).Format("2006-01-02 15:04 MST")
}

// dict builds a map from key/value pairs, to pass several values to a
// partial: {{template "x" (dict "Rows" .Rows "CSRF" $.CSRF)}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// pageURL returns path with the query q and the cursor after set, for the
// "next page" link of a list.
func pageURL(path string, q url.Values, after string) string {
	c := url.Values{}
	for k, vs := range q {
		if k != "after" && k != "done" {
			c[k] = vs
		}
	}
	if after != "" {
		c.Set("after", after)
	}
	if len(c) == 0 {
		return path
	}
	return path + "?" + c.Encode()
}
