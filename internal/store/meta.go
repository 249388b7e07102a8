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

// MetaInit stores value under key unless a value is there already, and
// returns the stored value: the first caller's value wins, also when
// several nodes of one deployment start at once.
func (db *DB) MetaInit(ctx context.Context, key, value string) (string, error) {
	var v string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO NOTHING`), key, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.rebind("SELECT value FROM meta WHERE key = ?"), key).Scan(&v)
	})
	return v, mapErr(err)
}
