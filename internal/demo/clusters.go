package demo

// The demo's correlation (issue #7): the KasumiGate loader's C2 address
// (198.51.100.23, shared by Toto Electric and in its incident report) is
// also seen by the railway and the gas operator this week, so the demo
// has a real cluster from independent organisations: the address, with the
// report's other values (its CVE, techniques and IOCs) as they connect.
// Idempotent: a sighting is added once per organisation.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/intel"
	"sakimori/internal/share"
)

// clusterSightings are the fresh sightings that make the demo's cluster.
var clusterSightings = []struct {
	org      string
	count    int
	daysAgo  float64
	duration float64 // days
	note     string
}{
	{"kanto-chuo-railway", 6, 2, 1.5, "駅務ネットワークの境界FWで検知 / seen at the station network's perimeter firewall"},
	{"wangan-gas", 2, 1, 0.5, "SCADA 保守回線のプロキシログ / SCADA maintenance line proxy log"},
}

// kasumiC2 is the demo indicator of the KasumiGate loader's C2 address.
const kasumiC2 = "indicator--6b1c0e4a-0002-4d2e-9c1a-5a7d3f2e0002"

// seedClusters makes sure the demo has correlation clusters.
func seedClusters(ctx context.Context, a Analysis) (string, error) {
	if a.Intel == nil || a.Correlate == nil {
		return "", nil
	}
	db := a.Intel.DB
	// The correlation engine learns of the sightings as an observer; when
	// the caller did not wire it (tests), it is told directly.
	observed := slices.ContainsFunc(a.Intel.Observers, func(o intel.Observer) bool { return o == intel.Observer(a.Correlate) })
	existing, err := db.ListSightings(ctx, kasumiC2)
	if err != nil {
		return "", err
	}
	now := time.Now().UTC()
	added := 0
	for _, s := range clusterSightings {
		o, err := db.GetOrg(ctx, s.org)
		if err != nil {
			return "", fmt.Errorf("demo: organisation %s: %w", s.org, err)
		}
		if slices.ContainsFunc(existing, func(e share.Sighting) bool { return e.ReporterOrgID == o.ID && !e.FalsePositive }) {
			continue
		}
		last := now.Add(-time.Duration(s.daysAgo * float64(24*time.Hour))).Truncate(time.Minute)
		first := last.Add(-time.Duration(s.duration * float64(24*time.Hour)))
		sg := &share.Sighting{StixID: kasumiC2, Count: s.count, FirstSeen: first, LastSeen: last, Note: s.note}
		if err := a.Intel.AddSighting(ctx, &auth.Principal{System: Actor, Org: o}, sg); err != nil {
			return "", fmt.Errorf("demo: sighting by %s: %w", s.org, err)
		}
		if !observed {
			a.Correlate.SightingAdded(ctx, sg)
		}
		added++
	}
	cs, err := a.Correlate.List(ctx, auth.System(Actor), correlate.Query{})
	if err != nil {
		return "", err
	}
	if added == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d sightings for correlation, %d correlation clusters", added, len(cs)), nil
}
