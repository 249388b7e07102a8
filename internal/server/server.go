// Package server composes sakimori's HTTP server: the operational endpoints
// (/healthz, /readyz, /metrics), the JSON API under /api/v1/ and the
// dashboard at /, behind middleware for request ids, trusted-proxy client
// addresses, panic recovery, access logging and metrics. It shuts down
// gracefully: on cancellation it stops accepting connections and lets
// requests in flight finish (bounded by the shutdown timeout) before the
// caller closes the store, so a write that was acknowledged is committed.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/alerting"
	"sakimori/internal/api"
	"sakimori/internal/config"
	"sakimori/internal/correlate"
	"sakimori/internal/defense"
	"sakimori/internal/exposure"
	"sakimori/internal/intel"
	"sakimori/internal/metrics"
	"sakimori/internal/push"
	"sakimori/internal/reporting"
	"sakimori/internal/server/reqinfo"
	"sakimori/internal/stats"
	"sakimori/internal/store"
	"sakimori/internal/taxii"
	"sakimori/internal/weather"
	"sakimori/internal/web"
)

// Options configure a Server.
type Options struct {
	Config   *config.Config
	DB       *store.DB
	Accounts *accounts.Service
	// Intel is the sharing service behind the TAXII server, the API's
	// intelligence routes and the dashboard's pages (nil: those are off).
	Intel *intel.Service
	// Exposure is the registry and vulnerability service (nil: its routes
	// and pages are off).
	Exposure *exposure.Service
	// Reporting is the incident-reporting service (nil: its routes and
	// pages are off).
	Reporting *reporting.Service
	// Defense is the receivers' service (nil: its routes and pages are
	// off).
	Defense *defense.Service
	// Push, Correlate, Alerting and Weather are the government-analysis
	// services (issue #7): live events, correlation clusters, alerts, threat
	// weather and report feedback (nil: their routes and pages are off).
	Push      *push.Service
	Correlate *correlate.Service
	Alerting  *alerting.Service
	Weather   *weather.Service
	// Stats gives the charts' numbers (issue #8; nil: their route and page
	// are off).
	Stats *stats.Service
	// TAXII replaces the TAXII 2.1 server (tests); nil means taxii.New
	// when Intel is set.
	TAXII http.Handler
	Log   *slog.Logger
	// Version and Revision label sakimori_build_info and go to the API and
	// the dashboard.
	Version  string
	Revision string
	// API and Web replace the JSON API and the dashboard (tests); nil
	// means api.New and web.New.
	API http.Handler
	Web http.Handler
	// SessionSweep is how often expired web sessions are deleted
	// (default 30 minutes; negative disables).
	SessionSweep time.Duration
}

// Server is sakimori's HTTP server.
type Server struct {
	opt      Options
	cfg      *config.Config
	db       *store.DB
	log      *slog.Logger
	m        *httpMetrics
	handler  http.Handler
	http     *http.Server
	inflight counter
	draining atomic.Bool
}

// Timeouts of the HTTP server. Slow clients cannot hold a connection open
// forever; long enough for large uploads on slow links.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 120 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// probeTimeout bounds the store ping of /readyz and /metrics.
	probeTimeout = 2 * time.Second
	// abortWait is how long, after the shutdown timeout, handlers get to
	// return once their contexts are cancelled.
	abortWait = 5 * time.Second
)

// New builds the server and its handler.
func New(opt Options) (*Server, error) {
	if opt.Config == nil || opt.DB == nil || opt.Accounts == nil {
		return nil, errors.New("server: Config, DB and Accounts are required")
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.SessionSweep == 0 {
		opt.SessionSweep = 30 * time.Minute
	}
	s := &Server{opt: opt, cfg: opt.Config, db: opt.DB, log: opt.Log}
	s.m = newHTTPMetrics(opt.Version, opt.Revision)
	if px := opt.Push; px != nil {
		pushMetrics(s.m.reg, px)
	}
	apiH := opt.API
	if apiH == nil {
		apiH = api.New(opt.Accounts, api.Options{MaxBodyBytes: s.cfg.MaxBody, Log: s.log, Version: opt.Version, Intel: opt.Intel, Exposure: opt.Exposure, Reporting: opt.Reporting, Defense: opt.Defense,
			Push: opt.Push, Correlate: opt.Correlate, Alerting: opt.Alerting, Weather: opt.Weather, Stats: opt.Stats})
	}
	webH := opt.Web
	if webH == nil {
		var err error
		webH, err = web.New(opt.Accounts, web.Options{SecureCookies: s.cfg.SecureCookies, Log: s.log, Version: opt.Version, Intel: opt.Intel, Exposure: opt.Exposure, Reporting: opt.Reporting, Defense: opt.Defense,
			Push: opt.Push, Correlate: opt.Correlate, Alerting: opt.Alerting, Weather: opt.Weather, Stats: opt.Stats,
			TrustedOrigins: s.cfg.TrustedOrigins})
		if err != nil {
			return nil, fmt.Errorf("server: dashboard: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.Handle("/api/v1/", apiH)
	taxiiH := opt.TAXII
	if taxiiH == nil && opt.Intel != nil {
		// TAXII bulk adds get at least taxii.DefaultMaxBody (64 MiB).
		taxiiH = taxii.New(opt.Accounts, opt.Intel, taxii.Options{MaxBodyBytes: max(s.cfg.MaxBody, taxii.DefaultMaxBody), Log: s.log, Version: opt.Version})
	}
	if taxiiH != nil {
		mux.Handle("/taxii2/", taxiiH)
	}
	mux.Handle("/", webH)

	trusted := trustFunc(s.cfg.TrustedProxies)
	s.handler = requestID(trusted, clientAddr(trusted, s.observe(s.recoverPanics(mux))))
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return s, nil
}

// Handler returns the complete handler (with middleware), e.g. for httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the listening socket on the configured address and returns
// it with the base URL clients should use.
func (s *Server) Listen() (net.Listener, string, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, "", &config.Error{Flag: "addr", Msg: fmt.Sprintf("cannot listen on %s: %v", s.cfg.Addr, errors.Unwrap(err))}
	}
	return ln, URL(ln.Addr(), s.cfg.TLS()), nil
}

// URL returns the base URL for a listening address; an unspecified host
// (":8080", "0.0.0.0:8080") becomes localhost.
func URL(addr net.Addr, tls bool) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		host, port = addr.String(), ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting connections, waits for requests in flight (at most the
// shutdown timeout; then their contexts are cancelled, so their
// transactions roll back and they answer with an error, not a success) and
// returns. The caller closes the store afterwards. Request contexts do not
// derive from ctx: a signal does not cancel work already accepted.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	s.http.BaseContext = func(net.Listener) context.Context { return base }
	errc := make(chan error, 1)
	go func() {
		var err error
		if s.cfg.TLS() {
			err = s.http.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = s.http.Serve(ln)
		}
		errc <- err
	}()
	sweepDone := make(chan struct{})
	sweepCtx, stopSweep := context.WithCancel(base)
	go func() { defer close(sweepDone); s.sweepSessions(sweepCtx) }()
	defer func() { stopSweep(); <-sweepDone }()

	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("shutting down: no new connections; waiting for requests in flight",
		"in_flight", s.inflight.Load(), "timeout", s.cfg.ShutdownTimeout.String())
	if s.opt.Push != nil {
		// Open event streams never finish by themselves: end them now (their
		// clients resume from their last id), so Shutdown does not wait for them.
		s.opt.Push.CloseStreams()
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(sctx)
	if err != nil {
		s.log.Warn("shutdown timeout reached: cancelling requests still in flight", "in_flight", s.inflight.Load())
		cancelBase()
		s.http.Close()
	}
	// Handlers of hijacked or forcibly closed connections may still be
	// running: wait for them, so the store is not closed under them.
	deadline := time.Now().Add(abortWait)
	for s.inflight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.inflight.Load(); n > 0 {
		s.log.Error("requests still running after shutdown", "in_flight", n)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", serr)
	}
	s.log.Info("server stopped")
	return nil
}

// sweepSessions deletes expired web sessions now and then.
func (s *Server) sweepSessions(ctx context.Context) {
	if s.opt.SessionSweep < 0 {
		return
	}
	t := time.NewTicker(s.opt.SessionSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.db.DeleteExpiredSessions(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("deleting expired sessions failed", "err", err)
				}
				continue
			}
			if n > 0 {
				s.log.Debug("deleted expired sessions", "count", n)
			}
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// healthz is the liveness probe: the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is the readiness probe: the store answers and the server is not
// shutting down.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting_down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness: store does not answer", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "store does not answer"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// metrics serves the Prometheus text format, pinging the store first.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	if !s.metricsAllowed(r) {
		// The series count requests per route and events published: how
		// busy the platform is, which is nobody's business but its
		// operators' monitoring.
		http.Error(w, "403 forbidden: /metrics answers the monitoring network (--metrics-from) or a scrape with --metrics-token", http.StatusForbidden)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
	up := 1.0
	if err := s.db.Ping(ctx); err != nil {
		up = 0
	}
	cancel()
	s.m.dbUp.With(string(s.db.Dialect())).Set(up)
	s.m.reg.Handler().ServeHTTP(w, r)
}

// httpMetrics are the series /metrics exposes.
type httpMetrics struct {
	reg      *metrics.Registry
	requests *metrics.CounterVec
	duration *metrics.HistogramVec
	inflight *metrics.Gauge
	panics   *metrics.CounterVec
	dbUp     *metrics.GaugeVec
}

var processStart = time.Now()

func newHTTPMetrics(version, revision string) *httpMetrics {
	r := metrics.NewRegistry()
	m := &httpMetrics{reg: r}
	m.requests = r.NewCounterVec("http_requests_total", "HTTP requests served, by method, route pattern and status code.", "method", "route", "code")
	m.duration = r.NewHistogramVec("http_request_duration_seconds", "Time to serve HTTP requests, by method and route pattern.", metrics.DefBuckets, "method", "route")
	m.inflight = r.NewGaugeVec("http_requests_in_flight", "HTTP requests being served.").With()
	m.panics = r.NewCounterVec("sakimori_http_panics_total", "Handler panics recovered.")
	m.panics.With()
	m.dbUp = r.NewGaugeVec("sakimori_db_up", "Whether the store answered a ping at scrape time (1) or not (0).", "dialect")
	if version == "" {
		version = "dev"
	}
	r.NewGaugeVec("sakimori_build_info", "Build information; the value is always 1.", "version", "revision", "goversion").
		With(version, revision, runtime.Version()).Set(1)
	r.NewGaugeFunc("go_goroutines", "Number of goroutines that currently exist.", func() float64 { return float64(runtime.NumGoroutine()) })
	r.NewGaugeFunc("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.",
		func() float64 { return float64(processStart.UnixNano()) / 1e9 })
	return m
}

// pushMetrics exposes the push service's counters (docs/push.md).
func pushMetrics(r *metrics.Registry, px *push.Service) {
	r.NewGaugeFunc("sakimori_push_subscribers", "Open event streams on this node.", func() float64 { return float64(px.Stats().Subscribers) })
	for _, c := range []struct {
		name, help string
		f          func(push.Stats) int64
	}{
		{"sakimori_push_events_published_total", "Events stored in the event log by this node.", func(s push.Stats) int64 { return s.Published }},
		{"sakimori_push_events_sent_total", "Events queued to this node's event streams.", func(s push.Stats) int64 { return s.Sent }},
		{"sakimori_push_streams_cut_off_total", "Event streams ended because they fell too far behind (they resume).", func(s push.Stats) int64 { return s.CutOff }},
		{"sakimori_push_webhook_deliveries_total", "Webhook deliveries accepted by their receivers.", func(s push.Stats) int64 { return s.WebhookDeliveries }},
		{"sakimori_push_webhook_failures_total", "Webhook deliveries that failed (retried from the subscription's cursor).", func(s push.Stats) int64 { return s.WebhookFailures }},
	} {
		r.NewCounterFunc(c.name, c.help, func() float64 { return float64(c.f(px.Stats())) })
	}
}

type peerKey struct{}

func withPeer(ctx context.Context, peer string) context.Context {
	return context.WithValue(ctx, peerKey{}, peer)
}

// peerFrom returns the proxy's address when the client address was taken
// from X-Forwarded-For, else "".
func peerFrom(ctx context.Context) string {
	p, _ := ctx.Value(peerKey{}).(string)
	return p
}

// metricsAllowed reports whether r may scrape /metrics: its client
// address (X-Forwarded-For already applied for trusted proxies) is in
// --metrics-from (loopback when empty), or it presents --metrics-token.
func (s *Server) metricsAllowed(r *http.Request) bool {
	if tok := s.cfg.MetricsToken; tok != "" {
		if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(tok))
			if subtle.ConstantTimeCompare(a[:], b[:]) == 1 {
				return true
			}
		}
	}
	if len(s.cfg.TrustedProxies) == 0 && (r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-IP") != "") {
		// Through a proxy the server was not told of: the peer's address
		// (often loopback) is the proxy's, not the client's.
		return false
	}
	ip, err := netip.ParseAddr(reqinfo.ClientIP(r))
	if err != nil {
		return false
	}
	ip = ip.Unmap().WithZone("")
	if len(s.cfg.MetricsFrom) == 0 {
		return ip.IsLoopback()
	}
	for _, p := range s.cfg.MetricsFrom {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
