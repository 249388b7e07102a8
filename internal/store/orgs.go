package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/org"
)

const orgCols = "id, slug, kind, sector, name_ja, name_en, contact, created_at, updated_at"

func scanOrg(r scanner) (*org.Organisation, error) {
	var o org.Organisation
	var kind, sector string
	var contact []byte
	if err := r.Scan(&o.ID, &o.Slug, &kind, &sector, &o.Name.JA, &o.Name.EN, &contact, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	o.Kind, o.Sector = org.Kind(kind), org.Sector(sector)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	if err := json.Unmarshal(contact, &o.Contact); err != nil {
		return nil, err
	}
	return &o, nil
}

// CreateOrg validates and inserts o, setting its id and timestamps.
func (db *DB) CreateOrg(ctx context.Context, act audit.Actor, o *org.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.ID = NewID()
	o.CreatedAt = db.now()
	o.UpdatedAt = o.CreatedAt
	contact, _ := json.Marshal(o.Contact)
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO orgs (`+orgCols+`) VALUES (?,?,?,?,?,?,?,?,?)`),
			o.ID, o.Slug, string(o.Kind), string(o.Sector), o.Name.JA, o.Name.EN, string(contact), o.CreatedAt, o.UpdatedAt)
		if err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("org.create", "org", o.ID, audit.OutcomeSuccess, o.Slug)}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("slug", "an organisation with slug %q already exists", o.Slug)
	}
	return err
}

// UpdateOrg validates and saves o (every field but id and created_at).
func (db *DB) UpdateOrg(ctx context.Context, act audit.Actor, o *org.Organisation) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.UpdatedAt = db.now()
	contact, _ := json.Marshal(o.Contact)
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE orgs SET slug = ?, kind = ?, sector = ?, name_ja = ?,
			name_en = ?, contact = ?, updated_at = ? WHERE id = ?`),
			o.Slug, string(o.Kind), string(o.Sector), o.Name.JA, o.Name.EN, string(contact), o.UpdatedAt, o.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("organisation", o.ID)
		}
		return []audit.Entry{act.Event("org.update", "org", o.ID, audit.OutcomeSuccess, o.Slug)}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("slug", "an organisation with slug %q already exists", o.Slug)
	}
	return err
}

// GetOrg returns the organisation with id or slug ref.
func (db *DB) GetOrg(ctx context.Context, ref string) (*org.Organisation, error) {
	var o *org.Organisation
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		o, err = scanOrg(tx.QueryRowContext(ctx, db.rebind("SELECT "+orgCols+" FROM orgs WHERE id = ? OR slug = ?"), ref, ref))
		return err
	})
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, apperr.NotFound("organisation", ref)
	}
	return o, err
}

// OrgFilter selects organisations. After is the keyset cursor (an id).
type OrgFilter struct {
	Kind   org.Kind
	Sector org.Sector
	Query  string // substring of slug or either name
	After  string
	Limit  int
}

// ListOrgs returns a page of organisations in creation order and the cursor
// for the next page ("" when there is none).
func (db *DB) ListOrgs(ctx context.Context, f OrgFilter) ([]org.Organisation, string, error) {
	limit := clampLimit(f.Limit)
	var where []string
	var args []any
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, string(f.Kind))
	}
	if f.Sector != "" {
		where, args = append(where, "sector = ?"), append(args, string(f.Sector))
	}
	if f.Query != "" {
		// Case-insensitive for Latin letters on both dialects (SQLite's LIKE
		// ignores ASCII case, PostgreSQL's does not); the Japanese name is
		// also matched as given, since SQLite's LOWER only knows ASCII.
		like := "%" + strings.ToLower(likeEscape(f.Query)) + "%"
		where = append(where, `(LOWER(slug) LIKE ? ESCAPE '\' OR LOWER(name_en) LIKE ? ESCAPE '\' OR name_ja LIKE ? ESCAPE '\' OR LOWER(name_ja) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, "%"+likeEscape(f.Query)+"%", like)
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	q := "SELECT " + orgCols + " FROM orgs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, limit+1)
	var out []org.Organisation
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrg(rows)
			if err != nil {
				return err
			}
			out = append(out, *o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// AddLink records that l.SupplierID supplies l.CustomerID.
func (db *DB) AddLink(ctx context.Context, act audit.Actor, l *org.Link) error {
	if err := l.Validate(); err != nil {
		return err
	}
	l.CreatedAt = db.now()
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		for _, id := range []struct{ field, id string }{{"supplier_id", l.SupplierID}, {"customer_id", l.CustomerID}} {
			var n int
			if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM orgs WHERE id = ?"), id.id).Scan(&n); err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, apperr.Invalid(id.field, "no organisation %q", id.id)
			}
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO org_links (supplier_id, customer_id, description, created_at,
			requested_by, confirmed_at) VALUES (?,?,?,?,?,?)`),
			l.SupplierID, l.CustomerID, l.Description, l.CreatedAt, l.RequestedBy, timeArg(l.ConfirmedAt))
		if err != nil {
			return nil, err
		}
		detail := l.Description
		if l.ConfirmedAt == nil {
			detail = "pending confirmation; " + detail
		}
		return []audit.Entry{act.Event("link.add", "org_link", l.SupplierID+">"+l.CustomerID, audit.OutcomeSuccess, detail)}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("customer_id", "this supply-chain link already exists")
	}
	return err
}

// ConfirmLink records that the other end agreed to a pending link.
func (db *DB) ConfirmLink(ctx context.Context, act audit.Actor, supplierID, customerID string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE org_links SET confirmed_at = COALESCE(confirmed_at, ?)
			WHERE supplier_id = ? AND customer_id = ?`), db.now(), supplierID, customerID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("supply-chain link", supplierID+">"+customerID)
		}
		return []audit.Entry{act.Event("link.confirm", "org_link", supplierID+">"+customerID, audit.OutcomeSuccess, "")}, nil
	})
}

// RemoveLink deletes a supply-chain link.
func (db *DB) RemoveLink(ctx context.Context, act audit.Actor, supplierID, customerID string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("DELETE FROM org_links WHERE supplier_id = ? AND customer_id = ?"), supplierID, customerID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("supply-chain link", supplierID+">"+customerID)
		}
		return []audit.Entry{act.Event("link.remove", "org_link", supplierID+">"+customerID, audit.OutcomeSuccess, "")}, nil
	})
}

// ListLinks returns every link in which orgID is supplier or customer.
func (db *DB) ListLinks(ctx context.Context, orgID string) ([]org.Link, error) {
	var out []org.Link
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(`SELECT supplier_id, customer_id, description, created_at, requested_by, confirmed_at FROM org_links
			WHERE supplier_id = ? OR customer_id = ? ORDER BY created_at, supplier_id, customer_id`), orgID, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l org.Link
			var conf sql.NullTime
			if err := rows.Scan(&l.SupplierID, &l.CustomerID, &l.Description, &l.CreatedAt, &l.RequestedBy, &conf); err != nil {
				return err
			}
			l.ConfirmedAt = nullTime(conf)
			l.CreatedAt = l.CreatedAt.UTC()
			out = append(out, l)
		}
		return rows.Err()
	})
	return out, err
}

// LinkedOrgIDs returns the ids of organisations linked to orgID either way
// by confirmed links.
func (db *DB) LinkedOrgIDs(ctx context.Context, orgID string) ([]string, error) {
	links, err := db.ListLinks(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(links))
	for _, l := range links {
		if !l.Confirmed() {
			continue // a proposal by one side reveals nothing
		}
		if l.SupplierID == orgID {
			ids = append(ids, l.CustomerID)
		} else {
			ids = append(ids, l.SupplierID)
		}
	}
	return ids, nil
}
