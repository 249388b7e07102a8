// Package event defines what sakimori pushes to its subscribers (issue #7):
// new and changed alerts, indicators and their revocations, incident-report
// status changes, correlation clusters. Services describe each event with
// the audience entitled to it; the push service (internal/push) stores it
// in the event log, fans it out to Server-Sent Events streams and webhooks
// of the subscribers in that audience, and carries it between server nodes
// over NATS JetStream.
//
// The package is a leaf: services (intel, reporting, analysis) depend on it
// without depending on the push machinery.
package event

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"sakimori/internal/apperr"
	"sakimori/internal/marking"
)

// Kind names an event. Subscribers filter on kinds, or on a family (the part
// before the dot: "alert", "indicator", "report", "cluster").
type Kind string

// The kinds sakimori emits.
const (
	AlertPublished   Kind = "alert.published"    // an alert reached its recipients
	AlertUpdated     Kind = "alert.updated"      // a published alert changed (new text, indicators, recipients)
	AlertWithdrawn   Kind = "alert.withdrawn"    // a published alert was withdrawn
	AlertAcked       Kind = "alert.acknowledged" // a recipient acknowledged (to the issuing government only)
	IndicatorAdded   Kind = "indicator.added"    // new indicators (ids, grouped per collection and label)
	IndicatorChanged Kind = "indicator.changed"  // new versions of known indicators
	IndicatorRevoked Kind = "indicator.revoked"  // revoked or deleted indicators
	ReportStatus     Kind = "report.status"      // an incident report changed state
	ClusterCreated   Kind = "cluster.created"    // a correlation cluster was created (government only)
	ClusterUpdated   Kind = "cluster.updated"    // a cluster grew, merged or changed status (government only)
)

// Kinds lists every kind.
var Kinds = []Kind{AlertPublished, AlertUpdated, AlertWithdrawn, AlertAcked, IndicatorAdded, IndicatorChanged,
	IndicatorRevoked, ReportStatus, ClusterCreated, ClusterUpdated}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Family is the part of the kind before the dot.
func (k Kind) Family() string {
	for i := 0; i < len(k); i++ {
		if k[i] == '.' {
			return string(k[:i])
		}
	}
	return string(k)
}

// Audience says who may receive an event. A subscriber receives it when any
// of the set parts admits the subscriber's organisation; an empty audience
// admits nobody (fail closed).
type Audience struct {
	// Everyone admits every authenticated organisation (TLP:CLEAR/GREEN
	// material such as a published alert to all).
	Everyone bool `json:"everyone,omitempty"`
	// Gov admits every government organisation (org.Kind.IsGovernment).
	Gov bool `json:"gov,omitempty"`
	// Orgs admits these organisations by id.
	Orgs []string `json:"orgs,omitempty"`
	// Intel, when set, admits the organisations entitled to a shared object
	// in that collection under that label (the push service asks the
	// sharing service, the same decision every read path takes).
	Intel *IntelScope `json:"intel,omitempty"`
}

// IntelScope describes shared objects for the entitlement decision.
type IntelScope struct {
	Collection string      `json:"collection"`
	TLP        marking.TLP `json:"tlp"`
	Owner      string      `json:"owner"`
}

// Empty reports whether the audience admits nobody.
func (a Audience) Empty() bool {
	return !a.Everyone && !a.Gov && len(a.Orgs) == 0 && a.Intel == nil
}

// Event is one pushed event. Seq is assigned by the event log when the event
// is stored: strictly increasing, it is the SSE id and the resume point
// (Last-Event-ID) and the webhook delivery id.
type Event struct {
	Seq  int64     `json:"seq"`
	Kind Kind      `json:"kind"`
	At   time.Time `json:"at"`
	// Subject is the id of what the event is about (alert id, incident id,
	// cluster id, collection id for indicator batches).
	Subject  string   `json:"subject"`
	Audience Audience `json:"-"`
	// Data is the payload, JSON, already reduced to what every member of the
	// audience may see (no draft content, no other organisation's names in
	// a report event).
	Data json.RawMessage `json:"data"`
}

// Validate checks an event before it is stored.
func (e *Event) Validate() error {
	if !e.Kind.Valid() {
		return apperr.Invalid("kind", "unknown event kind %q", e.Kind)
	}
	if e.Subject == "" {
		return apperr.Invalid("subject", "required")
	}
	if e.Audience.Empty() {
		return apperr.Invalid("audience", "an event must name who may receive it")
	}
	if len(e.Data) > 0 && !json.Valid(e.Data) {
		return apperr.Invalid("data", "not JSON")
	}
	return nil
}

// Publisher takes events from services. Publish is called after the change
// it describes has committed; it must not block for long (the push service
// stores the event and returns; fan-out is asynchronous). Errors are logged
// by the caller, never returned to the user whose change has committed.
type Publisher interface {
	Publish(ctx context.Context, evs ...*Event) error
}

// Nop is a Publisher that drops events (services without push configured).
type Nop struct{}

// Publish drops evs.
func (Nop) Publish(context.Context, ...*Event) error { return nil }

// Data encodes v as an event payload; it panics on values that cannot be
// encoded (a programming error: payloads are plain structs and maps).
func Data(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("event: payload: " + err.Error())
	}
	return b
}
