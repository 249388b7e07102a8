package cli

// `sakimori cluster list|show|set`: correlation clusters (issue #7,
// docs/correlation.md) for government analysts, acting as a user (--as
// EMAIL or SAKIMORI_AS); the correlation service refuses everyone else.

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/correlate"
)

var clusterFields = map[string]string{"status": "--status", "title": "--title", "note": "--note", "min_strength": "--min-strength", "since": "--since"}

func init() {
	exposureCommand("cluster list", "", [2]int{0, 0}, clusterFields, "list correlation clusters, the most recently seen first (government)",
		"Clusters are candidate campaigns: values (indicators, techniques, CVEs, malware) two or more independent organisations reported, sighted or shared within the correlation window.",
		func(fs *flag.FlagSet) exposureBody {
			status := fs.String("status", "", "only clusters in this status: open, confirmed, dismissed or merged (default: all but merged)")
			minStrength := fs.Int("min-strength", 0, "only clusters at least this strong (0 to 100)")
			since := fs.String("since", "", "only clusters last seen since: a date (2026-11-01), an RFC 3339 time or a number of days (7d)")
			limit := fs.Int("limit", 100, "at most this many (1 to 1000)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				q := correlate.Query{Status: *status, MinStrength: *minStrength, Limit: *limit}
				if *since != "" {
					t, err := clusterSince(*since, xc.e.db.Now())
					if err != nil {
						return withFlag("--since", err)
					}
					q.Since = t
				}
				cs, err := xc.e.correlate.List(ctx, xc.p, q)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, cs)
				}
				if len(cs) == 0 {
					fmt.Fprintln(xc.e.Stdout, "no clusters")
					return nil
				}
				tw := tabwriter.NewWriter(xc.e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "REF\tSTATUS\tSTRENGTH\tORGS\tLAST SEEN\tTITLE")
				for _, c := range cs {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", c.Ref, c.Status, c.Strength, c.Orgs, c.LastSeen.Format(time.DateOnly), clean(c.Title, 80))
				}
				return tw.Flush()
			}
		})
	exposureCommand("cluster show", "REF|ID", [2]int{1, 1}, clusterFields, "show a correlation cluster: its evidence and the organisations involved (government)", "",
		func(fs *flag.FlagSet) exposureBody {
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				d, err := xc.e.correlate.Get(ctx, xc.p, args[0])
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, d)
				}
				w := xc.e.Stdout
				fmt.Fprintf(w, "%s  %s\n", d.Ref, clean(d.Title, 200))
				fmt.Fprintf(w, "status:    %s", d.Status)
				if d.MergedRef != "" {
					fmt.Fprintf(w, " (into %s)", d.MergedRef)
				}
				fmt.Fprintf(w, "\nstrength:  %d/100\norgs:      %d\nfirst:     %s\nlast:      %s\n", d.Strength, d.Orgs,
					d.FirstSeen.Format(time.RFC3339), d.LastSeen.Format(time.RFC3339))
				if d.Note != "" {
					fmt.Fprintf(w, "note:      %s\n", clean(d.Note, 2000))
				}
				fmt.Fprintln(w, "\nevidence:")
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "  KIND\tVALUE\tORGS\tFIRST\tLAST\tFLAG")
				for _, v := range d.Evidence {
					flag := ""
					switch {
					case v.Capped:
						flag = "capped: " + v.CapReason
					case !v.Joins:
						flag = "context"
					}
					fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\n", v.Kind, clean(v.Value, 100), v.Orgs, v.FirstSeen.Format(time.DateOnly), v.LastSeen.Format(time.DateOnly), flag)
				}
				tw.Flush()
				fmt.Fprintln(w, "\norganisations:")
				tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "  ORG\tSECTOR\tFIRST\tLAST")
				for _, o := range d.Involved {
					fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", o.Slug, o.Sector, o.FirstSeen.Format(time.DateOnly), o.LastSeen.Format(time.DateOnly))
				}
				return tw.Flush()
			}
		})
	exposureCommand("cluster set", "REF|ID", [2]int{1, 1}, clusterFields, "confirm, dismiss or reopen a correlation cluster, retitle or annotate it (government analysts)", "",
		func(fs *flag.FlagSet) exposureBody {
			status := fs.String("status", "", "open, confirmed or dismissed")
			title := fs.String("title", "", "a new title")
			note := fs.String("note", "", "the analysts' note (replaces the note; \"-\" clears it)")
			return func(ctx context.Context, xc *exposureCtx, args []string) error {
				var u correlate.Update
				if *status != "" {
					u.Status = status
				}
				if *title != "" {
					u.Title = title
				}
				if *note != "" {
					n := *note
					if n == "-" {
						n = ""
					}
					u.Note = &n
				}
				if u.Status == nil && u.Title == nil && u.Note == nil {
					return usagef("give --status, --title or --note")
				}
				c, err := xc.e.correlate.Change(ctx, xc.p, args[0], u)
				if err != nil {
					return err
				}
				if xc.json {
					return printJSON(xc.e.Stdout, c)
				}
				fmt.Fprintf(xc.e.Stdout, "%s: %s, strength %d\n", c.Ref, c.Status, c.Strength)
				return nil
			}
		})
}

// clusterSince parses --since: a date, an RFC 3339 time or days ("7d").
func clusterSince(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if d, err := strconv.Atoi(n); err == nil && d >= 0 {
			return now.UTC().AddDate(0, 0, -d), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, apperr.Invalid("since", "must be a date (2026-11-01), an RFC 3339 time or days (7d)")
}
