package cli

import "sakimori/internal/correlate"

// wireCorrelate creates the correlation engine and lets it observe what
// organisations contribute; --correlation-window and --correlation-cap
// (SAKIMORI_CORRELATION_WINDOW, SAKIMORI_CORRELATION_CAP) set its window
// and cap (docs/correlation.md).
func (e *env) wireCorrelate() {
	e.correlate = correlate.New(e.db, e.log)
	e.correlate.Events = e.push
	e.correlate.Intel = e.intel
	e.correlate.Window = e.cfg.CorrelationWindow
	e.correlate.Cap = e.cfg.CorrelationCap
	e.intel.Observers = append(e.intel.Observers, e.correlate)
	e.reporting.Observers = append(e.reporting.Observers, e.correlate)
}
