package web

import "net/http"

// clusterRoutes registers correlation cluster pages (issue #7).
func (s *server) clusterRoutes(mux interface {
	Handle(string, http.Handler)
}) {
}

// clusterNav adds this file's sections to the navigation.
func (s *server) clusterNav(rq *req, items []navItem) []navItem { return items }
