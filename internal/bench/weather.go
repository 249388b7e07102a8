package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/weather"
)

func init() {
	Register(Bench{Name: "weather",
		Description: "threat weather: the formula over a loaded sector's facts for 7 days, and on each store an organisation's weather (its own and its sector's, 7-day trend) and the government's overview of every sector and organisation",
		Run:         runWeather})
}

// Workload of the weather benchmark: operators per sector (15 sectors),
// and per operator what the 37 days the trend reads hold.
const (
	WeatherOrgsPerSector      = 20
	WeatherOrgsPerSectorQuick = 2
	weatherReports            = 5  // submitted reports per operator
	weatherSightings          = 40 // sightings per operator
	weatherAlerts             = 40 // alerts, each to one sector's operators
	weatherClusters           = 30 // clusters, each involving 5 operators
	weatherVulns              = 50 // exploited vulnerabilities
	weatherComputers          = 2  // computers per operator, 3 exposures each
)

var weatherNow = time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)

func runWeather(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	per := WeatherOrgsPerSector
	if cfg.Quick {
		per = WeatherOrgsPerSectorQuick
	}
	var out []Result
	// The formula alone, over one sector's facts.
	r := rand.New(rand.NewPCG(1, 2))
	f := &weather.Facts{}
	at := func(days int) time.Time {
		return weatherNow.Add(-time.Duration(r.IntN(days*24*60)) * time.Minute)
	}
	for range per * weatherReports * 20 / WeatherOrgsPerSector {
		f.Reports = append(f.Reports, store.WeatherReport{IncidentID: strconv.Itoa(r.Int()), At: at(14)})
	}
	for range per * weatherSightings * 20 / WeatherOrgsPerSector {
		f.Sightings = append(f.Sightings, store.WeatherSighting{At: at(37)})
	}
	for i := range 200 {
		a := store.WeatherAlert{AlertID: strconv.Itoa(i % 10), Severity: "high", PublishedAt: at(37)}
		if i%3 != 0 {
			t := a.PublishedAt.Add(time.Duration(r.IntN(72)) * time.Hour)
			a.AckedAt = &t
		}
		f.Alerts = append(f.Alerts, a)
	}
	for i := range 60 {
		first := at(37)
		f.Clusters = append(f.Clusters, store.WeatherCluster{ClusterID: strconv.Itoa(i % 30), Strength: r.IntN(100), FirstSeen: first,
			LastSeen: first.Add(time.Duration(r.IntN(10*24)) * time.Hour)})
	}
	for i := range 120 {
		f.Exposures = append(f.Exposures, store.WeatherExposure{VulnID: strconv.Itoa(i % weatherVulns), MatchedAt: at(90), State: "open"})
	}
	iters := 20_000
	if cfg.Quick {
		iters = 500
	}
	lat := make([]time.Duration, 0, iters)
	for range iters {
		t := time.Now()
		weather.Trend(weatherNow, 7, f)
		lat = append(lat, time.Since(t))
	}
	p50, p99, _ := percentiles(lat)
	facts := len(f.Reports) + len(f.Sightings) + len(f.Alerts) + len(f.Clusters) + len(f.Exposures)
	out = append(out, Result{Name: "weather/engine/trend-7-days", Value: float64(p99.Nanoseconds()) / 1000, Unit: "µs p99", N: int64(iters),
		Note: fmt.Sprintf("7 days over %d facts of one sector; p50 %.1f µs", facts, float64(p50.Nanoseconds())/1000)})
	fmt.Fprintln(progress, out[0])
	rs, err := eachStore(ctx, cfg, "weather", func(tg target) ([]Result, error) {
		dsn, drop, err := tg.dsn()
		if err != nil {
			return nil, err
		}
		defer drop()
		return weatherStore(ctx, tg.name, dsn, per, cfg.Quick, progress)
	})
	return append(out, rs...), err
}

// weatherSeed writes the facts with plain SQL (the services would take
// far longer to produce them and are measured elsewhere).
func weatherSeed(ctx context.Context, db *store.DB, dsn string, per int) (gov *auth.Principal, op *auth.Principal, err error) {
	nco, ops, err := seedOrgs(ctx, db, per)
	if err != nil {
		return nil, nil, err
	}
	raw, rebind, err := openRaw(dsn)
	if err != nil {
		return nil, nil, err
	}
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		if err != nil {
			return
		}
		_, err = tx.ExecContext(ctx, rebind(q), args...)
	}
	r := rand.New(rand.NewPCG(3, 4))
	at := func(days int) time.Time {
		return weatherNow.Add(-time.Duration(r.IntN(days*24*60)) * time.Minute).UTC()
	}
	bySector := map[org.Sector][]*org.Organisation{}
	for _, o := range ops {
		bySector[o.Sector] = append(bySector[o.Sector], o)
	}
	for v := range weatherVulns {
		id := fmt.Sprintf("CVE-2026-%05d", v)
		exec(`INSERT INTO vulnerabilities (id, title, cvss, exploited, tlp, owner_org, source, version, published, created_at, updated_at, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			id, id, 9.8, true, 1, nco.ID, "bench", 1, weatherNow, weatherNow, weatherNow, `{"id":"`+id+`"}`)
	}
	for i, o := range ops {
		for j := range weatherReports {
			id := fmt.Sprintf("inc-%d-%d", i, j)
			t := at(14)
			exec(`INSERT INTO incidents (id, org_id, ref, title, state, version, submitted_version, rev, doc, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
				id, o.ID, fmt.Sprintf("INC-2026-%04d", j), "bench", "submitted", 1, 1, 1, "{}", t, t)
			for k, rcpt := range []string{nco.ID, nco.ID} {
				exec(`INSERT INTO incident_submissions (id, incident_id, org_id, recipient, partner, regime, stage, kind, version, submitted_at, submitted_by, emergency, body, sha256, authority_ref, acked_by)
					VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, fmt.Sprintf("%s-s%d", id, k), id, o.ID, rcpt, false, "jp-acd", "prompt", "report", 1,
					t.Add(time.Duration(k)*time.Hour), "u", false, "{}", "0", "", "")
			}
		}
		for j := range weatherSightings {
			t := at(37)
			exec(`INSERT INTO sightings (id, stix_id, reporter_org, reporter_user, anonymous, sector, count, first_seen, last_seen, false_positive, note, sighting_ref, created_at)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`, fmt.Sprintf("sg-%d-%d", i, j), fmt.Sprintf("indicator--%d", r.IntN(1000)), o.ID, "u", false, string(o.Sector), 1+r.IntN(9), t, t, j%10 == 0, "", "", t)
		}
		for c := range weatherComputers {
			cid := fmt.Sprintf("cmp-%d-%d", i, c)
			exec(`INSERT INTO computers (id, org_id, ref, version, name, function, vendor, product, product_version, internet_facing, excluded, retired, doc, notified_at, created_at)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, cid, o.ID, cid, 1, cid, "control", "v", "p", "1", true, false, false, "{}", weatherNow, weatherNow)
			for e := range 3 {
				state := "open"
				if e == 2 {
					state = "patched"
				}
				exec(`INSERT INTO exposures (computer_id, vuln_id, org_id, computer_version, vuln_version, evidence, state, state_note, state_at, state_by, matched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
					cid, fmt.Sprintf("CVE-2026-%05d", (i*7+c*3+e)%weatherVulns), o.ID, 1, 1, "{}", state, "", at(30), "u", at(60))
			}
		}
	}
	for a := range weatherAlerts {
		id := fmt.Sprintf("al-%d", a)
		pub := at(37)
		sev := []string{"critical", "high", "medium", "low"}[a%4]
		exec(`INSERT INTO alerts (id, ref, org_id, cluster_id, state, severity, tlp, title, rev, doc, created_by, created_at, updated_at, published_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			id, "ALR-2026-"+id, nco.ID, "", "published", sev, 1, "bench", 1, "{}", "u", pub, pub, pub)
		sec := org.Sectors[a%len(org.Sectors)]
		for _, o := range bySector[sec] {
			var acked any
			state := "pending"
			if r.IntN(10) < 6 {
				acked, state = pub.Add(time.Duration(r.IntN(96))*time.Hour), "acknowledged"
			}
			exec(`INSERT INTO alert_recipients (alert_id, org_id, sector, reasons, state, actions, acked_at, acked_by) VALUES (?,?,?,?,?,?,?,?)`,
				id, o.ID, string(o.Sector), `["sector"]`, state, "", acked, "")
		}
	}
	for c := range weatherClusters {
		id := fmt.Sprintf("cl-%d", c)
		first := at(37)
		last := first.Add(time.Duration(r.IntN(10*24)) * time.Hour)
		status := []string{"open", "confirmed", "dismissed"}[c%3]
		exec(`INSERT INTO clusters (id, ref, title, status, merged_into, strength, orgs, first_seen, last_seen, note, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			id, "CL-2026-"+id, "bench", status, "", r.IntN(100), 5, first, last, "", first, last)
		seen := map[string]bool{}
		for range 5 {
			o := ops[r.IntN(len(ops))]
			if seen[o.ID] {
				continue
			}
			seen[o.ID] = true
			exec(`INSERT INTO cluster_orgs (cluster_id, org_id, sector, first_seen, last_seen) VALUES (?,?,?,?,?)`, id, o.ID, string(o.Sector), first, last)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, err
	}
	return &auth.Principal{System: "bench"}, &auth.Principal{System: "bench", Org: ops[0]}, nil
}

func weatherStore(ctx context.Context, name, dsn string, per int, quick bool, progress io.Writer) ([]Result, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	gov, op, err := weatherSeed(ctx, db, dsn, per)
	if err != nil {
		return nil, err
	}
	svc := weather.New(db, slog.New(slog.DiscardHandler))
	svc.Now = func() time.Time { return weatherNow }
	var out []Result
	iters := 200
	if quick {
		iters = 10
	}
	lat := make([]time.Duration, 0, iters)
	for range iters {
		t := time.Now()
		if _, err := svc.Weather(ctx, op, weather.Query{}); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99, _ := percentiles(lat)
	orgs := per * len(org.Sectors)
	out = append(out, Result{Name: "weather/" + name + "/org-and-sector", Value: ms(p99), Unit: "ms p99", N: int64(iters),
		Note: fmt.Sprintf("an operator's weather and its sector's (7-day trend) among %d operators; p50 %.2f ms", orgs, ms(p50))})
	fmt.Fprintln(progress, out[len(out)-1])
	iters /= 10
	lat = lat[:0]
	for range max(iters, 2) {
		t := time.Now()
		if _, err := svc.Overview(ctx, gov, 7); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99, _ = percentiles(lat)
	out = append(out, Result{Name: "weather/" + name + "/overview", Value: ms(p99), Unit: "ms p99", N: int64(len(lat)),
		Note: fmt.Sprintf("15 sectors and %d operators × 7 days; p50 %.1f ms", orgs, ms(p50))})
	fmt.Fprintln(progress, out[len(out)-1])
	return out, nil
}
