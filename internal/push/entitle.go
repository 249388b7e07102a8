package push

import (
	"context"
	"slices"
	"sync"
	"time"

	"sakimori/internal/event"
)

// entTTL is how long an Intel entitlement decision is reused.
const entTTL = 10 * time.Second

type entKey struct {
	scope event.IntelScope
	org   string
}

type entVal struct {
	ok  bool
	exp time.Time
}

// entCache caches Intel entitlement decisions per (scope, organisation).
type entCache struct {
	mu sync.Mutex
	m  map[entKey]entVal
}

// admits reports whether the audience admits the subscriber's
// organisation. It fails closed: no organisation, an empty audience, an
// Intel audience without a sharing service or with an error admit nobody.
func (s *Service) admits(ctx context.Context, w who, a event.Audience) bool {
	if w.orgID == "" {
		return false
	}
	if a.Everyone || a.Gov && w.gov || slices.Contains(a.Orgs, w.orgID) {
		return true
	}
	if a.Intel == nil || s.Intel == nil || !w.ok {
		return false
	}
	k := entKey{scope: *a.Intel, org: w.orgID}
	now := time.Now()
	s.ent.mu.Lock()
	if v, ok := s.ent.m[k]; ok && now.Before(v.exp) {
		s.ent.mu.Unlock()
		return v.ok
	}
	s.ent.mu.Unlock()
	ok, err := s.Intel.EntitledTo(ctx, w.viewer, *a.Intel)
	if err != nil {
		s.Log.Warn("push: entitlement decision failed; event withheld", "org", w.orgID, "collection", a.Intel.Collection, "err", err)
		return false
	}
	s.ent.mu.Lock()
	if s.ent.m == nil || len(s.ent.m) > 100000 {
		s.ent.m = map[entKey]entVal{}
	}
	s.ent.m[k] = entVal{ok: ok, exp: now.Add(entTTL)}
	s.ent.mu.Unlock()
	return ok
}

// fresh reports whether the cache holds an unexpired decision for k.
func (c *entCache) fresh(k entKey, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return ok && now.Before(v.exp)
}
