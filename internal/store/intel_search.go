package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"sakimori/internal/marking"
	"sakimori/internal/share"
)

// SearchFilter narrows an ObjectQuery for the dashboard's and the API's
// search: labels, confidence, producer, and time ranges. The zero value
// adds nothing.
type SearchFilter struct {
	// TLPs keeps the versions under one of these labels (empty: any).
	TLPs []marking.TLP
	// MinConfidence keeps versions with a confidence of at least this
	// (nil: any, with or without a confidence).
	MinConfidence *int
	// Owners, when not nil, keeps versions produced by these
	// organisations (an empty, non-nil list keeps nothing).
	Owners []string
	// HiddenOwnerTypes, with Owners, keeps versions of these types only when
	// the viewer ViewerOrg produced them: the producer of such objects
	// (anonymous sightings) is not disclosed to others, so a filter on the
	// producer must not select them.
	HiddenOwnerTypes []string
	ViewerOrg        string
	// AddedFrom/AddedTo bound date_added: [from, to). Zero: unbounded.
	AddedFrom, AddedTo time.Time
	// ModifiedFrom/ModifiedTo bound the version (the object's modified
	// time): [from, to). Zero: unbounded.
	ModifiedFrom, ModifiedTo time.Time
}

func (f *SearchFilter) where(where string, args []any) (string, []any) {
	var w []string
	if len(f.TLPs) > 0 {
		w = append(w, "tlp IN ("+placeholders(len(f.TLPs))+")")
		for _, t := range f.TLPs {
			args = append(args, int(t))
		}
	}
	if f.MinConfidence != nil {
		w, args = append(w, "confidence >= ?"), append(args, *f.MinConfidence)
	}
	if f.Owners != nil {
		if len(f.Owners) == 0 {
			w = append(w, "1 = 0")
		} else {
			w = append(w, "owner_org IN ("+placeholders(len(f.Owners))+")")
			for _, o := range f.Owners {
				args = append(args, o)
			}
			if len(f.HiddenOwnerTypes) > 0 {
				w = append(w, "(type NOT IN ("+placeholders(len(f.HiddenOwnerTypes))+") OR owner_org = ?)")
				for _, t := range f.HiddenOwnerTypes {
					args = append(args, t)
				}
				args = append(args, f.ViewerOrg)
			}
		}
	}
	if !f.AddedFrom.IsZero() {
		w, args = append(w, "date_added >= ?"), append(args, f.AddedFrom.UnixMicro())
	}
	if !f.AddedTo.IsZero() {
		w, args = append(w, "date_added < ?"), append(args, f.AddedTo.UnixMicro())
	}
	if !f.ModifiedFrom.IsZero() {
		w, args = append(w, "version >= ?"), append(args, f.ModifiedFrom.UnixNano())
	}
	if !f.ModifiedTo.IsZero() {
		w, args = append(w, "version < ?"), append(args, f.ModifiedTo.UnixNano())
	}
	if len(w) == 0 {
		return where, args
	}
	return where + " AND " + strings.Join(w, " AND "), args
}

// SearchObjects is QueryObjects narrowed by f.
func (db *DB) SearchObjects(ctx context.Context, q ObjectQuery, f SearchFilter) ([]share.Record, bool, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 10000 {
		limit = 10000
	}
	where, args := db.objectWhere(&q)
	where, args = f.where(where, args)
	cols := recordCols
	if q.WithRaw {
		cols += ", raw"
	}
	order := "ASC"
	if q.Descending {
		order = "DESC"
	}
	sqlq := "SELECT " + cols + " FROM stix_objects WHERE " + where + " ORDER BY date_added " + order + " LIMIT ?"
	args = append(args, limit+1)
	out := make([]share.Record, 0, min(limit, 256))
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(sqlq), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			rec, err := scanRecord(rows, q.WithRaw)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// ReferencingObjects returns the latest versions of the relationship and
// sighting objects within q's scopes whose JSON mentions id (the caller
// confirms which property refers to it), newest first, at most limit.
func (db *DB) ReferencingObjects(ctx context.Context, q ObjectQuery, id string, limit int) ([]share.Record, error) {
	q.Types = []string{"relationship", "sighting"}
	q.Versions = share.VersionMatch{Last: true}
	q.Descending, q.WithRaw, q.Limit = true, true, limit
	q.Text, q.AtomValues, q.IDs = "", nil, nil
	where, args := db.objectWhere(&q)
	where += ` AND raw LIKE ? ESCAPE '\'`
	args = append(args, `%"`+likeEscape(id)+`"%`, limit)
	var out []share.Record
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT "+recordCols+", raw FROM stix_objects WHERE "+where+" ORDER BY date_added DESC LIMIT ?"), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			rec, err := scanRecord(rows, true)
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return rows.Err()
	})
	return out, err
}
