package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/stats"
	"sakimori/internal/store/storetest"
	"sakimori/internal/weather/weathertest"
	"sakimori/internal/web"
)

// figure returns chart name's <figure> in a page body.
func figure(body, name string) string {
	i := strings.Index(body, `<figure class="chart-figure" id="chart-`+name+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</figure>")
	return body[i : i+j]
}

// TestChartsPage: /charts for each kind of principal on both databases:
// five charts with their tables, in Japanese and English, counting only
// what the principal may see.
func TestChartsPage(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db, dsn := weathertest.Open(t, d)
			w := reportingtest.New(t, db)
			weathertest.Seed(t, dsn, w)
			rep := reporting.New(db, inteltest.Quiet)
			rep.Intel = w.Svc
			st := stats.New(db, w.Svc, inteltest.Quiet)
			st.Now = func() time.Time { return weathertest.Now.Add(time.Hour) }
			e := &incEnv{env: serveWorld(t, db, w, web.Options{Reporting: rep, Stats: st}), w: w, rep: rep}

			p := e.as("op-a-analyst", "ja").get("/charts").must(t, http.StatusOK)
			for _, want := range []string{"状況図", `href="/charts"`, `aria-current="page">12週間`, "数値を表示", "電力", "自組織", `role="img"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("op-a /charts lacks %q", want)
				}
			}
			for _, name := range stats.Charts {
				if f := figure(p.Body, name); f == "" || !strings.Contains(f, "<svg") || !strings.Contains(f, "<details") {
					t.Errorf("op-a /charts: chart %s missing or without its table", name)
				}
			}
			if f := figure(p.Body, "reports"); !strings.Contains(f, `<td class="num">2</td>`) || !strings.Contains(f, "11/30") {
				t.Errorf("op-a reports chart lacks its two reports this week:\n%s", f)
			}
			if main := p.Body[strings.Index(p.Body, "<main"):]; strings.Contains(main, "style=") || strings.Contains(main, "<script") {
				t.Error("the charts page uses inline styles or scripts")
			}

			p = e.as("op-a-analyst", "en").get("/charts?weeks=4").must(t, http.StatusOK)
			for _, want := range []string{"Charts", "Show the numbers", "Electricity", `aria-current="page">4 weeks`, "Incident reports per week, by sector"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("op-a /charts (en) lacks %q", want)
				}
			}
			if f := figure(p.Body, "reports"); strings.Count(f, `<th scope="row">`) != 4 {
				t.Errorf("4 weeks: %d rows", strings.Count(f, `<th scope="row">`))
			}
			// An unknown window falls back to 12 weeks.
			p = e.as("op-a-analyst", "en").get("/charts?weeks=999").must(t, http.StatusOK)
			if !strings.Contains(p.Body, `aria-current="page">12 weeks`) {
				t.Error("weeks=999 is not 12 weeks")
			}

			// The receivers see op-a's reports; op-b and the supplier do not.
			for name, want := range map[string]bool{"nco-analyst": true, "min-analyst": true, "op-b-admin": false, "sup-admin": false, "npa-analyst": false} {
				p := e.as(name, "en").get("/charts").must(t, http.StatusOK)
				f := figure(p.Body, "reports")
				if got := strings.Contains(f, "Electricity"); got != want {
					t.Errorf("%s sees op-a's reports: %v, want %v", name, got, want)
				}
				if !want && f != "" && !strings.Contains(f, "Nothing in this period.") {
					t.Errorf("%s: reports chart is not empty", name)
				}
			}
			// op-b's own sightings: three this week (the false positive is not).
			p = e.as("op-b-admin", "en").get("/charts").must(t, http.StatusOK)
			if f := figure(p.Body, "sightings"); !strings.Contains(f, "Your organisation: 3 sightings") {
				t.Errorf("op-b sightings:\n%s", f)
			}
			if f := figure(p.Body, "sightings"); !strings.Contains(f, "withheld") {
				t.Errorf("op-b's sector week (one organisation) is not withheld:\n%s", f)
			}
			// The home page shows one chart: the government the reports it
			// received, an organisation its sightings; each as on /charts.
			for name, want := range map[string]string{"nco-analyst": "reports", "op-a-analyst": "sightings", "op-b-admin": "sightings"} {
				p := e.as(name, "en").get("/").must(t, http.StatusOK)
				i := strings.Index(p.Body, `id="home-picture"`)
				if i < 0 {
					t.Errorf("%s: no chart on the home page", name)
					continue
				}
				sec := p.Body[i : i+strings.Index(p.Body[i:], "</section>")]
				home, full := figure(sec, want), figure(e.as(name, "en").get("/charts").Body, want)
				if home == "" || home != full {
					t.Errorf("%s: the home page's %s chart differs from the charts page's:\n%s", name, want, home)
				}
				if !strings.Contains(sec, `href="/charts"`) {
					t.Errorf("%s: the home chart does not link to the charts", name)
				}
			}
			// Signed out: to the login page.
			if p := e.client("en").get("/charts"); p.Status == http.StatusOK && strings.Contains(p.Body, "chart-figure") {
				t.Error("/charts is served without a session")
			}
		})
	}
}
