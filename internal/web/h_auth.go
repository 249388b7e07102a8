package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/i18n"
)

type loginData struct {
	Form  *form
	Token string // pre-session CSRF token (double-submit cookie)
}

func (s *server) loginPage(w http.ResponseWriter, rq *req) {
	next := safeNext(rq.URL.Query().Get("next"))
	if rq.P != nil {
		http.Redirect(w, rq.Request, next, http.StatusSeeOther)
		return
	}
	s.render(w, rq, http.StatusOK, "login", loginData{Form: newForm(url.Values{"next": {next}}), Token: s.loginToken(w, rq)})
}

// loginToken returns the pre-session CSRF token of the browser, setting
// the cookie that carries it if there is none yet. The login form must
// send the same value back (double submit).
func (s *server) loginToken(w http.ResponseWriter, rq *req) string {
	if c, err := rq.Cookie(loginCSRF); err == nil && validToken(c.Value) {
		return c.Value
	}
	tok := auth.NewSecret("")
	s.setCookie(w, loginCSRF, tok, time.Time{}, true)
	return tok
}

// validToken reports whether s has the shape of auth.NewSecret("").
func validToken(s string) bool {
	if len(s) != 52 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

func (s *server) loginSubmit(w http.ResponseWriter, rq *req) {
	c, err := rq.Cookie(loginCSRF)
	if err != nil || !validToken(c.Value) || !tokenEqual(rq.PostForm.Get("csrf"), c.Value) {
		s.csrfFailed(w, rq)
		return
	}
	next := safeNext(rq.PostForm.Get("next"))
	email := rq.PostForm.Get("email")
	f := newForm(url.Values{"email": {email}, "next": {next}})
	rq.here = "/login?next=" + url.QueryEscape(next)
	// Say which box is empty before asking the service (which answers
	// every failure alike, not to tell whether an address exists).
	if strings.TrimSpace(email) == "" {
		f.invalid("email", rq.T("reason.required"))
	}
	if rq.PostForm.Get("password") == "" {
		f.invalid("password", rq.T("reason.required"))
	}
	if f.Failed() {
		s.render(w, rq, http.StatusBadRequest, "login", loginData{Form: f, Token: c.Value})
		return
	}
	p, err := s.svc.Login(rq.Context(), email, rq.PostForm.Get("password"), clientAddr(rq.Request))
	if err == nil {
		var secret string
		secret, sess, serr := s.svc.NewSession(rq.Context(), p)
		if serr == nil {
			s.setCookie(w, sessionCookie, secret, sess.ExpiresAt, true)
			http.Redirect(w, rq.Request, next, http.StatusSeeOther)
			return
		}
		err = serr
	}
	status := s.apply(rq, f, err, nil)
	s.render(w, rq, status, "login", loginData{Form: f, Token: c.Value})
}

func (s *server) logout(w http.ResponseWriter, rq *req) {
	if err := s.svc.Logout(rq.Context(), rq.P, rq.secret); err != nil {
		s.log.Error("web: logout", "err", err)
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, rq.Request, "/login", http.StatusSeeOther)
}

// switchLang sets the language cookie (an explicit choice beats the saved
// locale and the browser) and returns to the page. It changes nothing but
// how pages are shown, so a plain link (GET) does it.
func (s *server) switchLang(w http.ResponseWriter, rq *req) {
	lang := rq.PathValue("lang")
	if !i18n.Supported(lang) {
		s.notFound(w, rq)
		return
	}
	s.setCookie(w, langCookie, lang, time.Now().AddDate(1, 0, 0), true)
	http.Redirect(w, rq.Request, safeNext(rq.URL.Query().Get("next")), http.StatusSeeOther)
}
