// Package chart draws small, accessible charts as server-side SVG (no
// JavaScript, no dependencies): stacked bars over weeks, ranked horizontal
// bars, lines over time and percentage (compliance) bars.
//
// Every chart scales to its container (viewBox, width 100%), is an image
// with a <title> and <desc> for screen readers, gives every bar and point
// its own <title> tooltip, draws numbers on a nice-tick axis, and takes its
// colours from the Okabe–Ito colour-blind-safe palette with a fill pattern
// or marker shape per series, so colour is never the only cue. All text is
// the caller's (Japanese or English) and is escaped. Table gives the same
// numbers as a table, for a "show the numbers" disclosure.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the shape of a chart.
type Kind string

const (
	// StackedBars: one vertical bar per category (e.g. week), stacked by
	// series, with a legend.
	StackedBars Kind = "stacked"
	// HBars: ranked horizontal bars, one per category, stacked by series
	// (with a legend when there are several).
	HBars Kind = "hbars"
	// Lines: one line per series over the categories, a marker per point.
	Lines Kind = "lines"
	// Percent: one horizontal 100% bar per category, split by series
	// (e.g. met / late / missed), with each part's share.
	Percent Kind = "percent"
)

// Series is one named row of values, one per category.
type Series struct {
	Key    string    // stable identifier (not shown)
	Label  string    // shown in the legend, tooltips and the table
	Values []float64 // one per category; missing values are 0
	// Colour overrides the palette (a CSS colour such as "#009E73"); use
	// it for meaning-bearing series (met / late / missed).
	Colour string
	// Missing marks values withheld (e.g. by a small-count rule): Lines
	// leaves a gap there instead of drawing 0.
	Missing []bool
}

func (s Series) missing(i int) bool { return i < len(s.Missing) && s.Missing[i] }

// Chart is what to draw. Labels are given in the reader's language.
type Chart struct {
	// ID prefixes the element ids inside the SVG (patterns), so several
	// charts can share a page. Letters, digits, '-' and '_' are kept.
	ID    string
	Kind  Kind
	Title string // the image's accessible name
	Desc  string // a sentence describing the chart
	// Categories label the x axis (StackedBars, Lines) or the rows
	// (HBars, Percent).
	Categories []string
	Series     []Series
	// CategoryHeader and ValueHeader head the table's first column and
	// (HBars) its value column; TotalHeader, when set, adds a total column
	// (StackedBars, Lines, Percent).
	CategoryHeader, ValueHeader, TotalHeader string
	// Unit follows numbers in tooltips (e.g. "件", " reports").
	Unit string
	// Empty is shown when there is nothing to draw.
	Empty string
}

// Palette is the Okabe–Ito palette, ordered so neighbours differ in
// lightness as well as hue; each has at least 3:1 contrast on white except
// the yellow, which is used last and always with a pattern and outline.
var Palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"}

// Width and sizes of the drawing, in viewBox units.
const (
	width    = 640
	fontSize = 13
)

// Render draws the chart.
func Render(c Chart) template.HTML {
	switch c.Kind {
	case HBars:
		return hbars(c)
	case Lines:
		return lines(c)
	case Percent:
		return percent(c)
	default:
		return stacked(c)
	}
}

// esc escapes text for SVG (XML) content and attributes.
func esc(s string) string { return template.HTMLEscapeString(s) }

// safeID keeps the characters allowed in an id.
func safeID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "chart"
	}
	return b.String()
}

// textWidth estimates the width of s at fontSize: wide (CJK) runes take a
// full em, others about 0.6 em.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 {
			w += size
		} else {
			w += size * 0.6
		}
	}
	return w
}

// fit shortens s with an ellipsis to at most w wide.
func fit(s string, w float64) string {
	for textWidth(s, fontSize) > w && utf8.RuneCountInString(s) > 2 {
		r := []rune(strings.TrimSuffix(s, "…"))
		s = string(r[:len(r)-1]) + "…"
	}
	return s
}

// num formats a value: integers without decimals, else one decimal.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// tickLabel formats an axis value compactly (1200 → 1.2k, 3000000 → 3M).
func tickLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trimZero(strconv.FormatFloat(v/1e9, 'f', 1, 64)) + "G"
	case a >= 1e6:
		return trimZero(strconv.FormatFloat(v/1e6, 'f', 1, 64)) + "M"
	case a >= 1e4:
		return trimZero(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	}
	return trimZero(strconv.FormatFloat(v, 'f', 2, 64))
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Ticks returns nice axis ticks from 0 to at least max: about n steps of
// 1, 2 or 5 times a power of ten (whole numbers when max ≥ 1). An empty or
// non-positive max gives 0 and 1.
func Ticks(max float64, n int) []float64 {
	if n < 1 {
		n = 1
	}
	if !(max > 0) || math.IsInf(max, 0) || math.IsNaN(max) {
		return []float64{0, 1}
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if max >= 1 && step < 1 {
		step = 1
	}
	top := math.Ceil(max/step-1e-9) * step
	var out []float64
	for i := 0; ; i++ {
		v := float64(i) * step
		if v > top+step/2 || i > 1000 {
			break
		}
		out = append(out, math.Round(v*1e9)/1e9)
	}
	return out
}

// value returns series s's value at category i (0 when missing).
func value(s Series, i int) float64 {
	if i < len(s.Values) && !math.IsNaN(s.Values[i]) && !math.IsInf(s.Values[i], 0) && s.Values[i] > 0 {
		return s.Values[i]
	}
	return 0
}

func (c Chart) colour(i int) string {
	if i < len(c.Series) && c.Series[i].Colour != "" {
		return c.Series[i].Colour
	}
	return Palette[i%len(Palette)]
}

// total is the sum of every series at category i.
func (c Chart) total(i int) float64 {
	t := 0.0
	for _, s := range c.Series {
		t += value(s, i)
	}
	return t
}

// empty reports whether there is nothing to draw.
func (c Chart) empty() bool {
	for i := range c.Categories {
		if c.total(i) > 0 {
			return false
		}
	}
	return true
}

// open starts the SVG with its accessible name and description.
func (c Chart) open(b *strings.Builder, h float64) {
	id := safeID(c.ID)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-%s" role="img" aria-labelledby="%s-t %s-d" viewBox="0 0 %d %s" width="100%%" preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" font-size="%d">`,
		c.Kind, id, id, width, f(h), fontSize)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(c.Title), id, esc(c.Desc))
	c.patterns(b)
}

// patterns defines a fill pattern per series: series 0 solid, the others
// hatched, dotted or crossed over their colour.
func (c Chart) patterns(b *strings.Builder) {
	if len(c.Series) < 2 {
		return
	}
	id := safeID(c.ID)
	b.WriteString("<defs>")
	for i := range c.Series {
		col := c.colour(i)
		fmt.Fprintf(b, `<pattern id="%s-p%d" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" fill="%s"/>%s</pattern>`,
			id, i, col, patternMark(i))
	}
	b.WriteString("</defs>")
}

// patternMark is the texture of series i (white over the colour).
func patternMark(i int) string {
	switch i % 6 {
	case 1:
		return `<path d="M-2 10 L10 -2 M-2 2 L2 -2 M6 10 L10 6" stroke="#fff" stroke-width="1.6"/>`
	case 2:
		return `<circle cx="4" cy="4" r="1.6" fill="#fff"/>`
	case 3:
		return `<path d="M0 4 H8 M4 0 V8" stroke="#fff" stroke-width="1.4"/>`
	case 4:
		return `<path d="M-2 -2 L10 10 M6 -2 L10 2 M-2 6 L2 10" stroke="#fff" stroke-width="1.6"/>`
	case 5:
		return `<path d="M0 2 H8 M0 6 H8" stroke="#fff" stroke-width="1.2"/>`
	}
	return ""
}

// fill is the fill of series i: its pattern (or colour, alone).
func (c Chart) fill(i int) string {
	if len(c.Series) < 2 {
		return c.colour(i)
	}
	return fmt.Sprintf("url(#%s-p%d)", safeID(c.ID), i)
}

// f formats a coordinate.
func f(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// emptyChart draws a frame with the Empty message.
func (c Chart) emptyChart() template.HTML {
	var b strings.Builder
	c.Series = nil
	c.open(&b, 80)
	fmt.Fprintf(&b, `<rect x="0.5" y="0.5" width="%d" height="79" fill="none" stroke="#d3d9e1" rx="6"/>`, width-1)
	fmt.Fprintf(&b, `<text x="%d" y="45" text-anchor="middle" fill="#4a5566">%s</text></svg>`, width/2, esc(c.Empty))
	return template.HTML(b.String())
}

// legend draws the series' swatches from y, wrapping; it returns the
// height used.
func (c Chart) legend(b *strings.Builder, y float64, marker bool) float64 {
	if len(c.Series) < 2 && !marker {
		return 0
	}
	x, row := 8.0, 0.0
	b.WriteString(`<g class="legend">`)
	for i, s := range c.Series {
		w := 22 + textWidth(s.Label, fontSize) + 16
		if x+w > width && x > 8 {
			x, row = 8, row+20
		}
		if marker {
			fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2.5"%s/>`, f(x), f(y+row+7), f(x+16), f(y+row+7), c.colour(i), dash(i))
			b.WriteString(markerShape(i, x+8, y+row+7, c.colour(i)))
		} else {
			fmt.Fprintf(b, `<rect x="%s" y="%s" width="14" height="14" fill="%s" stroke="#1a1f29" stroke-width="0.5"/>`, f(x), f(y+row), c.fill(i))
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" fill="#1a1f29">%s</text>`, f(x+22), f(y+row+11), esc(s.Label))
		x += w
	}
	b.WriteString(`</g>`)
	return row + 24
}

// axis draws the y axis's grid lines and numbers over [top, top+h] for
// ticks, at the left margin m.
func axis(b *strings.Builder, ticks []float64, m, top, h float64) {
	max := ticks[len(ticks)-1]
	b.WriteString(`<g class="axis">`)
	for _, t := range ticks {
		y := top + h - t/max*h
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%d" y2="%s" stroke="%s" stroke-width="1"/>`, f(m), f(y), width-8, f(y), map[bool]string{true: "#5f6b7c", false: "#e4e8ee"}[t == 0])
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="end" fill="#4a5566">%s</text>`, f(m-6), f(y+4), tickLabel(t))
	}
	b.WriteString(`</g>`)
}

// xLabels draws category labels under columns centred at x(i), every
// step-th one so they do not overlap.
func (c Chart) xLabels(b *strings.Builder, x func(int) float64, slot, y float64) {
	widest := 0.0
	for _, l := range c.Categories {
		widest = math.Max(widest, textWidth(l, fontSize-1))
	}
	step := max(1, int(math.Ceil((widest+6)/slot)))
	b.WriteString(`<g class="xlabels">`)
	for i, l := range c.Categories {
		if i%step != 0 {
			continue
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="%d" fill="#4a5566">%s</text>`, f(x(i)), f(y), fontSize-1, esc(l))
	}
	b.WriteString(`</g>`)
}

func (c Chart) leftMargin(ticks []float64) float64 {
	w := 0.0
	for _, t := range ticks {
		w = math.Max(w, textWidth(tickLabel(t), fontSize))
	}
	return math.Max(28, w+12)
}

func stacked(c Chart) template.HTML {
	if len(c.Categories) == 0 || c.empty() {
		return c.emptyChart()
	}
	top := 0.0
	for i := range c.Categories {
		top = math.Max(top, c.total(i))
	}
	ticks := Ticks(top, 4)
	m := c.leftMargin(ticks)
	const plotTop, plotH = 10.0, 180.0
	slot := (width - 8 - m) / float64(len(c.Categories))
	bw := math.Max(1, math.Min(slot*0.7, 48))
	x := func(i int) float64 { return m + slot*float64(i) + slot/2 }
	var b strings.Builder
	var body strings.Builder
	axis(&body, ticks, m, plotTop, plotH)
	scale := plotH / ticks[len(ticks)-1]
	body.WriteString(`<g class="bars">`)
	for i, cat := range c.Categories {
		y := plotTop + plotH
		fmt.Fprintf(&body, `<g><title>%s: %s%s</title>`, esc(cat), num(c.total(i)), esc(c.Unit))
		for j, s := range c.Series {
			v := value(s, i)
			if v == 0 {
				continue
			}
			h := v * scale
			y -= h
			fmt.Fprintf(&body, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff" stroke-width="0.5"><title>%s %s: %s%s</title></rect>`,
				f(x(i)-bw/2), f(y), f(bw), f(h), c.fill(j), esc(cat), esc(s.Label), num(v), esc(c.Unit))
		}
		body.WriteString(`</g>`)
	}
	body.WriteString(`</g>`)
	c.xLabels(&body, x, slot, plotTop+plotH+16)
	lh := c.legend(&body, plotTop+plotH+28, false)
	c.open(&b, plotTop+plotH+28+lh)
	b.WriteString(body.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func hbars(c Chart) template.HTML {
	if len(c.Categories) == 0 || len(c.Series) == 0 || c.empty() {
		return c.emptyChart()
	}
	top := 0.0
	labelW := 0.0
	for i, l := range c.Categories {
		top = math.Max(top, c.total(i))
		labelW = math.Max(labelW, textWidth(l, fontSize))
	}
	labelW = math.Min(labelW+8, width*0.4)
	ticks := Ticks(top, 4)
	const rowH, barH, plotTop = 24.0, 16.0, 4.0
	right := 8.0 + textWidth(tickLabel(ticks[len(ticks)-1])+c.Unit, fontSize)
	plotW := width - labelW - right
	scale := plotW / ticks[len(ticks)-1]
	h := plotTop + rowH*float64(len(c.Categories)) + 22
	var body strings.Builder
	body.WriteString(`<g class="axis">`)
	for _, t := range ticks {
		x := labelW + t*scale
		fmt.Fprintf(&body, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, f(x), f(plotTop), f(x), f(h-18), map[bool]string{true: "#5f6b7c", false: "#e4e8ee"}[t == 0])
		fmt.Fprintf(&body, `<text x="%s" y="%s" text-anchor="middle" font-size="%d" fill="#4a5566">%s</text>`, f(x), f(h-4), fontSize-1, tickLabel(t))
	}
	body.WriteString(`</g><g class="bars">`)
	for i, l := range c.Categories {
		t := c.total(i)
		y := plotTop + rowH*float64(i)
		fmt.Fprintf(&body, `<g><title>%s: %s%s</title><text x="%s" y="%s" text-anchor="end" fill="#1a1f29">%s</text>`, esc(l), num(t), esc(c.Unit), f(labelW-6), f(y+rowH/2+4), esc(fit(l, labelW-8)))
		x := labelW
		for j, s := range c.Series {
			v := value(s, i)
			if v == 0 {
				continue
			}
			fmt.Fprintf(&body, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff" stroke-width="0.5"><title>%s %s: %s%s</title></rect>`,
				f(x), f(y+(rowH-barH)/2), f(v*scale), f(barH), c.fill(j), esc(l), esc(s.Label), num(v), esc(c.Unit))
			x += v * scale
		}
		fmt.Fprintf(&body, `<text x="%s" y="%s" fill="#1a1f29">%s</text></g>`, f(x+4), f(y+rowH/2+4), num(t))
	}
	body.WriteString(`</g>`)
	lh := c.legend(&body, h+4, false)
	var b strings.Builder
	c.open(&b, h+4+lh)
	b.WriteString(body.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// dash is series i's line style: solid, dashed, dotted...
func dash(i int) string {
	switch i % 4 {
	case 1:
		return ` stroke-dasharray="6 3"`
	case 2:
		return ` stroke-dasharray="2 3"`
	case 3:
		return ` stroke-dasharray="8 3 2 3"`
	}
	return ""
}

// markerShape is series i's point marker: circle, square, triangle,
// diamond.
func markerShape(i int, x, y float64, col string) string {
	switch i % 4 {
	case 1:
		return fmt.Sprintf(`<rect x="%s" y="%s" width="7" height="7" fill="%s"/>`, f(x-3.5), f(y-3.5), col)
	case 2:
		return fmt.Sprintf(`<path d="M%s %sL%s %sL%s %sZ" fill="%s"/>`, f(x), f(y-4.5), f(x+4.5), f(y+3.5), f(x-4.5), f(y+3.5), col)
	case 3:
		return fmt.Sprintf(`<path d="M%s %sL%s %sL%s %sL%s %sZ" fill="%s"/>`, f(x), f(y-4.5), f(x+4.5), f(y), f(x), f(y+4.5), f(x-4.5), f(y), col)
	}
	return fmt.Sprintf(`<circle cx="%s" cy="%s" r="3.8" fill="%s"/>`, f(x), f(y), col)
}

func lines(c Chart) template.HTML {
	if len(c.Categories) == 0 || c.empty() {
		return c.emptyChart()
	}
	top := 0.0
	for _, s := range c.Series {
		for i := range c.Categories {
			top = math.Max(top, value(s, i))
		}
	}
	ticks := Ticks(top, 4)
	m := c.leftMargin(ticks)
	const plotTop, plotH = 10.0, 180.0
	slot := (width - 8 - m) / float64(len(c.Categories))
	x := func(i int) float64 { return m + slot*float64(i) + slot/2 }
	scale := plotH / ticks[len(ticks)-1]
	y := func(v float64) float64 { return plotTop + plotH - v*scale }
	var body strings.Builder
	axis(&body, ticks, m, plotTop, plotH)
	for j, s := range c.Series {
		col := c.colour(j)
		// Runs of points not missing, each drawn as one polyline.
		var runs [][]string
		var pts []string
		for i := range c.Categories {
			if s.missing(i) {
				if len(pts) > 0 {
					runs, pts = append(runs, pts), nil
				}
				continue
			}
			pts = append(pts, f(x(i))+","+f(y(value(s, i))))
		}
		if len(pts) > 0 {
			runs = append(runs, pts)
		}
		if j == 0 && len(c.Series) == 1 && len(runs) == 1 && len(runs[0]) == len(c.Categories) {
			fmt.Fprintf(&body, `<polygon points="%s,%s %s %s,%s" fill="%s" fill-opacity="0.15"/>`, f(x(0)), f(y(0)), strings.Join(pts, " "), f(x(len(c.Categories)-1)), f(y(0)), col)
		}
		body.WriteString(`<g class="series">`)
		for _, r := range runs {
			fmt.Fprintf(&body, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"%s/>`, strings.Join(r, " "), col, dash(j))
		}
		for i, cat := range c.Categories {
			if s.missing(i) {
				continue
			}
			v := value(s, i)
			fmt.Fprintf(&body, `<g><title>%s %s: %s%s</title>%s</g>`, esc(cat), esc(s.Label), num(v), esc(c.Unit), markerShape(j, x(i), y(v), col))
		}
		body.WriteString(`</g>`)
	}
	c.xLabels(&body, x, slot, plotTop+plotH+16)
	lh := 0.0
	if len(c.Series) > 1 {
		lh = c.legend(&body, plotTop+plotH+28, true)
	}
	var b strings.Builder
	c.open(&b, plotTop+plotH+28+lh)
	b.WriteString(body.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Share returns v's share of total in percent, rounded to a whole number
// (0 when total is 0).
func Share(v, total float64) int {
	if total <= 0 {
		return 0
	}
	return int(math.Round(v / total * 100))
}

func percent(c Chart) template.HTML {
	if len(c.Categories) == 0 || c.empty() {
		return c.emptyChart()
	}
	labelW := 0.0
	for _, l := range c.Categories {
		labelW = math.Max(labelW, textWidth(l, fontSize))
	}
	labelW = math.Min(labelW+8, width*0.35)
	const rowH, barH, plotTop = 30.0, 20.0, 4.0
	plotW := width - labelW - 8
	var body strings.Builder
	body.WriteString(`<g class="bars">`)
	for i, cat := range c.Categories {
		t := c.total(i)
		y := plotTop + rowH*float64(i)
		fmt.Fprintf(&body, `<g><title>%s: %s%s</title><text x="%s" y="%s" text-anchor="end" fill="#1a1f29">%s</text>`, esc(cat), num(t), esc(c.Unit), f(labelW-6), f(y+rowH/2+4), esc(fit(cat, labelW-8)))
		x := labelW
		for j, s := range c.Series {
			v := value(s, i)
			if v == 0 || t == 0 {
				continue
			}
			w := v / t * plotW
			p := Share(v, t)
			fmt.Fprintf(&body, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#fff" stroke-width="0.5"><title>%s %s: %s%s (%d%%)</title></rect>`,
				f(x), f(y+(rowH-barH)/2), f(w), f(barH), c.fill(j), esc(cat), esc(s.Label), num(v), esc(c.Unit), p)
			if label := strconv.Itoa(p) + "%"; w > textWidth(label, fontSize)+8 {
				fmt.Fprintf(&body, `<text x="%s" y="%s" text-anchor="middle" fill="#fff" stroke="#1a1f29" stroke-width="2.5" paint-order="stroke" font-weight="bold">%s</text>`, f(x+w/2), f(y+rowH/2+4), label)
			}
			x += w
		}
		body.WriteString(`</g>`)
	}
	body.WriteString(`</g>`)
	h := plotTop + rowH*float64(len(c.Categories)) + 8
	lh := c.legend(&body, h, false)
	var b strings.Builder
	c.open(&b, h+lh)
	b.WriteString(body.String())
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Table is a chart's numbers: a header row and one row per category.
type Table struct {
	Header []string
	Rows   [][]string
}

// Table returns the chart's numbers as a table (Percent: counts with each
// part's share in brackets).
func (c Chart) Table() Table {
	t := Table{Header: []string{c.CategoryHeader}}
	if c.Kind == HBars && len(c.Series) < 2 {
		t.Header = append(t.Header, c.ValueHeader)
		for i, cat := range c.Categories {
			v := 0.0
			if len(c.Series) > 0 {
				v = value(c.Series[0], i)
			}
			t.Rows = append(t.Rows, []string{cat, num(v)})
		}
		return t
	}
	for _, s := range c.Series {
		t.Header = append(t.Header, s.Label)
	}
	if c.TotalHeader != "" {
		t.Header = append(t.Header, c.TotalHeader)
	}
	for i, cat := range c.Categories {
		row := []string{cat}
		tot := c.total(i)
		for _, s := range c.Series {
			v := value(s, i)
			cell := num(v)
			if c.Kind == Percent && tot > 0 {
				cell += " (" + strconv.Itoa(Share(v, tot)) + "%)"
			}
			row = append(row, cell)
		}
		if c.TotalHeader != "" {
			row = append(row, num(tot))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
