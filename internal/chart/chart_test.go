package chart

import (
	"encoding/xml"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.svg")

func weeks(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "11/" + string(rune('0'+i%10)) + "週"
	}
	return out
}

var golden = map[string]Chart{
	"stacked": {ID: "rep", Kind: StackedBars, Title: "週ごとの報告件数", Desc: "分野別の積み上げ", Categories: []string{"10/05", "10/12", "10/19", "10/26"},
		Series:         []Series{{Label: "電力", Values: []float64{3, 1, 0, 4}}, {Label: "鉄道", Values: []float64{1, 2, 5}}, {Label: "Finance", Values: []float64{0, 0, 1, 2}}},
		CategoryHeader: "週", TotalHeader: "計", Unit: "件", Empty: "データなし"},
	"hbars": {ID: "tech", Kind: HBars, Title: "Top techniques", Desc: "ATT&CK techniques by reports", Categories: []string{"T1566 Phishing", "T1190 Exploit Public-Facing Application", "T1486"},
		Series: []Series{{Label: "reports", Values: []float64{12, 7, 1}}}, CategoryHeader: "Technique", ValueHeader: "Reports", Empty: "No data"},
	"hbars2": {ID: "tech2", Kind: HBars, Title: "手法", Desc: "報告と共有", Categories: []string{"T1566", "T1190"},
		Series: []Series{{Label: "報告", Values: []float64{3, 1}}, {Label: "共有", Values: []float64{2, 4}}}, CategoryHeader: "手法", TotalHeader: "計", Empty: "なし"},
	"lines": {ID: "ind", Kind: Lines, Title: "Indicators", Desc: "by type", Categories: []string{"W1", "W2", "W3"},
		Series: []Series{{Label: "ipv4", Values: []float64{10, 20, 5}}, {Label: "domain", Values: []float64{0, 4, 8}}}, CategoryHeader: "Week", TotalHeader: "Total", Empty: "none"},
	"line1": {ID: "sig", Kind: Lines, Title: "Sightings", Desc: "own", Categories: []string{"W1", "W2"},
		Series: []Series{{Label: "own", Values: []float64{2, 3}}}, CategoryHeader: "Week", Empty: "none"},
	"percent": {ID: "dl", Kind: Percent, Title: "期限の遵守", Desc: "制度ごと", Categories: []string{"APPI", "DORA"},
		Series:         []Series{{Label: "期限内", Values: []float64{8, 1}, Colour: "#009E73"}, {Label: "遅延", Values: []float64{1, 0}, Colour: "#E69F00"}, {Label: "未提出", Values: []float64{1, 1}, Colour: "#D55E00"}},
		CategoryHeader: "制度", TotalHeader: "計", Empty: "なし"},
	"empty": {ID: "e", Kind: StackedBars, Title: "Nothing", Desc: "empty", Categories: weeks(4), Series: []Series{{Label: "a"}}, Empty: "No reports in this period"},
}

// TestGolden compares every chart with testdata/<name>.svg (go test
// ./internal/chart -update rewrites them) and checks it is well-formed XML
// with a title and description.
func TestGolden(t *testing.T) {
	for name, c := range golden {
		t.Run(name, func(t *testing.T) {
			got := string(Render(c))
			wellFormed(t, got)
			for _, want := range []string{`role="img"`, `<title id=`, `<desc id=`, `viewBox="0 0 640 `, `width="100%"`} {
				if !strings.Contains(got, want) {
					t.Errorf("missing %s", want)
				}
			}
			path := filepath.Join("testdata", name+".svg")
			if *update {
				if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got+"\n" != string(want) {
				t.Errorf("%s differs from the golden file (run with -update and review the diff)\ngot:\n%s", path, got)
			}
		})
	}
}

func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		n    int
		want []float64
	}{
		{0, 4, []float64{0, 1}},
		{-3, 4, []float64{0, 1}},
		{math.NaN(), 4, []float64{0, 1}},
		{math.Inf(1), 4, []float64{0, 1}},
		{1, 4, []float64{0, 1}},
		{3, 4, []float64{0, 1, 2, 3}},
		{7, 4, []float64{0, 2, 4, 6, 8}},
		{10, 4, []float64{0, 5, 10}},
		{37, 4, []float64{0, 10, 20, 30, 40}},
		{100, 4, []float64{0, 50, 100}},
		{0.3, 4, []float64{0, 0.1, 0.2, 0.3}},
		{1234567, 4, []float64{0, 500000, 1000000, 1500000}},
		{5, 0, []float64{0, 5}},
	} {
		got := Ticks(tc.max, tc.n)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Ticks(%v, %d) = %v, want %v", tc.max, tc.n, got, tc.want)
		}
		if tc.max > 0 && !math.IsInf(tc.max, 0) && got[len(got)-1] < tc.max {
			t.Errorf("Ticks(%v) top %v below max", tc.max, got[len(got)-1])
		}
	}
}

func TestTickLabel(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 5: "5", 0.5: "0.5", 2500: "2500", 15000: "15k", 1500000: "1.5M", 2e9: "2G"} {
		if got := tickLabel(v); got != want {
			t.Errorf("tickLabel(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestEdgeCases draws every kind with awkward data: each must be
// well-formed, show the empty message exactly when there is nothing, and
// never print NaN or Inf.
func TestEdgeCases(t *testing.T) {
	for _, k := range []Kind{StackedBars, HBars, Lines, Percent} {
		for _, tc := range []struct {
			name      string
			cats      []string
			series    []Series
			wantEmpty bool
		}{
			{"zero weeks", nil, []Series{{Label: "a"}}, true},
			{"no series", weeks(3), nil, true},
			{"all zero", weeks(3), []Series{{Label: "a", Values: []float64{0, 0, 0}}}, true},
			{"one value", weeks(1), []Series{{Label: "a", Values: []float64{1}}}, false},
			{"short values", weeks(5), []Series{{Label: "a", Values: []float64{2}}, {Label: "b"}}, false},
			{"huge", weeks(2), []Series{{Label: "a", Values: []float64{1e12, 3}}}, false},
			{"nan and negative", weeks(3), []Series{{Label: "a", Values: []float64{math.NaN(), -5, 4}}}, false},
			{"52 weeks", weeks(52), []Series{{Label: "a", Values: slices.Repeat([]float64{3}, 52)}}, false},
		} {
			t.Run(string(k)+"/"+tc.name, func(t *testing.T) {
				c := Chart{ID: "x", Kind: k, Title: "t", Categories: tc.cats, Series: tc.series, Empty: "EMPTY-MSG"}
				got := string(Render(c))
				wellFormed(t, got)
				if strings.Contains(got, "EMPTY-MSG") != tc.wantEmpty {
					t.Errorf("empty message shown = %v, want %v", !tc.wantEmpty, tc.wantEmpty)
				}
				for _, bad := range []string{"NaN", "Inf", "e+"} {
					if strings.Contains(got, bad) {
						t.Errorf("output contains %q:\n%s", bad, got)
					}
				}
				if !tc.wantEmpty && k != HBars && !strings.Contains(got, "<rect") && !strings.Contains(got, "<circle") {
					t.Errorf("nothing drawn:\n%s", got)
				}
			})
		}
	}
}

// TestEscaping passes markup in every caller-given text: none of it may
// come out as markup.
func TestEscaping(t *testing.T) {
	evil := `<script>alert(1)</script>"' onload="x"&`
	for _, k := range []Kind{StackedBars, HBars, Lines, Percent} {
		c := Chart{ID: `a"><script>`, Kind: k, Title: evil, Desc: evil, Categories: []string{evil, "b"}, Unit: evil,
			Series: []Series{{Label: evil, Values: []float64{1, 2}}, {Label: "ok", Values: []float64{2, 1}}}, Empty: evil}
		for _, got := range []string{string(Render(c)), string(Render(Chart{Kind: k, Title: evil, Empty: evil}))} {
			wellFormed(t, got)
			if strings.Contains(got, "<script") || strings.Contains(got, `" onload`) {
				t.Errorf("%s: unescaped text:\n%s", k, got)
			}
			if !strings.Contains(got, "&lt;script&gt;") {
				t.Errorf("%s: the text is missing rather than escaped", k)
			}
		}
	}
}

// TestTooltips: every bar or point carries its own title with its value.
func TestTooltips(t *testing.T) {
	c := golden["stacked"]
	got := string(Render(c))
	for _, want := range []string{"<title>10/05 電力: 3件</title>", "<title>10/19 鉄道: 5件</title>", "<title>10/26: 6件</title>"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing tooltip %s", want)
		}
	}
	if strings.Contains(got, "10/19 電力") {
		t.Error("a zero value got a bar")
	}
	// Patterns: several series are told apart by texture, not colour only.
	if !strings.Contains(got, `fill="url(#rep-p1)"`) || !strings.Contains(got, `<pattern id="rep-p2"`) {
		t.Error("series have no patterns")
	}
	p := string(Render(golden["percent"]))
	if !strings.Contains(p, "APPI 期限内: 8 (80%)") || !strings.Contains(p, ">80%<") {
		t.Errorf("percent chart lacks its shares:\n%s", p)
	}
}

func TestTable(t *testing.T) {
	tb := golden["stacked"].Table()
	if !slices.Equal(tb.Header, []string{"週", "電力", "鉄道", "Finance", "計"}) {
		t.Errorf("header %v", tb.Header)
	}
	if len(tb.Rows) != 4 || !slices.Equal(tb.Rows[3], []string{"10/26", "4", "0", "2", "6"}) {
		t.Errorf("rows %v", tb.Rows)
	}
	h := golden["hbars"].Table()
	if !slices.Equal(h.Header, []string{"Technique", "Reports"}) || !slices.Equal(h.Rows[0], []string{"T1566 Phishing", "12"}) {
		t.Errorf("hbars table %v", h)
	}
	if h2 := golden["hbars2"].Table(); !slices.Equal(h2.Header, []string{"手法", "報告", "共有", "計"}) || !slices.Equal(h2.Rows[1], []string{"T1190", "1", "4", "5"}) {
		t.Errorf("hbars2 table %v", h2)
	}
	p := golden["percent"].Table()
	if !slices.Equal(p.Rows[0], []string{"APPI", "8 (80%)", "1 (10%)", "1 (10%)", "10"}) {
		t.Errorf("percent table %v", p.Rows)
	}
	if e := (Chart{Kind: Lines, CategoryHeader: "w"}).Table(); len(e.Rows) != 0 || len(e.Header) != 1 {
		t.Errorf("empty table %v", e)
	}
}

func TestShare(t *testing.T) {
	for _, tc := range []struct {
		v, t float64
		want int
	}{{1, 3, 33}, {2, 3, 67}, {0, 0, 0}, {5, 5, 100}} {
		if got := Share(tc.v, tc.t); got != tc.want {
			t.Errorf("Share(%v, %v) = %d, want %d", tc.v, tc.t, got, tc.want)
		}
	}
}

// TestGaps: a line leaves out missing values (no point, no tooltip, the
// line broken) rather than drawing them as 0.
func TestGaps(t *testing.T) {
	c := Chart{ID: "g", Kind: Lines, Title: "t", Categories: []string{"a", "b", "c", "d"},
		Series: []Series{{Label: "own", Values: []float64{1, 2, 3, 4}}, {Label: "sector", Values: []float64{5, 0, 0, 6}, Missing: []bool{false, true, true, false}}}}
	got := string(Render(c))
	wellFormed(t, got)
	if strings.Contains(got, "b sector") || strings.Contains(got, "c sector") || !strings.Contains(got, "<title>d sector: 6</title>") {
		t.Errorf("missing values drawn or present ones left out:\n%s", got)
	}
	if n := strings.Count(got, "<polyline"); n != 3 {
		t.Errorf("%d polylines, want 3 (one, and two runs)", n)
	}
}

func TestFit(t *testing.T) {
	long := "サイバー対処能力強化法に基づく特定侵害事象等の報告"
	if got := fit(long, 100); textWidth(got, fontSize) > 100 || !strings.HasSuffix(got, "…") {
		t.Errorf("fit = %q (%v wide)", got, textWidth(got, fontSize))
	}
	if got := fit("APPI", 100); got != "APPI" {
		t.Errorf("fit shortened %q", got)
	}
	p := string(Render(Chart{Kind: Percent, Categories: []string{long}, Series: []Series{{Label: "a", Values: []float64{1}}}}))
	if !strings.Contains(p, "<title>"+long+": 1</title>") {
		t.Error("the full name is not in the tooltip")
	}
}
