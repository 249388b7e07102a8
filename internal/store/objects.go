package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
)

// NewObject is one version of a STIX object to store, already validated and
// classified by the intel service.
type NewObject struct {
	StixID, Type, SpecVersion string
	// Version is the object's modified (else created) timestamp; zero for
	// objects without either (most cyber-observables), which are versioned
	// by the time they were added and never change.
	Version     time.Time
	VersionText string
	OwnerOrg    string
	AddedBy     string
	Source      string
	TLP         marking.TLP
	Revoked     bool
	ValidUntil  *time.Time
	Confidence  *int
	Name        string
	Flags       []share.Flag
	Raw         []byte
	Atoms       []Atom
}

// Atom is a matchable value of an indicator (see stix/pattern.Atom).
type Atom struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Stored is the outcome of one NewObject.
type Stored struct {
	Outcome     string // share.Outcome*
	Message     string
	VersionText string
	DateAdded   time.Time
}

type idState struct {
	owner         string
	versions      map[int64]bool
	latest, first int64
}

type pendingRow struct {
	o          *NewObject
	version    int64
	vtext      string
	dateAdded  int64
	latest     bool
	first      bool
	resultSlot int
}

type flagChange struct {
	stixID  string
	version int64
	col     string
}

// StoreObjects stores a batch of versions in collection collID in one
// transaction with one audit entry. A version already there is a duplicate;
// a new version of an id owned by another organisation is rejected. Each
// new version gets a date_added strictly after every earlier one in the
// store. When job is not nil its counters and item lists (already updated
// by the caller with this batch's outcomes, see share.Job) are saved in the
// same transaction, so a resumed job never counts a batch twice: the caller
// passes a function that folds the outcomes into the job.
func (db *DB) StoreObjects(ctx context.Context, act audit.Actor, collID string, objs []NewObject, job *share.Job, fold func([]Stored)) ([]Stored, error) {
	out := make([]Stored, len(objs))
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		for i := range out {
			out[i] = Stored{}
		}
		var last int64
		q := "SELECT last_added FROM intel_clock WHERE id = 1"
		if db.dialect == Postgres {
			q += " FOR UPDATE"
		}
		if err := tx.QueryRowContext(ctx, q).Scan(&last); err != nil {
			return nil, err
		}
		states, err := db.idStates(ctx, tx, collID, objs)
		if err != nil {
			return nil, err
		}
		now := db.now().UnixMicro()
		var rows []pendingRow
		pendingIdx := map[string]int{} // id + "@" + version -> index in rows
		var changes []flagChange
		unset := func(id string, v int64, col string) {
			if i, ok := pendingIdx[id+"@"+strconv.FormatInt(v, 10)]; ok {
				if col == "is_latest" {
					rows[i].latest = false
				} else {
					rows[i].first = false
				}
				return
			}
			changes = append(changes, flagChange{id, v, col})
		}
		counts := map[string]int{}
		for i := range objs {
			o := &objs[i]
			st := states[o.StixID]
			if st != nil && st.owner != o.OwnerOrg {
				out[i] = Stored{Outcome: share.OutcomeRejected, Message: "the object belongs to another organisation: only its owner adds versions"}
				counts[share.OutcomeRejected]++
				continue
			}
			var v int64
			vtext := o.VersionText
			if o.Version.IsZero() {
				if st != nil {
					out[i] = Stored{Outcome: share.OutcomeDuplicate, Message: "already in the collection (objects without modified or created never change)", VersionText: vtext}
					counts[share.OutcomeDuplicate]++
					continue
				}
			} else {
				v = o.Version.UnixNano()
				if st != nil && st.versions[v] {
					out[i] = Stored{Outcome: share.OutcomeDuplicate, Message: "this version is already in the collection", VersionText: vtext}
					counts[share.OutcomeDuplicate]++
					continue
				}
			}
			added := now
			if added <= last {
				added = last + 1
			}
			last = added
			if o.Version.IsZero() {
				v = added * 1000
				vtext = formatTAXIITime(microTime(added))
			}
			r := pendingRow{o: o, version: v, vtext: vtext, dateAdded: added, latest: true, first: true, resultSlot: i}
			outcome := share.OutcomeAccepted
			if st == nil {
				st = &idState{owner: o.OwnerOrg, versions: map[int64]bool{}, latest: v, first: v}
				states[o.StixID] = st
			} else {
				outcome = share.OutcomeUpdated
				if v > st.latest {
					unset(o.StixID, st.latest, "is_latest")
					st.latest = v
				} else {
					r.latest = false
				}
				if v < st.first {
					unset(o.StixID, st.first, "is_first")
					st.first = v
				} else {
					r.first = false
				}
			}
			st.versions[v] = true
			pendingIdx[o.StixID+"@"+strconv.FormatInt(v, 10)] = len(rows)
			rows = append(rows, r)
			out[i] = Stored{Outcome: outcome, VersionText: vtext, DateAdded: microTime(added)}
			counts[outcome]++
		}
		if err := db.insertRows(ctx, tx, collID, rows); err != nil {
			return nil, err
		}
		for _, c := range changes {
			if _, err := tx.ExecContext(ctx, db.rebind("UPDATE stix_objects SET "+c.col+" = ? WHERE collection_id = ? AND stix_id = ? AND version = ?"),
				false, collID, c.stixID, c.version); err != nil {
				return nil, err
			}
		}
		if len(rows) > 0 {
			if _, err := tx.ExecContext(ctx, db.rebind("UPDATE intel_clock SET last_added = ? WHERE id = 1"), last); err != nil {
				return nil, err
			}
		}
		if job != nil {
			if fold != nil {
				fold(out)
			}
			if err := db.saveJob(ctx, tx, job, false); err != nil {
				return nil, err
			}
		}
		src := ""
		if len(objs) > 0 {
			src = objs[0].Source
		}
		detail := "accepted=" + strconv.Itoa(counts[share.OutcomeAccepted]) + " updated=" + strconv.Itoa(counts[share.OutcomeUpdated]) +
			" duplicate=" + strconv.Itoa(counts[share.OutcomeDuplicate]) + " rejected=" + strconv.Itoa(counts[share.OutcomeRejected]) + " source=" + src
		if job != nil {
			detail += " job=" + job.ID
		}
		return []audit.Entry{act.Event("intel.ingest", "collection", collID, audit.OutcomeSuccess, detail)}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) idStates(ctx context.Context, tx *sql.Tx, collID string, objs []NewObject) (map[string]*idState, error) {
	states := map[string]*idState{}
	seen := map[string]bool{}
	var ids []string
	for i := range objs {
		if !seen[objs[i].StixID] {
			seen[objs[i].StixID] = true
			ids = append(ids, objs[i].StixID)
		}
	}
	err := inChunks(ids, func(part []any) error {
		args := append([]any{collID}, part...)
		q := "SELECT collection_id, stix_id, version, owner_org, is_latest, is_first FROM stix_objects WHERE collection_id = ? AND stix_id IN (" + placeholders(len(part)) + ")"
		if db.dialect == Postgres {
			// By id alone (the stix_objects_id index), the collection
			// filtered below: with "collection_id = ?" PostgreSQL picks the
			// collection's index whenever its statistics are stale or absent
			// (a bulk ingest into a new store) and reads the whole
			// collection for every batch.
			q = "SELECT collection_id, stix_id, version, owner_org, is_latest, is_first FROM stix_objects WHERE stix_id IN (" + placeholders(len(part)) + ")"
			args = args[1:]
		}
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var coll, id, owner string
			var v int64
			var latest, first bool
			if err := rows.Scan(&coll, &id, &v, &owner, &latest, &first); err != nil {
				rows.Close()
				return err
			}
			if coll != collID {
				continue
			}
			st := states[id]
			if st == nil {
				st = &idState{owner: owner, versions: map[int64]bool{}, latest: v, first: v}
				states[id] = st
			}
			st.versions[v] = true
			if v > st.latest {
				st.latest = v
			}
			if v < st.first {
				st.first = v
			}
		}
		return rows.Close()
	})
	if err != nil {
		return nil, err
	}
	return states, nil
}

// inChunks calls fn with ids in parts of at most 500, as query arguments,
// for statements of the form "... IN (" + placeholders(len(part)) + ")".
func inChunks(ids []string, fn func(part []any) error) error {
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		hi := min(lo+chunk, len(ids))
		part := make([]any, hi-lo)
		for i, id := range ids[lo:hi] {
			part[i] = id
		}
		if err := fn(part); err != nil {
			return err
		}
	}
	return nil
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

const objInsertCols = "collection_id, stix_id, type, spec_version, version, version_text, date_added, is_latest, is_first, owner_org, added_by, source, tlp, revoked, valid_until, confidence, name, flags, raw, families"

// Observable families of atoms, as stix_objects.families holds them (a bit
// set; migration 0015): what the indicators chart counts.
var familyBits = map[string]int{"ipv4": 1, "cidr4": 1, "ipv6": 2, "cidr6": 2, "domain": 4, "url": 8, "email": 16}

// familyHash is the bit of every other kind (the hashes).
const familyHash = 32

// familyNames are the families' chart keys, bit by bit.
var familyNames = [...]string{"ipv4", "ipv6", "domain", "url", "email", "hash"}

// AtomFamilies returns the bit set of the observable families of atoms, as
// stix_objects.families holds it (for seeds that write rows with plain SQL).
func AtomFamilies(atoms []Atom) int {
	f := 0
	for _, a := range atoms {
		if b, ok := familyBits[a.Kind]; ok {
			f |= b
		} else {
			f |= familyHash
		}
	}
	return f
}

// Rows per multi-row INSERT: 20 * 500 and 3 * 1000 parameters are well
// under both databases' limits (SQLite 32766, PostgreSQL 65535). The full-
// size statement is prepared once per batch and reused.
const (
	objInsertChunk  = 500
	atomInsertChunk = 1000
)

func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, collID string, rows []pendingRow) error {
	const chunk = objInsertChunk
	byAdded := make(map[int64]int, len(rows))
	pks := make([]int64, len(rows))
	objStmt := func(n int) string {
		var b strings.Builder
		b.Grow(len(objInsertCols) + 64 + n*40)
		b.WriteString("INSERT INTO stix_objects (" + objInsertCols + ") VALUES ")
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
		}
		b.WriteString(" RETURNING pk, date_added")
		return db.rebind(b.String())
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, min(chunk, len(rows))*20)
	for lo := 0; lo < len(rows); lo += chunk {
		hi := min(lo+chunk, len(rows))
		args = args[:0]
		for i := lo; i < hi; i++ {
			r := &rows[i]
			o := r.o
			var vu, conf any
			if o.ValidUntil != nil {
				vu = o.ValidUntil.UnixNano()
			}
			if o.Confidence != nil {
				conf = *o.Confidence
			}
			flags := "[]"
			if len(o.Flags) > 0 {
				flags = jsonText(o.Flags)
			}
			args = append(args, collID, o.StixID, o.Type, o.SpecVersion, r.version, r.vtext, r.dateAdded, r.latest, r.first,
				o.OwnerOrg, o.AddedBy, o.Source, int(o.TLP), o.Revoked, vu, conf, o.Name, flags, string(o.Raw), AtomFamilies(o.Atoms))
			byAdded[r.dateAdded] = i
		}
		var res *sql.Rows
		var err error
		if hi-lo == chunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, objStmt(chunk)); err != nil {
					return err
				}
			}
			res, err = full.QueryContext(ctx, args...)
		} else {
			res, err = tx.QueryContext(ctx, objStmt(hi-lo), args...)
		}
		if err != nil {
			return err
		}
		for res.Next() {
			var pk, added int64
			if err := res.Scan(&pk, &added); err != nil {
				res.Close()
				return err
			}
			pks[byAdded[added]] = pk
		}
		if err := res.Close(); err != nil {
			return err
		}
	}
	// Atoms, in multi-row inserts as well.
	atomStmt := func(n int) string {
		return db.rebind("INSERT INTO stix_atoms (object_pk, kind, value) VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?),", n), ","))
	}
	var fullAtoms *sql.Stmt
	defer func() {
		if fullAtoms != nil {
			fullAtoms.Close()
		}
	}()
	args = args[:0]
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		var err error
		if n == atomInsertChunk {
			if fullAtoms == nil {
				if fullAtoms, err = tx.PrepareContext(ctx, atomStmt(n)); err != nil {
					return err
				}
			}
			_, err = fullAtoms.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, atomStmt(n), args...)
		}
		args, n = args[:0], 0
		return err
	}
	// In value order: the atoms' index is keyed by value, and inserting in
	// key order touches each index page once per batch.
	type atomRow struct {
		pk          int64
		kind, value string
	}
	var atoms []atomRow
	for i := range rows {
		for _, a := range rows[i].o.Atoms {
			atoms = append(atoms, atomRow{pks[i], a.Kind, a.Value})
		}
	}
	slices.SortFunc(atoms, func(a, b atomRow) int { return strings.Compare(a.value, b.value) })
	for _, a := range atoms {
		args = append(args, a.pk, a.kind, a.value)
		if n++; n == atomInsertChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// formatTAXIITime formats t as TAXII and STIX timestamps are written: UTC,
// RFC 3339, with microseconds.
func formatTAXIITime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// ---- reads -----------------------------------------------------------------

// CollectionScope is what one viewer may read in one collection: the TLP
// labels it receives from other organisations there (its own objects it
// always sees, see ObjectQuery.OwnerOrg).
type CollectionScope struct {
	CollectionID string
	Allowed      []marking.TLP
}

// ObjectQuery selects versions. Entitlement: a version is returned when its
// collection is in Scopes with its TLP in Allowed, or when OwnerOrg (if set)
// owns it. The service confirms every row with marking.Entitled as well.
type ObjectQuery struct {
	Scopes   []CollectionScope
	OwnerOrg string

	AddedAfter   time.Time // exclusive
	After        int64     // keyset cursor: date_added (us), exclusive, in the query's order
	IDs          []string
	Types        []string
	SpecVersions []string
	Versions     share.VersionMatch // zero: last
	// Text matches an atom value exactly (any of AtomValues), the id, or a
	// substring of the name (case-insensitive for ASCII).
	Text       string
	AtomValues []string
	Flagged    *bool
	Revoked    *bool
	Descending bool
	Limit      int
	WithRaw    bool
}

const recordCols = "collection_id, stix_id, type, spec_version, version, version_text, date_added, is_latest, is_first, owner_org, added_by, source, tlp, revoked, valid_until, confidence, name, flags"

func scanRecord(r scanner, withRaw bool) (share.Record, error) {
	var rec share.Record
	var v, added int64
	var tlp int
	var vu, conf sql.NullInt64
	var flags string
	dest := []any{&rec.CollectionID, &rec.ID, &rec.Type, &rec.SpecVersion, &v, &rec.VersionText, &added, &rec.Latest, &rec.First,
		&rec.OwnerOrgID, &rec.AddedBy, &rec.Source, &tlp, &rec.Revoked, &vu, &conf, &rec.Name, &flags}
	var raw string
	if withRaw {
		dest = append(dest, &raw)
	}
	if err := r.Scan(dest...); err != nil {
		return rec, err
	}
	rec.Version = time.Unix(0, v).UTC()
	rec.DateAdded = microTime(added)
	rec.TLP = marking.TLP(tlp)
	if vu.Valid {
		t := time.Unix(0, vu.Int64).UTC()
		rec.ValidUntil = &t
	}
	if conf.Valid {
		c := int(conf.Int64)
		rec.Confidence = &c
	}
	if flags != "" && flags != "[]" {
		if err := json.Unmarshal([]byte(flags), &rec.Flags); err != nil {
			return rec, err
		}
	}
	if withRaw {
		rec.Raw = json.RawMessage(raw)
	}
	return rec, nil
}

func (db *DB) objectWhere(q *ObjectQuery) (string, []any) {
	var where []string
	var args []any
	if len(q.Scopes) == 1 && len(q.IDs) == 0 && len(q.AtomValues) == 0 && q.Text == "" {
		// Every entitlement term below requires this collection; saying so
		// at the top level lets the planner walk one collection's index in
		// date_added order (SQLite without statistics otherwise collects
		// and sorts every row after the cursor: a page of a 1M-object
		// collection took seconds). The rows selected are the same. Not
		// with ids or text, where an index on stix_id or the atoms serves
		// better.
		where, args = append(where, "collection_id = ?"), append(args, q.Scopes[0].CollectionID)
	} else if len(q.IDs) > 0 && len(q.Scopes) > 0 {
		// Lookups by id: every term below is within the scopes'
		// collections, so naming them lets the planner use the unique
		// (collection_id, stix_id, version) index for each.
		where = append(where, "collection_id IN ("+placeholders(len(q.Scopes))+")")
		for _, s := range q.Scopes {
			args = append(args, s.CollectionID)
		}
	}
	// Entitlement.
	var ent []string
	for _, s := range q.Scopes {
		if len(s.Allowed) == 0 {
			continue
		}
		ent = append(ent, "(collection_id = ? AND tlp IN ("+placeholders(len(s.Allowed))+"))")
		args = append(args, s.CollectionID)
		for _, t := range s.Allowed {
			args = append(args, int(t))
		}
	}
	if q.OwnerOrg != "" {
		ownerCond := "owner_org = ?"
		args = append(args, q.OwnerOrg)
		if len(q.Scopes) > 0 {
			// Own objects, but only in the collections asked about.
			ids := make([]string, len(q.Scopes))
			for i, s := range q.Scopes {
				ids[i] = s.CollectionID
				args = append(args, s.CollectionID)
			}
			ownerCond = "(owner_org = ? AND collection_id IN (" + placeholders(len(ids)) + "))"
		}
		ent = append(ent, ownerCond)
	}
	if len(ent) == 0 {
		return "1 = 0", nil
	}
	where = append(where, "("+strings.Join(ent, " OR ")+")")
	if !q.AddedAfter.IsZero() {
		where, args = append(where, "date_added > ?"), append(args, q.AddedAfter.UnixMicro())
	}
	if q.After > 0 {
		if q.Descending {
			where = append(where, "date_added < ?")
		} else {
			where = append(where, "date_added > ?")
		}
		args = append(args, q.After)
	}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+placeholders(len(vals))+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("stix_id", q.IDs)
	in("type", q.Types)
	in("spec_version", q.SpecVersions)
	vm := q.Versions
	if !vm.All {
		var vc []string
		if vm.Last || (!vm.First && len(vm.Times) == 0) {
			vc, args = append(vc, "is_latest = ?"), append(args, true)
		}
		if vm.First {
			vc, args = append(vc, "is_first = ?"), append(args, true)
		}
		if len(vm.Times) > 0 {
			vc = append(vc, "version IN ("+placeholders(len(vm.Times))+")")
			for _, t := range vm.Times {
				args = append(args, t.UnixNano())
			}
		}
		where = append(where, "("+strings.Join(vc, " OR ")+")")
	}
	if q.Text != "" || len(q.AtomValues) > 0 {
		var tc []string
		if len(q.AtomValues) > 0 {
			tc = append(tc, "pk IN (SELECT object_pk FROM stix_atoms WHERE value IN ("+placeholders(len(q.AtomValues))+"))")
			for _, v := range q.AtomValues {
				args = append(args, v)
			}
		}
		if q.Text != "" {
			tc = append(tc, "stix_id = ?", `LOWER(name) LIKE ? ESCAPE '\'`)
			args = append(args, q.Text, "%"+strings.ToLower(likeEscape(q.Text))+"%")
		}
		where = append(where, "("+strings.Join(tc, " OR ")+")")
	}
	if q.Flagged != nil {
		if *q.Flagged {
			where = append(where, "flags <> '[]'")
		} else {
			where = append(where, "flags = '[]'")
		}
	}
	if q.Revoked != nil {
		where, args = append(where, "revoked = ?"), append(args, *q.Revoked)
	}
	return strings.Join(where, " AND "), args
}

// QueryObjects returns up to q.Limit versions (1..10000, default 100) in
// date_added order, and whether more match.
func (db *DB) QueryObjects(ctx context.Context, q ObjectQuery) ([]share.Record, bool, error) {
	return db.SearchObjects(ctx, q, SearchFilter{})
}

// CountObjects counts the versions q selects (Limit and After ignored).
func (db *DB) CountObjects(ctx context.Context, q ObjectQuery) (int, error) {
	q.After = 0
	where, args := db.objectWhere(&q)
	var n int
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM stix_objects WHERE "+where), args...).Scan(&n)
	})
	return n, err
}

// DeleteObjects deletes the versions of stixID in collID that vm and
// specVersions select, leaves a tombstone for each, and fixes the first and
// latest marks of what remains. If owner is not empty, every selected
// version must belong to that organisation. It returns the tombstones.
func (db *DB) DeleteObjects(ctx context.Context, act audit.Actor, collID, stixID string, vm share.VersionMatch, specVersions []string, owner string) ([]share.Tombstone, error) {
	return db.deleteObjects(ctx, act, collID, stixID, vm, specVersions, owner, "")
}

// DeleteObjectsFromSource is DeleteObjects restricted to the versions that
// came from source (e.g. "feed:NAME") and belong to owner: other versions
// are left alone rather than refused. NotFound when none is selected.
func (db *DB) DeleteObjectsFromSource(ctx context.Context, act audit.Actor, collID, stixID string, vm share.VersionMatch, source, owner string) ([]share.Tombstone, error) {
	if source == "" || owner == "" {
		return nil, apperr.Invalid("source", "a source and an owner are required")
	}
	return db.deleteObjects(ctx, act, collID, stixID, vm, nil, owner, source)
}

func (db *DB) deleteObjects(ctx context.Context, act audit.Actor, collID, stixID string, vm share.VersionMatch, specVersions []string, owner, source string) ([]share.Tombstone, error) {
	var out []share.Tombstone
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		out = out[:0]
		q := ObjectQuery{Scopes: []CollectionScope{{CollectionID: collID, Allowed: marking.TLPs}}, IDs: []string{stixID},
			Versions: vm, SpecVersions: specVersions, Limit: 10000}
		where, args := db.objectWhere(&q)
		if source != "" {
			where, args = where+" AND source = ? AND owner_org = ?", append(args, source, owner)
		}
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT pk, version, version_text, owner_org, tlp FROM stix_objects WHERE "+where), args...)
		if err != nil {
			return nil, err
		}
		type victim struct {
			pk, version  int64
			vtext, owner string
			tlp          int
		}
		var vs []victim
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.pk, &v.version, &v.vtext, &v.owner, &v.tlp); err != nil {
				rows.Close()
				return nil, err
			}
			vs = append(vs, v)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			return nil, apperr.NotFound("object", stixID)
		}
		now := db.now()
		for _, v := range vs {
			if owner != "" && v.owner != owner {
				return nil, apperr.Forbidden("only the organisation that owns %s deletes it", stixID)
			}
			if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM stix_atoms WHERE object_pk = ?"), v.pk); err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM stix_objects WHERE pk = ?"), v.pk); err != nil {
				return nil, err
			}
			var seq int64
			if err := tx.QueryRowContext(ctx, db.rebind(`INSERT INTO stix_deletions (collection_id, stix_id, version, version_text, owner_org, tlp, deleted_at, deleted_by)
				VALUES (?,?,?,?,?,?,?,?) RETURNING seq`), collID, stixID, v.version, v.vtext, v.owner, v.tlp, now.UnixMicro(), act.Name).Scan(&seq); err != nil {
				return nil, err
			}
			out = append(out, share.Tombstone{Seq: seq, CollectionID: collID, ID: stixID, VersionText: v.vtext, TLP: marking.TLP(v.tlp),
				OwnerOrgID: v.owner, DeletedAt: now, DeletedBy: act.Name})
		}
		// Re-mark first and latest among the remaining versions.
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE stix_objects SET
			is_latest = (version = (SELECT MAX(version) FROM stix_objects o2 WHERE o2.collection_id = stix_objects.collection_id AND o2.stix_id = stix_objects.stix_id)),
			is_first = (version = (SELECT MIN(version) FROM stix_objects o2 WHERE o2.collection_id = stix_objects.collection_id AND o2.stix_id = stix_objects.stix_id))
			WHERE collection_id = ? AND stix_id = ?`), collID, stixID); err != nil {
			return nil, err
		}
		versions := make([]string, len(out))
		for i, t := range out {
			versions[i] = t.VersionText
		}
		return []audit.Entry{act.Event("intel.delete", "stix_object", stixID, audit.OutcomeSuccess,
			"collection="+collID+" versions="+strings.Join(versions, ","))}, nil
	})
	return out, err
}

// ListTombstones returns deletions in the given collections after seq, oldest first.
func (db *DB) ListTombstones(ctx context.Context, collIDs []string, after int64, limit int) ([]share.Tombstone, error) {
	if len(collIDs) == 0 {
		return nil, nil
	}
	limit = clampLimit(limit)
	args := []any{after}
	for _, c := range collIDs {
		args = append(args, c)
	}
	args = append(args, limit)
	var out []share.Tombstone
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(`SELECT seq, collection_id, stix_id, version_text, owner_org, tlp, deleted_at, deleted_by
			FROM stix_deletions WHERE seq > ? AND collection_id IN (`+placeholders(len(collIDs))+`) ORDER BY seq LIMIT ?`), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t share.Tombstone
			var tlp int
			var at int64
			if err := rows.Scan(&t.Seq, &t.CollectionID, &t.ID, &t.VersionText, &t.OwnerOrgID, &tlp, &at, &t.DeletedBy); err != nil {
				return err
			}
			t.TLP, t.DeletedAt = marking.TLP(tlp), microTime(at)
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// ---- ingest jobs -------------------------------------------------------------

const jobCols = "id, collection_id, user_id, org_id, kind, source, status, total, accepted, updated, duplicates, rejected, successes, failures, created_at, updated_at"

func scanJob(r scanner, extra ...any) (*share.Job, error) {
	var j share.Job
	var succ, fail string
	dest := append([]any{&j.ID, &j.CollectionID, &j.UserID, &j.OrgID, &j.Kind, &j.Source, &j.Status, &j.Total, &j.Accepted, &j.Updated,
		&j.Duplicates, &j.Rejected, &succ, &fail, &j.CreatedAt, &j.UpdatedAt}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(succ), &j.Successes); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fail), &j.Failures); err != nil {
		return nil, err
	}
	return &j, nil
}

// CreateJob stores a new job with its payload (kept until it completes).
func (db *DB) CreateJob(ctx context.Context, act audit.Actor, j *share.Job, payload []byte) error {
	if j.ID == "" {
		j.ID = NewID()
	}
	j.CreatedAt = db.now()
	j.UpdatedAt = j.CreatedAt
	if j.Successes == nil {
		j.Successes = []share.Item{}
	}
	if j.Failures == nil {
		j.Failures = []share.Item{}
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO ingest_jobs (`+jobCols+`, payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
			j.ID, j.CollectionID, j.UserID, j.OrgID, j.Kind, j.Source, j.Status, j.Total, j.Accepted, j.Updated, j.Duplicates, j.Rejected,
			jsonText(j.Successes), jsonText(j.Failures), j.CreatedAt, j.UpdatedAt, payload)
		if err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("intel.job", "ingest_job", j.ID, audit.OutcomeSuccess,
			"collection="+j.CollectionID+" kind="+j.Kind+" total="+strconv.Itoa(j.Total)+" source="+j.Source)}, nil
	})
}

func (db *DB) saveJob(ctx context.Context, tx *sql.Tx, j *share.Job, dropPayload bool) error {
	j.UpdatedAt = db.now()
	q := `UPDATE ingest_jobs SET status = ?, total = ?, accepted = ?, updated = ?, duplicates = ?, rejected = ?,
		successes = ?, failures = ?, updated_at = ?`
	if dropPayload {
		q += ", payload = NULL"
	}
	_, err := tx.ExecContext(ctx, db.rebind(q+" WHERE id = ?"), j.Status, j.Total, j.Accepted, j.Updated, j.Duplicates, j.Rejected,
		jsonText(j.Successes), jsonText(j.Failures), j.UpdatedAt, j.ID)
	return err
}

// SaveJob saves a job's status and counters; a complete job drops its payload.
func (db *DB) SaveJob(ctx context.Context, j *share.Job) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return db.saveJob(ctx, tx, j, j.Status == share.JobComplete) })
}

// GetJob returns a job.
func (db *DB) GetJob(ctx context.Context, id string) (*share.Job, error) {
	var j *share.Job
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanJob(tx.QueryRowContext(ctx, db.rebind("SELECT "+jobCols+" FROM ingest_jobs WHERE id = ?"), id))
		return err
	})
	if apperr.CodeOf(err) == apperr.CodeNotFound {
		return nil, apperr.NotFound("status", id)
	}
	return j, err
}

// PendingJobs returns the jobs not complete, oldest first, with payloads.
func (db *DB) PendingJobs(ctx context.Context) ([]*share.Job, [][]byte, error) {
	var jobs []*share.Job
	var payloads [][]byte
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT "+jobCols+", payload FROM ingest_jobs WHERE status = ? ORDER BY created_at"), share.JobPending)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p []byte
			j, err := scanJob(rows, &p)
			if err != nil {
				return err
			}
			jobs, payloads = append(jobs, j), append(payloads, p)
		}
		return rows.Err()
	})
	return jobs, payloads, err
}

// ListJobs returns an organisation's newest jobs ("" for all).
func (db *DB) ListJobs(ctx context.Context, orgID string, limit int) ([]share.Job, error) {
	limit = clampLimit(limit)
	q := "SELECT " + jobCols + " FROM ingest_jobs"
	var args []any
	if orgID != "" {
		q += " WHERE org_id = ?"
		args = append(args, orgID)
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT ?"
	args = append(args, limit)
	var out []share.Job
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, *j)
		}
		return rows.Err()
	})
	return out, err
}

// ---- sightings -----------------------------------------------------------------

// AddSighting stores a sighting, setting its id and creation time.
func (db *DB) AddSighting(ctx context.Context, act audit.Actor, s *share.Sighting) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.ID = NewID()
	s.CreatedAt = db.now()
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO sightings (id, stix_id, reporter_org, reporter_user, anonymous, sector, count,
			first_seen, last_seen, false_positive, note, sighting_ref, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`),
			s.ID, s.StixID, s.ReporterOrgID, s.ReporterUser, s.Anonymous, string(s.Sector), s.Count, s.FirstSeen.UTC(), s.LastSeen.UTC(),
			s.FalsePositive, s.Note, s.SightingRef, s.CreatedAt)
		if err != nil {
			return nil, err
		}
		kind := "sighting"
		if s.FalsePositive {
			kind = "false_positive"
		}
		return []audit.Entry{act.Event("intel.sighting", "stix_object", s.StixID, audit.OutcomeSuccess,
			kind+" count="+strconv.Itoa(s.Count)+" anonymous="+strconv.FormatBool(s.Anonymous))}, nil
	})
}

// ListSightings returns every sighting of stixID, newest first.
func (db *DB) ListSightings(ctx context.Context, stixID string) ([]share.Sighting, error) {
	m, err := db.SightingsOf(ctx, []string{stixID})
	return m[stixID], err
}

// SightingsOf returns the sightings of each of ids (newest first), in one
// query per 500 ids.
func (db *DB) SightingsOf(ctx context.Context, ids []string) (map[string][]share.Sighting, error) {
	out := map[string][]share.Sighting{}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		for lo := 0; lo < len(ids); lo += 500 {
			part := ids[lo:min(lo+500, len(ids))]
			args := make([]any, len(part))
			for i, id := range part {
				args[i] = id
			}
			rows, err := tx.QueryContext(ctx, db.rebind(`SELECT id, stix_id, reporter_org, reporter_user, anonymous, sector, count, first_seen,
				last_seen, false_positive, note, sighting_ref, created_at FROM sightings WHERE stix_id IN (`+placeholders(len(part))+`)
				ORDER BY created_at DESC, id DESC`), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var s share.Sighting
				var sector string
				if err := rows.Scan(&s.ID, &s.StixID, &s.ReporterOrgID, &s.ReporterUser, &s.Anonymous, &sector, &s.Count, &s.FirstSeen,
					&s.LastSeen, &s.FalsePositive, &s.Note, &s.SightingRef, &s.CreatedAt); err != nil {
					rows.Close()
					return err
				}
				s.Sector = org.Sector(sector)
				s.FirstSeen, s.LastSeen, s.CreatedAt = s.FirstSeen.UTC(), s.LastSeen.UTC(), s.CreatedAt.UTC()
				out[s.StixID] = append(out[s.StixID], s)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// ---- warninglists and overrides ---------------------------------------------

// StoredList is a warninglist as kept in the store.
type StoredList struct {
	Name     string
	Body     []byte
	Enabled  bool
	LoadedAt time.Time
}

// PutWarninglist stores (or replaces) a warninglist's JSON.
func (db *DB) PutWarninglist(ctx context.Context, act audit.Actor, name string, body []byte, enabled bool) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		now := db.now()
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE warninglists SET body = ?, loaded_at = ? WHERE name = ?"), string(body), now, name)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO warninglists (name, body, enabled, loaded_at) VALUES (?,?,?,?)"),
				name, string(body), enabled, now); err != nil {
				return nil, err
			}
		}
		return []audit.Entry{act.Event("warninglist.load", "warninglist", name, audit.OutcomeSuccess, strconv.Itoa(len(body))+" bytes")}, nil
	})
}

// SetWarninglistEnabled turns a stored warninglist on or off.
func (db *DB) SetWarninglistEnabled(ctx context.Context, act audit.Actor, name string, on bool) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE warninglists SET enabled = ? WHERE name = ?"), on, name)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("warninglist", name)
		}
		return []audit.Entry{act.Event("warninglist.enable", "warninglist", name, audit.OutcomeSuccess, "enabled="+strconv.FormatBool(on))}, nil
	})
}

// DeleteWarninglist removes a stored warninglist.
func (db *DB) DeleteWarninglist(ctx context.Context, act audit.Actor, name string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("DELETE FROM warninglists WHERE name = ?"), name)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("warninglist", name)
		}
		return []audit.Entry{act.Event("warninglist.delete", "warninglist", name, audit.OutcomeSuccess, "")}, nil
	})
}

// ListWarninglists returns the stored warninglists by name.
func (db *DB) ListWarninglists(ctx context.Context) ([]StoredList, error) {
	var out []StoredList
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT name, body, enabled, loaded_at FROM warninglists ORDER BY name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l StoredList
			var body string
			if err := rows.Scan(&l.Name, &body, &l.Enabled, &l.LoadedAt); err != nil {
				return err
			}
			l.Body, l.LoadedAt = []byte(body), l.LoadedAt.UTC()
			out = append(out, l)
		}
		return rows.Err()
	})
	return out, err
}

// PutOverride records that stixID may be exported despite warninglist hits.
func (db *DB) PutOverride(ctx context.Context, act audit.Actor, o *share.Override) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o.Reason = strings.TrimSpace(o.Reason)
	o.CreatedAt = db.now()
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM warninglist_overrides WHERE stix_id = ?"), o.StixID); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO warninglist_overrides (stix_id, user_id, org_id, reason, created_at) VALUES (?,?,?,?,?)"),
			o.StixID, o.UserID, o.OrgID, o.Reason, o.CreatedAt); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("warninglist.override", "stix_object", o.StixID, audit.OutcomeSuccess, o.Reason)}, nil
	})
}

// DeleteOverride withdraws an override.
func (db *DB) DeleteOverride(ctx context.Context, act audit.Actor, stixID string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("DELETE FROM warninglist_overrides WHERE stix_id = ?"), stixID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("override", stixID)
		}
		return []audit.Entry{act.Event("warninglist.override_withdraw", "stix_object", stixID, audit.OutcomeSuccess, "")}, nil
	})
}

// Overrides returns the overrides among ids.
func (db *DB) Overrides(ctx context.Context, ids []string) (map[string]share.Override, error) {
	out := map[string]share.Override{}
	if len(ids) == 0 {
		return out, nil
	}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		return inChunks(ids, func(args []any) error {
			rows, err := tx.QueryContext(ctx, db.rebind("SELECT stix_id, user_id, org_id, reason, created_at FROM warninglist_overrides WHERE stix_id IN ("+
				placeholders(len(args))+")"), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var o share.Override
				if err := rows.Scan(&o.StixID, &o.UserID, &o.OrgID, &o.Reason, &o.CreatedAt); err != nil {
					rows.Close()
					return err
				}
				o.CreatedAt = o.CreatedAt.UTC()
				out[o.StixID] = o
			}
			return rows.Close()
		})
	})
	return out, err
}
