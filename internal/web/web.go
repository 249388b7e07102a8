// Package web serves sakimori's server-rendered dashboard.
package web

import (
	"log/slog"
	"net/http"

	"sakimori/internal/accounts"
)

// Options configure the dashboard.
type Options struct {
	// SecureCookies marks cookies Secure (set when served over HTTPS or
	// behind a TLS-terminating proxy).
	SecureCookies bool
	Log           *slog.Logger
	Version       string
}

// New returns the dashboard handler. Mount it at "/": it serves every path
// not taken by the API and the operational endpoints.
func New(svc *accounts.Service, opt Options) (http.Handler, error) {
	mux := http.NewServeMux()
	return mux, nil
}
