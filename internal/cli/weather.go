package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"sakimori/internal/org"
	"sakimori/internal/weather"
)

// sakimori weather: the threat weather of the acting user's organisation
// and sector, or (the government) of any organisation or sector, or the
// overview of all of them.

func init() {
	exposureCommand("weather", "", [2]int{0, 0}, map[string]string{"sector": "--sector", "org": "--org", "days": "--days"},
		"threat weather (脅威予報): today's level with its reasons and the daily trend",
		"Without --sector or --org: your organisation's weather and its sector's. The government may name any\n"+
			"organisation (--org SLUG) or sector (--sector S), or see every sector and organisation (--overview).\n"+
			"A sector's weather seen outside the government bands counts of 1 and 2 and shows no points.\n"+
			"Levels: clear 晴れ, cloudy 曇り, rain 雨, storm 嵐. The formula is in docs/weather.md.",
		func(fs *flag.FlagSet) exposureBody {
			sector := fs.String("sector", "", "a sector (the government, or your own)")
			orgRef := fs.String("org", "", "an organisation's slug or id (the government, or your own)")
			days := fs.Int("days", weather.DefaultDays, fmt.Sprintf("the trend's length in days (1-%d)", weather.MaxDays))
			overview := fs.Bool("overview", false, "every sector and organisation, day by day (the government)")
			lang := fs.String("lang", "ja", "the language of level names and reasons: ja or en")
			return func(ctx context.Context, xc *exposureCtx, _ []string) error {
				if *days < 1 || *days > weather.MaxDays {
					return usagef("--days: must be 1 to %d", weather.MaxDays)
				}
				if *lang != "ja" && *lang != "en" {
					return usagef("--lang: must be ja or en")
				}
				if *overview {
					if *sector != "" || *orgRef != "" {
						return usagef("--overview: give neither --sector nor --org")
					}
					ov, err := xc.e.weather.Overview(ctx, xc.p, *days)
					if err != nil {
						return err
					}
					if xc.json {
						return printJSON(xc.e.Stdout, ov)
					}
					printOverview(xc.e.Stdout, ov, *lang)
					return nil
				}
				r, err := xc.e.weather.Weather(ctx, xc.p, weather.Query{Org: *orgRef, Sector: org.Sector(*sector), Days: *days})
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, r)
				}
				for _, w := range []*weather.Weather{r.Org, r.Sector} {
					if w != nil {
						printWeather(xc.e.Stdout, w, *lang)
					}
				}
				return nil
			}
		})
}

// levelMarks are one-character marks of the levels for terminals.
var levelMarks = map[weather.Level]string{weather.Clear: "☀", weather.Cloudy: "☁", weather.Rain: "☂", weather.Storm: "⚡"}

func printWeather(w io.Writer, x *weather.Weather, lang string) {
	title := "sector " + string(x.Sector)
	if x.Scope == "org" {
		title = x.Org.Slug + " (" + x.Org.Name.In(lang) + ")"
	}
	d := x.Today
	score := fmt.Sprintf("score %.2f", d.Score)
	if x.SmallCount {
		score = "small-count rule: counts of 1-2 banded, no points"
	}
	fmt.Fprintf(w, "%s — %s %s %s (%s)\n", title, d.Date, levelMarks[d.Level], d.Level.Name(lang), score)
	for _, r := range d.Reasons {
		pts := ""
		if !x.SmallCount && r.Input != weather.InputOverride {
			pts = fmt.Sprintf("  +%.2f", r.Points)
		}
		fmt.Fprintf(w, "  - %s%s\n", r.Text.In(lang), pts)
	}
	var trend []string
	for _, t := range x.Trend {
		trend = append(trend, t.Date[5:]+" "+levelMarks[t.Level]+" "+t.Level.String())
	}
	fmt.Fprintf(w, "  trend: %s\n\n", strings.Join(trend, " | "))
}

func printOverview(w io.Writer, ov *weather.Overview, lang string) {
	head := fmt.Sprintf("%-24s", "")
	for _, d := range ov.Dates {
		head += " " + d[5:]
	}
	fmt.Fprintln(w, head)
	row := func(name string, cells []weather.Cell) {
		line := fmt.Sprintf("%-24s", name)
		for _, c := range cells {
			line += fmt.Sprintf(" %-5s", levelMarks[c.Level])
		}
		fmt.Fprintln(w, line)
	}
	for _, r := range ov.Sectors {
		row(string(r.Sector), r.Days)
	}
	fmt.Fprintln(w)
	for _, r := range ov.Orgs {
		row(r.Org.Slug, r.Days)
	}
	fmt.Fprintf(w, "\n%s\n", strings.Join([]string{"☀ " + weather.Clear.Name(lang), "☁ " + weather.Cloudy.Name(lang), "☂ " + weather.Rain.Name(lang), "⚡ " + weather.Storm.Name(lang)}, "  "))
}
