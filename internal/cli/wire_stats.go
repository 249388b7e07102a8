package cli

import "sakimori/internal/stats"

// wireStats creates the charts' read-only statistics service, which reads
// shared objects' entitlement through the sharing service.
func (e *env) wireStats() {
	e.stats = stats.New(e.db, e.intel, e.log)
}
