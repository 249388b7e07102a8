package demo_test

import (
	"context"
	"testing"

	"sakimori/internal/accounts"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/demo"
	"sakimori/internal/exposure"
	"sakimori/internal/incident"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/regime"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestSeedReporting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, accounts.New(db, inteltest.Quiet)); err != nil {
			t.Fatal(err)
		}
		if _, err := demo.SeedExposure(ctx, exposure.New(db, inteltest.Quiet)); err != nil {
			t.Fatal(err)
		}
		svc := reporting.New(db, inteltest.Quiet)
		res, err := demo.SeedReporting(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		// A: 2 (nco, meti); C: 2 (nco, toto-electric as partner); D: 2
		// and 2 retractions.
		want := demo.ReportingResult{Settings: 3, Templates: 1, Incidents: 4, Submissions: 8}
		if res != want {
			t.Fatalf("first seed: %+v, want %+v", res, want)
		}
		again, err := demo.SeedReporting(ctx, svc)
		if err != nil || again != (demo.ReportingResult{}) {
			t.Fatalf("second seed changed something: %v %+v", err, again)
		}
		as := func(email string) *auth.Principal { return demoUser(t, db, email) }
		find := func(p *auth.Principal, title string) *incident.Incident { return findIncident(t, svc, p, title) }
		toto := as("reporter@toto-electric.example")
		a := find(toto, demo.IncidentA)
		b := find(as("reporter@towa-mirai-bank.example"), demo.IncidentB)
		c := find(as("admin@shinkawa-system.example"), demo.IncidentC)
		d := find(as("admin@wangan-gas.example"), demo.IncidentD)
		for _, x := range []struct {
			in    *incident.Incident
			state incident.State
		}{{a, incident.InfoRequested}, {b, incident.InApproval}, {c, incident.Submitted}, {d, incident.Refuted}} {
			if x.in.State != x.state {
				t.Errorf("%s: state %s, want %s", x.in.Title, x.in.State, x.state)
			}
		}
		// Triage is the government's: the NCO sees it, the reporter does
		// not. (SeedAnalysis links the report to its cluster.)
		if g, err := svc.Get(ctx, as("analyst@nco.example"), a.ID); err != nil || g.Incident.Triage.Severity != "high" ||
			len(g.Incident.Links) != 0 {
			t.Errorf("A as the NCO sees it: %v %+v", err, g)
		}
		if a.Version != 4 || a.SubmittedVersion != 3 || a.Triage.Severity != "" || len(a.Links) != 0 ||
			len(a.InfoRequests) != 1 || a.InfoRequests[0].State != "open" || len(a.Content.Computers.Value) != 1 {
			t.Errorf("A: %+v", a)
		}
		if b.Approval == nil || b.Approval.Steps[0].Kind != incident.ApproveExec || b.Approval.Steps[0].Decision != incident.Pending {
			t.Errorf("B approval: %+v", b.Approval)
		}
		// B's first report is due soon (the bank's 6 h rule).
		tl, err := svc.Timeline(ctx, as("reporter@towa-mirai-bank.example"), b.ID)
		if err != nil || len(tl) == 0 || tl[0].Stage != "prompt" || tl[0].Status != regime.StatusDueSoon {
			t.Errorf("B timeline: %v %+v", err, tl)
		}
		if len(c.Partners) != 1 || c.Partners[0] != toto.Org.ID {
			t.Errorf("C partners: %v", c.Partners)
		}
		// Toto Electric receives C as a partner.
		if v, err := svc.Get(ctx, toto, c.ID); err != nil || v.Role != reporting.RolePartner {
			t.Errorf("Toto reading C: %v", err)
		}

		// The NCO sees A as submitted and acknowledged; the police do not.
		nco := as("analyst@nco.example")
		v, err := svc.Get(ctx, nco, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Role != reporting.RoleReceiver || v.Incident.Version != 3 || len(v.Submissions) != 1 || v.Submissions[0].AuthorityRef != "NCO-2026-1187" {
			t.Errorf("NCO view of A: role %s version %d submissions %+v", v.Role, v.Incident.Version, v.Submissions)
		}
		if _, err := svc.Get(ctx, as("analyst@npa.example"), a.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Errorf("NPA reading A: %v", err)
		}
		got, err := svc.List(ctx, nco, reporting.Query{Received: true})
		if err != nil || len(got) != 3 { // A, C, D
			t.Errorf("NCO received: %v %d", err, len(got))
		}
	})
}
