package api

import (
	"encoding/json"
	"testing"
	"time"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/stats"
	"sakimori/internal/store/storetest"
	"sakimori/internal/weather/weathertest"
)

// TestStatsRoutes: GET /api/v1/stats/{chart} for several principals on
// both databases: the receivers count op-a's reports, op-b and the
// supplier do not; bad windows and charts are refused.
func TestStatsRoutes(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db, dsn := weathertest.Open(t, d)
			f := newReportingFixture(t, db)
			weathertest.Seed(t, dsn, f.w)
			st := stats.New(db, f.w.Svc, inteltest.Quiet)
			st.Now = func() time.Time { return weathertest.Now.Add(time.Hour) }
			f.api.opt.Stats = st

			reports := func(who string) int64 {
				t.Helper()
				var s stats.Stats
				body := f.call(t, "GET", "/api/v1/stats/reports?weeks=4", who, nil, 200)
				if err := json.Unmarshal(body.Body, &s); err != nil {
					t.Fatal(err)
				}
				if len(s.Weeks) != 4 || s.Chart != "reports" {
					t.Errorf("%s: %s", who, body.Body)
				}
				var n int64
				for _, sr := range s.Series {
					for _, v := range sr.Values {
						n += v
					}
				}
				return n
			}
			for who, want := range map[string]int64{"op-a-analyst": 2, "nco-analyst": 2, "min-analyst": 2, "op-b-admin": 0, "sup-admin": 0, "npa-analyst": 0} {
				if got := reports(who); got != want {
					t.Errorf("%s: %d reports, want %d", who, got, want)
				}
			}
			for _, c := range stats.Charts {
				f.call(t, "GET", "/api/v1/stats/"+c, "op-a-viewer:read", nil, 200)
			}
			f.bad(t, "GET", "/api/v1/stats/reports?weeks=0", "op-a-viewer", nil, 400, "weeks")
			f.bad(t, "GET", "/api/v1/stats/reports?weeks=53", "op-a-viewer", nil, 400, "weeks")
			f.call(t, "GET", "/api/v1/stats/nope", "op-a-viewer", nil, 404)
			f.call(t, "GET", "/api/v1/stats/reports", "", nil, 401)
		})
	}
}
