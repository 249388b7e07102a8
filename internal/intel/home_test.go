package intel_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/stix"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// RecentIndicators lists the new indicators a viewer is entitled to,
// highest score first, and counts them; op-a's AMBER indicator, shared
// with op-b only, never reaches the supplier outside its audience.
func TestRecentIndicators(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		ts := time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")
		fresh := func(n int, ip, extra string) *stix.Object {
			raw := strings.NewReplacer("2026-11-01T00:00:00.000Z", ts, "2026-11-01T00:00:00Z", ts).Replace(inteltest.Indicator(n, ip, extra))
			o, err := stix.Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		ingest := func(user, coll string, objs ...*stix.Object) {
			t.Helper()
			if _, err := w.Svc.Ingest(ctx, w.P(user), coll, objs, intel.IngestOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		ingest("nco-analyst", "advisories", fresh(1, "203.0.113.10", `,"confidence":95`), fresh(2, "203.0.113.11", `,"confidence":10`))
		ingest("op-a-analyst", "op-a-amber", fresh(3, "198.51.100.7", `,"confidence":80`))

		for _, tc := range []struct {
			user  string
			want  []string // names, in order
			total int
		}{
			{"op-b-analyst", []string{"C2 203.0.113.10", "C2 198.51.100.7", "C2 203.0.113.11"}, 3},
			{"op-a-analyst", []string{"C2 203.0.113.10", "C2 198.51.100.7", "C2 203.0.113.11"}, 3},
			{"sup-analyst", []string{"C2 203.0.113.10", "C2 203.0.113.11"}, 2}, // not in op-a-amber's audience
		} {
			got, total, capped, err := w.Svc.RecentIndicators(ctx, w.P(tc.user), time.Now().Add(-7*24*time.Hour), 5)
			if err != nil || capped {
				t.Fatalf("%s: %v capped=%v", tc.user, err, capped)
			}
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
			}
			if total != tc.total || strings.Join(names, ",") != strings.Join(tc.want, ",") {
				t.Errorf("%s: %d %v, want %d %v", tc.user, total, names, tc.total, tc.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Score > got[i-1].Score {
					t.Errorf("%s: not by score: %+v", tc.user, got)
				}
			}
		}
		// The limit bounds the list, not the count; an old window is empty.
		got, total, _, err := w.Svc.RecentIndicators(ctx, w.P("op-b-analyst"), time.Now().Add(-7*24*time.Hour), 1)
		if err != nil || len(got) != 1 || total != 3 {
			t.Fatalf("limit: %v %d %d", err, len(got), total)
		}
		got, total, _, err = w.Svc.RecentIndicators(ctx, w.P("op-b-analyst"), time.Now().Add(time.Hour), 5)
		if err != nil || len(got) != 0 || total != 0 {
			t.Fatalf("future window: %v %+v %d", err, got, total)
		}
	})
}
