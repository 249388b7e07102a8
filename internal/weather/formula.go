package weather

import (
	"fmt"
	"math"
	"time"

	"sakimori/internal/report"
	"sakimori/internal/store"
)

// The formula (docs/weather.md gives it with worked examples). Everything
// here is pure: Compute takes the facts of one scope and a day and returns
// the level with its reasons.

// Level is a weather level.
type Level int

// The levels, from calm to severe.
const (
	Clear  Level = iota // 晴れ
	Cloudy              // 曇り
	Rain                // 雨
	Storm               // 嵐
)

// Levels lists the levels in order.
var Levels = []Level{Clear, Cloudy, Rain, Storm}

var levelNames = [...]string{"clear", "cloudy", "rain", "storm"}

// String is the level's English identifier.
func (l Level) String() string {
	if l < Clear || l > Storm {
		return "unknown"
	}
	return levelNames[l]
}

// Name is the level's display name in lang ("ja" or "en").
func (l Level) Name(lang string) string {
	if lang == "ja" {
		return [...]string{"晴れ", "曇り", "雨", "嵐"}[l.clamp()]
	}
	return [...]string{"Clear", "Cloudy", "Rain", "Storm"}[l.clamp()]
}

func (l Level) clamp() Level { return max(Clear, min(Storm, l)) }

// MarshalText encodes the level as its identifier.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes an identifier.
func (l *Level) UnmarshalText(b []byte) error {
	for i, n := range levelNames {
		if n == string(b) {
			*l = Level(i)
			return nil
		}
	}
	return fmt.Errorf("weather: unknown level %q", b)
}

// The constants of the formula.
const (
	// WindowDays is the length of the window ending with the day.
	WindowDays = 7
	// AlertDays is how long after publication an unacknowledged alert counts.
	AlertDays = 30

	ReportPoints   = 3.0 // per report, decayed
	ReportCap      = 12.0
	SightingPoints = 1.0 // per sighting, decayed
	SightingCap    = 6.0
	AlertCap       = 10.0 // severity points in AlertPoints, not decayed
	ClusterBase    = 2.0  // per cluster: ClusterBase + strength/50, decayed
	ClusterCap     = 12.0
	KEVPoints      = 2.0 // per known-exploited vulnerability exposed, not decayed
	KEVCap         = 8.0

	// Thresholds: the score from which each level starts.
	CloudyFrom = 2.0
	RainFrom   = 6.0
	StormFrom  = 12.0

	// ClusterRainDays: a cluster last seen within this many days (age 0,
	// 1 or 2) makes the level at least rain.
	ClusterRainDays = 3
)

// AlertPoints are the points of an unacknowledged alert by severity.
var AlertPoints = map[string]float64{"critical": 5, "high": 3, "medium": 2, "low": 1, "info": 0}

// Decay is the weight of something that happened age days before the end
// of the day (age 0 is the day itself): 1 for ages 0 and 1, 0.5 for 2 and
// 3, 0.25 for 4 to 6, 0 outside the window.
func Decay(age int) float64 {
	switch {
	case age < 0 || age >= WindowDays:
		return 0
	case age <= 1:
		return 1
	case age <= 3:
		return 0.5
	}
	return 0.25
}

// Inputs of the formula (Reason.Input).
const (
	InputReports   = "reports"
	InputSightings = "sightings"
	InputAlerts    = "alerts"
	InputClusters  = "clusters"
	InputKEV       = "kev"
	InputOverride  = "override"
)

// Inputs lists the inputs in the order reasons are given.
var Inputs = []string{InputReports, InputSightings, InputAlerts, InputClusters, InputKEV}

// Text is a text in Japanese and English.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// In returns the text in lang.
func (t Text) In(lang string) string {
	if lang == "ja" {
		return t.JA
	}
	return t.EN
}

// Reason is one input with its count and contribution, or an override.
type Reason struct {
	Input string `json:"input"`
	// Rule names the override (InputOverride only).
	Rule string `json:"rule,omitempty"`
	// Count is how many things were counted; Band replaces it ("1-2")
	// where the small-count rule applies, and then Count is 0.
	Count  int     `json:"count"`
	Band   string  `json:"band,omitempty"`
	Points float64 `json:"points"`
	Text   Text    `json:"text"`
}

// Day is the weather of one scope on one day.
type Day struct {
	Date  string  `json:"date"` // the JST day, 2006-01-02
	Level Level   `json:"level"`
	Score float64 `json:"score"`
	// Override is set when a rule raised the level above the score's.
	Override bool     `json:"override"`
	Reasons  []Reason `json:"reasons"`
}

// Facts are the facts of one scope (an organisation, or a sector): the
// store's rows, already narrowed to the scope.
type Facts = store.WeatherFacts

// DayStart returns the start (00:00 JST) of the JST day of t.
func DayStart(t time.Time) time.Time {
	j := t.In(report.JST)
	return time.Date(j.Year(), j.Month(), j.Day(), 0, 0, 0, 0, report.JST)
}

// ageOf is the number of whole JST days between t's day and the day
// ending at end (0: the day itself).
func ageOf(t, end time.Time) int {
	d := end.Sub(DayStart(t))
	return int(math.Ceil(d.Hours()/24)) - 1
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Compute returns the weather on the JST day starting at day (use
// DayStart) from facts f: the facts may span more than the window; what
// lies outside it is ignored.
func Compute(day time.Time, f *Facts) Day {
	day = DayStart(day)
	end := day.AddDate(0, 0, 1)
	start := end.AddDate(0, 0, -WindowDays)
	in := func(t time.Time) bool { return !t.Before(start) && t.Before(end) }
	out := Day{Date: day.Format(time.DateOnly)}

	var reports, sightings float64
	nReports, nSightings := 0, 0
	for _, r := range f.Reports {
		if in(r.At) {
			nReports++
			reports += ReportPoints * Decay(ageOf(r.At, end))
		}
	}
	for _, s := range f.Sightings {
		if in(s.At) {
			nSightings++
			sightings += SightingPoints * Decay(ageOf(s.At, end))
		}
	}

	// Alerts: pending at the end of the day when published in the last
	// AlertDays days and some recipient of the scope had not acknowledged.
	alertFrom := end.AddDate(0, 0, -AlertDays)
	pending := map[string]string{} // alert id -> severity
	for _, a := range f.Alerts {
		if a.PublishedAt.Before(alertFrom) || !a.PublishedAt.Before(end) {
			continue
		}
		if a.AckedAt == nil || !a.AckedAt.Before(end) {
			pending[a.AlertID] = a.Severity
		}
	}
	var alerts float64
	critical := 0
	for _, sev := range pending {
		alerts += AlertPoints[sev]
		if sev == "critical" {
			critical++
		}
	}

	// Clusters: active when first seen before the end and last seen in
	// the window; a cluster last seen after the day counts as seen on it.
	type cl struct {
		strength int
		last     time.Time
	}
	clusters := map[string]cl{}
	for _, c := range f.Clusters {
		if !c.FirstSeen.Before(end) {
			continue
		}
		last := c.LastSeen
		if !last.Before(end) {
			last = end.Add(-time.Nanosecond)
		}
		if last.Before(start) {
			continue
		}
		if cur, ok := clusters[c.ClusterID]; !ok || last.After(cur.last) {
			clusters[c.ClusterID] = cl{c.Strength, last}
		}
	}
	var clusterPts float64
	recent := 0
	for _, c := range clusters {
		age := ageOf(c.last, end)
		clusterPts += (ClusterBase + float64(max(0, min(100, c.strength)))/50) * Decay(age)
		if age < ClusterRainDays {
			recent++
		}
	}

	// Known-exploited vulnerabilities with an exposure open at the end.
	kev := map[string]bool{}
	for _, e := range f.Exposures {
		if e.MatchedAt.Before(end) && (e.State == "open" || !e.StateAt.Before(end)) {
			kev[e.VulnID] = true
		}
	}

	pts := []float64{
		min(reports, ReportCap), min(sightings, SightingCap), min(alerts, AlertCap),
		min(clusterPts, ClusterCap), min(float64(len(kev))*KEVPoints, KEVCap),
	}
	counts := []int{nReports, nSightings, len(pending), len(clusters), len(kev)}
	for i, input := range Inputs {
		p := round2(pts[i])
		out.Score += p
		out.Reasons = append(out.Reasons, Reason{Input: input, Count: counts[i], Points: p, Text: reasonText(input, counts[i], false)})
	}
	out.Score = round2(out.Score)
	out.Level = LevelOf(out.Score)
	if critical > 0 && out.Level < Rain {
		out.Level, out.Override = Rain, true
		out.Reasons = append(out.Reasons, Reason{Input: InputOverride, Rule: RuleCriticalAlert, Count: critical, Text: overrideText(RuleCriticalAlert, critical, false)})
	}
	if recent > 0 && out.Level < Rain {
		out.Level, out.Override = Rain, true
		out.Reasons = append(out.Reasons, Reason{Input: InputOverride, Rule: RuleRecentCluster, Count: recent, Text: overrideText(RuleRecentCluster, recent, false)})
	}
	return out
}

// LevelOf is the level of a score by the thresholds alone.
func LevelOf(score float64) Level {
	switch {
	case score >= StormFrom:
		return Storm
	case score >= RainFrom:
		return Rain
	case score >= CloudyFrom:
		return Cloudy
	}
	return Clear
}

// Override rules (Reason.Rule).
const (
	RuleCriticalAlert = "critical_alert"
	RuleRecentCluster = "recent_cluster"
)

// count renders n, or the small-count band.
func count(n int, band bool) (ja, en string) {
	if band {
		return "1〜2", "1-2"
	}
	return fmt.Sprint(n), fmt.Sprint(n)
}

// reasonText says what an input counted.
func reasonText(input string, n int, band bool) Text {
	ja, en := count(n, band)
	switch input {
	case InputReports:
		return Text{JA: "過去7日間に提出されたインシデント報告: " + ja + "件", EN: "Incident reports submitted in the last 7 days: " + en}
	case InputSightings:
		return Text{JA: "過去7日間のサイティング（誤検知を除く）: " + ja + "件", EN: "Sightings in the last 7 days (false positives excluded): " + en}
	case InputAlerts:
		return Text{JA: "未確認の注意喚起（公開後30日以内）: " + ja + "件", EN: "Alerts not yet acknowledged (published in the last 30 days): " + en}
	case InputClusters:
		return Text{JA: "過去7日間に動きのある相関クラスタ: " + ja + "件", EN: "Correlation clusters active in the last 7 days: " + en}
	case InputKEV:
		return Text{JA: "対処されていない悪用済み脆弱性（KEV）: " + ja + "件", EN: "Known-exploited vulnerabilities exposed and not fixed: " + en}
	}
	return Text{JA: input, EN: input}
}

// overrideText says why an override raised the level.
func overrideText(rule string, n int, band bool) Text {
	ja, en := count(n, band)
	if rule == RuleCriticalAlert {
		return Text{JA: "未確認の緊急（critical）注意喚起が" + ja + "件あるため、少なくとも雨",
			EN: en + " critical alert(s) not acknowledged: at least rain"}
	}
	return Text{JA: fmt.Sprintf("直近%d日以内に動きのある相関クラスタが%s件あるため、少なくとも雨", ClusterRainDays, ja),
		EN: fmt.Sprintf("%s correlation cluster(s) active in the last %d days: at least rain", en, ClusterRainDays)}
}

// SmallCount is the small-count rule of sector weather shown to an
// organisation outside the government: counts of 1 and 2 become the band
// "1-2", and no points or score are shown (only the level), so nothing
// narrows down which organisation contributed.
func SmallCount(d Day) Day {
	out := d
	out.Score = 0
	out.Reasons = nil
	for _, r := range d.Reasons {
		r.Points = 0
		if r.Count > 0 && r.Count < 3 {
			r.Count, r.Band = 0, "1-2"
			if r.Input == InputOverride {
				r.Text = overrideText(r.Rule, 0, true)
			} else {
				r.Text = reasonText(r.Input, 0, true)
			}
		}
		out.Reasons = append(out.Reasons, r)
	}
	return out
}

// Trend computes the weather of the days days ending with the JST day of
// now, oldest first.
func Trend(now time.Time, days int, f *Facts) []Day {
	last := DayStart(now)
	out := make([]Day, 0, days)
	for i := days - 1; i >= 0; i-- {
		out = append(out, Compute(last.AddDate(0, 0, -i), f))
	}
	return out
}

// Range is the time range of the facts a trend of days days ending with
// the JST day of now needs.
func Range(now time.Time, days int) (from, to time.Time) {
	end := DayStart(now).AddDate(0, 0, 1)
	first := end.AddDate(0, 0, -days)
	return first.AddDate(0, 0, -max(WindowDays, AlertDays)), end
}

// Group splits facts by organisation and by sector in one pass; the facts
// of the organisations in notSector (the government's) go to no sector.
func Group(f *Facts, notSector map[string]bool) (byOrg, bySector map[string]*Facts) {
	byOrg, bySector = map[string]*Facts{}, map[string]*Facts{}
	to := func(orgID, sector string, add func(*Facts)) {
		for _, k := range []struct {
			m   map[string]*Facts
			key string
		}{{byOrg, orgID}, {bySector, sector}} {
			if k.key == "" || k.m == nil {
				continue
			}
			x := k.m[k.key]
			if x == nil {
				x = &Facts{}
				k.m[k.key] = x
			}
			add(x)
		}
	}
	sector := func(orgID, s string) string {
		if notSector[orgID] {
			return ""
		}
		return s
	}
	for _, r := range f.Reports {
		to(r.OrgID, sector(r.OrgID, r.Sector), func(x *Facts) { x.Reports = append(x.Reports, r) })
	}
	for _, r := range f.Sightings {
		to(r.OrgID, sector(r.OrgID, r.Sector), func(x *Facts) { x.Sightings = append(x.Sightings, r) })
	}
	for _, r := range f.Alerts {
		to(r.OrgID, sector(r.OrgID, r.Sector), func(x *Facts) { x.Alerts = append(x.Alerts, r) })
	}
	for _, r := range f.Clusters {
		to(r.OrgID, sector(r.OrgID, r.Sector), func(x *Facts) { x.Clusters = append(x.Clusters, r) })
	}
	for _, r := range f.Exposures {
		to(r.OrgID, sector(r.OrgID, r.Sector), func(x *Facts) { x.Exposures = append(x.Exposures, r) })
	}
	return byOrg, bySector
}
