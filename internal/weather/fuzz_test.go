package weather

import (
	"testing"
	"time"

	"sakimori/internal/store"
)

// FuzzLevelText: UnmarshalText accepts exactly the four identifiers.
func FuzzLevelText(f *testing.F) {
	for _, s := range []string{"clear", "cloudy", "rain", "storm", "", "Storm", "雨"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l Level
		err := l.UnmarshalText([]byte(s))
		if (err == nil) != (s == "clear" || s == "cloudy" || s == "rain" || s == "storm") {
			t.Fatalf("%q: %v", s, err)
		}
		if err == nil && l.String() != s {
			t.Fatalf("%q -> %s", s, l)
		}
	})
}

// FuzzCompute: whatever the facts, the points add up to the score, every
// contribution stays within its cap, and the level is at least the
// score's.
func FuzzCompute(f *testing.F) {
	f.Add(int16(0), int16(5), int16(-3), uint8(3), uint8(50), "critical", true)
	f.Add(int16(100), int16(-20), int16(9000), uint8(0), uint8(255), "info", false)
	f.Fuzz(func(t *testing.T, reportH, sightH, alertH int16, n uint8, strength uint8, sev string, open bool) {
		at := func(h int16) time.Time { return day.Add(time.Duration(h) * time.Hour) }
		fs := &Facts{}
		for i := range int(n % 20) {
			fs.Reports = append(fs.Reports, store.WeatherReport{IncidentID: string(rune('a' + i)), At: at(reportH - int16(i)*7)})
			fs.Sightings = append(fs.Sightings, store.WeatherSighting{At: at(sightH + int16(i)*5)})
			fs.Alerts = append(fs.Alerts, store.WeatherAlert{AlertID: string(rune('a' + i%3)), Severity: sev, PublishedAt: at(alertH - int16(i))})
			fs.Clusters = append(fs.Clusters, store.WeatherCluster{ClusterID: string(rune('a' + i%4)), Strength: int(strength) - 50,
				FirstSeen: at(alertH), LastSeen: at(sightH)})
			state := "patched"
			if open {
				state = "open"
			}
			fs.Exposures = append(fs.Exposures, store.WeatherExposure{VulnID: string(rune('a' + i)), MatchedAt: at(reportH), State: state, StateAt: at(sightH)})
		}
		d := Compute(day, fs)
		caps := map[string]float64{InputReports: ReportCap, InputSightings: SightingCap, InputAlerts: AlertCap, InputClusters: ClusterCap, InputKEV: KEVCap}
		sum := 0.0
		for _, r := range d.Reasons {
			if r.Input == InputOverride {
				continue
			}
			if r.Points < 0 || r.Points > caps[r.Input] || r.Count < 0 {
				t.Fatalf("%+v", r)
			}
			sum += r.Points
		}
		if round2(sum) != d.Score || d.Level < LevelOf(d.Score) || d.Level > Storm {
			t.Fatalf("%+v", d)
		}
		if d.Override != (d.Level != LevelOf(d.Score)) {
			t.Fatalf("override %v with level %s and score %v", d.Override, d.Level, d.Score)
		}
	})
}
