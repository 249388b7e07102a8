package web

import "net/http"

// alertRoutes registers alert pages (drafting, review, acknowledgement) (issue #7).
func (s *server) alertRoutes(mux interface {
	Handle(string, http.Handler)
}) {
}

// alertNav adds this file's sections to the navigation.
func (s *server) alertNav(rq *req, items []navItem) []navItem { return items }
