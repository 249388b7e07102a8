package web

import "net/http"

// weatherRoutes registers threat weather pages (issue #7).
func (s *server) weatherRoutes(mux interface {
	Handle(string, http.Handler)
}) {
}

// weatherNav adds this file's sections to the navigation.
func (s *server) weatherNav(rq *req, items []navItem) []navItem { return items }
