package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"sakimori/internal/incident"
	"sakimori/internal/share"
)

// Statistics for the charts (issue #8): counts per week, aggregated in SQL.
// Weeks are given as their boundaries (ascending, len = weeks+1); a row's
// week is the index of the boundary interval its time falls in. Whose rows
// are counted is the caller's decision (the stats service), given here as
// a scope.

// ReportScope selects incident reports: those submitted (not as a
// partner) to Recipient, or those of OrgID, or (both empty) every report.
type ReportScope struct {
	Recipient string
	OrgID     string
}

// WeekCount is a count of key in week Week; Orgs the number of distinct
// organisations behind it (sightings).
type WeekCount struct {
	Week int
	Key  string
	N    int64
	Orgs int64
}

// KeyCount is a count of one key.
type KeyCount struct {
	Key string
	N   int64
}

// weekCase returns an expression giving the week of col among bounds
// (the index i with bounds[i] <= col < bounds[i+1], for col in range),
// with its arguments: nested CASEs that halve the weeks at each level, so
// a row costs about log2(weeks) comparisons rather than one per week.
func weekCase(col string, bounds []any) (string, []any) {
	var args []any
	var build func(lo, hi int) string // weeks lo..hi-1
	build = func(lo, hi int) string {
		if hi-lo <= 1 {
			return itoaSQL(lo)
		}
		mid := (lo + hi) / 2
		args = append(args, bounds[mid])
		cond := "CASE WHEN " + col + " < ? THEN "
		return cond + build(lo, mid) + " ELSE " + build(mid, hi) + " END"
	}
	return build(0, len(bounds)-1), args
}

func itoaSQL(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for n > 0 {
		d = append([]byte{byte('0' + n%10)}, d...)
		n /= 10
	}
	return string(d)
}

func timeBounds(bounds []time.Time) []any {
	out := make([]any, len(bounds))
	for i, t := range bounds {
		out[i] = t.UTC().Truncate(time.Microsecond)
	}
	return out
}

// submissionScope is the condition on the submissions alias s.
func (sc ReportScope) submissionScope(alias string) (string, []any) {
	switch {
	case sc.Recipient != "":
		return " AND " + alias + ".recipient = ? AND " + alias + ".partner = ?", []any{sc.Recipient, false}
	case sc.OrgID != "":
		return " AND " + alias + ".org_id = ?", []any{sc.OrgID}
	}
	return "", nil
}

// firstSubmissions is a query of the reports first submitted (in scope)
// in [from, to): incident_id, submitted_at and the reporter's org_id, one
// row per first submission (several when sent to several receivers at
// once). Refuted reports are left out.
func (db *DB) firstSubmissions(sc ReportScope, from, to any) (string, []any) {
	cond, args := sc.submissionScope("s")
	econd, eargs := sc.submissionScope("e")
	q := `SELECT s.incident_id, s.org_id, s.submitted_at FROM incident_submissions s
		WHERE s.submitted_at >= ? AND s.submitted_at < ?` + cond + `
		AND NOT EXISTS (SELECT 1 FROM incident_submissions e WHERE e.incident_id = s.incident_id AND e.submitted_at < s.submitted_at` + econd + `)
		AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = s.incident_id AND i.state = 'refuted')`
	all := append([]any{from, to}, args...)
	all = append(all, eargs...)
	return q, all
}

// StatsReports counts the reports first submitted in each week, by the
// reporting organisation's sector ("" for organisations without one).
func (db *DB) StatsReports(ctx context.Context, sc ReportScope, weeks []time.Time) ([]WeekCount, error) {
	if len(weeks) < 2 {
		return []WeekCount{}, nil
	}
	b := timeBounds(weeks)
	wc, wargs := weekCase("f.submitted_at", b)
	fq, fargs := db.firstSubmissions(sc, b[0], b[len(b)-1])
	q := `SELECT ` + wc + ` AS wk, o.sector, COUNT(DISTINCT f.incident_id) FROM (` + fq + `) f JOIN orgs o ON o.id = f.org_id GROUP BY 1, 2 ORDER BY 1, 2`
	return db.weekCounts(ctx, q, append(wargs, fargs...), false)
}

func (db *DB) weekCounts(ctx context.Context, q string, args []any, orgs bool) ([]WeekCount, error) {
	out := []WeekCount{}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c WeekCount
			var key sql.NullString
			dest := []any{&c.Week, &key, &c.N}
			if orgs {
				dest = append(dest, &c.Orgs)
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			c.Key = key.String
			out = append(out, c)
		}
		return closeRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StatsTechniques counts, per ATT&CK technique, the reports first
// submitted in [from, to) whose latest version submitted (in scope) names
// it, most frequent first, at most limit.
func (db *DB) StatsTechniques(ctx context.Context, sc ReportScope, from, to time.Time, limit int) ([]KeyCount, error) {
	b := timeBounds([]time.Time{from, to})
	fq, fargs := db.firstSubmissions(sc, b[0], b[1])
	cond, cargs := sc.submissionScope("s")
	// The version each receiver (or the reporter) last saw.
	latest := `SELECT s.incident_id, MAX(s.version) AS version FROM incident_submissions s
		WHERE s.incident_id IN (SELECT incident_id FROM (` + fq + `) f0) AND s.submitted_at < ?` + cond + ` GROUP BY s.incident_id`
	args := append(fargs, b[1])
	args = append(args, cargs...)
	var q string
	if db.dialect == Postgres {
		q = `SELECT t.value, COUNT(DISTINCT l.incident_id) FROM (` + latest + `) l
			JOIN incident_versions v ON v.incident_id = l.incident_id AND v.version = l.version
			CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(CAST(v.content AS jsonb)->'attack_techniques'->'value') = 'array'
				THEN CAST(v.content AS jsonb)->'attack_techniques'->'value' ELSE CAST('[]' AS jsonb) END) AS t(value)
			GROUP BY t.value ORDER BY 2 DESC, 1 LIMIT ?`
	} else {
		q = `SELECT t.value, COUNT(DISTINCT l.incident_id) FROM (` + latest + `) l
			JOIN incident_versions v ON v.incident_id = l.incident_id AND v.version = l.version
			JOIN json_each(v.content, '$.attack_techniques.value') t
			WHERE t.type = 'text' GROUP BY t.value ORDER BY 2 DESC, 1 LIMIT ?`
	}
	args = append(args, limitOr(limit, 10, 100))
	return db.keyCounts(ctx, q, args)
}

// DeadlineSubmission is what a deadline needs of a submission.
type DeadlineSubmission struct {
	IncidentID, Regime, Stage, Kind string
	SubmittedAt                     time.Time
}

// StatsDeadlineIncidents returns the incidents in scope created in
// [from, to) (with a submission in scope, for a recipient) and every one
// of their regime submissions, for their deadlines to be computed. At most
// limit incidents, the newest first.
func (db *DB) StatsDeadlineIncidents(ctx context.Context, sc ReportScope, from, to time.Time, limit int) ([]incident.Incident, []DeadlineSubmission, error) {
	b := timeBounds([]time.Time{from, to})
	where := "created_at >= ? AND created_at < ?"
	args := []any{b[0], b[1]}
	switch {
	case sc.Recipient != "":
		where += " AND EXISTS (SELECT 1 FROM incident_submissions s WHERE s.incident_id = incidents.id AND s.recipient = ? AND s.partner = ?)"
		args = append(args, sc.Recipient, false)
	case sc.OrgID != "":
		where += " AND org_id = ?"
		args = append(args, sc.OrgID)
	}
	args = append(args, limitOr(limit, 5000, 50000))
	var ins []incident.Incident
	var subs []DeadlineSubmission
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		var err error
		ins, err = collect(ctx, tx, db.rebind("SELECT "+incidentCols+" FROM incidents WHERE "+where+" ORDER BY created_at DESC LIMIT ?"), args, scanIncident)
		if err != nil {
			return err
		}
		ids := make([]string, len(ins))
		for i := range ins {
			ids[i] = ins[i].ID
		}
		return inChunks(ids, func(part []any) error {
			rows, err := tx.QueryContext(ctx, db.rebind(`SELECT incident_id, regime, stage, kind, submitted_at FROM incident_submissions
				WHERE regime <> '' AND incident_id IN (`+placeholders(len(part))+`)`), part...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var s DeadlineSubmission
				if err := rows.Scan(&s.IncidentID, &s.Regime, &s.Stage, &s.Kind, &s.SubmittedAt); err != nil {
					rows.Close()
					return err
				}
				s.SubmittedAt = s.SubmittedAt.UTC()
				subs = append(subs, s)
			}
			return closeRows(rows)
		})
	})
	if err != nil {
		return nil, nil, err
	}
	return ins, subs, nil
}

// StatsIndicators counts the indicators q entitles (its scopes and owner;
// other fields ignored) first added in each week, per observable type of
// their pattern (an indicator with values of two types counts once for
// each). It reads the families each version carries (AtomFamilies) from
// the partial index of first indicator versions, without the atoms, one
// week at a time: a range of the index summed without sorting (a GROUP BY
// over a year sorted a million rows).
func (db *DB) StatsIndicators(ctx context.Context, q ObjectQuery, weeks []time.Time) ([]WeekCount, error) {
	if len(weeks) < 2 {
		return []WeekCount{}, nil
	}
	// The entitlement terms, then the terms of the partial index
	// stix_indicators_first as it states them (the planner uses a partial
	// index only for queries that say its condition).
	eq := ObjectQuery{Scopes: q.Scopes, OwnerOrg: q.OwnerOrg, Versions: share.VersionMatch{All: true}}
	where, wargs := db.objectWhere(&eq)
	var sums strings.Builder
	for i := range familyNames {
		if i > 0 {
			sums.WriteString(", ")
		}
		fmt.Fprintf(&sums, "SUM(CASE WHEN (families & %d) <> 0 THEN 1 ELSE 0 END)", 1<<i)
	}
	from := "stix_objects"
	if db.dialect == SQLite {
		// Without statistics SQLite answers a government's many
		// (collection, TLP) terms with one index walk per collection over
		// all dates, for every week: eight seconds instead of one.
		from += " INDEXED BY stix_indicators_first"
	}
	qs := db.rebind(`SELECT ` + sums.String() + ` FROM ` + from + `
		WHERE ` + where + ` AND type = 'indicator' AND is_first AND date_added >= ? AND date_added < ?`)
	out := []WeekCount{}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, qs)
		if err != nil {
			return err
		}
		defer st.Close()
		var n [len(familyNames)]sql.NullInt64
		dest := make([]any, len(n))
		for i := range n {
			dest[i] = &n[i]
		}
		args := append(wargs, nil, nil)
		for wk := range len(weeks) - 1 {
			args[len(args)-2], args[len(args)-1] = weeks[wk].UnixMicro(), weeks[wk+1].UnixMicro()
			if err := st.QueryRowContext(ctx, args...).Scan(dest...); err != nil {
				return err
			}
			for _, i := range familyOrder {
				if n[i].Int64 > 0 {
					out = append(out, WeekCount{Week: wk, Key: familyNames[i], N: n[i].Int64})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// familyOrder lists the families' indexes in the order of their names.
var familyOrder = func() []int {
	idx := make([]int, len(familyNames))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(familyNames[a], familyNames[b]) })
	return idx
}()

// SightingScope selects sightings: one organisation's, one sector's (its
// organisations outside the government), or (both empty) everyone's.
type SightingScope struct {
	OrgID  string
	Sector string
}

// StatsSightings counts the sightings recorded in each week (false
// positives left out), with the number of organisations behind them. Key
// is empty.
func (db *DB) StatsSightings(ctx context.Context, sc SightingScope, weeks []time.Time) ([]WeekCount, error) {
	if len(weeks) < 2 {
		return []WeekCount{}, nil
	}
	b := timeBounds(weeks)
	wc, args := weekCase("created_at", b)
	cond := ""
	var cargs []any
	switch {
	case sc.OrgID != "":
		cond, cargs = " AND reporter_org = ?", []any{sc.OrgID}
	case sc.Sector != "":
		cond, cargs = " AND sector = ? AND reporter_org IN (SELECT id FROM orgs WHERE kind NOT IN ("+govKinds+"))", []any{sc.Sector}
	}
	orgs := "0" // only a sector's weeks are checked against the small-count rule
	if sc.Sector != "" {
		orgs = "COUNT(DISTINCT reporter_org)"
	}
	q := `SELECT ` + wc + ` AS wk, '' AS k, COUNT(*), ` + orgs + ` FROM sightings
		WHERE false_positive = ` + db.boolLit(false) + ` AND created_at >= ? AND created_at < ?` + cond + ` GROUP BY 1 ORDER BY 1`
	args = append(args, b[0], b[len(b)-1])
	return db.weekCounts(ctx, q, append(args, cargs...), true)
}

// StatsAttackPatterns counts, per ATT&CK technique id (the external id of
// a "mitre-attack" reference), the attack patterns q entitles (its scopes
// and owner) first shared in [from, to), most frequent first, at most
// limit.
func (db *DB) StatsAttackPatterns(ctx context.Context, q ObjectQuery, from, to time.Time, limit int) ([]KeyCount, error) {
	eq := ObjectQuery{Scopes: q.Scopes, OwnerOrg: q.OwnerOrg, Types: []string{"attack-pattern"}, Versions: share.VersionMatch{First: true}}
	where, args := db.objectWhere(&eq)
	args = append(args, from.UnixMicro(), to.UnixMicro(), limitOr(limit, 10, 100))
	inner := `SELECT pk, raw FROM stix_objects WHERE ` + where + ` AND date_added >= ? AND date_added < ?`
	var qs string
	if db.dialect == Postgres {
		qs = `SELECT e.value->>'external_id', COUNT(DISTINCT o.pk) FROM (` + inner + `) o
			CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(CAST(o.raw AS jsonb)->'external_references') = 'array'
				THEN CAST(o.raw AS jsonb)->'external_references' ELSE CAST('[]' AS jsonb) END) AS e(value)
			WHERE e.value->>'source_name' = 'mitre-attack' AND e.value->>'external_id' IS NOT NULL
			GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`
	} else {
		qs = `SELECT json_extract(e.value, '$.external_id'), COUNT(DISTINCT o.pk) FROM (` + inner + `) o
			JOIN json_each(o.raw, '$.external_references') e
			WHERE json_extract(e.value, '$.source_name') = 'mitre-attack' AND json_extract(e.value, '$.external_id') IS NOT NULL
			GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?`
	}
	return db.keyCounts(ctx, qs, args)
}

// keyCounts runs a query of (key, count) rows.
func (db *DB) keyCounts(ctx context.Context, q string, args []any) ([]KeyCount, error) {
	out := []KeyCount{}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k KeyCount
			if err := rows.Scan(&k.Key, &k.N); err != nil {
				rows.Close()
				return err
			}
			out = append(out, k)
		}
		return closeRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
