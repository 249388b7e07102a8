package weather_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/org"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/weather"
	"sakimori/internal/weather/weathertest"
)

type fixture struct {
	w    *inteltest.World
	svc  *weather.Service
	rs   *reporting.Service
	seed *weathertest.Seeded
}

func newFixture(t *testing.T, d store.Dialect) *fixture {
	db, dsn := weathertest.Open(t, d)
	w := reportingtest.New(t, db)
	seed := weathertest.Seed(t, dsn, w)
	rs := reporting.New(db, inteltest.Quiet)
	rs.Intel = w.Svc
	rs.Now = func() time.Time { return weathertest.Now }
	svc := weather.New(db, inteltest.Quiet)
	svc.Now = func() time.Time { return weathertest.Now }
	svc.Reporting = rs
	return &fixture{w: w, svc: svc, rs: rs, seed: seed}
}

func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, newFixture(t, d)) })
	}
}

func TestWeatherLevels(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		r, err := f.svc.Weather(ctx, f.w.P("op-a-analyst"), weather.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Org == nil || r.Org.Org.Slug != "op-a" || r.Sector == nil || r.Sector.Sector != org.SectorElectricity {
			t.Fatalf("%+v", r)
		}
		counts := func(d weather.Day) map[string]int {
			m := map[string]int{}
			for _, x := range d.Reasons {
				m[x.Input] = x.Count
			}
			return m
		}
		today := r.Org.Today
		// reports 6 + alert ALR-2 (medium) 2 + cluster 3.2 + KEV 2 = 13.2
		if today.Level != weather.Storm || today.Score != 13.2 || today.Date != "2026-11-30" || len(r.Org.Trend) != 7 {
			t.Errorf("op-a: %+v", today)
		}
		if c := counts(today); c["reports"] != 2 || c["clusters"] != 1 || c["kev"] != 1 || c["alerts"] != 1 || c["sightings"] != 0 {
			t.Errorf("op-a counts %v", c)
		}
		// Sector view for an organisation: banded, no points.
		s := r.Sector
		if !s.SmallCount || s.Today.Score != 0 || s.Today.Level != weather.Storm {
			t.Errorf("sector: %+v", s)
		}
		for _, x := range s.Today.Reasons {
			if x.Points != 0 || (x.Count == 1 || x.Count == 2) {
				t.Errorf("sector reason not banded: %+v", x)
			}
		}
		// The ministry's sighting is its own, not the sector's.
		ge, err := f.svc.Weather(ctx, f.w.P("nco-analyst"), weather.Query{Sector: org.SectorElectricity})
		if err != nil {
			t.Fatal(err)
		}
		if c := counts(ge.Sector.Today); c["sightings"] != 0 || c["reports"] != 2 || ge.Sector.Today.Score != 13.2 {
			t.Errorf("electricity for nco: %v %+v", c, ge.Sector.Today)
		}
		// The government sees the exact sector weather.
		g, err := f.svc.Weather(ctx, f.w.P("nco-analyst"), weather.Query{Sector: org.SectorRailway})
		if err != nil {
			t.Fatal(err)
		}
		if g.Org != nil || g.Sector.SmallCount || g.Sector.Today.Level != weather.Rain || g.Sector.Today.Score != 11.2 {
			t.Errorf("railway for nco: %+v", g.Sector.Today)
		}
		if c := counts(g.Sector.Today); c["sightings"] != 3 || c["alerts"] != 1 || c["clusters"] != 1 {
			t.Errorf("railway counts %v", c)
		}
		// Trend: nothing before the reports except the alerts and clusters.
		if d := r.Org.Trend[0]; d.Date != "2026-11-24" || d.Level != weather.Cloudy {
			t.Errorf("first day: %+v", d)
		}
		ov, err := f.svc.Overview(ctx, f.w.P("nco-analyst"), 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(ov.Sectors) != len(org.Sectors) || len(ov.Dates) != 7 {
			t.Fatalf("%+v", ov)
		}
		levels := map[org.Sector]weather.Level{}
		for _, row := range ov.Sectors {
			levels[row.Sector] = row.Days[6].Level
		}
		if levels[org.SectorElectricity] != weather.Storm || levels[org.SectorRailway] != weather.Rain || levels[org.SectorGas] != weather.Clear {
			t.Errorf("overview %v", levels)
		}
		for _, row := range ov.Sectors {
			if row.Sector == org.SectorElectricity && row.Days[6].Score != 13.2 {
				t.Errorf("overview electricity %+v", row.Days[6])
			}
		}
		slugs := map[string]weather.Level{}
		for _, row := range ov.Orgs {
			slugs[row.Org.Slug] = row.Days[6].Level
		}
		if slugs["op-a"] != weather.Storm || slugs["op-b"] != weather.Rain {
			t.Errorf("overview orgs %v", slugs)
		}
	})
}

// TestWeatherVisibility: an organisation sees its own weather and its
// sector's; the government every one; and a sector's weather never names
// an organisation.
func TestWeatherVisibility(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		ids := map[string]string{}
		for slug, o := range f.w.Orgs {
			ids[slug] = o.ID
		}
		gov := []string{"nco-analyst", "nco-admin", "min-analyst", "npa-analyst"}
		others := []string{"op-a-analyst", "op-a-viewer", "op-a-exec", "op-a-reporter", "op-b-analyst", "op-b-admin", "sup-analyst", "ven-admin", "isac-analyst", "platform"}
		for _, name := range append(gov, others...) {
			p := f.w.P(name)
			isGov := p.Org.Kind.IsGovernment()
			for _, q := range []weather.Query{{}, {Org: "op-a"}, {Org: ids["op-b"]}, {Org: "sup"}, {Sector: org.SectorElectricity}, {Sector: org.SectorRailway}, {Sector: org.SectorGas}} {
				r, err := f.svc.Weather(ctx, p, q)
				own := q.Org == "" && q.Sector == "" || q.Org == p.Org.Slug || q.Org == p.Org.ID || q.Sector != "" && q.Sector == p.Org.Sector
				if isGov || own {
					if err != nil {
						t.Errorf("%s %+v: %v", name, q, err)
						continue
					}
				} else {
					if apperr.CodeOf(err) != apperr.CodeForbidden {
						t.Errorf("%s %+v: %v, want forbidden", name, q, err)
					}
					continue
				}
				if r.Sector != nil && r.Sector.SmallCount == isGov {
					t.Errorf("%s %+v: small count %v", name, q, r.Sector.SmallCount)
				}
				if !isGov {
					b, _ := json.Marshal(r)
					for slug, id := range ids {
						if slug == p.Org.Slug {
							continue
						}
						if strings.Contains(string(b), id) || strings.Contains(string(b), `"`+slug+`"`) {
							t.Errorf("%s %+v names %s: %s", name, q, slug, b)
						}
					}
				}
			}
			_, err := f.svc.Overview(ctx, p, 7)
			if isGov != (err == nil) {
				t.Errorf("%s overview: %v", name, err)
			}
		}
		if _, err := f.svc.Weather(ctx, nil, weather.Query{}); apperr.CodeOf(err) != apperr.CodeUnauthenticated {
			t.Errorf("anonymous: %v", err)
		}
		if _, err := f.svc.Weather(ctx, f.w.P("nco-analyst"), weather.Query{Sector: "moon"}); field(err) != "sector" {
			t.Errorf("bad sector: %v", err)
		}
		if _, err := f.svc.Weather(ctx, f.w.P("nco-analyst"), weather.Query{Days: 99}); field(err) != "days" {
			t.Errorf("bad days: %v", err)
		}
		if _, err := f.svc.Weather(ctx, f.w.P("nco-analyst"), weather.Query{Org: "nobody"}); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Errorf("unknown org: %v", err)
		}
	})
}

type fakeClusters struct{ c *correlate.Feedback }

func (f fakeClusters) IncidentFeedback(ctx context.Context, p *auth.Principal, id string) (*correlate.Feedback, error) {
	c := *f.c
	return &c, nil
}

func TestFeedback(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		id := f.seed.Incidents[0]
		nco := f.w.P("nco-analyst")
		if _, err := f.rs.Comment(ctx, nco, id, "advice", "ADVICE: patch FortiOS now"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rs.SetTriage(ctx, nco, id, incident.Triage{Severity: "high", Status: "triaged", Note: "GOV-ONLY-NOTE"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rs.AddLink(ctx, nco, id, incident.Link{Kind: "alert", Ref: f.seed.AlertA, Note: "GOV-LINK-NOTE"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rs.Comment(ctx, f.w.P("op-a-reporter"), id, "comment", "our own comment"); err != nil {
			t.Fatal(err)
		}
		f.svc.Clusters = fakeClusters{&correlate.Feedback{Clusters: []correlate.FeedbackCluster{{ID: f.seed.Cluster, Ref: "CL-1"}},
			Overall: correlate.Count{Orgs: 3, Sectors: 2}}}

		fb, err := f.svc.Feedback(ctx, f.w.P("op-a-viewer"), id)
		if err != nil {
			t.Fatal(err)
		}
		if fb.Correlation == nil || fb.Correlation.Text.EN != "3 other organisation(s) in 2 sector(s) reported or sighted this." {
			t.Errorf("correlation %+v", fb.Correlation)
		}
		// op-a sees ALR-2 (linked, addressed to it), not ALR-3 (from the
		// cluster, addressed to op-b only).
		if len(fb.Alerts) != 1 || fb.Alerts[0].ID != f.seed.AlertA || fb.Alerts[0].Title.EN != "EN "+f.seed.AlertA {
			t.Errorf("alerts %+v", fb.Alerts)
		}
		if len(fb.Advice) != 1 || fb.Advice[0].Kind != "advice" || !strings.Contains(fb.Advice[0].Text, "FortiOS") {
			t.Errorf("advice %+v", fb.Advice)
		}
		b, _ := json.Marshal(fb)
		for _, secret := range []string{"GOV-ONLY-NOTE", "GOV-LINK-NOTE", "triaged", f.w.Orgs["op-b"].ID} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the reporter's feedback shows %q: %s", secret, b)
			}
		}
		// The government receivers see every linked alert.
		for _, name := range []string{"nco-analyst", "min-analyst"} {
			fb, err := f.svc.Feedback(ctx, f.w.P(name), id)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(fb.Alerts) != 2 {
				t.Errorf("%s: alerts %+v", name, fb.Alerts)
			}
		}
		// Nobody else.
		for _, name := range []string{"op-b-analyst", "npa-analyst", "sup-admin", "ven-admin", "isac-analyst", "platform"} {
			if _, err := f.svc.Feedback(ctx, f.w.P(name), id); apperr.CodeOf(err) != apperr.CodeNotFound && apperr.CodeOf(err) != apperr.CodeForbidden {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := f.svc.Feedback(ctx, f.w.P("op-a-viewer"), "nope"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Errorf("unknown: %v", err)
		}
		// Without correlation the rest still answers.
		f.svc.Clusters = nil
		fb, err = f.svc.Feedback(ctx, f.w.P("op-a-viewer"), f.seed.Incidents[1])
		if err != nil || fb.Correlation != nil || len(fb.Alerts) != 0 || len(fb.Advice) != 0 {
			t.Errorf("%+v %v", fb, err)
		}
	})
}

func field(err error) string {
	if e := apperr.As(err); e != nil {
		return e.Field
	}
	return ""
}
