// Package store is sakimori's persistence: hand-written SQL for SQLite (the
// embedded default) and PostgreSQL (the scale-out store), with embedded,
// numbered migrations per dialect. Every public method is one transaction,
// and every write appends its audit entry in that same transaction, so a
// change and its audit record are committed together or not at all.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"sakimori/internal/apperr"
)

// Dialect names a supported database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrationsFS embed.FS

// DB is an open store. For SQLite it holds one writer connection and a pool
// of readers (WAL lets them run beside the writer); for PostgreSQL both are
// the same pool.
type DB struct {
	dialect Dialect
	w       *sql.DB // writes (and reads that must see them in one transaction)
	r       *sql.DB // reads
	// Now is the clock; tests may replace it.
	Now func() time.Time
}

// Options tune Open.
type Options struct {
	// MaxReaders bounds the SQLite read pool or the PostgreSQL pool (default 8 / 16).
	MaxReaders int
	// Synchronous is SQLite's synchronous pragma: FULL (default; every commit
	// reaches the disk) or NORMAL (survives a process crash, not a power loss).
	Synchronous string
}

// Open opens the store named by dsn: a "postgres://" or "postgresql://" URL
// selects PostgreSQL; a "sqlite:" DSN or a plain file path selects SQLite.
// It does not run migrations; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, opt)
	case dsn == "":
		return nil, apperr.Invalid("db", "no database given: use a file path, sqlite:PATH or postgres://...")
	default:
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opt)
	}
}

func openSQLite(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, apperr.Invalid("db", "sqlite: needs a file path")
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
		}
	}
	sync := strings.ToUpper(opt.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, apperr.Invalid("sqlite-synchronous", "must be FULL or NORMAL")
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(ON)", "synchronous(" + sync + ")"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	wq := url.Values{}
	for k, v := range q {
		wq[k] = append([]string(nil), v...)
	}
	wq.Add("_pragma", "journal_mode(WAL)")
	// The writer keeps up to 64 MiB of pages (the default is 2 MiB), so the
	// indexes of a large store stay in memory during bulk ingest, and
	// checkpoints the WAL every 40 MiB instead of every 4 MiB.
	wq.Add("_pragma", "cache_size(-65536)")
	wq.Add("_pragma", "wal_autocheckpoint(10000)")
	wq.Set("_txlock", "immediate") // take the write lock at BEGIN: no upgrade deadlocks
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode()+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := opt.MaxReaders
	if n <= 0 {
		n = 8
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db := &DB{dialect: SQLite, w: w, r: r, Now: time.Now}
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string, opt Options) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	n := opt.MaxReaders
	if n <= 0 {
		n = 16
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	p.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{dialect: Postgres, w: p, r: p, Now: time.Now}
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, apperr.Wrap(apperr.CodeUnavailable, err, "store: cannot reach PostgreSQL: %v", err)
	}
	return db, nil
}

// Dialect returns the database in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// Close closes the store.
func (db *DB) Close() error {
	err := db.w.Close()
	if db.r != db.w {
		if e := db.r.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Ping checks that the store answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return apperr.Wrap(apperr.CodeUnavailable, err, "store does not answer")
	}
	return nil
}

func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// rebind turns ? placeholders into $1, $2... for PostgreSQL.
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres {
		return q
	}
	return Rebind(q)
}

// Rebind turns ? placeholders into PostgreSQL's $1, $2..., for SQL written
// outside the store (benchmark seeds, tests acting on the database).
func Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Migration is one applied or pending migration.
type Migration struct {
	Version int
	Name    string
	Applied bool
}

func (db *DB) migrations() ([]Migration, map[int]string, error) {
	dir := "migrations/" + string(db.dialect)
	ents, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, nil, err
	}
	var ms []Migration
	bodies := map[int]string{}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, nil, fmt.Errorf("store: migration %s has no number", name)
		}
		b, err := migrationsFS.ReadFile(dir + "/" + name)
		if err != nil {
			return nil, nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name})
		bodies[v] = string(b)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, bodies, nil
}

// Migrate applies pending migrations, each in its own transaction, and
// records them in schema_migrations. It returns what was applied.
func (db *DB) Migrate(ctx context.Context) ([]Migration, error) {
	ts := "TIMESTAMP"
	if db.dialect == Postgres {
		ts = "TIMESTAMPTZ"
	}
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at `+ts+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	ms, bodies, err := db.migrations()
	if err != nil {
		return nil, err
	}
	var applied []Migration
	for _, m := range ms {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if db.dialect == Postgres {
				// Serialise concurrent migrators (several nodes starting at once).
				if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(727274)"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, db.rebind("SELECT COUNT(*) FROM schema_migrations WHERE version = ?"), m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, bodies[m.Version]); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, db.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
				m.Version, m.Name, db.now()); err != nil {
				return err
			}
			m.Applied = true
			applied = append(applied, m)
			return nil
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// Migrations lists all known migrations and whether each is applied.
func (db *DB) Migrations(ctx context.Context) ([]Migration, error) {
	ms, _, err := db.migrations()
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return ms, nil // table absent: nothing applied
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		done[v] = true
	}
	for i := range ms {
		ms[i].Applied = done[ms[i].Version]
	}
	return ms, rows.Err()
}

// tx runs fn in a write transaction.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return mapErr(err)
	}
	return mapErr(tx.Commit())
}

// readTx runs fn in a read-only transaction on the read pool, so it sees
// one consistent snapshot.
func (db *DB) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.dialect == Postgres})
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	return mapErr(fn(tx))
}

// mapErr turns driver errors into shared sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.ErrNotFound
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return apperr.Wrap(apperr.CodeConflict, err, "already exists")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return apperr.Wrap(apperr.CodeInvalid, err, "refers to something that does not exist")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return apperr.Wrap(apperr.CodeUnavailable, err, "store busy, try again")
		}
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return apperr.Wrap(apperr.CodeConflict, err, "already exists")
		case "23503":
			return apperr.Wrap(apperr.CodeInvalid, err, "refers to something that does not exist")
		case "40001", "40P01":
			return apperr.Wrap(apperr.CodeUnavailable, err, "store busy, try again")
		}
	}
	return err
}
