// Package weather computes the threat weather (脅威予報, issue #7): a daily
// level per sector and per organisation (clear / cloudy / rain / storm)
// from recent reports, sightings, alerts, clusters and exposure to
// known-exploited vulnerabilities, with the reasons behind it and a 7-day
// trend; and the feedback each incident report shows its reporter.
package weather

import (
	"log/slog"

	"sakimori/internal/store"
)

// Service is the threat-weather and feedback service.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
}

// New returns a weather service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Log: log}
}
