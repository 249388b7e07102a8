package web

import (
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/i18n"
	"sakimori/internal/store"
)

// req is a request with what the dashboard knows about it: the signed-in
// principal and session (nil on public pages when nobody is signed in) and
// the negotiated language.
type req struct {
	*http.Request
	P      *auth.Principal
	sess   *store.Session
	secret string // session cookie value
	lang   string
	tr     *i18n.Translator
	// here is the GET address of the page shown, for the language switch
	// (set by handlers that render a page in answer to a POST).
	here string
}

// T translates key in the request's language.
func (r *req) T(key string, args ...any) string { return r.tr.T(key, args...) }

type handlerFunc func(w http.ResponseWriter, r *req)

// clientAddr is the request's peer address (without port), for the audit
// trail and login throttling.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// load builds the req, looking up the session if there is a cookie.
func (s *server) load(w http.ResponseWriter, r *http.Request) (*req, error) {
	rq := &req{Request: r}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		p, sess, err := s.svc.Session(r.Context(), c.Value, clientAddr(r))
		switch {
		case err == nil:
			rq.P, rq.sess, rq.secret = p, sess, c.Value
			rq.Request = r.WithContext(auth.WithPrincipal(r.Context(), p))
		case apperr.CodeOf(err) == apperr.CodeUnauthenticated:
			s.clearCookie(w, sessionCookie) // expired or ended elsewhere
		default:
			rq.setLang()
			return rq, err
		}
	}
	rq.setLang()
	return rq, nil
}

func (rq *req) setLang() {
	var cookie, saved string
	if c, err := rq.Cookie(langCookie); err == nil {
		cookie = c.Value
	}
	if rq.P != nil && rq.P.User != nil {
		saved = rq.P.User.Locale
	}
	rq.lang = i18n.Negotiate(cookie, saved, rq.Header.Get("Accept-Language"))
	rq.tr = i18n.For(rq.lang)
}

// public serves a page that needs no session (but uses one if present).
func (s *server) public(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.load(w, r)
		if err != nil {
			s.fail(w, rq, err)
			return
		}
		if r.Method == http.MethodPost && !s.parseForm(w, rq) {
			return
		}
		fn(w, rq)
	})
}

// user serves a page for signed-in users: others are sent to the login
// page, and a POST must carry the session's CSRF token.
func (s *server) user(fn handlerFunc) http.Handler { return s.signedIn(s.parseForm, fn) }

// signedIn is user with parse reading a POST's body.
func (s *server) signedIn(parse func(http.ResponseWriter, *req) bool, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq, err := s.load(w, r)
		if err != nil {
			s.fail(w, rq, err)
			return
		}
		if rq.P == nil {
			s.toLogin(w, rq)
			return
		}
		if r.Method == http.MethodPost {
			if !parse(w, rq) {
				return
			}
			if !tokenEqual(rq.PostForm.Get("csrf"), rq.sess.CSRF) {
				s.csrfFailed(w, rq)
				return
			}
		}
		fn(w, rq)
	})
}

// parseForm reads a posted form (of bounded size) into rq; on failure it
// answers the request and returns false.
func (s *server) parseForm(w http.ResponseWriter, rq *req) bool {
	rq.Body = http.MaxBytesReader(w, rq.Body, maxFormBytes)
	return s.parsed(w, rq, rq.ParseForm(), "form")
}

// parsed answers a request whose body (a form, or an upload: what) could
// not be parsed, and reports whether err is nil.
func (s *server) parsed(w http.ResponseWriter, rq *req, err error, what string) bool {
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.errorPage(w, rq, apperr.New(apperr.CodeTooLarge, "%s too large", what))
	} else {
		s.errorPage(w, rq, apperr.New(apperr.CodeInvalid, "malformed form"))
	}
	return false
}

// tokenEqual compares a submitted token with the expected one in constant
// time; an empty expected token never matches.
func tokenEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// toLogin redirects to the login page, returning here after login (GET
// only: a form post cannot be replayed).
func (s *server) toLogin(w http.ResponseWriter, rq *req) {
	target := "/login"
	if rq.Method == http.MethodGet || rq.Method == http.MethodHead {
		target += "?next=" + url.QueryEscape(rq.URL.RequestURI())
	}
	http.Redirect(w, rq.Request, target, http.StatusSeeOther)
}

// safeNext returns next if it is a local path ("/..."), and "/" otherwise,
// so redirects after login or a language switch cannot leave the site.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	if len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/" // "//host" and "/\host" are network-path references
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

func (s *server) setCookie(w http.ResponseWriter, name, value string, expires time.Time, httpOnly bool) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: httpOnly,
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode}
	if !expires.IsZero() {
		c.Expires = expires
		c.MaxAge = int(time.Until(expires).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = 1
		}
	}
	http.SetCookie(w, c)
}

func (s *server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.opt.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// redirect sends the browser to a local path after a successful post
// (303: the browser follows with GET). done names a confirmation message
// (see doneMessages) shown on the target page.
func redirect(w http.ResponseWriter, rq *req, path, done string) {
	if done != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "done=" + url.QueryEscape(done)
	}
	http.Redirect(w, rq.Request, path, http.StatusSeeOther)
}
