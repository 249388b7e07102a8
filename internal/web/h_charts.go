package web

// Charts (状況図, issue #8): /charts draws the five charts of the stats
// service as server-side SVG (internal/chart), each with its numbers in a
// "show the numbers" table, over a window of 4, 12, 26 or 52 JST weeks.
// Other pages embed one chart with chartHTML (the home page does).

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"sakimori/internal/apperr"
	"sakimori/internal/chart"
	"sakimori/internal/stats"
)

// chartsRoutes registers the charts page.
func (s *server) chartsRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Stats == nil {
		return
	}
	mux.Handle("GET /charts", s.user(s.chartsPage))
}

// chartsNav adds the charts page to the navigation.
func (s *server) chartsNav(rq *req, items []navItem) []navItem {
	if s.opt.Stats == nil || len(items) < 2 || rq.P == nil || rq.P.Org == nil {
		return items
	}
	return insertNav(rq, items, navItem{Path: "/charts", Label: "ch.nav"})
}

// chartColours are the colours of deadline outcomes: met (bluish green),
// late (orange), missed (vermillion), from the Okabe–Ito palette.
var chartColours = map[string]string{"met": "#009E73", "late": "#E69F00", "missed": "#D55E00"}

// The catalogue keys of the charts' labels, spelled out so that a test
// can check each has a translation (charts_test.go).
var (
	chartTitleKeys = map[string]string{stats.Reports: "ch.reports.title", stats.Techniques: "ch.techniques.title",
		stats.Indicators: "ch.indicators.title", stats.Deadlines: "ch.deadlines.title", stats.Sightings: "ch.sightings.title"}
	chartUnitKeys = map[string]string{stats.Reports: "ch.reports.unit", stats.Techniques: "ch.techniques.unit",
		stats.Indicators: "ch.indicators.unit", stats.Deadlines: "ch.deadlines.unit", stats.Sightings: "ch.sightings.unit"}
	// chartDescKeys: chart/scope.
	chartDescKeys = map[string]string{
		"reports/received": "ch.reports.desc.received", "reports/own": "ch.reports.desc.own", "reports/all": "ch.reports.desc.all",
		"techniques/received": "ch.techniques.desc.received", "techniques/own": "ch.techniques.desc.own", "techniques/all": "ch.techniques.desc.all",
		"indicators/entitled": "ch.indicators.desc.entitled",
		"deadlines/received":  "ch.deadlines.desc.received", "deadlines/own": "ch.deadlines.desc.own", "deadlines/all": "ch.deadlines.desc.all",
		"sightings/all": "ch.sightings.desc.all", "sightings/own": "ch.sightings.desc.own", "sightings/own+sector": "ch.sightings.desc.own_sector"}
	chartScopeKeys = map[string]string{"received": "ch.scope.received", "own": "ch.scope.own", "all": "ch.scope.all",
		"entitled": "ch.scope.entitled", "own+sector": "ch.scope.own_sector"}
	chartTypeKeys = map[string]string{"ipv4": "ch.type.ipv4", "ipv6": "ch.type.ipv6", "domain": "ch.type.domain", "url": "ch.type.url",
		"email": "ch.type.email", "hash": "ch.type.hash"}
	chartSightingKeys = map[string]string{"own": "ch.sightings.own", "sector": "ch.sightings.sector", "all": "ch.sightings.all"}
	chartDeadlineKeys = map[string]string{"met": "ch.deadlines.met", "late": "ch.deadlines.late", "missed": "ch.deadlines.missed"}
)

// tr translates keys[k], or shows k itself when there is no key.
func tr(rq *req, keys map[string]string, k string) string {
	if key, ok := keys[k]; ok {
		return rq.T(key)
	}
	return k
}

// chartOf turns a chart's numbers into a drawing with labels in the
// reader's language.
func chartOf(rq *req, st *stats.Stats) chart.Chart {
	weeks := make([]string, len(st.Weeks))
	for i, w := range st.Weeks {
		weeks[i] = weekLabel(w)
	}
	c := chart.Chart{ID: "chart-" + st.Chart, Title: tr(rq, chartTitleKeys, st.Chart), Desc: tr(rq, chartDescKeys, st.Chart+"/"+st.Scope),
		Categories: weeks, CategoryHeader: rq.T("ch.week"), TotalHeader: rq.T("ch.total"), Unit: tr(rq, chartUnitKeys, st.Chart), Empty: rq.T("ch.empty")}
	switch st.Chart {
	case stats.Reports:
		c.Kind = chart.StackedBars
		for _, sr := range st.Series {
			label := rq.T("ch.sector.none")
			if sr.Key != "" {
				label = rq.T("sector." + sr.Key)
			}
			c.Series = append(c.Series, chart.Series{Key: sr.Key, Label: label, Values: floats(sr.Values)})
		}
	case stats.Indicators:
		c.Kind = chart.StackedBars
		for _, sr := range st.Series {
			c.Series = append(c.Series, chart.Series{Key: sr.Key, Label: tr(rq, chartTypeKeys, sr.Key), Values: floats(sr.Values)})
		}
	case stats.Sightings:
		c.Kind = chart.Lines
		c.TotalHeader = ""
		for _, sr := range st.Series {
			c.Series = append(c.Series, chart.Series{Key: sr.Key, Label: tr(rq, chartSightingKeys, sr.Key), Values: floats(sr.Values), Missing: sr.Suppressed})
		}
	case stats.Techniques:
		c.Kind = chart.HBars
		c.Categories, c.CategoryHeader, c.ValueHeader = nil, rq.T("ch.technique"), rq.T("ch.reports_col")
		var reports, shared []float64
		anyShared := false
		for _, r := range st.Ranking {
			c.Categories = append(c.Categories, attackLabel(r.Key))
			reports, shared = append(reports, float64(r.N)), append(shared, float64(r.Shared))
			anyShared = anyShared || r.Shared > 0
		}
		c.Series = []chart.Series{{Key: "reports", Label: rq.T("ch.reports_col"), Values: reports}}
		if anyShared {
			c.Series = append(c.Series, chart.Series{Key: "shared", Label: rq.T("ch.shared_col"), Values: shared})
		}
	case stats.Deadlines:
		c.Kind = chart.Percent
		c.Categories, c.CategoryHeader = nil, rq.T("ch.regime")
		var met, late, missed []float64
		for _, r := range st.Compliance {
			name := r.Name.JA
			if rq.lang == "en" || name == "" {
				name = r.Name.EN
			}
			if name == "" {
				name = r.Regime
			}
			c.Categories = append(c.Categories, name)
			m, l, x := r.Totals()
			met, late, missed = append(met, float64(m)), append(late, float64(l)), append(missed, float64(x))
		}
		for _, k := range []struct {
			key  string
			vals []float64
		}{{"met", met}, {"late", late}, {"missed", missed}} {
			c.Series = append(c.Series, chart.Series{Key: k.key, Label: tr(rq, chartDeadlineKeys, k.key), Values: k.vals, Colour: chartColours[k.key]})
		}
	}
	return c
}

// deadlineTable gives the deadlines week by week: a row per regime and
// week with any deadline, then the regime's total.
func deadlineTable(rq *req, st *stats.Stats, c chart.Chart) chart.Table {
	t := chart.Table{Header: []string{rq.T("ch.regime"), rq.T("ch.week"), rq.T("ch.deadlines.met"), rq.T("ch.deadlines.late"), rq.T("ch.deadlines.missed"), rq.T("ch.share_met")}}
	row := func(name, week string, m, l, x int64) []string {
		share := "—"
		if m+l+x > 0 {
			share = strconv.Itoa(chart.Share(float64(m), float64(m+l+x))) + "%"
		}
		return []string{name, week, strconv.FormatInt(m, 10), strconv.FormatInt(l, 10), strconv.FormatInt(x, 10), share}
	}
	for i, r := range st.Compliance {
		for w := range st.Weeks {
			if r.Met[w]+r.Late[w]+r.Missed[w] > 0 {
				t.Rows = append(t.Rows, row(c.Categories[i], weekLabel(st.Weeks[w]), r.Met[w], r.Late[w], r.Missed[w]))
			}
		}
		m, l, x := r.Totals()
		t.Rows = append(t.Rows, row(c.Categories[i], rq.T("ch.total"), m, l, x))
	}
	return t
}

// weekLabel is a week's first day as 11/23.
func weekLabel(day string) string {
	if len(day) < 10 {
		return day
	}
	return strings.ReplaceAll(strings.TrimLeft(day[5:], "0"), "-", "/")
}

// attackNames are the names of common ATT&CK Enterprise techniques (MITRE
// publishes them in English only), for the techniques chart's labels.
var attackNames = map[string]string{
	"T1001": "Data Obfuscation", "T1003": "OS Credential Dumping", "T1005": "Data from Local System", "T1021": "Remote Services",
	"T1027": "Obfuscated Files or Information", "T1036": "Masquerading", "T1041": "Exfiltration Over C2 Channel",
	"T1046": "Network Service Discovery", "T1047": "Windows Management Instrumentation", "T1053": "Scheduled Task/Job",
	"T1055": "Process Injection", "T1059": "Command and Scripting Interpreter", "T1068": "Exploitation for Privilege Escalation",
	"T1071": "Application Layer Protocol", "T1078": "Valid Accounts", "T1082": "System Information Discovery",
	"T1083": "File and Directory Discovery", "T1105": "Ingress Tool Transfer", "T1110": "Brute Force",
	"T1133": "External Remote Services", "T1189": "Drive-by Compromise", "T1190": "Exploit Public-Facing Application",
	"T1195": "Supply Chain Compromise", "T1199": "Trusted Relationship", "T1203": "Exploitation for Client Execution",
	"T1204": "User Execution", "T1210": "Exploitation of Remote Services", "T1486": "Data Encrypted for Impact",
	"T1489": "Service Stop", "T1490": "Inhibit System Recovery", "T1498": "Network Denial of Service",
	"T1499": "Endpoint Denial of Service", "T1505": "Server Software Component", "T1543": "Create or Modify System Process",
	"T1547": "Boot or Logon Autostart Execution", "T1548": "Abuse Elevation Control Mechanism", "T1562": "Impair Defenses",
	"T1566": "Phishing", "T1567": "Exfiltration Over Web Service", "T1570": "Lateral Tool Transfer", "T1571": "Non-Standard Port",
	"T1572": "Protocol Tunneling", "T1583": "Acquire Infrastructure", "T1588": "Obtain Capabilities", "T1595": "Active Scanning",
}

// attackLabel is a technique's id with its name when known (a
// sub-technique with its parent's): "T1566 Phishing", "T1566.001 (Phishing)".
func attackLabel(id string) string {
	parent, sub, _ := strings.Cut(id, ".")
	name, ok := attackNames[parent]
	switch {
	case !ok:
		return id
	case sub != "":
		return id + " (" + name + ")"
	}
	return id + " " + name
}

func floats(v []int64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// chartView is one chart on a page.
type chartView struct {
	Name, Title string
	Scope       string // who the numbers are about
	SVG         template.HTML
	Table       chart.Table
	Note        string // the small-count rule, etc.
	Unavailable string // why the chart is not shown
}

func (s *server) chartView(rq *req, name string, weeks int) (chartView, error) {
	v := chartView{Name: name, Title: tr(rq, chartTitleKeys, name)}
	st, err := s.opt.Stats.Get(rq.Context(), rq.P, name, weeks)
	if err != nil {
		if apperr.CodeOf(err) == apperr.CodeForbidden {
			v.Unavailable = rq.T("ch.unavailable")
			return v, nil
		}
		return v, err
	}
	c := chartOf(rq, st)
	v.Scope = tr(rq, chartScopeKeys, st.Scope)
	v.SVG = chart.Render(c)
	v.Table = c.Table()
	if st.Chart == stats.Deadlines {
		v.Table = deadlineTable(rq, st, c)
	}
	for j, sr := range st.Series {
		for i, sup := range sr.Suppressed {
			if sup && i < len(v.Table.Rows) && j+1 < len(v.Table.Rows[i]) {
				v.Table.Rows[i][j+1] = rq.T("ch.suppressed")
				v.Note = rq.T("ch.small_count", stats.SmallCount)
			}
		}
	}
	return v, nil
}

// chartFigure draws one chart with its numbers (the page's and the
// embedded form).
var chartFigure = template.Must(template.New("chart").Parse(`<figure class="chart-figure" id="chart-{{.V.Name}}" aria-labelledby="chart-{{.V.Name}}-cap">
<figcaption id="chart-{{.V.Name}}-cap"><strong>{{.V.Title}}</strong>{{with .V.Scope}} <span class="muted">{{.}}</span>{{end}}</figcaption>
{{- if .V.Unavailable}}<p class="muted">{{.V.Unavailable}}</p>{{else}}
<div class="chart-svg" tabindex="0">{{.V.SVG}}</div>
{{- with .V.Note}}<p class="help">{{.}}</p>{{end}}
<details class="chart-numbers"><summary>{{.Show}}</summary>
<div class="table-wrap"><table>
<thead><tr>{{range .V.Table.Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .V.Table.Rows}}<tr>{{range $i, $c := .}}{{if eq $i 0}}<th scope="row">{{$c}}</th>{{else}}<td class="num">{{$c}}</td>{{end}}{{end}}</tr>{{else}}<tr><td colspan="{{len .V.Table.Header}}">{{.Empty}}</td></tr>{{end}}</tbody>
</table></div></details>
{{- end}}
</figure>`))

func (s *server) figure(rq *req, v chartView) (template.HTML, error) {
	var b bytes.Buffer
	if err := chartFigure.Execute(&b, map[string]any{"V": v, "Show": rq.T("ch.show_numbers"), "Empty": rq.T("ch.empty")}); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// chartHTML draws chart name (stats.Reports, stats.Techniques,
// stats.Indicators, stats.Deadlines, stats.Sightings) over weeks (0: the
// default, 12) as the principal may see it: a <figure> with the SVG, its
// caption and a "show the numbers" table. Other pages embed it with
// {{.Chart}} (template.HTML). A chart the principal may not see comes back
// as a short note, not an error.
func (s *server) chartHTML(rq *req, name string, weeks int) (template.HTML, error) {
	if s.opt.Stats == nil {
		return "", nil
	}
	v, err := s.chartView(rq, name, weeks)
	if err != nil {
		return "", err
	}
	return s.figure(rq, v)
}

type chartsWindow struct {
	Weeks   int
	Label   string
	Current bool
}

type chartsData struct {
	Weeks   int
	Windows []chartsWindow
	Charts  []template.HTML
}

func (s *server) chartsPage(w http.ResponseWriter, rq *req) {
	d := chartsData{Weeks: stats.DefaultWeeks}
	if n, err := strconv.Atoi(rq.URL.Query().Get("weeks")); err == nil && slices.Contains(stats.Windows, n) {
		d.Weeks = n
	}
	for _, n := range stats.Windows {
		d.Windows = append(d.Windows, chartsWindow{Weeks: n, Label: rq.T("ch.window", n), Current: n == d.Weeks})
	}
	// The charts are counted at once (each is a read of its own: on a
	// year of a large platform's data the slowest takes about a second,
	// and the page waits for the slowest instead of the sum).
	d.Charts = make([]template.HTML, len(stats.Charts))
	errs := make([]error, len(stats.Charts))
	var wg sync.WaitGroup
	for i, name := range stats.Charts {
		wg.Go(func() { d.Charts[i], errs[i] = s.chartHTML(rq, name, d.Weeks) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		s.errorPage(w, rq, err)
		return
	}
	s.render(w, rq, http.StatusOK, "charts", d)
}
