// Package bench holds sakimori's performance measurements. Each benchmark
// is a plain function run both by `go test -bench` (through thin wrappers in
// the measured packages' tests) and by `sakimori bench NAME`, which prints
// the figures recorded in docs/performance.md.
package bench

import (
	"context"
	"fmt"
	"io"
	"sort"
)

// Config tells benchmarks where to run.
type Config struct {
	// PostgresURL is a PostgreSQL server URL; benchmarks create and drop
	// their own schema in it. Empty skips the PostgreSQL figures.
	PostgresURL string
	// Dir is a scratch directory for SQLite files.
	Dir string
	// Quick shrinks workloads (for smoke tests of the benchmark code).
	Quick bool
}

// Result is one measured figure.
type Result struct {
	Name  string  // e.g. "api/sqlite/org-create"
	Value float64 // the figure
	Unit  string  // e.g. "req/s", "entries/s", "ms"
	N     int64   // operations measured
	Note  string  // optional: parameters, percentiles
}

func (r Result) String() string {
	s := fmt.Sprintf("%-40s %14.1f %-10s (n=%d)", r.Name, r.Value, r.Unit, r.N)
	if r.Note != "" {
		s += " " + r.Note
	}
	return s
}

// Bench is a named benchmark.
type Bench struct {
	Name        string // the CLI name: "api", "audit"
	Description string
	Run         func(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error)
}

var registry = map[string]Bench{}

// Register adds a benchmark (call from init).
func Register(b Bench) {
	if _, dup := registry[b.Name]; dup {
		panic("bench: duplicate " + b.Name)
	}
	registry[b.Name] = b
}

// Get returns the benchmark named name.
func Get(name string) (Bench, bool) { b, ok := registry[name]; return b, ok }

// All returns every benchmark, sorted by name.
func All() []Bench {
	out := make([]Bench, 0, len(registry))
	for _, b := range registry {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
