package cli

import "sakimori/internal/push"

// wirePush creates the push service and makes it the event publisher of
// the services that emit events.
func (e *env) wirePush() {
	e.push = push.New(e.db, e.log)
	e.intel.Events = e.push
	e.reporting.Events = e.push
}
