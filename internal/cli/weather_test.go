package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/weather"
	"sakimori/internal/weather/weathertest"
)

// weatherWorld is reportingtest's world with weathertest's facts, and a
// runner of command lines against it.
func weatherWorld(t *testing.T, d store.Dialect) (func(args ...string) xrun, *inteltest.World, *weathertest.Seeded) {
	t.Helper()
	ctx := context.Background()
	db, dsn := weathertest.Open(t, d)
	w := reportingtest.New(t, db)
	seed := weathertest.Seed(t, dsn, w)
	db.Close()
	return func(args ...string) xrun {
		t.Helper()
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			if k == "SAKIMORI_DB" {
				return dsn
			}
			return ""
		}
		code := Run(ctx, args, strings.NewReader(""), &out, &errb, getenv)
		return xrun{code, out.String(), errb.String()}
	}, w, seed
}

// TestWeatherCommands: sakimori weather and sakimori feedback for every
// principal of the test world, on both databases. (The commands use the
// real clock, so levels are not checked here: the service tests do.)
func TestWeatherCommands(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			x, w, seed := weatherWorld(t, d)
			asU := func(name string) []string { return []string{"--as", w.Users[name].Email} }

			r := x(append([]string{"weather", "--json"}, asU("op-a-exec")...)...)
			if r.code != 0 {
				t.Fatalf("%v", r)
			}
			var rep weather.Report
			jsonOf(t, r, &rep)
			if rep.Org == nil || rep.Org.Org.Slug != "op-a" || rep.Sector == nil || !rep.Sector.SmallCount || len(rep.Org.Trend) != 7 {
				t.Errorf("%s", r.stdout)
			}
			r = x(append([]string{"weather", "--days", "3", "--lang", "en"}, asU("op-a-exec")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "op-a") || !strings.Contains(r.stdout, "sector electricity") || !strings.Contains(r.stdout, "trend:") {
				t.Errorf("%v", r)
			}
			if r := x(append([]string{"weather", "--days", "0"}, asU("op-a-exec")...)...); r.code != 2 {
				t.Errorf("--days 0: %v", r)
			}
			if r := x("weather"); r.code != 2 {
				t.Errorf("no --as: %v", r)
			}

			gov := map[string]bool{"nco-analyst": true, "min-analyst": true, "npa-analyst": true}
			own := map[string][2]string{"op-a-analyst": {"op-a", "electricity"}, "op-b-admin": {"op-b", "railway"}, "sup-admin": {"sup", ""},
				"isac-analyst": {"isac", ""}, "platform": {"isac", ""}, "nco-analyst": {"nco", ""}, "min-analyst": {"min", "electricity"}, "npa-analyst": {"npa", ""}}
			for name := range own {
				for _, q := range [][]string{{"--org", "op-a"}, {"--org", "op-b"}, {"--sector", "electricity"}, {"--sector", "railway"}, {"--overview"}} {
					r := x(append(append([]string{"weather", "--json"}, q...), asU(name)...)...)
					allowed := gov[name] || q[0] == "--org" && q[1] == own[name][0] || q[0] == "--sector" && q[1] == own[name][1]
					if allowed != (r.code == 0) {
						t.Errorf("%s weather %v: %v", name, q, r)
					}
					if r.code == 0 && !gov[name] {
						for slug, o := range w.Orgs {
							if slug != own[name][0] && (strings.Contains(r.stdout, o.ID) || strings.Contains(r.stdout, `"`+slug+`"`)) {
								t.Errorf("%s weather %v names %s", name, q, slug)
							}
						}
					}
				}
			}
			r = x(append([]string{"weather", "--overview"}, asU("nco-analyst")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "electricity") || !strings.Contains(r.stdout, "op-a") {
				t.Errorf("%v", r)
			}

			id := seed.Incidents[0]
			for name, ok := range map[string]bool{"op-a-analyst": true, "op-a-viewer": true, "nco-analyst": true, "min-analyst": true,
				"op-b-admin": false, "npa-analyst": false, "sup-admin": false, "platform": false} {
				r := x(append([]string{"feedback", id, "--json"}, asU(name)...)...)
				if ok != (r.code == 0) {
					t.Errorf("%s feedback: %v", name, r)
				}
				if ok {
					var fb weather.Feedback
					jsonOf(t, r, &fb)
					if fb.IncidentID != id || fb.Correlation == nil {
						t.Errorf("%s: %s", name, r.stdout)
					}
				}
			}
			r = x(append([]string{"feedback", id, "--lang", "en"}, asU("op-a-analyst")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "Correlation") || !strings.Contains(r.stdout, "Advice from the receivers") {
				t.Errorf("%v", r)
			}
		})
	}
}
