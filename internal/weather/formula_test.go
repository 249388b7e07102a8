package weather

import (
	"strings"
	"testing"
	"time"

	"sakimori/internal/store"
)

// day is 2026-11-30 in Japan; jst builds times on the days around it.
var day = time.Date(2026, 11, 30, 0, 0, 0, 0, time.FixedZone("JST", 9*3600))

func jst(daysBefore int, hour int) time.Time {
	return day.AddDate(0, 0, -daysBefore).Add(time.Duration(hour) * time.Hour).UTC()
}

func reports(ts ...time.Time) []store.WeatherReport {
	var out []store.WeatherReport
	for i, t := range ts {
		out = append(out, store.WeatherReport{IncidentID: string(rune('a' + i)), At: t})
	}
	return out
}

func sightings(n int, t time.Time) []store.WeatherSighting {
	var out []store.WeatherSighting
	for range n {
		out = append(out, store.WeatherSighting{At: t})
	}
	return out
}

func ptr(t time.Time) *time.Time { return &t }

func TestCompute(t *testing.T) {
	for _, tc := range []struct {
		name     string
		f        Facts
		level    Level
		score    float64
		override bool
		counts   map[string]int
	}{
		{name: "nothing", level: Clear},
		{name: "one report today", f: Facts{Reports: reports(jst(0, 10))}, level: Cloudy, score: 3, counts: map[string]int{InputReports: 1}},
		{name: "report yesterday weighs 1", f: Facts{Reports: reports(jst(1, 23))}, level: Cloudy, score: 3},
		{name: "report 2 days ago weighs 0.5", f: Facts{Reports: reports(jst(2, 1))}, level: Clear, score: 1.5},
		{name: "report 6 days ago weighs 0.25", f: Facts{Reports: reports(jst(6, 0))}, level: Clear, score: 0.75},
		{name: "report 7 days ago is outside", f: Facts{Reports: reports(jst(7, 23))}, level: Clear, score: 0, counts: map[string]int{InputReports: 0}},
		{name: "report tomorrow is outside", f: Facts{Reports: reports(jst(-1, 0))}, level: Clear, score: 0},
		{name: "JST midnight starts the day", f: Facts{Reports: reports(time.Date(2026, 11, 29, 15, 0, 0, 0, time.UTC), time.Date(2026, 11, 27, 14, 59, 59, 0, time.UTC))},
			level: Cloudy, score: 3 + 1.5},
		{name: "two reports today: rain", f: Facts{Reports: reports(jst(0, 1), jst(0, 2))}, level: Rain, score: 6},
		{name: "reports capped at 12: storm", f: Facts{Reports: reports(jst(0, 1), jst(0, 2), jst(0, 3), jst(0, 4), jst(0, 5))}, level: Storm, score: 12,
			counts: map[string]int{InputReports: 5}},
		{name: "sightings capped at 6", f: Facts{Sightings: sightings(10, jst(0, 9))}, level: Rain, score: 6, counts: map[string]int{InputSightings: 10}},
		{name: "sightings decay", f: Facts{Sightings: append(sightings(2, jst(3, 9)), sightings(4, jst(5, 9))...)}, level: Cloudy, score: 2},
		{name: "critical alert pending: at least rain", f: Facts{Alerts: []store.WeatherAlert{{AlertID: "a1", Severity: "critical", PublishedAt: jst(3, 0)}}},
			level: Rain, score: 5, override: true, counts: map[string]int{InputAlerts: 1}},
		{name: "alert acknowledged by the day: nothing", f: Facts{Alerts: []store.WeatherAlert{{AlertID: "a1", Severity: "critical", PublishedAt: jst(3, 0), AckedAt: ptr(jst(1, 0))}}},
			level: Clear, score: 0},
		{name: "alert acknowledged after the day: pending that day", f: Facts{Alerts: []store.WeatherAlert{{AlertID: "a1", Severity: "high", PublishedAt: jst(3, 0), AckedAt: ptr(jst(-1, 1))}}},
			level: Cloudy, score: 3},
		{name: "alert pending with one recipient of two counts once", f: Facts{Alerts: []store.WeatherAlert{
			{AlertID: "a1", Severity: "high", PublishedAt: jst(3, 0), AckedAt: ptr(jst(2, 0))}, {AlertID: "a1", Severity: "high", PublishedAt: jst(3, 0)}}},
			level: Cloudy, score: 3, counts: map[string]int{InputAlerts: 1}},
		{name: "alert older than 30 days is dropped", f: Facts{Alerts: []store.WeatherAlert{{AlertID: "a1", Severity: "critical", PublishedAt: jst(30, 0)}}},
			level: Clear, score: 0},
		{name: "alerts capped at 10", f: Facts{Alerts: []store.WeatherAlert{{AlertID: "a1", Severity: "critical", PublishedAt: jst(1, 0)},
			{AlertID: "a2", Severity: "critical", PublishedAt: jst(1, 0)}, {AlertID: "a3", Severity: "medium", PublishedAt: jst(1, 0)}}}, level: Rain, score: 10},
		{name: "recent cluster: at least rain", f: Facts{Clusters: []store.WeatherCluster{{ClusterID: "c1", Strength: 50, FirstSeen: jst(4, 0), LastSeen: jst(2, 0)}}},
			level: Rain, score: 1.5, override: true},
		{name: "old cluster: no override", f: Facts{Clusters: []store.WeatherCluster{{ClusterID: "c1", Strength: 100, FirstSeen: jst(9, 0), LastSeen: jst(4, 0)}}},
			level: Clear, score: 1},
		{name: "cluster last seen after the day counts on it", f: Facts{Clusters: []store.WeatherCluster{{ClusterID: "c1", Strength: 0, FirstSeen: jst(2, 0), LastSeen: jst(-2, 0)},
			{ClusterID: "c1", Strength: 0, FirstSeen: jst(2, 0), LastSeen: jst(-2, 0)}}},
			level: Rain, score: 2, override: true, counts: map[string]int{InputClusters: 1}},
		{name: "cluster first seen after the day is not counted", f: Facts{Clusters: []store.WeatherCluster{{ClusterID: "c1", Strength: 0, FirstSeen: jst(-1, 1), LastSeen: jst(-1, 2)}}},
			level: Clear, score: 0},
		{name: "kev exposures count vulnerabilities", f: Facts{Exposures: []store.WeatherExposure{
			{VulnID: "CVE-1", ComputerID: "c1", MatchedAt: jst(20, 0), State: "open"},
			{VulnID: "CVE-1", ComputerID: "c2", MatchedAt: jst(20, 0), State: "open"},
			{VulnID: "CVE-2", ComputerID: "c1", MatchedAt: jst(1, 0), State: "patched", StateAt: jst(-1, 0)},
			{VulnID: "CVE-3", ComputerID: "c1", MatchedAt: jst(9, 0), State: "patched", StateAt: jst(1, 0)},
			{VulnID: "CVE-4", ComputerID: "c1", MatchedAt: jst(-1, 0), State: "open"},
		}}, level: Cloudy, score: 4, counts: map[string]int{InputKEV: 2}},
		{name: "a mix", f: Facts{Reports: reports(jst(0, 1)), Sightings: sightings(3, jst(2, 0)),
			Alerts:    []store.WeatherAlert{{AlertID: "a", Severity: "medium", PublishedAt: jst(5, 0)}},
			Exposures: []store.WeatherExposure{{VulnID: "CVE-1", MatchedAt: jst(9, 0), State: "open"}}}, level: Rain, score: 3 + 1.5 + 2 + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Compute(day, &tc.f)
			if d.Date != "2026-11-30" {
				t.Errorf("date %s", d.Date)
			}
			if d.Level != tc.level || d.Score != tc.score || d.Override != tc.override {
				t.Errorf("got %s %v override %v, want %s %v override %v (%+v)", d.Level, d.Score, d.Override, tc.level, tc.score, tc.override, d.Reasons)
			}
			sum := 0.0
			for i, in := range Inputs {
				r := d.Reasons[i]
				if r.Input != in || r.Text.JA == "" || r.Text.EN == "" {
					t.Errorf("reason %d: %+v", i, r)
				}
				sum += r.Points
				if want, ok := tc.counts[in]; ok && r.Count != want {
					t.Errorf("%s: count %d, want %d", in, r.Count, want)
				}
			}
			if round2(sum) != d.Score {
				t.Errorf("points add up to %v, score %v", sum, d.Score)
			}
			if over := len(d.Reasons) > len(Inputs); over != d.Override {
				t.Errorf("override reason present %v, override %v", over, d.Override)
			}
		})
	}
}

func TestLevelOf(t *testing.T) {
	for _, tc := range []struct {
		score float64
		want  Level
	}{{0, Clear}, {1.99, Clear}, {2, Cloudy}, {5.99, Cloudy}, {6, Rain}, {11.99, Rain}, {12, Storm}, {48, Storm}} {
		if got := LevelOf(tc.score); got != tc.want {
			t.Errorf("LevelOf(%v) = %s, want %s", tc.score, got, tc.want)
		}
	}
	for _, l := range Levels {
		var back Level
		b, _ := l.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Errorf("%s round trip: %v %v", l, back, err)
		}
		if l.Name("ja") == "" || l.Name("en") == "" {
			t.Errorf("%s has no name", l)
		}
	}
	if Storm.Name("ja") != "嵐" || Clear.Name("ja") != "晴れ" {
		t.Error("Japanese names")
	}
}

func TestTrend(t *testing.T) {
	f := &Facts{Reports: reports(jst(3, 1))}
	tr := Trend(day.Add(23*time.Hour), 7, f)
	if len(tr) != 7 || tr[0].Date != "2026-11-24" || tr[6].Date != "2026-11-30" {
		t.Fatalf("%+v", tr)
	}
	want := []float64{0, 0, 0, 3, 3, 1.5, 1.5}
	for i, d := range tr {
		if d.Score != want[i] {
			t.Errorf("%s: %v, want %v", d.Date, d.Score, want[i])
		}
	}
	from, to := Range(day, 7)
	if !to.Equal(day.AddDate(0, 0, 1)) || !from.Equal(day.AddDate(0, 0, -6-AlertDays)) {
		t.Errorf("range %s %s", from, to)
	}
}

func TestSmallCount(t *testing.T) {
	d := Compute(day, &Facts{Reports: reports(jst(0, 1), jst(0, 2)), Sightings: sightings(5, jst(0, 1)),
		Alerts: []store.WeatherAlert{{AlertID: "a1", Severity: "critical", PublishedAt: jst(1, 0)}}})
	s := SmallCount(d)
	if s.Score != 0 || s.Level != d.Level {
		t.Errorf("%+v", s)
	}
	for _, r := range s.Reasons {
		if r.Points != 0 {
			t.Errorf("%s shows points", r.Input)
		}
		switch {
		case r.Input == InputReports || r.Input == InputAlerts || r.Input == InputOverride:
			if r.Count != 0 || r.Band != "1-2" || !strings.Contains(r.Text.EN, "1-2") || !strings.Contains(r.Text.JA, "1〜2") {
				t.Errorf("%s not banded: %+v", r.Input, r)
			}
		case r.Input == InputSightings:
			if r.Count != 5 || r.Band != "" {
				t.Errorf("sightings: %+v", r)
			}
		}
	}
}

func TestCorrelationText(t *testing.T) {
	if got := CorrelationText(Others{Orgs: 3, Sectors: 2}); got.EN != "3 other organisation(s) in 2 sector(s) reported or sighted this." || !strings.Contains(got.JA, "他の3組織（2分野）") {
		t.Errorf("%+v", got)
	}
	if got := CorrelationText(Others{}); got.JA == "" || got.EN == "" {
		t.Error("empty")
	}
	if got := CorrelationText(Others{Suppressed: true, FewerThan: 3}); !strings.Contains(got.EN, "Fewer than 3") {
		t.Errorf("%+v", got)
	}
}

// TestWorkedExample recomputes docs/weather.md's example.
func TestWorkedExample(t *testing.T) {
	f := &Facts{Reports: reports(jst(0, 1), jst(0, 2)),
		Alerts:    []store.WeatherAlert{{AlertID: "a", Severity: "medium", PublishedAt: jst(2, 0), AckedAt: ptr(day.AddDate(0, 0, 2).Add(time.Hour))}},
		Clusters:  []store.WeatherCluster{{ClusterID: "c", Strength: 60, FirstSeen: jst(3, 0), LastSeen: jst(1, 0)}},
		Exposures: []store.WeatherExposure{{VulnID: "CVE-2024-21762", MatchedAt: jst(20, 0), State: "open"}}}
	if d := Compute(day, f); d.Score != 13.2 || d.Level != Storm {
		t.Errorf("11-30: %+v", d)
	}
	if d := Compute(day.AddDate(0, 0, 5), f); d.Score != 4.3 || d.Level != Cloudy || d.Date != "2026-12-05" {
		t.Errorf("12-05: %+v", d)
	}
}

func TestGroup(t *testing.T) {
	f := &Facts{
		Reports:   []store.WeatherReport{{IncidentID: "i", OrgID: "a", Sector: "gas"}, {IncidentID: "j", OrgID: "b", Sector: "gas"}},
		Sightings: []store.WeatherSighting{{OrgID: "a", Sector: "gas"}},
		Alerts:    []store.WeatherAlert{{AlertID: "x", OrgID: "c", Sector: "oil"}, {AlertID: "y", OrgID: "gov", Sector: "oil"}},
		Clusters:  []store.WeatherCluster{{ClusterID: "c", OrgID: "a", Sector: "gas"}},
		Exposures: []store.WeatherExposure{{VulnID: "v", OrgID: "b", Sector: "gas"}},
	}
	byOrg, bySector := Group(f, map[string]bool{"gov": true})
	if a := byOrg["a"]; len(a.Reports) != 1 || len(a.Sightings) != 1 || len(a.Clusters) != 1 || len(a.Exposures) != 0 {
		t.Errorf("a: %+v", a)
	}
	if g := bySector["gas"]; len(g.Reports) != 2 || len(g.Exposures) != 1 || len(g.Alerts) != 0 {
		t.Errorf("gas: %+v", g)
	}
	if o := bySector["oil"]; len(o.Alerts) != 1 || len(byOrg) != 4 || len(byOrg["gov"].Alerts) != 1 {
		t.Errorf("oil: %+v, %d orgs", o, len(byOrg))
	}
}
