package cli

import (
	"strings"
	"testing"

	"sakimori/internal/stats"
	"sakimori/internal/store/storetest"
)

// TestStatsCommand: sakimori stats CHART for several principals on both
// databases: a table (or JSON) of the chart's numbers within the acting
// user's entitlement; bad charts and windows are usage errors. (The
// command uses the real clock, so the seeded reports are compared between
// principals rather than counted.)
func TestStatsCommand(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			x, w, _ := weatherWorld(t, d)
			asU := func(name string) []string { return []string{"--as", w.Users[name].Email} }
			reports := func(name string) int64 {
				t.Helper()
				r := x(append([]string{"stats", "reports", "--weeks", "52", "--json"}, asU(name)...)...)
				if r.code != 0 {
					t.Fatalf("%s: %v", name, r)
				}
				var st stats.Stats
				jsonOf(t, r, &st)
				if len(st.Weeks) != 52 {
					t.Errorf("%s: %d weeks", name, len(st.Weeks))
				}
				var n int64
				for _, s := range st.Series {
					for _, v := range s.Values {
						n += v
					}
				}
				return n
			}
			if a, nco := reports("op-a-exec"), reports("nco-analyst"); a != nco {
				t.Errorf("op-a counts %d of its reports, the NCO %d received", a, nco)
			}
			for _, name := range []string{"op-b-admin", "sup-admin"} {
				if n := reports(name); n != 0 {
					t.Errorf("%s counts %d reports", name, n)
				}
			}
			for _, c := range stats.Charts {
				r := x(append([]string{"stats", c, "--weeks", "4"}, asU("op-a-analyst")...)...)
				if r.code != 0 || !strings.HasPrefix(r.stdout, c+" (") || !strings.Contains(r.stdout, "JST") {
					t.Errorf("stats %s: %v", c, r)
				}
			}
			r := x(append([]string{"stats", "sightings", "--weeks", "2"}, asU("op-b-admin")...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "own") || !strings.Contains(r.stdout, "sector") {
				t.Errorf("op-b sightings: %v", r)
			}
			for _, args := range [][]string{{"stats", "nope"}, {"stats", "reports", "--weeks", "0"}, {"stats", "reports", "--weeks", "53"}, {"stats"}} {
				if r := x(append(args, asU("op-a-analyst")...)...); r.code != 2 {
					t.Errorf("%v: exit %d, want 2 (%v)", args, r.code, r)
				}
			}
			if r := x("help"); !strings.Contains(r.stdout, "stats CHART") {
				t.Errorf("help lacks stats:\n%s", r.stdout)
			}
		})
	}
}
