package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/stats"
	"sakimori/internal/store"
)

func init() {
	Register(Bench{Name: "stats",
		Description: "charts: each chart's numbers (reports by sector, techniques, indicator types, deadline compliance, sightings) over 12 and 52 weeks, for the government and for an operator, on each store loaded with a year of reports, indicators and sightings",
		Run:         runStats})
}

// StatsLoad is the stats benchmark's workload: a year of incident reports
// (each submitted to the NCO, naming ATT&CK techniques), indicators (each
// with one observable value) and sightings, across 15 sectors' operators.
type StatsLoad struct {
	OrgsPerSector, Reports, Indicators, Sightings int
}

// StatsFull and StatsQuick are the full and the quick workloads.
var (
	StatsFull  = StatsLoad{OrgsPerSector: 20, Reports: 20_000, Indicators: 1_000_000, Sightings: 1_000_000}
	StatsQuick = StatsLoad{OrgsPerSector: 2, Reports: 500, Indicators: 20_000, Sightings: 20_000}
)

var statsNow = time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)

func runStats(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	load := StatsFull
	if cfg.Quick {
		load = StatsQuick
	}
	return eachStore(ctx, cfg, "stats", func(tg target) ([]Result, error) {
		dsn, drop, err := tg.dsn()
		if err != nil {
			return nil, err
		}
		defer drop()
		db, err := openMigrated(ctx, dsn)
		if err != nil {
			return nil, err
		}
		defer db.Close()
		t := time.Now()
		svc, gov, op, err := StatsSeed(ctx, db, dsn, load)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "stats/%s: seeded %d reports, %d indicators, %d sightings in %s\n", tg.name, load.Reports, load.Indicators, load.Sightings, time.Since(t).Round(time.Millisecond))
		iters := 20
		if cfg.Quick {
			iters = 3
		}
		var out []Result
		for _, c := range stats.Charts {
			for _, who := range []struct {
				name string
				p    *auth.Principal
			}{{"gov", gov}, {"operator", op}} {
				for _, weeks := range []int{12, 52} {
					lat := make([]time.Duration, 0, iters)
					for range iters {
						t := time.Now()
						if _, err := svc.Get(ctx, who.p, c, weeks); err != nil {
							return out, fmt.Errorf("%s %s: %w", c, who.name, err)
						}
						lat = append(lat, time.Since(t))
					}
					p50, p99, _ := percentiles(lat)
					out = append(out, Result{Name: fmt.Sprintf("stats/%s/%s-%s-%dw", tg.name, c, who.name, weeks), Value: ms(p99), Unit: "ms p99", N: int64(iters),
						Note: fmt.Sprintf("p50 %.2f ms", ms(p50))})
					fmt.Fprintln(progress, out[len(out)-1])
				}
			}
		}
		return out, nil
	})
}

// StatsSeed writes load into db (at dsn) with plain SQL in batches, and
// returns a stats service with its clock at statsNow, the NCO's principal
// and an operator's.
func StatsSeed(ctx context.Context, db *store.DB, dsn string, load StatsLoad) (*stats.Service, *auth.Principal, *auth.Principal, error) {
	act := audit.Actor{Name: "bench"}
	nco, ops, err := seedOrgs(ctx, db, load.OrgsPerSector)
	if err != nil {
		return nil, nil, nil, err
	}
	open := &share.Collection{Alias: "advisories", Title: org.Names{JA: "a", EN: "a"}, OwnerOrgID: nco.ID, TLP: marking.TLPClear, WritePolicy: share.WriteOwner}
	amber := &share.Collection{Alias: "amber", Title: org.Names{JA: "b", EN: "b"}, OwnerOrgID: ops[1].ID, TLP: marking.TLPAmber, WritePolicy: share.WriteOwner,
		Audience: share.Audience{Orgs: []string{nco.ID}}}
	for _, c := range []*share.Collection{open, amber} {
		if err := db.CreateCollection(ctx, act, c); err != nil {
			return nil, nil, nil, err
		}
	}

	pg := !strings.HasPrefix(dsn, "sqlite:")
	raw, rebind, err := openRaw(dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	defer tx.Rollback()
	// batch inserts rows of cols into table, many rows per statement.
	type batch struct {
		table string
		cols  int
		args  []any
		after *batch // rows referenced by these: written first
	}
	var flush func(b *batch)
	flush = func(b *batch) {
		if b.after != nil {
			flush(b.after)
		}
		if err != nil || len(b.args) == 0 {
			return
		}
		n := len(b.args) / b.cols
		row := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
		q := "INSERT INTO " + b.table + " VALUES " + strings.TrimSuffix(strings.Repeat(row+",", n), ",")
		_, err = tx.ExecContext(ctx, rebind(q), b.args...)
		b.args = b.args[:0]
	}
	add := func(b *batch, vals ...any) {
		b.args = append(b.args, vals...)
		if len(b.args)/b.cols >= 400 {
			flush(b)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	year := 365 * 24 * 60
	at := func() time.Time { return statsNow.Add(-time.Duration(r.IntN(year)) * time.Minute).UTC() }
	techs := []string{"T1566", "T1190", "T1078", "T1486", "T1133", "T1059", "T1498", "T1110", "T1021", "T1567", "T1204", "T1071"}

	incidents := &batch{table: "incidents (id, org_id, ref, title, state, version, submitted_version, rev, doc, created_at, updated_at)", cols: 11}
	versions := &batch{table: "incident_versions (incident_id, version, title, saved_by, saved_at, note, content)", cols: 7, after: incidents}
	subs := &batch{table: "incident_submissions (id, incident_id, org_id, recipient, partner, regime, stage, kind, version, submitted_at, submitted_by, emergency, body, sha256, authority_ref, acked_by)", cols: 16, after: incidents}
	for i := range load.Reports {
		o := ops[r.IntN(len(ops))]
		id := fmt.Sprintf("inc-%d", i)
		aware := at()
		tt := []string{techs[r.IntN(len(techs))], techs[r.IntN(len(techs))]}
		content := fmt.Sprintf(`{"aware":{"value":%q,"state":"known"},"attack_techniques":{"value":["%s","%s"],"state":"known"}}`, aware.Format(time.RFC3339), tt[0], tt[1])
		doc := fmt.Sprintf(`{"id":%q,"org_id":%q,"ref":"INC-%d","title":"bench","state":"submitted","version":1,"submitted_version":1,"content":%s,`+
			`"regimes":[{"regime":"jp-acd","reportable":"yes"}],"recipients":[%q],"partners":[],"info_requests":[],"links":[],"created_at":%q,"updated_at":%q}`,
			id, o.ID, i, content, nco.ID, aware.Format(time.RFC3339), aware.Format(time.RFC3339))
		add(incidents, id, o.ID, fmt.Sprintf("INC-%d", i), "bench", "submitted", 1, 1, 1, doc, aware, aware)
		add(versions, id, 1, "bench", "u", aware, "", content)
		delay := time.Duration(1+r.IntN(100)) * time.Hour // some after the 72 h deadline
		add(subs, id+"-p", id, o.ID, nco.ID, false, "jp-acd", "prompt", "report", 1, aware.Add(delay), "u", false, "{}", "0", "", "")
		if r.IntN(3) > 0 {
			add(subs, id+"-w", id, o.ID, nco.ID, false, "jp-acd", "written", "report", 1, aware.Add(time.Duration(20+r.IntN(20))*24*time.Hour), "u", false, "{}", "0", "", "")
		}
	}
	for _, b := range []*batch{incidents, versions, subs} {
		flush(b)
	}

	objs := &batch{table: "stix_objects (pk, collection_id, stix_id, type, spec_version, version, version_text, date_added, is_latest, is_first, owner_org, added_by, source, tlp, revoked, valid_until, confidence, name, flags, raw, families)", cols: 21}
	if pg {
		objs.table += " OVERRIDING SYSTEM VALUE"
	}
	atoms := &batch{table: "stix_atoms (value, kind, object_pk)", cols: 3, after: objs}
	kinds := []string{"ipv4", "ipv4", "domain", "url", "sha256", "md5", "email", "ipv6"}
	// date_added strictly increasing over the year.
	step := int64(year) * 60 * 1_000_000 / int64(max(load.Indicators, 1))
	base := statsNow.Add(-time.Duration(year) * time.Minute).UnixMicro()
	for i := range load.Indicators {
		pk := i + 1
		coll, owner, tlp := open.ID, nco.ID, int(marking.TLPClear)
		if i%10 == 0 {
			coll, owner, tlp = amber.ID, ops[1].ID, int(marking.TLPAmber)
		}
		added := base + int64(i)*step + 1
		v := time.UnixMicro(added).UTC()
		add(objs, pk, coll, fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", i, i), "indicator", "2.1", v.UnixNano(), v.Format(time.RFC3339Nano), added,
			true, true, owner, "u", "bench", tlp, false, nil, 80, "bench", "[]", "{}", store.AtomFamilies([]store.Atom{{Kind: kinds[i%len(kinds)]}}))
		add(atoms, fmt.Sprintf("v%d", i), kinds[i%len(kinds)], pk)
	}
	flush(objs)
	flush(atoms)
	if err == nil {
		_, err = tx.ExecContext(ctx, "UPDATE intel_clock SET last_added = "+strconv.FormatInt(base+int64(load.Indicators)*step+1, 10)+" WHERE id = 1")
	}

	sights := &batch{table: "sightings (id, stix_id, reporter_org, reporter_user, anonymous, sector, count, first_seen, last_seen, false_positive, note, sighting_ref, created_at)", cols: 13}
	for i := range load.Sightings {
		o := ops[r.IntN(len(ops))]
		t := at()
		add(sights, fmt.Sprintf("sg-%d", i), fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", i%max(load.Indicators, 1), i%max(load.Indicators, 1)), o.ID, "u", false, string(o.Sector),
			1+r.IntN(9), t, t, i%20 == 0, "", "", t)
	}
	flush(sights)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, nil, err
	}
	if pg { // as autovacuum would after a bulk load
		if _, err := raw.ExecContext(ctx, "ANALYZE"); err != nil {
			return nil, nil, nil, err
		}
	}
	svc := stats.New(db, intel.New(db, slog.New(slog.DiscardHandler)), nil)
	svc.Now = func() time.Time { return statsNow }
	return svc, &auth.Principal{System: "bench", Org: nco}, &auth.Principal{System: "bench", Org: ops[0]}, nil
}
