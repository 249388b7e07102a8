package cli

import (
	"os"
	"strconv"
	"strings"
	"time"

	"sakimori/internal/correlate"
)

// wireCorrelate creates the correlation engine and lets it observe what
// organisations contribute. SAKIMORI_CORRELATION_WINDOW (a duration such
// as 720h, or days as 30d) and SAKIMORI_CORRELATION_CAP (organisations)
// change the engine's window and cap (docs/correlation.md).
func (e *env) wireCorrelate() {
	e.correlate = correlate.New(e.db, e.log)
	e.correlate.Events = e.push
	e.correlate.Intel = e.intel
	if v := strings.TrimSpace(os.Getenv("SAKIMORI_CORRELATION_WINDOW")); v != "" {
		if d, err := corrDuration(v); err == nil && d > 0 {
			e.correlate.Window = d
		} else {
			e.log.Warn("SAKIMORI_CORRELATION_WINDOW ignored: not a duration", "value", v)
		}
	}
	if v := strings.TrimSpace(os.Getenv("SAKIMORI_CORRELATION_CAP")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 2 {
			e.correlate.Cap = n
		} else {
			e.log.Warn("SAKIMORI_CORRELATION_CAP ignored: not a number of at least 2", "value", v)
		}
	}
	e.intel.Observers = append(e.intel.Observers, e.correlate)
	e.reporting.Observers = append(e.reporting.Observers, e.correlate)
}

// corrDuration parses a Go duration or a number of days ("30d").
func corrDuration(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		return time.Duration(d) * 24 * time.Hour, err
	}
	return time.ParseDuration(v)
}
