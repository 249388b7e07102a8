// Package alerting is the alert service (issue #7): drafting (from a
// correlation cluster in one step), review, publication to targeted
// recipients, acknowledgements, and the government's view of who has and
// has not acknowledged.
package alerting

import (
	"log/slog"

	"sakimori/internal/store"
)

// Service is the alert service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
}

// New returns an alert service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log}
}
