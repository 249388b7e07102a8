package intel

import (
	"context"
	"time"

	"sakimori/internal/auth"
	"sakimori/internal/marking"
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

// RecentIndicators returns the unrevoked, unexpired indicators p is
// entitled to that were added since the given time, highest score first
// (the view of SearchView sorted by score), at most limit of them, and how
// many there are in all (counted over at most the newest maxScored;
// capped reports that the count stopped there). Only names and scores
// leave the service, so, like Search without the objects, the read is not
// audited.
func (s *Service) RecentIndicators(ctx context.Context, p *auth.Principal, since time.Time, limit int) (out []RecentIndicator, total int, capped bool, err error) {
	if err := auth.Authorize(p, auth.ActIntelRead, auth.Target{}); err != nil {
		return nil, 0, false, err
	}
	vw, err := s.resolveView(ctx, p, ViewFilter{Types: []string{"indicator"}, Revoked: ptr(false), AddedFrom: since, Sort: SortScore})
	if err != nil {
		return nil, 0, false, err
	}
	all, err := s.ranked(ctx, vw)
	if err != nil {
		return nil, 0, false, err
	}
	now := s.now()
	out = []RecentIndicator{}
	for i := range all {
		r := &all[i]
		if r.ValidUntil != nil && !r.ValidUntil.After(now) {
			continue
		}
		total++
		if limit <= 0 || len(out) < limit {
			ri := RecentIndicator{ID: r.ID, Name: r.Name, TLP: r.TLP, Confidence: r.Confidence, Added: r.DateAdded}
			if r.Score != nil {
				ri.Score = *r.Score
			}
			out = append(out, ri)
		}
	}
	return out, total, len(all) >= maxScored, nil
}
