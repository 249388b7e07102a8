package demo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"sakimori/internal/alert"
	"sakimori/internal/alerting"
	"sakimori/internal/auth"
	"sakimori/internal/demo"
	"sakimori/internal/incident"
	"sakimori/internal/marking"
	"sakimori/internal/regime"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestSeedHome seeds the demo as `sakimori demo` does and checks, through
// the services as the users the home pages are for, that each of the four
// situations SeedHome adds is there; seeding again adds nothing.
func TestSeedHome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := seedBeforeAnalysis(t, db)
		if _, err := demo.SeedAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		h := demo.Home{Reporting: a.Reporting, Alerting: a.Alerting}
		msg, err := demo.SeedHome(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		as := func(email string) *auth.Principal { return demoUser(t, db, email) }
		now := time.Now()
		ncoAnalyst, lead := as("analyst@nco.example"), as("lead-analyst@nco.example")

		// 1. Toto Electric's analyst has the phishing alert to acknowledge.
		toto := as("analyst@toto-electric.example")
		vs, err := a.Alerting.List(ctx, toto, alerting.Query{Unacked: true, State: alert.Published})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(vs, func(v alerting.View) bool { return v.Title.EN == demo.AlertPhishingEN })
		if i < 0 {
			t.Fatalf("toto-electric has no phishing alert to acknowledge (%d alerts; %s)", len(vs), msg)
		}
		ph := vs[i]
		if ph.TLP != marking.TLPAmber || ph.Severity != alert.High || ph.DueAt == nil ||
			ph.DueAt.Sub(now) < 47*time.Hour || ph.DueAt.Sub(now) > 49*time.Hour || ph.Recipient == nil || ph.Recipient.State != alert.Pending {
			t.Errorf("phishing alert as toto-electric sees it: %+v recipient %+v", ph.Alert.Content, ph.Recipient)
		}
		if ph.Title.JA == "" || ph.Summary.JA == "" || ph.Summary.EN == "" || len(ph.Actions) < 2 {
			t.Errorf("phishing alert text: %+v", ph.Alert.Content)
		}
		g, err := a.Alerting.Get(ctx, ncoAnalyst, ph.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g.CreatedBy != ncoAnalyst.User.ID || g.SubmittedBy != ncoAnalyst.User.ID || len(g.Reviews) != 1 ||
			g.Reviews[0].By != lead.User.ID || !g.Reviews[0].Approve || !slices.Contains(g.Targeting.Sectors, "electricity") {
			t.Errorf("phishing alert workflow: created %s submitted %s reviews %+v targeting %+v", g.CreatedBy, g.SubmittedBy, g.Reviews, g.Targeting)
		}
		tab, err := a.Alerting.Recipients(ctx, ncoAnalyst, ph.ID)
		if err != nil || tab.Counts["total"] == 0 || tab.Counts["total"] != tab.Counts["pending"] {
			t.Errorf("phishing alert recipients: %v %v", err, tab.Counts)
		}
		// A bank is not addressed and does not see the AMBER alert.
		if bv, err := a.Alerting.List(ctx, as("reporter@towa-mirai-bank.example"), alerting.Query{}); err != nil ||
			slices.ContainsFunc(bv, func(v alerting.View) bool { return v.Title.EN == demo.AlertPhishingEN }) {
			t.Errorf("the bank sees the electricity sector's AMBER alert: %v", err)
		}

		// 2. The NCO analyst has an alert to review, submitted by another
		// NCO analyst, not reviewed yet.
		rev, err := a.Alerting.List(ctx, ncoAnalyst, alerting.Query{State: alert.InReview})
		if err != nil {
			t.Fatal(err)
		}
		i = slices.IndexFunc(rev, func(v alerting.View) bool { return v.Title.EN == demo.AlertReviewEN })
		if i < 0 || rev[i].SubmittedBy != lead.User.ID || rev[i].OrgID != ncoAnalyst.Org.ID {
			t.Fatalf("alerts in review for the NCO: %d, the lead analyst's: %d", len(rev), i)
		}
		if g, err := a.Alerting.Get(ctx, ncoAnalyst, rev[i].ID); err != nil || len(g.Reviews) != 0 || g.Approved {
			t.Errorf("the alert in review was reviewed: %v %+v", err, g.Reviews)
		}

		// 3. The bank's incident under jp-acd and eu-dora, submitted,
		// with the next deadline of each regime counting down.
		bankRep := as("reporter@towa-mirai-bank.example")
		e := findIncident(t, a.Reporting, bankRep, demo.IncidentE)
		if e.State != incident.Submitted {
			t.Errorf("E: state %s", e.State)
		}
		for _, r := range []string{"jp-acd", "eu-dora"} {
			if !slices.ContainsFunc(e.Regimes, func(c incident.RegimeChoice) bool { return c.Regime == r && c.Reportable == incident.ReportableYes }) {
				t.Errorf("E: %s is not reportable: %+v", r, e.Regimes)
			}
		}
		for _, p := range []*auth.Principal{bankRep, as("exec@towa-mirai-bank.example")} {
			ins, err := a.Reporting.List(ctx, p, reporting.Query{})
			if err != nil {
				t.Fatal(err)
			}
			tls, err := a.Reporting.Deadlines(ctx, p, ins)
			if err != nil {
				t.Fatal(err)
			}
			open := map[string]string{}
			for _, d := range tls[e.ID] {
				if d.Due != nil && d.Submitted == nil && open[d.Regime] == "" &&
					(d.Status == regime.StatusOpen || d.Status == regime.StatusDueSoon) && d.Due.After(now) {
					open[d.Regime] = d.Stage
				}
			}
			if open["jp-acd"] != "written" || open["eu-dora"] != "intermediate" {
				t.Errorf("E's open deadlines as %s: %v (%+v)", p.User.Email, open, tls[e.ID])
			}
		}

		// 4. The NCO's question to the railway is overdue and unanswered:
		// the NCO sees it in its queue, the railway among its tasks.
		q, err := a.Reporting.Queue(ctx, ncoAnalyst, reporting.Query{})
		if err != nil {
			t.Fatal(err)
		}
		i = slices.IndexFunc(q, func(in incident.Incident) bool { return in.Title == demo.IncidentF })
		if i < 0 {
			t.Fatalf("the NCO's queue has no incident F (%d)", len(q))
		}
		f := q[i]
		overdue := slices.IndexFunc(f.InfoRequests, func(r incident.InfoRequest) bool {
			return r.FromOrg == ncoAnalyst.Org.ID && r.State == "open" && r.Overdue(now) && r.CreatedAt.Before(*r.Due)
		})
		if f.State != incident.InfoRequested || overdue < 0 {
			t.Errorf("F as the NCO sees it: %s %+v", f.State, f.InfoRequests)
		}
		rail := as("admin@kanto-chuo-railway.example")
		tasks, err := a.Reporting.Tasks(ctx, rail)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(tasks, func(x reporting.Task) bool { return x.Kind == "info_request" && x.IncidentID == f.ID && x.Overdue }) {
			t.Errorf("the railway's tasks lack the overdue question: %+v", tasks)
		}
		// The store's clock is back to the present.
		if d := time.Since(db.Now()); d < 0 || d > time.Minute {
			t.Errorf("store clock left at %s", db.Now())
		}

		// Seeding again adds nothing.
		nAlerts, _ := a.Alerting.List(ctx, auth.System(demo.Actor), alerting.Query{})
		nInc, _ := db.ListIncidents(ctx, store.IncidentQuery{Limit: 1000})
		again, err := demo.SeedHome(ctx, h)
		if err != nil || again != "nothing new" {
			t.Fatalf("seeding again: %v %q", err, again)
		}
		if _, err := demo.SeedAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		nAlerts2, _ := a.Alerting.List(ctx, auth.System(demo.Actor), alerting.Query{})
		nInc2, _ := db.ListIncidents(ctx, store.IncidentQuery{Limit: 1000})
		if len(nAlerts2) != len(nAlerts) || len(nInc2) != len(nInc) || len(nAlerts) != 3 {
			t.Errorf("seeding again: alerts %d -> %d, incidents %d -> %d", len(nAlerts), len(nAlerts2), len(nInc), len(nInc2))
		}
		t.Logf("%s: %s", db.Dialect(), msg)
	})
}

// findIncident returns p's incident titled title.
func findIncident(t *testing.T, svc *reporting.Service, p *auth.Principal, title string) *incident.Incident {
	t.Helper()
	ins, err := svc.List(context.Background(), p, reporting.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ins {
		if ins[i].Title == title {
			return &ins[i]
		}
	}
	t.Fatalf("%s has no incident %q (%d)", p.User.Email, title, len(ins))
	return nil
}
