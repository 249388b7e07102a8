package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/alert"
	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/marking"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestAlertStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		act := audit.Actor{Name: "test"}
		nco := mustCreateOrg(t, db, newOrg("nco", org.KindGovernment, ""))
		op := mustCreateOrg(t, db, newOrg("op", org.KindOperator, org.SectorElectricity))
		op2 := mustCreateOrg(t, db, newOrg("op2", org.KindOperator, org.SectorGas))
		sup := mustCreateOrg(t, db, newOrg("sup", org.KindSupplier, ""))
		if err := db.AddLink(ctx, act, &org.Link{SupplierID: sup.ID, CustomerID: op.ID}); err != nil {
			t.Fatal(err)
		}
		mk := func(tlp marking.TLP) *alert.Alert {
			a := &alert.Alert{OrgID: nco.ID, Content: alert.Content{Severity: alert.High, TLP: tlp, Title: alert.Text{JA: "件名"}, Summary: alert.Text{JA: "概要"}}}
			if err := db.CreateAlert(ctx, act, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		a1, a2 := mk(marking.TLPAmber), mk(marking.TLPClear)
		if !strings.HasSuffix(a1.Ref, "-0001") || !strings.HasSuffix(a2.Ref, "-0002") || a1.Rev != 1 || a1.State != alert.Draft {
			t.Fatalf("refs %s %s", a1.Ref, a2.Ref)
		}
		if got, err := db.Alert(ctx, a2.Ref); err != nil || got.ID != a2.ID {
			t.Fatalf("by ref: %v", err)
		}
		if _, err := db.Alert(ctx, "ALR-1999-0001"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("unknown: %v", err)
		}
		// Targeting: sectors, explicit organisations, supply chain of the
		// explicit ones is not followed (only exposed and sighting ones).
		rs, err := db.ResolveAlertTargets(ctx, store.AlertTargetQuery{Sectors: []org.Sector{org.SectorGas}, Orgs: []string{op.ID}, SupplyChain: true, Exclude: nco.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].OrgName.EN == "" {
			t.Fatalf("targets %+v", rs)
		}
		if _, err := db.ResolveAlertTargets(ctx, store.AlertTargetQuery{Orgs: []string{"nope"}}); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Fatalf("unknown org: %v", err)
		}
		all, err := db.ResolveAlertTargets(ctx, store.AlertTargetQuery{Everyone: true, Exclude: nco.ID})
		if err != nil || len(all) != 3 {
			t.Fatalf("everyone: %v %d", err, len(all))
		}
		// Publish to op and op2; then republish adding sup: nobody removed,
		// reasons merged.
		a, err := db.UpdateAlert(ctx, a1.ID, func(a *alert.Alert) (*store.AlertChange, error) {
			a.State, a.Publications = alert.Published, []alert.Publication{{N: 1}}
			pub := a.Content
			a.Published = &pub
			return &store.AlertChange{Publish: true, Recipients: rs}, nil
		})
		if err != nil || a.Rev != 2 || a.Publications[0].Recipients != 2 || a.Publications[0].Added != 2 {
			t.Fatalf("publish: %v %+v", err, a)
		}
		a, err = db.UpdateAlert(ctx, a1.ID, func(a *alert.Alert) (*store.AlertChange, error) {
			a.Publications = append(a.Publications, alert.Publication{N: 2})
			return &store.AlertChange{Publish: true, Recipients: []alert.Recipient{{OrgID: sup.ID, Reasons: []string{"org"}}, {OrgID: op.ID, Reasons: []string{"everyone"}}}}, nil
		})
		if err != nil || a.Publications[1].Recipients != 3 || a.Publications[1].Added != 1 {
			t.Fatalf("republish: %v %+v", err, a.Publications)
		}
		got, err := db.AlertRecipients(ctx, a1.ID)
		if err != nil || len(got) != 3 {
			t.Fatalf("recipients: %v %d", err, len(got))
		}
		for _, r := range got {
			if r.OrgID == op.ID && !slices.Equal(r.Reasons, []string{"org", "everyone"}) {
				t.Fatalf("reasons not merged: %v", r.Reasons)
			}
			if r.OrgID == sup.ID && r.AddedIn != 2 {
				t.Fatalf("added in %d", r.AddedIn)
			}
		}
		// Visibility: op2 sees the AMBER alert addressed to it; sup too;
		// an unaddressed organisation sees neither it nor the draft CLEAR.
		for _, c := range []struct {
			org  string
			want int
		}{{op2.ID, 1}, {sup.ID, 1}, {nco.ID, 0}} {
			l, err := db.ListAlerts(ctx, store.AlertQuery{Visible: c.org})
			if err != nil || len(l) != c.want {
				t.Fatalf("visible to %s: %v %d", c.org, err, len(l))
			}
		}
		// Acknowledgement, then the unacknowledged filter.
		if _, err := db.AckAlert(ctx, act, a1.ID, nco.ID, alert.Actioned, "x", "u"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("ack by non-recipient: %v", err)
		}
		if _, err := db.AckAlert(ctx, act, a2.ID, op.ID, alert.Actioned, "x", "u"); apperr.CodeOf(err) != apperr.CodeConflict {
			t.Fatalf("ack of a draft: %v", err)
		}
		r, err := db.AckAlert(ctx, act, a1.ID, op.ID, alert.Actioned, "patched", "u")
		if err != nil || r.State != alert.Actioned || r.AckedAt == nil || r.Actions != "patched" {
			t.Fatalf("ack: %v %+v", err, r)
		}
		if l, _ := db.ListAlerts(ctx, store.AlertQuery{Visible: op.ID, Unacked: true}); len(l) != 0 {
			t.Fatalf("unacked after ack: %d", len(l))
		}
		if l, _ := db.ListAlerts(ctx, store.AlertQuery{Visible: op2.ID, Unacked: true}); len(l) != 1 {
			t.Fatalf("unacked: %d", len(l))
		}
		if m, err := db.AlertRecipientsOf(ctx, op.ID, []string{a1.ID, a2.ID}); err != nil || len(m) != 1 || m[a1.ID].State != alert.Actioned {
			t.Fatalf("recipients of: %v %+v", err, m)
		}
		if id, err := db.FirstClusterID(ctx); err != nil || id != "" {
			t.Fatalf("first cluster: %q %v", id, err)
		}
		if _, err := db.AlertClusterEvidence(ctx, "nope"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("cluster: %v", err)
		}
	})
}
