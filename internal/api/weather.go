package api

// weatherRoutes are the routes of threat weather and report feedback (issue #7).
func (a *API) weatherRoutes() []route {
	return nil
}
