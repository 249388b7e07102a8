package weather

import (
	"strconv"
	"testing"
	"time"

	"sakimori/internal/store"
)

// BenchmarkTrend computes 7 days of one loaded sector's weather (what
// every /weather view does twice, and the overview once per row); the
// store figures are in `sakimori bench weather`.
func BenchmarkTrend(b *testing.B) {
	f := &Facts{}
	for i := range 1000 {
		t := day.Add(-time.Duration(i*37) * time.Minute)
		f.Sightings = append(f.Sightings, store.WeatherSighting{At: t})
		if i%10 == 0 {
			f.Reports = append(f.Reports, store.WeatherReport{IncidentID: strconv.Itoa(i), At: t})
			f.Alerts = append(f.Alerts, store.WeatherAlert{AlertID: strconv.Itoa(i % 40), Severity: "high", PublishedAt: t})
			f.Clusters = append(f.Clusters, store.WeatherCluster{ClusterID: strconv.Itoa(i % 30), Strength: 50, FirstSeen: t, LastSeen: t.Add(48 * time.Hour)})
			f.Exposures = append(f.Exposures, store.WeatherExposure{VulnID: strconv.Itoa(i % 50), MatchedAt: t, State: "open"})
		}
	}
	for b.Loop() {
		Trend(day, 7, f)
	}
}
