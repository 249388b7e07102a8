package cli

import (
	"time"

	"sakimori/internal/stats"
)

// wireStats creates the charts' read-only statistics service, which reads
// shared objects' entitlement through the sharing service. Answers are
// kept 30 seconds per user (the home and charts pages read them often).
func (e *env) wireStats() {
	e.stats = stats.New(e.db, e.intel, e.log)
	e.stats.CacheTTL = 30 * time.Second
}
