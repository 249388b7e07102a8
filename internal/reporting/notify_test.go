package reporting_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"sakimori/internal/event"
	"sakimori/internal/event/eventtest"
	"sakimori/internal/incident"
	"sakimori/internal/report"
	"sakimori/internal/reporting"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

type recorder struct {
	eventtest.Recorder
	changes []struct {
		state     incident.State
		submitted bool
		iocs      int
	}
}

func (r *recorder) ReportChanged(_ context.Context, in *incident.Incident, submitted bool) {
	r.changes = append(r.changes, struct {
		state     incident.State
		submitted bool
		iocs      int
	}{in.State, submitted, len(in.Content.IOCs.Value)})
}

// TestStatusEvents: a state change is a report.status event for the
// reporter alone until something was submitted, then also for the
// receivers; the event carries no content. Observers learn of submissions
// (with the content submitted) and of refutation.
func TestStatusEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		rec := &recorder{}
		w.svc.Events = rec
		w.svc.Observers = []reporting.Observer{rec}
		rep := w.P("op-a-reporter")
		if err := w.svc.PutSettings(ctx, w.P("op-a-admin"), &incident.Settings{Flow: incident.Flow{Mode: "sequential", Steps: []incident.ApprovalKind{"legal"}},
			Regimes: []string{"jp-acd"}}); err != nil {
			t.Fatal(err)
		}
		in, err := w.svc.Create(ctx, rep, reporting.NewIncident{Title: "VPN intrusion"})
		if err != nil {
			t.Fatal(err)
		}
		c := in.Content
		c.Class = known(report.ClassUnauthorisedAccess)
		c.Summary = known("SECRET-SUMMARY")
		c.IOCs = known([]report.IOC{{Type: "ipv4", Value: "198.51.100.23"}})
		if _, err := w.svc.Save(ctx, rep, in.ID, reporting.Edit{Content: &c}); err != nil {
			t.Fatal(err)
		}
		if len(rec.Events()) != 0 || len(rec.changes) != 0 {
			t.Fatalf("a saved draft is no state change: %+v %+v", rec.Events(), rec.changes)
		}
		if _, err := w.svc.RequestApproval(ctx, rep, in.ID, ""); err != nil {
			t.Fatal(err)
		}
		if len(rec.Events()) != 1 || !slices.Equal(rec.Events()[0].Audience.Orgs, []string{w.Orgs["op-a"].ID}) {
			t.Fatalf("in approval: only the reporter hears of it: %+v", rec.Events())
		}
		if _, err := w.svc.Submit(ctx, rep, in.ID, reporting.SubmitRequest{Emergency: true, Reason: "attack in progress"}); err != nil {
			t.Fatal(err)
		}
		last := rec.Events()[len(rec.Events())-1]
		var d reporting.StatusEventData
		if err := json.Unmarshal(last.Data, &d); err != nil {
			t.Fatal(err)
		}
		if last.Kind != event.ReportStatus || d.State != incident.Submitted || d.Previous != incident.InApproval || d.Incident != in.ID {
			t.Errorf("submitted: %+v %+v", last, d)
		}
		for _, r := range in.Recipients {
			if !slices.Contains(last.Audience.Orgs, r) {
				t.Errorf("receiver %s not in the audience %v", r, last.Audience.Orgs)
			}
		}
		if slices.Contains(last.Audience.Orgs, w.Orgs["op-b"].ID) || strings.Contains(string(last.Data), "SECRET-SUMMARY") {
			t.Errorf("audience or data too wide: %+v %s", last.Audience, last.Data)
		}
		if len(rec.changes) != 1 || !rec.changes[0].submitted || rec.changes[0].iocs != 1 {
			t.Errorf("observers after submission: %+v", rec.changes)
		}
		if _, err := w.svc.Refute(ctx, rep, in.ID, "a penetration test we had forgotten"); err != nil {
			t.Fatal(err)
		}
		if n := len(rec.changes); n != 2 || rec.changes[1].state != incident.Refuted || rec.changes[1].submitted {
			t.Errorf("observers after refutation: %+v", rec.changes)
		}
	})
}
