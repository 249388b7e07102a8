// Package push delivers events (internal/event) to subscribers: Server-Sent
// Events streams and signed webhooks, filtered by each subscriber's
// entitlements, resumable from the event log, carried between server nodes
// over NATS JetStream (issue #7).
package push

import (
	"context"
	"log/slog"

	"sakimori/internal/event"
	"sakimori/internal/store"
)

// Service is the push service. It implements event.Publisher.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
}

// New returns a push service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log}
}

// Publish stores and fans out evs. (Skeleton: to be implemented.)
func (s *Service) Publish(ctx context.Context, evs ...*event.Event) error { return nil }

// Start runs the background work (webhook deliveries, the NATS bridge)
// until ctx ends. (Skeleton: to be implemented.)
func (s *Service) Start(ctx context.Context) {}

var _ event.Publisher = (*Service)(nil)
