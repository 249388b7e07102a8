package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/marking"
	"sakimori/internal/share"
)

// ---- sharing groups ----------------------------------------------------------

const groupCols = "id, slug, kind, name_ja, name_en, description, owner_org, org_ids, user_ids, created_at, updated_at"

func scanGroup(r scanner) (*share.Group, error) {
	var g share.Group
	var kind, orgs, users string
	if err := r.Scan(&g.ID, &g.Slug, &kind, &g.Name.JA, &g.Name.EN, &g.Description, &g.OwnerOrgID, &orgs, &users, &g.CreatedAt, &g.UpdatedAt); err != nil {
		return nil, err
	}
	g.Kind = marking.GroupKind(kind)
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(orgs), &g.OrgIDs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(users), &g.UserIDs); err != nil {
		return nil, err
	}
	return &g, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("store: marshal: " + err.Error())
	}
	return string(b)
}

// checkIDs reports the first of ids (at field[i]) that is not the id of a
// row of table, which is orgs, users or sharing_groups ("what" names it in
// the message). It reads in chunks, not one query per id.
func (db *DB) checkIDs(ctx context.Context, tx *sql.Tx, table, what, field string, ids []string) error {
	found := make(map[string]bool, len(ids))
	err := inChunks(ids, func(args []any) error {
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT id FROM "+table+" WHERE id IN ("+placeholders(len(args))+")"), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			found[id] = true
		}
		return rows.Close()
	})
	if err != nil {
		return err
	}
	for i, id := range ids {
		if !found[id] {
			return apperr.Invalid(field+"["+strconv.Itoa(i)+"]", "no %s %q", what, id)
		}
	}
	return nil
}

func (db *DB) checkOrgs(ctx context.Context, tx *sql.Tx, field string, ids []string) error {
	return db.checkIDs(ctx, tx, "orgs", "organisation", field, ids)
}

func (db *DB) checkUsers(ctx context.Context, tx *sql.Tx, field string, ids []string) error {
	return db.checkIDs(ctx, tx, "users", "user", field, ids)
}

func (db *DB) checkGroups(ctx context.Context, tx *sql.Tx, field string, ids []string) error {
	return db.checkIDs(ctx, tx, "sharing_groups", "sharing group", field, ids)
}

// CreateGroup validates and stores a sharing group, setting its id and times.
func (db *DB) CreateGroup(ctx context.Context, act audit.Actor, g *share.Group) error {
	g.Normalize()
	if err := g.Validate(); err != nil {
		return err
	}
	g.ID = NewID()
	g.CreatedAt = db.now()
	g.UpdatedAt = g.CreatedAt
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkOrgs(ctx, tx, "org_ids", g.OrgIDs); err != nil {
			return nil, err
		}
		if err := db.checkUsers(ctx, tx, "user_ids", g.UserIDs); err != nil {
			return nil, err
		}
		if err := db.orgExists(ctx, tx, "owner_org_id", g.OwnerOrgID); err != nil {
			return nil, err
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO sharing_groups (`+groupCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`),
			g.ID, g.Slug, string(g.Kind), g.Name.JA, g.Name.EN, g.Description, g.OwnerOrgID, jsonText(g.OrgIDs), jsonText(g.UserIDs), g.CreatedAt, g.UpdatedAt)
		if err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("group.create", "sharing_group", g.ID, audit.OutcomeSuccess,
			g.Slug+" orgs="+strings.Join(g.OrgIDs, ",")+" users="+strings.Join(g.UserIDs, ","))}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("slug", "a sharing group with slug %q already exists", g.Slug)
	}
	return err
}

// UpdateGroup saves every field of g but id, owner and created_at.
func (db *DB) UpdateGroup(ctx context.Context, act audit.Actor, g *share.Group) error {
	g.Normalize()
	if err := g.Validate(); err != nil {
		return err
	}
	g.UpdatedAt = db.now()
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkOrgs(ctx, tx, "org_ids", g.OrgIDs); err != nil {
			return nil, err
		}
		if err := db.checkUsers(ctx, tx, "user_ids", g.UserIDs); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE sharing_groups SET slug = ?, kind = ?, name_ja = ?, name_en = ?,
			description = ?, org_ids = ?, user_ids = ?, updated_at = ? WHERE id = ?`),
			g.Slug, string(g.Kind), g.Name.JA, g.Name.EN, g.Description, jsonText(g.OrgIDs), jsonText(g.UserIDs), g.UpdatedAt, g.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("sharing group", g.ID)
		}
		return []audit.Entry{act.Event("group.update", "sharing_group", g.ID, audit.OutcomeSuccess,
			g.Slug+" orgs="+strings.Join(g.OrgIDs, ",")+" users="+strings.Join(g.UserIDs, ","))}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("slug", "a sharing group with slug %q already exists", g.Slug)
	}
	return err
}

// GetGroup returns the sharing group with id or slug ref.
func (db *DB) GetGroup(ctx context.Context, ref string) (*share.Group, error) {
	var g *share.Group
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		g, err = scanGroup(tx.QueryRowContext(ctx, db.rebind("SELECT "+groupCols+" FROM sharing_groups WHERE id = ? OR slug = ?"), ref, ref))
		return err
	})
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, apperr.NotFound("sharing group", ref)
	}
	return g, err
}

// ListGroups returns every sharing group, by slug.
func (db *DB) ListGroups(ctx context.Context) ([]share.Group, error) {
	var out []share.Group
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+groupCols+" FROM sharing_groups ORDER BY slug")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanGroup(rows)
			if err != nil {
				return err
			}
			out = append(out, *g)
		}
		return rows.Err()
	})
	return out, err
}

// ---- collections -----------------------------------------------------------

const collCols = "id, alias, title_ja, title_en, description, owner_org, tlp, share_groups, share_orgs, share_users, write_policy, created_at, updated_at"

func scanCollection(r scanner) (*share.Collection, error) {
	var c share.Collection
	var tlp int
	var g, o, u, wp string
	if err := r.Scan(&c.ID, &c.Alias, &c.Title.JA, &c.Title.EN, &c.Description, &c.OwnerOrgID, &tlp, &g, &o, &u, &wp, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.TLP, c.WritePolicy = marking.TLP(tlp), share.WritePolicy(wp)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	for _, p := range []struct {
		s string
		l *[]string
	}{{g, &c.Audience.Groups}, {o, &c.Audience.Orgs}, {u, &c.Audience.Users}} {
		if err := json.Unmarshal([]byte(p.s), p.l); err != nil {
			return nil, err
		}
	}
	return &c, nil
}

func (db *DB) checkAudience(ctx context.Context, tx *sql.Tx, c *share.Collection) error {
	if err := db.orgExists(ctx, tx, "owner_org_id", c.OwnerOrgID); err != nil {
		return err
	}
	if err := db.checkGroups(ctx, tx, "audience.groups", c.Audience.Groups); err != nil {
		return err
	}
	if err := db.checkOrgs(ctx, tx, "audience.orgs", c.Audience.Orgs); err != nil {
		return err
	}
	return db.checkUsers(ctx, tx, "audience.users", c.Audience.Users)
}

func audienceDetail(c *share.Collection) string {
	return c.Alias + " tlp=" + c.TLP.Name() + " write=" + string(c.WritePolicy) + " groups=" + strings.Join(c.Audience.Groups, ",") +
		" orgs=" + strings.Join(c.Audience.Orgs, ",") + " users=" + strings.Join(c.Audience.Users, ",")
}

// CreateCollection validates and stores c. An empty c.ID gets a new UUID.
func (db *DB) CreateCollection(ctx context.Context, act audit.Actor, c *share.Collection) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	if c.ID == "" {
		c.ID = NewID()
	}
	c.CreatedAt = db.now()
	c.UpdatedAt = c.CreatedAt
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkAudience(ctx, tx, c); err != nil {
			return nil, err
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO collections (`+collCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`),
			c.ID, c.Alias, c.Title.JA, c.Title.EN, c.Description, c.OwnerOrgID, int(c.TLP), jsonText(c.Audience.Groups),
			jsonText(c.Audience.Orgs), jsonText(c.Audience.Users), string(c.WritePolicy), c.CreatedAt, c.UpdatedAt)
		if err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("collection.create", "collection", c.ID, audit.OutcomeSuccess, audienceDetail(c))}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("alias", "a collection with alias %q already exists", c.Alias)
	}
	return err
}

// UpdateCollection saves every field of c but id, owner and created_at.
func (db *DB) UpdateCollection(ctx context.Context, act audit.Actor, c *share.Collection) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	c.UpdatedAt = db.now()
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkAudience(ctx, tx, c); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE collections SET alias = ?, title_ja = ?, title_en = ?, description = ?,
			tlp = ?, share_groups = ?, share_orgs = ?, share_users = ?, write_policy = ?, updated_at = ? WHERE id = ?`),
			c.Alias, c.Title.JA, c.Title.EN, c.Description, int(c.TLP), jsonText(c.Audience.Groups), jsonText(c.Audience.Orgs),
			jsonText(c.Audience.Users), string(c.WritePolicy), c.UpdatedAt, c.ID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("collection", c.ID)
		}
		return []audit.Entry{act.Event("collection.update", "collection", c.ID, audit.OutcomeSuccess, audienceDetail(c))}, nil
	})
	if apperr.CodeOf(err) == apperr.CodeConflict {
		return apperr.Conflict("alias", "a collection with alias %q already exists", c.Alias)
	}
	return err
}

// GetCollection returns the collection with id or alias ref.
func (db *DB) GetCollection(ctx context.Context, ref string) (*share.Collection, error) {
	var c *share.Collection
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanCollection(tx.QueryRowContext(ctx, db.rebind("SELECT "+collCols+" FROM collections WHERE id = ? OR alias = ?"), ref, ref))
		return err
	})
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, apperr.NotFound("collection", ref)
	}
	return c, err
}

// ListCollections returns every collection, by alias.
func (db *DB) ListCollections(ctx context.Context) ([]share.Collection, error) {
	var out []share.Collection
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+collCols+" FROM collections ORDER BY alias")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCollection(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	return out, err
}

// microTime converts unix microseconds to a UTC time.
func microTime(us int64) time.Time { return time.UnixMicro(us).UTC() }
