package intel_test

import (
	"context"
	"sakimori/internal/opaque"
	"strconv"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/intel"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/share"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func ingest(t *testing.T, w *inteltest.World, user, coll string, objs ...string) *share.Job {
	t.Helper()
	parsed, err := intel.ParseObjects(inteltest.Bundle(objs...))
	if err != nil {
		t.Fatal(err)
	}
	j, err := w.Svc.Ingest(context.Background(), w.P(user), coll, parsed, intel.IngestOptions{})
	if err != nil {
		t.Fatalf("ingest into %s as %s: %v", coll, user, err)
	}
	return j
}

func TestIngestVersionsAndReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		j := ingest(t, w, "op-a-analyst", "op-a-amber",
			inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""),
			inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"description":"second"`),
			inteltest.IndicatorVersion(2, 0, "198.51.100.2", ""),
			`{"type":"indicator","id":"bad"}`,
		)
		if j.Accepted != 2 || j.Updated != 1 || j.Rejected != 1 || j.Status != share.JobComplete {
			t.Fatalf("job = %+v", j)
		}
		if !strings.Contains(j.Failures[0].Message, "bad") {
			t.Errorf("failure message %q does not name the object", j.Failures[0].Message)
		}
		// Same again: duplicates.
		j = ingest(t, w, "op-a-analyst", "op-a-amber", inteltest.IndicatorVersion(1, 5, "198.51.100.1", `,"description":"second"`))
		if j.Duplicates != 1 {
			t.Fatalf("re-ingest: %+v", j)
		}
		// An older version arriving late is stored but is not the latest.
		j = ingest(t, w, "op-a-analyst", "op-a-amber", inteltest.IndicatorVersion(1, 3, "198.51.100.1", ""))
		if j.Updated != 1 {
			t.Fatalf("late version: %+v", j)
		}
		// Owner sees latest of each id.
		pg, err := w.Svc.Objects(ctx, w.P("op-a-analyst"), share.Query{Collection: "op-a-amber"})
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Records) != 2 {
			t.Fatalf("latest records = %d, want 2", len(pg.Records))
		}
		for _, r := range pg.Records {
			if r.ID == "indicator--00000001-0000-4000-8000-000000000000" && r.VersionText != "2026-11-01T00:05:00.000Z" {
				t.Errorf("latest version of 1 = %s", r.VersionText)
			}
			if !strings.Contains(string(r.Raw), "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421") {
				t.Errorf("emitted object lacks its AMBER marking: %s", r.Raw)
			}
		}
		// All versions, first.
		pg, _ = w.Svc.Objects(ctx, w.P("op-a-analyst"), share.Query{Collection: "op-a-amber", Versions: share.VersionMatch{All: true}})
		if len(pg.Records) != 4 {
			t.Errorf("all versions = %d, want 4", len(pg.Records))
		}
		pg, _ = w.Svc.Objects(ctx, w.P("op-a-analyst"), share.Query{Collection: "op-a-amber", Versions: share.VersionMatch{First: true}, IDs: []string{"indicator--00000001-0000-4000-8000-000000000000"}})
		if len(pg.Records) != 1 || pg.Records[0].VersionText != "2026-11-01T00:00:00.000Z" {
			t.Errorf("first = %+v", pg.Records)
		}
		// Audience op-b sees it; op-a's client sup sees AMBER; ven does not; government does not.
		for user, want := range map[string]int{"op-b-analyst": 2, "sup-analyst": 0, "ven-analyst": 0, "nco-analyst": 0, "isac-analyst": 0} {
			pg, err := w.Svc.Objects(ctx, w.P(user), share.Query{Collection: "op-a-amber"})
			if want == 0 {
				if err == nil && len(pg.Records) != 0 {
					t.Errorf("%s received %d AMBER objects", user, len(pg.Records))
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", user, err)
			} else if len(pg.Records) != want {
				t.Errorf("%s: %d records, want %d", user, len(pg.Records), want)
			}
		}
		// Paging.
		pg, _ = w.Svc.Objects(ctx, w.P("op-a-analyst"), share.Query{Collection: "op-a-amber", Versions: share.VersionMatch{All: true}, Limit: 3})
		if !pg.More || pg.Next == "" || len(pg.Records) != 3 {
			t.Fatalf("page 1: more=%v next=%q n=%d", pg.More, pg.Next, len(pg.Records))
		}
		pg2, _ := w.Svc.Objects(ctx, w.P("op-a-analyst"), share.Query{Collection: "op-a-amber", Versions: share.VersionMatch{All: true}, Limit: 3, Next: pg.Next})
		if pg2.More || len(pg2.Records) != 1 || !pg2.First.After(pg.Last) {
			t.Fatalf("page 2: more=%v n=%d", pg2.More, len(pg2.Records))
		}
		// History with diffs.
		h, err := w.Svc.History(ctx, w.P("op-b-analyst"), "indicator--00000001-0000-4000-8000-000000000000")
		if err != nil || len(h) != 3 {
			t.Fatalf("history: %v %d", err, len(h))
		}
		if len(h[2].Changes) != 1 || h[2].Changes[0].Path != "description" || h[2].Changes[0].Op != "added" {
			t.Errorf("changes = %+v", h[2].Changes)
		}
		// Another organisation cannot add a version of op-a's object.
		j = ingest(t, w, "isac-analyst", "exchange", inteltest.IndicatorVersion(7, 0, "203.0.113.7", ""))
		if j.Accepted != 1 {
			t.Fatal(j)
		}
		j = ingest(t, w, "op-b-analyst", "exchange", inteltest.IndicatorVersion(7, 9, "203.0.113.7", `,"revoked":true`))
		if j.Rejected != 1 {
			t.Fatalf("hijack: %+v", j)
		}
		// Write policy.
		parsed, _ := intel.ParseObjects(inteltest.Bundle(inteltest.Indicator(9, "192.0.2.9", "")))
		if _, err := w.Svc.Ingest(ctx, w.P("op-b-analyst"), "op-a-amber", parsed, intel.IngestOptions{}); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Errorf("op-b writing into op-a's owner-only collection: %v", err)
		}
		if _, err := w.Svc.Ingest(ctx, w.P("op-a-viewer"), "exchange", parsed, intel.IngestOptions{}); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Errorf("viewer writing: %v", err)
		}
		// Search by value finds it for entitled viewers only.
		recs, _, err := w.Svc.Search(ctx, w.P("op-b-analyst"), intel.SearchQuery{Text: "198.51.100.2"})
		if err != nil || len(recs) != 1 {
			t.Errorf("search op-b: %v %d", err, len(recs))
		}
		recs, _, _ = w.Svc.Search(ctx, w.P("ven-analyst"), intel.SearchQuery{Text: "198.51.100.2"})
		if len(recs) != 0 {
			t.Errorf("search ven found %d", len(recs))
		}
		// Delete: not by others, yes by owner, leaves tombstones.
		if _, err := w.Svc.Delete(ctx, w.P("op-b-analyst"), "op-a-amber", "indicator--00000002-0000-4000-8000-000000000000", share.VersionMatch{}, nil); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Errorf("delete by non-owner: %v", err)
		}
		ts, err := w.Svc.Delete(ctx, w.P("op-a-analyst"), "op-a-amber", "indicator--00000001-0000-4000-8000-000000000000", share.VersionMatch{Last: true}, nil)
		if err != nil || len(ts) != 1 {
			t.Fatalf("delete last: %v %d", err, len(ts))
		}
		pg, _ = w.Svc.Objects(ctx, w.P("op-a-analyst"), share.Query{Collection: "op-a-amber", IDs: []string{"indicator--00000001-0000-4000-8000-000000000000"}})
		if len(pg.Records) != 1 || pg.Records[0].VersionText != "2026-11-01T00:03:00.000Z" {
			t.Errorf("after deleting latest, latest = %+v", pg.Records)
		}
		dels, err := w.Svc.Deletions(ctx, w.P("op-b-analyst"), "op-a-amber", 0, 100)
		if err != nil || len(dels) != 1 {
			t.Errorf("deletions for op-b: %v %d", err, len(dels))
		}
		if dels, _ := w.Svc.Deletions(ctx, w.P("ven-analyst"), "exchange", 0, 100); len(dels) != 0 {
			t.Errorf("ven sees %d deletions", len(dels))
		}
		// A tombstone the viewer may not see still moves its cursor on.
		ingest(t, w, "isac-analyst", "exchange", inteltest.Indicator(8, "203.0.113.8", `,"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]`))
		ts, err = w.Svc.Delete(ctx, w.P("isac-analyst"), "exchange", "indicator--00000008-0000-4000-8000-000000000000", share.VersionMatch{}, nil)
		if err != nil || len(ts) != 1 {
			t.Fatalf("delete RED: %v", err)
		}
		items, next, more, err := w.Svc.DeletionsPage(ctx, w.P("ven-analyst"), "exchange", opaque.Start, 100)
		if err != nil || len(items) != 0 || len(next) != 22 || more {
			t.Errorf("ven's deletions page: %v, %d items, next %q", err, len(items), next)
		}
		// The cursor resumes after the tombstone, and only this server's
		// cursors are accepted (a seq is not one).
		// Positions are fresh: the same position is never the same text.
		if items, again, _, err := w.Svc.DeletionsPage(ctx, w.P("ven-analyst"), "exchange", next, 100); err != nil || len(items) != 0 || again == next || len(again) != 22 {
			t.Errorf("resumed: %v, %d items, next %q (was %q)", err, len(items), again, next)
		}
		// A full page says more may follow.
		if _, _, more, err := w.Svc.DeletionsPage(ctx, w.P("op-b-analyst"), "op-a-amber", "", 1); err != nil || !more {
			t.Errorf("a full page: more %v, %v", more, err)
		}
		for _, bad := range []string{"1", strconv.FormatInt(ts[0].Seq, 10), "A" + next[1:] + "x", strings.Repeat("A", 22)} {
			if _, _, _, err := w.Svc.DeletionsPage(ctx, w.P("ven-analyst"), "exchange", bad, 100); apperr.CodeOf(err) != apperr.CodeInvalid {
				t.Errorf("cursor %q: %v", bad, err)
			}
		}
		// op-b, entitled to the first deletion, gets it from the start.
		if items, _, _, err := w.Svc.DeletionsPage(ctx, w.P("op-b-analyst"), "op-a-amber", "", 100); err != nil || len(items) != 1 {
			t.Errorf("op-b's page: %v, %d", err, len(items))
		}
	})
}

func TestSubmitAsync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		w := inteltest.New(t, db)
		w.Svc.BatchSize = 2
		var objs []string
		for i := range 5 {
			objs = append(objs, inteltest.Indicator(100+i, "192.0.2."+string(rune('1'+i)), ""))
		}
		j, err := w.Svc.Submit(ctx, w.P("nco-analyst"), "advisories", inteltest.Bundle(objs...), intel.IngestOptions{Source: intel.SourceTAXII})
		if err != nil || j.Status != share.JobPending || j.Total != 5 {
			t.Fatalf("submit: %v %+v", err, j)
		}
		w.Svc.Start(ctx)
		if err := w.Svc.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		j, err = w.Svc.Job(ctx, w.P("nco-admin"), j.ID)
		if err != nil || j.Status != share.JobComplete || j.Accepted != 5 || len(j.Successes) != 5 {
			t.Fatalf("job: %v %+v", err, j)
		}
		if _, err := w.Svc.Job(ctx, w.P("op-a-analyst"), j.ID); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Errorf("other org reads status: %v", err)
		}
		if _, err := w.Svc.Submit(ctx, w.P("nco-analyst"), "advisories", []byte(`{"objects": 5}`), intel.IngestOptions{}); apperr.CodeOf(err) != apperr.CodeInvalid {
			t.Errorf("bad envelope: %v", err)
		}
	})
}

func TestRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		id := "indicator--00000001-0000-4000-8000-000000000000"
		ingest(t, w, "op-a-analyst", "op-a-amber", inteltest.IndicatorVersion(1, 0, "198.51.100.1", ""))
		if _, err := w.Svc.Revoke(ctx, w.P("op-b-analyst"), id, "not mine"); apperr.CodeOf(err) != apperr.CodeForbidden {
			t.Errorf("revoke by a recipient: %v", err)
		}
		if es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "intel.write", Outcome: "denied"}); err != nil || len(es) != 1 || es[0].ObjectID != id {
			t.Errorf("the refused revocation is not audited: %v %+v", err, es)
		}
		if _, err := w.Svc.Revoke(ctx, w.P("ven-analyst"), id, "cannot see"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Errorf("revoke by an outsider: %v", err)
		}
		recs, err := w.Svc.Revoke(ctx, w.P("op-a-analyst"), id, "false positive confirmed")
		if err != nil || len(recs) != 1 || !recs[0].Revoked {
			t.Fatalf("revoke: %v %+v", err, recs)
		}
		// Consumers receive the revoked version as the latest.
		pg, err := w.Svc.Objects(ctx, w.P("op-b-analyst"), share.Query{Collection: "op-a-amber", IDs: []string{id}})
		if err != nil || len(pg.Records) != 1 || !pg.Records[0].Revoked || !strings.Contains(string(pg.Records[0].Raw), `"revoked":true`) {
			t.Fatalf("after revoke: %v %+v", err, pg)
		}
		entries, _, err := w.Svc.Blocklist(ctx, w.P("op-b-analyst"), intel.BlockQuery{})
		if err != nil || len(entries) != 0 {
			t.Errorf("block list after revoke: %v %+v", err, entries)
		}
		// Revoking again changes nothing.
		if recs, err := w.Svc.Revoke(ctx, w.P("op-a-analyst"), id, "again"); err != nil || len(recs) != 1 {
			t.Errorf("second revoke: %v", err)
		}
		h, _ := w.Svc.History(ctx, w.P("op-a-analyst"), id)
		if len(h) != 2 {
			t.Errorf("history has %d versions, want 2", len(h))
		}
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "intel.revoke"})
		if err != nil || len(es) != 2 || es[1].Detail != "false positive confirmed" {
			t.Errorf("audit: %v %+v", err, es)
		}
	})
}

// TestWarninglistsLoadedOnFirstUse: a fresh service (a command-line import,
// a feed run) flags values with the lists kept in the store without being
// told to load them.
func TestWarninglistsLoadedOnFirstUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		list := `{"name":"Public resolvers","version":1,"type":"string","description":"d","matching_attributes":["ip-dst"],"list":["9.9.9.9"]}`
		if _, err := w.Svc.PutWarninglist(ctx, w.P("platform"), "resolvers.json", []byte(list)); err != nil {
			t.Fatal(err)
		}
		fresh := intel.New(db, inteltest.Quiet)
		objs, _ := intel.ParseObjects([]byte(inteltest.Indicator(5, "9.9.9.9", "")))
		if _, err := fresh.Ingest(ctx, w.P("nco-analyst"), "advisories", objs, intel.IngestOptions{}); err != nil {
			t.Fatal(err)
		}
		recs, _, err := fresh.Search(ctx, w.P("nco-analyst"), intel.SearchQuery{Text: "9.9.9.9"})
		if err != nil || len(recs) != 1 || len(recs[0].Flags) != 1 || recs[0].Flags[0].List != "Public resolvers" {
			t.Fatalf("flags of a fresh service's ingest: %v %+v", err, recs)
		}
		_, withheld, err := intel.New(db, inteltest.Quiet).Blocklist(ctx, w.P("nco-analyst"), intel.BlockQuery{})
		if err != nil || len(withheld) != 1 {
			t.Errorf("a fresh service's block list withheld %+v (%v)", withheld, err)
		}
	})
}
