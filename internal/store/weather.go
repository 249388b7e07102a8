package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
)

// Threat weather (issue #7): the facts a sector's or an organisation's
// daily level is computed from (docs/weather.md). Every row carries both
// the organisation and its sector, so one read serves an organisation, its
// sector, or every sector and organisation at once (the government's
// overview).

// govKinds are the organisation kinds that act for the government, as SQL
// literals (org.Kind.IsGovernment).
const govKinds = "'government', 'sector_ministry', 'law_enforcement', 'defense'"

// WeatherScope selects whose facts to read: one organisation, one sector
// (its organisations outside the government), or (both empty) everyone.
type WeatherScope struct {
	OrgID  string
	Sector string
}

// WeatherReport is a submitted incident report: counted once, at its first
// submission.
type WeatherReport struct {
	IncidentID, OrgID, Sector string
	At                        time.Time
}

// WeatherSighting is one sighting (false positives are not read).
type WeatherSighting struct {
	OrgID, Sector string
	At            time.Time
}

// WeatherAlert is one recipient of a published alert: PublishedAt is when
// it was addressed (the publication that added it), AckedAt when it
// answered (nil while pending).
type WeatherAlert struct {
	AlertID, Severity, OrgID, Sector string
	PublishedAt                      time.Time
	AckedAt                          *time.Time
}

// WeatherCluster is one organisation involved in a correlation cluster
// that is neither dismissed nor merged.
type WeatherCluster struct {
	ClusterID, OrgID, Sector string
	Strength                 int
	FirstSeen, LastSeen      time.Time
}

// WeatherExposure is a critical computer's exposure to a known-exploited
// vulnerability (retired computers are not read).
type WeatherExposure struct {
	VulnID, ComputerID, OrgID, Sector string
	MatchedAt                         time.Time
	State                             string
	StateAt                           time.Time
}

// WeatherFacts are the facts of one scope in a time range.
type WeatherFacts struct {
	Reports   []WeatherReport
	Sightings []WeatherSighting
	Alerts    []WeatherAlert
	Clusters  []WeatherCluster
	Exposures []WeatherExposure
}

// WeatherFacts reads the facts of scope sc in [from, to): reports first
// submitted, sightings recorded, alerts published, clusters last seen in
// the range (or seen before and still going on), and known-exploited
// exposures matched before to and not fixed before from.
func (db *DB) WeatherFacts(ctx context.Context, sc WeatherScope, from, to time.Time) (*WeatherFacts, error) {
	from, to = from.UTC().Truncate(time.Microsecond), to.UTC().Truncate(time.Microsecond)
	f := &WeatherFacts{}
	// scope returns the condition on the organisation and sector columns.
	scope := func(orgCol, sectorCol string) (string, []any) {
		switch {
		case sc.OrgID != "":
			return " AND " + orgCol + " = ?", []any{sc.OrgID}
		case sc.Sector != "":
			// A sector is its organisations outside the government: a
			// sector ministry's own facts are not the sector's.
			return " AND " + sectorCol + " = ? AND " + orgCol + " IN (SELECT id FROM orgs WHERE kind NOT IN (" + govKinds + "))", []any{sc.Sector}
		}
		return "", nil
	}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		// Reports: every submission before to of the incidents changed
		// since from (a submission changes its incident in the same
		// transaction, so an incident submitted in the range was updated
		// in it or later); the first submission is when a report counts.
		cond, args := scope("i.org_id", "o.sector")
		rows, err := tx.QueryContext(ctx, db.rebind(`SELECT s.incident_id, i.org_id, o.sector, s.submitted_at
			FROM incidents i JOIN orgs o ON o.id = i.org_id JOIN incident_submissions s ON s.incident_id = i.id
			WHERE i.updated_at >= ? AND i.state <> 'refuted' AND s.submitted_at < ?`+cond),
			append([]any{from, to}, args...)...)
		if err != nil {
			return err
		}
		first := map[string]int{}
		for rows.Next() {
			var r WeatherReport
			if err := rows.Scan(&r.IncidentID, &r.OrgID, &r.Sector, &r.At); err != nil {
				rows.Close()
				return err
			}
			r.At = r.At.UTC()
			if i, ok := first[r.IncidentID]; ok {
				if r.At.Before(f.Reports[i].At) {
					f.Reports[i].At = r.At
				}
				continue
			}
			first[r.IncidentID] = len(f.Reports)
			f.Reports = append(f.Reports, r)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		kept := f.Reports[:0]
		for _, r := range f.Reports {
			if !r.At.Before(from) {
				kept = append(kept, r)
			}
		}
		f.Reports = kept

		cond, args = scope("reporter_org", "sector")
		rows, err = tx.QueryContext(ctx, db.rebind(`SELECT reporter_org, sector, created_at FROM sightings
			WHERE false_positive = `+db.boolLit(false)+` AND created_at >= ? AND created_at < ?`+cond),
			append([]any{from, to}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s WeatherSighting
			if err := rows.Scan(&s.OrgID, &s.Sector, &s.At); err != nil {
				rows.Close()
				return err
			}
			s.At = s.At.UTC()
			f.Sightings = append(f.Sightings, s)
		}
		if err := closeRows(rows); err != nil {
			return err
		}

		cond, args = scope("r.org_id", "r.sector")
		// A recipient added by a later publication is addressed from then
		// on; one whose answer went back to pending has not acknowledged.
		// A publication changes the alert, so an alert that addressed
		// someone in the range was updated in it or later.
		rows, err = tx.QueryContext(ctx, db.rebind(`SELECT a.id, a.severity, r.org_id, r.sector, a.published_at, r.added_at, r.state, r.acked_at
			FROM alerts a JOIN alert_recipients r ON r.alert_id = a.id
			WHERE a.state = 'published' AND a.updated_at >= ? AND a.published_at < ?`+cond),
			append([]any{from, to}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a WeatherAlert
			var added, acked sql.NullTime
			var state string
			if err := rows.Scan(&a.AlertID, &a.Severity, &a.OrgID, &a.Sector, &a.PublishedAt, &added, &state, &acked); err != nil {
				rows.Close()
				return err
			}
			a.PublishedAt, a.AckedAt = a.PublishedAt.UTC(), nullTime(acked)
			if t := nullTime(added); t != nil && t.After(a.PublishedAt) {
				a.PublishedAt = *t
			}
			if state == "pending" {
				a.AckedAt = nil
			}
			if a.PublishedAt.Before(from) {
				continue
			}
			f.Alerts = append(f.Alerts, a)
		}
		if err := closeRows(rows); err != nil {
			return err
		}

		cond, args = scope("co.org_id", "co.sector")
		rows, err = tx.QueryContext(ctx, db.rebind(`SELECT c.id, co.org_id, co.sector, c.strength, co.first_seen, co.last_seen
			FROM cluster_orgs co JOIN clusters c ON c.id = co.cluster_id
			WHERE c.status NOT IN ('dismissed', 'merged') AND co.last_seen >= ? AND co.first_seen < ?`+cond),
			append([]any{from, to}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c WeatherCluster
			if err := rows.Scan(&c.ClusterID, &c.OrgID, &c.Sector, &c.Strength, &c.FirstSeen, &c.LastSeen); err != nil {
				rows.Close()
				return err
			}
			c.FirstSeen, c.LastSeen = c.FirstSeen.UTC(), c.LastSeen.UTC()
			f.Clusters = append(f.Clusters, c)
		}
		if err := closeRows(rows); err != nil {
			return err
		}

		cond, args = scope("e.org_id", "o.sector")
		rows, err = tx.QueryContext(ctx, db.rebind(`SELECT e.vuln_id, e.computer_id, e.org_id, o.sector, e.matched_at, e.state, e.state_at
			FROM exposures e JOIN vulnerabilities v ON v.id = e.vuln_id JOIN orgs o ON o.id = e.org_id JOIN computers c ON c.id = e.computer_id
			WHERE v.exploited = `+db.boolLit(true)+` AND c.retired = `+db.boolLit(false)+` AND e.matched_at < ? AND (e.state = 'open' OR e.state_at >= ?)`+cond),
			append([]any{to, from}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e WeatherExposure
			if err := rows.Scan(&e.VulnID, &e.ComputerID, &e.OrgID, &e.Sector, &e.MatchedAt, &e.State, &e.StateAt); err != nil {
				rows.Close()
				return err
			}
			e.MatchedAt, e.StateAt = e.MatchedAt.UTC(), e.StateAt.UTC()
			f.Exposures = append(f.Exposures, e)
		}
		return closeRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// FeedbackAlert is a published alert linked to an incident report.
type FeedbackAlert struct {
	ID, Ref, ClusterID, Severity string
	TitleJA, TitleEN             string
	PublishedAt                  time.Time
}

// FeedbackAlerts returns the published alerts drafted from one of
// clusterIDs or named (by id or ref) in alertRefs, newest first. With
// orgID set, only the alerts addressed to that organisation.
func (db *DB) FeedbackAlerts(ctx context.Context, clusterIDs, alertRefs []string, orgID string) ([]FeedbackAlert, error) {
	var or []string
	var args []any
	if len(clusterIDs) > 0 {
		or = append(or, "a.cluster_id IN ("+placeholders(len(clusterIDs))+")")
		for _, c := range clusterIDs {
			args = append(args, c)
		}
	}
	if len(alertRefs) > 0 {
		or = append(or, "a.id IN ("+placeholders(len(alertRefs))+")", "a.ref IN ("+placeholders(len(alertRefs))+")")
		for range 2 {
			for _, r := range alertRefs {
				args = append(args, r)
			}
		}
	}
	if len(or) == 0 {
		return []FeedbackAlert{}, nil
	}
	q := `SELECT a.id, a.ref, a.cluster_id, a.severity, a.title, a.doc, a.published_at FROM alerts a
		WHERE a.state = 'published' AND (` + strings.Join(or, " OR ") + `)`
	if orgID != "" {
		q += " AND EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.org_id = ?)"
		args = append(args, orgID)
	}
	q += " ORDER BY a.published_at DESC, a.id"
	out := []FeedbackAlert{}
	err := db.readTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, db.rebind(q), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var a FeedbackAlert
			var doc string
			var pub sql.NullTime
			if err := rows.Scan(&a.ID, &a.Ref, &a.ClusterID, &a.Severity, &a.TitleJA, &doc, &pub); err != nil {
				rows.Close()
				return err
			}
			if t := nullTime(pub); t != nil {
				a.PublishedAt = *t
			}
			if ja, en := alertTitles(doc); ja != "" {
				a.TitleJA, a.TitleEN = ja, en
			}
			out = append(out, a)
		}
		return closeRows(rows)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// alertTitles reads the titles recipients see in an alert document (its
// published content, else its current one); "" where there is none.
func alertTitles(doc string) (ja, en string) {
	type names struct {
		JA string `json:"ja"`
		EN string `json:"en"`
	}
	var d struct {
		Title     names `json:"title"`
		Published *struct {
			Title names `json:"title"`
		} `json:"published"`
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return "", ""
	}
	if d.Published != nil && d.Published.Title.JA != "" {
		return d.Published.Title.JA, d.Published.Title.EN
	}
	return d.Title.JA, d.Title.EN
}
