package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/org"
)

const tokenCols = "id, user_id, org_id, name, prefix, hash, scopes, created_at, expires_at, revoked_at, last_used_at"

func scanToken(r scanner) (*org.Token, error) {
	var t org.Token
	var scopes []byte
	var exp, rev, used sql.NullTime
	if err := r.Scan(&t.ID, &t.UserID, &t.OrgID, &t.Name, &t.Prefix, &t.Hash, &scopes, &t.CreatedAt, &exp, &rev, &used); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(scopes, &t.Scopes); err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.RevokedAt, t.LastUsedAt = nullTime(exp), nullTime(rev), nullTime(used)
	return &t, nil
}

func nullTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

// CreateToken validates and stores t (whose Hash, Prefix, UserID and OrgID
// the caller sets), setting its id and creation time.
func (db *DB) CreateToken(ctx context.Context, act audit.Actor, t *org.Token) error {
	t.CreatedAt = db.now()
	if err := t.Validate(); err != nil {
		return err
	}
	if len(t.Hash) == 0 {
		return apperr.New(apperr.CodeInternal, "token without hash")
	}
	t.ID = NewID()
	scopes, _ := json.Marshal(t.Scopes)
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO api_tokens (id, user_id, org_id, name, prefix, hash, scopes,
			created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)`),
			t.ID, t.UserID, t.OrgID, t.Name, t.Prefix, t.Hash, string(scopes), t.CreatedAt, timeArg(t.ExpiresAt))
		if err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("token.create", "token", t.ID, audit.OutcomeSuccess, t.Name+" "+string(scopes))}, nil
	})
}

// GetToken returns the token with id.
func (db *DB) GetToken(ctx context.Context, id string) (*org.Token, error) {
	var t *org.Token
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRowContext(ctx, db.rebind("SELECT "+tokenCols+" FROM api_tokens WHERE id = ?"), id))
		return err
	})
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, apperr.NotFound("token", id)
	}
	return t, err
}

// GetTokenByHash returns the token whose secret hashes to hash.
func (db *DB) GetTokenByHash(ctx context.Context, hash []byte) (*org.Token, error) {
	var t *org.Token
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRowContext(ctx, db.rebind("SELECT "+tokenCols+" FROM api_tokens WHERE hash = ?"), hash))
		return err
	})
	return t, err
}

// ListTokens returns the tokens of a user (userID set) or of an
// organisation (orgID set), newest first.
func (db *DB) ListTokens(ctx context.Context, userID, orgID string) ([]org.Token, error) {
	q, arg := "SELECT "+tokenCols+" FROM api_tokens WHERE user_id = ? ORDER BY id DESC", userID
	if userID == "" {
		q, arg = "SELECT "+tokenCols+" FROM api_tokens WHERE org_id = ? ORDER BY id DESC", orgID
	}
	var out []org.Token
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanToken(rows)
			if err != nil {
				return err
			}
			out = append(out, *t)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeToken revokes the token (idempotent: revoking twice keeps the first time).
func (db *DB) RevokeToken(ctx context.Context, act audit.Actor, id string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"), db.now(), id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("token", id)
		}
		return []audit.Entry{act.Event("token.revoke", "token", id, audit.OutcomeSuccess, "")}, nil
	})
}

// TouchToken records that a token was used (not audited: every API call
// would be an entry; the request log has them).
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.rebind("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"), at.UTC().Truncate(time.Microsecond), id)
		return err
	})
	return err
}
