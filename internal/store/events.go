package store

// The event log and webhook subscriptions of the push service (issue #7,
// internal/push; migration 0011).

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/event"
)

// ---- event log -----------------------------------------------------------

// AppendEvents stores evs in one transaction, assigning each its Seq (and
// At when zero). Sequence numbers are taken from event_head under its row
// lock, so they commit in order and without holes across nodes.
func (db *DB) AppendEvents(ctx context.Context, evs []*event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, db.rebind("UPDATE event_head SET seq = seq + ? WHERE id = 1 RETURNING seq"), len(evs)).Scan(&last); err != nil {
			return err
		}
		first := last - int64(len(evs)) + 1
		q := db.rebind("INSERT INTO events (seq, kind, at, subject, audience, data) VALUES (?,?,?,?,?,?)")
		for i, e := range evs {
			e.Seq = first + int64(i)
			if e.At.IsZero() {
				e.At = now
			}
			e.At = e.At.UTC().Truncate(time.Microsecond)
			data := string(e.Data)
			if data == "" {
				data = "null"
			}
			if _, err := tx.ExecContext(ctx, q, e.Seq, string(e.Kind), e.At, e.Subject, jsonText(e.Audience), data); err != nil {
				return err
			}
		}
		return nil
	})
}

// EventsAfter returns at most limit events with seq > after, oldest first,
// with their audiences.
func (db *DB) EventsAfter(ctx context.Context, after int64, limit int) ([]*event.Event, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	rows, err := db.r.QueryContext(ctx, db.rebind("SELECT seq, kind, at, subject, audience, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?"), after, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*event.Event{}
	for rows.Next() {
		var e event.Event
		var kind, aud, data string
		if err := rows.Scan(&e.Seq, &kind, &e.At, &e.Subject, &aud, &data); err != nil {
			return nil, mapErr(err)
		}
		e.Kind, e.At, e.Data = event.Kind(kind), e.At.UTC(), json.RawMessage(data)
		if err := json.Unmarshal([]byte(aud), &e.Audience); err != nil {
			// An audience that cannot be read admits nobody (fail closed).
			e.Audience = event.Audience{}
		}
		out = append(out, &e)
	}
	return out, mapErr(rows.Err())
}

// LastEventSeq returns the seq of the last event stored (0 for none).
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := db.r.QueryRowContext(ctx, "SELECT seq FROM event_head WHERE id = 1").Scan(&seq)
	return seq, mapErr(err)
}

// PruneEvents deletes events older than before and returns how many.
func (db *DB) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.rebind("DELETE FROM events WHERE at < ?"), before.UTC())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// ---- webhook subscriptions -----------------------------------------------

// Webhook states.
const (
	WebhookActive   = "active"
	WebhookDisabled = "disabled"
)

// Webhook is an organisation's webhook subscription.
type Webhook struct {
	ID          string   `json:"id"`
	OrgID       string   `json:"org_id"`
	URL         string   `json:"url"`
	Secret      string   `json:"-"` // the signing key: shown once, at creation
	Kinds       []string `json:"kinds"`
	Description string   `json:"description"`
	State       string   `json:"state"`
	// Cursor is the seq of the last event delivered or passed over.
	Cursor        int64      `json:"cursor"`
	Failures      int        `json:"failures"`
	LastError     string     `json:"last_error"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

const webhookCols = "id, org_id, url, secret, kinds, description, state, cursor_seq, failures, last_error, last_attempt_at, last_success_at, created_by, created_at, updated_at"

func scanWebhook(sc interface{ Scan(...any) error }) (*Webhook, error) {
	var w Webhook
	var kinds string
	var att, succ sql.NullTime
	if err := sc.Scan(&w.ID, &w.OrgID, &w.URL, &w.Secret, &kinds, &w.Description, &w.State, &w.Cursor, &w.Failures, &w.LastError,
		&att, &succ, &w.CreatedBy, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(kinds), &w.Kinds); err != nil || w.Kinds == nil {
		w.Kinds = []string{}
	}
	w.LastAttemptAt, w.LastSuccessAt = nullTime(att), nullTime(succ)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return &w, nil
}

// CreateWebhook stores a new subscription (ID, timestamps and the cursor,
// the current end of the event log, are set here) and audits it.
func (db *DB) CreateWebhook(ctx context.Context, act audit.Actor, w *Webhook) error {
	if w.OrgID == "" {
		return apperr.Invalid("org_id", "is required")
	}
	if w.Kinds == nil {
		w.Kinds = []string{}
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkOrgs(ctx, tx, "org_id", []string{w.OrgID}); err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, "SELECT seq FROM event_head WHERE id = 1").Scan(&w.Cursor); err != nil {
			return nil, err
		}
		w.ID, w.State, w.Failures, w.LastError = NewID(), WebhookActive, 0, ""
		w.CreatedAt = db.now()
		w.UpdatedAt = w.CreatedAt
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO webhooks (id, org_id, url, secret, kinds, description, state, cursor_seq, failures,
			last_error, lease_owner, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
			w.ID, w.OrgID, w.URL, w.Secret, jsonText(w.Kinds), w.Description, w.State, w.Cursor, 0, "", "", w.CreatedBy, w.CreatedAt, w.UpdatedAt); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("webhook.create", "webhook", w.ID, audit.OutcomeSuccess,
			"org="+w.OrgID+" kinds="+strings.Join(w.Kinds, ",")+" host="+urlHost(w.URL))}, nil
	})
}

// urlHost is the host of a webhook URL for the audit trail (never its path
// or query, which may carry a token).
func urlHost(raw string) string {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// GetWebhook returns one subscription.
func (db *DB) GetWebhook(ctx context.Context, id string) (*Webhook, error) {
	w, err := scanWebhook(db.r.QueryRowContext(ctx, db.rebind("SELECT "+webhookCols+" FROM webhooks WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("webhook", id)
	}
	return w, mapErr(err)
}

// ListWebhooks returns an organisation's subscriptions ("" for every
// organisation's), oldest first; state "" for any.
func (db *DB) ListWebhooks(ctx context.Context, orgID, state string) ([]*Webhook, error) {
	q := "SELECT " + webhookCols + " FROM webhooks WHERE 1=1"
	var args []any
	if orgID != "" {
		q += " AND org_id = ?"
		args = append(args, orgID)
	}
	if state != "" {
		q += " AND state = ?"
		args = append(args, state)
	}
	rows, err := db.r.QueryContext(ctx, db.rebind(q+" ORDER BY created_at, id"), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []*Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, mapErr(err)
		}
		out = append(out, w)
	}
	return out, mapErr(rows.Err())
}

// DeleteWebhook removes a subscription and audits it.
func (db *DB) DeleteWebhook(ctx context.Context, act audit.Actor, id string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		var orgID string
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT org_id FROM webhooks WHERE id = ?"), id).Scan(&orgID); err != nil {
			if err == sql.ErrNoRows {
				return nil, apperr.NotFound("webhook", id)
			}
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM webhooks WHERE id = ?"), id); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("webhook.delete", "webhook", id, audit.OutcomeSuccess, "org="+orgID)}, nil
	})
}

// SetWebhookState enables (clearing the failure count) or disables a
// subscription and audits it.
func (db *DB) SetWebhookState(ctx context.Context, act audit.Actor, id, state string) error {
	if state != WebhookActive && state != WebhookDisabled {
		return apperr.Invalid("state", "must be %s or %s", WebhookActive, WebhookDisabled)
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE webhooks SET state = ?, failures = 0, updated_at = ? WHERE id = ?"), state, db.now(), id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("webhook", id)
		}
		return []audit.Entry{act.Event("webhook."+map[string]string{WebhookActive: "enable", WebhookDisabled: "disable"}[state], "webhook", id, audit.OutcomeSuccess, "")}, nil
	})
}

// LeaseWebhook gives owner the right to deliver the subscription until
// until, unless another owner holds an unexpired lease. It reports whether
// owner holds the lease, with the subscription as it is now.
func (db *DB) LeaseWebhook(ctx context.Context, id, owner string, until time.Time) (*Webhook, bool, error) {
	now := db.now()
	var w *Webhook
	ok := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE webhooks SET lease_owner = ?, lease_until = ?
			WHERE id = ? AND state = ? AND (lease_owner = ? OR lease_owner = '' OR lease_until IS NULL OR lease_until < ?)`),
			owner, until.UTC(), id, WebhookActive, owner, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		w, err = scanWebhook(tx.QueryRowContext(ctx, db.rebind("SELECT "+webhookCols+" FROM webhooks WHERE id = ?"), id))
		if err == sql.ErrNoRows {
			return apperr.NotFound("webhook", id)
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return w, ok, nil
}

// ReleaseWebhook gives up owner's lease.
func (db *DB) ReleaseWebhook(ctx context.Context, id, owner string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.rebind("UPDATE webhooks SET lease_owner = '', lease_until = NULL WHERE id = ? AND lease_owner = ?"), id, owner)
		return err
	})
}

// WebhookAdvanced records that owner delivered (or passed over) the
// subscription's events up to cursor; delivered says whether a request
// succeeded (clearing the failure count). It fails with a conflict when
// owner no longer holds the lease.
func (db *DB) WebhookAdvanced(ctx context.Context, id, owner string, cursor int64, delivered bool) error {
	now := db.now()
	return db.tx(ctx, func(tx *sql.Tx) error {
		q := "UPDATE webhooks SET cursor_seq = ? WHERE id = ? AND lease_owner = ? AND cursor_seq <= ?"
		args := []any{cursor, id, owner, cursor}
		if delivered {
			q = "UPDATE webhooks SET cursor_seq = ?, failures = 0, last_error = '', last_attempt_at = ?, last_success_at = ? WHERE id = ? AND lease_owner = ? AND cursor_seq <= ?"
			args = []any{cursor, now, now, id, owner, cursor}
		}
		res, err := tx.ExecContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.CodeConflict, "webhook %s: lease lost", id)
		}
		return nil
	})
}

// WebhookFailed records a failed delivery; after maxFailures consecutive
// failures the subscription is disabled (audited). It reports whether it
// was disabled.
func (db *DB) WebhookFailed(ctx context.Context, id, owner, msg string, maxFailures int) (bool, error) {
	if len(msg) > 500 {
		msg = msg[:500]
	}
	now := db.now()
	disabled := false
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		var failures int
		var orgID string
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT failures, org_id FROM webhooks WHERE id = ? AND lease_owner = ?"), id, owner).Scan(&failures, &orgID); err != nil {
			if err == sql.ErrNoRows {
				return nil, apperr.New(apperr.CodeConflict, "webhook %s: lease lost", id)
			}
			return nil, err
		}
		failures++
		state := WebhookActive
		if maxFailures > 0 && failures >= maxFailures {
			state, disabled = WebhookDisabled, true
		}
		if _, err := tx.ExecContext(ctx, db.rebind("UPDATE webhooks SET failures = ?, last_error = ?, last_attempt_at = ?, state = ?, updated_at = ? WHERE id = ?"),
			failures, msg, now, state, now, id); err != nil {
			return nil, err
		}
		if disabled {
			return []audit.Entry{{ActorName: "system", OrgID: orgID, Action: "webhook.disable", ObjectType: "webhook", ObjectID: id,
				Outcome: audit.OutcomeSuccess, Detail: "after " + strconv.Itoa(failures) + " consecutive failed deliveries"}}, nil
		}
		return nil, nil
	})
	return disabled, err
}
