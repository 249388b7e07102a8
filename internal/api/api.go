// Package api serves sakimori's JSON API under /api/v1.
package api

import (
	"log/slog"
	"net/http"

	"sakimori/internal/accounts"
)

// Options configure the API.
type Options struct {
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	Log          *slog.Logger
	Version      string
}

// API is the /api/v1 handler.
type API struct {
	svc *accounts.Service
	opt Options
	mux *http.ServeMux
}

// New returns the API handler. Mount it at the root: it serves /api/v1/...
func New(svc *accounts.Service, opt Options) *API {
	a := &API{svc: svc, opt: opt, mux: http.NewServeMux()}
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }
