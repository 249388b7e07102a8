package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"sakimori/internal/bench"
	"sakimori/internal/config"
)

func init() {
	register(&command{
		path: "bench", args: "NAME|all", nargs: [2]int{0, 1}, groups: config.Log,
		summary: "run a registered benchmark (or all) and print its figures",
		help: `Runs the benchmarks registered in internal/bench and prints one line per figure:
name, value, unit, operations measured. Without NAME it lists the benchmarks.
SQLite figures use a scratch directory (--dir, default a temporary one that is removed);
PostgreSQL figures need --postgres (each benchmark creates and drops its own schema).`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			pg := fs.String("postgres", "", "PostgreSQL server `URL` for the PostgreSQL figures (env SAKIMORI_BENCH_POSTGRES; none: skip them)")
			quick := fs.Bool("quick", false, "small workloads: checks that the benchmarks run, figures are not comparable")
			dir := fs.String("dir", "", "scratch `DIR` for SQLite files (default: a new temporary directory)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					fmt.Fprintln(e.Stdout, "Benchmarks (run with 'sakimori bench NAME' or 'sakimori bench all'):")
					for _, b := range bench.All() {
						fmt.Fprintf(e.Stdout, "  %-12s %s\n", b.Name, b.Description)
					}
					return nil
				}
				var todo []bench.Bench
				if args[0] == "all" {
					todo = bench.All()
				} else {
					b, ok := bench.Get(args[0])
					if !ok {
						var names []string
						for _, b := range bench.All() {
							names = append(names, b.Name)
						}
						return usagef("unknown benchmark %q (one of %s, or all)", args[0], strings.Join(names, ", "))
					}
					todo = []bench.Bench{b}
				}
				cfg := bench.Config{PostgresURL: *pg, Dir: *dir, Quick: *quick}
				if cfg.PostgresURL == "" {
					cfg.PostgresURL = e.Getenv("SAKIMORI_BENCH_POSTGRES")
				}
				if cfg.PostgresURL != "" && !isPostgres(cfg.PostgresURL) {
					return usagef("--postgres: %q is not a postgres:// URL", config.Redact(cfg.PostgresURL))
				}
				if cfg.PostgresURL == "" {
					fmt.Fprintln(e.Stderr, "bench: no --postgres given: PostgreSQL figures are skipped")
				}
				if cfg.Dir == "" {
					d, err := os.MkdirTemp("", "sakimori-bench-")
					if err != nil {
						return err
					}
					defer os.RemoveAll(d)
					cfg.Dir = d
				} else if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
					return withFlag("--dir", err)
				}
				ctx, stop := signalContext(ctx)
				defer stop()
				for _, b := range todo {
					start := time.Now()
					fmt.Fprintf(e.Stderr, "bench %s: %s\n", b.Name, b.Description)
					rs, err := b.Run(ctx, cfg, e.Stderr)
					for _, r := range rs {
						fmt.Fprintln(e.Stdout, r)
					}
					if err != nil {
						return fmt.Errorf("bench %s: %w", b.Name, err)
					}
					fmt.Fprintf(e.Stderr, "bench %s: done in %v\n", b.Name, time.Since(start).Round(time.Millisecond))
				}
				return nil
			}
		},
	})
}
