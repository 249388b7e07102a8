package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/marking"
	"sakimori/internal/org"
)

// Alerts (issue #7): the alert document in alerts (columns for queries),
// its recipients with their reasons and acknowledgements in
// alert_recipients, the queries that resolve targeting (everyone, sectors,
// exposures, sightings, supply chains) and the cluster evidence an alert
// is drafted from (tables of migration 0009, read only).

const alertCols = "doc, state, rev, created_at, updated_at, published_at"

func scanAlert(r scanner) (*alert.Alert, error) {
	var doc, state string
	var rev int
	var created, updated time.Time
	var published sql.NullTime
	if err := r.Scan(&doc, &state, &rev, &created, &updated, &published); err != nil {
		return nil, err
	}
	var a alert.Alert
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return nil, err
	}
	a.State, a.Rev, a.CreatedAt, a.UpdatedAt = alert.State(state), rev, created.UTC(), updated.UTC()
	a.PublishedAt = nil
	if published.Valid {
		t := published.Time.UTC()
		a.PublishedAt = &t
	}
	return &a, nil
}

func dbTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// CreateAlert stores a new alert: it assigns ID, Ref
// ("ALR-<year>-<4-digit sequence of the year>"), Rev 1, the times and the
// state draft.
func (db *DB) CreateAlert(ctx context.Context, act audit.Actor, a *alert.Alert) error {
	if a.OrgID == "" {
		return apperr.Invalid("org_id", "is required")
	}
	return db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		if err := db.checkOrgs(ctx, tx, "org_id", []string{a.OrgID}); err != nil {
			return nil, err
		}
		now := db.now()
		a.ID, a.Rev, a.CreatedAt, a.UpdatedAt, a.State = NewID(), 1, now, now, alert.Draft
		ref, err := db.nextAlertRef(ctx, tx, now.Year())
		if err != nil {
			return nil, err
		}
		a.Ref = ref
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO alerts (id, ref, org_id, cluster_id, state, severity, tlp, title, rev, doc, created_by, created_at, updated_at, published_at, due_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`), a.ID, a.Ref, a.OrgID, a.ClusterID, string(a.State), string(a.Severity), int(a.TLP), a.Title.JA,
			a.Rev, jsonText(a), a.CreatedBy, now, now, nil, dbTime(a.DueAt)); err != nil {
			return nil, err
		}
		return []audit.Entry{act.Event("alert.create", "alert", a.ID, audit.OutcomeSuccess, "ref="+a.Ref+" cluster="+a.ClusterID)}, nil
	})
}

func (db *DB) nextAlertRef(ctx context.Context, tx *sql.Tx, year int) (string, error) {
	prefix := "ALR-" + strconv.Itoa(year) + "-"
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT ref FROM alerts WHERE ref LIKE ? ESCAPE '\' ORDER BY LENGTH(ref) DESC, ref DESC`), likeEscape(prefix)+"%")
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
		if n, err := strconv.Atoi(strings.TrimPrefix(ref, prefix)); err == nil && n >= 0 {
			max = n
			break
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%04d", prefix, max+1), nil
}

// Alert returns an alert by id or ref.
func (db *DB) Alert(ctx context.Context, idOrRef string) (*alert.Alert, error) {
	col := "id"
	if alert.ValidRef(idOrRef) {
		col = "ref"
	}
	a, err := scanAlert(db.r.QueryRowContext(ctx, db.rebind("SELECT "+alertCols+" FROM alerts WHERE "+col+" = ?"), idOrRef))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("alert", idOrRef)
	}
	return a, mapErr(err)
}

// AlertChange is what one lifecycle step writes besides the alert.
type AlertChange struct {
	// Recipients are merged into the alert's recipients: new organisations
	// are added (pending, added_in = the alert's latest publication), the
	// reasons of existing ones are extended; none is ever removed.
	Recipients []alert.Recipient
	// Publish: the step is a publication; the store fills the last
	// publication's Added and Recipients counts.
	Publish bool
	Audit   []audit.Entry
}

// UpdateAlert applies one step to alert id in one write transaction: it
// loads the alert (locking the row on PostgreSQL), calls fn, which mutates
// it and says what else to write, and stores it with rev+1.
func (db *DB) UpdateAlert(ctx context.Context, id string, fn func(a *alert.Alert) (*AlertChange, error)) (*alert.Alert, error) {
	var out *alert.Alert
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		a, err := lockRow(ctx, db, tx, "alert", "alerts", alertCols, id, scanAlert)
		if err != nil {
			return nil, err
		}
		orig := *a
		ch, err := fn(a)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			ch = &AlertChange{}
		}
		now := db.now()
		a.ID, a.Ref, a.OrgID, a.CreatedAt, a.CreatedBy = orig.ID, orig.Ref, orig.OrgID, orig.CreatedAt, orig.CreatedBy
		a.Rev, a.UpdatedAt = orig.Rev+1, now
		if len(ch.Recipients) > 0 || ch.Publish {
			n := len(a.Publications)
			if n == 0 {
				n = 1
			}
			added, total, err := db.mergeRecipients(ctx, tx, a.ID, n, ch.Recipients, now)
			if err != nil {
				return nil, err
			}
			if ch.Publish && len(a.Publications) > 0 {
				p := &a.Publications[len(a.Publications)-1]
				p.Added, p.Recipients = added, total
			}
		}
		tlp := a.TLP
		if a.Published != nil {
			tlp = marking.Stricter(tlp, a.Published.TLP) // who may see it: the stricter label
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE alerts SET cluster_id = ?, state = ?, severity = ?, tlp = ?, title = ?, rev = ?, doc = ?, updated_at = ?, published_at = ?, due_at = ? WHERE id = ?`),
			a.ClusterID, string(a.State), string(a.Severity), int(tlp), a.Title.JA, a.Rev, jsonText(a), now, dbTime(a.PublishedAt), dbTime(a.DueAt), a.ID); err != nil {
			return nil, err
		}
		out = a
		return ch.Audit, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) mergeRecipients(ctx context.Context, tx *sql.Tx, alertID string, pub int, rs []alert.Recipient, now time.Time) (added, total int, err error) {
	existing := map[string][]string{}
	rows, err := tx.QueryContext(ctx, db.rebind("SELECT org_id, reasons FROM alert_recipients WHERE alert_id = ?"), alertID)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var id, reasons string
		if err := rows.Scan(&id, &reasons); err != nil {
			rows.Close()
			return 0, 0, err
		}
		var rr []string
		_ = json.Unmarshal([]byte(reasons), &rr)
		existing[id] = rr
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	// New recipients are inserted in multi-row statements (a publication
	// to every organisation is thousands of rows).
	var fresh []alert.Recipient
	flush := func() error {
		for start := 0; start < len(fresh); start += 200 {
			part := fresh[start:min(start+200, len(fresh))]
			var b strings.Builder
			b.WriteString("INSERT INTO alert_recipients (alert_id, org_id, sector, reasons, state, actions, acked_at, acked_by, added_at, added_in) VALUES ")
			args := make([]any, 0, len(part)*10)
			for i, r := range part {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString("(?,?,?,?,?,?,?,?,?,?)")
				args = append(args, alertID, r.OrgID, r.Sector, jsonText(r.Reasons), string(alert.Pending), "", nil, "", now, pub)
			}
			if _, err := tx.ExecContext(ctx, db.rebind(b.String()), args...); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range rs {
		old, ok := existing[r.OrgID]
		if !ok {
			fresh = append(fresh, r)
			existing[r.OrgID] = r.Reasons
			added++
			continue
		}
		merged := slices.Clone(old)
		for _, x := range r.Reasons {
			if !slices.Contains(merged, x) {
				merged = append(merged, x)
			}
		}
		if len(merged) != len(old) {
			if _, err := tx.ExecContext(ctx, db.rebind("UPDATE alert_recipients SET reasons = ? WHERE alert_id = ? AND org_id = ?"), jsonText(merged), alertID, r.OrgID); err != nil {
				return 0, 0, err
			}
			existing[r.OrgID] = merged
		}
	}
	if err := flush(); err != nil {
		return 0, 0, err
	}
	return added, len(existing), nil
}

// AlertQuery filters ListAlerts.
type AlertQuery struct {
	States []alert.State
	// Issuer: alerts issued by that organisation.
	Issuer string
	// Recipient: alerts addressed to that organisation.
	Recipient string
	// Visible: what a non-government organisation may see: published or
	// withdrawn alerts that are TLP:CLEAR or addressed to it.
	Visible string
	// Unacked (with Recipient or Visible): alerts the organisation is a
	// pending recipient of.
	Unacked   bool
	ClusterID string
	Limit     int
}

// ListAlerts returns alerts, the most recently updated first.
func (db *DB) ListAlerts(ctx context.Context, q AlertQuery) ([]alert.Alert, error) {
	var where []string
	var args []any
	if len(q.States) > 0 {
		where = append(where, "a.state IN ("+placeholders(len(q.States))+")")
		for _, s := range q.States {
			args = append(args, string(s))
		}
	}
	if q.Issuer != "" {
		where, args = append(where, "a.org_id = ?"), append(args, q.Issuer)
	}
	if q.ClusterID != "" {
		where, args = append(where, "a.cluster_id = ?"), append(args, q.ClusterID)
	}
	if q.Recipient != "" {
		where, args = append(where, "EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.org_id = ?)"), append(args, q.Recipient)
	}
	if q.Visible != "" {
		where = append(where, "a.state IN (?, ?) AND (a.tlp = ? OR EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.org_id = ?))")
		args = append(args, string(alert.Published), string(alert.Withdrawn), 1, q.Visible)
	}
	if q.Unacked {
		o := q.Recipient
		if o == "" {
			o = q.Visible
		}
		where, args = append(where, "EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.org_id = ? AND r.state = ?)"), append(args, o, string(alert.Pending))
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limitOr(q.Limit, 100, 1000))
	out, err := collect(ctx, db.r, db.rebind("SELECT "+alertCols+" FROM alerts a"+w+" ORDER BY a.updated_at DESC, a.id DESC LIMIT ?"), args, scanAlert)
	return out, mapErr(err)
}

const recipientCols = "r.alert_id, r.org_id, r.sector, r.reasons, r.state, r.actions, r.acked_at, r.acked_by, r.added_at, r.added_in, COALESCE(o.name_ja, ''), COALESCE(o.name_en, '')"

func scanRecipient(s scanner) (*alert.Recipient, error) {
	var r alert.Recipient
	var reasons, state string
	var acked, added sql.NullTime
	if err := s.Scan(&r.AlertID, &r.OrgID, &r.Sector, &reasons, &state, &r.Actions, &acked, &r.AckedBy, &added, &r.AddedIn, &r.OrgName.JA, &r.OrgName.EN); err != nil {
		return nil, err
	}
	r.State = alert.RecipientState(state)
	if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil {
		return nil, err
	}
	if acked.Valid {
		t := acked.Time.UTC()
		r.AckedAt = &t
	}
	if added.Valid {
		t := added.Time.UTC()
		r.AddedAt = &t
	}
	return &r, nil
}

// AlertRecipients returns the recipients of an alert with their
// organisations' names, ordered by organisation name (English).
func (db *DB) AlertRecipients(ctx context.Context, alertID string) ([]alert.Recipient, error) {
	out, err := collect(ctx, db.r, db.rebind("SELECT "+recipientCols+" FROM alert_recipients r LEFT JOIN orgs o ON o.id = r.org_id WHERE r.alert_id = ? ORDER BY o.name_en, r.org_id"),
		[]any{alertID}, scanRecipient)
	return out, mapErr(err)
}

// AlertRecipientsOf returns an organisation's recipient rows of the given
// alerts, by alert id.
func (db *DB) AlertRecipientsOf(ctx context.Context, orgID string, alertIDs []string) (map[string]alert.Recipient, error) {
	out := map[string]alert.Recipient{}
	for start := 0; start < len(alertIDs); start += 500 {
		ids := alertIDs[start:min(start+500, len(alertIDs))]
		args := []any{orgID}
		for _, id := range ids {
			args = append(args, id)
		}
		rs, err := collect(ctx, db.r, db.rebind("SELECT "+recipientCols+" FROM alert_recipients r LEFT JOIN orgs o ON o.id = r.org_id WHERE r.org_id = ? AND r.alert_id IN ("+placeholders(len(ids))+")"), args, scanRecipient)
		if err != nil {
			return nil, mapErr(err)
		}
		for _, r := range rs {
			out[r.AlertID] = r
		}
	}
	return out, nil
}

// AckAlert records a recipient's answer (it may be changed later). The
// alert must be published and the organisation one of its recipients.
func (db *DB) AckAlert(ctx context.Context, act audit.Actor, alertID, orgID string, st alert.RecipientState, actions, by string) (*alert.Recipient, error) {
	var out *alert.Recipient
	err := db.writeTx(ctx, func(tx *sql.Tx) ([]audit.Entry, error) {
		var state string
		if err := tx.QueryRowContext(ctx, db.rebind("SELECT state FROM alerts WHERE id = ?"), alertID).Scan(&state); err == sql.ErrNoRows {
			return nil, apperr.NotFound("alert", alertID)
		} else if err != nil {
			return nil, err
		}
		if alert.State(state) != alert.Published {
			return nil, apperr.Conflict("state", "only a published alert is acknowledged (it is %s)", state)
		}
		now := db.now()
		res, err := tx.ExecContext(ctx, db.rebind("UPDATE alert_recipients SET state = ?, actions = ?, acked_at = ?, acked_by = ? WHERE alert_id = ? AND org_id = ?"),
			string(st), actions, now, by, alertID, orgID)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.NotFound("alert", alertID)
		}
		r, err := scanRecipient(tx.QueryRowContext(ctx, db.rebind("SELECT "+recipientCols+" FROM alert_recipients r LEFT JOIN orgs o ON o.id = r.org_id WHERE r.alert_id = ? AND r.org_id = ?"), alertID, orgID))
		if err != nil {
			return nil, err
		}
		out = r
		return []audit.Entry{act.Event("alert.acknowledge", "alert", alertID, audit.OutcomeSuccess, "org="+orgID+" state="+string(st))}, nil
	})
	return out, err
}

// AlertTargetQuery is an alert's targeting with what it is about, for
// resolving recipients.
type AlertTargetQuery struct {
	Everyone bool
	Sectors  []org.Sector
	Orgs     []string
	// Exposed: organisations with open or mitigated exposures of the CVEs,
	// and with registered (not retired, not excluded) computers of the
	// products (vendor and product, lower case; versions when given).
	Exposed  bool
	CVEs     []string
	Products []AlertProduct
	// Sighted: organisations that sighted (not as a false positive) the
	// indicators' source objects, or objects with one of the atoms.
	Sighted   bool
	SourceIDs []string
	Atoms     [][2]string // kind, value
	// SupplyChain: partners (both directions of org_links) of the exposed
	// and sighting organisations.
	SupplyChain bool
	// Exclude is never a recipient (the issuing organisation).
	Exclude string
}

// AlertProduct is a product to find registered computers of.
type AlertProduct struct {
	Vendor, Product string
	Versions        []string
}

// ResolveAlertTargets returns the recipients the targeting addresses, each
// with all its reasons, ordered by organisation id.
func (db *DB) ResolveAlertTargets(ctx context.Context, q AlertTargetQuery) ([]alert.Recipient, error) {
	type acc struct {
		sector  string
		reasons []string
	}
	got := map[string]*acc{}
	sectors := map[string]string{}
	names := map[string]org.Names{}
	add := func(orgID, reason string) {
		if orgID == "" || orgID == q.Exclude {
			return
		}
		a := got[orgID]
		if a == nil {
			a = &acc{}
			got[orgID] = a
		}
		if !slices.Contains(a.reasons, reason) {
			a.reasons = append(a.reasons, reason)
		}
	}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT id, sector, name_ja, name_en FROM orgs")
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, sec string
			var n org.Names
			if err := rows.Scan(&id, &sec, &n.JA, &n.EN); err != nil {
				rows.Close()
				return err
			}
			sectors[id], names[id] = sec, n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if q.Everyone {
			for id := range sectors {
				add(id, "everyone")
			}
		}
		for _, s := range q.Sectors {
			for id, sec := range sectors {
				if sec == string(s) && s != "" {
					add(id, "sector:"+string(s))
				}
			}
		}
		for _, id := range q.Orgs {
			if _, ok := sectors[id]; !ok {
				return apperr.Invalid("targeting.orgs", "unknown organisation %q", id)
			}
			add(id, "org")
		}
		affected := map[string]bool{}
		pairs := func(query string, args []any, reason func(a, b string) (string, string)) error {
			rows, err := tx.QueryContext(ctx, db.rebind(query), args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var x, y string
				if err := rows.Scan(&x, &y); err != nil {
					return err
				}
				o, r := reason(x, y)
				add(o, r)
				affected[o] = true
			}
			return rows.Err()
		}
		if q.Exposed {
			for start := 0; start < len(q.CVEs); start += 500 {
				ids := q.CVEs[start:min(start+500, len(q.CVEs))]
				args := []any{}
				for _, id := range ids {
					args = append(args, id)
				}
				if err := pairs("SELECT org_id, computer_id FROM exposures WHERE vuln_id IN ("+placeholders(len(ids))+") AND state IN ('open', 'mitigated')", args,
					func(o, c string) (string, string) { return o, "exposed:" + c }); err != nil {
					return err
				}
			}
			for _, p := range q.Products {
				if p.Vendor == "" || p.Product == "" {
					continue
				}
				query := "SELECT org_id, id FROM computers WHERE LOWER(vendor) = ? AND LOWER(product) = ? AND retired = " + db.boolLit(false) + " AND excluded = " + db.boolLit(false)
				args := []any{p.Vendor, p.Product}
				if len(p.Versions) > 0 {
					query += " AND product_version IN (" + placeholders(len(p.Versions)) + ")"
					for _, v := range p.Versions {
						args = append(args, v)
					}
				}
				if err := pairs(query, args, func(o, c string) (string, string) { return o, "exposed:" + c }); err != nil {
					return err
				}
			}
		}
		if q.Sighted {
			fp := db.boolLit(false)
			ids := slices.Clone(q.SourceIDs)
			// Objects whose atoms are the indicators' values.
			for _, at := range q.Atoms {
				rows, err := tx.QueryContext(ctx, db.rebind("SELECT DISTINCT o.stix_id FROM stix_atoms x JOIN stix_objects o ON o.pk = x.object_pk WHERE x.value = ? AND x.kind = ?"), at[1], at[0])
				if err != nil {
					return err
				}
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					if !slices.Contains(ids, id) {
						ids = append(ids, id)
					}
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
			for start := 0; start < len(ids); start += 500 {
				part := ids[start:min(start+500, len(ids))]
				args := []any{}
				for _, id := range part {
					args = append(args, id)
				}
				if err := pairs("SELECT DISTINCT reporter_org, stix_id FROM sightings WHERE stix_id IN ("+placeholders(len(part))+") AND false_positive = "+fp, args,
					func(o, id string) (string, string) { return o, "sighted:" + id }); err != nil {
					return err
				}
			}
		}
		if q.SupplyChain && len(affected) > 0 {
			var aff []string
			for o := range affected {
				aff = append(aff, o)
			}
			sort.Strings(aff)
			for start := 0; start < len(aff); start += 400 {
				part := aff[start:min(start+400, len(aff))]
				args := []any{}
				for _, id := range part {
					args = append(args, id)
				}
				ph := placeholders(len(part))
				rows, err := tx.QueryContext(ctx, db.rebind("SELECT supplier_id, customer_id FROM org_links WHERE supplier_id IN ("+ph+") OR customer_id IN ("+ph+")"), append(args, args...)...)
				if err != nil {
					return err
				}
				var links [][2]string
				for rows.Next() {
					var s, c string
					if err := rows.Scan(&s, &c); err != nil {
						rows.Close()
						return err
					}
					links = append(links, [2]string{s, c})
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				for _, l := range links {
					if affected[l[1]] {
						add(l[0], "supply_chain:"+l[1])
					}
					if affected[l[0]] {
						add(l[1], "supply_chain:"+l[0])
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]alert.Recipient, 0, len(got))
	for id, a := range got {
		sort.Strings(a.reasons)
		out = append(out, alert.Recipient{OrgID: id, OrgName: names[id], Sector: sectors[id], Reasons: a.reasons, State: alert.Pending})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OrgID < out[j].OrgID })
	return out, nil
}

// AlertCluster is what an alert is drafted from: a correlation cluster's
// non-capped evidence (migration 0009's tables).
type AlertCluster struct {
	ID, Ref, Title, Status string
	Strength, Orgs         int
	FirstSeen, LastSeen    time.Time
	Values                 []AlertClusterValue
	Sectors                []string // of the cluster's organisations
	Incidents              []string // incident ids of report observations
}

// AlertClusterValue is one non-capped value of a cluster with the STIX ids
// of the shared objects and sighted objects it was observed in.
type AlertClusterValue struct {
	Kind, Value string
	Orgs        int
	Sources     []string
}

// AlertClusterEvidence reads a cluster and its non-capped evidence.
func (db *DB) AlertClusterEvidence(ctx context.Context, clusterID string) (*AlertCluster, error) {
	var c AlertCluster
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.rebind("SELECT id, ref, title, status, strength, orgs, first_seen, last_seen FROM clusters WHERE id = ? OR ref = ?"), clusterID, clusterID).
			Scan(&c.ID, &c.Ref, &c.Title, &c.Status, &c.Strength, &c.Orgs, &c.FirstSeen, &c.LastSeen)
		if err == sql.ErrNoRows {
			return apperr.NotFound("cluster", clusterID)
		}
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, db.rebind("SELECT kind, value, orgs FROM corr_values WHERE cluster_id = ? AND capped = "+db.boolLit(false)+" ORDER BY orgs DESC, kind, value LIMIT 1000"), c.ID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v AlertClusterValue
			if err := rows.Scan(&v.Kind, &v.Value, &v.Orgs); err != nil {
				rows.Close()
				return err
			}
			c.Values = append(c.Values, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range c.Values {
			v := &c.Values[i]
			rows, err := tx.QueryContext(ctx, db.rebind("SELECT DISTINCT source_kind, source_ref FROM corr_observations WHERE kind = ? AND value = ? ORDER BY source_kind, source_ref LIMIT 50"), v.Kind, v.Value)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k, ref string
				if err := rows.Scan(&k, &ref); err != nil {
					rows.Close()
					return err
				}
				switch k {
				case "report":
					if !slices.Contains(c.Incidents, ref) {
						c.Incidents = append(c.Incidents, ref)
					}
				default:
					if !slices.Contains(v.Sources, ref) {
						v.Sources = append(v.Sources, ref)
					}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		rows, err = tx.QueryContext(ctx, db.rebind("SELECT DISTINCT sector FROM cluster_orgs WHERE cluster_id = ? AND sector <> '' ORDER BY sector"), c.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return err
			}
			c.Sectors = append(c.Sectors, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	c.FirstSeen, c.LastSeen = c.FirstSeen.UTC(), c.LastSeen.UTC()
	return &c, nil
}

// FirstClusterID returns the id of the strongest open or confirmed
// cluster, or "" when there is none (the demo drafts from it).
func (db *DB) FirstClusterID(ctx context.Context) (string, error) {
	var id string
	err := db.r.QueryRowContext(ctx, "SELECT id FROM clusters WHERE status IN ('open', 'confirmed') ORDER BY strength DESC, id LIMIT 1").Scan(&id)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return id, mapErr(err)
}
