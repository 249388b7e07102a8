package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/cpe"
	"sakimori/internal/marking"
	"sakimori/internal/vuln"
)

// Vulnerabilities, exposures (what matching found), notices and vendor
// requests.

func scanVuln(r scanner) (*vuln.Vulnerability, error) {
	var doc string
	var version int
	var created, updated time.Time
	if err := r.Scan(&doc, &version, &created, &updated); err != nil {
		return nil, err
	}
	var v vuln.Vulnerability
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return nil, err
	}
	v.Version, v.CreatedAt, v.UpdatedAt = version, created.UTC(), updated.UTC()
	return &v, nil
}

const vulnCols = "doc, version, created_at, updated_at"

// productKeys are the vendor:product keys of a vulnerability's affected
// CPEs (the keys the matching index uses).
func productKeys(v *vuln.Vulnerability) []string {
	var keys []string
	for _, a := range v.Affected {
		if n, err := cpe.Parse(a.CPE); err == nil {
			keys = append(keys, n.VendorProduct())
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func sameVuln(a, b vuln.Vulnerability) bool {
	for _, v := range []*vuln.Vulnerability{&a, &b} {
		v.Version, v.CreatedAt, v.UpdatedAt, v.OwnerOrgID = 0, time.Time{}, time.Time{}, ""
	}
	return reflect.DeepEqual(a, b)
}

// PutVuln records v: a new vulnerability, or a new version of the one with
// its id when anything changed (changed is false otherwise). The owner
// stays the organisation that first recorded it.
func (db *DB) PutVuln(ctx context.Context, act audit.Actor, v *vuln.Vulnerability) (changed bool, err error) {
	v.Normalize()
	if err := v.Validate(); err != nil {
		return false, err
	}
	err = db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		changed = false
		cur, err := scanVuln(tx.QueryRowContext(ctx, db.rebind("SELECT "+vulnCols+" FROM vulnerabilities WHERE id = ?"), v.ID))
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		now := db.now()
		if err == nil {
			if sameVuln(*v, *cur) {
				*v = *cur
				return nil, nil
			}
			v.Version, v.CreatedAt, v.OwnerOrgID = cur.Version+1, cur.CreatedAt, cur.OwnerOrgID
		} else {
			if err := db.checkOrgs(ctx, tx, "owner_org_id", []string{v.OwnerOrgID}); err != nil {
				return nil, err
			}
			v.Version, v.CreatedAt = 1, now
		}
		v.UpdatedAt = now
		var cvss any
		if v.CVSS != nil {
			cvss = v.CVSS.Score
		}
		var published any
		if v.Published != nil {
			published = v.Published.UTC()
		}
		doc := jsonText(v)
		if v.Version == 1 {
			_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO vulnerabilities (id, title, cvss, exploited, tlp, owner_org, source, version, published, created_at, updated_at, doc)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`), v.ID, v.Title, cvss, v.Exploited, int(v.TLP), v.OwnerOrgID, v.Source, v.Version, published, v.CreatedAt, v.UpdatedAt, doc)
		} else {
			_, err = tx.ExecContext(ctx, db.rebind(`UPDATE vulnerabilities SET title = ?, cvss = ?, exploited = ?, tlp = ?, source = ?, version = ?, published = ?, updated_at = ?, doc = ? WHERE id = ?`),
				v.Title, cvss, v.Exploited, int(v.TLP), v.Source, v.Version, published, v.UpdatedAt, doc, v.ID)
		}
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, db.rebind("DELETE FROM vuln_products WHERE vuln_id = ?"), v.ID); err != nil {
			return nil, err
		}
		for _, k := range productKeys(v) {
			if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO vuln_products (product_key, vuln_id) VALUES (?, ?)"), k, v.ID); err != nil {
				return nil, err
			}
		}
		changed = true
		detail := "version=" + strconv.Itoa(v.Version) + " source=" + v.Source + " tlp=" + v.TLP.Name()
		if v.Exploited {
			detail += " exploited"
		}
		return []audit.Entry{act.Event("vuln.put", "vulnerability", v.ID, audit.OutcomeSuccess, detail)}, nil
	})
	return changed, err
}

// GetVuln returns vulnerability id.
func (db *DB) GetVuln(ctx context.Context, id string) (*vuln.Vulnerability, error) {
	v, err := scanVuln(db.r.QueryRowContext(ctx, db.rebind("SELECT "+vulnCols+" FROM vulnerabilities WHERE id = ?"), strings.ToUpper(id)))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("vulnerability", id)
	}
	return v, mapErr(err)
}

// VulnQuery selects vulnerabilities.
type VulnQuery struct {
	Text      string // in id and title
	Exploited bool   // known exploited only
	IDs       []string
	Limit     int
	Offset    int
}

// ListVulns returns vulnerabilities, most recently changed first, and the
// total that match. Entitlement is the caller's (package exposure).
func (db *DB) ListVulns(ctx context.Context, q VulnQuery) ([]vuln.Vulnerability, int, error) {
	var where []string
	var args []any
	if t := strings.TrimSpace(q.Text); t != "" {
		like := "%" + likeEscape(strings.ToLower(t)) + "%"
		where, args = append(where, `(LOWER(id) LIKE ? ESCAPE '\' OR LOWER(title) LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	if q.Exploited {
		where = append(where, "exploited = "+db.boolLit(true))
	}
	if q.IDs != nil {
		if len(q.IDs) == 0 {
			return nil, 0, nil
		}
		where = append(where, "id IN ("+placeholders(len(q.IDs))+")")
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var out []vuln.Vulnerability
	var total int
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM vulnerabilities"+w), args...).Scan(&total); err != nil {
			return err
		}
		limit := q.Limit
		if limit <= 0 {
			limit = 100
		}
		var err error
		out, err = collect(ctx, tx, db.rebind("SELECT "+vulnCols+" FROM vulnerabilities"+w+" ORDER BY updated_at DESC, id LIMIT ? OFFSET ?"), append(args, limit, q.Offset), scanVuln)
		return err
	})
	return out, total, err
}

// VulnsForProducts returns the vulnerabilities with an affected CPE of one
// of the vendor:product keys.
func (db *DB) VulnsForProducts(ctx context.Context, keys []string) ([]vuln.Vulnerability, error) {
	var out []vuln.Vulnerability
	seen := map[string]bool{}
	err := inChunks(keys, func(part []any) error {
		return eachRow(ctx, db.r, db.rebind("SELECT "+vulnCols+" FROM vulnerabilities WHERE id IN (SELECT vuln_id FROM vuln_products WHERE product_key IN ("+placeholders(len(part))+"))"), part, scanVuln,
			func(v *vuln.Vulnerability) error {
				if !seen[v.ID] {
					seen[v.ID] = true
					out = append(out, *v)
				}
				return nil
			})
	})
	return out, mapErr(err)
}

// EachVuln calls fn for every vulnerability, in id order.
func (db *DB) EachVuln(ctx context.Context, fn func(*vuln.Vulnerability) error) error {
	return db.readTx(ctx, func(tx *sql.Tx) error {
		return eachRow(ctx, tx, "SELECT "+vulnCols+" FROM vulnerabilities ORDER BY id", nil, scanVuln, fn)
	})
}

// ---- exposures -----------------------------------------------------------

// MatchScope says which exposures a match result replaces: those of one
// vulnerability, of several (a re-match, in one transaction), or of one
// computer.
type MatchScope struct {
	VulnID     string
	VulnIDs    []string
	ComputerID string
}

// MatchOutcome counts what ApplyMatch changed.
type MatchOutcome struct {
	New      []vuln.Exposure // exposures found for the first time (or again after resolved)
	Updated  int             // still exposed; evidence or versions refreshed
	Resolved int             // no longer matched: state resolved
	Notices  []vuln.Notice   // created for New
}

// ApplyMatch replaces the exposures in scope by hits in one transaction:
// new ones are inserted open, ones still matched keep their state (their
// evidence is refreshed), unpatched ones no longer matched become
// resolved. notices, when not nil, is called once per organisation with
// that organisation's new exposures and returns the notices to store.
func (db *DB) ApplyMatch(ctx context.Context, act audit.Actor, scope MatchScope, hits []vuln.Exposure, notices func(orgID string, news []vuln.Exposure) []vuln.Notice) (*MatchOutcome, error) {
	vulnIDs := scope.VulnIDs
	if scope.VulnID != "" {
		vulnIDs = append([]string{scope.VulnID}, vulnIDs...)
	}
	if (len(vulnIDs) == 0) == (scope.ComputerID == "") {
		return nil, apperr.Invalid("scope", "name vulnerabilities or one computer")
	}
	out := &MatchOutcome{}
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		*out = MatchOutcome{}
		type prior struct {
			state    vuln.ExposureState
			cv, vv   int
			evidence string
		}
		existing := map[[2]string]prior{}
		load := func(q string, args ...any) error {
			rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c, v, st, ev string
				var cv, vv int
				if err := rows.Scan(&c, &v, &st, &cv, &vv, &ev); err != nil {
					return err
				}
				existing[[2]string{c, v}] = prior{vuln.ExposureState(st), cv, vv, ev}
			}
			return rows.Err()
		}
		const cols = "SELECT computer_id, vuln_id, state, computer_version, vuln_version, evidence FROM exposures"
		var err error
		if scope.ComputerID != "" {
			err = load(cols+" WHERE computer_id = ?", scope.ComputerID)
		} else {
			err = inChunks(vulnIDs, func(part []any) error { return load(cols+" WHERE vuln_id IN ("+placeholders(len(part))+")", part...) })
		}
		if err != nil {
			return nil, err
		}
		// Per vulnerability (or the computer): what changed, for the audit.
		changedBy := map[string]*[3]int{} // new, updated, resolved
		var changedOrder []string
		count := func(id string, k int) {
			c := changedBy[id]
			if c == nil {
				c = &[3]int{}
				changedBy[id] = c
				changedOrder = append(changedOrder, id)
			}
			c[k]++
		}
		key := func(vulnID string) string {
			if scope.ComputerID != "" {
				return scope.ComputerID
			}
			return vulnID
		}
		now := db.now()
		hit := map[[2]string]bool{}
		byOrg := map[string][]vuln.Exposure{}
		var orgOrder []string
		for _, h := range hits {
			k := [2]string{h.ComputerID, h.VulnID}
			if hit[k] {
				continue
			}
			hit[k] = true
			pr, ok := existing[k]
			st := pr.state
			switch {
			case !ok:
				h.State, h.StateAt, h.MatchedAt = vuln.ExposureOpen, now, now
				if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO exposures (computer_id, vuln_id, org_id, computer_version, vuln_version, evidence, state, state_note, state_at, state_by, matched_at)
					VALUES (?,?,?,?,?,?,?,?,?,?,?)`), h.ComputerID, h.VulnID, h.OrgID, h.ComputerVersion, h.VulnVersion, jsonText(h.Evidence), string(h.State), "", now, "", now); err != nil {
					return nil, err
				}
			case st == vuln.ExposureResolved:
				h.State, h.StateAt, h.MatchedAt = vuln.ExposureOpen, now, now
				if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE exposures SET computer_version = ?, vuln_version = ?, evidence = ?, state = ?, state_note = '', state_at = ?, state_by = '', matched_at = ?
					WHERE computer_id = ? AND vuln_id = ?`), h.ComputerVersion, h.VulnVersion, jsonText(h.Evidence), string(h.State), now, now, h.ComputerID, h.VulnID); err != nil {
					return nil, err
				}
			default:
				// Still exposed: refresh what the match was made against
				// (nothing to write when nothing changed, so a re-match of
				// an unchanged registry writes nothing).
				ev := jsonText(h.Evidence)
				if pr.cv == h.ComputerVersion && pr.vv == h.VulnVersion && pr.evidence == ev {
					continue
				}
				if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE exposures SET computer_version = ?, vuln_version = ?, evidence = ?, matched_at = ? WHERE computer_id = ? AND vuln_id = ?`),
					h.ComputerVersion, h.VulnVersion, ev, now, h.ComputerID, h.VulnID); err != nil {
					return nil, err
				}
				out.Updated++
				count(key(h.VulnID), 1)
				continue
			}
			out.New = append(out.New, h)
			count(key(h.VulnID), 0)
			if byOrg[h.OrgID] == nil {
				orgOrder = append(orgOrder, h.OrgID)
			}
			byOrg[h.OrgID] = append(byOrg[h.OrgID], h)
		}
		for k, pr := range existing {
			if hit[k] || !pr.state.Unpatched() {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE exposures SET state = ?, state_note = ?, state_at = ?, state_by = '' WHERE computer_id = ? AND vuln_id = ?`),
				string(vuln.ExposureResolved), "no longer matched", now, k[0], k[1]); err != nil {
				return nil, err
			}
			out.Resolved++
			count(key(k[1]), 2)
		}
		if notices != nil {
			for _, orgID := range orgOrder {
				for _, n := range notices(orgID, byOrg[orgID]) {
					if err := db.insertNotice(ctx, tx, &n, now); err != nil {
						return nil, err
					}
					out.Notices = append(out.Notices, n)
				}
			}
		}
		what := "vulnerability"
		if scope.ComputerID != "" {
			what = "computer"
		}
		noticeCount := map[string]int{}
		for _, n := range out.Notices {
			noticeCount[key(n.VulnID)]++
		}
		var entries []audit.Entry
		for _, id := range changedOrder {
			c := changedBy[id]
			detail := "new=" + strconv.Itoa(c[0]) + " updated=" + strconv.Itoa(c[1]) + " resolved=" + strconv.Itoa(c[2]) + " notices=" + strconv.Itoa(noticeCount[id])
			entries = append(entries, act.Event("exposure.match", what, id, audit.OutcomeSuccess, detail))
		}
		return entries, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) insertNotice(ctx context.Context, tx *sql.Tx, n *vuln.Notice, now time.Time) error {
	n.ID, n.CreatedAt = NewID(), now
	if n.ComputerIDs == nil {
		n.ComputerIDs = []string{}
	}
	if n.Evidence == nil {
		n.Evidence = []vuln.Evidence{}
	}
	_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO vuln_notices (id, org_id, vuln_id, kind, tlp, title, body, computer_ids, evidence, request_id, created_at, created_by, acknowledged_by)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'')`), n.ID, n.OrgID, n.VulnID, string(n.Kind), int(n.TLP), n.Title, n.Body, jsonText(n.ComputerIDs), jsonText(n.Evidence), n.RequestID, n.CreatedAt, n.CreatedBy)
	return err
}

// ExposureQuery selects exposures.
type ExposureQuery struct {
	OrgID      string
	VulnID     string
	ComputerID string
	Unpatched  bool // open or mitigated only
	Advised    bool // only those an advisory was sent about
	Limit      int
}

// ListExposures returns exposures with the computer's name, product and
// installed version, the organisation's sector and the vulnerability's
// CVSS score filled in, the most severe first.
func (db *DB) ListExposures(ctx context.Context, q ExposureQuery) ([]vuln.Exposure, error) {
	var where []string
	var args []any
	for _, f := range []struct{ col, v string }{{"e.org_id", q.OrgID}, {"e.vuln_id", q.VulnID}, {"e.computer_id", q.ComputerID}} {
		if f.v != "" {
			where, args = append(where, f.col+" = ?"), append(args, f.v)
		}
	}
	if q.Unpatched {
		where = append(where, "e.state IN ('open', 'mitigated')")
	}
	if q.Advised {
		where = append(where, "e.advised_at IS NOT NULL")
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := db.r.QueryContext(ctx, db.rebind(`SELECT e.computer_id, e.vuln_id, e.org_id, e.computer_version, e.vuln_version, e.evidence, e.state, e.state_note, e.state_at, e.state_by,
		e.matched_at, e.advised_at, c.name, c.vendor, c.product, c.product_version, o.sector, COALESCE(v.cvss, 0), v.exploited
		FROM exposures e JOIN computers c ON c.id = e.computer_id JOIN orgs o ON o.id = e.org_id JOIN vulnerabilities v ON v.id = e.vuln_id`+w+`
		ORDER BY v.exploited DESC, COALESCE(v.cvss, 0) DESC, e.vuln_id, e.org_id, c.name LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []vuln.Exposure
	for rows.Next() {
		var e vuln.Exposure
		var ev, st, vendor, product string
		var advised sql.NullTime
		if err := rows.Scan(&e.ComputerID, &e.VulnID, &e.OrgID, &e.ComputerVersion, &e.VulnVersion, &ev, &st, &e.StateNote, &e.StateAt, &e.StateBy,
			&e.MatchedAt, &advised, &e.ComputerName, &vendor, &product, &e.Installed, &e.Sector, &e.CVSS, &e.Exploited); err != nil {
			return nil, mapErr(err)
		}
		if err := json.Unmarshal([]byte(ev), &e.Evidence); err != nil {
			return nil, err
		}
		e.State, e.AdvisedAt, e.Product = vuln.ExposureState(st), nullTime(advised), vendor+" "+product
		e.StateAt, e.MatchedAt = e.StateAt.UTC(), e.MatchedAt.UTC()
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

// SetExposureState records the operator's statement about an exposure.
func (db *DB) SetExposureState(ctx context.Context, act audit.Actor, computerID, vulnID string, st vuln.ExposureState, note string) error {
	if !st.Valid() || st == vuln.ExposureResolved {
		return apperr.Invalid("state", "must be open, mitigated, patched or not_affected")
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE exposures SET state = ?, state_note = ?, state_at = ?, state_by = ? WHERE computer_id = ? AND vuln_id = ?"),
			string(st), strings.TrimSpace(note), db.now(), act.UserID, computerID, vulnID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("exposure", vulnID+" on "+computerID)
		}
		return []audit.Entry{act.Event("exposure.state", "computer", computerID, audit.OutcomeSuccess, "vuln="+vulnID+" state="+string(st))}, nil
	})
}

// ---- notices -------------------------------------------------------------

const noticeCols = "id, org_id, vuln_id, kind, tlp, title, body, computer_ids, evidence, request_id, created_at, created_by, acknowledged_at, acknowledged_by"

func scanNotice(r scanner) (*vuln.Notice, error) {
	var n vuln.Notice
	var kind, ids, ev string
	var tlp int
	var ack sql.NullTime
	if err := r.Scan(&n.ID, &n.OrgID, &n.VulnID, &kind, &tlp, &n.Title, &n.Body, &ids, &ev, &n.RequestID, &n.CreatedAt, &n.CreatedBy, &ack, &n.AcknowledgedBy); err != nil {
		return nil, err
	}
	n.Kind, n.TLP, n.AcknowledgedAt, n.CreatedAt = vuln.NoticeKind(kind), marking.TLP(tlp), nullTime(ack), n.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(ids), &n.ComputerIDs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ev), &n.Evidence); err != nil {
		return nil, err
	}
	return &n, nil
}

// NoticeQuery selects notices.
type NoticeQuery struct {
	OrgID  string
	VulnID string
	Limit  int
}

// ListNotices returns notices, newest first.
func (db *DB) ListNotices(ctx context.Context, q NoticeQuery) ([]vuln.Notice, error) {
	var where []string
	var args []any
	if q.OrgID != "" {
		where, args = append(where, "org_id = ?"), append(args, q.OrgID)
	}
	if q.VulnID != "" {
		where, args = append(where, "vuln_id = ?"), append(args, q.VulnID)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 200
	}
	out, err := collect(ctx, db.r, db.rebind("SELECT "+noticeCols+" FROM vuln_notices"+w+" ORDER BY created_at DESC, id LIMIT ?"), append(args, limit), scanNotice)
	return out, mapErr(err)
}

// GetNotice returns notice id.
func (db *DB) GetNotice(ctx context.Context, id string) (*vuln.Notice, error) {
	n, err := scanNotice(db.r.QueryRowContext(ctx, db.rebind("SELECT "+noticeCols+" FROM vuln_notices WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("notice", id)
	}
	return n, mapErr(err)
}

// AcknowledgeNotice marks a notice read and acknowledged (once).
func (db *DB) AcknowledgeNotice(ctx context.Context, act audit.Actor, id string) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE vuln_notices SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL"), db.now(), act.UserID, id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, nil // already acknowledged: nothing to record
		}
		return []audit.Entry{act.Event("notice.acknowledge", "notice", id, audit.OutcomeSuccess, "")}, nil
	})
}

// NoticeRecipients returns the organisations that received a notice about
// vulnerability vulnID.
func (db *DB) NoticeRecipients(ctx context.Context, vulnID string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, db.rebind("SELECT DISTINCT org_id FROM vuln_notices WHERE vuln_id = ? UNION SELECT DISTINCT vendor_org FROM vendor_requests WHERE vuln_id = ? AND state <> 'withdrawn'"), vulnID, vulnID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out, mapErr(rows.Err())
}

// Advise stores advisory notices (one per organisation) and marks the
// advised exposures, and the request when the advisory came from one.
func (db *DB) Advise(ctx context.Context, act audit.Actor, notices []vuln.Notice, req *vuln.Request) error {
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		now := db.now()
		var entries []audit.Entry
		for i := range notices {
			n := &notices[i]
			n.CreatedBy = act.UserID
			if err := db.insertNotice(ctx, tx, n, now); err != nil {
				return nil, err
			}
			for _, c := range n.ComputerIDs {
				if _, err := tx.ExecContext(ctx, db.rebind("UPDATE exposures SET advised_at = ? WHERE computer_id = ? AND vuln_id = ? AND advised_at IS NULL"), now, c, n.VulnID); err != nil {
					return nil, err
				}
			}
			entries = append(entries, act.Event("notice.advise", "vulnerability", n.VulnID, audit.OutcomeSuccess, "org="+n.OrgID+" notice="+n.ID+" computers="+strconv.Itoa(len(n.ComputerIDs))))
		}
		if req != nil {
			req.AdvisedAt = &now
			req.Events = append(req.Events, vuln.RequestEvent{At: now, UserID: act.UserID, OrgID: act.OrgID, Kind: "advised", Text: strconv.Itoa(len(notices)) + " organisations"})
			if err := db.saveRequest(ctx, tx, req, now); err != nil {
				return nil, err
			}
		}
		return entries, nil
	})
}

// ---- vendor requests -----------------------------------------------------

func scanRequest(r scanner) (*vuln.Request, error) {
	var doc string
	if err := r.Scan(&doc); err != nil {
		return nil, err
	}
	var q vuln.Request
	if err := json.Unmarshal([]byte(doc), &q); err != nil {
		return nil, err
	}
	return &q, nil
}

// CreateRequest stores a new vendor request (state requested).
func (db *DB) CreateRequest(ctx context.Context, act audit.Actor, r *vuln.Request) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkOrgs(ctx, tx, "vendor_org_id", []string{r.VendorOrgID}); err != nil {
			return nil, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM vulnerabilities WHERE id = ?"), r.VulnID).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.Invalid("vuln_id", "no vulnerability %q", r.VulnID)
		}
		now := db.now()
		r.ID, r.State, r.CreatedAt, r.DueAt = NewID(), vuln.RequestRequested, now, r.DueAt.UTC()
		r.Events = []vuln.RequestEvent{{At: now, UserID: act.UserID, OrgID: act.OrgID, Kind: "requested", Text: r.Questions}}
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO vendor_requests (id, vuln_id, vendor_org, from_org, state, due_at, created_at, updated_at, doc) VALUES (?,?,?,?,?,?,?,?,?)`),
			r.ID, r.VulnID, r.VendorOrgID, r.FromOrgID, string(r.State), r.DueAt, now, now, jsonText(r)); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("vendor_request.create", "vendor_request", r.ID, audit.OutcomeSuccess, "vuln="+r.VulnID+" vendor="+r.VendorOrgID+" due="+r.DueAt.Format(time.DateOnly))}, nil
	})
}

func (db *DB) saveRequest(ctx context.Context, tx *sql.Tx, r *vuln.Request, now time.Time) error {
	res, err := tx.ExecContext(ctx, db.rebind("UPDATE vendor_requests SET state = ?, updated_at = ?, doc = ? WHERE id = ?"), string(r.State), now, jsonText(r), r.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("vendor request", r.ID)
	}
	return nil
}

// UpdateRequest applies change to request id in one transaction (the
// service's state machine) and records the event it appends.
func (db *DB) UpdateRequest(ctx context.Context, act audit.Actor, id string, change func(r *vuln.Request, now time.Time) error) (*vuln.Request, error) {
	var out *vuln.Request
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		r, err := scanRequest(tx.QueryRowContext(ctx, db.rebind("SELECT doc FROM vendor_requests WHERE id = ?"), id))
		if err == sql.ErrNoRows {
			return nil, apperr.NotFound("vendor request", id)
		}
		if err != nil {
			return nil, err
		}
		now := db.now()
		n := len(r.Events)
		if err := change(r, now); err != nil {
			return nil, err
		}
		if err := db.saveRequest(ctx, tx, r, now); err != nil {
			return nil, err
		}
		out = r
		kind := "update"
		if len(r.Events) > n {
			kind = r.Events[len(r.Events)-1].Kind
		}
		return []audit.Entry{act.Event("vendor_request."+kind, "vendor_request", id, audit.OutcomeSuccess, "state="+string(r.State))}, nil
	})
	return out, err
}

// GetRequest returns vendor request id.
func (db *DB) GetRequest(ctx context.Context, id string) (*vuln.Request, error) {
	r, err := scanRequest(db.r.QueryRowContext(ctx, db.rebind("SELECT doc FROM vendor_requests WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("vendor request", id)
	}
	return r, mapErr(err)
}

// RequestQuery selects vendor requests.
type RequestQuery struct {
	VendorOrgID string
	VulnID      string
	State       vuln.RequestState
	Limit       int
}

// ListRequests returns vendor requests, newest first.
func (db *DB) ListRequests(ctx context.Context, q RequestQuery) ([]vuln.Request, error) {
	var where []string
	var args []any
	for _, f := range []struct{ col, v string }{{"vendor_org", q.VendorOrgID}, {"vuln_id", q.VulnID}, {"state", string(q.State)}} {
		if f.v != "" {
			where, args = append(where, f.col+" = ?"), append(args, f.v)
		}
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	out, err := collect(ctx, db.r, db.rebind("SELECT doc FROM vendor_requests"+w+" ORDER BY created_at DESC, id LIMIT ?"), append(args, limit), scanRequest)
	return out, mapErr(err)
}

// queryer is what eachRow queries: the read pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// eachRow runs query and calls fn with every row, scanned by scan.
func eachRow[T any](ctx context.Context, q queryer, query string, args []any, scan func(scanner) (*T, error), fn func(*T) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// lockRow reads the row of table with this id inside a write transaction,
// locking it on PostgreSQL (SQLite has one writer), for a read-modify-write
// step; NotFound names what (alert, incident).
func lockRow[T any](ctx context.Context, db *DB, tx *sql.Tx, what, table, cols, id string, scan func(scanner) (*T, error)) (*T, error) {
	q := "SELECT " + cols + " FROM " + table + " WHERE id = ?"
	if db.dialect == Postgres {
		q += " FOR UPDATE"
	}
	v, err := scan(tx.QueryRowContext(ctx, db.rebind(q), id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound(what, id)
	}
	return v, err
}

// collect is eachRow gathering the rows.
func collect[T any](ctx context.Context, q queryer, query string, args []any, scan func(scanner) (*T, error)) ([]T, error) {
	var out []T
	err := eachRow(ctx, q, query, args, scan, func(v *T) error { out = append(out, *v); return nil })
	return out, err
}
