package api

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/reporting"
	"sakimori/internal/store/storetest"
	"sakimori/internal/weather"
	"sakimori/internal/weather/weathertest"
)

// TestWeatherRoutes: every principal of the test world on every weather
// and feedback route, on both databases: an organisation reads its own
// weather and its sector's, never another's; the government any, and the
// overview; feedback goes to the reporter and its government receivers.
func TestWeatherRoutes(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db, dsn := weathertest.Open(t, d)
			f := newReportingFixture(t, db)
			seed := weathertest.Seed(t, dsn, f.w)
			ws := weather.New(db, inteltest.Quiet)
			ws.Now = func() time.Time { return weathertest.Now }
			rs := reporting.New(db, inteltest.Quiet)
			rs.Now = ws.Now
			ws.Reporting = rs
			f.api.opt.Weather = ws
			if _, err := rs.Comment(context.Background(), f.w.P("nco-analyst"), seed.Incidents[0], "feedback", "受領しました。パッチを適用してください"); err != nil {
				t.Fatal(err)
			}

			var r weather.Report
			body := f.call(t, "GET", "/api/v1/weather", "op-a-viewer", nil, 200)
			if err := json.Unmarshal(body.Body, &r); err != nil {
				t.Fatal(err)
			}
			if r.Org == nil || r.Org.Org.Slug != "op-a" || r.Org.Today.Level != weather.Storm || r.Sector == nil || !r.Sector.SmallCount {
				t.Errorf("%s", body.Body)
			}
			f.call(t, "GET", "/api/v1/weather?days=3", "op-a-viewer:read", nil, 200)
			f.bad(t, "GET", "/api/v1/weather?days=0", "op-a-viewer", nil, 400, "days")
			f.bad(t, "GET", "/api/v1/weather?sector=moon", "nco-analyst", nil, 400, "sector")
			f.call(t, "GET", "/api/v1/weather", "", nil, 401)

			cases := []struct {
				who                         string
				gov                         bool
				ownSector, ownOrg, reporter string
			}{
				{who: "op-a-analyst", ownSector: "electricity", ownOrg: "op-a"},
				{who: "op-a-exec", ownSector: "electricity", ownOrg: "op-a"},
				{who: "op-b-admin", ownSector: "railway", ownOrg: "op-b"},
				{who: "sup-admin", ownOrg: "sup"},
				{who: "ven-analyst", ownOrg: "ven"},
				{who: "isac-analyst", ownOrg: "isac"},
				{who: "platform", ownOrg: "isac"},
				{who: "nco-analyst", gov: true}, {who: "min-analyst", gov: true}, {who: "npa-analyst", gov: true},
			}
			for _, tc := range cases {
				for _, q := range []struct{ org, sector string }{{org: "op-a"}, {org: "op-b"}, {org: "sup"}, {sector: "electricity"}, {sector: "railway"}} {
					path := "/api/v1/weather?org=" + q.org
					if q.sector != "" {
						path = "/api/v1/weather?sector=" + q.sector
					}
					want := 403
					if tc.gov || q.org != "" && q.org == tc.ownOrg || q.sector != "" && q.sector == tc.ownSector {
						want = 200
					}
					r := f.call(t, "GET", path, tc.who, nil, want)
					if want == 200 && !tc.gov {
						for slug, o := range f.w.Orgs {
							if slug != tc.ownOrg && (strings.Contains(string(r.Body), o.ID) || strings.Contains(string(r.Body), `"`+slug+`"`)) {
								t.Errorf("%s %s names %s", tc.who, path, slug)
							}
						}
					}
				}
				want := 403
				if tc.gov {
					want = 200
				}
				f.call(t, "GET", "/api/v1/weather/overview", tc.who, nil, want)
			}

			// Feedback.
			path := "/api/v1/incidents/" + seed.Incidents[0] + "/feedback"
			for who, want := range map[string]int{"op-a-viewer": 200, "op-a-reporter": 200, "nco-analyst": 200, "min-analyst": 200,
				"npa-analyst": 404, "op-b-admin": 404, "sup-admin": 404, "platform": 404, "": 401} {
				r := f.call(t, "GET", path, who, nil, want)
				if want == 200 && !strings.Contains(string(r.Body), "パッチを適用") {
					t.Errorf("%s: no advice: %s", who, r.Body)
				}
			}
			f.call(t, "GET", "/api/v1/incidents/nope/feedback", "op-a-viewer", nil, 404)
		})
	}
}
