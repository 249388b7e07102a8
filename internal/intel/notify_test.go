package intel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"sakimori/internal/event"
	"sakimori/internal/event/eventtest"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// recorder is an event publisher and an observer that keeps what it is
// told.
type recorder struct {
	eventtest.Recorder
	stored    []intel.StoredObject
	sightings []share.Sighting
}

func (r *recorder) ObjectsStored(_ context.Context, _ *share.Collection, objs []intel.StoredObject) {
	r.stored = append(r.stored, objs...)
}

func (r *recorder) SightingAdded(_ context.Context, sg *share.Sighting) {
	r.sightings = append(r.sightings, *sg)
}

func (r *recorder) take() ([]*event.Event, []intel.StoredObject) {
	objs := r.stored
	r.stored = nil
	return r.Take(), objs
}

func data(t *testing.T, e *event.Event) intel.IndicatorEventData {
	t.Helper()
	var d intel.IndicatorEventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestIndicatorEvents: indicator events follow each stored batch and
// deletion, grouped by label and owner (the audience is the collection's
// entitlement under that label), at most 500 indicators an event, with the
// matchable values; observers see every accepted object and sighting.
func TestIndicatorEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		rec := &recorder{}
		w.Svc.Events = rec
		w.Svc.Observers = []intel.Observer{rec}

		red := `,"object_marking_refs":["` + marking.TLPRed.StixID() + `"]`
		ingest(t, w, "op-a-analyst", "op-a-amber", inteltest.Indicator(1, "198.51.100.1", ""), inteltest.Indicator(2, "198.51.100.2", red),
			`{"type":"malware","spec_version":"2.1","id":"malware--00000003-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","name":"KasumiGate","is_family":true}`)
		evs, objs := rec.take()
		if len(objs) != 3 {
			t.Errorf("observers saw %d objects, want 3", len(objs))
		}
		if len(evs) != 2 {
			t.Fatalf("%d events for two labels, want 2: %+v", len(evs), evs)
		}
		for _, e := range evs {
			d := data(t, e)
			sc := e.Audience.Intel
			if e.Kind != event.IndicatorAdded || sc == nil || sc.Collection != w.Colls["op-a-amber"].ID || sc.Owner != w.Orgs["op-a"].ID ||
				len(d.Indicators) != 1 || d.Indicators[0].TLP != sc.TLP || len(d.Indicators[0].Atoms) != 1 || d.Alias != "op-a-amber" {
				t.Errorf("event %+v data %+v", e, d)
			}
		}
		// A new version is a change; a revocation a revocation.
		ingest(t, w, "op-a-analyst", "op-a-amber", inteltest.IndicatorVersion(1, 5, "198.51.100.1", ""))
		if evs, _ := rec.take(); len(evs) != 1 || evs[0].Kind != event.IndicatorChanged {
			t.Errorf("new version: %+v", evs)
		}
		if _, err := w.Svc.Revoke(ctx, w.P("op-a-analyst"), "indicator--00000001-0000-4000-8000-000000000000", "false positive"); err != nil {
			t.Fatal(err)
		}
		if evs, _ := rec.take(); len(evs) != 1 || evs[0].Kind != event.IndicatorRevoked || !data(t, evs[0]).Indicators[0].Revoked {
			t.Errorf("revocation: %+v", evs)
		}
		// A deletion leaves tombstones and a revocation event marked deleted.
		if _, err := w.Svc.Delete(ctx, w.P("op-a-analyst"), "op-a-amber", "indicator--00000002-0000-4000-8000-000000000000", share.VersionMatch{}, nil); err != nil {
			t.Fatal(err)
		}
		if evs, _ := rec.take(); len(evs) != 1 || evs[0].Kind != event.IndicatorRevoked || !data(t, evs[0]).Deleted ||
			evs[0].Audience.Intel.TLP != marking.TLPRed {
			t.Errorf("deletion: %+v", evs)
		}
		// A large batch is split into events of at most 500 indicators.
		var many []string
		for i := range 1201 {
			many = append(many, inteltest.Indicator(1000+i, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), ""))
		}
		ingest(t, w, "isac-analyst", "exchange", many...)
		evs, _ = rec.take()
		n := 0
		for _, e := range evs {
			k := len(data(t, e).Indicators)
			if k > 500 || e.Audience.Intel.TLP != marking.TLPGreen {
				t.Errorf("event of %d indicators under %v", k, e.Audience.Intel.TLP)
			}
			n += k
		}
		if len(evs) != 3 || n != 1201 {
			t.Errorf("1201 indicators in %d events carrying %d", len(evs), n)
		}
		// Sightings reach the observers with the reporting organisation.
		if err := w.Svc.AddSighting(ctx, w.P("op-b-analyst"), &share.Sighting{StixID: fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", 1000)}); err != nil {
			t.Fatal(err)
		}
		if len(rec.sightings) != 1 || rec.sightings[0].ReporterOrgID != w.Orgs["op-b"].ID || rec.sightings[0].Sector == "" {
			t.Errorf("sightings observed: %+v", rec.sightings)
		}
	})
}

// TestEntitledTo: the push service's decision for shared objects is the
// read paths' decision.
func TestEntitledTo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		amber := event.IntelScope{Collection: w.Colls["op-a-amber"].ID, TLP: marking.TLPAmber, Owner: w.Orgs["op-a"].ID}
		red := event.IntelScope{Collection: w.Colls["council-red"].ID, TLP: marking.TLPRed, Owner: w.Orgs["nco"].ID}
		for _, tc := range []struct {
			user  string
			scope event.IntelScope
			want  bool
		}{
			{"op-a-analyst", amber, true}, {"op-b-analyst", amber, true}, {"ven-analyst", amber, false}, {"nco-analyst", amber, false},
			{"nco-analyst", red, true}, {"op-b-analyst", red, true}, {"op-a-analyst", red, false}, {"isac-analyst", red, false},
			{"op-a-analyst", event.IntelScope{Collection: "no-such-collection", TLP: marking.TLPClear, Owner: "x"}, false},
		} {
			v, err := w.Svc.Viewer(ctx, w.P(tc.user))
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.Svc.EntitledTo(ctx, v, tc.scope)
			if err != nil || got != tc.want {
				t.Errorf("%s to %+v: %v %v, want %v", tc.user, tc.scope, got, err, tc.want)
			}
		}
	})
}
