package api

// pushRoutes are the routes of the event stream (SSE) and webhook subscriptions (issue #7).
func (a *API) pushRoutes() []route {
	return nil
}
