package store

import (
	"context"
	"database/sql"
)

// Meta returns the value stored under key, or apperr.ErrNotFound.
func (db *DB) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, db.rebind("SELECT value FROM meta WHERE key = ?"), key).Scan(&v)
	return v, mapErr(err)
}

// SetMeta stores value under key.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`), key, value)
		return err
	})
}
