package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/org"
)

// tokenLifetimes are the expiry choices of the token form, in days.
var tokenLifetimes = []int{7, 30, 90, 180, 365}

const defaultLifetime = "90"

type tokensData struct {
	Tokens        []tokenRow
	Form          *form
	ScopeOptions  []option
	ExpiryOptions []option
}

type tokenCreatedData struct {
	Token  *org.Token
	Secret string
}

func (s *server) tokensData(rq *req, f *form) (*tokensData, error) {
	p := rq.P
	ts, err := s.svc.ListTokens(rq.Context(), p, "")
	if err != nil {
		return nil, err
	}
	d := &tokensData{Tokens: tokenRows(p, ts), Form: f}
	self := auth.Target{UserID: p.User.ID, OrgID: p.User.OrgID}
	for _, sc := range org.Scopes {
		self.Scopes = []org.Scope{sc}
		if auth.Can(p, auth.ActTokenCreate, self) {
			d.ScopeOptions = append(d.ScopeOptions, option{Value: string(sc), Label: rq.T("scope." + string(sc)),
				Desc: rq.T("scope." + string(sc) + ".desc")})
		}
	}
	for _, days := range tokenLifetimes {
		d.ExpiryOptions = append(d.ExpiryOptions, option{Value: strconv.Itoa(days), Label: rq.T("tokens.days", days)})
	}
	if p.Has(org.RolePlatformAdmin) {
		d.ExpiryOptions = append(d.ExpiryOptions, option{Value: "never", Label: rq.T("tokens.never")})
	}
	return d, nil
}

func (s *server) tokens(w http.ResponseWriter, rq *req) {
	d, err := s.tokensData(rq, newForm(url.Values{"expires": {defaultLifetime}, "scopes": {string(org.ScopeRead)}}))
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "tokens", d)
}

func (s *server) tokenCreate(w http.ResponseWriter, rq *req) {
	f := newForm(rq.PostForm)
	treq := accounts.TokenRequest{Name: strings.TrimSpace(f.Get("name"))}
	for _, sc := range f.Values["scopes"] {
		treq.Scopes = append(treq.Scopes, org.Scope(sc))
	}
	status := http.StatusBadRequest
	switch exp := f.Get("expires"); {
	case exp == "never":
		treq.ExpiresIn = "never"
	default:
		days, err := strconv.Atoi(exp)
		if err != nil || days < 1 || days > 366 {
			f.invalid("expires", rq.T("reason.unknown_value"))
		}
		treq.ExpiresIn = (time.Duration(days) * 24 * time.Hour).String()
	}
	if !f.Failed() {
		secret, t, err := s.svc.CreateToken(rq.Context(), rq.P, "", treq)
		if err == nil {
			rq.here = "/tokens"
			s.render(w, rq, http.StatusCreated, "token_created", tokenCreatedData{Token: t, Secret: secret})
			return
		}
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			// The policy refused a scope the user's roles do not carry.
			f.invalid("scopes", rq.T("reason.scope_forbidden"))
			status = http.StatusForbidden
		} else {
			status = s.apply(rq, f, err, map[string]string{"expires_in": "expires", "expires_at": "expires"})
		}
	}
	d, err := s.tokensData(rq, f)
	if err != nil {
		s.errorPage(w, rq, err)
		return
	}
	rq.here = "/tokens"
	s.render(w, rq, status, "tokens", d)
}

func (s *server) tokenRevoke(w http.ResponseWriter, rq *req) {
	if _, err := s.svc.RevokeToken(rq.Context(), rq.P, rq.PathValue("id")); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	next := safeNext(rq.PostForm.Get("next"))
	if next == "/" {
		next = "/tokens"
	}
	redirect(w, rq, next, "token_revoked")
}
