package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"sakimori/internal/audit"
)

// This file is the fast read path of `audit verify`. The chain is read in
// pages of consecutive sequence numbers by several readers at once, each on
// its own connection, and handed to the verifier in order, so reading and
// hashing overlap. Rows are decoded with few allocations: on SQLite each
// row arrives as one packed value (driver calls per column are what cost
// most there), on PostgreSQL the binary wire values are copied into one
// buffer per page.

// auditScanColumns are the text and hash columns in canonical order.
var auditScanColumns = []string{"actor_id", "actor_name", "org_id", "action", "object_type",
	"object_id", "source_addr", "outcome", "detail", "prev_hash", "hash"}

// verifyScan feeds fn every entry with seq <= maxSeq (and any entry with a
// sequence number below 1) in sequence order, in batches of at most batch
// entries. fn must not keep the batch; it may stop the scan with an error.
func (db *DB) verifyScan(ctx context.Context, maxSeq int64, batch int, fn func([]audit.Entry) error) error {
	pages := (maxSeq + int64(batch) - 1) / int64(batch)
	if pages < 1 {
		pages = 1 // a chain of forged entries numbered below 1 still gets read
	}
	readers := int64(max(1, min(runtime.GOMAXPROCS(0), 4)))
	readers = min(readers, pages)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	type page struct {
		es  []audit.Entry
		err error
	}
	// Reader r reads pages r, r+readers, r+2*readers... into its own
	// channel; the consumer takes the channels in turn, which restores order.
	chans := make([]chan page, readers)
	for r := range readers {
		ch := make(chan page, 1)
		chans[r] = ch
		wg.Go(func() {
			defer close(ch)
			for p := r; p < pages; p += readers {
				lo, hi := p*int64(batch), min((p+1)*int64(batch), maxSeq)
				es, err := db.readAuditPage(ctx, lo, hi, p == 0, batch)
				select {
				case ch <- page{es, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		})
	}
	for p := range pages {
		pg, ok := <-chans[p%readers]
		if !ok {
			return ctx.Err()
		}
		if pg.err != nil {
			return mapErr(pg.err)
		}
		if len(pg.es) == 0 && p < pages-1 {
			// A whole page is missing. Hand over the next entry that
			// exists (the verifier reports the gap) rather than walking
			// through empty pages, however far the numbers jump.
			next, err := db.nextAuditEntry(ctx, (p+1)*int64(batch))
			if err != nil {
				return mapErr(err)
			}
			if next == nil {
				return nil
			}
			pg.es = []audit.Entry{*next}
		}
		if err := fn(pg.es); err != nil {
			return err
		}
	}
	return nil
}

// nextAuditEntry returns the first entry after seq, or nil.
func (db *DB) nextAuditEntry(ctx context.Context, seq int64) (*audit.Entry, error) {
	e, err := scanAudit(db.r.QueryRowContext(ctx, db.rebind("SELECT "+auditCols+" FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 1"), seq))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return &e, err
}

// readAuditPage reads the entries with lo < seq <= hi (seq <= hi for the
// first page), at most limit of them.
func (db *DB) readAuditPage(ctx context.Context, lo, hi int64, first bool, limit int) ([]audit.Entry, error) {
	if db.dialect == Postgres {
		return db.readAuditPagePostgres(ctx, lo, hi, first, limit)
	}
	return db.readAuditPageSQLite(ctx, lo, hi, first, limit)
}

// sqlitePackedQuery selects each row as seq, time and one text value: the
// byte lengths of the eleven text and hash columns as code points (char()),
// followed by the columns themselves (concat()). Reading one value instead
// of eleven saves most of the per-row cost of the SQLite driver.
var sqlitePackedQuery = func() string {
	lens := make([]string, len(auditScanColumns))
	for i, c := range auditScanColumns {
		lens[i] = "octet_length(" + c + ")"
	}
	return "SELECT seq, time, concat(char(" + strings.Join(lens, ", ") + "), " +
		strings.Join(auditScanColumns, ", ") + ") FROM audit_log"
}()

func (db *DB) readAuditPageSQLite(ctx context.Context, lo, hi int64, first bool, limit int) ([]audit.Entry, error) {
	q, args := sqlitePackedQuery+" WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", []any{lo, hi, limit}
	if first {
		q, args = sqlitePackedQuery+" WHERE seq <= ? ORDER BY seq LIMIT ?", []any{hi, limit}
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	es := make([]audit.Entry, 0, min(int64(limit), max(hi-lo, 1)))
	hashes := make([]byte, 0, cap(es)*2*audit.HashSize)
	var retry []int // rows the packed form cannot describe: read them plainly
	for rows.Next() {
		var e audit.Entry
		var us int64
		var packed sql.NullString
		if err := rows.Scan(&e.Seq, &us, &packed); err != nil {
			return nil, err
		}
		e.Time = time.UnixMicro(us).UTC()
		if !packed.Valid || !unpackAuditRow(&e, packed.String, &hashes) {
			retry = append(retry, len(es))
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for _, i := range retry {
		e, err := scanAudit(db.r.QueryRowContext(ctx, "SELECT "+auditCols+" FROM audit_log WHERE seq = ?", es[i].Seq))
		if err != nil {
			return nil, fmt.Errorf("store: read audit entry %d: %w", es[i].Seq, err)
		}
		es[i] = e
	}
	return es, nil
}

// unpackAuditRow decodes the packed columns into e. Text fields become
// substrings of packed (no copies); hashes are appended to *hashes. It
// reports false when the value cannot be decoded unambiguously: a length of
// 1,114,112 bytes or more (char() turns those into U+FFFD, which could also
// be a real length of 65,533) or a malformed value.
func unpackAuditRow(e *audit.Entry, packed string, hashes *[]byte) bool {
	var lens [11]int
	i := 0
	for k := range lens {
		if i >= len(packed) {
			return false
		}
		// Decode one UTF-8 sequence as SQLite's char() writes it (it does
		// not refuse surrogates, so neither does this decoder).
		c := packed[i]
		var v, n int
		switch {
		case c < 0x80:
			v, n = int(c), 1
		case c&0xe0 == 0xc0:
			v, n = int(c&0x1f), 2
		case c&0xf0 == 0xe0:
			v, n = int(c&0x0f), 3
		case c&0xf8 == 0xf0:
			v, n = int(c&0x07), 4
		default:
			return false
		}
		if i+n > len(packed) {
			return false
		}
		for j := 1; j < n; j++ {
			v = v<<6 | int(packed[i+j]&0x3f)
		}
		if v == 0xfffd {
			return false
		}
		lens[k] = v
		i += n
	}
	fields := [9]*string{&e.ActorID, &e.ActorName, &e.OrgID, &e.Action, &e.ObjectType,
		&e.ObjectID, &e.SourceAddr, (*string)(&e.Outcome), &e.Detail}
	for k, f := range fields {
		if i+lens[k] > len(packed) {
			return false
		}
		*f = packed[i : i+lens[k]]
		i += lens[k]
	}
	if i+lens[9]+lens[10] != len(packed) {
		return false
	}
	e.PrevHash = appendHash(hashes, packed[i:i+lens[9]])
	e.Hash = appendHash(hashes, packed[i+lens[9]:])
	return true
}

func appendHash[T string | []byte](buf *[]byte, h T) []byte {
	start := len(*buf)
	*buf = append(*buf, h...)
	return (*buf)[start:len(*buf):len(*buf)]
}

func (db *DB) readAuditPagePostgres(ctx context.Context, lo, hi int64, first bool, limit int) ([]audit.Entry, error) {
	q, args := "SELECT "+auditCols+" FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3", []any{lo, hi, limit}
	if first {
		q, args = "SELECT "+auditCols+" FROM audit_log WHERE seq <= $1 ORDER BY seq LIMIT $2", []any{hi, limit}
	}
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var es []audit.Entry
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: unexpected PostgreSQL driver connection %T", dc)
		}
		rows, err := sc.Conn().Query(ctx, q, append([]any{pgx.QueryResultFormats{pgx.BinaryFormatCode}}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := int(min(int64(limit), max(hi-lo, 1)))
		es = make([]audit.Entry, 0, n)
		// All text of the page goes into one buffer that becomes one string;
		// ends records where each field ends in it.
		buf := make([]byte, 0, n*256)
		ends := make([]int, 0, n*9)
		hashes := make([]byte, 0, n*2*audit.HashSize)
		for rows.Next() {
			vs := rows.RawValues()
			if len(vs) != 13 {
				return fmt.Errorf("store: audit_log row has %d columns", len(vs))
			}
			var e audit.Entry
			var err error
			if e.Seq, err = pgInt(vs[0]); err != nil {
				return fmt.Errorf("store: audit_log seq: %w", err)
			}
			us, err := pgInt(vs[1])
			if err != nil {
				return fmt.Errorf("store: audit_log time at entry %d: %w", e.Seq, err)
			}
			e.Time = time.UnixMicro(us).UTC()
			for _, v := range vs[2:11] {
				buf = append(buf, v...)
				ends = append(ends, len(buf))
			}
			e.PrevHash = appendHash(&hashes, vs[11])
			e.Hash = appendHash(&hashes, vs[12])
			es = append(es, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		text := string(buf)
		start := 0
		for i := range es {
			e := &es[i]
			fields := [9]*string{&e.ActorID, &e.ActorName, &e.OrgID, &e.Action, &e.ObjectType,
				&e.ObjectID, &e.SourceAddr, (*string)(&e.Outcome), &e.Detail}
			for k, f := range fields {
				end := ends[i*9+k]
				*f = text[start:end]
				start = end
			}
		}
		return nil
	})
	return es, err
}

// pgInt decodes a binary PostgreSQL integer (int2, int4 or int8).
func pgInt(b []byte) (int64, error) {
	switch len(b) {
	case 8:
		return int64(binary.BigEndian.Uint64(b)), nil
	case 4:
		return int64(int32(binary.BigEndian.Uint32(b))), nil
	case 2:
		return int64(int16(binary.BigEndian.Uint16(b))), nil
	}
	return 0, fmt.Errorf("not a binary integer (%d bytes)", len(b))
}
