package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/org"
)

const userCols = "id, org_id, email, display_name, roles, locale, disabled, created_at, updated_at, last_login_at"

func scanUser(r scanner, extra ...any) (*org.User, error) {
	var u org.User
	var roles []byte
	var last sql.NullTime
	dest := append([]any{&u.ID, &u.OrgID, &u.Email, &u.DisplayName, &roles, &u.Locale, &u.Disabled,
		&u.CreatedAt, &u.UpdatedAt, &last}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(roles, &u.Roles); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	if last.Valid {
		t := last.Time.UTC()
		u.LastLoginAt = &t
	}
	return &u, nil
}

// CreateUser validates and inserts u with the given password hash (may be
// empty: the user then cannot log in with a password until one is set).
func (db *DB) CreateUser(ctx context.Context, act audit.Actor, u *org.User, passwordHash string) error {
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	u.ID = NewID()
	u.CreatedAt = db.now()
	u.UpdatedAt = u.CreatedAt
	roles, _ := json.Marshal(u.Roles)
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.orgExists(ctx, tx, "org_id", u.OrgID); err != nil {
			return nil, err
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO users (id, org_id, email, display_name, roles, locale,
			disabled, password_hash, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)`),
			u.ID, u.OrgID, u.Email, u.DisplayName, string(roles), u.Locale, u.Disabled, passwordHash, u.CreatedAt, u.UpdatedAt)
		if err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("user.create", "user", u.ID, audit.OutcomeSuccess, u.Email+" "+rolesText(u.Roles))}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("email", "a user with email %q already exists", u.Email)
	}
	return err
}

func rolesText(rs []org.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return "roles=" + strings.Join(s, ",")
}

func (db *DB) orgExists(ctx context.Context, tx *sql.Tx, field, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM orgs WHERE id = ?"), id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Invalid(field, "no organisation %q", id)
	}
	return nil
}

// UpdateUser saves u's display name, roles, locale and disabled flag (the
// email and organisation of a user do not change). Disabling a user also
// ends their sessions.
func (db *DB) UpdateUser(ctx context.Context, act audit.Actor, u *org.User) error {
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	u.UpdatedAt = db.now()
	roles, _ := json.Marshal(u.Roles)
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE users SET display_name = ?, roles = ?, locale = ?,
			disabled = ?, updated_at = ? WHERE id = ?`), u.DisplayName, string(roles), u.Locale, u.Disabled, u.UpdatedAt, u.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("user", u.ID)
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM sessions WHERE user_id = ?"), u.ID); err != nil {
				return nil, err
			}
		}
		detail := rolesText(u.Roles)
		if u.Disabled {
			detail += " disabled"
		}
		return []audit.Entry{act.Event("user.update", "user", u.ID, audit.OutcomeSuccess, detail)}, nil
	})
}

// SetPassword replaces a user's password hash and ends their sessions.
func (db *DB) SetPassword(ctx context.Context, act audit.Actor, userID, hash string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?"), hash, db.now(), userID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("user", userID)
		}
		if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM sessions WHERE user_id = ?"), userID); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("user.password", "user", userID, audit.OutcomeSuccess, "")}, nil
	})
}

// GetUser returns the user with id (or email, if ref contains '@').
func (db *DB) GetUser(ctx context.Context, ref string) (*org.User, error) {
	u, _, err := db.getUser(ctx, ref)
	return u, err
}

// GetUserForLogin returns the user with email and their password hash.
func (db *DB) GetUserForLogin(ctx context.Context, email string) (*org.User, string, error) {
	return db.getUser(ctx, strings.ToLower(strings.TrimSpace(email)))
}

func (db *DB) getUser(ctx context.Context, ref string) (*org.User, string, error) {
	col := "id"
	if strings.Contains(ref, "@") {
		col = "email"
		ref = strings.ToLower(ref)
	}
	var u *org.User
	var hash string
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, db.rebind("SELECT "+userCols+", password_hash FROM users WHERE "+col+" = ?"), ref), &hash)
		return err
	})
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, "", apperr.NotFound("user", ref)
	}
	return u, hash, err
}

// UserFilter selects users. After is the keyset cursor (an id).
type UserFilter struct {
	OrgID string
	Role  org.Role
	Query string // substring of email or display name
	After string
	Limit int
}

// ListUsers returns a page of users and the cursor for the next page.
func (db *DB) ListUsers(ctx context.Context, f UserFilter) ([]org.User, string, error) {
	limit := clampLimit(f.Limit)
	var where []string
	var args []any
	if f.OrgID != "" {
		where, args = append(where, "org_id = ?"), append(args, f.OrgID)
	}
	if f.Role != "" {
		// roles is a JSON array of names; the quotes make the match exact.
		where, args = append(where, `roles LIKE ? ESCAPE '\'`), append(args, `%"`+likeEscape(string(f.Role))+`"%`)
		if db.dialect == Postgres {
			where[len(where)-1] = `roles::text LIKE ? ESCAPE '\'`
		}
	}
	if f.Query != "" {
		like := "%" + strings.ToLower(likeEscape(f.Query)) + "%"
		where = append(where, `(email LIKE ? ESCAPE '\' OR LOWER(display_name) LIKE ? ESCAPE '\' OR display_name LIKE ? ESCAPE '\')`)
		args = append(args, like, like, "%"+likeEscape(f.Query)+"%")
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	q := "SELECT " + userCols + " FROM users"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, limit+1)
	var out []org.User
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, *u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// RecordLogin audits a login attempt; on success it also stamps
// last_login_at. userID may be empty for an unknown account.
func (db *DB) RecordLogin(ctx context.Context, act audit.Actor, userID string, outcome audit.Outcome, detail string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if outcome == audit.OutcomeSuccess && userID != "" {
			if _, err := tx.ExecContext(ctx, db.rebind("UPDATE users SET last_login_at = ? WHERE id = ?"), db.now(), userID); err != nil {
				return nil, err
			}
		}
		return []audit.Entry{act.Event("login", "user", userID, outcome, detail)}, nil
	})
}

// CountUsers returns the number of users (all organisations).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, mapErr(err)
}
