package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/feed"
)

// Feeds: subscriptions to remote TAXII collections and MISP feeds. The
// secret column holds a credential presented to the remote; it is stored
// in clear because it must be sent as it is, and it never enters an audit
// entry.

const feedCols = `id, name, kind, url, remote_collection, username, secret, collection_id, owner_org, interval_seconds,
	enabled, cursor, deletions_after, last_run_at, last_ok_at, last_error, accepted, updated, duplicates, rejected, deleted, runs,
	created_at, updated_at`

func scanFeed(r scanner) (*feed.Feed, error) {
	var f feed.Feed
	var kind string
	var run, ok sql.NullTime
	if err := r.Scan(&f.ID, &f.Name, &kind, &f.URL, &f.RemoteCollection, &f.Username, &f.Secret, &f.CollectionID, &f.OwnerOrgID,
		&f.IntervalSeconds, &f.Enabled, &f.Cursor, &f.DeletionsCursor, &run, &ok, &f.LastError, &f.Accepted, &f.Updated, &f.Duplicates,
		&f.Rejected, &f.Deleted, &f.Runs, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	f.Kind = feed.Kind(kind)
	f.LastRunAt, f.LastOKAt = nullTime(run), nullTime(ok)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return &f, nil
}

// feedDetail describes a feed for the audit trail: never the secret.
func feedDetail(f *feed.Feed) string {
	d := f.Name + " kind=" + string(f.Kind) + " url=" + f.URL
	if f.RemoteCollection != "" {
		d += " remote=" + f.RemoteCollection
	}
	d += " collection=" + f.CollectionID + " org=" + f.OwnerOrgID + " interval=" + strconv.Itoa(f.IntervalSeconds) +
		"s enabled=" + strconv.FormatBool(f.Enabled)
	if f.Username != "" {
		d += " username=" + f.Username
	}
	if f.Secret != "" {
		d += " secret=set"
	}
	return d
}

func (db *DB) checkFeedRefs(ctx context.Context, tx *sql.Tx, f *feed.Feed) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM collections WHERE id = ?"), f.CollectionID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.Invalid("collection_id", "no collection %q", f.CollectionID)
	}
	return db.checkOrgs(ctx, tx, "owner_org_id", []string{f.OwnerOrgID})
}

// CreateFeed validates and stores a feed, setting its id and times. The
// run state (cursor, counters) starts empty.
func (db *DB) CreateFeed(ctx context.Context, act audit.Actor, f *feed.Feed) error {
	f.Normalize()
	if err := f.Validate(); err != nil {
		return err
	}
	f.ID = NewID()
	f.CreatedAt = db.now()
	f.UpdatedAt = f.CreatedAt
	f.Cursor, f.DeletionsCursor, f.LastRunAt, f.LastOKAt, f.LastError = "", "", nil, nil, ""
	f.Accepted, f.Updated, f.Duplicates, f.Rejected, f.Deleted, f.Runs = 0, 0, 0, 0, 0, 0
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkFeedRefs(ctx, tx, f); err != nil {
			return nil, err
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO feeds (id, name, kind, url, remote_collection, username, secret,
			collection_id, owner_org, interval_seconds, enabled, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`),
			f.ID, f.Name, string(f.Kind), f.URL, f.RemoteCollection, f.Username, f.Secret, f.CollectionID, f.OwnerOrgID,
			f.IntervalSeconds, f.Enabled, f.CreatedAt, f.UpdatedAt)
		if err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("feed.create", "feed", f.ID, audit.OutcomeSuccess, feedDetail(f))}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("name", "a feed named %q already exists", f.Name)
	}
	return err
}

// UpdateFeed saves the configuration of f (every field but id, the run
// state and created_at). With resetCursor the next run starts from the
// beginning of the remote: both the objects cursor and the deletions
// cursor are forgotten.
func (db *DB) UpdateFeed(ctx context.Context, act audit.Actor, f *feed.Feed, resetCursor bool) error {
	f.Normalize()
	if err := f.Validate(); err != nil {
		return err
	}
	f.UpdatedAt = db.now()
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkFeedRefs(ctx, tx, f); err != nil {
			return nil, err
		}
		q := `UPDATE feeds SET name = ?, kind = ?, url = ?, remote_collection = ?, username = ?, secret = ?, collection_id = ?,
			owner_org = ?, interval_seconds = ?, enabled = ?, updated_at = ?`
		if resetCursor {
			q += ", cursor = '', deletions_after = ''"
		}
		res, err := tx.ExecContext(ctx, db.rebind(q+" WHERE id = ?"), f.Name, string(f.Kind), f.URL, f.RemoteCollection, f.Username,
			f.Secret, f.CollectionID, f.OwnerOrgID, f.IntervalSeconds, f.Enabled, f.UpdatedAt, f.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("feed", f.ID)
		}
		d := feedDetail(f)
		if resetCursor {
			f.Cursor, f.DeletionsCursor = "", ""
			d += " cursor=reset"
		}
		return []audit.Entry{act.Event("feed.update", "feed", f.ID, audit.OutcomeSuccess, d)}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("name", "a feed named %q already exists", f.Name)
	}
	return err
}

// DeleteFeed removes the feed with id or name ref. Objects it stored stay.
func (db *DB) DeleteFeed(ctx context.Context, act audit.Actor, ref string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		f, err := scanFeed(tx.QueryRowContext(ctx, db.rebind("SELECT "+feedCols+" FROM feeds WHERE id = ? OR name = ?"), ref, ref))
		if apperr.CodeOf(mapErr(err)) == apperr.CodeNotFound {
			return nil, apperr.NotFound("feed", ref)
		}
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM feeds WHERE id = ?"), f.ID); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("feed.delete", "feed", f.ID, audit.OutcomeSuccess, f.Name)}, nil
	})
}

// GetFeed returns the feed with id or name ref, secret included.
func (db *DB) GetFeed(ctx context.Context, ref string) (*feed.Feed, error) {
	var f *feed.Feed
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		f, err = scanFeed(tx.QueryRowContext(ctx, db.rebind("SELECT "+feedCols+" FROM feeds WHERE id = ? OR name = ?"), ref, ref))
		return err
	})
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, apperr.NotFound("feed", ref)
	}
	return f, err
}

// ListFeeds returns every feed, by name.
func (db *DB) ListFeeds(ctx context.Context) ([]feed.Feed, error) {
	var out []feed.Feed
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+feedCols+" FROM feeds ORDER BY name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFeed(rows)
			if err != nil {
				return err
			}
			out = append(out, *f)
		}
		return rows.Err()
	})
	return out, err
}

// SaveFeedCursor records a feed's cursor once a page has been stored. It
// is run state, not configuration: no audit entry (the run's own
// "feed.run" entry reports it).
func (db *DB) SaveFeedCursor(ctx context.Context, id, cursor string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE feeds SET cursor = ? WHERE id = ?"), cursor, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("feed", id)
		}
		return nil
	})
}

// SaveFeedDeletionsCursor records the deletions cursor (the peer's
// next_after) once a page of tombstones has been applied. Run state: no
// audit entry.
func (db *DB) SaveFeedDeletionsCursor(ctx context.Context, id string, after string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE feeds SET deletions_after = ? WHERE id = ?"), after, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("feed", id)
		}
		return nil
	})
}

// RecordFeedRun records the outcome of one run: times, error, cursors and
// the counters, with one "feed.run" audit entry carrying the counts.
func (db *DB) RecordFeedRun(ctx context.Context, act audit.Actor, id string, r feed.RunResult) error {
	if r.Finished.IsZero() {
		r.Finished = db.now()
	}
	fin := r.Finished.UTC().Truncate(1000)
	errText := clipText(r.Err, 1990)
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		var name string
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT name FROM feeds WHERE id = ?"), id).Scan(&name); err != nil {
			if err == sql.ErrNoRows {
				return nil, apperr.NotFound("feed", id)
			}
			return nil, err
		}
		q := `UPDATE feeds SET last_run_at = ?, last_error = ?, cursor = ?, deletions_after = ?, accepted = accepted + ?,
			updated = updated + ?, duplicates = duplicates + ?, rejected = rejected + ?, deleted = deleted + ?, runs = runs + 1`
		args := []any{fin, errText, r.Cursor, r.DeletionsCursor, r.Accepted, r.Updated, r.Duplicates, r.Rejected, r.Deleted}
		if r.Err == "" {
			q += ", last_ok_at = ?"
			args = append(args, fin)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(q+" WHERE id = ?"), append(args, id)...); err != nil {
			return nil, err
		}
		outcome := audit.OutcomeSuccess
		detail := fmt.Sprintf("%s pages=%d accepted=%d updated=%d duplicates=%d rejected=%d deleted=%d", name, r.Pages, r.Accepted,
			r.Updated, r.Duplicates, r.Rejected, r.Deleted)
		if r.Err != "" {
			outcome = audit.OutcomeFailure
			detail += " error=" + clipText(errText, 500)
		}
		return []audit.Entry{act.Event("feed.run", "feed", id, outcome, detail)}, nil
	})
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
