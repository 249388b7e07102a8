package store

import (
	"context"
	"database/sql"
	"strings"

	"sakimori/internal/audit"
)

// RawDB returns the store's write pool, for tests that play an attacker
// with direct access to the database.
func RawDB(db *DB) *sql.DB { return db.w }

// VerifyAuditBatch is VerifyAudit reading batch entries per query.
func VerifyAuditBatch(ctx context.Context, db *DB, anchors []audit.Anchor, batch int) (*audit.Verifier, error) {
	return db.verifyAudit(ctx, anchors, batch)
}

// BackfillFamilies runs the UPDATE of migration 0015 (the families of the
// versions stored before it) again.
func BackfillFamilies(ctx context.Context, db *DB) error {
	_, bodies, err := db.migrations()
	if err != nil {
		return err
	}
	body := bodies[15]
	i := strings.Index(body, "UPDATE stix_objects SET families")
	j := strings.Index(body[i:], ";")
	_, err = db.w.ExecContext(ctx, body[i:i+j])
	return err
}
