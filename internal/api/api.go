// Package api serves sakimori's JSON API under /api/v1.
//
// One route table (routes.go) builds both the ServeMux and the OpenAPI 3.1
// description served at /api/v1/openapi.json, so the two cannot drift.
// Every handler authenticates through the accounts service, decodes input
// with one strict decoder (decode.go) and reports errors in one body shape:
//
//	{"error": {"code": "invalid", "message": "...", "field": "name.ja"}}
package api

import (
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"sakimori/internal/accounts"
	"sakimori/internal/alerting"
	"sakimori/internal/apperr"
	"sakimori/internal/auth"
	"sakimori/internal/correlate"
	"sakimori/internal/defense"
	"sakimori/internal/exposure"
	"sakimori/internal/intel"
	"sakimori/internal/push"
	"sakimori/internal/reporting"
	"sakimori/internal/server/reqinfo"
	"sakimori/internal/stats"
	"sakimori/internal/weather"
)

// Options configure the API.
type Options struct {
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	Log          *slog.Logger
	Version      string
	// Intel is the sharing service behind the threat-intelligence routes.
	Intel *intel.Service
	// Exposure is the registry and vulnerability service behind the
	// critical-computer, vulnerability and vendor-request routes.
	Exposure *exposure.Service
	// Reporting is the incident-reporting service behind the incident,
	// template, reporting-settings and triage routes.
	Reporting *reporting.Service
	// Defense is the receivers' service behind the export, match and
	// aggregated-sighting routes.
	Defense *defense.Service
	// Push, Correlate, Alerting and Weather are the government-analysis
	// services (issue #7) behind the event-stream, webhook-subscription,
	// cluster, alert, threat-weather and feedback routes.
	Push      *push.Service
	Correlate *correlate.Service
	Alerting  *alerting.Service
	Weather   *weather.Service
	// Stats gives the charts' numbers (issue #8).
	Stats *stats.Service
}

// API is the /api/v1 handler.
type API struct {
	svc     *accounts.Service
	opt     Options
	mux     *http.ServeMux
	routes  []route
	openapi []byte
}

// New returns the API handler. Mount it at the root: it serves /api/v1/...
func New(svc *accounts.Service, opt Options) *API {
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = 1 << 20
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Version == "" {
		opt.Version = "dev" // OpenAPI requires info.version
	}
	a := &API{svc: svc, opt: opt, mux: http.NewServeMux()}
	a.routes = a.table()
	for i := range a.routes {
		rt := &a.routes[i]
		a.mux.Handle(rt.Method+" "+rt.Path, a.handler(rt))
	}
	a.openapi = a.buildOpenAPI()
	// Anything else under /api/v1 is a JSON 404 or 405.
	a.mux.HandleFunc("/api/v1/", a.fallback)
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// fallback answers paths no route matched: 405 with Allow when the path
// exists for other methods, 404 otherwise.
func (a *API) fallback(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, rt := range a.routes {
		if pathMatches(rt.Path, r.URL.Path) {
			allow = append(allow, rt.Method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, &apperr.Error{Code: "method_not_allowed", Message: r.Method + " is not allowed here; use " + strings.Join(allow, ", ")}, http.StatusMethodNotAllowed)
		return
	}
	writeError(w, apperr.New(apperr.CodeNotFound, "no API endpoint %s", r.URL.Path), 0)
}

// pathMatches reports whether a concrete path matches a pattern with {x}
// segments, segment by segment ("/api/v1/orgs/" does not match "/api/v1/orgs").
func pathMatches(pattern, path string) bool {
	ps := strings.Split(pattern, "/")
	xs := strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// handler wraps a route: content negotiation, authentication, the call,
// the response.
func (a *API) handler(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.Raw && !acceptsJSON(r.Header.Get("Accept")) {
			writeError(w, apperr.New(apperr.CodeNotAcceptable, "this endpoint only produces application/json"), 0)
			return
		}
		var p *auth.Principal
		if !rt.Public {
			var err error
			if p, err = a.authenticate(r); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="sakimori"`)
				writeError(w, err, 0)
				return
			}
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		status, body, err := rt.h(&call{api: a, w: w, r: r, p: p})
		if err == errWritten {
			return
		}
		if err != nil {
			e := apperr.As(err)
			if e.Code == apperr.CodeInternal {
				a.opt.Log.Error("api: internal error", "route", rt.Method+" "+rt.Path, "err", err, "request_id", reqinfo.ID(r.Context()))
			}
			writeError(w, err, 0)
			return
		}
		writeJSON(w, status, body)
	})
}

// authenticate reads an API token from "Authorization: Bearer <token>" or
// HTTP Basic (any user name, the token as password, for TAXII-style clients).
func (a *API) authenticate(r *http.Request) (*auth.Principal, error) {
	h := r.Header.Get("Authorization")
	addr := reqinfo.ClientIP(r)
	if h == "" {
		return nil, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: "an API token is required: Authorization: Bearer skm_..."}
	}
	if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return a.svc.Token(r.Context(), strings.TrimSpace(tok), addr)
	}
	if _, pw, ok := r.BasicAuth(); ok {
		return a.svc.Token(r.Context(), pw, addr)
	}
	return nil, &apperr.Error{Code: apperr.CodeUnauthenticated, Message: "unsupported Authorization scheme: use Bearer or Basic"}
}

// acceptsJSON reports whether an Accept header admits application/json:
// the most specific media range that matches it (application/json, then
// application/*, then */*) decides, and q=0 excludes (RFC 9110, 12.5.1).
// No header, or one that cannot be parsed at all, accepts anything.
func acceptsJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	best, q, parsed := 0, 0.0, false
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		parsed = true
		spec := 0
		switch mt {
		case "application/json":
			spec = 3
		case "application/*":
			spec = 2
		case "*/*":
			spec = 1
		default:
			continue
		}
		w := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				w = f
			}
		}
		if spec > best || spec == best && w > q {
			best, q = spec, w
		}
	}
	if !parsed {
		return true
	}
	return best > 0 && q > 0
}

// writeHeader sends the status with the headers every response carries
// and contentType (none when "").
func writeHeader(w http.ResponseWriter, status int, contentType string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
}

type errorBody struct {
	Error *apperr.Error `json:"error"`
}

// writeError writes the one error body; status 0 means "from the code".
func writeError(w http.ResponseWriter, err error, status int) {
	e := apperr.As(err)
	if status == 0 {
		status = apperr.StatusOf(e.Code)
	}
	writeJSON(w, status, errorBody{Error: e})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if status == http.StatusNoContent {
		writeHeader(w, status, "")
		return
	}
	writeHeader(w, status, "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
