package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestContrast checks the dashboard's colours against WCAG 2.2 AA: text
// needs a contrast ratio of at least 4.5:1 with its background. It checks
// the pairs the layout puts together (text on the page, on cards, in the
// header and navigation) and every CSS rule that sets both a text colour
// and a background colour, in every stylesheet the dashboard serves.
func TestContrast(t *testing.T) {
	css, _, err := stylesheet()
	if err != nil {
		t.Fatal(err)
	}
	src := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(string(css), "")
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(--[a-z-]+)\s*:\s*([^;]+);`).FindAllStringSubmatch(src, -1) {
		vars[m[1]] = strings.TrimSpace(m[2])
	}
	resolve := func(v string) (rgb [3]float64, ok bool) {
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		for i := 0; i < 5 && strings.HasPrefix(v, "var("); i++ {
			v = vars[strings.TrimSuffix(strings.TrimPrefix(v, "var("), ")")]
		}
		return parseHex(v)
	}
	pairs := []struct{ what, fg, bg string }{
		{"text on the page", "var(--fg)", "var(--bg)"},
		{"text on a card", "var(--fg)", "var(--card)"},
		{"muted text on the page", "var(--muted)", "var(--bg)"},
		{"muted text on a card", "var(--muted)", "var(--card)"},
		{"a link on the page", "var(--link)", "var(--bg)"},
		{"a link on a card", "var(--link)", "var(--card)"},
		{"the header", "#ffffff", "var(--brand)"},
		{"the header, hovered", "#ffffff", "var(--brand-dark)"},
		{"a brand heading on a card", "var(--brand)", "var(--card)"},
		{"good news", "var(--ok)", "var(--ok-bg)"},
		{"bad news", "var(--bad)", "var(--bad-bg)"},
		{"a warning", "var(--warn)", "var(--warn-bg)"},
	}
	for _, p := range pairs {
		f, ok1 := resolve(p.fg)
		b, ok2 := resolve(p.bg)
		if !ok1 || !ok2 {
			t.Errorf("%s: cannot resolve %s on %s", p.what, p.fg, p.bg)
			continue
		}
		if r := contrast(f, b); r < 4.5 {
			t.Errorf("%s: %s on %s has contrast %.2f:1, want at least 4.5:1", p.what, p.fg, p.bg, r)
		}
	}
	// Every rule with both colours.
	rules := regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`).FindAllStringSubmatch(src, -1)
	checked := 0
	for _, r := range rules {
		decl := map[string]string{}
		for _, d := range strings.Split(r[2], ";") {
			k, v, ok := strings.Cut(d, ":")
			if ok {
				decl[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		fg, ok1 := resolve(decl["color"])
		bgv := decl["background-color"]
		if bgv == "" {
			bgv = decl["background"]
		}
		bg, ok2 := resolve(bgv)
		if !ok1 || !ok2 {
			continue
		}
		checked++
		if c := contrast(fg, bg); c < 4.5 {
			t.Errorf("%s: color %s on %s has contrast %.2f:1, want at least 4.5:1", strings.TrimSpace(r[1]), decl["color"], bgv, c)
		}
	}
	if checked < 10 {
		t.Errorf("only %d rules with both colours found: is the parser broken?", checked)
	}
}

func parseHex(v string) (rgb [3]float64, ok bool) {
	v = strings.TrimSpace(v)
	switch v {
	case "#fff", "white":
		v = "#ffffff"
	case "#000", "black":
		v = "#000000"
	}
	if len(v) == 4 && v[0] == '#' {
		v = "#" + strings.Repeat(v[1:2], 2) + strings.Repeat(v[2:3], 2) + strings.Repeat(v[3:4], 2)
	}
	if len(v) != 7 || v[0] != '#' {
		return rgb, false
	}
	for i := range 3 {
		n, err := strconv.ParseUint(v[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return rgb, false
		}
		rgb[i] = float64(n) / 255
	}
	return rgb, true
}

// contrast is the WCAG contrast ratio of two sRGB colours.
func contrast(a, b [3]float64) float64 {
	lum := func(c [3]float64) float64 {
		var l [3]float64
		for i, x := range c {
			if x <= 0.04045 {
				l[i] = x / 12.92
			} else {
				l[i] = math.Pow((x+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func TestContrastRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48},
		{"#0a58b8", "#ffffff", 6.77},
	} {
		a, _ := parseHex(c.a)
		b, _ := parseHex(c.b)
		if got := contrast(a, b); math.Abs(got-c.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
	}
}
