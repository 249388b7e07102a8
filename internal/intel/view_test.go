package intel

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	"sakimori/internal/marking"
)

func TestParseViewFilter(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation("2006-01-02", s, jst)
		return d.UTC()
	}
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		query string
		want  ViewFilter
		errs  []string // fields
	}{
		{"", ViewFilter{}, nil},
		{"q=+evil.example+&type=Indicator,malware&type=indicator", ViewFilter{Text: "evil.example", Types: []string{"indicator", "malware"}}, nil},
		{"tlp=red,amber&tlp=amber", ViewFilter{TLPs: []marking.TLP{marking.TLPAmber, marking.TLPRed}}, nil},
		{"min_confidence=0&min_score=70", ViewFilter{MinConfidence: n(0), MinScore: 70}, nil},
		{"flagged=yes&revoked=false", ViewFilter{Flagged: ptr(true), Revoked: ptr(false)}, nil},
		{"sector=railway&sort=score", ViewFilter{Sector: "railway", Sort: SortScore}, nil},
		// A day in Japan time, the "to" day included.
		{"added_from=2026-11-01&added_to=2026-11-01", ViewFilter{AddedFrom: day("2026-11-01"), AddedTo: day("2026-11-02")}, nil},
		{"modified_from=2026-11-01T00:05:00Z", ViewFilter{ModifiedFrom: time.Date(2026, 11, 1, 0, 5, 0, 0, time.UTC)}, nil},
		{"min_score=101&min_confidence=-1&tlp=white-ish&sector=mining&sort=up&flagged=maybe&type=a!", ViewFilter{},
			[]string{"type", "flagged", "tlp", "min_confidence", "min_score", "sector", "sort"}},
		{"added_from=2026-11-02&added_to=2026-11-01&modified_to=tomorrow", ViewFilter{}, []string{"modified_to", "added_to"}},
	} {
		q, _ := url.ParseQuery(tc.query)
		got, errs := ParseViewFilter(q, jst)
		var fields []string
		for _, e := range errs {
			fields = append(fields, e.Field)
			if e.MessageKey == "" {
				t.Errorf("%s: error of %s has no message key", tc.query, e.Field)
			}
		}
		if len(tc.errs) > 0 {
			if !sameSet(fields, tc.errs) {
				t.Errorf("%s: errors on %v, want %v", tc.query, fields, tc.errs)
			}
			continue
		}
		if len(errs) > 0 || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v %v, want %+v", tc.query, got, errs, tc.want)
		}
		// Values is the inverse.
		back, errs := ParseViewFilter(got.Values(jst), jst)
		if len(errs) > 0 || !reflect.DeepEqual(back, got) {
			t.Errorf("%s: round trip %v gives %+v %v", tc.query, got.Values(jst), back, errs)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}
