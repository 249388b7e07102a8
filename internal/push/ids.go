package push

// Event ids as subscribers see them. The event log numbers every event of
// the platform in one dense sequence; were that seq the id a subscriber
// sees, the gaps between the ids it receives (and the id at which a new
// stream starts) would tell it how many events other organisations got:
// how busy the platform is, and when a burst of activity it is not told
// about happens. So the seq never leaves the server: a subscriber gets it
// encrypted under the deployment's key (internal/opaque: AES over a block
// of eight zero bytes and the seq), 22 characters of base64url that
// reveal neither the seq nor the order, and it gives such an id back to
// resume. An id from elsewhere, edited or made up fails the tag check and
// is refused. "0" is the one readable id: the start of the log. An event's
// id is the same wherever it is delivered; positions (where a live stream
// starts, a log page's next, a webhook's cursor) are fresh each time
// (opaque.Codec.Fresh), so that equal positions do not tell a reader that
// nothing happened on the platform.

import (
	"context"
	"encoding/json"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/event"
	"sakimori/internal/opaque"
)

// LogStart is the event id of the start of the log: resuming from it
// replays everything the log still holds.
const LogStart = opaque.Start

// idCodec turns seqs into event ids and back (internal/opaque, purpose
// tag zero).
type idCodec struct{ *opaque.Codec }

// codec returns the deployment's id codec, reading (or, on the first
// node to need it, creating) its key once.
func (s *Service) codec(ctx context.Context) (*idCodec, error) {
	c, err := s.ids.Get(ctx, s.DB, "")
	if err != nil {
		return nil, err
	}
	return &idCodec{c}, nil
}

// loadedCodec returns the id codec if it is loaded, else nil (the hub:
// nobody has subscribed yet).
func (s *Service) loadedCodec() *idCodec {
	if c := s.ids.Loaded(); c != nil {
		return &idCodec{c}
	}
	return nil
}

// EventID returns the id subscribers see for the event of seq (LogStart
// for 0).
func (s *Service) EventID(ctx context.Context, seq int64) (string, error) {
	c, err := s.codec(ctx)
	if err != nil {
		return "", err
	}
	return c.Encode(seq), nil
}

// ParseEventID returns the seq of an event id given back by a subscriber
// in field (Last-Event-ID, after, ...); an id this deployment did not
// issue is an apperr.Invalid naming field.
func (s *Service) ParseEventID(ctx context.Context, field, id string) (int64, error) {
	c, err := s.codec(ctx)
	if err != nil {
		return 0, err
	}
	seq, ok := c.Decode(id)
	if !ok {
		return 0, apperr.Invalid(field, "not an event id of this server (give back an id it sent, or %q for the start of the log)", LogStart)
	}
	return seq, nil
}

// Wire is an event as subscribers receive it: on an SSE stream (the
// data of a message whose SSE id is ID), in a page of the event log and
// in webhook deliveries.
type Wire struct {
	ID      string          `json:"id"`
	Kind    event.Kind      `json:"kind"`
	At      time.Time       `json:"at"`
	Subject string          `json:"subject"`
	Data    json.RawMessage `json:"data"`
}

func (c *idCodec) wire(e *event.Event) *Wire {
	return &Wire{ID: c.Encode(e.Seq), Kind: e.Kind, At: e.At, Subject: e.Subject, Data: e.Data}
}
