// Package accounts is the service every surface (JSON API, web dashboard,
// CLI) calls to manage organisations, users, API tokens and sessions, and to
// read the audit trail. It authenticates, asks auth.Authorize, calls the
// store, and audits denied attempts; surfaces only translate input and output.
package accounts

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/store"
)

// Service is the accounts service.
type Service struct {
	DB *store.DB
	// SessionTTL is how long a web session lasts (default 12 h).
	SessionTTL time.Duration
	// Throttle limits failed logins; nil uses DefaultThrottle.
	Throttle *auth.Throttle
	Log      *slog.Logger

	touchMu sync.Mutex
	touched map[string]time.Time // token id -> last recorded use
}

// New returns a service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{DB: db, SessionTTL: 12 * time.Hour, Throttle: auth.NewThrottle(auth.DefaultThrottleConfig), Log: log}
}

// authorize checks p and, when denied, appends a "denied" audit entry.
func (s *Service) authorize(ctx context.Context, p *auth.Principal, a auth.Action, t auth.Target, objType, objID string) error {
	err := auth.Authorize(p, a, t)
	if err == nil {
		return nil
	}
	if apperr.CodeOf(err) == apperr.CodeForbidden {
		e := p.Actor().Event(string(a), objType, objID, audit.OutcomeDenied, apperr.As(err).Message)
		if aerr := s.DB.Append(ctx, e); aerr != nil {
			s.Log.Error("audit append failed", "err", aerr)
		}
	}
	return err
}

// ---- Authentication -------------------------------------------------------

// Login checks a password login and returns the principal. Failures are
// throttled per account and per source address, and audited.
func (s *Service) Login(ctx context.Context, email, password, addr string) (*auth.Principal, error) {
	// The throttle normalises its keys (auth.ThrottleKeys): any spelling of
	// an email counts against the same account, any port against one host.
	account := email
	if len(email) > maxLoginName { // no account has such a name; keep the record small
		email = email[:maxLoginName] + "…"
		account = email
	}
	act := audit.Actor{Name: email, SourceAddr: addr}
	if wait := s.Throttle.Check(account, addr); wait > 0 {
		_ = s.DB.RecordLogin(ctx, act, "", audit.OutcomeDenied, "throttled")
		return nil, &apperr.Error{Code: apperr.CodeRateLimited, MessageKey: "err.login_throttled",
			Message: "too many failed logins; try again in " + wait.Round(time.Second).String()}
	}
	fail := func(userID, why string) error {
		s.Throttle.Fail(account, addr)
		_ = s.DB.RecordLogin(ctx, act, userID, audit.OutcomeFailure, why)
		return &apperr.Error{Code: apperr.CodeUnauthenticated, MessageKey: "err.login_failed", Message: "wrong email or password"}
	}
	u, hash, err := s.DB.GetUserForLogin(ctx, account)
	if errors.Is(err, apperr.ErrNotFound) {
		auth.CheckDummy(password)
		return nil, fail("", "unknown account")
	}
	if err != nil {
		return nil, err
	}
	if hash == "" {
		auth.CheckDummy(password)
		return nil, fail(u.ID, "no password set")
	}
	ok, err := auth.CheckPassword(hash, password)
	if err != nil || !ok {
		return nil, fail(u.ID, "wrong password")
	}
	if u.Disabled {
		return nil, fail(u.ID, "account disabled")
	}
	s.Throttle.Success(account, addr)
	o, err := s.DB.GetOrg(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	p := &auth.Principal{User: u, Org: o, SourceAddr: addr}
	if err := s.DB.RecordLogin(ctx, p.Actor(), u.ID, audit.OutcomeSuccess, ""); err != nil {
		return nil, err
	}
	return p, nil
}

// maxLoginName bounds the login name kept in the audit trail (user emails
// are at most 254 bytes).
const maxLoginName = 256

// authenticated returns ErrUnauthenticated unless p is a user or the system.
func authenticated(p *auth.Principal) error {
	if p == nil || p.User == nil && !p.IsSystem() {
		return apperr.ErrUnauthenticated
	}
	return nil
}

// NewSession creates a web session for p and returns its secret (for the
// cookie) and the session (with its CSRF token).
func (s *Service) NewSession(ctx context.Context, p *auth.Principal) (string, *store.Session, error) {
	secret := auth.NewSecret("")
	sess := &store.Session{Hash: auth.HashSecret(secret), UserID: p.User.ID, CSRF: auth.NewSecret(""),
		ExpiresAt: time.Now().Add(s.SessionTTL), SourceAddr: p.SourceAddr}
	if err := s.DB.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// Session returns the principal and session for a session cookie secret.
func (s *Service) Session(ctx context.Context, secret, addr string) (*auth.Principal, *store.Session, error) {
	if secret == "" {
		return nil, nil, apperr.ErrUnauthenticated
	}
	sess, err := s.DB.GetSession(ctx, auth.HashSecret(secret))
	if err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, nil, apperr.ErrUnauthenticated
		}
		return nil, nil, err
	}
	p, err := s.principal(ctx, sess.UserID, addr)
	if err != nil {
		return nil, nil, err
	}
	return p, sess, nil
}

// Logout ends the session with secret.
func (s *Service) Logout(ctx context.Context, p *auth.Principal, secret string) error {
	return s.DB.DeleteSession(ctx, p.Actor(), auth.HashSecret(secret))
}

// Token authenticates an API token secret.
func (s *Service) Token(ctx context.Context, secret, addr string) (*auth.Principal, error) {
	if !auth.LooksLikeToken(secret) {
		return nil, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: "not a sakimori API token"}
	}
	t, err := s.DB.GetTokenByHash(ctx, auth.HashSecret(secret))
	if err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: "unknown API token"}
		}
		return nil, err
	}
	now := time.Now()
	if !t.Active(now) {
		return nil, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: "API token revoked or expired"}
	}
	p, err := s.principal(ctx, t.UserID, addr)
	if err != nil {
		return nil, err
	}
	p.Token = t
	s.touch(ctx, t.ID, now)
	return p, nil
}

// touch records token use at most once a minute per token.
func (s *Service) touch(ctx context.Context, id string, now time.Time) {
	s.touchMu.Lock()
	if s.touched == nil {
		s.touched = map[string]time.Time{}
	}
	last, seen := s.touched[id]
	if seen && now.Sub(last) < time.Minute {
		s.touchMu.Unlock()
		return
	}
	s.touched[id] = now
	s.touchMu.Unlock()
	if err := s.DB.TouchToken(ctx, id, now); err != nil {
		s.Log.Warn("token last-use not recorded", "token", id, "err", err)
	}
}

func (s *Service) principal(ctx context.Context, userID, addr string) (*auth.Principal, error) {
	u, err := s.DB.GetUser(ctx, userID)
	if err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return nil, apperr.ErrUnauthenticated
		}
		return nil, err
	}
	if u.Disabled {
		return nil, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: "account disabled"}
	}
	o, err := s.DB.GetOrg(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	return &auth.Principal{User: u, Org: o, SourceAddr: addr}, nil
}
