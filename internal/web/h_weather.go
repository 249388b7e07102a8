package web

// Threat weather (脅威予報, issue #7): /weather shows an organisation its
// own weather and its sector's (a big icon with the level's name, the
// reasons, the trend drawn in SVG), and the government every sector and
// organisation as a grid of days, with any one of them in detail.

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sakimori/internal/org"
	"sakimori/internal/weather"
)

// weatherRoutes registers threat weather pages (issue #7).
func (s *server) weatherRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Weather == nil {
		return
	}
	mux.Handle("GET /weather", s.user(s.weatherPage))
	s.feedbackRoutes(mux)
}

// weatherNav adds this file's sections to the navigation.
func (s *server) weatherNav(rq *req, items []navItem) []navItem {
	if s.opt.Weather == nil || len(items) < 2 || rq.P == nil || rq.P.Org == nil {
		return items
	}
	return insertNav(rq, items, navItem{Path: "/weather", Label: "wx.nav"})
}

// ---- drawing -----------------------------------------------------------------------

// wxColours are the colours of the levels (badges, trend line).
var wxColours = map[weather.Level]string{weather.Clear: "#e69b00", weather.Cloudy: "#7b8794", weather.Rain: "#1f6fd1", weather.Storm: "#7a1fa2"}

// wxShapes draws each level's icon in a 64×64 box: a sun, a cloud, a cloud
// with rain, a dark cloud with lightning and rain. Presentation attributes
// only (the CSP allows no inline styles).
var wxShapes = map[weather.Level]string{
	weather.Clear: `<circle cx="32" cy="32" r="13" fill="#f5b400"/>` +
		`<g stroke="#f5b400" stroke-width="4" stroke-linecap="round">` +
		`<line x1="32" y1="4" x2="32" y2="12"/><line x1="32" y1="52" x2="32" y2="60"/><line x1="4" y1="32" x2="12" y2="32"/><line x1="52" y1="32" x2="60" y2="32"/>` +
		`<line x1="12" y1="12" x2="18" y2="18"/><line x1="46" y1="46" x2="52" y2="52"/><line x1="12" y1="52" x2="18" y2="46"/><line x1="46" y1="18" x2="52" y2="12"/></g>`,
	weather.Cloudy: wxCloud("#9aa5b1", 0),
	weather.Rain: wxCloud("#6b7a8a", -6) +
		`<g stroke="#1f6fd1" stroke-width="3.5" stroke-linecap="round"><line x1="22" y1="46" x2="18" y2="58"/><line x1="33" y1="46" x2="29" y2="58"/><line x1="44" y1="46" x2="40" y2="58"/></g>`,
	weather.Storm: wxCloud("#3d4852", -8) +
		`<polygon points="34,38 24,52 31,52 27,63 41,47 34,47 38,38" fill="#f5c400" stroke="#8a6d00" stroke-width="1"/>` +
		`<g stroke="#1f6fd1" stroke-width="3" stroke-linecap="round"><line x1="16" y1="44" x2="13" y2="54"/><line x1="50" y1="44" x2="47" y2="54"/></g>`,
}

// wxCloud is a cloud of colour c moved dy up or down.
func wxCloud(c string, dy int) string {
	return fmt.Sprintf(`<g transform="translate(0 %d)" fill="%s"><circle cx="22" cy="36" r="11"/><circle cx="34" cy="28" r="14"/><circle cx="46" cy="36" r="10"/>`+
		`<rect x="11" y="34" width="46" height="13" rx="6"/></g>`, dy, c)
}

// wxIcon is a level's icon of size px with its name for screen readers.
func wxIcon(l weather.Level, size int, name string) template.HTML {
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 64 64"><title>%s</title>%s</svg>`,
		template.HTMLEscapeString(name), size, size, template.HTMLEscapeString(name), wxShapes[l]))
}

// wxTrend draws the days as a strip: each day's icon, level name and date,
// and a line through the levels below them.
func wxTrend(days []weather.Day, lang, caption string) template.HTML {
	const col, iconSize, h = 84, 44, 150
	w := col * len(days)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="%s" viewBox="0 0 %d %d" width="100%%" height="%d">`,
		template.HTMLEscapeString(caption), w, h, h)
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(caption))
	var pts []string
	for i, d := range days {
		x := i * col
		name := d.Level.Name(lang)
		fmt.Fprintf(&b, `<g><title>%s %s</title><svg x="%d" y="4" width="%d" height="%d" viewBox="0 0 64 64">%s</svg>`,
			d.Date, template.HTMLEscapeString(name), x+(col-iconSize)/2, iconSize, iconSize, wxShapes[d.Level])
		fmt.Fprintf(&b, `<text x="%d" y="66" text-anchor="middle" font-size="13" fill="#1a1f29">%s</text>`, x+col/2, template.HTMLEscapeString(name))
		fmt.Fprintf(&b, `<text x="%d" y="84" text-anchor="middle" font-size="12" fill="#52606d">%s</text></g>`, x+col/2, d.Date[5:])
		pts = append(pts, fmt.Sprintf("%d,%d", x+col/2, 138-int(d.Level)*14))
	}
	fmt.Fprintf(&b, `<line x1="0" y1="139" x2="%d" y2="139" stroke="#cbd2d9" stroke-width="1"/>`, w)
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#0b3d6e" stroke-width="2.5"/>`, strings.Join(pts, " "))
	for i, d := range days {
		fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="4.5" fill="%s"/>`, i*col+col/2, 138-int(d.Level)*14, wxColours[d.Level])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// ---- page ----------------------------------------------------------------------------

type wxReason struct {
	Text     string
	Points   string
	Override bool
}

// wxPanel is one organisation's or sector's weather.
type wxPanel struct {
	ID, Title  string
	Date       string
	Level      weather.Level
	LevelName  string
	AltName    string // the level's name in the other language
	Colour     string
	Icon       template.HTML
	Score      string // "" under the small-count rule
	SmallCount bool
	Reasons    []wxReason
	Trend      template.HTML
}

type wxCell struct {
	Icon  template.HTML
	Label string
	Score string
}

type wxRow struct {
	Name, Link string
	Cells      []wxCell
}

type wxData struct {
	Gov     bool
	Days    int
	Panels  []wxPanel
	Dates   []string
	Sectors []wxRow
	Orgs    []wxRow
	Detail  bool // the government looks at one organisation or sector
}

func (s *server) wxPanel(rq *req, id string, x *weather.Weather) wxPanel {
	other := "en"
	if rq.lang == "en" {
		other = "ja"
	}
	var title string
	if x.Scope == "org" {
		title = x.Org.Name.In(rq.lang)
	} else {
		title = rq.T("wx.sector_title", rq.T("sector."+string(x.Sector)))
	}
	d := x.Today
	p := wxPanel{ID: id, Title: title, Date: d.Date, Level: d.Level, LevelName: d.Level.Name(rq.lang), AltName: d.Level.Name(other),
		Colour: wxColours[d.Level], Icon: wxIcon(d.Level, 128, d.Level.Name(rq.lang)), SmallCount: x.SmallCount,
		Trend: wxTrend(x.Trend, rq.lang, rq.T("wx.trend_caption", len(x.Trend)))}
	if !x.SmallCount {
		p.Score = strconv.FormatFloat(d.Score, 'f', -1, 64)
	}
	for _, r := range d.Reasons {
		wr := wxReason{Text: r.Text.In(rq.lang), Override: r.Input == weather.InputOverride}
		if !x.SmallCount && !wr.Override {
			wr.Points = "+" + strconv.FormatFloat(r.Points, 'f', -1, 64)
		}
		p.Reasons = append(p.Reasons, wr)
	}
	return p
}

func (s *server) weatherPage(w http.ResponseWriter, rq *req) {
	ctx, p := rq.Context(), rq.P
	q := rq.URL.Query()
	d := wxData{Gov: weather.IsGov(p), Days: weather.DefaultDays}
	if v := strings.TrimSpace(q.Get("days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > weather.MaxDays {
			n = weather.DefaultDays
		}
		d.Days = n
	}
	wq := weather.Query{Org: strings.TrimSpace(q.Get("org")), Sector: org.Sector(strings.TrimSpace(q.Get("sector"))), Days: d.Days}
	d.Detail = d.Gov && (wq.Org != "" || wq.Sector != "")
	if !d.Gov || d.Detail {
		r, err := s.opt.Weather.Weather(ctx, p, wq)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		if r.Org != nil {
			d.Panels = append(d.Panels, s.wxPanel(rq, "org", r.Org))
		}
		if r.Sector != nil {
			d.Panels = append(d.Panels, s.wxPanel(rq, "sector", r.Sector))
		}
	}
	if d.Gov && !d.Detail {
		ov, err := s.opt.Weather.Overview(ctx, p, d.Days)
		if err != nil {
			s.errorPage(w, rq, err)
			return
		}
		for _, dt := range ov.Dates {
			d.Dates = append(d.Dates, dt[5:])
		}
		row := func(name, link string, days []weather.Cell) wxRow {
			r := wxRow{Name: name, Link: link}
			for _, c := range days {
				r.Cells = append(r.Cells, wxCell{Icon: wxIcon(c.Level, 28, c.Level.Name(rq.lang)), Label: c.Level.Name(rq.lang),
					Score: strconv.FormatFloat(c.Score, 'f', -1, 64)})
			}
			return r
		}
		for _, r := range ov.Sectors {
			d.Sectors = append(d.Sectors, row(rq.T("sector."+string(r.Sector)), "/weather?"+url.Values{"sector": {string(r.Sector)}}.Encode(), r.Days))
		}
		for _, r := range ov.Orgs {
			d.Orgs = append(d.Orgs, row(r.Org.Name.In(rq.lang), "/weather?"+url.Values{"org": {r.Org.Slug}}.Encode(), r.Days))
		}
	}
	s.render(w, rq, http.StatusOK, "weather", d)
}
