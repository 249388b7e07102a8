package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"sakimori/internal/intel/inteltest"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store/storetest"
	"sakimori/internal/weather"
	"sakimori/internal/weather/weathertest"
	"sakimori/internal/web"
)

// TestWeatherPages: /weather and the feedback page for every principal of
// the test world on both databases: an organisation sees its own weather
// and its sector's (never another organisation's), in Japanese by default
// for a Japanese browser; the government the grid of every sector and
// organisation and any one in detail; feedback goes to the reporter and
// its government receivers.
func TestWeatherPages(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db, dsn := weathertest.Open(t, d)
			w := reportingtest.New(t, db)
			seed := weathertest.Seed(t, dsn, w)
			rep := reporting.New(db, inteltest.Quiet)
			rep.Intel = w.Svc
			rep.Now = func() time.Time { return weathertest.Now }
			ws := weather.New(db, inteltest.Quiet)
			ws.Now = rep.Now
			ws.Reporting = rep
			if _, err := rep.Comment(context.Background(), w.P("nco-analyst"), seed.Incidents[0], "advice", "FortiOSを更新してください"); err != nil {
				t.Fatal(err)
			}
			e := &incEnv{env: serveWorld(t, db, w, web.Options{Reporting: rep, Weather: ws}), w: w, rep: rep}

			c := e.as("op-a-analyst", "ja")
			p := c.get("/weather").must(t, http.StatusOK)
			for _, want := range []string{"脅威予報", "嵐", "理由", "推移", "<svg", "過去7日間に提出されたインシデント報告: 2件", "電力", "1〜2件", `href="/weather"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("op-a /weather lacks %q", want)
				}
			}
			if main := p.Body[strings.Index(p.Body, "<main"):]; strings.Contains(main, "<img") || strings.Contains(main, "style=") {
				t.Error("the weather page uses images or inline styles")
			}
			c = e.as("op-a-analyst", "en")
			p = c.get("/weather").must(t, http.StatusOK)
			for _, want := range []string{"Threat weather", "Storm", "Reasons", "Incident reports submitted in the last 7 days: 2"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("op-a /weather (en) lacks %q", want)
				}
			}

			gov := map[string]bool{"nco-analyst": true, "min-analyst": true, "npa-analyst": true}
			own := map[string][2]string{"op-a-analyst": {"op-a", "electricity"}, "op-a-viewer": {"op-a", "electricity"}, "op-b-admin": {"op-b", "railway"},
				"sup-admin": {"sup", ""}, "isac-analyst": {"isac", ""}, "platform": {"isac", ""}, "nco-analyst": {"nco", ""}, "min-analyst": {"min", "electricity"},
				"npa-analyst": {"npa", ""}}
			for name := range own {
				c := e.as(name, "en")
				p := c.get("/weather").must(t, http.StatusOK)
				if gov[name] != strings.Contains(p.Body, `id="weather-sectors"`) {
					t.Errorf("%s: sector grid shown %v", name, !gov[name])
				}
				for _, q := range []string{"org=op-a", "org=op-b", "org=sup", "sector=electricity", "sector=railway"} {
					k, v, _ := strings.Cut(q, "=")
					allowed := gov[name] || k == "org" && v == own[name][0] || k == "sector" && v == own[name][1]
					want := http.StatusForbidden
					if allowed {
						want = http.StatusOK
					}
					p := c.get("/weather?"+q).must(t, want)
					if allowed && !gov[name] {
						for slug, o := range w.Orgs {
							if slug != own[name][0] && (strings.Contains(p.Body, o.Name.EN+"<") || strings.Contains(p.Body, "org="+slug)) {
								t.Errorf("%s /weather?%s names %s", name, q, slug)
							}
						}
					}
				}
			}
			p = e.as("nco-analyst", "ja").get("/weather").must(t, http.StatusOK)
			for _, want := range []string{`id="weather-sectors"`, `id="weather-orgs"`, "/weather?sector=electricity", "/weather?org=op-a", "鉄道"} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("nco grid lacks %q", want)
				}
			}

			path := "/incidents/" + seed.Incidents[0] + "/feedback"
			for name, want := range map[string]int{"op-a-analyst": 200, "op-a-viewer": 200, "nco-analyst": 200, "min-analyst": 200,
				"op-b-admin": 404, "npa-analyst": 404, "sup-admin": 404, "platform": 404} {
				p := e.as(name, "ja").get(path).must(t, want)
				if want == 200 {
					for _, s := range []string{"この報告へのフィードバック", "FortiOSを更新してください", "相関分析", "受領機関からの助言"} {
						if !strings.Contains(p.Body, s) {
							t.Errorf("%s feedback lacks %q", name, s)
						}
					}
				}
			}
			p = e.as("op-a-analyst", "en").get(path).must(t, http.StatusOK)
			if !strings.Contains(p.Body, "Feedback on this report") || !strings.Contains(p.Body, "Advice from the receivers") {
				t.Errorf("en feedback: %s", p.Body)
			}
			// The incident page shows the same section inline to the
			// reporter and its receivers.
			for _, name := range []string{"op-a-analyst", "nco-analyst"} {
				p = e.as(name, "ja").get("/incidents/"+seed.Incidents[0]).must(t, http.StatusOK)
				if !strings.Contains(p.Body, `id="feedback"`) || !strings.Contains(p.Body, "受領機関からの助言") {
					t.Errorf("%s: the incident page lacks the feedback section", name)
				}
			}
		})
	}
}
