package web

import (
	"testing"

	"sakimori/internal/i18n"
	"sakimori/internal/stats"
)

// TestChartLabels checks a label in both catalogues for every chart,
// scope, indicator type, sightings series and deadline outcome (the keys
// are spelled out in maps, which TestUsedKeysExist in package i18n cannot
// see), and that every chart and indicator type has one.
func TestChartLabels(t *testing.T) {
	for _, m := range []map[string]string{chartTitleKeys, chartUnitKeys, chartDescKeys, chartScopeKeys, chartTypeKeys, chartSightingKeys, chartDeadlineKeys} {
		for _, k := range m {
			for _, l := range i18n.Langs {
				if !i18n.Has(l, k) {
					t.Errorf("%s: %q is missing", l, k)
				}
			}
		}
	}
	for _, c := range stats.Charts {
		if chartTitleKeys[c] == "" || chartUnitKeys[c] == "" {
			t.Errorf("chart %s has no title or unit", c)
		}
	}
	for _, ty := range stats.IndicatorTypes {
		if chartTypeKeys[ty] == "" {
			t.Errorf("indicator type %s has no label", ty)
		}
	}
}

func TestAttackLabel(t *testing.T) {
	for id, want := range map[string]string{"T1566": "T1566 Phishing", "T1566.001": "T1566.001 (Phishing)", "T9999": "T9999", "T1190": "T1190 Exploit Public-Facing Application"} {
		if got := attackLabel(id); got != want {
			t.Errorf("attackLabel(%s) = %q, want %q", id, got, want)
		}
	}
}
