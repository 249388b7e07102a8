package api

// defenseRoutes are the receivers' routes (issue #6): exports, the
// compiled set, scans and aggregated sightings.
func (a *API) defenseRoutes() []route {
	return nil
}
