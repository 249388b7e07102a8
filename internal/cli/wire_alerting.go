package cli

import "sakimori/internal/alerting"

// wireAlerting creates the alert service; its events (alert.published,
// updated, withdrawn, acknowledged) go to the push service.
func (e *env) wireAlerting() {
	e.alerting = alerting.New(e.db, e.log)
	if e.push != nil {
		e.alerting.Events = e.push
	}
}
