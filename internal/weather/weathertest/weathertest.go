// Package weathertest seeds the facts threat weather is computed from
// into a test store (the weather service's, the API's, the dashboard's
// and the command line's tests), over reportingtest's world. Clusters,
// alerts, sightings and exposures are written as rows, at chosen times;
// incident reports go through the reporting service.
package weathertest

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// Now is the seeded world's clock: 2026-11-30 12:00 JST.
var Now = time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)

// Raw opens a plain connection to the database of dsn (a storetest DSN).
func Raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		db, err = sql.Open("sqlite", "file:"+path+"?_time_format=sqlite&_pragma=busy_timeout(10000)")
	} else {
		db, err = sql.Open("pgx", dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Open returns a fresh, migrated store of dialect d with its DSN.
func Open(t testing.TB, d store.Dialect) (*store.DB, string) {
	t.Helper()
	dsn := storetest.DSN(t, d)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, dsn
}

// Seeded names what Seed created.
type Seeded struct {
	// Incidents are op-a's two submitted reports.
	Incidents []string
	// Cluster is the open cluster involving op-a and op-b; Dismissed the
	// dismissed one involving op-b.
	Cluster, Dismissed string
	// AlertB is the critical alert op-b has not acknowledged (op-a has);
	// AlertA is addressed to op-a only; AlertGov (drafted from Cluster)
	// to op-b only.
	AlertB, AlertA, AlertGov string
}

// Seed writes, as of Now:
//   - op-a (electricity): two reports submitted to the NCO and the
//     ministry; one open exposure of a critical computer to an exploited
//     vulnerability (and one patched);
//   - op-b (railway): three sightings today and one false positive; the
//     electricity ministry ("min", government) one sighting, which is not
//     the electricity sector's;
//   - a cluster (strength 60, last seen yesterday) involving op-a and op-b,
//     and a dismissed one involving op-b;
//   - alert ALR-1 (critical, two days ago) to op-a (acknowledged) and op-b
//     (pending); ALR-2 (medium) to op-a, ALR-3 (high, from the cluster) to op-b.
//
// So op-a's weather today is storm (reports 6 + ALR-2 2 + cluster 3.2 +
// KEV 2 = 13.2), op-b's rain (sightings 3 + ALR-1 5 + cluster 3.2 = 11.2),
// and their sectors' the same; every other sector is clear.
func Seed(t testing.TB, dsn string, w *inteltest.World) *Seeded {
	t.Helper()
	ctx := context.Background()
	raw := Raw(t, dsn)
	exec := func(q string, args ...any) {
		t.Helper()
		if !strings.HasPrefix(dsn, "sqlite:") {
			n := 0
			var b strings.Builder
			for _, c := range q {
				if c == '?' {
					n++
					b.WriteString("$" + itoa(n))
					continue
				}
				b.WriteRune(c)
			}
			q = b.String()
		}
		for i, a := range args {
			if tt, ok := a.(time.Time); ok {
				args[i] = tt.UTC()
			}
		}
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	day := 24 * time.Hour
	opA, opB, nco := w.Orgs["op-a"].ID, w.Orgs["op-b"].ID, w.Orgs["nco"].ID
	out := &Seeded{Cluster: "cl-open", Dismissed: "cl-dismissed", AlertB: "al-1", AlertA: "al-2", AlertGov: "al-3"}

	// Reports, through the reporting service.
	rs := reporting.New(w.DB, inteltest.Quiet)
	rs.Intel = w.Svc
	rs.Now = func() time.Time { return Now }
	rep := w.P("op-a-reporter")
	for _, title := range []string{"Ransomware at substation", "Phishing wave"} {
		aware := Now.Add(-3 * time.Hour)
		c := report.Content{Class: report.Known(report.ClassMalwareInfection, report.Confirmed, aware, "EDR"),
			Aware: report.Known(&aware, report.Confirmed, aware, "EDR"), Summary: report.Known("summary of "+title, report.Confirmed, aware, "EDR")}
		in, err := rs.Create(ctx, rep, reporting.NewIncident{Title: title, Content: &c})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.Submit(ctx, rep, in.ID, reporting.SubmitRequest{}); err != nil {
			t.Fatal(err)
		}
		out.Incidents = append(out.Incidents, in.ID)
	}

	for i, fp := range []bool{false, false, false, true, false} {
		who, sector := opB, "railway"
		if i == 4 { // the ministry's own sighting is not the sector's
			who, sector = w.Orgs["min"].ID, "electricity"
		}
		exec(`INSERT INTO sightings (id, stix_id, reporter_org, reporter_user, anonymous, sector, count, first_seen, last_seen, false_positive, note, sighting_ref, created_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`, "sg-"+itoa(i), "indicator--0000000"+itoa(i)+"-0000-4000-8000-000000000000", who, "u", false, sector, 4,
			Now.Add(-2*time.Hour), Now.Add(-time.Hour), fp, "", "", Now.Add(-time.Hour))
	}

	for _, c := range []struct {
		id, status string
		orgs       []string
	}{{out.Cluster, "open", []string{opA, opB}}, {out.Dismissed, "dismissed", []string{opB}}} {
		exec(`INSERT INTO clusters (id, ref, title, status, merged_into, strength, orgs, first_seen, last_seen, note, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, c.id, "CL-2026-"+c.id, "cluster "+c.id, c.status, "", 60, len(c.orgs), Now.Add(-3*day), Now.Add(-day), "", Now.Add(-3*day), Now.Add(-day))
		for _, o := range c.orgs {
			sector := map[string]string{opA: "electricity", opB: "railway"}[o]
			exec(`INSERT INTO cluster_orgs (cluster_id, org_id, sector, first_seen, last_seen) VALUES (?,?,?,?,?)`, c.id, o, sector, Now.Add(-3*day), Now.Add(-day))
		}
	}

	type rcpt struct {
		org, sector string
		acked       bool
	}
	for _, a := range []struct {
		id, severity, cluster, title string
		to                           []rcpt
	}{
		{out.AlertB, "critical", "", "重大な脆弱性", []rcpt{{opA, "electricity", true}, {opB, "railway", false}}},
		{out.AlertA, "medium", "", "フィッシング注意", []rcpt{{opA, "electricity", false}}},
		{out.AlertGov, "high", out.Cluster, "攻撃キャンペーン", []rcpt{{opB, "railway", true}}},
	} {
		pub := Now.Add(-2 * day)
		doc := `{"id":"` + a.id + `","ref":"ALR-2026-` + a.id + `","title":{"ja":"` + a.title + `","en":"EN ` + a.id + `"},"published":{"title":{"ja":"` + a.title + `","en":"EN ` + a.id + `"}}}`
		exec(`INSERT INTO alerts (id, ref, org_id, cluster_id, state, severity, tlp, title, rev, doc, created_by, created_at, updated_at, published_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, a.id, "ALR-2026-"+a.id, nco, a.cluster, "published", a.severity, 1, a.title, 1, doc, "u", pub, pub, pub)
		for _, r := range a.to {
			var acked any
			state := "pending"
			if r.acked {
				acked, state = Now.Add(-day).UTC(), "acknowledged"
			}
			exec(`INSERT INTO alert_recipients (alert_id, org_id, sector, reasons, state, actions, acked_at, acked_by) VALUES (?,?,?,?,?,?,?,?)`,
				a.id, r.org, r.sector, `["everyone"]`, state, "", acked, "")
		}
	}

	exec(`INSERT INTO computers (id, org_id, ref, version, name, function, vendor, product, product_version, internet_facing, excluded, retired, doc, notified_at, created_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, "cmp-1", opA, "SCADA-1", 1, "SCADA", "control", "fortinet", "fortios", "7.0", true, false, false, "{}", Now.Add(-30*day), Now.Add(-30*day))
	for _, v := range []string{"CVE-2024-21762", "CVE-2023-0001"} {
		exec(`INSERT INTO vulnerabilities (id, title, cvss, exploited, tlp, owner_org, source, version, published, created_at, updated_at, doc)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, v, v, 9.8, true, 1, nco, "test", 1, Now.Add(-60*day), Now.Add(-60*day), Now.Add(-60*day),
			`{"id":"`+v+`","title":"`+v+`","exploited":true,"tlp":"clear","owner_org_id":"`+nco+`"}`)
	}
	for _, e := range []struct{ vuln, state string }{{"CVE-2024-21762", "open"}, {"CVE-2023-0001", "patched"}} {
		exec(`INSERT INTO exposures (computer_id, vuln_id, org_id, computer_version, vuln_version, evidence, state, state_note, state_at, state_by, matched_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?)`, "cmp-1", e.vuln, opA, 1, 1, "{}", e.state, "", Now.Add(-20*day), "u", Now.Add(-20*day))
	}
	return out
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
