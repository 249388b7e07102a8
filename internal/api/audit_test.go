package api

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// TestAuditPagesNewestFirst walks the audit trail in small pages: sequence
// numbers strictly decrease across all pages, nothing repeats or is
// skipped, and the time filters bound what comes back.
func TestAuditPagesNewestFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		all := f.auditEntries(t) // one page of up to 1000
		var seqs []int64
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(all) {
				t.Fatal("pagination does not end")
			}
			r := f.do("GET", "/api/v1/audit?limit=3&cursor="+url.QueryEscape(cursor), "auditor", nil)
			var p struct {
				Items []struct {
					Seq  int64     `json:"seq"`
					Time time.Time `json:"time"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			if r.Status != 200 || json.Unmarshal(r.Body, &p) != nil {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if len(p.Items) > 3 {
				t.Fatalf("%d items on a page of 3", len(p.Items))
			}
			for _, e := range p.Items {
				if n := len(seqs); n > 0 && e.Seq >= seqs[n-1] {
					t.Fatalf("seq %d after %d: not newest first", e.Seq, seqs[n-1])
				}
				seqs = append(seqs, e.Seq)
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		// Every entry that existed before the walk was seen; the walk's
		// own audit.read entries are newer and may appear too.
		seen := map[int64]bool{}
		for _, s := range seqs {
			seen[s] = true
		}
		for s := range all {
			if !seen[s] {
				t.Errorf("entry %d never appeared", s)
			}
		}
		if seqs[len(seqs)-1] != 1 {
			t.Errorf("last page ends at %d, not 1", seqs[len(seqs)-1])
		}
		// A window in the future is empty; one around now is not.
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		r := f.do("GET", "/api/v1/audit?since="+url.QueryEscape(future), "auditor", nil)
		if n := len(r.json(t)["items"].([]any)); r.Status != 200 || n != 0 {
			t.Errorf("since the future: %d entries (%d)", n, r.Status)
		}
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		r = f.do("GET", "/api/v1/audit?since="+url.QueryEscape(past)+"&until="+url.QueryEscape(future), "auditor", nil)
		if n := len(r.json(t)["items"].([]any)); r.Status != 200 || n == 0 {
			t.Errorf("last hour: %d entries (%d)", n, r.Status)
		}
		for _, bad := range []string{"cursor=abc", "cursor=" + encCursor("0"), "outcome=maybe", "until=never", "limit=1001"} {
			if r := f.do("GET", "/api/v1/audit?"+bad, "auditor", nil); r.Status != 400 {
				t.Errorf("%s: %d", bad, r.Status)
			}
		}
	})
}
