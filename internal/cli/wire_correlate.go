package cli

import "sakimori/internal/correlate"

// wireCorrelate creates the correlation engine and lets it observe what
// organisations contribute.
func (e *env) wireCorrelate() {
	e.correlate = correlate.New(e.db, e.log)
	e.intel.Observers = append(e.intel.Observers, e.correlate)
	e.reporting.Observers = append(e.reporting.Observers, e.correlate)
}
