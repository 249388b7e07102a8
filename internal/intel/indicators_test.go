package intel_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/share"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// Indicators carries what receivers filter on: name, confidence, score
// (raised by sightings) and times; it lists what Blocklist lists.
func TestIndicatorValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		var objs []*stix.Object
		// Fresh indicators (the score decays with age).
		ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
		fresh := func(n int, ip, extra string) string {
			return strings.NewReplacer("2026-11-01T00:00:00.000Z", ts, "2026-11-01T00:00:00Z", ts).Replace(inteltest.Indicator(n, ip, extra))
		}
		for i, raw := range []string{
			fresh(1, "203.0.113.10", `,"confidence":85`),
			fresh(2, "203.0.113.11", ""),
		} {
			o, err := stix.Parse([]byte(raw))
			if err != nil {
				t.Fatal(i, err)
			}
			objs = append(objs, o)
		}
		if _, err := w.Svc.Ingest(ctx, w.P("nco-analyst"), "advisories", objs, intel.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		p := w.P("op-a-analyst")
		before, _, err := w.Svc.Indicators(ctx, p, intel.BlockQuery{})
		if err != nil || len(before) != 2 {
			t.Fatalf("indicators: %v %+v", err, before)
		}
		block, _, _ := w.Svc.Blocklist(ctx, p, intel.BlockQuery{})
		if len(block) != len(before) {
			t.Fatalf("blocklist %d values, indicators %d", len(block), len(before))
		}
		by := map[string]intel.IndicatorValue{}
		for _, v := range before {
			by[v.Value] = v
		}
		a := by["203.0.113.10"]
		if a.Name != "C2 203.0.113.10" || a.Confidence == nil || *a.Confidence != 85 || a.Score <= 0 || a.Modified.IsZero() || by["203.0.113.11"].Confidence != nil {
			t.Fatalf("values: %+v", by)
		}
		// Sightings from two organisations raise the score.
		now := time.Now().UTC()
		for _, who := range []string{"op-a-analyst", "op-b-analyst"} {
			if err := w.Svc.AddSighting(ctx, w.P(who), &share.Sighting{StixID: a.StixID, Count: 5, FirstSeen: now.Add(-time.Hour), LastSeen: now}); err != nil {
				t.Fatal(err)
			}
		}
		after, _, err := w.Svc.Indicators(ctx, p, intel.BlockQuery{Kinds: []string{"ipv4"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range after {
			if v.Value == a.Value && v.Score <= a.Score {
				t.Errorf("score with sightings %d, before %d", v.Score, a.Score)
			}
		}
	})
}
