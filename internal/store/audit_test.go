package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sakimori/internal/audit"
	"sakimori/internal/org"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// rebind turns ? placeholders into $n for PostgreSQL.
func rebind(db *store.DB, q string) string {
	if db.Dialect() != store.Postgres {
		return q
	}
	return store.Rebind(q)
}

// raw executes SQL directly, as someone with access to the database would.
func raw(t *testing.T, db *store.DB, q string, args ...any) error {
	t.Helper()
	_, err := store.RawDB(db).ExecContext(context.Background(), rebind(db, q), args...)
	return err
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Append(ctx, cli.Event("login", "user", "u1", audit.OutcomeFailure, "")); err != nil {
			t.Fatal(err)
		}
		stmts := []string{
			"UPDATE audit_log SET detail = 'x' WHERE seq = 1",
			"UPDATE audit_log SET seq = 2",
			"DELETE FROM audit_log WHERE seq = 1",
			"DELETE FROM audit_log",
		}
		if db.Dialect() == store.Postgres {
			stmts = append(stmts, "TRUNCATE audit_log")
		}
		for _, q := range stmts {
			err := raw(t, db, q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want the append-only error", q, err)
			}
		}
		if v, err := db.VerifyAudit(ctx, nil); err != nil || v.Problem() != nil || v.Count() != 1 {
			t.Fatalf("verify after refused changes: %d %v %v", v.Count(), v.Problem(), err)
		}
	})
}

func TestListAuditFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
		alice := audit.Actor{UserID: "u-alice", Name: "alice@example.jp", OrgID: "o-1", SourceAddr: "192.0.2.1"}
		bob := audit.Actor{UserID: "u-bob", Name: "bob@example.jp", OrgID: "o-2"}
		var es []audit.Entry
		add := func(a audit.Actor, action, obj string, out audit.Outcome, minutes int) {
			e := a.Event(action, "user", obj, out, "")
			e.Time = t0.Add(time.Duration(minutes) * time.Minute)
			es = append(es, e)
		}
		add(alice, "login", "u-alice", audit.OutcomeSuccess, 0)        // 1
		add(alice, "user.create", "u-carol", audit.OutcomeSuccess, 1)  // 2
		add(bob, "login", "u-bob", audit.OutcomeFailure, 2)            // 3
		add(bob, "user.update", "u-carol", audit.OutcomeDenied, 3)     // 4
		add(alice, "user.update", "u-carol", audit.OutcomeSuccess, 4)  // 5
		add(alice, "userX.create", "u-dave", audit.OutcomeSuccess, 5)  // 6: "user_." must not match this
		add(bob, "token.create", "t-1", audit.OutcomeSuccess, 6)       // 7
		add(alice, "org.read_contact", "o-2", audit.OutcomeSuccess, 7) // 8
		add(bob, "org.read_contact", "o-1", audit.OutcomeDenied, 8)    // 9
		add(alice, "audit.read", "", audit.OutcomeSuccess, 9)          // 10
		if err := db.Append(ctx, es[:5]...); err != nil {              // several entries in one transaction
			t.Fatal(err)
		}
		for _, e := range es[5:] {
			if err := db.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		seqs := func(es []audit.Entry) []int64 {
			var s []int64
			for _, e := range es {
				s = append(s, e.Seq)
			}
			return s
		}
		cases := []struct {
			name string
			f    store.AuditFilter
			want []int64
			next int64
		}{
			{"all, newest first", store.AuditFilter{}, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 0},
			{"ascending", store.AuditFilter{Ascending: true, Limit: 3}, []int64{1, 2, 3}, 3},
			{"ascending after cursor", store.AuditFilter{Ascending: true, Limit: 3, After: 3}, []int64{4, 5, 6}, 6},
			{"descending after cursor", store.AuditFilter{Limit: 4, After: 7}, []int64{6, 5, 4, 3}, 3},
			{"last page", store.AuditFilter{Limit: 4, After: 3}, []int64{2, 1}, 0},
			{"exact page", store.AuditFilter{Limit: 10}, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 0},
			{"action", store.AuditFilter{Action: "login"}, []int64{3, 1}, 0},
			{"action prefix", store.AuditFilter{Action: "user."}, []int64{5, 4, 2}, 0},
			{"action without a dot is exact", store.AuditFilter{Action: "org.read_"}, nil, 0},
			{"underscore in a prefix is literal", store.AuditFilter{Action: "user_."}, nil, 0},
			{"percent in a prefix is literal", store.AuditFilter{Action: "user%."}, nil, 0},
			{"action prefix, underscore literal", store.AuditFilter{Action: "org."}, []int64{9, 8}, 0},
			{"actor", store.AuditFilter{ActorID: "u-bob"}, []int64{9, 7, 4, 3}, 0},
			{"org", store.AuditFilter{OrgID: "o-1"}, []int64{10, 8, 6, 5, 2, 1}, 0},
			{"object", store.AuditFilter{ObjectID: "u-carol"}, []int64{5, 4, 2}, 0},
			{"outcome", store.AuditFilter{Outcome: audit.OutcomeDenied}, []int64{9, 4}, 0},
			{"since", store.AuditFilter{Since: t0.Add(8 * time.Minute)}, []int64{10, 9}, 0},
			{"until (exclusive)", store.AuditFilter{Until: t0.Add(2 * time.Minute)}, []int64{2, 1}, 0},
			{"window", store.AuditFilter{Since: t0.Add(3 * time.Minute), Until: t0.Add(5 * time.Minute), Ascending: true}, []int64{4, 5}, 0},
			{"combined", store.AuditFilter{ActorID: "u-alice", Action: "user.", Outcome: audit.OutcomeSuccess}, []int64{5, 2}, 0},
			{"no match", store.AuditFilter{ActorID: "nobody"}, nil, 0},
		}
		for _, c := range cases {
			got, next, err := db.ListAudit(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !slices.Equal(seqs(got), c.want) || next != c.next {
				t.Errorf("%s: ListAudit(%+v) = %v next %d; want %v next %d", c.name, c.f, seqs(got), next, c.want, c.next)
			}
		}
		// Entries come back exactly as written.
		got, _, _ := db.ListAudit(ctx, store.AuditFilter{Ascending: true, Limit: 1})
		w := es[0]
		g := got[0]
		if g.ActorID != w.ActorID || g.ActorName != w.ActorName || g.OrgID != w.OrgID || g.SourceAddr != w.SourceAddr ||
			g.Action != w.Action || !g.Time.Equal(t0) || g.Outcome != w.Outcome || string(g.Hash) != string(audit.Compute(&g)) {
			t.Errorf("round trip: %+v", g)
		}
		// Limits are clamped.
		many := make([]audit.Entry, 1100)
		for i := range many {
			many[i] = alice.Event("org.read_contact", "org", fmt.Sprint(i), audit.OutcomeSuccess, "")
		}
		if err := db.Append(ctx, many...); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {5000, 1000}, {1000, 1000}, {7, 7}} {
			got, next, err := db.ListAudit(ctx, store.AuditFilter{Limit: c.limit})
			if err != nil || len(got) != c.want || next == 0 {
				t.Errorf("Limit %d: %d entries, next %d, %v; want %d", c.limit, len(got), next, err, c.want)
			}
		}
		if h, _ := db.AuditHead(ctx); h.Seq != 1110 {
			t.Errorf("head %d", h.Seq)
		}
		if v, err := db.VerifyAudit(ctx, nil); err != nil || v.Problem() != nil || v.Count() != 1110 {
			t.Errorf("verify: %d %v %v", v.Count(), v.Problem(), err)
		}
	})
}

// Every write appends its entry in the same transaction: a write that fails
// leaves no entry, and each kind of write leaves exactly one.
func TestWritesAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := mustCreateOrg(t, db, newOrg("org-a", org.KindVendor, ""))
		u := mustCreateUser(t, db, o.ID, "a@example.jp", "A", "viewer")
		u.DisplayName = "A2"
		if err := db.UpdateUser(ctx, cli, u); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPassword(ctx, cli, u.ID, "h"); err != nil {
			t.Fatal(err)
		}
		o.Name.EN = "Renamed"
		if err := db.UpdateOrg(ctx, cli, o); err != nil {
			t.Fatal(err)
		}
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
			if e.ActorName != "cli" || e.Outcome != audit.OutcomeSuccess {
				t.Errorf("entry %+v", e)
			}
		}
		want := []string{"org.create", "user.create", "user.update", "user.password", "org.update"}
		if !slices.Equal(actions, want) {
			t.Errorf("actions %v, want %v", actions, want)
		}
		if es[1].ObjectID != u.ID || !strings.Contains(es[1].Detail, "a@example.jp") {
			t.Errorf("user.create entry %+v", es[1])
		}
		// Audit details never carry the password hash.
		for _, e := range es {
			if strings.Contains(e.Detail, "hash-of") || e.Detail == "h" {
				t.Errorf("secret in audit detail: %+v", e)
			}
		}
	})
}

// Entries with unusual content verify on both stores, including the sizes
// the packed SQLite read path cannot describe and reads another way.
func TestVerifyAuditUnusualEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v, err := db.VerifyAudit(ctx, nil)
		if err != nil || v.Problem() != nil || v.Count() != 0 || v.Head().Seq != 0 {
			t.Fatalf("empty chain: %d %v %v", v.Count(), v.Problem(), err)
		}
		if v, _ := db.VerifyAudit(ctx, []audit.Anchor{{Seq: 3, Hash: make([]byte, 32)}}); v.Problem() == nil || v.Problem().Kind != audit.ProblemRemoved {
			t.Fatalf("empty chain with an anchor: %v", v.Problem())
		}
		details := []string{
			"",
			"東京電力パワーグリッド 送配電 🔌",
			"nul\x00inside\x00",
			"\xff\xfe not UTF-8",
			strings.Repeat("a", 0xfffd),   // the length char() shares with U+FFFD
			strings.Repeat("b", 0xd800),   // a length in the surrogate range
			strings.Repeat("c", 0x10ffff), // the largest code point
			strings.Repeat("d", 0x110000), // beyond any code point
		}
		for i, d := range details {
			e := cli.Event("import", "note", fmt.Sprint(i), audit.OutcomeSuccess, d)
			e.ActorName = d[:min(len(d), 40)]
			if err := db.Append(ctx, e); err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
		for _, batch := range []int{store.AuditScanBatch, 3} {
			v, err = store.VerifyAuditBatch(ctx, db, nil, batch)
			if err != nil || v.Problem() != nil || v.Count() != int64(len(details)) {
				t.Fatalf("batch %d: count %d problem %v err %v", batch, v.Count(), v.Problem(), err)
			}
		}
		// NUL bytes and invalid UTF-8 are stored (and sealed) as U+FFFD on
		// both dialects, so raw input can never make its audit record fail.
		es, _, _ := db.ListAudit(ctx, store.AuditFilter{ObjectID: "2"})
		if len(es) != 1 || es[0].Detail != "nul\uFFFDinside\uFFFD" {
			t.Errorf("NUL bytes stored as %+v", es)
		}
		es, _, _ = db.ListAudit(ctx, store.AuditFilter{ObjectID: "3"})
		if len(es) != 1 || es[0].Detail != "\uFFFD not UTF-8" || es[0].ActorName != "\uFFFD not UTF-8" {
			t.Errorf("invalid UTF-8 stored as %+v", es)
		}
		h, _ := db.AuditHead(ctx)
		if got := v.Head(); got.Seq != h.Seq || string(got.Hash) != string(h.Hash) {
			t.Errorf("verifier head %v, store head %v", got, h)
		}
		// Altering one of the large entries is found like any other change.
		dropTriggers(t, db)
		must(t, db, "UPDATE audit_log SET detail = ? WHERE seq = 7", strings.Repeat("c", 0x10fffe)+"x")
		v, err = db.VerifyAudit(ctx, nil)
		if err != nil || v.Problem() == nil || v.Problem().Seq != 7 || v.Problem().Kind != audit.ProblemAltered {
			t.Fatalf("altered large entry: %v %v", v.Problem(), err)
		}
	})
}
