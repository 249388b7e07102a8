package accounts

import (
	"context"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
)

// ChangePassword changes the calling user's own password after checking
// the current one. A wrong current password counts as a failed login for
// throttling (so a stolen session cannot be used to guess the password) and
// is audited. As with every password change, the store ends all of the
// user's sessions; the caller starts a new one if it wants to stay signed in.
func (s *Service) ChangePassword(ctx context.Context, p *auth.Principal, current, next string) error {
	if p == nil || p.User == nil {
		return apperr.ErrUnauthenticated
	}
	t := auth.Target{OrgID: p.User.OrgID, UserID: p.User.ID}
	if err := s.authorize(ctx, p, auth.ActUserUpdateSelf, t, "user", p.User.ID); err != nil {
		return err
	}
	email := p.User.Email
	if wait := s.Throttle.Check(email, p.SourceAddr); wait > 0 {
		return &apperr.Error{Code: apperr.CodeRateLimited, MessageKey: "err.login_throttled",
			Message: "too many failed attempts; try again in " + wait.Round(time.Second).String()}
	}
	_, hash, err := s.DB.GetUserForLogin(ctx, email)
	if err != nil {
		return err
	}
	ok := false
	if hash == "" {
		auth.CheckDummy(current)
	} else {
		ok, _ = auth.CheckPassword(hash, current)
	}
	if !ok {
		s.Throttle.Fail(email, p.SourceAddr)
		e := p.Actor().Event("user.password", "user", p.User.ID, audit.OutcomeFailure, "wrong current password")
		if aerr := s.DB.Append(ctx, e); aerr != nil {
			return aerr
		}
		return &apperr.Error{Code: apperr.CodeInvalid, Field: "current_password", MessageKey: "err.current_password",
			Message: "the current password is wrong"}
	}
	s.Throttle.Success(email, p.SourceAddr)
	if err := org.ValidatePassword("password", next); err != nil {
		return err
	}
	_, err = s.UpdateUser(ctx, p, p.User.ID, UserPatch{Password: &next})
	return err
}

// CountMembers returns the number of users of organisation orgID, for
// callers allowed to list them.
func (s *Service) CountMembers(ctx context.Context, p *auth.Principal, orgID string) (int, error) {
	if err := s.authorize(ctx, p, auth.ActUserList, auth.Target{OrgID: orgID}, "org", orgID); err != nil {
		return 0, err
	}
	n := 0
	f := store.UserFilter{OrgID: orgID, Limit: 1000}
	for {
		us, next, err := s.DB.ListUsers(ctx, f)
		if err != nil {
			return 0, err
		}
		n += len(us)
		if next == "" {
			return n, nil
		}
		f.After = next
	}
}
