package cli

import "sakimori/internal/alerting"

// wireAlerting creates the alert service; its events (alert.published,
// updated, withdrawn, acknowledged) go to the push service, and published
// alerts' STIX to the sharing service for their recipients.
func (e *env) wireAlerting() {
	e.alerting = alerting.New(e.db, e.log)
	e.alerting.Intel = e.intel
	if e.push != nil {
		e.alerting.Events = e.push
	}
}
