package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"sakimori/internal/incident"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// statsWeeks are four weeks from Monday 2026-11-02 00:00 JST.
var statsWeeks = func() []time.Time {
	start := time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC)
	out := make([]time.Time, 5)
	for i := range out {
		out[i] = start.Add(time.Duration(i) * 7 * 24 * time.Hour)
	}
	return out
}()

func counts(cs []store.WeekCount) map[string]int64 {
	out := map[string]int64{}
	for _, c := range cs {
		out[fmt.Sprintf("%d/%s", c.Week, c.Key)] += c.N
	}
	return out
}

func TestStatsReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newIncidentWorld(t, db)
		min := mustCreateOrg(t, db, newOrg("min", org.KindSectorMinistry, org.SectorElectricity))
		day := 24 * time.Hour
		w0 := statsWeeks[0]
		// sub submits incident id to recipients at time at (version 1).
		sub := func(id string, at time.Time, partner bool, recipients ...string) {
			t.Helper()
			var subs []*incident.Submission
			for _, r := range recipients {
				subs = append(subs, &incident.Submission{Recipient: r, Partner: partner, Regime: "jp-acd", Stage: "prompt", Kind: incident.KindReport,
					Version: 1, SubmittedBy: "u1", SubmittedAt: at, Body: json.RawMessage(`{}`)})
			}
			if _, err := db.UpdateIncident(ctx, id, func(in *incident.Incident) (*store.IncidentChange, error) {
				in.State, in.SubmittedVersion = incident.Submitted, 1
				return &store.IncidentChange{Submissions: subs}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		mk := func(orgID, title string, techniques ...string) string {
			t.Helper()
			in := &incident.Incident{OrgID: orgID, Title: title, CreatedBy: "u1"}
			in.Content.Techniques.Value = techniques
			v := &incident.Version{Title: title, Content: in.Content, SavedBy: "u1"}
			if err := db.CreateIncident(ctx, cli, in, v, nil); err != nil {
				t.Fatal(err)
			}
			return in.ID
		}
		// op (electricity): week 0 to nco+min (counted once), week 2 to nco,
		// and a resubmission in week 3 of the week-0 report (not counted
		// again); one submitted before the window (not counted) and
		// resubmitted inside it; one refuted.
		a := mk(w.op.ID, "a", "T1566", "T1190")
		sub(a, w0.Add(day), false, w.nco.ID, min.ID)
		b := mk(w.op.ID, "b", "T1566")
		sub(b, w0.Add(15*day), false, w.nco.ID)
		sub(a, w0.Add(22*day), false, w.nco.ID)
		old := mk(w.op.ID, "old", "T1486")
		sub(old, w0.Add(-3*day), false, w.nco.ID)
		sub(old, w0.Add(2*day), false, w.nco.ID)
		ref := mk(w.op.ID, "refuted", "T1486")
		sub(ref, w0.Add(3*day), false, w.nco.ID)
		if _, err := db.UpdateIncident(ctx, ref, func(in *incident.Incident) (*store.IncidentChange, error) {
			in.State = incident.Refuted
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		// op2 (gas): week 1 to the ministry only; to a partner in week 1.
		c := mk(w.op2.ID, "c", "T1190")
		sub(c, w0.Add(8*day), false, min.ID)
		d := mk(w.op2.ID, "d", "T1078")
		sub(d, w0.Add(9*day), true, w.partner.ID)
		// A draft is never counted.
		mk(w.op2.ID, "draft", "T1566")

		for _, tc := range []struct {
			name string
			sc   store.ReportScope
			want map[string]int64
			tech []store.KeyCount
		}{
			{"nco", store.ReportScope{Recipient: w.nco.ID}, map[string]int64{"0/electricity": 1, "2/electricity": 1},
				[]store.KeyCount{{"T1566", 2}, {"T1190", 1}}},
			{"min", store.ReportScope{Recipient: min.ID}, map[string]int64{"0/electricity": 1, "1/gas": 1},
				[]store.KeyCount{{"T1190", 2}, {"T1566", 1}}},
			{"partner", store.ReportScope{Recipient: w.partner.ID}, map[string]int64{}, []store.KeyCount{}},
			{"op", store.ReportScope{OrgID: w.op.ID}, map[string]int64{"0/electricity": 1, "2/electricity": 1},
				[]store.KeyCount{{"T1566", 2}, {"T1190", 1}}},
			{"op2", store.ReportScope{OrgID: w.op2.ID}, map[string]int64{"1/gas": 2}, []store.KeyCount{{"T1078", 1}, {"T1190", 1}}},
			{"all", store.ReportScope{}, map[string]int64{"0/electricity": 1, "2/electricity": 1, "1/gas": 2},
				[]store.KeyCount{{"T1190", 2}, {"T1566", 2}, {"T1078", 1}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.StatsReports(ctx, tc.sc, statsWeeks)
				if err != nil {
					t.Fatal(err)
				}
				if g := counts(got); fmt.Sprint(g) != fmt.Sprint(tc.want) {
					t.Errorf("reports = %v, want %v", g, tc.want)
				}
				tech, err := db.StatsTechniques(ctx, tc.sc, statsWeeks[0], statsWeeks[4], 10)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(tech, tc.tech) {
					t.Errorf("techniques = %v, want %v", tech, tc.tech)
				}
			})
		}
		if got, err := db.StatsTechniques(ctx, store.ReportScope{}, statsWeeks[0], statsWeeks[4], 1); err != nil || len(got) != 1 {
			t.Errorf("limit 1: %v %v", got, err)
		}
		if got, err := db.StatsReports(ctx, store.ReportScope{}, statsWeeks[:1]); err != nil || len(got) != 0 {
			t.Errorf("zero weeks: %v %v", got, err)
		}

		ins, subs, err := db.StatsDeadlineIncidents(ctx, store.ReportScope{Recipient: min.ID}, w0.Add(-time.Hour), w0.Add(30*day), 0)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, in := range ins {
			titles = append(titles, in.Title)
		}
		slices.Sort(titles)
		if !slices.Equal(titles, []string{"a", "c"}) || len(subs) != 4 {
			t.Errorf("deadline incidents of min: %v, %d submissions", titles, len(subs))
		}
		ins, _, err = db.StatsDeadlineIncidents(ctx, store.ReportScope{OrgID: w.op2.ID}, w0.Add(-time.Hour), w0.Add(30*day), 0)
		if err != nil || len(ins) != 3 {
			t.Errorf("deadline incidents of op2: %d %v", len(ins), err)
		}
	})
}

func TestStatsIndicatorsAndSightings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newIncidentWorld(t, db)
		day := 24 * time.Hour
		w0 := statsWeeks[0]
		open := &share.Collection{Alias: "open", Title: org.Names{JA: "公開", EN: "open"}, OwnerOrgID: w.nco.ID, TLP: marking.TLPClear, WritePolicy: share.WriteOwner}
		amber := &share.Collection{Alias: "amber", Title: org.Names{JA: "限定", EN: "amber"}, OwnerOrgID: w.op.ID, TLP: marking.TLPAmber, WritePolicy: share.WriteOwner}
		for _, c := range []*share.Collection{open, amber} {
			if err := db.CreateCollection(ctx, cli, c); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		raw := `{}`
		add := func(coll *share.Collection, owner string, tlp marking.TLP, at time.Time, typ string, atoms ...store.Atom) {
			t.Helper()
			n++
			db.Now = func() time.Time { return at }
			o := store.NewObject{StixID: fmt.Sprintf("%s--%08d-0000-4000-8000-000000000000", typ, n), Type: typ, SpecVersion: "2.1",
				Version: at, VersionText: at.Format(time.RFC3339), OwnerOrg: owner, AddedBy: "u", Source: "test", TLP: tlp, Name: "x",
				Raw: []byte(raw), Atoms: atoms}
			if _, err := db.StoreObjects(ctx, cli, coll.ID, []store.NewObject{o}, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		ip := store.Atom{Kind: "ipv4", Value: "192.0.2.1"}
		dom := store.Atom{Kind: "domain", Value: "evil.example"}
		sha := store.Atom{Kind: "sha256", Value: "ab"}
		md5 := store.Atom{Kind: "md5", Value: "cd"}
		add(open, w.nco.ID, marking.TLPClear, w0.Add(-day), "indicator", ip) // before the window
		add(open, w.nco.ID, marking.TLPClear, w0.Add(day), "indicator", ip, dom)
		add(open, w.nco.ID, marking.TLPClear, w0.Add(day+time.Hour), "indicator", sha, md5) // one hash indicator
		add(open, w.nco.ID, marking.TLPClear, w0.Add(2*day), "malware")                     // not an indicator
		add(amber, w.op.ID, marking.TLPAmber, w0.Add(8*day), "indicator", ip)
		add(open, w.nco.ID, marking.TLPGreen, w0.Add(9*day), "indicator", dom)
		// Attack patterns: two naming T1566 (one AMBER, op's), one T1190,
		// one with only a CAPEC reference, one without references.
		raw = `{"external_references":[{"source_name":"mitre-attack","external_id":"T1566"},{"source_name":"capec","external_id":"CAPEC-98"}]}`
		add(open, w.nco.ID, marking.TLPClear, w0.Add(10*day), "attack-pattern")
		add(amber, w.op.ID, marking.TLPAmber, w0.Add(10*day+time.Hour), "attack-pattern")
		raw = `{"external_references":[{"source_name":"mitre-attack","external_id":"T1190"}]}`
		add(open, w.nco.ID, marking.TLPClear, w0.Add(11*day), "attack-pattern")
		raw = `{"external_references":[{"source_name":"capec","external_id":"CAPEC-1"}]}`
		add(open, w.nco.ID, marking.TLPClear, w0.Add(11*day+time.Hour), "attack-pattern")
		raw = `{"name":"no references"}`
		add(open, w.nco.ID, marking.TLPClear, w0.Add(11*day+2*time.Hour), "attack-pattern")
		db.Now = time.Now
		clearOnly := store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: open.ID, Allowed: []marking.TLP{marking.TLPClear}}}}
		withAmber := store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: open.ID, Allowed: []marking.TLP{marking.TLPClear}}, {CollectionID: amber.ID}}, OwnerOrg: w.op.ID}
		for _, tc := range []struct {
			q    store.ObjectQuery
			want string
		}{{clearOnly, "[{T1190 1} {T1566 1}]"}, {withAmber, "[{T1566 2} {T1190 1}]"}, {store.ObjectQuery{}, "[]"}} {
			got, err := db.StatsAttackPatterns(ctx, tc.q, statsWeeks[0], statsWeeks[4], 10)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("attack patterns = %v, want %s", got, tc.want)
			}
		}

		for _, tc := range []struct {
			name string
			q    store.ObjectQuery
			want map[string]int64
		}{
			{"clear only", store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: open.ID, Allowed: []marking.TLP{marking.TLPClear}}}},
				map[string]int64{"0/ipv4": 1, "0/domain": 1, "0/hash": 1}},
			{"clear and green", store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: open.ID, Allowed: []marking.TLP{marking.TLPClear, marking.TLPGreen}}}},
				map[string]int64{"0/ipv4": 1, "0/domain": 1, "0/hash": 1, "1/domain": 1}},
			{"amber owner", store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: open.ID, Allowed: []marking.TLP{marking.TLPClear}}, {CollectionID: amber.ID}}, OwnerOrg: w.op.ID},
				map[string]int64{"0/ipv4": 1, "0/domain": 1, "0/hash": 1, "1/ipv4": 1}},
			{"amber not entitled", store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: amber.ID}}, OwnerOrg: w.op2.ID}, map[string]int64{}},
			{"nothing", store.ObjectQuery{}, map[string]int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := db.StatsIndicators(ctx, tc.q, statsWeeks)
				if err != nil {
					t.Fatal(err)
				}
				if g := counts(got); fmt.Sprint(g) != fmt.Sprint(tc.want) {
					t.Errorf("indicators = %v, want %v", g, tc.want)
				}
			})
		}

		// Every family, in one indicator of its own collection.
		fam := &share.Collection{Alias: "fam", Title: org.Names{JA: "系統", EN: "families"}, OwnerOrgID: w.nco.ID, TLP: marking.TLPClear, WritePolicy: share.WriteOwner}
		if err := db.CreateCollection(ctx, cli, fam); err != nil {
			t.Fatal(err)
		}
		add(fam, w.nco.ID, marking.TLPClear, w0.Add(12*day), "indicator", store.Atom{Kind: "ipv6", Value: "2001:db8::1"}, store.Atom{Kind: "cidr6", Value: "2001:db8::/32"},
			store.Atom{Kind: "url", Value: "http://evil.example/x"}, store.Atom{Kind: "email", Value: "a@evil.example"},
			store.Atom{Kind: "cidr4", Value: "192.0.2.0/24"}, store.Atom{Kind: "sha1", Value: "ef"})
		db.Now = time.Now
		famQ := store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: fam.ID, Allowed: []marking.TLP{marking.TLPClear}}}}
		wantFam := "[{1 email 1 0} {1 hash 1 0} {1 ipv4 1 0} {1 ipv6 1 0} {1 url 1 0}]"
		if got, err := db.StatsIndicators(ctx, famQ, statsWeeks); err != nil || fmt.Sprint(got) != wantFam {
			t.Errorf("every family = %v, %v; want %s", got, err, wantFam)
		}
		// The backfill of migration 0015 gives the versions stored before
		// it the families they get when stored now.
		famOf := func() map[int64]int {
			rows, err := store.RawDB(db).QueryContext(ctx, "SELECT pk, families FROM stix_objects")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			m := map[int64]int{}
			for rows.Next() {
				var pk int64
				var f int
				if err := rows.Scan(&pk, &f); err != nil {
					t.Fatal(err)
				}
				m[pk] = f
			}
			return m
		}
		stored := famOf()
		if _, err := store.RawDB(db).ExecContext(ctx, "UPDATE stix_objects SET families = 0"); err != nil {
			t.Fatal(err)
		}
		if err := store.BackfillFamilies(ctx, db); err != nil {
			t.Fatal(err)
		}
		if got := famOf(); fmt.Sprint(got) != fmt.Sprint(stored) || len(got) < 12 {
			t.Errorf("backfilled families %v, stored %v", got, stored)
		}

		gov := mustCreateOrg(t, db, newOrg("min", org.KindSectorMinistry, org.SectorElectricity))
		op3 := mustCreateOrg(t, db, newOrg("op3", org.KindOperator, org.SectorElectricity))
		sight := func(o *org.Organisation, at time.Time, fp bool) {
			t.Helper()
			db.Now = func() time.Time { return at }
			s := &share.Sighting{StixID: "indicator--00000001-0000-4000-8000-000000000000", ReporterOrgID: o.ID, ReporterUser: "u", Sector: o.Sector,
				Count: 1, FirstSeen: at, LastSeen: at, FalsePositive: fp}
			if err := db.AddSighting(ctx, cli, s); err != nil {
				t.Fatal(err)
			}
		}
		sight(w.op, w0.Add(day), false)
		sight(w.op, w0.Add(day+time.Hour), false)
		sight(op3, w0.Add(2*day), false)
		sight(w.op, w0.Add(8*day), false)
		sight(w.op, w0.Add(9*day), true) // a false positive
		sight(gov, w0.Add(8*day), false) // the ministry's is not the sector's
		sight(w.op2, w0.Add(15*day), false)
		sight(w.op2, w0.Add(40*day), false) // after the window
		db.Now = time.Now
		for _, tc := range []struct {
			name string
			sc   store.SightingScope
			want string
		}{
			// Organisations are counted for a sector only (the small-count rule).
			{"op", store.SightingScope{OrgID: w.op.ID}, "[{0  2 0} {1  1 0}]"},
			{"electricity", store.SightingScope{Sector: "electricity"}, "[{0  3 2} {1  1 1}]"},
			{"gas", store.SightingScope{Sector: "gas"}, "[{2  1 1}]"},
			{"all", store.SightingScope{}, "[{0  3 0} {1  2 0} {2  1 0}]"},
		} {
			got, err := db.StatsSightings(ctx, tc.sc, statsWeeks)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("%s: sightings = %v, want %s", tc.name, got, tc.want)
			}
		}
	})
}

// TestStatsWeekBoundaries: each instant lands in its week, whatever the
// number of weeks (the week expression halves the range at each level).
func TestStatsWeekBoundaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := statsWeeks[0]
		week := 7 * 24 * time.Hour
		for _, n := range []int{1, 2, 3, 5, 12, 52} {
			bounds := make([]time.Time, n+1)
			for i := range bounds {
				bounds[i] = start.Add(time.Duration(i) * week)
			}
			// One sighting at the first instant of each week, one at the
			// last microsecond of the last week, none at the end.
			db2 := storetest.Open(t, db.Dialect())
			o := mustCreateOrg(t, db2, newOrg("ob", org.KindOperator, org.SectorGas))
			for _, at := range append(bounds, bounds[n].Add(-time.Microsecond)) {
				db2.Now = func() time.Time { return at }
				if err := db2.AddSighting(ctx, cli, &share.Sighting{StixID: "indicator--00000001-0000-4000-8000-000000000000", ReporterOrgID: o.ID,
					ReporterUser: "u", Sector: o.Sector, Count: 1, FirstSeen: at, LastSeen: at}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := db2.StatsSightings(ctx, store.SightingScope{}, bounds)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]int64{}
			for i := range n {
				want[i] = 1
			}
			want[n-1]++
			have := map[int]int64{}
			for _, c := range got {
				have[c.Week] += c.N
			}
			if fmt.Sprint(have) != fmt.Sprint(want) {
				t.Errorf("%d weeks: %v, want %v", n, have, want)
			}
		}
	})
}
