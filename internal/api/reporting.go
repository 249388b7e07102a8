package api

// reportingRoutes are the incident-reporting routes (issue #5).
func (a *API) reportingRoutes() []route {
	if a.opt.Reporting == nil {
		return nil
	}
	return nil
}
