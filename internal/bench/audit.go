package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"sakimori/internal/audit"
	"sakimori/internal/store"
)

func init() {
	Register(Bench{
		Name: "audit",
		Description: "audit trail: verification throughput in memory (1 worker and GOMAXPROCS), " +
			"end-to-end `audit verify` from SQLite and PostgreSQL, and append throughput",
		Run: runAudit,
	})
}

// Workload sizes of the audit benchmark.
const (
	AuditVerifyEntries      = 1_000_000 // entries in the verified chain
	AuditVerifyEntriesQuick = 20_000
	auditAppends            = 5_000 // single appends (each one transaction)
	auditAppendsQuick       = 300
)

func runAudit(ctx context.Context, cfg Config, progress io.Writer) ([]Result, error) {
	if progress == nil {
		progress = io.Discard
	}
	n, appends, rounds := AuditVerifyEntries, auditAppends, 3
	if cfg.Quick {
		n, appends, rounds = AuditVerifyEntriesQuick, auditAppendsQuick, 1
	}
	fmt.Fprintf(progress, "audit: sealing %d synthetic entries\n", n)
	es := AuditEntries(n)
	var out []Result

	// (a) Pure verification in memory.
	for i, w := range []int{1, runtime.GOMAXPROCS(0)} {
		if i > 0 && w == 1 {
			continue // GOMAXPROCS is 1: measured already
		}
		var rates []float64
		for range rounds {
			d, err := VerifyEntries(es, w)
			if err != nil {
				return out, err
			}
			rates = append(rates, float64(n)/d.Seconds())
		}
		out = append(out, Result{Name: fmt.Sprintf("audit/memory/verify-workers-%d", w), Value: median(rates),
			Unit: "entries/s", N: int64(n), Note: fmt.Sprintf("median of %d", rounds)})
		fmt.Fprintln(progress, out[len(out)-1])
	}

	// (b) End to end from each store, (c) appends.
	rs, err := eachStore(ctx, cfg, "audit", func(tg target) ([]Result, error) {
		return auditStoreBench(ctx, tg.name, tg.dsn, es, appends, rounds, progress)
	})
	return append(out, rs...), err
}

func auditStoreBench(ctx context.Context, name string, mk func() (string, func(), error), es []audit.Entry,
	appends, rounds int, progress io.Writer) ([]Result, error) {
	var out []Result
	// Verification: a fresh store holding the whole chain.
	dsn, cleanup, err := mk()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	fmt.Fprintf(progress, "audit: loading %d entries into %s\n", len(es), name)
	start := time.Now()
	if err := LoadAudit(ctx, dsn, es); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "audit: loaded in %v\n", time.Since(start).Round(time.Millisecond))
	var rates []float64
	for range rounds {
		start := time.Now()
		v, err := db.VerifyAudit(ctx, nil)
		d := time.Since(start)
		if err != nil {
			return nil, err
		}
		if p := v.Problem(); p != nil || v.Count() != int64(len(es)) {
			return nil, fmt.Errorf("verify: %d entries, problem %v", v.Count(), p)
		}
		rates = append(rates, float64(len(es))/d.Seconds())
	}
	out = append(out, Result{Name: "audit/" + name + "/verify", Value: median(rates), Unit: "entries/s",
		N: int64(len(es)), Note: fmt.Sprintf("store.VerifyAudit, median of %d, GOMAXPROCS=%d", rounds, runtime.GOMAXPROCS(0))})
	fmt.Fprintln(progress, out[len(out)-1])

	// Appends: one entry per transaction, one appender, on a chain that
	// already holds the entries above (the head lookup is what grows).
	act := audit.Actor{UserID: "0190c1e0-0000-7000-8000-000000000001", Name: "analyst@example.jp",
		OrgID: "0190c1e0-1111-7000-8000-000000000001", SourceAddr: "192.0.2.10"}
	start = time.Now()
	for i := range appends {
		if err := db.Append(ctx, act.Event("org.read_contact", "org", strconv.Itoa(i), audit.OutcomeSuccess, "")); err != nil {
			return out, err
		}
	}
	d := time.Since(start)
	out = append(out, Result{Name: "audit/" + name + "/append", Value: float64(appends) / d.Seconds(), Unit: "entries/s",
		N: int64(appends), Note: "store.Append, one entry per transaction, one appender" + syncNote(name)})
	fmt.Fprintln(progress, out[len(out)-1])
	return out, nil
}

func syncNote(name string) string {
	if name == "sqlite" {
		return ", synchronous=FULL"
	}
	return ""
}

func openMigrated(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// AuditEntries returns n sealed synthetic audit entries starting a chain: a
// mix of logins, reads and administrative changes with realistic field sizes.
func AuditEntries(n int) []audit.Entry {
	actions := []string{"login", "org.read_contact", "user.update", "token.create", "audit.read", "org.update", "link.add"}
	actors := []string{"analyst@tokyo-power.example.jp", "soc@nco.go.jp.example", "admin@it-partner.example.jp",
		"auditor@oversight.go.jp.example", "reporter@osaka-gas.example.jp"}
	orgs := []string{"0190c1e0-1111-7000-8000-000000000001", "0190c1e0-2222-7000-8000-000000000002",
		"0190c1e0-3333-7000-8000-000000000003"}
	outcomes := []audit.Outcome{audit.OutcomeSuccess, audit.OutcomeSuccess, audit.OutcomeSuccess, audit.OutcomeDenied, audit.OutcomeFailure}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	es := make([]audit.Entry, n)
	var prevSeq int64
	prevHash := audit.Genesis
	for i := range es {
		e := &es[i]
		*e = audit.Entry{
			Time:       t0.Add(time.Duration(i) * 1700 * time.Microsecond),
			ActorID:    orgs[i%len(orgs)][:24] + fmt.Sprintf("%012x", i%997),
			ActorName:  actors[i%len(actors)],
			OrgID:      orgs[i%len(orgs)],
			Action:     actions[i%len(actions)],
			ObjectType: "user",
			ObjectID:   fmt.Sprintf("0190c1e0-%04x-7000-8000-%012x", i%65536, i),
			SourceAddr: "192.0.2." + strconv.Itoa(i%250+1),
			Outcome:    outcomes[i%len(outcomes)],
			Detail:     "roles=analyst,reporter",
		}
		audit.Seal(e, prevSeq, prevHash)
		prevSeq, prevHash = e.Seq, e.Hash
	}
	return es
}

// VerifyEntries verifies es in memory, in the batches the store uses, with
// the given number of workers, and returns the time it took.
func VerifyEntries(es []audit.Entry, workers int) (time.Duration, error) {
	start := time.Now()
	v := &audit.Verifier{Workers: workers}
	const batch = store.AuditScanBatch
	for lo := 0; lo < len(es); lo += batch {
		if p := v.Add(es[lo:min(lo+batch, len(es))]); p != nil {
			return 0, p
		}
	}
	if p := v.Finish(); p != nil {
		return 0, p
	}
	return time.Since(start), nil
}

// LoadAudit appends the sealed entries es (which must continue the chain in
// the store at dsn) directly with SQL, bypassing the store's one-entry-per-
// transaction path: multi-row INSERTs in large transactions on SQLite, COPY
// on PostgreSQL. It exists to build large chains for benchmarks quickly.
func LoadAudit(ctx context.Context, dsn string, es []audit.Entry) error {
	if len(es) == 0 {
		return nil
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return loadAuditPostgres(ctx, dsn, es)
	}
	return loadAuditSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), es)
}

var auditLoadCols = []string{"seq", "time", "actor_id", "actor_name", "org_id", "action", "object_type",
	"object_id", "source_addr", "outcome", "detail", "prev_hash", "hash"}

func auditRow(e *audit.Entry) []any {
	return []any{e.Seq, e.Time.UnixMicro(), e.ActorID, e.ActorName, e.OrgID, e.Action, e.ObjectType,
		e.ObjectID, e.SourceAddr, string(e.Outcome), e.Detail, e.PrevHash, e.Hash}
}

func loadAuditSQLite(ctx context.Context, path string, es []audit.Entry) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(OFF)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	const rowsPer = 500   // 13 * 500 parameters per statement
	const perTx = 100_000 // rows per transaction
	ph := "(" + strings.TrimSuffix(strings.Repeat("?,", len(auditLoadCols)), ",") + ")"
	stmtFor := func(rows int) string {
		return "INSERT INTO audit_log (" + strings.Join(auditLoadCols, ",") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(ph+",", rows), ",")
	}
	full := stmtFor(rowsPer)
	args := make([]any, 0, rowsPer*len(auditLoadCols))
	for lo := 0; lo < len(es); lo += perTx {
		hi := min(lo+perTx, len(es))
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, full)
		if err != nil {
			tx.Rollback()
			return err
		}
		for i := lo; i < hi; i += rowsPer {
			j := min(i+rowsPer, hi)
			args = args[:0]
			for k := i; k < j; k++ {
				args = append(args, auditRow(&es[k])...)
			}
			if j-i == rowsPer {
				_, err = st.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, stmtFor(j-i), args...)
			}
			if err != nil {
				st.Close()
				tx.Rollback()
				return err
			}
		}
		st.Close()
		last := &es[hi-1]
		if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", last.Seq, last.Hash); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

func loadAuditPostgres(ctx context.Context, dsn string, es []audit.Entry) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, auditLoadCols,
			pgx.CopyFromSlice(len(es), func(i int) ([]any, error) { return auditRow(&es[i]), nil }))
		if err != nil {
			return err
		}
		last := &es[len(es)-1]
		if _, err := tx.Exec(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", last.Seq, last.Hash); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}
