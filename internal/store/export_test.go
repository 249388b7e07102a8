package store

import (
	"context"
	"database/sql"

	"sakimori/internal/audit"
)

// RawDB returns the store's write pool, for tests that play an attacker
// with direct access to the database.
func RawDB(db *DB) *sql.DB { return db.w }

// VerifyAuditBatch is VerifyAudit reading batch entries per query.
func VerifyAuditBatch(ctx context.Context, db *DB, anchors []audit.Anchor, batch int) (*audit.Verifier, error) {
	return db.verifyAudit(ctx, anchors, batch)
}
