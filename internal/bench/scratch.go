package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// target is a store a benchmark runs on: dsn makes a fresh, empty one and
// returns a function that removes it.
type target struct {
	name string
	dsn  func() (string, func(), error)
}

// scratchStores returns SQLite (in a temporary directory under cfg.Dir) and,
// when cfg.PostgresURL is set, PostgreSQL (in a scratch schema).
func scratchStores(ctx context.Context, cfg Config, what string) []target {
	ts := []target{{"sqlite", func() (string, func(), error) {
		dir, err := os.MkdirTemp(cfg.Dir, "sakimori-bench-"+what+"-") // cfg.Dir "" is the system's temporary directory
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, what+".db"), func() { os.RemoveAll(dir) }, nil
	}}}
	if cfg.PostgresURL != "" {
		ts = append(ts, target{"postgres", func() (string, func(), error) { return postgresSchema(ctx, cfg.PostgresURL) }})
	}
	return ts
}

// postgresSchema creates a scratch schema on the server at base and
// returns a DSN using it and a function that drops it.
func postgresSchema(ctx context.Context, base string) (string, func(), error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	drop := func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// eachStore runs one benchmark on every scratch store, collecting the
// results; it stops at the first error, naming the bench and the store.
func eachStore(ctx context.Context, cfg Config, what string, run func(tg target) ([]Result, error)) ([]Result, error) {
	var out []Result
	for _, tg := range scratchStores(ctx, cfg, what) {
		rs, err := run(tg)
		out = append(out, rs...)
		if err != nil {
			return out, fmt.Errorf("bench %s %s: %w", what, tg.name, err)
		}
	}
	return out, nil
}
