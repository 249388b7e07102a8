package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/audit"
	"sakimori/internal/correlate"
	"sakimori/internal/exposure"
	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/push"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/vuln"
	"sakimori/internal/weather"
	"sakimori/internal/weather/weathertest"
	"sakimori/internal/web"
)

// homeEnv is the dashboard with every analysis service over weathertest's
// world (op-a's two submitted reports, op-a's exposed SCADA computer, the
// open cluster, alerts ALR-al-1 to op-a (acknowledged) and op-b (pending),
// ALR-al-2 to op-a, ALR-al-3 to op-b (acknowledged)), plus: op-a's report
// waiting for its legal approver, op-b's own draft, and the oversight
// commission's auditor.
type homeEnv struct {
	*env
	w    *inteltest.World
	seed *weathertest.Seeded
	push *push.Service // with withPush
}

func newHomeEnv(t *testing.T, d store.Dialect, withPush bool) *homeEnv {
	t.Helper()
	ctx := context.Background()
	db, dsn := weathertest.Open(t, d)
	w := reportingtest.New(t, db)
	seed := weathertest.Seed(t, dsn, w)
	act := audit.Actor{Name: "cli"}
	com := &org.Organisation{Slug: "commission", Kind: org.KindOversight, Name: org.Names{JA: "監理委員会", EN: "Commission"},
		Contact: org.Contact{Name: "sec", Email: "sec@commission.example.jp"}}
	if err := db.CreateOrg(ctx, act, com); err != nil {
		t.Fatal(err)
	}
	w.Orgs["commission"] = com
	aud := &org.User{OrgID: com.ID, Email: "auditor@commission.example.jp", DisplayName: "auditor", Roles: []org.Role{org.RoleAuditor}}
	if err := db.CreateUser(ctx, act, aud, ""); err != nil {
		t.Fatal(err)
	}
	w.Users["auditor"] = aud
	rep := reporting.New(db, inteltest.Quiet)
	rep.Intel = w.Svc
	rep.Now = func() time.Time { return weathertest.Now }
	ws := weather.New(db, inteltest.Quiet)
	ws.Now, ws.Reporting = rep.Now, rep
	al := alerting.New(db, inteltest.Quiet)
	al.Now = rep.Now
	if err := rep.PutSettings(ctx, w.P("op-a-admin"), &incident.Settings{Flow: incident.Flow{Steps: []incident.ApprovalKind{incident.ApproveLegal}}}); err != nil {
		t.Fatal(err)
	}
	// Aware an hour ago, under Japan's and the EU's rules: a countdown for each.
	aware := weathertest.Now.Add(-time.Hour)
	c := report.Content{Class: report.Known(report.ClassMalwareInfection, report.Confirmed, aware, "EDR"),
		Aware: report.Known(&aware, report.Confirmed, aware, "EDR"), Summary: report.Known("awaiting approval", report.Confirmed, aware, "EDR")}
	in, err := rep.Create(ctx, w.P("op-a-reporter"), reporting.NewIncident{Title: "承認待ちの報告", Content: &c, Regimes: []string{"jp-acd", "eu-nis2"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.RequestApproval(ctx, w.P("op-a-reporter"), in.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := rep.Create(ctx, w.P("op-b-admin"), reporting.NewIncident{Title: "Railway signalling fault"}); err != nil {
		t.Fatal(err)
	}
	// An AMBER alert to op-a alone, published; another awaiting review,
	// submitted by the NCO analyst (for its colleague to review).
	rev := &org.User{OrgID: w.Orgs["nco"].ID, Email: "nco-reviewer@nco.example.jp", DisplayName: "nco-reviewer", Roles: []org.Role{org.RoleAnalyst}}
	if err := db.CreateUser(ctx, act, rev, ""); err != nil {
		t.Fatal(err)
	}
	w.Users["nco-reviewer"] = rev
	nco, reviewer := w.P("nco-analyst"), w.P("nco-reviewer")
	for i, title := range []string{"AMBER only for op-a", "Draft under review"} {
		v, err := al.Create(ctx, nco, alert.Content{Title: alert.Text{JA: title, EN: title}, Summary: alert.Text{JA: "概要", EN: "Summary"},
			Severity: alert.High, TLP: marking.TLPAmber, Targeting: alert.Targeting{Orgs: []string{w.Orgs["op-a"].ID}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if v, err = al.Submit(ctx, nco, v.ID, v.Rev); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			break
		}
		if v, err = al.Review(ctx, reviewer, v.ID, v.Rev, true, ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err = al.Publish(ctx, nco, v.ID, v.Rev); err != nil {
			t.Fatal(err)
		}
	}

	// The NCO asks the vendor about the exploited vulnerability, due in 3 days.
	x := exposure.New(db, inteltest.Quiet)
	if err := x.RequestVendor(ctx, w.P("nco-analyst"), &vuln.Request{VulnID: "CVE-2024-21762", VendorOrgID: w.Orgs["ven"].ID,
		Questions: "Which versions fix it?", DueAt: weathertest.Now.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	opt := web.Options{Reporting: rep, Weather: ws, Alerting: al, Correlate: correlate.New(db, inteltest.Quiet), Exposure: x}
	if withPush {
		opt.Push = push.New(db, inteltest.Quiet)
		opt.Push.Intel = w.Svc
		t.Cleanup(opt.Push.Close)
	}
	e := serveWorld(t, db, w, opt)
	return &homeEnv{env: e, w: w, seed: seed, push: opt.Push}
}

func (e *homeEnv) as(name, lang string) *client {
	c := e.client(lang)
	c.login(e.w.Users[name].Email)
	return c
}

// homeSection is the HTML of the home page's section id ("" when absent).
func homeSection(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

var homeSections = []string{"home-weather", "home-incidents", "home-tasks", "home-requests", "home-alerts", "home-exposures", "home-indicators",
	"home-triage", "home-desk", "home-clusters", "home-wxoverview", "home-expoverview", "home-audit", "home-platform"}

// TestHomePages: each role's home page has its sections and nothing of
// another organisation's (incidents, alerts not addressed to it,
// computers), on both databases.
func TestHomePages(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := newHomeEnv(t, d, false)
			// Words of op-a's and op-b's own objects.
			opA := []string{"Ransomware at substation", "Phishing wave", "承認待ちの報告", "SCADA", "ALR-2026-al-2", "フィッシング注意"}
			opB := []string{"Railway signalling fault", "ALR-2026-al-3"}
			gov := []string{"AMBER only for op-a", "Draft under review"} // never outside op-a and the government
			type tc struct {
				user, lang, role string
				sections         []string            // present, the rest absent
				in               map[string][]string // section -> texts it shows
				not              []string            // nowhere on the page
			}
			for _, c := range []tc{
				{user: "op-a-reporter", lang: "ja", role: "staff",
					sections: []string{"home-weather", "home-incidents", "home-tasks", "home-alerts", "home-exposures", "home-indicators"},
					in: map[string][]string{
						"home-incidents": {"Ransomware at substation", "Phishing wave", "承認待ちの報告", "data-countdown", "残り", `href="/incidents"`,
							`<span class="juris">JP</span>`, `<span class="juris">EU</span>`, "NIS2"},
						"home-alerts":    {"ALR-2026-al-2", "フィッシング注意", "AMBER only for op-a", "TLP:AMBER"},
						"home-exposures": {"SCADA", "CVE-2024-21762", "悪用確認済み", `href="/computers/cmp-1"`},
						"home-weather":   {"嵐", "<svg", "電力"},
						"home-tasks":     {"承認や回答を待っている報告はありません。"},
					},
					not: slices.Concat(opB, []string{"ALR-2026-al-1", "CVE-2023-0001", "Draft under review"})},
				{user: "op-a-legal", lang: "ja", role: "staff",
					sections: []string{"home-weather", "home-incidents", "home-tasks", "home-alerts", "home-exposures", "home-indicators"},
					in:       map[string][]string{"home-tasks": {"承認待ちの報告", "あなたの承認を待っています。"}},
					not:      slices.Concat(opB, []string{"Draft under review"})},
				{user: "op-a-exec", lang: "en", role: "executive",
					sections: []string{"home-weather", "home-incidents", "home-tasks", "home-alerts", "home-exposures", "home-indicators"},
					in:       map[string][]string{"home-tasks": {"No report waits for your approval or answer."}, "home-incidents": {" left"}},
					not:      slices.Concat(opB, []string{"Draft under review"})},
				{user: "op-a-viewer", lang: "en", role: "viewer",
					sections: []string{"home-weather", "home-incidents", "home-alerts", "home-exposures", "home-indicators"},
					not:      slices.Concat(opB, []string{"Draft under review"})},
				{user: "op-b-admin", lang: "ja", role: "staff",
					sections: []string{"home-weather", "home-incidents", "home-tasks", "home-alerts", "home-exposures", "home-indicators"},
					in: map[string][]string{"home-incidents": {"Railway signalling fault"}, "home-alerts": {"ALR-2026-al-1", "重大な脆弱性"},
						"home-exposures": {"既知の脆弱性の影響を受ける電子計算機はありません。"}},
					not: slices.Concat(opA, gov, []string{"ALR-2026-al-3"})},
				{user: "sup-admin", lang: "en", role: "staff",
					sections: []string{"home-weather", "home-incidents", "home-tasks", "home-alerts", "home-exposures", "home-indicators"},
					in: map[string][]string{"home-incidents": {"No open incidents.", `href="/incidents/new"`},
						"home-alerts": {"Every alert to your organisation is acknowledged."}},
					not: slices.Concat(opA, opB, gov, []string{"ALR-2026-al-1"})},
				{user: "ven-admin", lang: "en", role: "staff",
					sections: []string{"home-weather", "home-incidents", "home-tasks", "home-requests", "home-alerts", "home-indicators"},
					in: map[string][]string{"home-requests": {"CVE-2024-21762", "Which versions fix it?", "data-countdown", `href="/vendor-requests/`},
						"home-incidents": {"No open incidents."}},
					not: slices.Concat(opA, opB, gov)},
				{user: "nco-analyst", lang: "ja", role: "government",
					sections: []string{"home-triage", "home-desk", "home-clusters", "home-wxoverview", "home-expoverview", "home-indicators"},
					in: map[string][]string{
						"home-triage":      {"Ransomware at substation", "Phishing wave", "トリアージ待ち（2件）", "トリアージ一覧（対応中 2件）"},
						"home-clusters":    {"CL-2026-cl-open", "強度 60"},
						"home-desk":        {"ALR-2026-al-1", "1 / 2 組織が回答（50%）", "レビュー待ちの注意喚起はありません。"},
						"home-wxoverview":  {`href="/weather?sector=electricity"`, "鉄道", `<symbol id="home-wx-`, `<use href="#home-wx-`},
						"home-expoverview": {"未対応の影響"},
					},
					not: []string{"Railway signalling fault", "承認待ちの報告", "CL-2026-cl-dismissed"}},
				{user: "nco-reviewer", lang: "en", role: "government",
					sections: []string{"home-triage", "home-desk", "home-clusters", "home-wxoverview", "home-expoverview", "home-indicators"},
					in:       map[string][]string{"home-desk": {"Waiting for your review (1)", "Draft under review"}}},
				{user: "npa-analyst", lang: "en", role: "government",
					sections: []string{"home-triage", "home-desk", "home-clusters", "home-wxoverview", "home-expoverview", "home-indicators"},
					in:       map[string][]string{"home-triage": {"Every received report has been triaged."}},
					not:      []string{"Ransomware at substation", "Phishing wave", "承認待ちの報告", "Railway signalling fault"}},
				{user: "auditor", lang: "en", role: "auditor",
					sections: []string{"home-alerts", "home-audit"},
					in:       map[string][]string{"home-audit": {"The chain has not been verified yet.", `action="/audit/verify"`, `name="csrf"`}},
					not:      slices.Concat(opA, opB, gov)},
				{user: "platform", lang: "en", role: "platform",
					sections: []string{"home-platform", "home-alerts", "home-indicators", "home-weather"},
					in:       map[string][]string{"home-platform": {`href="/orgs?kind=operator"`, "organisations"}},
					not:      slices.Concat(opA, opB, gov)},
			} {
				p := e.as(c.user, c.lang).get("/").must(t, http.StatusOK)
				if !strings.Contains(p.Body, `<div id="home" data-role="`+c.role+`"`) {
					t.Errorf("%s: not a %s home page", c.user, c.role)
				}
				for _, id := range homeSections {
					want := false
					for _, s := range c.sections {
						want = want || s == id
					}
					if got := homeSection(p.Body, id) != ""; got != want {
						t.Errorf("%s: section %s shown %v, want %v", c.user, id, got, want)
					}
				}
				for id, texts := range c.in {
					sec := homeSection(p.Body, id)
					for _, s := range texts {
						if !strings.Contains(sec, s) {
							t.Errorf("%s: %s lacks %q:\n%s", c.user, id, s, sec)
						}
					}
				}
				for _, s := range c.not {
					if strings.Contains(p.Body, s) {
						t.Errorf("%s: the home page shows %q", c.user, s)
					}
				}
				if main := p.Body[strings.Index(p.Body, "<main"):]; strings.Contains(main, "style=") || strings.Contains(main, "<script>") {
					t.Errorf("%s: inline style or script (the CSP forbids them)", c.user)
				}
				if strings.Contains(p.Body, "home-failed") {
					t.Errorf("%s: a section failed", c.user)
				}
				// Every count of the glance row links to its list.
				if g := glanceRE.FindString(p.Body); g != "" {
					if n, l := strings.Count(g, "<li"), strings.Count(g, `<a href="/`); n == 0 || n != l {
						t.Errorf("%s: %d counts, %d links", c.user, n, l)
					}
				}
				if c.role == "executive" || c.role == "viewer" {
					if strings.Index(p.Body, `id="home-weather"`) > strings.Index(p.Body, `id="home-incidents"`) {
						t.Errorf("%s: the summary does not come first", c.user)
					}
				}
			}

			// The platform's counts are every organisation's and user's.
			pl := homeSection(e.as("platform", "en").get("/").Body, "home-platform")
			for _, want := range []string{fmt.Sprintf(`<span class="num">%d</span> <span class="what">organisations`, len(e.w.Orgs)),
				fmt.Sprintf(`<span class="num">%d</span> <span class="what">users`, len(e.w.Users))} {
				if !strings.Contains(pl, want) {
					t.Errorf("platform counts lack %q: %s", want, pl)
				}
			}

			// The countdown: op-a's overdue and near deadlines are said in
			// words, and the script gets the formats.
			p := e.as("op-a-reporter", "en").get("/").must(t, http.StatusOK)
			inc := homeSection(p.Body, "home-incidents")
			if !dueRE.MatchString(inc) {
				t.Errorf("no countdown in %s", inc)
			}
			for _, m := range dueRE.FindAllStringSubmatch(inc, -1) {
				at, err := time.Parse(time.RFC3339, m[2])
				if err != nil {
					t.Fatal(err)
				}
				left := at.Sub(weathertest.Now)
				want := map[bool]string{true: "overdue", false: ""}[left < 0]
				if left >= 0 && left < 6*time.Hour {
					want = "soon"
				}
				if strings.TrimSpace(m[1]) != want {
					t.Errorf("due %s (%v left): class %q, want %q", m[2], left, m[1], want)
				}
				if want == "overdue" && !strings.Contains(m[3], "overdue by ") || want != "overdue" && !strings.HasSuffix(m[3], " left") {
					t.Errorf("due %s: text %q", m[2], m[3])
				}
			}
			if !strings.Contains(p.Body, `<script type="application/json" id="home-labels">`) || !strings.Contains(p.Body, `"left":"{} left"`) {
				t.Error("no countdown formats for the script")
			}
			if strings.Contains(p.Body, "data-stream") {
				t.Error("an event stream without the push service")
			}

			// The auditor verifies from the home page and sees the result there.
			// The verification is a sensitive action: the count grows by one.
			a := e.as("auditor", "en")
			sensitive := func(p *page) int {
				m := sensitiveRE.FindStringSubmatch(homeSection(p.Body, "home-audit"))
				if m == nil {
					t.Fatalf("no sensitive-actions count: %s", homeSection(p.Body, "home-audit"))
				}
				n, _ := strconv.Atoi(m[1])
				return n
			}
			before := sensitive(a.get("/").must(t, http.StatusOK))
			a.post("/audit/verify", url.Values{}).must(t, http.StatusOK)
			p = a.get("/").must(t, http.StatusOK)
			if s := homeSection(p.Body, "home-audit"); !strings.Contains(s, "Last verification: the chain was intact.") {
				t.Errorf("after verifying: %s", s)
			}
			if after := sensitive(p); after != before+1 {
				t.Errorf("sensitive actions %d, then %d", before, after)
			}
			// The verification heads the latest sensitive actions, with its
			// auditor and a link to its entries.
			if s := homeSection(p.Body, "home-audit"); !strings.Contains(s, `id="home-audit-recent"`) ||
				!strings.Contains(s[strings.Index(s, `id="home-audit-recent"`):], `<li><a href="/audit?action=audit.verify"><code>audit.verify</code></a>`) ||
				!strings.Contains(s, "auditor@commission.example.jp") {
				t.Errorf("latest sensitive actions after verifying: %s", s)
			}
		})
	}
}

var (
	glanceRE    = regexp.MustCompile(`(?s)<ul class="home-glance".*?</ul>`)
	sensitiveRE = regexp.MustCompile(`<span class="num">(\d+)</span> <span class="what">sensitive actions`)
	dueRE       = regexp.MustCompile(`<span class="due ([a-z]*)" data-due><time datetime="([^"]+)" data-countdown title="[^"]*">([^<]*)</time>`)
)

// TestHomeWithoutServices: with no analysis service configured the home
// page still works, with the organisation card and no section.
func TestHomeWithoutServices(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite))
	for _, u := range []string{"admin@alpha.example", "analyst@nco.example", "auditor@commission.example", "root@nco.example"} {
		c := e.client("en")
		c.login(u)
		p := c.get("/").must(t, http.StatusOK)
		p.has(t, `<div id="home" data-role="`, `id="home-about"`)
		for _, id := range homeSections {
			if id == "home-audit" && u == "auditor@commission.example" || id == "home-platform" && u == "root@nco.example" {
				if homeSection(p.Body, id) == "" {
					t.Errorf("%s: no %s", u, id)
				}
				continue
			}
			if homeSection(p.Body, id) != "" {
				t.Errorf("%s: %s without its service", u, id)
			}
		}
	}
}
