package api

// clusterRoutes are the routes of correlation clusters (government analysts) (issue #7).
func (a *API) clusterRoutes() []route {
	return nil
}
