package cli

import (
	"sakimori/internal/push"
	"sakimori/internal/webhook"
)

// wirePush creates the push service and makes it the event publisher of
// the services that emit events.
func (e *env) wirePush() {
	e.push = push.New(e.db, e.log)
	e.push.Intel = e.intel
	e.push.Webhook = &webhook.Sender{UserAgent: "sakimori"}
	if e.cfg != nil {
		e.push.NATS = e.cfg.NATS
		e.push.Retention = e.cfg.EventRetention
	}
	e.intel.Events = e.push
	e.reporting.Events = e.push
}
