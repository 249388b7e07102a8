package api

// alertRoutes are the routes of alerts: drafting, review, publication, acknowledgement (issue #7).
func (a *API) alertRoutes() []route {
	return nil
}
