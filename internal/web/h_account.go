package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/i18n"
	"sakimori/internal/org"
)

type accountData struct {
	User          *org.User
	Org           *org.Organisation
	Form          *form // profile
	PwForm        *form // password change
	LocaleOptions []option
}

func (s *server) accountData(rq *req, f, pw *form) (*accountData, error) {
	o, err := s.svc.GetOrg(rq.Context(), rq.P, rq.P.User.OrgID)
	if err != nil {
		return nil, err
	}
	u := rq.P.User
	if f == nil {
		f = newForm(url.Values{"display_name": {u.DisplayName}, "locale": {u.Locale}})
	}
	if pw == nil {
		pw = newForm(nil)
	}
	return &accountData{User: u, Org: o, Form: f, PwForm: pw, LocaleOptions: localeOptions(rq)}, nil
}

func (s *server) account(w http.ResponseWriter, rq *req) {
	d, err := s.accountData(rq, nil, nil)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "account", d)
}

func (s *server) accountUpdate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	name, locale := strings.TrimSpace(f.Get("display_name")), f.Get("locale")
	u, err := s.svc.UpdateUser(rq.Context(), rq.P, rq.P.User.ID, accounts.UserPatch{DisplayName: &name, Locale: &locale})
	if err != nil {
		status := s.apply(rq, f, err, nil)
		d, derr := s.accountData(rq, f, nil)
		if derr != nil {
			s.errorPage(w, rq, derr)
			return
		}
		rq.here = "/account"
		s.render(w, rq, status, "account", d)
		return
	}
	// Saving a language is an explicit choice: it replaces the switch's
	// cookie, so the page changes language at once. "Automatic" clears it.
	if i18n.Supported(u.Locale) {
		s.setCookie(w, langCookie, u.Locale, time.Now().AddDate(1, 0, 0), true)
	} else {
		s.clearCookie(w, langCookie)
	}
	redirect(w, rq, "/account", "profile_saved")
}

func (s *server) accountPassword(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	f := newForm(rq.PostForm)
	status := http.StatusBadRequest
	next := f.Get("password")
	if next != f.Get("password_confirm") {
		f.invalid("password_confirm", rq.T("reason.password_mismatch"))
	} else if err := s.svc.ChangePassword(ctx, p, f.Get("current_password"), next); err != nil {
		status = s.apply(rq, f, err, nil)
	} else {
		// The change ended every session of the user, this one too; start a
		// fresh one so the user stays signed in here.
		secret, sess, err := s.svc.NewSession(ctx, p)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		s.setCookie(w, sessionCookie, secret, sess.ExpiresAt, true)
		redirect(w, rq, "/account", "password_saved")
		return
	}
	d, err := s.accountData(rq, nil, f)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rq.here = "/account"
	s.render(w, rq, status, "account", d)
}
