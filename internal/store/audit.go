package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
)

// writeTx runs fn in a write transaction and appends the audit entries fn
// returns, sealed onto the chain, in the same transaction.
func (db *DB) writeTx(ctx context.Context, fn func(tx *sql.Tx) ([]audit.Entry, error)) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		// Take the chain head first: on PostgreSQL this row lock serialises
		// writers across nodes, so the chain stays linear.
		seq, hash, err := db.head(ctx, tx)
		if err != nil {
			return err
		}
		entries, err := fn(tx)
		if err != nil {
			return err
		}
		return db.appendEntries(ctx, tx, seq, hash, entries)
	})
}

func (db *DB) head(ctx context.Context, tx *sql.Tx) (int64, []byte, error) {
	var seq int64
	var hash []byte
	var err error
	// On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE).
	q := "SELECT seq, hash FROM audit_head WHERE id = 1"
	if db.dialect == Postgres {
		q += " FOR UPDATE"
	}
	err = tx.QueryRowContext(ctx, q).Scan(&seq, &hash)
	if err == sql.ErrNoRows {
		return 0, nil, apperr.New(apperr.CodeInternal, "the audit head record is missing; run `sakimori audit verify`")
	}
	return seq, hash, err
}

func (db *DB) appendEntries(ctx context.Context, tx *sql.Tx, seq int64, hash []byte, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	now := db.now()
	q := db.rebind(`INSERT INTO audit_log (seq, time, actor_id, actor_name, org_id, action, object_type,
		object_id, source_addr, outcome, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	for i := range entries {
		e := &entries[i]
		if e.Time.IsZero() {
			e.Time = now
		}
		if e.Outcome == "" {
			e.Outcome = audit.OutcomeSuccess
		}
		cleanEntry(e)
		audit.Seal(e, seq, hash)
		if _, err := tx.ExecContext(ctx, q, e.Seq, e.Time.UnixMicro(), e.ActorID, e.ActorName, e.OrgID,
			e.Action, e.ObjectType, e.ObjectID, e.SourceAddr, string(e.Outcome), e.Detail, e.PrevHash, e.Hash); err != nil {
			return err
		}
		seq, hash = e.Seq, e.Hash
	}
	_, err := tx.ExecContext(ctx, db.rebind("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"), seq, hash)
	return err
}

// cleanEntry makes e's text storable on both dialects before it is sealed:
// PostgreSQL refuses NUL bytes and invalid UTF-8 in text columns, and audit
// entries carry raw input (e.g. the name tried at a failed login), which
// must not be able to make its own audit record fail. Both become U+FFFD.
func cleanEntry(e *audit.Entry) {
	for _, f := range [...]*string{&e.ActorID, &e.ActorName, &e.OrgID, &e.Action, &e.ObjectType,
		&e.ObjectID, &e.SourceAddr, (*string)(&e.Outcome), &e.Detail} {
		if !utf8.ValidString(*f) || strings.IndexByte(*f, 0) >= 0 {
			*f = strings.ReplaceAll(strings.ToValidUTF8(*f, "\uFFFD"), "\x00", "\uFFFD")
		}
	}
}

// Append records audit entries that go with no other write: logins, denied
// attempts, sensitive reads.
func (db *DB) Append(ctx context.Context, entries ...audit.Entry) error {
	return db.writeTx(ctx, func(*sql.Tx) ([]audit.Entry, error) { return entries, nil })
}

// AuditFilter selects audit entries. Entries come newest first unless
// Ascending is set. After is an exclusive cursor on seq.
type AuditFilter struct {
	Action    string // exact action, or a prefix ending in "." (e.g. "user.")
	ActorID   string
	OrgID     string
	ObjectID  string
	Outcome   audit.Outcome
	Since     time.Time
	Until     time.Time
	After     int64 // cursor: seq to continue from (exclusive)
	Limit     int
	Ascending bool
}

// ListAudit returns a page of audit entries and the cursor for the next page
// (0 when there is none).
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]audit.Entry, int64, error) {
	limit := clampLimit(f.Limit)
	var where []string
	var args []any
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			where = append(where, `action LIKE ? ESCAPE '\'`)
			args = append(args, likeEscape(f.Action)+"%")
		} else {
			where = append(where, "action = ?")
			args = append(args, f.Action)
		}
	}
	for _, c := range []struct{ col, v string }{{"actor_id", f.ActorID}, {"org_id", f.OrgID},
		{"object_id", f.ObjectID}, {"outcome", string(f.Outcome)}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		where = append(where, "time < ?")
		args = append(args, f.Until.UnixMicro())
	}
	order := "DESC"
	if f.Ascending {
		order = "ASC"
	}
	if f.After > 0 {
		if f.Ascending {
			where = append(where, "seq > ?")
		} else {
			where = append(where, "seq < ?")
		}
		args = append(args, f.After)
	}
	q := "SELECT " + auditCols + " FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq " + order + " LIMIT ?"
	args = append(args, limit+1)
	var out []audit.Entry
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].Seq
	}
	return out, next, nil
}

const auditCols = "seq, time, actor_id, actor_name, org_id, action, object_type, object_id, source_addr, outcome, detail, prev_hash, hash"

type scanner interface{ Scan(...any) error }

func scanAudit(r scanner) (audit.Entry, error) {
	var e audit.Entry
	var us int64
	var outcome string
	err := r.Scan(&e.Seq, &us, &e.ActorID, &e.ActorName, &e.OrgID, &e.Action, &e.ObjectType,
		&e.ObjectID, &e.SourceAddr, &outcome, &e.Detail, &e.PrevHash, &e.Hash)
	e.Time = time.UnixMicro(us).UTC()
	e.Outcome = audit.Outcome(outcome)
	return e, err
}

// ScanAudit streams the whole chain in sequence order, in batches of up to
// batch entries, to fn. It reads in keyset pages, each its own snapshot, so
// it never holds a long transaction; the chain is append-only, so pages
// join up exactly.
func (db *DB) ScanAudit(ctx context.Context, batch int, fn func([]audit.Entry) error) error {
	if batch <= 0 {
		batch = 10000
	}
	buf := make([]audit.Entry, 0, batch)
	var after int64
	q := db.rebind("SELECT " + auditCols + " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")
	for {
		buf = buf[:0]
		err := func() error {
			rows, err := db.r.QueryContext(ctx, q, after, batch)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				e, err := scanAudit(rows)
				if err != nil {
					return err
				}
				buf = append(buf, e)
			}
			return rows.Err()
		}()
		if err != nil {
			return mapErr(err)
		}
		if len(buf) == 0 {
			return nil
		}
		after = buf[len(buf)-1].Seq
		if err := fn(buf); err != nil {
			return err
		}
		if len(buf) < batch {
			return nil
		}
	}
}

// AuditScanBatch is the number of entries VerifyAudit reads per query.
const AuditScanBatch = 8192

// VerifyAudit checks the whole chain (and the anchors, if any) as it stands
// when the call starts: entries appended meanwhile are left for the next
// verification. The head row, which every append updates in
// the same transaction, must also agree with the last entry.
func (db *DB) VerifyAudit(ctx context.Context, anchors []audit.Anchor) (*audit.Verifier, error) {
	return db.verifyAudit(ctx, anchors, AuditScanBatch)
}

func (db *DB) verifyAudit(ctx context.Context, anchors []audit.Anchor, batch int) (*audit.Verifier, error) {
	v := &audit.Verifier{Anchors: anchors}
	// The end of the chain and the head row, read in one statement (one snapshot).
	var maxSeq sql.NullInt64
	var headSeq int64
	var headHash []byte
	err := db.r.QueryRowContext(ctx, `SELECT (SELECT MAX(seq) FROM audit_log),
		COALESCE((SELECT seq FROM audit_head WHERE id = 1), -1), (SELECT hash FROM audit_head WHERE id = 1)`).Scan(&maxSeq, &headSeq, &headHash)
	if err != nil {
		return v, mapErr(err)
	}
	if maxSeq.Valid {
		err = db.verifyScan(ctx, maxSeq.Int64, batch, func(b []audit.Entry) error {
			if p := v.Add(b); p != nil {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			return v, err
		}
	}
	if v.Finish() != nil {
		return v, nil
	}
	h := v.Head()
	switch {
	case headSeq < 0:
		v.Fail(&audit.Problem{Seq: h.Seq, Kind: audit.ProblemAnchor, Detail: "the chain's head record (audit_head) is missing"})
	case headSeq > h.Seq:
		v.Fail(&audit.Problem{Seq: h.Seq + 1, Kind: audit.ProblemRemoved,
			Detail: fmt.Sprintf("the head records entry %d but the chain ends at %d", headSeq, h.Seq)})
	case headSeq < h.Seq:
		v.Fail(&audit.Problem{Seq: headSeq + 1, Kind: audit.ProblemInserted,
			Detail: fmt.Sprintf("the chain goes on to %d past the head, which records entry %d", h.Seq, headSeq)})
	case !bytes.Equal(headHash, h.Hash):
		v.Fail(&audit.Problem{Seq: h.Seq, Kind: audit.ProblemAltered,
			Detail: "the last entry differs from the head record: it was changed and re-hashed"})
	}
	return v, nil
}

var errStop = apperr.New(apperr.CodeInternal, "stop")

// AuditHead returns the newest entry's seq and hash (0, genesis when empty).
func (db *DB) AuditHead(ctx context.Context) (audit.Anchor, error) {
	var a audit.Anchor
	err := db.r.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&a.Seq, &a.Hash)
	if err == sql.ErrNoRows {
		return audit.Anchor{Hash: audit.Genesis}, nil
	}
	return a, mapErr(err)
}

func clampLimit(n int) int { return limitOr(n, 50, 1000) }

// limitOr is n, or def when n is not positive, at most max.
func limitOr(n, def, max int) int {
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
	}
	return n
}
