package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/incident"
)

// Incident reports (issue #5): the incident document with its lifecycle
// columns in incidents, every saved content version in incident_versions,
// what went to each receiver in incident_submissions (immutable: triggers
// in both dialects refuse changes to a sent body and any deletion), the
// history in incident_events, templates, per-organisation settings and
// deadline reminders.

const incidentCols = "doc, state, version, submitted_version, rev, created_at, updated_at"

func scanIncident(r scanner) (*incident.Incident, error) {
	var doc, state string
	var in incident.Incident
	var version, submitted, rev int
	var created, updated time.Time
	if err := r.Scan(&doc, &state, &version, &submitted, &rev, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &in); err != nil {
		return nil, err
	}
	in.State, in.Version, in.SubmittedVersion, in.Rev = incident.State(state), version, submitted, rev
	in.CreatedAt, in.UpdatedAt = created.UTC(), updated.UTC()
	return &in, nil
}

// IncidentQuery filters ListIncidents. OrgID: incidents of that
// organisation. Recipient: incidents with at least one submission to that
// organisation (a government receiver or a partner). States: any of them.
// Q: a case-insensitive substring of the title or the ref. Limit: default
// 100, at most 1000. Ordered by updated_at DESC, id DESC.
type IncidentQuery struct {
	OrgID, Recipient string
	States           []incident.State
	Q                string
	Limit            int
}

// IncidentChange is what one lifecycle step writes besides the incident
// itself.
type IncidentChange struct {
	// Version is a new content version: its N must be the incident's
	// Version after fn (0 is taken as that); the store fills IncidentID and
	// SavedAt.
	Version *incident.Version
	// Submissions are new submissions: the store fills ID, IncidentID,
	// OrgID, SubmittedAt (now, when zero) and SHA256 (hex sha256 of Body),
	// in place.
	Submissions []*incident.Submission
	// Acks are acknowledgements of existing submissions of the incident.
	Acks []Ack
	// Events are appended with the next seq numbers (At: now, when zero).
	Events []incident.Event
	// Audit is appended to the audit chain.
	Audit []audit.Entry
}

// Ack is a receiver's acknowledgement of a submission: it sets
// authority_ref, acked_at (now) and acked_by, once.
type Ack struct {
	SubmissionID, AuthorityRef, By string
}

// CreateIncident stores a new incident with its first content version and
// its first events. It assigns in.ID, in.Ref when empty
// ("INC-<year>-<4-digit sequence within the organisation and year>"),
// Version and Rev 1, the times, and the state draft when none is set; v
// (nil: built from in) gets IncidentID, N 1 and SavedAt; the events get
// IncidentID, Seq 1.. and At (now, when zero).
func (db *DB) CreateIncident(ctx context.Context, act audit.Actor, in *incident.Incident, v *incident.Version, events []incident.Event) error {
	if in.OrgID == "" {
		return apperr.Invalid("org_id", "is required")
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkOrgs(ctx, tx, "org_id", []string{in.OrgID}); err != nil {
			return nil, err
		}
		now := db.now()
		in.ID, in.Version, in.Rev, in.CreatedAt, in.UpdatedAt = NewID(), 1, 1, now, now
		if in.State == "" {
			in.State = incident.Draft
		}
		if in.Ref == "" {
			ref, err := db.nextIncidentRef(ctx, tx, in.OrgID, now.Year())
			if err != nil {
				return nil, err
			}
			in.Ref = ref
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO incidents (id, org_id, ref, title, state, version, submitted_version, rev, doc, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?)`), in.ID, in.OrgID, in.Ref, in.Title, string(in.State), in.Version, in.SubmittedVersion, in.Rev, jsonText(in), now, now); err != nil {
			if apperr.CodeOf(mapErr(err)) == apperr.CodeConflict {
				return nil, apperr.Conflict("ref", "the organisation already has an incident %s", in.Ref)
			}
			return nil, err
		}
		if v == nil {
			v = &incident.Version{Title: in.Title, Content: in.Content, SavedBy: in.CreatedBy}
		}
		v.N = 1
		if err := db.insertIncidentVersion(ctx, tx, in.ID, v, now); err != nil {
			return nil, err
		}
		if err := db.appendIncidentEvents(ctx, tx, in.ID, 0, events, now); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("incident.create", "incident", in.ID, audit.OutcomeSuccess, "ref="+in.Ref+" org="+in.OrgID)}, nil
	})
}

// nextIncidentRef is the organisation's next ref of year: one past the
// highest sequence number of its refs of that year.
func (db *DB) nextIncidentRef(ctx context.Context, tx *sql.Tx, orgID string, year int) (string, error) {
	prefix := "INC-" + strconv.Itoa(year) + "-"
	// The highest number first (longer is higher, then lexical order); the
	// first ref that is a number is the maximum.
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT ref FROM incidents WHERE org_id = ? AND ref LIKE ? ESCAPE '\'
		ORDER BY LENGTH(ref) DESC, ref DESC`), orgID, likeEscape(prefix)+"%")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	max := 0
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return "", err
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(ref, prefix)); err == nil && n >= 0 && strings.TrimPrefix(ref, prefix) == fmt.Sprintf("%04d", n) {
			max = n
			break
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%04d", prefix, max+1), nil
}

func (db *DB) insertIncidentVersion(ctx context.Context, tx *sql.Tx, incidentID string, v *incident.Version, now time.Time) error {
	v.IncidentID, v.SavedAt = incidentID, now
	_, err := tx.ExecContext(ctx, db.rebind("INSERT INTO incident_versions (incident_id, version, title, saved_by, saved_at, note, content) VALUES (?,?,?,?,?,?,?)"),
		incidentID, v.N, v.Title, v.SavedBy, v.SavedAt, v.Note, jsonText(v.Content))
	if apperr.CodeOf(mapErr(err)) == apperr.CodeConflict {
		return apperr.Conflict("version", "version %d of the incident is already saved", v.N)
	}
	return err
}

// appendIncidentEvents stores events after seq last, filling them in place.
func (db *DB) appendIncidentEvents(ctx context.Context, tx *sql.Tx, incidentID string, last int, events []incident.Event, now time.Time) error {
	q := db.rebind("INSERT INTO incident_events (incident_id, seq, at, actor_id, actor_name, org_id, kind, shared, gov_only, text) VALUES (?,?,?,?,?,?,?,?,?,?)")
	for i := range events {
		e := &events[i]
		last++
		e.IncidentID, e.Seq = incidentID, last
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC()
		if _, err := tx.ExecContext(ctx, q, incidentID, e.Seq, e.At, e.ActorID, e.ActorName, e.OrgID, e.Kind, e.Shared, e.GovOnly, e.Text); err != nil {
			return err
		}
	}
	return nil
}

// Incident returns incident id.
func (db *DB) Incident(ctx context.Context, id string) (*incident.Incident, error) {
	in, err := scanIncident(db.r.QueryRowContext(ctx, db.rebind("SELECT "+incidentCols+" FROM incidents WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("incident", id)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return in, nil
}

// ListIncidents returns the incidents q selects, most recently changed
// first.
func (db *DB) ListIncidents(ctx context.Context, q IncidentQuery) ([]incident.Incident, error) {
	var where []string
	var args []any
	if q.OrgID != "" {
		where, args = append(where, "org_id = ?"), append(args, q.OrgID)
	}
	if q.Recipient != "" {
		// EXISTS, not IN: the planner then walks incidents newest first
		// (incidents_updated) and stops at the limit, instead of sorting
		// every incident ever submitted to the recipient.
		where, args = append(where, "EXISTS (SELECT 1 FROM incident_submissions s WHERE s.incident_id = incidents.id AND s.recipient = ?)"), append(args, q.Recipient)
	}
	if len(q.States) > 0 {
		where = append(where, "state IN ("+placeholders(len(q.States))+")")
		for _, s := range q.States {
			args = append(args, string(s))
		}
	}
	if t := strings.TrimSpace(q.Q); t != "" {
		like := "%" + likeEscape(strings.ToLower(t)) + "%"
		where, args = append(where, `(LOWER(title) LIKE ? ESCAPE '\' OR LOWER(ref) LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit := limitOr(q.Limit, 100, 1000)
	out, err := collect(ctx, db.r, db.rebind("SELECT "+incidentCols+" FROM incidents"+w+" ORDER BY updated_at DESC, id DESC LIMIT ?"), append(args, limit), scanIncident)
	return out, mapErr(err)
}

// UpdateIncident applies one lifecycle step to incident id in one write
// transaction: it loads the incident (locking its row on PostgreSQL) and
// calls fn, which mutates it and returns what else to write (nil: nothing
// besides the incident). When fn fails nothing is written and its error is
// returned. Otherwise the incident is stored with rev+1 and updated_at now
// (its id, organisation, ref and creation time stay), then the change: the
// new version, the submissions (filled in place with their ids, times and
// digests), the acknowledgements, the events and the audit entries. It
// returns the stored incident.
func (db *DB) UpdateIncident(ctx context.Context, id string, fn func(in *incident.Incident) (*IncidentChange, error)) (*incident.Incident, error) {
	var out *incident.Incident
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		in, err := lockRow(ctx, db, tx, "incident", "incidents", incidentCols, id, scanIncident)
		if err != nil {
			return nil, err
		}
		orig := *in
		ch, err := fn(in)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			ch = &IncidentChange{}
		}
		now := db.now()
		in.ID, in.OrgID, in.Ref, in.CreatedAt = orig.ID, orig.OrgID, orig.Ref, orig.CreatedAt
		in.Rev, in.UpdatedAt = orig.Rev+1, now
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE incidents SET title = ?, state = ?, version = ?, submitted_version = ?, rev = ?, doc = ?, updated_at = ? WHERE id = ?`),
			in.Title, string(in.State), in.Version, in.SubmittedVersion, in.Rev, jsonText(in), now, in.ID); err != nil {
			return nil, err
		}
		if v := ch.Version; v != nil {
			if v.N == 0 {
				v.N = in.Version
			}
			if v.N != in.Version {
				return nil, apperr.Invalid("version", "the new version is %d but the incident's version is %d", v.N, in.Version)
			}
			if err := db.insertIncidentVersion(ctx, tx, in.ID, v, now); err != nil {
				return nil, err
			}
		}
		for i, s := range ch.Submissions {
			if err := db.insertSubmission(ctx, tx, in, s, now, "submissions["+strconv.Itoa(i)+"]"); err != nil {
				return nil, err
			}
		}
		for i, a := range ch.Acks {
			if err := db.ackSubmission(ctx, tx, in.ID, a, now, "acks["+strconv.Itoa(i)+"]"); err != nil {
				return nil, err
			}
		}
		if len(ch.Events) > 0 {
			var last int
			if err := tx.QueryRowContext(ctx, db.rebind("SELECT COALESCE(MAX(seq), 0) FROM incident_events WHERE incident_id = ?"), in.ID).Scan(&last); err != nil {
				return nil, err
			}
			if err := db.appendIncidentEvents(ctx, tx, in.ID, last, ch.Events, now); err != nil {
				return nil, err
			}
		}
		out = in
		return ch.Audit, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) insertSubmission(ctx context.Context, tx *sql.Tx, in *incident.Incident, s *incident.Submission, now time.Time, field string) error {
	if s.Recipient == "" {
		return apperr.Invalid(field+".recipient", "is required")
	}
	if !json.Valid(s.Body) {
		return apperr.Invalid(field+".body", "is not a JSON document")
	}
	sum := sha256.Sum256(s.Body)
	s.ID, s.IncidentID, s.OrgID, s.SHA256 = NewID(), in.ID, in.OrgID, hex.EncodeToString(sum[:])
	if s.SubmittedAt.IsZero() {
		s.SubmittedAt = now
	}
	s.SubmittedAt = s.SubmittedAt.UTC().Truncate(time.Microsecond)
	s.AuthorityRef, s.AckedAt, s.AckedBy = "", nil, ""
	_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO incident_submissions (id, incident_id, org_id, recipient, partner, regime, stage, kind, version, submitted_at, submitted_by, emergency, body, sha256, authority_ref, acked_by)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'','')`), s.ID, s.IncidentID, s.OrgID, s.Recipient, s.Partner, s.Regime, s.Stage, s.Kind, s.Version, s.SubmittedAt, s.SubmittedBy, s.Emergency, string(s.Body), s.SHA256)
	return err
}

func (db *DB) ackSubmission(ctx context.Context, tx *sql.Tx, incidentID string, a Ack, now time.Time, field string) error {
	res, err := tx.ExecContext(ctx, db.rebind("UPDATE incident_submissions SET authority_ref = ?, acked_at = ?, acked_by = ? WHERE id = ? AND incident_id = ? AND acked_at IS NULL"),
		a.AuthorityRef, now, a.By, a.SubmissionID, incidentID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var acked sql.NullTime
	err = tx.QueryRowContext(ctx, db.rebind("SELECT acked_at FROM incident_submissions WHERE id = ? AND incident_id = ?"), a.SubmissionID, incidentID).Scan(&acked)
	if err == sql.ErrNoRows {
		return apperr.NotFound("submission", a.SubmissionID)
	}
	if err != nil {
		return err
	}
	return apperr.Conflict(field, "submission %s was already acknowledged", a.SubmissionID)
}

// incidentExists reports NotFound when there is no incident id.
func incidentExists(ctx context.Context, db *DB, tx *sql.Tx, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM incidents WHERE id = ?"), id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound("incident", id)
	}
	return nil
}

const versionCols = "incident_id, version, title, saved_by, saved_at, note, content"

func scanVersion(r scanner) (*incident.Version, error) {
	var v incident.Version
	var content string
	if err := r.Scan(&v.IncidentID, &v.N, &v.Title, &v.SavedBy, &v.SavedAt, &v.Note, &content); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(content), &v.Content); err != nil {
		return nil, err
	}
	v.SavedAt = v.SavedAt.UTC()
	return &v, nil
}

// IncidentVersions returns every saved content version of incident id,
// oldest first.
func (db *DB) IncidentVersions(ctx context.Context, id string) ([]incident.Version, error) {
	var out []incident.Version
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = collect(ctx, tx, db.rebind("SELECT "+versionCols+" FROM incident_versions WHERE incident_id = ? ORDER BY version"), []any{id}, scanVersion)
		if err == nil && len(out) == 0 {
			err = incidentExists(ctx, db, tx, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// IncidentVersion returns version n of incident id.
func (db *DB) IncidentVersion(ctx context.Context, id string, n int) (*incident.Version, error) {
	v, err := scanVersion(db.r.QueryRowContext(ctx, db.rebind("SELECT "+versionCols+" FROM incident_versions WHERE incident_id = ? AND version = ?"), id, n))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("incident version", id+" v"+strconv.Itoa(n))
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return v, nil
}

const submissionCols = "id, incident_id, org_id, recipient, partner, regime, stage, kind, version, submitted_at, submitted_by, emergency, body, sha256, authority_ref, acked_at, acked_by"

func scanSubmission(r scanner) (*incident.Submission, error) {
	var s incident.Submission
	var body string
	var acked sql.NullTime
	if err := r.Scan(&s.ID, &s.IncidentID, &s.OrgID, &s.Recipient, &s.Partner, &s.Regime, &s.Stage, &s.Kind, &s.Version, &s.SubmittedAt, &s.SubmittedBy,
		&s.Emergency, &body, &s.SHA256, &s.AuthorityRef, &acked, &s.AckedBy); err != nil {
		return nil, err
	}
	s.Body, s.AckedAt, s.SubmittedAt = json.RawMessage(body), nullTime(acked), s.SubmittedAt.UTC()
	return &s, nil
}

// SubmissionQuery selects submissions: of an incident, to a recipient, of
// a reporting organisation, in any combination. Limit: default 1000, at
// most 10000.
type SubmissionQuery struct {
	IncidentID, Recipient, OrgID string
	// IncidentIDs selects the submissions of any of these incidents.
	IncidentIDs []string
	Limit       int
}

// Submissions returns the submissions q selects, oldest first.
func (db *DB) Submissions(ctx context.Context, q SubmissionQuery) ([]incident.Submission, error) {
	var where []string
	var args []any
	for _, f := range []struct{ col, v string }{{"incident_id", q.IncidentID}, {"recipient", q.Recipient}, {"org_id", q.OrgID}} {
		if f.v != "" {
			where, args = append(where, f.col+" = ?"), append(args, f.v)
		}
	}
	if len(q.IncidentIDs) > 0 {
		where = append(where, "incident_id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.IncidentIDs)), ",")+")")
		for _, id := range q.IncidentIDs {
			args = append(args, id)
		}
	}
	if len(q.IncidentIDs) > 0 {
		where = append(where, "incident_id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.IncidentIDs)), ",")+")")
		for _, id := range q.IncidentIDs {
			args = append(args, id)
		}
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit := limitOr(q.Limit, 1000, 10000)
	out, err := collect(ctx, db.r, db.rebind("SELECT "+submissionCols+" FROM incident_submissions"+w+" ORDER BY submitted_at, id LIMIT ?"), append(args, limit), scanSubmission)
	return out, mapErr(err)
}

// Submission returns submission id.
func (db *DB) Submission(ctx context.Context, id string) (*incident.Submission, error) {
	s, err := scanSubmission(db.r.QueryRowContext(ctx, db.rebind("SELECT "+submissionCols+" FROM incident_submissions WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("submission", id)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return s, nil
}

func scanEvent(r scanner) (*incident.Event, error) {
	var e incident.Event
	if err := r.Scan(&e.IncidentID, &e.Seq, &e.At, &e.ActorID, &e.ActorName, &e.OrgID, &e.Kind, &e.Shared, &e.GovOnly, &e.Text); err != nil {
		return nil, err
	}
	e.At = e.At.UTC()
	return &e, nil
}

// IncidentEvents returns the history of incident id in order.
func (db *DB) IncidentEvents(ctx context.Context, id string) ([]incident.Event, error) {
	var out []incident.Event
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = collect(ctx, tx, db.rebind("SELECT incident_id, seq, at, actor_id, actor_name, org_id, kind, shared, gov_only, text FROM incident_events WHERE incident_id = ? ORDER BY seq"), []any{id}, scanEvent)
		if err == nil && len(out) == 0 {
			err = incidentExists(ctx, db, tx, id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- templates -----------------------------------------------------------

func scanTemplate(r scanner) (*incident.Template, error) {
	var doc string
	var created, updated time.Time
	if err := r.Scan(&doc, &created, &updated); err != nil {
		return nil, err
	}
	var t incident.Template
	if err := json.Unmarshal([]byte(doc), &t); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = created.UTC(), updated.UTC()
	return &t, nil
}

// PutTemplate stores a template: a new one when t.ID is empty (id and
// times assigned), otherwise the template with that id of t.OrgID
// (NotFound when the organisation has none).
func (db *DB) PutTemplate(ctx context.Context, act audit.Actor, t *incident.Template) error {
	if t.OrgID == "" {
		return apperr.Invalid("org_id", "is required")
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		now := db.now()
		if t.ID == "" {
			if err := db.checkOrgs(ctx, tx, "org_id", []string{t.OrgID}); err != nil {
				return nil, err
			}
			t.ID, t.CreatedAt, t.UpdatedAt = NewID(), now, now
			if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO incident_templates (id, org_id, name, doc, created_at, updated_at) VALUES (?,?,?,?,?,?)"),
				t.ID, t.OrgID, t.Name, jsonText(t), now, now); err != nil {
				return nil, err
			}
			return []audit.Entry{act.Event("incident_template.create", "incident_template", t.ID, audit.OutcomeSuccess, "org="+t.OrgID+" name="+t.Name)}, nil
		}
		var created time.Time
		err := tx.QueryRowContext(ctx, db.rebind("SELECT created_at FROM incident_templates WHERE id = ? AND org_id = ?"), t.ID, t.OrgID).Scan(&created)
		if err == sql.ErrNoRows {
			return nil, apperr.NotFound("incident template", t.ID)
		}
		if err != nil {
			return nil, err
		}
		t.CreatedAt, t.UpdatedAt = created.UTC(), now
		if _, err := tx.ExecContext(ctx, db.rebind("UPDATE incident_templates SET name = ?, doc = ?, updated_at = ? WHERE id = ? AND org_id = ?"),
			t.Name, jsonText(t), now, t.ID, t.OrgID); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("incident_template.update", "incident_template", t.ID, audit.OutcomeSuccess, "org="+t.OrgID+" name="+t.Name)}, nil
	})
}

// Templates returns the templates of an organisation by name.
func (db *DB) Templates(ctx context.Context, orgID string) ([]incident.Template, error) {
	out, err := collect(ctx, db.r, db.rebind("SELECT doc, created_at, updated_at FROM incident_templates WHERE org_id = ? ORDER BY name, id"), []any{orgID}, scanTemplate)
	return out, mapErr(err)
}

// Template returns template id.
func (db *DB) Template(ctx context.Context, id string) (*incident.Template, error) {
	t, err := scanTemplate(db.r.QueryRowContext(ctx, db.rebind("SELECT doc, created_at, updated_at FROM incident_templates WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("incident template", id)
	}
	if err != nil {
		return nil, mapErr(err)
	}
	return t, nil
}

// DeleteTemplate deletes template id of organisation orgID.
func (db *DB) DeleteTemplate(ctx context.Context, act audit.Actor, orgID, id string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("DELETE FROM incident_templates WHERE id = ? AND org_id = ?"), id, orgID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("incident template", id)
		}
		return []audit.Entry{act.Event("incident_template.delete", "incident_template", id, audit.OutcomeSuccess, "org="+orgID)}, nil
	})
}

// ---- settings ------------------------------------------------------------

// ReportingSettings returns an organisation's reporting settings; an
// organisation that stored none gets zero settings (not an error).
func (db *DB) ReportingSettings(ctx context.Context, orgID string) (*incident.Settings, error) {
	var doc string
	var updated time.Time
	err := db.r.QueryRowContext(ctx, db.rebind("SELECT doc, updated_at FROM reporting_settings WHERE org_id = ?"), orgID).Scan(&doc, &updated)
	if err == sql.ErrNoRows {
		return &incident.Settings{OrgID: orgID}, nil
	}
	if err != nil {
		return nil, mapErr(err)
	}
	var s incident.Settings
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return nil, err
	}
	s.OrgID, s.UpdatedAt = orgID, updated.UTC()
	return &s, nil
}

// PutReportingSettings stores an organisation's reporting settings,
// replacing what it had.
func (db *DB) PutReportingSettings(ctx context.Context, act audit.Actor, s *incident.Settings) error {
	if s.OrgID == "" {
		return apperr.Invalid("org_id", "is required")
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkOrgs(ctx, tx, "org_id", []string{s.OrgID}); err != nil {
			return nil, err
		}
		s.UpdatedAt = db.now()
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO reporting_settings (org_id, doc, updated_at) VALUES (?,?,?)
			ON CONFLICT (org_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`), s.OrgID, jsonText(s), s.UpdatedAt); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("reporting.settings", "org", s.OrgID, audit.OutcomeSuccess, settingsDetail(s))}, nil
	})
}

// settingsDetail describes settings for the audit trail: never the webhook
// secret (nor the webhook URL, which may carry a token).
func settingsDetail(s *incident.Settings) string {
	steps := make([]string, len(s.Flow.Steps))
	for i, k := range s.Flow.Steps {
		steps[i] = string(k)
	}
	d := "flow=" + s.Flow.Mode + ":" + strings.Join(steps, ",") + " regimes=" + strings.Join(s.Regimes, ",") +
		" custom=" + strconv.Itoa(len(s.Custom)) + " recipients=" + strconv.Itoa(len(s.Recipients)) + " remind_before_hours=" + strconv.Itoa(s.RemindBeforeHours)
	if s.WebhookURL != "" {
		d += " webhook=set"
	} else {
		d += " webhook=none"
	}
	return d
}

// ---- reminders -----------------------------------------------------------

const reminderKey = "incident_id = ? AND regime = ? AND stage = ? AND kind = ? AND due = ?"

func reminderKeyArgs(r *incident.Reminder) []any {
	return []any{r.IncidentID, r.Regime, r.Stage, r.Kind, r.Due}
}

// AddReminder records reminder r unless one with its key (incident,
// regime, stage, kind, due) exists; inserted reports whether it was new.
// CreatedAt is set to now.
func (db *DB) AddReminder(ctx context.Context, r *incident.Reminder) (inserted bool, err error) {
	r.Due = r.Due.UTC().Truncate(time.Microsecond)
	err = db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		now := db.now()
		res, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO incident_reminders (incident_id, regime, stage, kind, due, org_id, created_at, webhook)
			VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`), r.IncidentID, r.Regime, r.Stage, r.Kind, r.Due, r.OrgID, now, r.Webhook)
		if err != nil {
			return nil, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		inserted = n == 1
		if inserted {
			r.CreatedAt = now
		}
		return nil, nil
	})
	return inserted, err
}

// SetReminderWebhook records the outcome of sending reminder r to the
// organisation's webhook.
func (db *DB) SetReminderWebhook(ctx context.Context, r *incident.Reminder, status string) error {
	r.Due = r.Due.UTC().Truncate(time.Microsecond)
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE incident_reminders SET webhook = ? WHERE "+reminderKey), append([]any{status}, reminderKeyArgs(r)...)...)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("reminder", r.IncidentID+" "+r.Regime+"/"+r.Stage+" "+r.Kind)
		}
		return nil, nil
	})
	if err == nil {
		r.Webhook = status
	}
	return err
}

func scanReminder(r scanner) (*incident.Reminder, error) {
	var m incident.Reminder
	var dismissed sql.NullTime
	if err := r.Scan(&m.IncidentID, &m.Regime, &m.Stage, &m.Kind, &m.Due, &m.OrgID, &m.CreatedAt, &m.Webhook, &dismissed); err != nil {
		return nil, err
	}
	m.Due, m.CreatedAt, m.Dismissed = m.Due.UTC(), m.CreatedAt.UTC(), nullTime(dismissed)
	return &m, nil
}

// Reminders returns an organisation's reminders not dismissed, newest
// first (limit: default 100, at most 1000).
func (db *DB) Reminders(ctx context.Context, orgID string, limit int) ([]incident.Reminder, error) {
	limit = limitOr(limit, 100, 1000)
	out, err := collect(ctx, db.r, db.rebind(`SELECT incident_id, regime, stage, kind, due, org_id, created_at, webhook, dismissed_at FROM incident_reminders
		WHERE org_id = ? AND dismissed_at IS NULL ORDER BY created_at DESC, due DESC, incident_id, regime, stage, kind LIMIT ?`), []any{orgID, limit}, scanReminder)
	return out, mapErr(err)
}

// DismissReminder dismisses an organisation's reminder (dismissing it
// again changes nothing).
func (db *DB) DismissReminder(ctx context.Context, orgID string, r incident.Reminder) error {
	r.Due = r.Due.UTC().Truncate(time.Microsecond)
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE incident_reminders SET dismissed_at = ? WHERE org_id = ? AND dismissed_at IS NULL AND "+reminderKey),
			append([]any{db.now(), orgID}, reminderKeyArgs(&r)...)...)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil, nil
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM incident_reminders WHERE org_id = ? AND "+reminderKey), append([]any{orgID}, reminderKeyArgs(&r)...)...).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.NotFound("reminder", r.IncidentID+" "+r.Regime+"/"+r.Stage+" "+r.Kind)
		}
		return nil, nil
	})
}
