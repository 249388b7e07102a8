package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/audit"
	"sakimori/internal/feed"
	"sakimori/internal/intel/inteltest"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

func TestFeedStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := inteltest.New(t, db)
		act := audit.Actor{Name: "cli"}
		const secret = "super-secret-token-value-XYZ"
		f := &feed.Feed{Name: "Upstream", Kind: feed.KindTAXII, URL: "https://taxii.example.jp/taxii2/api", RemoteCollection: "c-1",
			Secret: secret, CollectionID: w.Colls["exchange"].ID, OwnerOrgID: w.Orgs["isac"].ID, IntervalSeconds: 300, Enabled: true}
		if err := db.CreateFeed(ctx, act, f); err != nil {
			t.Fatal(err)
		}
		if f.Name != "upstream" || f.URL != "https://taxii.example.jp/taxii2/api/" || f.ID == "" {
			t.Fatalf("normalised feed %+v", f)
		}
		dup := *f
		if err := db.CreateFeed(ctx, act, &dup); apperr.CodeOf(err) != apperr.CodeConflict || apperr.As(err).Field != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
		bad := *f
		bad.Name, bad.CollectionID = "other", "nope"
		if err := db.CreateFeed(ctx, act, &bad); apperr.CodeOf(err) != apperr.CodeInvalid || apperr.As(err).Field != "collection_id" {
			t.Fatalf("unknown collection: %v", err)
		}
		got, err := db.GetFeed(ctx, "upstream")
		if err != nil || got.Secret != secret || !got.Enabled || got.IntervalSeconds != 300 || got.LastRunAt != nil {
			t.Fatalf("get: %+v %v", got, err)
		}
		if err := db.SaveFeedCursor(ctx, f.ID, "2026-11-01T00:00:00Z"); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveFeedDeletionsCursor(ctx, f.ID, "c7"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.GetFeed(ctx, f.ID); got.DeletionsCursor != "c7" {
			t.Fatalf("deletions cursor %q", got.DeletionsCursor)
		}
		if err := db.SaveFeedDeletionsCursor(ctx, "nope", "c7"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("deletions cursor of no feed: %v", err)
		}
		now := time.Now().UTC()
		if err := db.RecordFeedRun(ctx, audit.Actor{Name: "feed"}, f.ID, feed.RunResult{Finished: now, Pages: 2, Accepted: 3, Updated: 1,
			Duplicates: 4, Deleted: 2, Cursor: "2026-11-02T00:00:00Z", DeletionsCursor: "c9"}); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordFeedRun(ctx, audit.Actor{Name: "feed"}, f.ID, feed.RunResult{Finished: now.Add(time.Minute), Err: "remote down",
			Cursor: "2026-11-02T00:00:00Z", DeletionsCursor: "c9", Rejected: 1}); err != nil {
			t.Fatal(err)
		}
		got, _ = db.GetFeed(ctx, f.ID)
		if got.Runs != 2 || got.Accepted != 3 || got.Updated != 1 || got.Duplicates != 4 || got.Rejected != 1 ||
			got.Deleted != 2 || got.DeletionsCursor != "c9" || got.Cursor != "2026-11-02T00:00:00Z" || got.LastError != "remote down" || got.LastOKAt == nil || got.LastRunAt == nil ||
			!got.LastRunAt.After(*got.LastOKAt) {
			t.Fatalf("run state %+v", got)
		}
		got.Enabled, got.IntervalSeconds = false, 3600
		if err := db.UpdateFeed(ctx, act, got, true); err != nil {
			t.Fatal(err)
		}
		got, _ = db.GetFeed(ctx, f.ID)
		if got.Enabled || got.IntervalSeconds != 3600 || got.Cursor != "" || got.DeletionsCursor != "" || got.Runs != 2 {
			t.Fatalf("updated %+v", got)
		}
		list, err := db.ListFeeds(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		if err := db.DeleteFeed(ctx, act, "upstream"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetFeed(ctx, "upstream"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("after delete: %v", err)
		}
		if err := db.DeleteFeed(ctx, act, "upstream"); apperr.CodeOf(err) != apperr.CodeNotFound {
			t.Fatalf("delete twice: %v", err)
		}
		es, _, err := db.ListAudit(ctx, store.AuditFilter{Action: "feed.", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range es {
			actions[e.Action]++
			if strings.Contains(e.Detail, secret) {
				t.Errorf("audit entry %s reveals the secret: %s", e.Action, e.Detail)
			}
		}
		if actions["feed.create"] != 1 || actions["feed.update"] != 1 || actions["feed.delete"] != 1 || actions["feed.run"] != 2 {
			t.Errorf("audit actions %v", actions)
		}
	})
}
