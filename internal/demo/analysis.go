package demo

// The government-analysis demo (issue #7): overlapping reports and sightings
// from independent organisations that the correlation engine turns into a
// cluster, and an alert drafted from it and published. Each part lives in
// its own file (clusters.go, alerts.go).

import (
	"context"
	"strings"

	"sakimori/internal/alerting"
	"sakimori/internal/correlate"
	"sakimori/internal/intel"
	"sakimori/internal/reporting"
)

// Analysis are the services the analysis seeds use.
type Analysis struct {
	Intel     *intel.Service
	Reporting *reporting.Service
	Correlate *correlate.Service
	Alerting  *alerting.Service
}

// SeedAnalysis seeds clusters and alerts, idempotently, and says what it
// added.
func SeedAnalysis(ctx context.Context, a Analysis) (string, error) {
	var parts []string
	c, err := seedClusters(ctx, a)
	if err != nil {
		return "", err
	}
	if c != "" {
		parts = append(parts, c)
	}
	al, err := seedAlerts(ctx, a)
	if err != nil {
		return "", err
	}
	if al != "" {
		parts = append(parts, al)
	}
	if len(parts) == 0 {
		return "nothing new", nil
	}
	return strings.Join(parts, "; "), nil
}
