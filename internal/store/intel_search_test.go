package store_test

import (
	"context"
	"testing"
	"time"

	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/marking"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestSearchObjectsFilters checks each SearchFilter condition on both
// dialects, within the scopes of the query.
func TestSearchObjectsFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		parsed, err := intel.ParseObjects(inteltest.Bundle(
			inteltest.Indicator(1, "198.51.100.1", `,"confidence":30`),
			inteltest.IndicatorVersion(2, 7, "198.51.100.2", `,"confidence":90`),
			`{"type":"relationship","spec_version":"2.1","id":"relationship--00000001-0000-4000-8000-000000000000","created":"2026-11-01T00:00:00.000Z","modified":"2026-11-01T00:00:00.000Z","relationship_type":"indicates","source_ref":"indicator--00000001-0000-4000-8000-000000000000","target_ref":"indicator--00000002-0000-4000-8000-000000000000"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Svc.Ingest(ctx, w.P("isac-analyst"), "exchange", parsed, intel.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		q := store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: w.Colls["exchange"].ID, Allowed: marking.TLPs}}, Descending: true, Limit: 100}
		n90, n200 := 90, 200
		isac := w.Orgs["isac"].ID
		for _, tc := range []struct {
			name string
			f    store.SearchFilter
			want int
		}{
			{"none", store.SearchFilter{}, 3},
			{"tlp green", store.SearchFilter{TLPs: []marking.TLP{marking.TLPGreen}}, 3},
			{"tlp red", store.SearchFilter{TLPs: []marking.TLP{marking.TLPRed}}, 0},
			{"confidence 90", store.SearchFilter{MinConfidence: &n90}, 1},
			{"confidence 200", store.SearchFilter{MinConfidence: &n200}, 0},
			{"owner", store.SearchFilter{Owners: []string{isac}}, 3},
			{"no owner", store.SearchFilter{Owners: []string{}}, 0},
			{"owner, relationships hidden", store.SearchFilter{Owners: []string{isac}, HiddenOwnerTypes: []string{"relationship"}, ViewerOrg: "other"}, 2},
			{"owner, own relationships", store.SearchFilter{Owners: []string{isac}, HiddenOwnerTypes: []string{"relationship"}, ViewerOrg: isac}, 3},
			{"added since an hour", store.SearchFilter{AddedFrom: time.Now().Add(-time.Hour)}, 3},
			{"added before an hour", store.SearchFilter{AddedTo: time.Now().Add(-time.Hour)}, 0},
			{"modified from 00:05", store.SearchFilter{ModifiedFrom: time.Date(2026, 11, 1, 0, 5, 0, 0, time.UTC)}, 1},
			{"modified before 00:05", store.SearchFilter{ModifiedTo: time.Date(2026, 11, 1, 0, 5, 0, 0, time.UTC)}, 2},
		} {
			recs, _, err := db.SearchObjects(ctx, q, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(recs) != tc.want {
				t.Errorf("%s: %d objects, want %d", tc.name, len(recs), tc.want)
			}
		}
		// The objects referring to an id, within the scopes only.
		refs, err := db.ReferencingObjects(ctx, q, "indicator--00000002-0000-4000-8000-000000000000", 10)
		if err != nil || len(refs) != 1 || refs[0].Type != "relationship" {
			t.Errorf("referencing: %v %+v", err, refs)
		}
		other := store.ObjectQuery{Scopes: []store.CollectionScope{{CollectionID: w.Colls["advisories"].ID, Allowed: marking.TLPs}}}
		if refs, err := db.ReferencingObjects(ctx, other, "indicator--00000002-0000-4000-8000-000000000000", 10); err != nil || len(refs) != 0 {
			t.Errorf("referencing outside the scopes: %v %+v", err, refs)
		}
	})
}
