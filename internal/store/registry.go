package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/registry"
)

// The critical-computer registry: the current state of each computer in
// computers, every notified version in computer_notifications.

const computerCols = "doc, version, notified_at, created_at"

func scanComputer(r scanner) (*registry.Computer, error) {
	var doc string
	var version int
	var notified, created time.Time
	if err := r.Scan(&doc, &version, &notified, &created); err != nil {
		return nil, err
	}
	var c registry.Computer
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return nil, err
	}
	c.Version, c.NotifiedAt, c.CreatedAt = version, notified.UTC(), created.UTC()
	return &c, nil
}

// sameNotification reports whether two states notify the same facts (the
// bookkeeping fields aside).
func sameNotification(a, b registry.Computer) bool {
	for _, c := range []*registry.Computer{&a, &b} {
		c.ID, c.Version, c.NotifiedAt, c.NotifiedBy, c.ChangeNote, c.CreatedAt = "", 0, time.Time{}, "", "", time.Time{}
	}
	return reflect.DeepEqual(a, b)
}

// Notified is the outcome of one computer of NotifyComputers.
type Notified struct {
	Changed  bool
	Previous *registry.Computer // the state before, for a new version
	Err      error              // the computer was not taken (invalid, conflict)
}

// NotifyComputers records notifications of computers in one transaction:
// for each, a new computer when no computer of its organisation has its
// Ref, otherwise a new version of it when anything notified changed
// (unchanged: Changed is false and nothing is written); each gets its id,
// version and times. A computer that is
// invalid or conflicts is reported in its Notified.Err and the others are
// kept; err is for failures of the whole batch. generation is the
// registry's generation after the batch (RegistryGeneration): a batch that
// changed anything bumps it by exactly one, so a caller holding an index
// of generation-1 may apply the batch to it instead of reloading.
func (db *DB) NotifyComputers(ctx context.Context, act audit.Actor, cs []*registry.Computer) (_ []Notified, generation int64, _ error) {
	out := make([]Notified, len(cs))
	invalid := make([]bool, len(cs))
	for i, c := range cs {
		c.Normalize()
		out[i].Err = c.Validate()
		invalid[i] = out[i].Err != nil
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		var entries []audit.Entry
		for i, c := range cs {
			if invalid[i] {
				continue
			}
			out[i] = Notified{}
			changed, prev, err := db.notifyOne(ctx, tx, act, c)
			if err != nil {
				if code := apperr.CodeOf(err); code == apperr.CodeInvalid || code == apperr.CodeConflict || code == apperr.CodeNotFound {
					out[i].Err = err
					continue
				}
				return nil, err
			}
			out[i].Changed, out[i].Previous = changed, prev
			if changed {
				detail := "ref=" + c.Ref + " version=" + strconv.Itoa(c.Version) + " product=" + c.Vendor + " " + c.Product + " " + c.ProductVersion
				if c.Retired {
					detail += " retired"
				}
				entries = append(entries, act.Event("registry.notify", "computer", c.ID, audit.OutcomeSuccess, detail))
			}
		}
		if len(entries) > 0 {
			if _, err := tx.ExecContext(ctx, "UPDATE registry_clock SET generation = generation + 1 WHERE id = 1"); err != nil {
				return nil, err
			}
		}
		return entries, tx.QueryRowContext(ctx, "SELECT generation FROM registry_clock WHERE id = 1").Scan(&generation)
	})
	return out, generation, err
}

func (db *DB) notifyOne(ctx context.Context, tx *sql.Tx, act audit.Actor, c *registry.Computer) (bool, *registry.Computer, error) {
	if err := db.checkOrgs(ctx, tx, "org_id", []string{c.OrgID}); err != nil {
		return false, nil, err
	}
	cur, err := scanComputer(tx.QueryRowContext(ctx, db.rebind("SELECT "+computerCols+" FROM computers WHERE org_id = ? AND ref = ?"), c.OrgID, c.Ref))
	switch {
	case err == sql.ErrNoRows:
		cur = nil
	case err != nil:
		return false, nil, err
	}
	now := db.now()
	if cur != nil {
		if c.ID != "" && c.ID != cur.ID {
			return false, nil, apperr.Conflict("ref", "another computer of the organisation has ref %q", c.Ref)
		}
		if sameNotification(*c, *cur) {
			*c = *cur
			return false, nil, nil
		}
		c.ID, c.Version, c.CreatedAt = cur.ID, cur.Version+1, cur.CreatedAt
	} else if c.ID != "" {
		// An update that changed the ref: find the computer by id.
		prev, err := scanComputer(tx.QueryRowContext(ctx, db.rebind("SELECT "+computerCols+" FROM computers WHERE id = ? AND org_id = ?"), c.ID, c.OrgID))
		if err == sql.ErrNoRows {
			return false, nil, apperr.NotFound("computer", c.ID)
		}
		if err != nil {
			return false, nil, err
		}
		cur = prev
		c.Version, c.CreatedAt = prev.Version+1, prev.CreatedAt
	} else {
		c.ID, c.Version, c.CreatedAt = NewID(), 1, now
	}
	c.NotifiedAt = now
	c.NotifiedBy = act.UserID
	doc := jsonText(c)
	args := []any{c.Ref, c.Version, c.Name, string(c.Function), c.Vendor, c.Product, c.ProductVersion, c.InternetFacing, c.Excluded, c.Retired, doc, c.NotifiedAt}
	if c.Version == 1 {
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO computers (ref, version, name, function, vendor, product, product_version, internet_facing, excluded, retired, doc, notified_at, id, org_id, created_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`), append(args, c.ID, c.OrgID, c.CreatedAt)...)
	} else {
		_, err = tx.ExecContext(ctx, db.rebind(`UPDATE computers SET ref = ?, version = ?, name = ?, function = ?, vendor = ?, product = ?, product_version = ?,
			internet_facing = ?, excluded = ?, retired = ?, doc = ?, notified_at = ? WHERE id = ? AND org_id = ?`), append(args, c.ID, c.OrgID)...)
	}
	if err != nil {
		return false, nil, err
	}
	if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO computer_notifications (computer_id, version, notified_at, notified_by, change_note, doc) VALUES (?,?,?,?,?,?)"),
		c.ID, c.Version, c.NotifiedAt, c.NotifiedBy, c.ChangeNote, doc); err != nil {
		return false, nil, err
	}
	return true, cur, nil
}

// GetComputer returns computer id.
func (db *DB) GetComputer(ctx context.Context, id string) (*registry.Computer, error) {
	c, err := scanComputer(db.r.QueryRowContext(ctx, db.rebind("SELECT "+computerCols+" FROM computers WHERE id = ?"), id))
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, apperr.NotFound("computer", id)
		}
		return nil, mapErr(err)
	}
	return c, nil
}

// ComputerQuery selects computers.
type ComputerQuery struct {
	OrgID    string // "" = every organisation
	Function registry.Function
	Ref      string // exactly this ref
	Text     string // in name, ref, vendor, product, version
	Retired  bool   // include retired computers
	Limit    int
	Offset   int
}

// ListComputers returns computers in organisation and name order, and the
// total that match.
func (db *DB) ListComputers(ctx context.Context, q ComputerQuery) ([]registry.Computer, int, error) {
	var where []string
	var args []any
	if q.OrgID != "" {
		where, args = append(where, "org_id = ?"), append(args, q.OrgID)
	}
	if q.Function != "" {
		where, args = append(where, "function = ?"), append(args, string(q.Function))
	}
	if q.Ref != "" {
		where, args = append(where, "ref = ?"), append(args, q.Ref)
	}
	if !q.Retired {
		where = append(where, "retired = "+db.boolLit(false))
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		like := "%" + likeEscape(strings.ToLower(t)) + "%"
		where = append(where, `(LOWER(name) LIKE ? ESCAPE '\' OR LOWER(ref) LIKE ? ESCAPE '\' OR LOWER(vendor) LIKE ? ESCAPE '\' OR LOWER(product) LIKE ? ESCAPE '\' OR LOWER(product_version) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like, like, like)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	var out []registry.Computer
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM computers"+w), args...).Scan(&total); err != nil {
			return err
		}
		limit := q.Limit
		if limit <= 0 {
			limit = 100
		}
		var err error
		out, err = collect(ctx, tx, db.rebind("SELECT "+computerCols+" FROM computers"+w+" ORDER BY org_id, name, id LIMIT ? OFFSET ?"), append(args, limit, q.Offset), scanComputer)
		return err
	})
	return out, total, err
}

// ComputerNotifications returns every notified version of a computer,
// newest first.
func (db *DB) ComputerNotifications(ctx context.Context, id string) ([]registry.Notification, error) {
	rows, err := db.r.QueryContext(ctx, db.rebind("SELECT version, notified_at, notified_by, change_note, doc FROM computer_notifications WHERE computer_id = ? ORDER BY version DESC"), id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []registry.Notification
	for rows.Next() {
		n := registry.Notification{ComputerID: id}
		var doc string
		if err := rows.Scan(&n.Version, &n.NotifiedAt, &n.NotifiedBy, &n.ChangeNote, &doc); err != nil {
			return nil, mapErr(err)
		}
		if err := json.Unmarshal([]byte(doc), &n.Computer); err != nil {
			return nil, err
		}
		n.NotifiedAt = n.NotifiedAt.UTC()
		n.Computer.Version, n.Computer.NotifiedAt = n.Version, n.NotifiedAt
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, apperr.NotFound("computer", id)
	}
	return out, mapErr(rows.Err())
}

// RegistryGeneration counts registry changes; it changes whenever any
// computer does.
func (db *DB) RegistryGeneration(ctx context.Context) (int64, error) {
	var g int64
	err := db.r.QueryRowContext(ctx, "SELECT generation FROM registry_clock WHERE id = 1").Scan(&g)
	return g, mapErr(err)
}

// MatchableComputers calls fn for every computer in service and not
// excluded, with the registry generation they were read at.
func (db *DB) MatchableComputers(ctx context.Context, fn func(*registry.Computer) error) (int64, error) {
	var gen int64
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT generation FROM registry_clock WHERE id = 1").Scan(&gen); err != nil {
			return err
		}
		f := db.boolLit(false)
		return eachRow(ctx, tx, "SELECT "+computerCols+" FROM computers WHERE retired = "+f+" AND excluded = "+f, nil, scanComputer, fn)
	})
	return gen, err
}

// boolLit is the dialect's literal for b.
func (db *DB) boolLit(b bool) string {
	if db.dialect == Postgres {
		return strconv.FormatBool(b)
	}
	if b {
		return "1"
	}
	return "0"
}
