package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"sakimori/internal/audit"
	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/reporting/reportingtest"
	"sakimori/internal/share"
	"sakimori/internal/stats"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
	"sakimori/internal/web"
)

// seedChartHistory writes twelve weeks of the past, oldest first, each
// event at its time (the store's clock set back): reports of op-a and
// op-b submitted to the NCO (and op-a's to the ministry) with techniques
// and jp-acd prompt deadlines met, late and missed; indicators of several
// types in the advisories collection; sightings by op-a, op-b and the
// supplier.
func seedChartHistory(t *testing.T, db *store.DB, w *inteltest.World) {
	t.Helper()
	ctx := context.Background()
	real := db.Now
	defer func() { db.Now = real }()
	now := real().UTC()
	start := now.Add(-12 * 7 * 24 * time.Hour)
	act := audit.Actor{Name: "test"}
	techs := [][]string{{"T1566", "T1204"}, {"T1190", "T1078"}, {"T1486"}, {"T1566"}, {"T1133", "T1110"}, {"T1190"}}
	types := []string{"[ipv4-addr:value = '203.0.113.%d']", "[domain-name:value = 'c2-%d.example.net']", "[url:value = 'https://phish%d.example.org/']",
		"[file:hashes.'SHA-256' = '%064x']"}
	n := 0
	for wk := range 12 {
		week := start.Add(time.Duration(wk) * 7 * 24 * time.Hour)
		db.Now = func() time.Time { return week }
		// Indicators first in the week: date_added only moves forward.
		for i := range 2 + wk%4 {
			n++
			ts := week.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z")
			pat := fmt.Sprintf(types[(n+wk)%len(types)], n)
			raw := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-000000000000","created":"%s","modified":"%s",`+
				`"name":"ioc %d","pattern":"%s","pattern_type":"stix","valid_from":"%s"}`, 0x70000+n, ts, ts, n, pat, ts)
			o, err := stix.Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			db.Now = func() time.Time { return week.Add(time.Duration(n) * time.Minute) }
			if j, err := w.Svc.Ingest(ctx, w.P("nco-analyst"), "advisories", []*stix.Object{o}, intel.IngestOptions{}); err != nil || j.Rejected > 0 {
				t.Fatalf("ingest %s: %v %+v", raw, err, j)
			}
		}
		for i := range 1 + (wk*7)%5 {
			slug := []string{"op-a", "op-b"}[(wk+i)%2]
			o := w.Orgs[slug]
			aware := week.Add(time.Duration(24+i*9) * time.Hour)
			at := aware.Add(time.Hour)
			db.Now = func() time.Time { return at }
			c := report.Content{Class: report.Known(report.ClassMalwareInfection, report.Confirmed, aware, "EDR"),
				Aware: report.Known(&aware, report.Confirmed, aware, "EDR"), Summary: report.Known("history", report.Confirmed, aware, "EDR"),
				Techniques: report.Known(techs[(wk+i)%len(techs)], report.Confirmed, aware, "EDR")}
			in := &incident.Incident{OrgID: o.ID, Title: fmt.Sprintf("history %d-%d", wk, i), Content: c, CreatedBy: "test",
				Regimes: []incident.RegimeChoice{{Regime: "jp-acd", Reportable: incident.ReportableYes}}}
			if err := db.CreateIncident(ctx, act, in, nil, nil); err != nil {
				t.Fatal(err)
			}
			delay := []time.Duration{10, 30, 90, 50}[(wk+i)%4] * time.Hour // 90 h: late
			if (wk+i)%7 == 3 {
				continue // never submitted: missed (op-a's or op-b's own view)
			}
			sub := aware.Add(delay)
			if sub.After(now) {
				continue
			}
			db.Now = func() time.Time { return sub }
			var subs []*incident.Submission
			for _, to := range []string{w.Orgs["nco"].ID, w.Orgs["min"].ID}[:1+map[string]int{"op-a": 1}[slug]] {
				b, _ := json.Marshal(reporting.Body{Format: reporting.BodyFormat, Incident: in.ID, Title: in.Title, Recipient: to, Regime: "jp-acd", Stage: "prompt",
					Kind: incident.KindReport, Version: 1, Submitted: sub, Content: c})
				subs = append(subs, &incident.Submission{Recipient: to, Regime: "jp-acd", Stage: "prompt", Kind: incident.KindReport, Version: 1,
					SubmittedAt: sub, SubmittedBy: "test", Body: b})
			}
			if _, err := db.UpdateIncident(ctx, in.ID, func(x *incident.Incident) (*store.IncidentChange, error) {
				x.State, x.SubmittedVersion = incident.Submitted, 1
				return &store.IncidentChange{Submissions: subs}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 2 + wk {
			slug := []string{"op-a", "op-b", "sup", "op-b"}[i%4]
			o := w.Orgs[slug]
			at := week.Add(time.Duration(30+i*5) * time.Hour)
			if at.After(now) {
				continue
			}
			db.Now = func() time.Time { return at }
			if err := db.AddSighting(ctx, act, &share.Sighting{StixID: fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", 0x70001), ReporterOrgID: o.ID,
				ReporterUser: "u", Sector: o.Sector, Count: 1, FirstSeen: at, LastSeen: at}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestBrowserCharts opens /charts in headless Chromium as the NCO's
// analyst and as op-a's, at desktop and phone widths, in Japanese and
// English, over twelve weeks of history, and checks the pictures are there
// with their tables. Screenshots go to $SAKIMORI_ARTIFACTS.
func TestBrowserCharts(t *testing.T) {
	b := newBrowser(t)
	db := storetest.Open(t, store.SQLite)
	w := reportingtest.New(t, db)
	seedChartHistory(t, db, w)
	rep := reporting.New(db, inteltest.Quiet)
	rep.Intel = w.Svc
	e := serveWorld(t, db, w, web.Options{Reporting: rep, Stats: stats.New(db, w.Svc, inteltest.Quiet)})
	do, text, shot := b.do, b.text, b.shot
	signIn := func(user string) { b.signIn(e.srv.URL, email(user)) }
	signIn("nco-analyst")
	do("open the charts from the navigation",
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/charts"]`)),
		chromedp.WaitVisible(chromedp.CSS("#chart-reports svg")))
	waitLocation(t, b.ctx, "/charts")
	for _, id := range []string{"#chart-reports", "#chart-techniques", "#chart-indicators", "#chart-deadlines", "#chart-sightings"} {
		if s := text(id + " figcaption"); s == "" {
			t.Errorf("%s has no caption", id)
		}
	}
	if s := text("#chart-techniques figcaption"); !strings.Contains(s, "ATT&CK") {
		t.Errorf("techniques caption %q", s)
	}
	shot("81-charts-nco-ja.png")
	do("open the numbers", chromedp.Click(chromedp.CSS("#chart-reports summary")), chromedp.WaitVisible(chromedp.CSS("#chart-reports table")))
	if s := text("#chart-reports table"); !strings.Contains(s, "電力") || !strings.Contains(s, "鉄道") {
		t.Errorf("NCO reports table: %q", s)
	}
	do("open the deadlines' numbers", chromedp.Click(chromedp.CSS("#chart-deadlines summary")), chromedp.WaitVisible(chromedp.CSS("#chart-deadlines table")))
	if s := text("#chart-deadlines table"); !strings.Contains(s, "期限内の割合") || !strings.Contains(s, "計") || !strings.Contains(s, "%") {
		t.Errorf("NCO deadlines table: %q", s)
	}
	shot("85-charts-nco-numbers-ja.png")
	do("26 weeks", chromedp.Click(chromedp.CSS(`.chart-windows a[href="/charts?weeks=26"]`)), chromedp.WaitVisible(chromedp.CSS("#chart-reports svg")))
	waitLocation(t, b.ctx, "weeks=26")
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(e.srv.URL+"/charts"),
		chromedp.WaitVisible(chromedp.CSS("#chart-sightings svg")))
	shot("82-charts-nco-ja-phone.png")

	g := newBrowser(t)
	b, do, text, shot = g, g.do, g.text, g.shot
	signIn("op-a-analyst")
	do("charts", chromedp.Navigate(e.srv.URL+"/charts"), chromedp.WaitVisible(chromedp.CSS("#chart-reports svg")))
	do("switch to English", chromedp.Click(chromedp.CSS(`.lang a[lang="en"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #chart-reports svg`)))
	if s := text("#chart-sightings"); !strings.Contains(s, "Your sector") {
		t.Errorf("op-a sightings: %q", s)
	}
	shot("83-charts-op-a.png")
	do("open the numbers", chromedp.Click(chromedp.CSS("#chart-reports summary")), chromedp.WaitVisible(chromedp.CSS("#chart-reports table")))
	if s := text("#chart-reports table"); strings.Contains(s, "Railway") || strings.Contains(s, "鉄道") {
		t.Errorf("op-a sees op-b's reports: %q", s)
	}
	do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(e.srv.URL+"/charts"),
		chromedp.WaitVisible(chromedp.CSS("#chart-deadlines")))
	shot("84-charts-op-a-phone.png")
}
