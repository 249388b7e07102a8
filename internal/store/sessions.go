package store

import (
	"context"
	"database/sql"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
)

// Session is a web login session. Only the SHA-256 of its secret is stored.
type Session struct {
	Hash       []byte
	UserID     string
	CSRF       string // per-session CSRF token embedded in every form
	CreatedAt  time.Time
	ExpiresAt  time.Time
	SourceAddr string
}

// CreateSession stores s.
func (db *DB) CreateSession(ctx context.Context, s *Session) error {
	s.CreatedAt = db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at, source_addr)
			VALUES (?,?,?,?,?,?)`), s.Hash, s.UserID, s.CSRF, s.CreatedAt, s.ExpiresAt.UTC().Truncate(time.Microsecond), s.SourceAddr)
		return err
	})
}

// GetSession returns the unexpired session with hash.
func (db *DB) GetSession(ctx context.Context, hash []byte) (*Session, error) {
	var s Session
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.rebind(`SELECT hash, user_id, csrf, created_at, expires_at, source_addr
			FROM sessions WHERE hash = ?`), hash).Scan(&s.Hash, &s.UserID, &s.CSRF, &s.CreatedAt, &s.ExpiresAt, &s.SourceAddr)
	})
	if err != nil {
		return nil, err
	}
	if !db.now().Before(s.ExpiresAt) {
		return nil, apperr.ErrNotFound
	}
	return &s, nil
}

// DeleteSession ends a session (logout), auditing it for actor.
func (db *DB) DeleteSession(ctx context.Context, act audit.Actor, hash []byte) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM sessions WHERE hash = ?"), hash); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("logout", "user", act.UserID, audit.OutcomeSuccess, "")}, nil
	})
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.rebind("DELETE FROM sessions WHERE expires_at <= ?"), db.now())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
