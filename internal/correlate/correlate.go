// Package correlate is the cross-organisation correlation engine (issue
// #7): observations of values (indicators, ATT&CK techniques, malware
// families, exploited vulnerabilities, infrastructure) contributed by
// organisations through reports, sightings and shared objects become
// correlation clusters (candidate campaigns) for government analysts.
package correlate

import (
	"context"
	"log/slog"

	"sakimori/internal/incident"
	"sakimori/internal/intel"
	"sakimori/internal/reporting"
	"sakimori/internal/share"
	"sakimori/internal/store"
)

// Service is the correlation service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
}

// New returns a correlation service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log}
}

// ObjectsStored observes shared objects (intel.Observer).
func (s *Service) ObjectsStored(ctx context.Context, c *share.Collection, objs []intel.StoredObject) {
}

// SightingAdded observes a sighting (intel.Observer).
func (s *Service) SightingAdded(ctx context.Context, sg *share.Sighting) {}

// ReportChanged observes a submitted or refuted report (reporting.Observer).
func (s *Service) ReportChanged(ctx context.Context, in *incident.Incident, submitted bool) {}

var (
	_ intel.Observer     = (*Service)(nil)
	_ reporting.Observer = (*Service)(nil)
)
