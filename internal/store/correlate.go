package store

// Correlation (issue #7, docs/correlation.md): observations of values by
// organisations, per-value counts of distinct organisations, and the
// correlation clusters built from them. Correlation is counted per value,
// never pairwise: a batch touches the rows of its own values and of the
// clusters they belong to, whatever the size of the store.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
)

// Cluster statuses.
const (
	ClusterOpen      = "open"
	ClusterConfirmed = "confirmed"
	ClusterDismissed = "dismissed"
	ClusterMerged    = "merged"
)

// Cap reasons (corr_values.cap_reason); a warninglist hit is
// "warninglist:<name>".
const (
	CapTooManyOrgs = "too_many_orgs"
	CapManual      = "manual"
)

// CorrValue is one value of an observation batch.
type CorrValue struct {
	Kind, Value string
	// Warninglist names an enabled warninglist the value is on ("": none);
	// such a value is capped.
	Warninglist string
}

// CorrBatch is what one organisation contributed through one source (a
// report, a sighting, a shared object).
type CorrBatch struct {
	OrgID, Sector         string
	SourceKind, SourceRef string // report | sighting | object, and the incident or STIX id
	First, Last           time.Time
	// Replace drops the source's earlier observations first (a report
	// submitted again replaces what its earlier submission contributed).
	Replace bool
	Values  []CorrValue
}

// CorrParams are the correlation engine's rules, decided by the
// correlation service.
type CorrParams struct {
	Window time.Duration // two organisations' observations correlate when both fall within it
	Cap    int           // a value seen by more organisations than this is capped
	// Weak reports whether a kind is weak (ATT&CK techniques): weak values
	// alone need two of them to form a cluster and never merge clusters.
	Weak func(kind string) bool
	// Score computes a cluster's strength from its statistics.
	Score func(ClusterStats) int
	// Title names a new cluster after its first values.
	Title func(vals []CorrValue) string
}

// ClusterStats are the inputs of a cluster's strength.
type ClusterStats struct {
	Orgs       int       // involved organisations
	Strong     int       // uncapped strong evidence values
	Weak       int       // uncapped weak evidence values
	Capped     int       // capped evidence values (not counted)
	Categories int       // distinct categories among the uncapped evidence (indicator, cve, malware, technique)
	LastSeen   time.Time // latest observation of the evidence by an involved organisation
	Now        time.Time
	Window     time.Duration
}

// Cluster is a correlation cluster.
type Cluster struct {
	ID         string    `json:"id"`
	Ref        string    `json:"ref"`
	Title      string    `json:"title"`
	Status     string    `json:"status"`
	MergedInto string    `json:"merged_into,omitempty"`
	Strength   int       `json:"strength"`
	Orgs       int       `json:"orgs"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ClusterValue is one value of a cluster's evidence.
type ClusterValue struct {
	Kind      string    `json:"kind"`
	Value     string    `json:"value"`
	Orgs      int       `json:"orgs"` // distinct organisations that observed it (all time)
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Capped    bool      `json:"capped"`
	CapReason string    `json:"cap_reason,omitempty"`
	// Joins: the value belongs to this cluster (strong values and the weak
	// values that joined with them); false for evidence that only came
	// along (capped values, weak values of another cluster).
	Joins bool `json:"joins"`
}

// ClusterOrg is an organisation a cluster involves (government only).
type ClusterOrg struct {
	OrgID     string    `json:"org_id"`
	Sector    string    `json:"sector"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// ClusterChange is what a correlation did to one cluster.
type ClusterChange struct {
	Cluster Cluster
	Created bool
	Merged  []string // ids of the clusters merged into this one
}

// ClusterFilter selects clusters for ListClusters.
type ClusterFilter struct {
	Status      string // "" : all but merged
	MinStrength int
	Since       time.Time // last_seen at or after
	OrgID       string    // involving this organisation
	Limit       int
}

const clusterCols = "id, ref, title, status, merged_into, strength, orgs, first_seen, last_seen, note, created_at, updated_at"

func scanCluster(r scanner) (*Cluster, error) {
	var c Cluster
	if err := r.Scan(&c.ID, &c.Ref, &c.Title, &c.Status, &c.MergedInto, &c.Strength, &c.Orgs, &c.FirstSeen, &c.LastSeen,
		&c.Note, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.FirstSeen, c.LastSeen, c.CreatedAt, c.UpdatedAt = c.FirstSeen.UTC(), c.LastSeen.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

type kv struct{ kind, value string }

// corrLock serialises correlation across server nodes on PostgreSQL (on
// SQLite the write transaction already does), and turns JIT compilation
// off for the transaction: its queries are small index probes whose
// estimated costs can pass jit_above_cost, and compiling took 40 ms a
// query against 10M observations.
func (db *DB) corrLock(ctx context.Context, tx *sql.Tx) error {
	if db.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "SET LOCAL jit = off"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(727275)")
	return err
}

// pairsIn returns the condition selecting the (kind, value) pairs, its
// arguments and the set of pairs (callers drop rows of other pairs). On
// PostgreSQL a row list, "(kind, value) IN ((?,?),...)", which the planner
// turns into one index probe per pair whatever its statistics (a
// row-value IN (VALUES ...) hash-joined a sequential scan, and
// "kind IN ... AND value IN ..." scanned a whole kind while the tables
// had no statistics yet). SQLite has no row lists: "kind IN (...) AND
// value IN (...)", both leading the primary keys, probes the index.
func (db *DB) pairsIn(prefix string, ps []kv) (string, []any, map[kv]bool) {
	set := make(map[kv]bool, len(ps))
	for _, p := range ps {
		set[p] = true
	}
	if db.dialect == Postgres {
		args := make([]any, 0, 2*len(ps))
		for _, p := range ps {
			args = append(args, p.kind, p.value)
		}
		return "(" + prefix + "kind, " + prefix + "value) IN (" + strings.TrimSuffix(strings.Repeat("(?,?),", len(ps)), ",") + ")", args, set
	}
	var kinds, values []string
	for _, p := range ps {
		if !slices.Contains(kinds, p.kind) {
			kinds = append(kinds, p.kind)
		}
		values = append(values, p.value)
	}
	slices.Sort(values)
	values = slices.Compact(values)
	args := make([]any, 0, len(kinds)+len(values))
	for _, k := range kinds {
		args = append(args, k)
	}
	for _, v := range values {
		args = append(args, v)
	}
	return prefix + "kind IN (" + placeholders(len(kinds)) + ") AND " + prefix + "value IN (" + placeholders(len(values)) + ")", args, set
}

const corrChunk = 400

func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

// Correlate records batches of observations (each one organisation's
// contribution through one source) and creates, extends or merges
// clusters accordingly, all in one transaction.
func (db *DB) Correlate(ctx context.Context, bs []*CorrBatch, prm CorrParams) ([]ClusterChange, error) {
	for _, b := range bs {
		if b.OrgID == "" || b.SourceKind == "" || b.SourceRef == "" {
			return nil, apperr.Invalid("batch", "an observation batch needs an organisation and a source")
		}
	}
	if len(bs) == 0 {
		return nil, nil
	}
	var changes []ClusterChange
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.corrLock(ctx, tx); err != nil {
			return err
		}
		now := db.now()
		type obsKey struct{ kind, value, org, sk, sr string }
		type obsRow struct {
			sector      string
			first, last time.Time
		}
		rows := map[obsKey]*obsRow{}
		var order []obsKey
		var touched []kv
		inTouched := map[kv]bool{}
		touch := func(k kv) {
			if !inTouched[k] {
				inTouched[k] = true
				touched = append(touched, k)
			}
		}
		warn := map[kv]string{}
		batchVals := make([][]CorrValue, len(bs))
		for i, b := range bs {
			first, last := b.First.UTC(), b.Last.UTC()
			if last.IsZero() || last.After(now) {
				last = now
			}
			if first.IsZero() || first.After(last) {
				first = last
			}
			if b.Replace {
				old, err := db.sourceValues(ctx, tx, b.SourceKind, b.SourceRef)
				if err != nil {
					return err
				}
				if len(old) > 0 {
					if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM corr_observations WHERE source_kind = ? AND source_ref = ?"), b.SourceKind, b.SourceRef); err != nil {
						return err
					}
				}
				for _, k := range old {
					touch(k)
				}
			}
			seen := map[kv]bool{}
			for _, v := range b.Values {
				k := kv{v.Kind, v.Value}
				if v.Value == "" || v.Kind == "" || seen[k] {
					continue
				}
				seen[k] = true
				batchVals[i] = append(batchVals[i], v)
				if v.Warninglist != "" {
					warn[k] = v.Warninglist
				}
				touch(k)
				ok := obsKey{v.Kind, v.Value, b.OrgID, b.SourceKind, b.SourceRef}
				if r := rows[ok]; r != nil {
					if first.Before(r.first) {
						r.first = first
					}
					if last.After(r.last) {
						r.last = last
					}
					continue
				}
				rows[ok] = &obsRow{b.Sector, first, last}
				order = append(order, ok)
			}
		}
		for _, part := range chunks(order, corrChunk) {
			q := "INSERT INTO corr_observations (kind, value, org_id, sector, source_kind, source_ref, first_seen, last_seen, count) VALUES " +
				strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,1),", len(part)), ",") +
				` ON CONFLICT (kind, value, org_id, source_kind, source_ref) DO UPDATE SET
				  first_seen = CASE WHEN excluded.first_seen < corr_observations.first_seen THEN excluded.first_seen ELSE corr_observations.first_seen END,
				  last_seen = CASE WHEN excluded.last_seen > corr_observations.last_seen THEN excluded.last_seen ELSE corr_observations.last_seen END,
				  count = corr_observations.count + 1, sector = excluded.sector`
			args := make([]any, 0, 8*len(part))
			for _, k := range part {
				r := rows[k]
				args = append(args, k.kind, k.value, k.org, r.sector, k.sk, k.sr, r.first, r.last)
			}
			if _, err := tx.ExecContext(ctx, db.rebind(q), args...); err != nil {
				return err
			}
		}
		st, err := db.refreshValues(ctx, tx, touched, warn, prm, now)
		if err != nil {
			return err
		}
		as := &assigner{ctx: ctx, db: db, tx: tx, st: st, prm: prm, now: now, created: map[string]bool{}, merged: map[string][]string{},
			targets: map[string]bool{}, before: map[string]*Cluster{}}
		// The clusters the touched values are evidence of are recounted
		// (only values seen by two or more organisations, or already in a
		// cluster, can be evidence).
		var maybe []kv
		for _, k := range touched {
			if s := st[k]; s.orgs >= 2 || s.cluster != "" || s.prevOrgs >= 2 {
				maybe = append(maybe, k)
			}
		}
		ids, err := db.clustersOfValues(ctx, tx, maybe)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := as.touch(id); err != nil {
				return err
			}
		}
		for _, vals := range batchVals {
			if err := as.batch(vals); err != nil {
				return err
			}
		}
		changes, err = as.finish()
		return err
	})
	return changes, err
}

// WithdrawCorrSources removes what sources of one kind contributed (a
// refuted report, revoked objects) and updates the values' counts and
// their clusters, in one transaction.
func (db *DB) WithdrawCorrSources(ctx context.Context, sourceKind string, sourceRefs []string, prm CorrParams) ([]ClusterChange, error) {
	var changes []ClusterChange
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.corrLock(ctx, tx); err != nil {
			return err
		}
		var old []kv
		seen := map[kv]bool{}
		for _, ref := range sourceRefs {
			vals, err := db.sourceValues(ctx, tx, sourceKind, ref)
			if err != nil {
				return err
			}
			if len(vals) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM corr_observations WHERE source_kind = ? AND source_ref = ?"), sourceKind, ref); err != nil {
				return err
			}
			for _, k := range vals {
				if !seen[k] {
					seen[k] = true
					old = append(old, k)
				}
			}
		}
		if len(old) == 0 {
			return nil
		}
		now := db.now()
		if _, err := db.refreshValues(ctx, tx, old, nil, prm, now); err != nil {
			return err
		}
		ids, err := db.clustersOfValues(ctx, tx, old)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := db.recomputeCluster(ctx, tx, id, prm, now)
			if err != nil {
				return err
			}
			changes = append(changes, ClusterChange{Cluster: *c})
		}
		return nil
	})
	return changes, err
}

func (db *DB) sourceValues(ctx context.Context, tx *sql.Tx, sourceKind, sourceRef string) ([]kv, error) {
	return collect(ctx, tx, db.rebind("SELECT DISTINCT kind, value FROM corr_observations WHERE source_kind = ? AND source_ref = ?"),
		[]any{sourceKind, sourceRef}, scanKV)
}

func scanKV(r scanner) (*kv, error) {
	var k kv
	return &k, r.Scan(&k.kind, &k.value)
}

// valueState is a value's correlation state after a refresh.
type valueState struct {
	orgs        int
	windowOrgs  []string
	first, last time.Time
	capped      bool
	reason      string
	cluster     string
	existed     bool
	prevOrgs    int // before this change (from corr_values)
}

// refreshValues recounts the organisations of the touched values and
// stores corr_values.
func (db *DB) refreshValues(ctx context.Context, tx *sql.Tx, touched []kv, warn map[kv]string, prm CorrParams, now time.Time) (map[kv]*valueState, error) {
	st := make(map[kv]*valueState, len(touched))
	type orgSeen struct{ first, last time.Time }
	per := map[kv]map[string]*orgSeen{}
	for _, part := range chunks(touched, corrChunk) {
		cond, args, set := db.pairsIn("", part)
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT kind, value, orgs, capped, cap_reason, cluster_id FROM corr_values WHERE "+cond), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k kv
			s := &valueState{}
			if err := rows.Scan(&k.kind, &k.value, &s.prevOrgs, &s.capped, &s.reason, &s.cluster); err != nil {
				rows.Close()
				return nil, err
			}
			if set[k] {
				st[k] = s
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows, err = tx.QueryContext(ctx, db.rebind("SELECT kind, value, org_id, first_seen, last_seen FROM corr_observations WHERE "+cond), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k kv
			var o string
			var f, l time.Time
			if err := rows.Scan(&k.kind, &k.value, &o, &f, &l); err != nil {
				rows.Close()
				return nil, err
			}
			if !set[k] {
				continue
			}
			m := per[k]
			if m == nil {
				m = map[string]*orgSeen{}
				per[k] = m
			}
			if s := m[o]; s == nil {
				m[o] = &orgSeen{f.UTC(), l.UTC()}
			} else {
				if f.Before(s.first) {
					s.first = f.UTC()
				}
				if l.After(s.last) {
					s.last = l.UTC()
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	cutoff := now.Add(-prm.Window)
	for _, k := range touched {
		s := st[k]
		existed := s != nil
		if s == nil {
			s = &valueState{}
			st[k] = s
		}
		s.windowOrgs = s.windowOrgs[:0]
		s.first, s.last = time.Time{}, time.Time{}
		m := per[k]
		s.orgs = len(m)
		for o, seen := range m {
			if s.first.IsZero() || seen.first.Before(s.first) {
				s.first = seen.first
			}
			if seen.last.After(s.last) {
				s.last = seen.last
			}
			if !seen.last.Before(cutoff) {
				s.windowOrgs = append(s.windowOrgs, o)
			}
		}
		slices.Sort(s.windowOrgs)
		if s.first.IsZero() {
			s.first, s.last = now, now
		}
		// Capping: a manual cap stays; a warninglist hit stays; otherwise
		// the number of organisations decides.
		switch {
		case s.reason == CapManual || strings.HasPrefix(s.reason, "warninglist:"):
			s.capped = true
		case warn[k] != "":
			s.capped, s.reason = true, "warninglist:"+warn[k]
		case prm.Cap > 0 && s.orgs > prm.Cap:
			s.capped, s.reason = true, CapTooManyOrgs
		default:
			s.capped, s.reason = false, ""
		}
		if existed {
			if _, err := tx.ExecContext(ctx, db.rebind("UPDATE corr_values SET orgs = ?, first_seen = ?, last_seen = ?, capped = ?, cap_reason = ? WHERE kind = ? AND value = ?"),
				s.orgs, s.first, s.last, s.capped, s.reason, k.kind, k.value); err != nil {
				return nil, err
			}
			s.existed = true
		}
	}
	return st, db.insertNewValues(ctx, tx, touched, st)
}

// insertNewValues inserts corr_values rows for values that had none
// (INSERT ... ON CONFLICT DO NOTHING: the existing ones were updated).
func (db *DB) insertNewValues(ctx context.Context, tx *sql.Tx, touched []kv, st map[kv]*valueState) error {
	var news []kv
	for _, k := range touched {
		if s := st[k]; s.orgs > 0 && !s.existed {
			news = append(news, k)
		}
	}
	for _, part := range chunks(news, corrChunk) {
		q := "INSERT INTO corr_values (kind, value, orgs, first_seen, last_seen, capped, cap_reason, cluster_id) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?),", len(part)), ",") + " ON CONFLICT (kind, value) DO NOTHING"
		args := make([]any, 0, 8*len(part))
		for _, k := range part {
			s := st[k]
			args = append(args, k.kind, k.value, s.orgs, s.first, s.last, s.capped, s.reason, s.cluster)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(q), args...); err != nil {
			return err
		}
	}
	return nil
}

// clustersOfValues returns the (unmerged) clusters whose evidence lists
// any of the values.
func (db *DB) clustersOfValues(ctx context.Context, tx *sql.Tx, vals []kv) ([]string, error) {
	var ids []string
	for _, part := range chunks(vals, corrChunk) {
		cond, args, set := db.pairsIn("e.", part)
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT e.kind, e.value, e.cluster_id FROM cluster_evidence e WHERE "+cond), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k kv
			var id string
			if err := rows.Scan(&k.kind, &k.value, &id); err != nil {
				rows.Close()
				return nil, err
			}
			if set[k] && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func (db *DB) clusterTx(ctx context.Context, tx *sql.Tx, id string) (*Cluster, error) {
	c, err := scanCluster(tx.QueryRowContext(ctx, db.rebind("SELECT "+clusterCols+" FROM clusters WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("cluster", id)
	}
	return c, err
}

// assigner creates, extends and merges clusters for the batches of one
// transaction, then recounts every cluster touched, once.
type assigner struct {
	ctx     context.Context
	db      *DB
	tx      *sql.Tx
	st      map[kv]*valueState
	prm     CorrParams
	now     time.Time
	order   []string            // touched clusters, in order
	before  map[string]*Cluster // their state when first touched (nil: created here)
	created map[string]bool
	merged  map[string][]string // survivor -> clusters merged into it
	targets map[string]bool     // clusters a batch joined
}

func (a *assigner) weak(kind string) bool { return a.prm.Weak != nil && a.prm.Weak(kind) }

func (a *assigner) touch(id string) error {
	if _, ok := a.before[id]; ok {
		return nil
	}
	c, err := a.db.clusterTx(a.ctx, a.tx, id)
	if err != nil {
		return err
	}
	a.before[id] = c
	a.order = append(a.order, id)
	return nil
}

// batch handles one source's values.
func (a *assigner) batch(vals []CorrValue) error {
	ctx, tx, db := a.ctx, a.tx, a.db
	var strong, weakV, capped []kv
	var joinVals []CorrValue
	for _, v := range vals {
		k := kv{v.Kind, v.Value}
		s := a.st[k]
		switch {
		case len(s.windowOrgs) < 2:
		case s.capped:
			capped = append(capped, k)
		case a.weak(v.Kind):
			weakV = append(weakV, k)
			joinVals = append(joinVals, v)
		default:
			strong = append(strong, k)
			joinVals = append(joinVals, v)
		}
	}
	if len(strong) == 0 && len(weakV) < 2 {
		return nil
	}
	// The clusters the strong values belong to, and those of the strong
	// values observed together with them (in one report, one object):
	// values seen together are connected. Only strong values merge.
	var cands []string
	for _, k := range strong {
		if id := a.st[k].cluster; id != "" && !slices.Contains(cands, id) {
			cands = append(cands, id)
		}
	}
	co, err := db.coObservedClusters(ctx, tx, strong, a.weak)
	if err != nil {
		return err
	}
	for _, id := range co {
		if !slices.Contains(cands, id) {
			cands = append(cands, id)
		}
	}
	target := ""
	if len(cands) == 0 {
		// Weak values only: the cluster most of them belong to, if any.
		count := map[string]int{}
		for _, k := range weakV {
			if id := a.st[k].cluster; id != "" {
				count[id]++
			}
		}
		best := 0
		for id, n := range count {
			if n > best || n == best && id < target {
				target, best = id, n
			}
		}
	}
	var cl []*Cluster
	for _, id := range cands {
		c, err := db.clusterTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Status == ClusterMerged && c.MergedInto != "" {
			if c, err = db.clusterTx(ctx, tx, c.MergedInto); err != nil {
				return err
			}
		}
		if !slices.ContainsFunc(cl, func(x *Cluster) bool { return x.ID == c.ID }) {
			cl = append(cl, c)
		}
	}
	if len(cl) > 0 {
		// The oldest cluster survives.
		slices.SortFunc(cl, func(x, y *Cluster) int {
			if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(x.Ref, y.Ref)
		})
		target = cl[0].ID
		if err := a.touch(target); err != nil {
			return err
		}
		for _, c := range cl[1:] {
			if err := a.touch(c.ID); err != nil {
				return err
			}
			if err := db.mergeCluster(ctx, tx, c.ID, target, a.now); err != nil {
				return err
			}
			a.merged[target] = append(a.merged[target], c.ID)
			a.merged[target] = append(a.merged[target], a.merged[c.ID]...)
			delete(a.merged, c.ID)
			for _, s := range a.st {
				if s.cluster == c.ID {
					s.cluster = target
				}
			}
		}
	}
	if target == "" {
		ref, err := db.nextClusterRef(ctx, tx, a.now)
		if err != nil {
			return err
		}
		target = NewID()
		title := ""
		if a.prm.Title != nil {
			title = a.prm.Title(joinVals)
		}
		if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO clusters ("+clusterCols+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"),
			target, ref, title, ClusterOpen, "", 0, 0, a.now, a.now, "", a.now, a.now); err != nil {
			return err
		}
		a.created[target] = true
		a.before[target] = nil
		a.order = append(a.order, target)
	} else if err := a.touch(target); err != nil {
		return err
	}
	a.targets[target] = true
	// Joining values without a cluster join the target; every joining and
	// capped value of the batch becomes its evidence.
	ev := slices.Concat(strong, weakV, capped)
	for _, part := range chunks(ev, corrChunk) {
		q := "INSERT INTO cluster_evidence (cluster_id, kind, value) VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?),", len(part)), ",") + " ON CONFLICT DO NOTHING"
		args := make([]any, 0, 3*len(part))
		for _, k := range part {
			args = append(args, target, k.kind, k.value)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(q), args...); err != nil {
			return err
		}
	}
	for _, k := range slices.Concat(strong, weakV) {
		if s := a.st[k]; s.cluster == "" {
			if _, err := tx.ExecContext(ctx, db.rebind("UPDATE corr_values SET cluster_id = ? WHERE kind = ? AND value = ?"), target, k.kind, k.value); err != nil {
				return err
			}
			s.cluster = target
		}
	}
	return nil
}

// finish recounts the touched clusters and reports the changes.
func (a *assigner) finish() ([]ClusterChange, error) {
	var out []ClusterChange
	for _, id := range a.order {
		cur, err := a.db.clusterTx(a.ctx, a.tx, id)
		if err != nil {
			return nil, err
		}
		if cur.Status == ClusterMerged {
			out = append(out, ClusterChange{Cluster: *cur})
			continue
		}
		c, err := a.db.recomputeCluster(a.ctx, a.tx, id, a.prm, a.now)
		if err != nil {
			return nil, err
		}
		b := a.before[id]
		ch := ClusterChange{Cluster: *c, Created: a.created[id], Merged: a.merged[id]}
		if ch.Created || len(ch.Merged) > 0 || a.targets[id] || b == nil || c.Orgs != b.Orgs || c.Strength != b.Strength || !c.LastSeen.Equal(b.LastSeen) {
			out = append(out, ch)
		}
	}
	return out, nil
}

// coObservedClusters returns the clusters of the uncapped strong values
// observed in the same sources as vals. Three index lookups rather than
// one join: without statistics PostgreSQL hash-joined the join with a
// sequential scan of corr_values.
func (db *DB) coObservedClusters(ctx context.Context, tx *sql.Tx, vals []kv, weak func(string) bool) ([]string, error) {
	type src struct{ kind, ref string }
	var srcs []src
	seen := map[src]bool{}
	for _, part := range chunks(vals, corrChunk) {
		cond, args, set := db.pairsIn("", part)
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT kind, value, source_kind, source_ref FROM corr_observations WHERE "+cond), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k kv
			var sr src
			if err := rows.Scan(&k.kind, &k.value, &sr.kind, &sr.ref); err != nil {
				rows.Close()
				return nil, err
			}
			if set[k] && !seen[sr] {
				seen[sr] = true
				srcs = append(srcs, sr)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var co []kv
	inCo := map[kv]bool{}
	for _, sr := range srcs {
		vs, err := db.sourceValues(ctx, tx, sr.kind, sr.ref)
		if err != nil {
			return nil, err
		}
		for _, k := range vs {
			if !inCo[k] && !weak(k.kind) {
				inCo[k] = true
				co = append(co, k)
			}
		}
	}
	vr, err := db.valueRows(ctx, tx, co)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, k := range co {
		if r, ok := vr[k]; ok && r.cluster != "" && !r.capped && !slices.Contains(ids, r.cluster) {
			ids = append(ids, r.cluster)
		}
	}
	return ids, nil
}

// valueRow is a corr_values row.
type valueRow struct {
	orgs        int
	first, last time.Time
	capped      bool
	reason      string
	cluster     string
}

// valueRows reads the corr_values rows of the pairs.
func (db *DB) valueRows(ctx context.Context, tx *sql.Tx, ps []kv) (map[kv]valueRow, error) {
	out := make(map[kv]valueRow, len(ps))
	for _, part := range chunks(ps, corrChunk) {
		cond, args, set := db.pairsIn("", part)
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT kind, value, orgs, first_seen, last_seen, capped, cap_reason, cluster_id FROM corr_values WHERE "+cond), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k kv
			var r valueRow
			if err := rows.Scan(&k.kind, &k.value, &r.orgs, &r.first, &r.last, &r.capped, &r.reason, &r.cluster); err != nil {
				rows.Close()
				return nil, err
			}
			if set[k] {
				r.first, r.last = r.first.UTC(), r.last.UTC()
				out[k] = r
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// evidenceOf returns the values of a cluster's evidence.
func (db *DB) evidenceOf(ctx context.Context, tx *sql.Tx, id string) ([]kv, error) {
	return collect(ctx, tx, db.rebind("SELECT kind, value FROM cluster_evidence WHERE cluster_id = ?"), []any{id}, scanKV)
}

// nextClusterRef returns "CL-<year>-<4-digit sequence within the year>".
func (db *DB) nextClusterRef(ctx context.Context, tx *sql.Tx, now time.Time) (string, error) {
	prefix := "CL-" + strconv.Itoa(now.Year()) + "-"
	rows, err := tx.QueryContext(ctx, db.rebind("SELECT ref FROM clusters WHERE ref LIKE ?"), prefix+"%")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return "", err
		}
		if v, err := strconv.Atoi(strings.TrimPrefix(r, prefix)); err == nil && v > n {
			n = v
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%04d", prefix, n+1), nil
}

// mergeCluster moves from's values and evidence into into and marks it
// merged.
func (db *DB) mergeCluster(ctx context.Context, tx *sql.Tx, from, into string, now time.Time) error {
	stmts := []struct {
		q    string
		args []any
	}{
		{"UPDATE corr_values SET cluster_id = ? WHERE cluster_id = ?", []any{into, from}},
		{"INSERT INTO cluster_evidence (cluster_id, kind, value) SELECT ?, kind, value FROM cluster_evidence WHERE cluster_id = ? ON CONFLICT DO NOTHING", []any{into, from}},
		{"DELETE FROM cluster_evidence WHERE cluster_id = ?", []any{from}},
		{"DELETE FROM cluster_orgs WHERE cluster_id = ?", []any{from}},
		{"UPDATE clusters SET status = ?, merged_into = ?, updated_at = ? WHERE id = ?", []any{ClusterMerged, into, now, from}},
		{"UPDATE clusters SET merged_into = ? WHERE merged_into = ?", []any{into, from}},
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, db.rebind(s.q), s.args...); err != nil {
			return err
		}
	}
	return nil
}

// Categories of evidence kinds, for the strength score.
func kindCategory(kind string) string {
	switch kind {
	case "technique", "malware", "cve":
		return kind
	}
	return "indicator"
}

// recomputeCluster recounts a cluster's organisations (those that
// observed one of its uncapped strong evidence values, or two of its weak
// ones), first and last seen and strength.
func (db *DB) recomputeCluster(ctx context.Context, tx *sql.Tx, id string, prm CorrParams, now time.Time) (*Cluster, error) {
	weak := func(k string) bool { return prm.Weak != nil && prm.Weak(k) }
	ev, err := db.evidenceOf(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	vr, err := db.valueRows(ctx, tx, ev)
	if err != nil {
		return nil, err
	}
	stats := ClusterStats{Now: now, Window: prm.Window}
	cats := map[string]bool{}
	var live []kv
	for _, k := range ev {
		r, ok := vr[k]
		switch {
		case !ok:
			continue
		case r.capped:
			stats.Capped++
			continue
		case weak(k.kind):
			stats.Weak++
		default:
			stats.Strong++
		}
		cats[kindCategory(k.kind)] = true
		live = append(live, k)
	}
	stats.Categories = len(cats)
	type orgAgg struct {
		sector      string
		first, last time.Time
		weight      int
		vals        map[kv]bool
	}
	orgs := map[string]*orgAgg{}
	for _, part := range chunks(live, corrChunk) {
		cond, args, set := db.pairsIn("", part)
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT kind, value, org_id, sector, first_seen, last_seen FROM corr_observations WHERE "+cond), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k kv
			var o, sec string
			var f, l time.Time
			if err := rows.Scan(&k.kind, &k.value, &o, &sec, &f, &l); err != nil {
				rows.Close()
				return nil, err
			}
			if !set[k] {
				continue
			}
			a := orgs[o]
			if a == nil {
				a = &orgAgg{sector: sec, first: f.UTC(), last: l.UTC(), vals: map[kv]bool{}}
				orgs[o] = a
			}
			if f.Before(a.first) {
				a.first = f.UTC()
			}
			if l.After(a.last) {
				a.last = l.UTC()
			}
			if !a.vals[k] {
				a.vals[k] = true
				if weak(k.kind) {
					a.weight++
				} else {
					a.weight += 2
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM cluster_orgs WHERE cluster_id = ?"), id); err != nil {
		return nil, err
	}
	var first, last time.Time
	ids := make([]string, 0, len(orgs))
	for o, a := range orgs {
		if a.weight >= 2 {
			ids = append(ids, o)
		}
	}
	slices.Sort(ids)
	for _, part := range chunks(ids, corrChunk) {
		q := "INSERT INTO cluster_orgs (cluster_id, org_id, sector, first_seen, last_seen) VALUES " + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?),", len(part)), ",")
		args := make([]any, 0, 5*len(part))
		for _, o := range part {
			a := orgs[o]
			args = append(args, id, o, a.sector, a.first, a.last)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(q), args...); err != nil {
			return nil, err
		}
	}
	for _, o := range ids {
		a := orgs[o]
		if first.IsZero() || a.first.Before(first) {
			first = a.first
		}
		if a.last.After(last) {
			last = a.last
		}
	}
	c, err := db.clusterTx(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if first.IsZero() {
		first, last = c.FirstSeen, c.LastSeen
	}
	stats.Orgs, stats.LastSeen = len(ids), last
	strength := 0
	if prm.Score != nil {
		strength = prm.Score(stats)
	}
	if _, err := tx.ExecContext(ctx, db.rebind("UPDATE clusters SET strength = ?, orgs = ?, first_seen = ?, last_seen = ?, updated_at = ? WHERE id = ?"),
		strength, len(ids), first, last, now, id); err != nil {
		return nil, err
	}
	c.Strength, c.Orgs, c.FirstSeen, c.LastSeen, c.UpdatedAt = strength, len(ids), first, last, now
	return c, nil
}

// ---- reading -------------------------------------------------------------

// ListClusters returns clusters, the most recently seen first.
func (db *DB) ListClusters(ctx context.Context, f ClusterFilter) ([]Cluster, error) {
	q := "SELECT " + clusterCols + " FROM clusters WHERE strength >= ?"
	args := []any{f.MinStrength}
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, f.Status)
	} else {
		q += " AND status <> ?"
		args = append(args, ClusterMerged)
	}
	if f.OrgID != "" {
		q += " AND id IN (SELECT cluster_id FROM cluster_orgs WHERE org_id = ?)"
		args = append(args, f.OrgID)
	}
	q += " ORDER BY last_seen DESC, ref DESC"
	limit := limitOr(f.Limit, 100, 1000)
	var out []Cluster
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCluster(rows)
			if err != nil {
				return err
			}
			// Time filters in Go: SQLite keeps timestamps as text.
			if !f.Since.IsZero() && c.LastSeen.Before(f.Since) {
				continue
			}
			out = append(out, *c)
			if len(out) >= limit {
				break
			}
		}
		return rows.Err()
	})
	return out, err
}

// GetCluster returns a cluster by id or ref (CL-2026-0001).
func (db *DB) GetCluster(ctx context.Context, ref string) (*Cluster, error) {
	var c *Cluster
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanCluster(tx.QueryRowContext(ctx, db.rebind("SELECT "+clusterCols+" FROM clusters WHERE id = ? OR ref = ?"), ref, strings.ToUpper(ref)))
		if err == sql.ErrNoRows {
			return apperr.NotFound("cluster", ref)
		}
		return err
	})
	return c, err
}

// ClusterEvidence returns a cluster's evidence values, joining values
// first, then by kind and value.
func (db *DB) ClusterEvidence(ctx context.Context, id string) ([]ClusterValue, error) {
	var out []ClusterValue
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		ev, err := db.evidenceOf(ctx, tx, id)
		if err != nil {
			return err
		}
		vr, err := db.valueRows(ctx, tx, ev)
		if err != nil {
			return err
		}
		for _, k := range ev {
			r, ok := vr[k]
			if !ok {
				continue
			}
			out = append(out, ClusterValue{Kind: k.kind, Value: k.value, Orgs: r.orgs, FirstSeen: r.first, LastSeen: r.last, Capped: r.capped,
				CapReason: r.reason, Joins: r.cluster == id && !r.capped})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b ClusterValue) int {
		if a.Joins != b.Joins {
			if a.Joins {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out, err
}

// ClusterOrgs returns the organisations a cluster involves.
func (db *DB) ClusterOrgs(ctx context.Context, id string) ([]ClusterOrg, error) {
	var out []ClusterOrg
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT org_id, sector, first_seen, last_seen FROM cluster_orgs WHERE cluster_id = ? ORDER BY org_id"), id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o ClusterOrg
			if err := rows.Scan(&o.OrgID, &o.Sector, &o.FirstSeen, &o.LastSeen); err != nil {
				return err
			}
			o.FirstSeen, o.LastSeen = o.FirstSeen.UTC(), o.LastSeen.UTC()
			out = append(out, o)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b ClusterOrg) int { return a.FirstSeen.Compare(b.FirstSeen) })
	return out, err
}

// ClusterUpdate changes a cluster's analyst fields; nil leaves a field.
type ClusterUpdate struct {
	Status *string
	Title  *string
	Note   *string
}

// UpdateCluster applies u, audited.
func (db *DB) UpdateCluster(ctx context.Context, act audit.Actor, id string, u ClusterUpdate) (*Cluster, error) {
	var c *Cluster
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		var err error
		if c, err = db.clusterTx(ctx, tx, id); err != nil {
			return nil, err
		}
		if c.Status == ClusterMerged {
			return nil, apperr.Conflict("status", "cluster %s was merged into another cluster; change that one", c.Ref)
		}
		var what []string
		if u.Status != nil && *u.Status != c.Status {
			what = append(what, "status="+*u.Status)
			c.Status = *u.Status
		}
		if u.Title != nil && *u.Title != c.Title {
			what = append(what, "title")
			c.Title = *u.Title
		}
		if u.Note != nil && *u.Note != c.Note {
			what = append(what, "note")
			c.Note = *u.Note
		}
		if len(what) == 0 {
			return nil, nil
		}
		c.UpdatedAt = db.now()
		if _, err := tx.ExecContext(ctx, db.rebind("UPDATE clusters SET status = ?, title = ?, note = ?, updated_at = ? WHERE id = ?"),
			c.Status, c.Title, c.Note, c.UpdatedAt, id); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("cluster.update", "cluster", c.ID, audit.OutcomeSuccess, c.Ref+" "+strings.Join(what, " "))}, nil
	})
	return c, err
}

// SourceClusters returns the (unmerged) clusters whose evidence lists a
// value the source contributed, the strongest first.
func (db *DB) SourceClusters(ctx context.Context, sourceKind, sourceRef string) ([]Cluster, error) {
	var out []Cluster
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		vals, err := db.sourceValues(ctx, tx, sourceKind, sourceRef)
		if err != nil || len(vals) == 0 {
			return err
		}
		ids, err := db.clustersOfValues(ctx, tx, vals)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := db.clusterTx(ctx, tx, id)
			if err != nil {
				return err
			}
			if c.Status != ClusterMerged {
				out = append(out, *c)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Cluster) int {
		if a.Strength != b.Strength {
			return b.Strength - a.Strength
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	return out, err
}

// ValueOthers is, for one value a source contributed, the organisations
// other than the contributor that observed it, with their sectors.
type ValueOthers struct {
	Kind, Value string
	Orgs        []string // other organisations
	Sectors     []string // their distinct sectors ("" for none)
}

// SourceOthers returns, per value the source contributed, which other
// organisations observed it. The caller anonymises.
func (db *DB) SourceOthers(ctx context.Context, sourceKind, sourceRef, orgID string) ([]ValueOthers, error) {
	var out []ValueOthers
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		vals, err := db.sourceValues(ctx, tx, sourceKind, sourceRef)
		if err != nil {
			return err
		}
		slices.SortFunc(vals, func(a, b kv) int {
			if c := strings.Compare(a.kind, b.kind); c != 0 {
				return c
			}
			return strings.Compare(a.value, b.value)
		})
		idx := map[kv]int{}
		for i, k := range vals {
			idx[k] = i
			out = append(out, ValueOthers{Kind: k.kind, Value: k.value})
		}
		for _, part := range chunks(vals, corrChunk) {
			cond, args, set := db.pairsIn("", part)
			rows, err := tx.QueryContext(ctx, db.rebind("SELECT kind, value, org_id, sector FROM corr_observations WHERE "+cond), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k kv
				var o, sec string
				if err := rows.Scan(&k.kind, &k.value, &o, &sec); err != nil {
					rows.Close()
					return err
				}
				if !set[k] || o == orgID {
					continue
				}
				v := &out[idx[k]]
				if !slices.Contains(v.Orgs, o) {
					v.Orgs = append(v.Orgs, o)
				}
				if !slices.Contains(v.Sectors, sec) {
					v.Sectors = append(v.Sectors, sec)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// CorrObject is the latest stored version of a STIX object, as the
// correlation engine reads it for a sighting.
type CorrObject struct {
	StixID, Type, Name, Owner, Source string
	Revoked                           bool
	Raw                               []byte
	Atoms                             []Atom
	Flags                             []string // warninglist names
}

// CorrObjectByStixID returns the latest version of a STIX object (in any
// collection: the first found).
func (db *DB) CorrObjectByStixID(ctx context.Context, stixID string) (*CorrObject, error) {
	var o *CorrObject
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var pk int64
		var flags string
		var raw string
		o = &CorrObject{StixID: stixID}
		err := tx.QueryRowContext(ctx, db.rebind(`SELECT pk, type, name, owner_org, source, revoked, raw, flags FROM stix_objects
			WHERE stix_id = ? AND is_latest = ? ORDER BY date_added DESC LIMIT 1`), stixID, true).
			Scan(&pk, &o.Type, &o.Name, &o.Owner, &o.Source, &o.Revoked, &raw, &flags)
		if err == sql.ErrNoRows {
			return apperr.NotFound("object", stixID)
		}
		if err != nil {
			return err
		}
		o.Raw = []byte(raw)
		var fl []struct {
			List string `json:"list"`
		}
		if json.Unmarshal([]byte(flags), &fl) == nil {
			for _, f := range fl {
				if !slices.Contains(o.Flags, f.List) {
					o.Flags = append(o.Flags, f.List)
				}
			}
		}
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT kind, value FROM stix_atoms WHERE object_pk = ?"), pk)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a Atom
			if err := rows.Scan(&a.Kind, &a.Value); err != nil {
				return err
			}
			o.Atoms = append(o.Atoms, a)
		}
		return rows.Err()
	})
	return o, err
}

// CorrStorage reports the correlation tables' rows and bytes on disk
// (tables and their indexes).
type CorrStorage struct {
	Observations, Values int64
	Bytes                int64
}

// CorrStorageUsage measures the correlation tables.
func (db *DB) CorrStorageUsage(ctx context.Context) (*CorrStorage, error) {
	var s CorrStorage
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM corr_observations").Scan(&s.Observations); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM corr_values").Scan(&s.Values); err != nil {
			return err
		}
		tables := []string{"corr_observations", "corr_values", "cluster_evidence", "cluster_orgs", "clusters"}
		if db.dialect == SQLite {
			// dbstat may be missing from the build: then the whole file.
			var n int64
			if tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM dbstat").Scan(&n) != nil {
				var pages, size int64
				if err := tx.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
					return err
				}
				if err := tx.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
					return err
				}
				s.Bytes = pages * size
				return nil
			}
		}
		for _, t := range tables {
			var n int64
			var err error
			if db.dialect == Postgres {
				err = tx.QueryRowContext(ctx, "SELECT pg_total_relation_size($1::regclass)", t).Scan(&n)
			} else {
				err = tx.QueryRowContext(ctx, "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = ? OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?)", t, t).Scan(&n)
			}
			if err != nil {
				return fmt.Errorf("size of %s: %w", t, err)
			}
			s.Bytes += n
		}
		return nil
	})
	return &s, err
}

// CorrGenerate bulk-loads n synthetic observations (for benchmarks): the
// sha256 values %064x of start..start+n-1, each observed once by
// organisation "bench-org-<i mod orgs>" through object "bench--<i>", in
// statements generating the rows inside the database, in value order.
// BenchValue returns the value of i.
func (db *DB) CorrGenerate(ctx context.Context, start, n, orgs int, at time.Time) error {
	const step = 200000
	for lo := start; lo < start+n; lo += step {
		hi := min(lo+step, start+n)
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var q string
			if db.dialect == Postgres {
				q = `INSERT INTO corr_observations (kind, value, org_id, sector, source_kind, source_ref, first_seen, last_seen, count)
					SELECT 'sha256', lpad(to_hex(i), 64, '0'), 'bench-org-' || (i % $3), 'bench', 'object', 'bench--' || lpad(i::text, 12, '0'), $4, $4, 1
					FROM generate_series($1::bigint, $2::bigint - 1) AS i`
			} else {
				q = `WITH RECURSIVE g(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM g WHERE i + 1 < ?)
					INSERT INTO corr_observations (kind, value, org_id, sector, source_kind, source_ref, first_seen, last_seen, count)
					SELECT 'sha256', printf('%064x', i), 'bench-org-' || (i % ?), 'bench', 'object', printf('bench--%012d', i), ?, ?, 1 FROM g`
			}
			var args []any
			if db.dialect == Postgres {
				args = []any{lo, hi, orgs, at}
			} else {
				args = []any{lo, hi, orgs, at, at}
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			if db.dialect == Postgres {
				q = `INSERT INTO corr_values (kind, value, orgs, first_seen, last_seen, capped, cap_reason, cluster_id)
					SELECT 'sha256', lpad(to_hex(i), 64, '0'), 1, $3, $3, false, '', '' FROM generate_series($1::bigint, $2::bigint - 1) AS i`
				args = []any{lo, hi, at}
			} else {
				q = `WITH RECURSIVE g(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM g WHERE i + 1 < ?)
					INSERT INTO corr_values (kind, value, orgs, first_seen, last_seen, capped, cap_reason, cluster_id)
					SELECT 'sha256', printf('%064x', i), 1, ?, ?, 0, '', '' FROM g`
				args = []any{lo, hi, at, at}
			}
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchValue is the value CorrGenerate stores for i.
func BenchValue(i int) string { return fmt.Sprintf("%064x", i) }
