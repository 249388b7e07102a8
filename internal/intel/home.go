package intel

import (
	"context"
	"sort"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/marking"
	"sakimori/internal/share"
)

// RecentIndicator is one indicator on a home page: a new indicator p is
// entitled to, with its score now.
type RecentIndicator struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	TLP        marking.TLP `json:"tlp"`
	Score      int         `json:"score"`
	Confidence *int        `json:"confidence,omitempty"`
	Added      time.Time   `json:"date_added"`
}

// recentScan bounds how many indicator versions RecentIndicators reads.
const recentScan = 1000

// RecentIndicators returns the unrevoked, unexpired indicators p is
// entitled to that were added since the given time (each once, its latest
// version), highest score first, at most limit of them, and how many there
// are in all (counted over at most the newest 1000 versions; capped
// reports that the count stopped there). Only names and scores leave the
// service, so, like Search without the objects, the read is not audited.
func (s *Service) RecentIndicators(ctx context.Context, p *auth.Principal, since time.Time, limit int) (out []RecentIndicator, total int, capped bool, err error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, 0, false, err
	}
	sc, err := s.searchScope(ctx, p, "")
	if err != nil {
		return nil, 0, false, err
	}
	now := s.now()
	seen := map[string]bool{}
	var recs []share.Record
	cursor, scanned := "", 0
scan:
	for {
		page, next, err := s.searchIn(ctx, sc, SearchQuery{Types: []string{"indicator"}, Revoked: ptr(false), Cursor: cursor, Limit: 200, WithRaw: true})
		if err != nil {
			return nil, 0, false, err
		}
		for i := range page {
			r := page[i]
			if r.DateAdded.Before(since) {
				break scan
			}
			if scanned++; scanned > recentScan {
				capped = true
				break scan
			}
			if seen[r.ID] || r.ValidUntil != nil && !r.ValidUntil.After(now) {
				continue
			}
			seen[r.ID] = true
			recs = append(recs, r)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	var sightings map[string][]share.Sighting
	if len(ids) > 0 {
		if sightings, err = s.DB.SightingsOf(ctx, ids); err != nil {
			return nil, 0, false, err
		}
	}
	out = make([]RecentIndicator, 0, len(recs))
	for i := range recs {
		r := &recs[i]
		var sum *share.SightingSummary
		if list := sightings[r.ID]; len(list) > 0 {
			sum = Summarize(r.ID, list, sc.v.OrgID, 0)
		}
		ri := RecentIndicator{ID: r.ID, Name: r.Name, TLP: r.TLP, Confidence: r.Confidence, Added: r.DateAdded}
		if res := s.Score(r, sum); res != nil {
			ri.Score = res.Score
		}
		out = append(out, ri)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Added.After(out[j].Added)
	})
	total = len(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, total, capped, nil
}
