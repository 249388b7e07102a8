package intel_test

import (
	"context"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestDeleteFromSource(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		put := func(user, source string, objs ...string) {
			t.Helper()
			parsed, err := intel.ParseObjects(inteltest.Bundle(objs...))
			if err != nil {
				t.Fatal(err)
			}
			if j, err := w.Svc.Ingest(ctx, w.P(user), "exchange", parsed, intel.IngestOptions{Source: source}); err != nil || j.Rejected > 0 {
				t.Fatalf("ingest %v %+v", err, j)
			}
		}
		put("isac-analyst", "feed:up", inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""),
			inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"description":"v5"`))
		put("isac-analyst", intel.SourceCLI, inteltest.IndicatorVersion(1, 7, "198.51.100.1", `,"description":"v7"`))
		put("op-a-analyst", "feed:up", inteltest.IndicatorVersion(2, 0, "198.51.100.2", ""))
		ind1 := "indicator--00000001-0000-4000-8000-000000000000"
		ind2 := "indicator--00000002-0000-4000-8000-000000000000"
		at := func(min int) time.Time { return time.Date(2026, 11, 1, 0, min, 0, 0, time.UTC) }
		feedP := &auth.Principal{System: "feed", Org: w.Orgs["isac"]}

		// v0 is from the feed: deleted; v7 came from elsewhere: kept.
		ts, err := w.Svc.DeleteFromSource(ctx, feedP, "exchange", ind1, share.VersionMatch{Times: []time.Time{at(0), at(7)}}, "feed:up")
		if err != nil || len(ts) != 1 || ts[0].VersionText != "2026-11-01T00:00:00.000Z" || ts[0].DeletedBy != "feed" {
			t.Fatalf("delete from source: %+v %v", ts, err)
		}
		// Only v7 named: nothing from the feed, NotFound.
		if _, err := w.Svc.DeleteFromSource(ctx, feedP, "exchange", ind1, share.VersionMatch{Times: []time.Time{at(7)}}, "feed:up"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("other source: %v", err)
		}
		// Another organisation's version from the same source: NotFound, kept.
		if _, err := w.Svc.DeleteFromSource(ctx, feedP, "exchange", ind2, share.VersionMatch{}, "feed:up"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("other owner: %v", err)
		}
		// An unknown object: NotFound.
		if _, err := w.Svc.DeleteFromSource(ctx, feedP, "exchange", "indicator--00000009-0000-4000-8000-000000000000", share.VersionMatch{}, "feed:up"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("unknown object: %v", err)
		}
		pg, err := w.Svc.Objects(ctx, w.P("isac-analyst"), share.Query{Collection: "exchange", Versions: share.VersionMatch{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		left := map[string]bool{}
		for _, r := range pg.Records {
			left[r.ID+"@"+r.VersionText] = r.Latest
		}
		if len(left) != 3 || !left[ind1+"@2026-11-01T00:07:00.000Z"] || left[ind1+"@2026-11-01T00:05:00.000Z"] {
			t.Fatalf("left %v", left)
		}
		if _, ok := left[ind2+"@2026-11-01T00:00:00.000Z"]; !ok {
			t.Fatalf("the other organisation's version went: %v", left)
		}
		tomb, err := w.Svc.Deletions(ctx, w.P("op-b-analyst"), "exchange", 0, 100)
		if err != nil || len(tomb) != 1 || tomb[0].ID != ind1 {
			t.Fatalf("tombstones %+v %v", tomb, err)
		}
	})
}
