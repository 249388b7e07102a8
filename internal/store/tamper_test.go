package store_test

import (
	"context"
	"fmt"
	"testing"

	"sakimori/internal/audit"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

const chainLen = 200

// buildChain writes chainLen audit entries through the store's real write
// paths and returns them as stored.
func buildChain(t *testing.T, db *store.DB) []audit.Entry {
	t.Helper()
	ctx := context.Background()
	a := mustCreateOrg(t, db, newOrg("tokyo-power", org.KindOperator, org.SectorElectricity))
	b := mustCreateOrg(t, db, newOrg("it-partner", org.KindSupplier, ""))
	mustCreateUser(t, db, a.ID, "admin@tokyo-power.example.jp", "管理者", org.RoleOrgAdmin)
	mustCreateUser(t, db, a.ID, "analyst@tokyo-power.example.jp", "分析官", org.RoleAnalyst)
	mustCreateUser(t, db, b.ID, "admin@it-partner.example.jp", "Admin", org.RoleOrgAdmin)
	act := audit.Actor{UserID: "u-1", Name: "analyst@tokyo-power.example.jp", OrgID: a.ID, SourceAddr: "192.0.2.7"}
	for i := 5; i < chainLen; i += 5 {
		batch := make([]audit.Entry, 5)
		for j := range batch {
			batch[j] = act.Event("org.read_contact", "org", b.ID, audit.OutcomeSuccess, fmt.Sprintf("read %d", i+j))
		}
		if err := db.Append(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	es := allEntries(t, db)
	if len(es) != chainLen {
		t.Fatalf("chain has %d entries", len(es))
	}
	return es
}

func allEntries(t *testing.T, db *store.DB) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	var after int64
	for {
		es, next, err := db.ListAudit(context.Background(), store.AuditFilter{Ascending: true, Limit: 1000, After: after})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, es...)
		if next == 0 {
			return out
		}
		after = next
	}
}

// dropTriggers removes the append-only triggers, as an attacker with
// administrative access to the database can.
func dropTriggers(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete", "DROP TRIGGER audit_head_no_delete"}
	if db.Dialect() == store.Postgres {
		stmts = []string{"DROP TRIGGER audit_log_no_change ON audit_log", "DROP TRIGGER audit_log_no_truncate ON audit_log"}
	}
	for _, q := range stmts {
		if err := raw(t, db, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func insertEntry(t *testing.T, db *store.DB, e *audit.Entry) {
	t.Helper()
	err := raw(t, db, `INSERT INTO audit_log (seq, time, actor_id, actor_name, org_id, action, object_type,
		object_id, source_addr, outcome, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		e.Seq, e.Time.UnixMicro(), e.ActorID, e.ActorName, e.OrgID, e.Action, e.ObjectType, e.ObjectID,
		e.SourceAddr, string(e.Outcome), e.Detail, e.PrevHash, e.Hash)
	if err != nil {
		t.Fatalf("insert entry %d: %v", e.Seq, err)
	}
}

// renumberFrom moves entries seq >= from one place up, making room.
func renumberFrom(t *testing.T, db *store.DB, from int64) {
	t.Helper()
	if err := raw(t, db, "UPDATE audit_log SET seq = -seq - 1 WHERE seq >= ?", from); err != nil {
		t.Fatal(err)
	}
	if err := raw(t, db, "UPDATE audit_log SET seq = -seq WHERE seq < 0"); err != nil {
		t.Fatal(err)
	}
}

// must executes attacker SQL that has to succeed.
func must(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if err := raw(t, db, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func forged(es []audit.Entry, seq int64) audit.Entry {
	f := audit.Entry{Time: es[seq-2].Time, ActorName: "system", Action: "user.update", ObjectType: "user",
		ObjectID: "u-mallory", Outcome: audit.OutcomeSuccess, Detail: "roles=platform_admin"}
	audit.Seal(&f, es[seq-2].Seq, es[seq-2].Hash)
	return f
}

func TestAuditTampering(t *testing.T) {
	type want struct {
		seq   int64 // where the problem is
		kind  string
		count int64 // entries verified, when no problem is expected
	}
	ok := want{count: chainLen}
	const k = 137
	head := func(es []audit.Entry) []audit.Anchor {
		return []audit.Anchor{{Seq: chainLen, Hash: es[chainLen-1].Hash}}
	}
	cases := []struct {
		name    string
		tamper  func(t *testing.T, db *store.DB, es []audit.Entry)
		anchors func(es []audit.Entry) []audit.Anchor
		sqlite  want
		pg      want
	}{
		{name: "untouched", tamper: func(*testing.T, *store.DB, []audit.Entry) {},
			anchors: head, sqlite: ok, pg: ok},
		{name: "one field altered", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "UPDATE audit_log SET actor_name = 'someone-else@example.jp' WHERE seq = ?", k)
		}, sqlite: want{k, audit.ProblemAltered, 0}, pg: want{k, audit.ProblemAltered, 0}},
		{name: "time altered", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "UPDATE audit_log SET time = time - 3600000000 WHERE seq = 42")
		}, sqlite: want{42, audit.ProblemAltered, 0}, pg: want{42, audit.ProblemAltered, 0}},
		{name: "outcome of the first entry altered", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "UPDATE audit_log SET outcome = 'failure' WHERE seq = 1")
		}, sqlite: want{1, audit.ProblemAltered, 0}, pg: want{1, audit.ProblemAltered, 0}},
		{name: "altered and hash recomputed", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			e := es[k-1]
			e.Outcome, e.Detail = audit.OutcomeSuccess, "nothing to see"
			e.Hash = audit.Compute(&e)
			must(t, db, "UPDATE audit_log SET outcome = ?, detail = ?, hash = ? WHERE seq = ?", string(e.Outcome), e.Detail, e.Hash, k)
		}, sqlite: want{k, audit.ProblemAltered, 0}, pg: want{k, audit.ProblemAltered, 0}},
		{name: "entry deleted", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_log WHERE seq = ?", k)
		}, sqlite: want{k, audit.ProblemRemoved, 0}, pg: want{k, audit.ProblemRemoved, 0}},
		{name: "run of entries deleted", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_log WHERE seq >= 50 AND seq < 90")
		}, sqlite: want{50, audit.ProblemRemoved, 0}, pg: want{50, audit.ProblemRemoved, 0}},
		{name: "first entry deleted", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_log WHERE seq = 1")
		}, sqlite: want{1, audit.ProblemRemoved, 0}, pg: want{1, audit.ProblemRemoved, 0}},
		{name: "forged entry inserted, later entries renumbered", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			renumberFrom(t, db, k)
			f := forged(es, k)
			insertEntry(t, db, &f)
		}, sqlite: want{k, audit.ProblemInserted, 0}, pg: want{k, audit.ProblemInserted, 0}},
		{name: "forged entry inserted, later entries re-sealed, anchor after it", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_log WHERE seq >= ?", k)
			f := forged(es, k)
			insertEntry(t, db, &f)
			prev := f
			for _, e := range es[k-1:] {
				audit.Seal(&e, prev.Seq, prev.Hash)
				insertEntry(t, db, &e)
				prev = e
			}
			must(t, db, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", prev.Seq, prev.Hash)
		}, anchors: func(es []audit.Entry) []audit.Anchor { return []audit.Anchor{{Seq: 180, Hash: es[179].Hash}} },
			sqlite: want{180, audit.ProblemAnchor, 0}, pg: want{180, audit.ProblemAnchor, 0}},
		{name: "forged entry numbered 0", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			f := audit.Entry{Action: "login", Outcome: audit.OutcomeSuccess, Time: es[0].Time}
			audit.Seal(&f, -1, nil)
			insertEntry(t, db, &f)
		}, sqlite: want{0, audit.ProblemInserted, 0}, pg: want{0, audit.ProblemInserted, 0}},
		{name: "forged entry numbered far beyond the end", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			f := audit.Entry{Action: "login", Outcome: audit.OutcomeSuccess, Time: es[0].Time}
			audit.Seal(&f, 1_000_000_000_000, es[chainLen-1].Hash)
			insertEntry(t, db, &f)
		}, sqlite: want{chainLen + 1, audit.ProblemRemoved, 0}, pg: want{chainLen + 1, audit.ProblemRemoved, 0}},
		{name: "forged entry appended at the end", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			f := forged(append(es, audit.Entry{}), chainLen+1)
			insertEntry(t, db, &f)
		}, sqlite: want{chainLen + 1, audit.ProblemInserted, 0}, pg: want{chainLen + 1, audit.ProblemInserted, 0}},
		{name: "tail cut", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_log WHERE seq > 150")
		}, sqlite: want{151, audit.ProblemRemoved, 0}, pg: want{151, audit.ProblemRemoved, 0}}, // without an anchor the head row tells
		{name: "tail cut, anchor", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_log WHERE seq > 150")
		}, anchors: head, sqlite: want{151, audit.ProblemRemoved, 0}, pg: want{151, audit.ProblemRemoved, 0}},
		{name: "tail cut and head record rewritten, anchor", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_log WHERE seq > 150")
			must(t, db, "UPDATE audit_head SET seq = 150, hash = ? WHERE id = 1", es[149].Hash)
		}, anchors: head, sqlite: want{151, audit.ProblemRemoved, 0}, pg: want{151, audit.ProblemRemoved, 0}},
		{name: "last entry altered and re-hashed", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			e := es[chainLen-1]
			e.Detail = "nothing"
			e.Hash = audit.Compute(&e)
			must(t, db, "UPDATE audit_log SET detail = ?, hash = ? WHERE seq = ?", e.Detail, e.Hash, e.Seq)
		}, sqlite: want{chainLen, audit.ProblemAltered, 0}, pg: want{chainLen, audit.ProblemAltered, 0}}, // the head row keeps the old hash
		{name: "last entry altered and re-hashed, anchor", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			e := es[chainLen-1]
			e.Detail = "nothing"
			e.Hash = audit.Compute(&e)
			must(t, db, "UPDATE audit_log SET detail = ?, hash = ? WHERE seq = ?", e.Detail, e.Hash, e.Seq)
		}, anchors: head, sqlite: want{chainLen, audit.ProblemAnchor, 0}, pg: want{chainLen, audit.ProblemAnchor, 0}},
		{name: "head record deleted", tamper: func(t *testing.T, db *store.DB, es []audit.Entry) {
			must(t, db, "DELETE FROM audit_head")
		}, sqlite: want{chainLen, audit.ProblemAnchor, 0}, pg: want{chainLen, audit.ProblemAnchor, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				es := buildChain(t, db)
				dropTriggers(t, db)
				c.tamper(t, db, es)
				var anchors []audit.Anchor
				if c.anchors != nil {
					anchors = c.anchors(es)
				}
				w := c.sqlite
				if db.Dialect() == store.Postgres {
					w = c.pg
				}
				// The store's page size (one page here) and small pages read
				// by several readers at once give the same verdict.
				for _, batch := range []int{store.AuditScanBatch, 7, 64} {
					v, err := store.VerifyAuditBatch(ctx, db, anchors, batch)
					if err != nil {
						t.Fatalf("batch %d: VerifyAudit: %v", batch, err)
					}
					p := v.Problem()
					switch {
					case w.kind == "" && p != nil:
						t.Fatalf("batch %d: unexpected problem: %v", batch, p)
					case w.kind == "" && v.Count() != w.count:
						t.Fatalf("batch %d: verified %d entries, want %d", batch, v.Count(), w.count)
					case w.kind != "" && (p == nil || p.Seq != w.seq || p.Kind != w.kind):
						t.Fatalf("batch %d: problem %v, want %s at entry %d", batch, p, w.kind, w.seq)
					}
				}
			})
		})
	}
}
