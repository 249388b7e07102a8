package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"sakimori/internal/stats"
)

// sakimori stats CHART: the numbers behind one of the dashboard's charts
// (状況図), as the acting user may see them, as a table.

func init() {
	exposureCommand("stats", "CHART", [2]int{1, 1}, map[string]string{"weeks": "--weeks"},
		"the numbers behind a chart (状況図): reports, techniques, indicators, deadlines or sightings, per week",
		"CHART is one of: "+strings.Join(stats.Charts, ", ")+".\n"+
			"  reports     incident reports first submitted each week, by the reporter's sector (the government: those submitted to it)\n"+
			"  techniques  the ATT&CK techniques most often named in those reports and in attack patterns shared with you\n"+
			"  indicators  indicators you may read first shared each week, by observable type\n"+
			"  deadlines   reporting deadlines that fell due, per regime: met, late, missed\n"+
			"  sightings   your organisation's and your sector's sightings each week (the government: everyone's);\n"+
			"              a sector's week seen by fewer than 2 organisations is withheld\n"+
			"Weeks run Monday to Sunday, Japan time; the last is the current week. See docs/charts.md.",
		func(fs *flag.FlagSet) exposureBody {
			weeks := fs.Int("weeks", stats.DefaultWeeks, fmt.Sprintf("the window in weeks (1-%d)", stats.MaxWeeks))
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				if *weeks < 1 || *weeks > stats.MaxWeeks {
					return usagef("--weeks: must be 1 to %d", stats.MaxWeeks)
				}
				known := false
				for _, c := range stats.Charts {
					known = known || c == args[0]
				}
				if !known {
					return usagef("unknown chart %q: give one of %s", args[0], strings.Join(stats.Charts, ", "))
				}
				st, err := xc.e.stats.Get(ctx, xc.p, args[0], *weeks)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, st)
				}
				printStats(xc.e.Stdout, st)
				return nil
			}
		})
}

// printStats prints a chart's numbers as a table: a row per week (a row
// per technique, per regime for deadlines).
func printStats(w io.Writer, st *stats.Stats) {
	fmt.Fprintf(w, "%s (%s), weeks of %s to %s (JST)\n\n", st.Chart, st.Scope, st.Weeks[0], st.Weeks[len(st.Weeks)-1])
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	defer tw.Flush()
	switch st.Chart {
	case stats.Techniques:
		fmt.Fprintln(tw, "rank\ttechnique\treports\tshared\t")
		if len(st.Ranking) == 0 {
			fmt.Fprintln(tw, "-\t(none)\t0\t0\t")
		}
		for i, r := range st.Ranking {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t\n", i+1, r.Key, r.N, r.Shared)
		}
	case stats.Deadlines:
		fmt.Fprintln(tw, "regime\tmet\tlate\tmissed\tmet %\t")
		if len(st.Compliance) == 0 {
			fmt.Fprintln(tw, "(none)\t0\t0\t0\t-\t")
		}
		for _, c := range st.Compliance {
			m, l, x := c.Totals()
			pct := "-"
			if t := m + l + x; t > 0 {
				pct = fmt.Sprintf("%d%%", (m*100+t/2)/t)
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t\n", c.Regime, m, l, x, pct)
		}
	default:
		head := "week"
		for _, s := range st.Series {
			k := s.Key
			if k == "" {
				k = "(none)"
			}
			head += "\t" + k
		}
		fmt.Fprintln(tw, head+"\ttotal\t")
		for i, wk := range st.Weeks {
			line := wk
			var total int64
			for _, s := range st.Series {
				if len(s.Suppressed) > i && s.Suppressed[i] {
					line += "\twithheld"
					continue
				}
				line += fmt.Sprintf("\t%d", s.Values[i])
				total += s.Values[i]
			}
			fmt.Fprintf(tw, "%s\t%d\t\n", line, total)
		}
	}
}
