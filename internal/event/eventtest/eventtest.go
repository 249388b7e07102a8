// Package eventtest is for tests of services that publish events: a
// Publisher that validates and keeps what it is given.
package eventtest

import (
	"context"
	"sync"

	"sakimori/internal/event"
)

// Recorder is an event.Publisher that validates each event (refusing the
// whole call on the first invalid one, as the push service does) and
// keeps them in order.
type Recorder struct {
	mu  sync.Mutex
	evs []*event.Event
}

// Publish keeps evs.
func (r *Recorder) Publish(_ context.Context, evs ...*event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	r.evs = append(r.evs, evs...)
	return nil
}

// Events returns the events kept so far.
func (r *Recorder) Events() []*event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*event.Event(nil), r.evs...)
}

// Last returns the latest event, or nil.
func (r *Recorder) Last() *event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.evs) == 0 {
		return nil
	}
	return r.evs[len(r.evs)-1]
}

// Take returns the events kept so far and forgets them.
func (r *Recorder) Take() []*event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.evs
	r.evs = nil
	return evs
}

var _ event.Publisher = (*Recorder)(nil)
