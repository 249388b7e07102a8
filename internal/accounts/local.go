package accounts

import (
	"context"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
)

// PasswordMatches reports whether password is user ref's current password.
// Only local administration (a system principal, e.g. the demo checking its
// credentials file) may ask. It is not a login: it opens no session, writes
// no audit entry and does not count toward the login throttle.
func (s *Service) PasswordMatches(ctx context.Context, p *auth.Principal, ref, password string) (bool, error) {
	if !p.IsSystem() {
		return false, apperr.Forbidden("only local administration may check passwords")
	}
	u, err := s.DB.GetUser(ctx, ref)
	if err != nil {
		return false, err
	}
	_, hash, err := s.DB.GetUserForLogin(ctx, u.Email)
	if err != nil {
		return false, err
	}
	if hash == "" {
		return false, nil
	}
	ok, err := auth.CheckPassword(hash, password)
	if err != nil {
		return false, nil // a malformed stored hash matches nothing
	}
	return ok, nil
}
