package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"sakimori/internal/server/reqinfo"
)

// requestID gives every request an id: the one a trusted proxy passed in
// X-Request-Id if it is well-formed, else a new one. It is set on the
// response and carried in the context (reqinfo.ID).
func requestID(trusted func(netip.Addr) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(reqinfo.Header)
		if !reqinfo.ValidID(id) || !trusted(peerAddr(r)) {
			id = reqinfo.NewID()
		}
		w.Header().Set(reqinfo.Header, id)
		next.ServeHTTP(w, r.WithContext(reqinfo.WithID(r.Context(), id)))
	})
}

// peerAddr returns the address of the TCP peer (invalid if unparsable).
func peerAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// trustFunc returns whether an address belongs to a trusted proxy.
func trustFunc(prefixes []netip.Prefix) func(netip.Addr) bool {
	return func(a netip.Addr) bool {
		if !a.IsValid() {
			return false
		}
		a = a.Unmap()
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}

// ClientAddr returns the client address of a request whose TCP peer is
// peer, given its X-Forwarded-For values and the trust test. Only when the
// peer is a trusted proxy is the header believed: it is read from the right
// (the hop nearest to us), skipping trusted proxies, and the first address
// that is not one of ours is the client. Entries a client could have forged
// (to the left of that) are never used. A malformed entry stops the walk.
func ClientAddr(peer netip.Addr, xff []string, trusted func(netip.Addr) bool) netip.Addr {
	if !trusted(peer) || len(xff) == 0 {
		return peer
	}
	var hops []string
	for _, h := range xff {
		for _, f := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(f))
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !trusted(a) {
			break
		}
	}
	return client
}

// parseHop parses one X-Forwarded-For entry: an address, optionally with a
// port ("192.0.2.1:443", "[2001:db8::1]:443").
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// clientAddr rewrites r.RemoteAddr to the client address when the request
// came through a trusted proxy (port 0: the client's port is not known).
func clientAddr(trusted func(netip.Addr) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := peerAddr(r)
		xff := r.Header.Values("X-Forwarded-For")
		if client := ClientAddr(peer, xff, trusted); client.IsValid() && client != peer {
			r2 := r.WithContext(withPeer(r.Context(), r.RemoteAddr))
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

// recorder wraps a ResponseWriter to record the status and size.
type recorder struct {
	http.ResponseWriter
	status  int
	bytes   int64
	written bool
}

func (rw *recorder) WriteHeader(code int) {
	if !rw.written && code >= 200 {
		rw.status, rw.written = code, true
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(b []byte) (int, error) {
	if !rw.written {
		rw.status, rw.written = http.StatusOK, true
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// Flush passes flushes through (server-sent events, streaming).
func (rw *recorder) Flush() {
	if !rw.written {
		rw.status, rw.written = http.StatusOK, true
	}
	if f, ok := rw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes hijacking through (WebSockets).
func (rw *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := rw.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("server: response writer cannot hijack")
	}
	rw.status, rw.written = http.StatusSwitchingProtocols, true
	return h.Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rw *recorder) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "OTHER"
}

// observe logs every request, counts it in the metrics and tracks requests
// in flight. The route label is the pattern that served the request
// (r.Pattern after serving), never the raw path.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.inflight.Add(1)
		s.m.inflight.Add(1)
		rw := &recorder{ResponseWriter: w}
		defer func() {
			s.m.inflight.Add(-1)
			s.inflight.Add(-1)
			status := rw.status
			if !rw.written {
				status = http.StatusOK // a handler that writes nothing sends 200
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			method := methodLabel(r.Method)
			s.m.requests.With(method, route, strconv.Itoa(status)).Inc()
			s.m.duration.With(method, route).Observe(d.Seconds())
			level := slog.LevelInfo
			switch {
			case status >= 500:
				level = slog.LevelError
			case route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics":
				level = slog.LevelDebug // probes every few seconds: not worth a line each
			}
			if !s.log.Enabled(r.Context(), level) {
				return
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", status), slog.Int64("bytes", rw.bytes),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.String("remote", reqinfo.ClientIP(r)), slog.String("request_id", reqinfo.ID(r.Context())),
			}
			if p := peerFrom(r.Context()); p != "" {
				attrs = append(attrs, slog.String("peer", p))
			}
			s.log.LogAttrs(r.Context(), level, "http request", attrs...)
		}()
		next.ServeHTTP(rw, r)
	})
}

// recoverPanics turns a handler panic into a 500 response (JSON for the
// API, HTML otherwise) and an error log with the stack. If the handler had
// already started its response, the connection is aborted instead, so the
// client sees a broken response rather than a truncated one that looks whole.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.m.panics.With().Inc()
			id := reqinfo.ID(r.Context())
			s.log.Error("handler panic", "panic", fmt.Sprint(v), "method", r.Method, "path", r.URL.Path,
				"request_id", id, "stack", string(debug.Stack()))
			if rw, ok := w.(*recorder); ok && rw.written {
				panic(http.ErrAbortHandler)
			}
			writeInternalError(w, r, id)
		}()
		next.ServeHTTP(w, r)
	})
}

// wantsJSON reports whether an error for r should be JSON.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

var errorPage = template.Must(template.New("500").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>500 内部エラー / Internal error - sakimori</title></head>
<body><h1>内部エラーが発生しました</h1><p>Internal error. The problem has been logged.</p>
<p>問い合わせ番号 / Request id: <code>{{.}}</code></p></body></html>
`))

func writeInternalError(w http.ResponseWriter, r *http.Request, id string) {
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if wantsJSON(r) {
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
			"code": "internal", "message": "internal error", "request_id": id}})
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	errorPage.Execute(w, id)
}

// counter is an atomic in-flight count.
type counter struct{ n atomic.Int64 }

func (c *counter) Add(d int64) { c.n.Add(d) }
func (c *counter) Load() int64 { return c.n.Load() }
