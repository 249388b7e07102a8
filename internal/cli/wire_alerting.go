package cli

import "sakimori/internal/alerting"

// wireAlerting creates the alert service.
func (e *env) wireAlerting() {
	e.alerting = alerting.New(e.db, e.log)
}
