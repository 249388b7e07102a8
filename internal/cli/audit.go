package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"sakimori/internal/audit"
	"sakimori/internal/store"
)

// anchorList is a repeatable --anchor flag.
type anchorList []audit.Anchor

func (a *anchorList) String() string {
	if a == nil {
		return ""
	}
	s := make([]string, len(*a))
	for i, x := range *a {
		s[i] = x.String()
	}
	return strings.Join(s, ",")
}

func (a *anchorList) Set(v string) error {
	for _, f := range splitList(v) {
		x, err := audit.ParseAnchor(f)
		if err != nil {
			return err
		}
		*a = append(*a, x)
	}
	return nil
}

func init() {
	register(&command{
		path: "audit verify", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "verify the audit trail's hash chain (exit 1 when it is broken)",
		help: `Checks every entry of the audit trail: its hash, its link to the entry before it and the
sequence numbers, and prints the number of entries checked, the rate and the head anchor
(SEQ:HASH). Record the anchor outside this system (the oversight commission keeps it);
a later 'sakimori audit verify --anchor SEQ:HASH' then also proves that the chain still holds
that exact entry, which catches a rewrite of the whole tail. When the chain is broken it
names the first altered, removed or inserted entry and exits with status 1.
The verification itself is recorded in the audit trail (action audit.verify, actor cli).`,
		fields: map[string]string{"anchor": "--anchor"},
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var anchors anchorList
			fs.Var(&anchors, "anchor", "a head anchor `SEQ:HASH` recorded earlier (repeatable)")
			asJSON := fs.Bool("json", false, "print the result as JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if err := e.open(ctx, true); err != nil {
					return err
				}
				r, err := e.svc.VerifyAudit(ctx, cli, anchors)
				if err != nil {
					return err
				}
				rate := 0.0
				if s := r.Duration.Seconds(); s > 0 {
					rate = float64(r.Entries) / s
				}
				if *asJSON {
					out := map[string]any{"ok": r.OK, "entries": r.Entries, "head": r.Head, "problem": r.Problem,
						"seconds": r.Duration.Seconds(), "entries_per_second": rate}
					if err := printJSON(e.Stdout, out); err != nil {
						return err
					}
				} else if r.OK {
					fmt.Fprintf(e.Stdout, "audit trail OK: %d entries verified in %v (%.0f entries/s)\n", r.Entries,
						r.Duration.Round(time.Millisecond), rate)
					if len(anchors) > 0 {
						fmt.Fprintf(e.Stdout, "anchors confirmed: %s\n", anchors.String())
					}
					fmt.Fprintf(e.Stdout, "head anchor: %s\n", r.Head)
				} else {
					p := r.Problem
					fmt.Fprintf(e.Stdout, "audit trail BROKEN: entry %d %s: %s\n", p.Seq, p.Kind, p.Detail)
					fmt.Fprintf(e.Stdout, "%d entries before it verified (%.0f entries/s); last good anchor: %s\n",
						r.Entries, rate, r.Head)
				}
				if !r.OK {
					return &failure{exitFail}
				}
				return nil
			}
		},
	})
	register(&command{
		path: "audit list", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "list audit entries, newest first, with filters",
		help:    `The read is itself recorded in the audit trail (action audit.read, actor cli).`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			f := addAuditFilterFlags(fs)
			limit := fs.Int("limit", 50, "entries to show (at most 1000)")
			after := fs.Int64("after", 0, "continue after this sequence number (the cursor printed last)")
			asc := fs.Bool("asc", false, "oldest first")
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				filter, err := f.filter()
				if err != nil {
					return err
				}
				if *limit < 1 || *limit > 1000 {
					return usagef("--limit: must be from 1 to 1000")
				}
				filter.Limit, filter.After, filter.Ascending = *limit, *after, *asc
				if err := e.open(ctx, true); err != nil {
					return err
				}
				if err := f.resolve(ctx, e, &filter); err != nil {
					return err
				}
				es, next, err := e.svc.ListAudit(ctx, cli, filter)
				if err != nil {
					return err
				}
				if *asJSON {
					if es == nil {
						es = []audit.Entry{}
					}
					return printJSON(e.Stdout, map[string]any{"entries": es, "next": next})
				}
				printEntries(e.Stdout, es)
				if next != 0 {
					fmt.Fprintf(e.Stdout, "more: --after %d\n", next)
				}
				return nil
			}
		},
	})
	register(&command{
		path: "audit tail", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "show the newest audit entries (--follow: keep printing new ones)",
		help: `The first read is recorded in the audit trail (action audit.read, actor cli); with --follow
the new entries are then read from the store as they arrive.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			f := addAuditFilterFlags(fs)
			n := fs.Int("n", 20, "how many of the newest entries to show first")
			follow := fs.Bool("follow", false, "keep printing new entries until interrupted")
			interval := fs.Duration("interval", 2*time.Second, "with --follow: how often to look for new entries")
			return func(ctx context.Context, e *env, _ []string) error {
				filter, err := f.filter()
				if err != nil {
					return err
				}
				if *n < 0 || *n > 1000 {
					return usagef("-n: must be from 0 to 1000")
				}
				if *interval < 100*time.Millisecond {
					return usagef("--interval: must be at least 100ms")
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				if err := f.resolve(ctx, e, &filter); err != nil {
					return err
				}
				var last int64
				if *n > 0 {
					filter.Limit = *n
					es, _, err := e.svc.ListAudit(ctx, cli, filter)
					if err != nil {
						return err
					}
					for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
						es[i], es[j] = es[j], es[i]
					}
					printEntries(e.Stdout, es)
					if len(es) > 0 {
						last = es[len(es)-1].Seq
					}
				}
				if !*follow {
					return nil
				}
				if last == 0 {
					head, err := e.db.AuditHead(ctx)
					if err != nil {
						return err
					}
					last = head.Seq
				}
				ctx, stop := signalContext(ctx)
				defer stop()
				t := time.NewTicker(*interval)
				defer t.Stop()
				for {
					select {
					case <-ctx.Done():
						return nil
					case <-t.C:
					}
					for {
						filter.After, filter.Ascending, filter.Limit = last, true, 1000
						es, next, err := e.db.ListAudit(ctx, filter)
						if err != nil {
							if ctx.Err() != nil {
								return nil
							}
							return err
						}
						for _, en := range es {
							printEntry(e.Stdout, en)
							last = en.Seq
						}
						if next == 0 {
							break
						}
					}
				}
			}
		},
	})
}

type auditFilterFlags struct {
	action, actor, org, outcome, since, until *string
}

func addAuditFilterFlags(fs *flag.FlagSet) *auditFilterFlags {
	return &auditFilterFlags{
		action:  fs.String("action", "", "only this action (e.g. login), or a prefix ending in '.' (e.g. user.)"),
		actor:   fs.String("actor", "", "only entries by this user (email or id)"),
		org:     fs.String("org", "", "only entries by members of this organisation (slug or id)"),
		outcome: fs.String("outcome", "", "only success, denied or failure"),
		since:   fs.String("since", "", "only entries at or after this time (RFC 3339 or YYYY-MM-DD, UTC)"),
		until:   fs.String("until", "", "only entries before this time (RFC 3339 or YYYY-MM-DD, UTC)"),
	}
}

// filter checks the flags that need no store.
func (f *auditFilterFlags) filter() (store.AuditFilter, error) {
	var af store.AuditFilter
	af.Action = *f.action
	switch audit.Outcome(*f.outcome) {
	case "", audit.OutcomeSuccess, audit.OutcomeDenied, audit.OutcomeFailure:
		af.Outcome = audit.Outcome(*f.outcome)
	default:
		return af, usagef("--outcome: must be success, denied or failure, not %q", *f.outcome)
	}
	var err error
	if af.Since, err = parseTime("--since", *f.since); err != nil {
		return af, err
	}
	if af.Until, err = parseTime("--until", *f.until); err != nil {
		return af, err
	}
	return af, nil
}

// resolve turns --actor and --org references into ids.
func (f *auditFilterFlags) resolve(ctx context.Context, e *env, af *store.AuditFilter) error {
	if *f.actor != "" {
		u, err := e.svc.GetUser(ctx, cli, *f.actor)
		if err != nil {
			return withFlag("--actor", err)
		}
		af.ActorID = u.ID
	}
	if *f.org != "" {
		o, err := e.svc.GetOrg(ctx, cli, *f.org)
		if err != nil {
			return withFlag("--org", err)
		}
		af.OrgID = o.ID
	}
	return nil
}

func parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usagef("%s: %q is not a time (use RFC 3339, e.g. 2026-11-01T09:00:00+09:00, or YYYY-MM-DD)", flagName, s)
}

func printEntries(w io.Writer, es []audit.Entry) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tTIME\tACTOR\tACTION\tOBJECT\tOUTCOME\tSOURCE\tDETAIL")
	for _, e := range es {
		fmt.Fprintln(tw, entryLine(e))
	}
	tw.Flush()
}

func printEntry(w io.Writer, e audit.Entry) {
	fmt.Fprintln(w, strings.ReplaceAll(entryLine(e), "\t", "  "))
}

func entryLine(e audit.Entry) string {
	obj := e.ObjectType
	if e.ObjectID != "" {
		obj += ":" + e.ObjectID
	}
	return strings.Join([]string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		clean(e.ActorName, 48), e.Action, dash(clean(obj, 60)), string(e.Outcome), dash(clean(e.SourceAddr, 40)),
		clean(e.Detail, 80)}, "\t")
}

// clean makes stored text safe for a terminal: control characters (which
// an attacker could have put into a failed login's name) become U+FFFD,
// and long text is cut.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			r = '\uFFFD'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
