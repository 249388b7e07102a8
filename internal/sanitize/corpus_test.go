package sanitize

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusCase is one annotated incident-report text of testdata/corpus.
type corpusCase struct {
	ID    string `json:"id"`
	Lang  string `json:"lang"`
	Topic string `json:"topic"`
	// Set is "holdout" for texts written after the detectors were tuned
	// (measured, never tuned on); empty for the development set.
	Set       string `json:"set"`
	Text      string `json:"text"`
	Sensitive []struct {
		Kind  Kind   `json:"kind"`
		Value string `json:"value"`
	} `json:"sensitive"`
	Keep    []string `json:"keep"`
	Options struct {
		MaskNames       []string `json:"mask_names"`
		InternalDomains []string `json:"internal_domains"`
	} `json:"options"`
}

func loadCorpus(t testing.TB) []corpusCase {
	files, err := filepath.Glob("testdata/corpus/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var cs []corpusCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c corpusCase
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		cs = append(cs, c)
	}
	return cs
}

// occurrences returns the byte spans of every occurrence of v in s.
func occurrences(s, v string) [][2]int {
	var out [][2]int
	for i := 0; v != ""; {
		j := strings.Index(s[i:], v)
		if j < 0 {
			break
		}
		out = append(out, [2]int{i + j, i + j + len(v)})
		i += j + len(v)
	}
	return out
}

// covered reports whether every byte of [a,b) lies inside some finding.
func covered(fs []Finding, a, b int) bool {
	pos := a
	for _, f := range fs { // findings are sorted and disjoint
		if f.End <= pos {
			continue
		}
		if f.Start > pos {
			return false
		}
		pos = f.End
		if pos >= b {
			return true
		}
	}
	return pos >= b
}

func overlapsAny(fs []Finding, a, b int) bool {
	for _, f := range fs {
		if f.Start < b && a < f.End {
			return true
		}
	}
	return false
}

type tally struct{ hit, all int }

func (t tally) ratio() float64 {
	if t.all == 0 {
		return 1
	}
	return float64(t.hit) / float64(t.all)
}

// Per-kind recall floors, set a little below the measured values so that a
// regression fails (see docs/sanitize.md for the measured table).
var recallFloors = map[Kind]float64{
	KindAccountNumber: 1.0,
	KindCardNumber:    1.0,
	KindCustomerID:    0.93,
	KindEmail:         0.97,
	KindInternalHost:  0.98,
	KindMAC:           1.0,
	KindMoney:         0.97,
	KindOrganization:  0.97,
	KindPersonName:    0.98,
	KindPhone:         0.97,
	KindPostalAddress: 0.92,
	KindPostalCode:    1.0,
	KindPrivateIP:     1.0,
	KindSecret:        0.95,
	KindUserName:      0.95,
}

// overallFloor is the regression floor of the overall recall (the quality bar
// of the issue is 0.95).
const overallFloor = 0.99

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < 30 {
		t.Fatalf("corpus has %d texts, want at least 30", len(cases))
	}
	recall := map[Kind]*tally{}
	byLang := map[string]*tally{}
	bySet := map[string]*tally{"development": {}, "holdout": {}, "final": {}}
	var total, keep tally
	var misses, lost, fps []string
	nFindings := 0
	for _, c := range cases {
		opt := Options{MaskNames: c.Options.MaskNames, InternalDomains: c.Options.InternalDomains}
		out, fs := Text(c.Text, opt)
		nFindings += len(fs)
		set := c.Set
		if set == "" {
			set = "development"
		}
		if byLang[c.Lang] == nil {
			byLang[c.Lang] = &tally{}
		}
		var sensSpans [][2]int
		for _, s := range c.Sensitive {
			occ := occurrences(c.Text, s.Value)
			if len(occ) == 0 {
				t.Fatalf("%s: annotated value %q not in text", c.ID, s.Value)
			}
			if recall[s.Kind] == nil {
				recall[s.Kind] = &tally{}
			}
			for _, o := range occ {
				sensSpans = append(sensSpans, o)
				recall[s.Kind].all++
				total.all++
				byLang[c.Lang].all++
				bySet[set].all++
				if covered(fs, o[0], o[1]) {
					bySet[set].hit++
					recall[s.Kind].hit++
					total.hit++
					byLang[c.Lang].hit++
				} else {
					misses = append(misses, fmt.Sprintf("%s: %s %q", c.ID, s.Kind, s.Value))
				}
			}
		}
		for _, k := range c.Keep {
			for _, o := range occurrences(c.Text, k) {
				keep.all++
				if !overlapsAny(fs, o[0], o[1]) && strings.Contains(out, k) {
					keep.hit++
				} else {
					lost = append(lost, fmt.Sprintf("%s: %q", c.ID, k))
				}
			}
		}
		for _, f := range fs {
			annotated := false
			for _, sp := range sensSpans {
				if f.Start < sp[1] && sp[0] < f.End {
					annotated = true
					break
				}
			}
			if !annotated {
				fps = append(fps, fmt.Sprintf("%s: %s %q", c.ID, f.Kind, f.Original))
			}
		}
	}
	var kinds []string
	for k := range recall {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	var tb strings.Builder
	fmt.Fprintf(&tb, "\n| kind | caught | annotated | recall |\n|---|---:|---:|---:|\n")
	for _, k := range kinds {
		r := recall[Kind(k)]
		fmt.Fprintf(&tb, "| %s | %d | %d | %.3f |\n", k, r.hit, r.all, r.ratio())
	}
	fmt.Fprintf(&tb, "| **overall** | %d | %d | %.3f |\n", total.hit, total.all, total.ratio())
	for _, l := range []string{"ja", "en"} {
		if r := byLang[l]; r != nil {
			fmt.Fprintf(&tb, "| overall (%s) | %d | %d | %.3f |\n", l, r.hit, r.all, r.ratio())
		}
	}
	for _, l := range []string{"development", "holdout", "final"} {
		r := bySet[l]
		fmt.Fprintf(&tb, "| overall (%s set) | %d | %d | %.3f |\n", l, r.hit, r.all, r.ratio())
	}
	fmt.Fprintf(&tb, "| IOC retention | %d | %d | %.3f |\n", keep.hit, keep.all, keep.ratio())
	fmt.Fprintf(&tb, "\nfindings: %d, not annotated (false positives): %d\n", nFindings, len(fps))
	t.Log(tb.String())
	t.Logf("missed (%d):\n  %s", len(misses), strings.Join(misses, "\n  "))
	t.Logf("false positives (%d):\n  %s", len(fps), strings.Join(fps, "\n  "))
	if len(lost) > 0 {
		t.Errorf("IOCs removed (%d):\n  %s", len(lost), strings.Join(lost, "\n  "))
	}
	if total.ratio() < 0.95 || total.ratio() < overallFloor {
		t.Errorf("overall recall %.3f < floor %.3f (quality bar 0.95)", total.ratio(), overallFloor)
	}
	for k, floor := range recallFloors {
		if r := recall[k]; r != nil && r.ratio() < floor {
			t.Errorf("recall of %s %.3f < floor %.3f", k, r.ratio(), floor)
		}
	}
}
