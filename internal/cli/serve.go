package cli

import (
	"context"
	"flag"
	"fmt"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"sakimori/internal/config"
	"sakimori/internal/demo"
	"sakimori/internal/server"
	"sakimori/internal/store"
)

func init() {
	register(&command{
		path: "serve", nargs: [2]int{0, 0}, groups: config.All,
		summary: "run the server (applies pending migrations first)",
		help: `Serves the dashboard at /, the JSON API at /api/v1/, and /healthz, /readyz and /metrics.
On SIGTERM or SIGINT it stops accepting connections, lets requests in flight finish
(at most --shutdown-timeout) and closes the store; a second signal stops it at once.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, _ []string) error {
				ctx, stop := signalContext(ctx)
				defer stop()
				if err := e.openServing(ctx); err != nil {
					return err
				}
				return e.serve(ctx, stop, nil)
			}
		},
	})
	register(&command{
		path: "demo", nargs: [2]int{0, 0}, groups: config.All,
		summary: "run a demo server with realistic organisations, users and supply chains",
		help: `Creates (or reuses) a SQLite store at <data>/sakimori.db, seeds the demo organisations,
users, sharing groups, collections, warninglists, STIX threat data, critical computers,
vulnerabilities, vendor requests, incident reports (submitted, in approval, from a supplier, refuted,
under two regimes, with an overdue question), a correlation cluster, alerts (acknowledged, to
acknowledge, in review) and twelve weeks of history for the charts,
prints the demo logins and writes <data>/demo-credentials.json (passwords and API
tokens, for scripts), then serves until interrupted. Running it again reuses the data and
the credentials that still work.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, _ []string) error {
				ctx, stop := signalContext(ctx)
				defer stop()
				if err := e.openServing(ctx); err != nil {
					return err
				}
				res, err := demo.Seed(ctx, e.svc)
				if err != nil {
					return err
				}
				hres, err := demo.SeedHistory(ctx, e.reporting, e.intel) // before SeedIntel: see demo/history.go
				if err != nil {
					return err
				}
				ires, err := demo.SeedIntel(ctx, e.intel)
				if err != nil {
					return err
				}
				xres, err := demo.SeedExposure(ctx, e.exposure)
				if err != nil {
					return err
				}
				rres, err := demo.SeedReporting(ctx, e.reporting)
				if err != nil {
					return err
				}
				ares, err := demo.SeedAnalysis(ctx, demo.Analysis{Intel: e.intel, Reporting: e.reporting, Correlate: e.correlate, Alerting: e.alerting})
				if err != nil {
					return err
				}
				hmres, err := demo.SeedHome(ctx, demo.Home{Reporting: e.reporting, Alerting: e.alerting}) // after SeedAnalysis: see demo/home.go
				if err != nil {
					return err
				}
				return e.serve(ctx, stop, func(url string) error {
					creds, rotated, err := demo.EnsureCredentials(ctx, e.svc, e.cfg.DataDir, url)
					if err != nil {
						return err
					}
					w := e.Stdout
					fmt.Fprintf(w, "sakimori demo is running at %s\n\n", url)
					fmt.Fprintf(w, "Store:       %s\n", storeLabel(e.db, e.cfg.DB))
					fmt.Fprintf(w, "Demo data:   %s\n", res)
					fmt.Fprintf(w, "Sharing:     %s (new this run); TAXII 2.1 at %s/taxii2/\n", ires, url)
					fmt.Fprintf(w, "Registry:    %s (new this run)\n", xres)
					fmt.Fprintf(w, "Reporting:   %s (new this run)\n", rres)
					fmt.Fprintf(w, "Analysis:    %s\n", ares)
					fmt.Fprintf(w, "Home pages:  %s\n", hmres)
					fmt.Fprintf(w, "History:     %s\n", hres)
					state := "reused"
					if rotated > 0 {
						state = fmt.Sprintf("%d of %d users got a new password and API token", rotated, len(creds.Users))
					}
					fmt.Fprintf(w, "Credentials: %s (%s)\n\n", demo.CredentialsPath(e.cfg.DataDir), state)
					fmt.Fprintln(w, "Demo logins (each user also has an API token in the credentials file):")
					demo.PrintLogins(w, creds)
					fmt.Fprintf(w, "\nOpen %s and log in as platform-admin@nco.example to see everything.\nPress Ctrl-C to stop.\n", url)
					return nil
				})
			}
		},
	})
	register(&command{
		path: "migrate", nargs: [2]int{0, 0}, groups: config.Store | config.Log,
		summary: "apply pending database migrations (--status: only list them)",
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			status := fs.Bool("status", false, "list applied and pending migrations without applying any")
			return func(ctx context.Context, e *env, _ []string) error {
				if *status {
					// Listing must not create a database that is not there.
					if err := e.mustExist(); err != nil {
						return err
					}
				}
				if err := e.open(ctx, false); err != nil {
					return err
				}
				ms, err := e.db.Migrations(ctx)
				if err != nil {
					return err
				}
				if *status {
					tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "VERSION\tNAME\tSTATE")
					pending := 0
					for _, m := range ms {
						state := "applied"
						if !m.Applied {
							state, pending = "pending", pending+1
						}
						fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, state)
					}
					tw.Flush()
					fmt.Fprintf(e.Stdout, "%d applied, %d pending (%s)\n", len(ms)-pending, pending, config.Redact(e.cfg.DB))
					return nil
				}
				applied, err := e.db.Migrate(ctx)
				for _, m := range applied {
					fmt.Fprintf(e.Stdout, "applied %s\n", m.Name)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "%d migration(s) applied now, %d in all; the database is up to date (%s)\n",
					len(applied), len(ms), config.Redact(e.cfg.DB))
				return nil
			}
		},
	})
}

// signalContext is cancelled by SIGTERM or SIGINT. Its stop function
// restores the default handling, so a second signal ends the process.
func signalContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
}

// openServing opens the store for a server and applies pending migrations.
func (e *env) openServing(ctx context.Context) error {
	if err := e.open(ctx, false); err != nil {
		return err
	}
	applied, err := e.db.Migrate(ctx)
	for _, m := range applied {
		e.log.Info("migration applied", "migration", m.Name)
	}
	return err
}

// serve builds the server, listens, calls ready (if set) with the URL and
// serves until ctx is cancelled; then it shuts down gracefully and closes
// the store.
func (e *env) serve(ctx context.Context, stopSignals context.CancelFunc, ready func(url string) error) error {
	version, revision := buildInfo()
	if err := e.intel.LoadWarninglists(ctx); err != nil {
		return err
	}
	srv, err := server.New(server.Options{Config: e.cfg, DB: e.db, Accounts: e.svc, Intel: e.intel, Exposure: e.exposure, Reporting: e.reporting, Defense: e.defense,
		Push: e.push, Correlate: e.correlate, Alerting: e.alerting, Weather: e.weather, Stats: e.stats, Log: e.log,
		Version: version, Revision: revision})
	if err != nil {
		return err
	}
	// The ingest worker (TAXII adds, imports) runs until the server stops;
	// jobs it does not finish resume at the next start.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var workers sync.WaitGroup
	workers.Add(1)
	go func() { defer workers.Done(); e.intel.Run(workCtx) }()
	workers.Add(1)
	go func() { defer workers.Done(); e.feedPoller().Run(workCtx) }() // remote TAXII/MISP feeds (docs/feeds.md)
	e.reporting.Start(workCtx, time.Minute)                           // incident deadline reminders (docs/reporting.md)
	e.push.Start(workCtx)                                             // webhook deliveries, NATS between nodes (docs/push.md)
	ln, url, err := srv.Listen()
	if err != nil {
		return &usageError{err.Error()}
	}
	if ready != nil {
		if err := ready(url); err != nil {
			ln.Close()
			return err
		}
	}
	e.log.Info("listening", "url", url, "addr", ln.Addr().String(), "store", storeLabel(e.db, e.cfg.DB),
		"version", version, "tls", e.cfg.TLS())
	go func() {
		<-ctx.Done()
		stopSignals() // a second signal now ends the process
	}()
	err = srv.Serve(ctx, ln)
	// Stop the background work (a batch in flight rolls back and is redone
	// at the next start) before the store closes under it.
	stopWork()
	workers.Wait()
	e.push.Wait() // a webhook delivery in flight records its cursor
	// Report webhooks (submissions, information requests) still in flight
	// finish, within the shutdown timeout, before the process ends.
	delivered := make(chan struct{})
	go func() { e.reporting.WaitWebhooks(); close(delivered) }()
	select {
	case <-delivered:
	case <-time.After(e.cfg.ShutdownTimeout):
		e.log.Warn("report webhooks still in flight at shutdown were abandoned")
	}
	e.close()
	if err == nil {
		e.log.Info("store closed")
	}
	return err
}

func storeLabel(db *store.DB, dsn string) string {
	if db.Dialect() == store.Postgres {
		return "postgres " + config.Redact(dsn)
	}
	p := strings.TrimPrefix(dsn, "sqlite:")
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return "sqlite " + p
}
