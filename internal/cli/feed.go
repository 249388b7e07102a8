package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/feed"
	"sakimori/internal/intel"
	"sakimori/internal/share"
	"sakimori/internal/stix"
)

// Feed commands: subscriptions to remote TAXII 2.1 collections and MISP
// feeds (see docs/feeds.md). The secret presented to the remote is read
// from standard input (--secret-stdin) or SAKIMORI_FEED_SECRET, never from
// a flag, and never printed back.

var feedFields = map[string]string{
	"name": "NAME", "kind": "--kind", "url": "--url", "remote_collection": "--remote-collection", "username": "--username",
	"secret": "--secret-stdin", "collection_id": "--into", "owner_org_id": "--org", "interval_seconds": "--interval",
}

// feedPoller is the poller over this command's store and sharing service.
func (e *env) feedPoller() *feed.Poller {
	svc := e.intel
	return &feed.Poller{
		Store: e.db,
		Ingest: func(ctx context.Context, p *auth.Principal, coll string, objs []*stix.Object, kind, source string) (*share.Job, error) {
			return svc.Ingest(ctx, p, coll, objs, intel.IngestOptions{Kind: kind, Source: source})
		},
		Log: e.log,
	}
}

// parseInterval reads a Go duration ("1h", "90m") or whole seconds.
func parseInterval(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, usagef("--interval: %q is neither a duration (e.g. 1h, 15m) nor seconds", s)
	}
	return int(d / time.Second), nil
}

// readSecret reads the feed secret from the first line of stdin.
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("--secret-stdin: standard input holds no secret")
	}
	return line, nil
}

type feedFlags struct {
	kind, url, remote, username, into, org, interval *string
	secretStdin, disabled                            *bool
}

func addFeedFlags(fs *flag.FlagSet, create bool) *feedFlags {
	ff := &feedFlags{
		url:         fs.String("url", "", "TAXII: the API root URL (e.g. https://host/taxii2/api/); MISP: the feed's base URL (holding manifest.json)"),
		remote:      fs.String("remote-collection", "", "TAXII: the id of the collection on the remote"),
		username:    fs.String("username", "", "user name for HTTP Basic (without it, the secret is sent as a Bearer token)"),
		into:        fs.String("into", "", "the local collection that receives the objects (alias or id)"),
		org:         fs.String("org", "", "the organisation the feed acts for (slug or id): it owns what the feed stores and must be allowed to write into --into"),
		interval:    fs.String("interval", "", "polling interval: a duration (1h, 15m) or seconds; at least 60 s (default 1h)"),
		secretStdin: fs.Bool("secret-stdin", false, "read the password or token for the remote from the first line of standard input (feed add also reads SAKIMORI_FEED_SECRET)"),
	}
	if create {
		ff.kind = fs.String("kind", "", "taxii or misp")
		ff.disabled = fs.Bool("disabled", false, "create the feed disabled")
	}
	return ff
}

// secret returns the secret given on stdin or in SAKIMORI_FEED_SECRET, and
// whether one was given.
func (ff *feedFlags) secret(e *env) (string, bool, error) {
	if *ff.secretStdin {
		s, err := readSecret(e.Stdin)
		return s, true, err
	}
	if s := e.Getenv("SAKIMORI_FEED_SECRET"); s != "" {
		return s, true, nil
	}
	return "", false, nil
}

func (e *env) resolveFeedRefs(ctx context.Context, f *feed.Feed, into, orgRef string) error {
	if into != "" {
		c, err := e.db.GetCollection(ctx, into)
		if err != nil {
			return withFlag("--into", err)
		}
		f.CollectionID = c.ID
	}
	if orgRef != "" {
		o, err := e.db.GetOrg(ctx, orgRef)
		if err != nil {
			return withFlag("--org", err)
		}
		f.OwnerOrgID = o.ID
	}
	return nil
}

func printFeed(w io.Writer, f *feed.Feed, coll, orgSlug string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	secret := f.Masked()
	if secret == "" {
		secret = "(none)"
	}
	auth := "none"
	switch {
	case f.Username != "":
		auth = "basic as " + f.Username
	case f.Secret != "":
		auth = "bearer token"
	}
	rows := [][2]string{
		{"name", f.Name}, {"id", f.ID}, {"kind", string(f.Kind)}, {"url", f.URL},
		{"remote collection", orDash(f.RemoteCollection)}, {"auth", auth}, {"secret", secret},
		{"into collection", coll}, {"acts for", orgSlug}, {"interval", (time.Duration(f.IntervalSeconds) * time.Second).String()},
		{"enabled", strconv.FormatBool(f.Enabled)}, {"cursor", orDash(f.Cursor)},
		{"last run", tsp(f.LastRunAt)}, {"last ok", tsp(f.LastOKAt)}, {"last error", orDash(f.LastError)},
		{"runs", strconv.FormatInt(f.Runs, 10)},
		{"totals", fmt.Sprintf("accepted %d, updated %d, duplicates %d, rejected %d", f.Accepted, f.Updated, f.Duplicates, f.Rejected)},
		{"created", ts(f.CreatedAt)}, {"updated", ts(f.UpdatedAt)},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// feedJSON is a feed as printed by --json: the secret only as "set".
func feedJSON(f *feed.Feed) map[string]any {
	return map[string]any{"feed": f, "secret": f.Masked()}
}

func (e *env) collAlias(ctx context.Context, id string) string {
	if c, err := e.db.GetCollection(ctx, id); err == nil {
		return c.Alias
	}
	return id
}

func (e *env) orgSlug(ctx context.Context, id string) string {
	if o, err := e.db.GetOrg(ctx, id); err == nil {
		return o.Slug
	}
	return id
}

func printRun(w io.Writer, f *feed.Feed, r feed.RunResult) {
	fmt.Fprintf(w, "feed %s: pages %d, accepted %d, updated %d, duplicates %d, rejected %d, deleted %d\ncursor: %s\n",
		f.Name, r.Pages, r.Accepted, r.Updated, r.Duplicates, r.Rejected, r.Deleted, orDash(r.Cursor))
}

func init() {
	register(&command{
		path: "feed add", args: "NAME", nargs: [2]int{1, 1}, groups: adminGroups, fields: feedFields,
		summary: "subscribe to a remote TAXII 2.1 collection or MISP feed",
		help: `The feed's objects are stored in --into as the organisation --org, with
provenance "feed:NAME". The secret for the remote is read from standard input
(--secret-stdin) or SAKIMORI_FEED_SECRET; it is kept in the database and never
shown back. Example:
  echo "$TOKEN" | sakimori feed add jpcert --kind taxii --url https://taxii.example.jp/taxii2/api/ \
      --remote-collection 9f1c... --into exchange --org isac --interval 1h --secret-stdin`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			ff := addFeedFlags(fs, true)
			return func(ctx context.Context, e *env, args []string) error {
				if err := required([]string{"--kind", "--url", "--into", "--org"}, *ff.kind, *ff.url, *ff.into, *ff.org); err != nil {
					return err
				}
				iv := int(feed.DefaultInterval / time.Second)
				if *ff.interval != "" {
					var err error
					if iv, err = parseInterval(*ff.interval); err != nil {
						return err
					}
				}
				secret, _, err := ff.secret(e)
				if err != nil {
					return err
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				f := &feed.Feed{Name: args[0], Kind: feed.Kind(strings.ToLower(*ff.kind)), URL: *ff.url, RemoteCollection: *ff.remote,
					Username: *ff.username, Secret: secret, IntervalSeconds: iv, Enabled: !*ff.disabled}
				if err := e.resolveFeedRefs(ctx, f, *ff.into, *ff.org); err != nil {
					return err
				}
				if err := e.db.CreateFeed(ctx, cli.Actor(), f); err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "created feed %s (id %s): %s %s into %s every %s\n", f.Name, f.ID, f.Kind, f.URL, *ff.into,
					f.Interval())
				return nil
			}
		},
	})
	register(&command{
		path: "feed list", nargs: [2]int{0, 0}, groups: adminGroups, summary: "list feeds with their last run",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, _ []string) error {
				if err := e.open(ctx, true); err != nil {
					return err
				}
				fs, err := e.db.ListFeeds(ctx)
				if err != nil {
					return err
				}
				if *asJSON {
					out := []map[string]any{}
					for i := range fs {
						out = append(out, feedJSON(&fs[i]))
					}
					return printJSON(e.Stdout, out)
				}
				tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tKIND\tENABLED\tINTERVAL\tINTO\tLAST RUN\tRUNS\tACCEPTED\tUPDATED\tLAST ERROR")
				aliases := map[string]string{} // feeds often share a collection: look each up once
				for i := range fs {
					f := &fs[i]
					alias, ok := aliases[f.CollectionID]
					if !ok {
						alias = e.collAlias(ctx, f.CollectionID)
						aliases[f.CollectionID] = alias
					}
					fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", f.Name, f.Kind, f.Enabled, f.Interval(),
						alias, tsp(f.LastRunAt), f.Runs, f.Accepted, f.Updated, clipLine(f.LastError, 60))
				}
				return tw.Flush()
			}
		},
	})
	register(&command{
		path: "feed show", args: "NAME", nargs: [2]int{1, 1}, groups: adminGroups, summary: "show a feed (the secret only as set or not)",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, e *env, args []string) error {
				if err := e.open(ctx, true); err != nil {
					return err
				}
				f, err := e.db.GetFeed(ctx, args[0])
				if err != nil {
					return err
				}
				if *asJSON {
					return printJSON(e.Stdout, feedJSON(f))
				}
				printFeed(e.Stdout, f, e.collAlias(ctx, f.CollectionID), e.orgSlug(ctx, f.OwnerOrgID))
				return nil
			}
		},
	})
	register(&command{
		path: "feed update", args: "NAME", nargs: [2]int{1, 1}, groups: adminGroups, fields: feedFields,
		summary: "change a feed (only the flags given)",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			ff := addFeedFlags(fs, false)
			rename := fs.String("rename", "", "new name")
			enable := fs.Bool("enable", false, "enable the feed")
			disable := fs.Bool("disable", false, "disable the feed")
			clearSecret := fs.Bool("clear-secret", false, "forget the username and secret")
			reset := fs.Bool("reset-cursor", false, "forget the cursor: the next run fetches everything again (stored versions count as duplicates)")
			return func(ctx context.Context, e *env, args []string) error {
				set := setFlags(fs)
				if *enable && *disable {
					return usagef("--enable and --disable: give one")
				}
				if *clearSecret && (*ff.secretStdin || set["username"]) {
					return usagef("--clear-secret: not with --secret-stdin or --username")
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				f, err := e.db.GetFeed(ctx, args[0])
				if err != nil {
					return err
				}
				if set["rename"] {
					f.Name = *rename
				}
				if set["url"] {
					f.URL = *ff.url
				}
				if set["remote-collection"] {
					f.RemoteCollection = *ff.remote
				}
				if set["username"] {
					f.Username = *ff.username
				}
				if set["interval"] {
					if f.IntervalSeconds, err = parseInterval(*ff.interval); err != nil {
						return err
					}
				}
				if *ff.secretStdin {
					if f.Secret, _, err = ff.secret(e); err != nil {
						return err
					}
				}
				if *clearSecret {
					f.Username, f.Secret = "", ""
				}
				if *enable {
					f.Enabled = true
				}
				if *disable {
					f.Enabled = false
				}
				if err := e.resolveFeedRefs(ctx, f, *ff.into, *ff.org); err != nil {
					return err
				}
				if err := e.db.UpdateFeed(ctx, cli.Actor(), f, *reset); err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "updated feed %s (id %s)\n", f.Name, f.ID)
				return nil
			}
		},
	})
	register(&command{
		path: "feed remove", args: "NAME", nargs: [2]int{1, 1}, groups: adminGroups,
		summary: "remove a feed (objects it stored stay)",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if err := e.open(ctx, true); err != nil {
					return err
				}
				if err := e.db.DeleteFeed(ctx, cli.Actor(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "removed feed %s\n", args[0])
				return nil
			}
		},
	})
	register(&command{
		path: "feed run", args: "[NAME]", nargs: [2]int{0, 1}, groups: adminGroups,
		summary: "poll one feed (or, without NAME, every enabled feed) now and print a summary",
		help: `With NAME the feed runs once now, even if disabled or not due. Without NAME
every enabled feed runs once now (--once), or, without --once, the poller runs
until interrupted, as 'sakimori feed poll' does. Exit status 1 if a run failed.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			once := fs.Bool("once", false, "run once and exit (implied with NAME)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 && !*once {
					return pollForever(ctx, e)
				}
				if err := e.open(ctx, true); err != nil {
					return err
				}
				var feeds []feed.Feed
				if len(args) == 1 {
					f, err := e.db.GetFeed(ctx, args[0])
					if err != nil {
						return err
					}
					feeds = append(feeds, *f)
				} else {
					all, err := e.db.ListFeeds(ctx)
					if err != nil {
						return err
					}
					for _, f := range all {
						if f.Enabled {
							feeds = append(feeds, f)
						}
					}
				}
				p := e.feedPoller()
				failed := 0
				for i := range feeds {
					r, err := p.RunFeed(ctx, &feeds[i])
					printRun(e.Stdout, &feeds[i], r)
					if err != nil {
						failed++
						fmt.Fprintf(e.Stderr, "sakimori feed run: %s: %v\n", feeds[i].Name, err)
					}
				}
				if failed > 0 {
					return &failure{exitFail}
				}
				return nil
			}
		},
	})
	register(&command{
		path: "feed poll", nargs: [2]int{0, 0}, groups: adminGroups,
		summary: "run the feed poller until interrupted (serve runs it too)",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, _ []string) error { return pollForever(ctx, e) }
		},
	})
}

func pollForever(ctx context.Context, e *env) error {
	ctx, stop := signalContext(ctx)
	defer stop()
	if err := e.open(ctx, true); err != nil {
		return err
	}
	e.log.Info("feed poller running; interrupt to stop")
	e.feedPoller().Run(ctx)
	return nil
}

func clipLine(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
