package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sakimori/internal/accounts"
	"sakimori/internal/config"
	"sakimori/internal/server/reqinfo"
	"sakimori/internal/store"
	"sakimori/internal/store/storetest"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logLines returns the JSON log records.
func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

type fixture struct {
	srv *Server
	db  *store.DB
	log *syncBuffer
}

// newFixture builds a server over a fresh SQLite store, with a test API
// and dashboard in place of the real ones.
func newFixture(t *testing.T, cfg *config.Config, apiH, webH http.Handler) *fixture {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	if cfg == nil {
		cfg = &config.Config{Addr: "127.0.0.1:0", MaxBody: 1 << 20, ShutdownTimeout: 5 * time.Second}
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if apiH == nil {
		apiH = testAPI()
	}
	if webH == nil {
		webH = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<h1>dashboard</h1>") })
	}
	s, err := New(Options{Config: cfg, DB: db, Accounts: accounts.New(db, log), Log: log, Version: "v9.9.9",
		Revision: "abc123", API: apiH, Web: webH, SessionSweep: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: s, db: db, log: logs}
}

// testAPI mimics the JSON API's routing with a few patterns.
func testAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/orgs/{ref}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"ref": r.PathValue("ref"), "client": reqinfo.ClientIP(r),
			"request_id": reqinfo.ID(r.Context())})
	})
	mux.HandleFunc("POST /api/v1/orgs", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, map[string]string{})
	})
	mux.HandleFunc("GET /api/v1/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("GET /api/v1/panic-late", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("late boom")
	})
	return mux
}

func do(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = "192.0.2.10:40000"
	if target == "/metrics" {
		req.RemoteAddr = "127.0.0.1:40000" // the monitoring network by default
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestProbes(t *testing.T) {
	f := newFixture(t, nil, nil, nil)
	h := f.srv.Handler()
	if rec := do(t, h, "GET", "/healthz", nil); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "GET", "/readyz", nil); rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"status":"ready"}` {
		t.Errorf("readyz: %d %s", rec.Code, rec.Body)
	}
	rec := do(t, h, "GET", "/metrics", nil)
	if !strings.Contains(rec.Body.String(), `sakimori_db_up{dialect="sqlite"} 1`) {
		t.Errorf("metrics lacks db up:\n%s", rec.Body)
	}
	// The store goes away: readiness fails, liveness does not.
	f.db.Close()
	if rec := do(t, h, "GET", "/readyz", nil); rec.Code != 503 || !strings.Contains(rec.Body.String(), `"unavailable"`) {
		t.Errorf("readyz with the store closed: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "GET", "/healthz", nil); rec.Code != 200 {
		t.Errorf("healthz with the store closed: %d", rec.Code)
	}
	if rec := do(t, h, "GET", "/metrics", nil); !strings.Contains(rec.Body.String(), `sakimori_db_up{dialect="sqlite"} 0`) {
		t.Errorf("metrics with the store closed lacks db down:\n%s", rec.Body)
	}
}

func TestMetricsUseRoutePatterns(t *testing.T) {
	f := newFixture(t, nil, nil, nil)
	h := f.srv.Handler()
	for _, slug := range []string{"toto-electric", "secret-looking-slug-1234"} {
		if rec := do(t, h, "GET", "/api/v1/orgs/"+slug, nil); rec.Code != 200 {
			t.Fatalf("GET org: %d", rec.Code)
		}
	}
	do(t, h, "POST", "/api/v1/orgs", nil)
	do(t, h, "GET", "/some/dashboard/page", nil)
	do(t, h, "BREW", "/api/v1/orgs", nil)
	rec := do(t, h, "GET", "/metrics", nil)
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{method="GET",route="GET /api/v1/orgs/{ref}",code="200"} 2`,
		`http_requests_total{method="POST",route="POST /api/v1/orgs",code="201"} 1`,
		`http_requests_total{method="GET",route="/",code="200"} 1`,
		`http_requests_total{method="OTHER",route="unmatched",code="405"} 1`,
		`http_request_duration_seconds_count{method="GET",route="GET /api/v1/orgs/{ref}"} 2`,
		`sakimori_build_info{version="v9.9.9",revision="abc123",goversion="`,
		"# TYPE go_goroutines gauge\ngo_goroutines ",
		"# TYPE http_requests_in_flight gauge\nhttp_requests_in_flight 1\n", // the /metrics request itself
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, raw := range []string{"toto-electric", "secret-looking-slug", "dashboard/page", "BREW"} {
		if strings.Contains(body, raw) {
			t.Errorf("metrics contain the raw request text %q:\n%s", raw, body)
		}
	}
}

func TestPanicRecovery(t *testing.T) {
	webH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("web boom") })
	f := newFixture(t, nil, nil, webH)
	h := f.srv.Handler()

	rec := do(t, h, "GET", "/api/v1/panic", nil)
	var body struct {
		Error struct {
			Code, Message string
			RequestID     string `json:"request_id"`
		} `json:"error"`
	}
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 500 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
		body.Error.Code != "internal" || body.Error.RequestID == "" || body.Error.RequestID != rec.Header().Get(reqinfo.Header) {
		t.Errorf("API panic: %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("the panic value leaked to the client: %s", rec.Body)
	}

	rec = do(t, h, "GET", "/orgs", map[string]string{"Accept": "text/html"})
	if rec.Code != 500 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(rec.Body.String(), rec.Header().Get(reqinfo.Header)) {
		t.Errorf("web panic: %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}

	var panics, stacks int
	for _, r := range f.log.records(t) {
		if r["msg"] == "handler panic" {
			panics++
			if s, _ := r["stack"].(string); strings.Contains(s, "server_test.go") {
				stacks++
			}
		}
	}
	if panics != 2 || stacks != 2 {
		t.Errorf("%d panics logged (%d with stacks), want 2", panics, stacks)
	}
	if m := do(t, h, "GET", "/metrics", nil).Body.String(); !strings.Contains(m, "sakimori_http_panics_total 2\n") {
		t.Errorf("panic counter:\n%s", m)
	}
}

// A panic after the response has started cannot become a 500: the
// connection is aborted, so the client does not take a truncated body
// for a complete one.
func TestPanicAfterWriteAbortsTheResponse(t *testing.T) {
	f := newFixture(t, nil, nil, nil)
	ts := httptest.NewServer(f.srv.Handler())
	defer ts.Close()
	ts.Config.ErrorLog = slog.NewLogLogger(slog.DiscardHandler, slog.LevelError)
	resp, err := http.Get(ts.URL + "/api/v1/panic-late")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatalf("the client read a complete response")
	}
	// The server survived.
	if resp, err := http.Get(ts.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after the panic: %v", err)
	}
}

func TestRequestID(t *testing.T) {
	cfg := &config.Config{Addr: "127.0.0.1:0", ShutdownTimeout: time.Second,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	f := newFixture(t, cfg, nil, nil)
	h := f.srv.Handler()

	rec := do(t, h, "GET", "/api/v1/orgs/x", nil)
	id := rec.Header().Get(reqinfo.Header)
	if len(id) != 16 || !strings.Contains(rec.Body.String(), id) {
		t.Errorf("generated id %q not passed to the handler: %s", id, rec.Body)
	}
	if rec := do(t, h, "GET", "/api/v1/orgs/x", map[string]string{reqinfo.Header: "lb-7f3a.42"}); rec.Header().Get(reqinfo.Header) != "lb-7f3a.42" {
		t.Errorf("a trusted proxy's request id was replaced by %q", rec.Header().Get(reqinfo.Header))
	}
	if rec := do(t, h, "GET", "/api/v1/orgs/x", map[string]string{reqinfo.Header: "bad id\x01"}); rec.Header().Get(reqinfo.Header) == "bad id\x01" {
		t.Errorf("a malformed request id was kept")
	}
	// From an untrusted peer the header is ignored.
	req := httptest.NewRequest("GET", "/api/v1/orgs/x", nil)
	req.RemoteAddr = "198.51.100.7:5555"
	req.Header.Set(reqinfo.Header, "forged")
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Header().Get(reqinfo.Header) == "forged" {
		t.Errorf("an untrusted peer set the request id")
	}
}

func TestClientAddr(t *testing.T) {
	trusted := trustFunc([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")})
	a := netip.MustParseAddr
	tests := []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{"no proxy", "198.51.100.1", nil, "198.51.100.1"},
		{"untrusted peer's header ignored", "198.51.100.1", []string{"203.0.113.9"}, "198.51.100.1"},
		{"one trusted proxy", "10.0.0.1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client forges a left entry", "10.0.0.1", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", "10.0.0.1", []string{"203.0.113.9, 10.0.0.7", "10.0.0.8"}, "203.0.113.9"},
		{"all hops trusted", "10.0.0.1", []string{"10.0.0.5"}, "10.0.0.5"},
		{"trusted proxy without header", "10.0.0.1", nil, "10.0.0.1"},
		{"malformed right entry", "10.0.0.1", []string{"203.0.113.9, garbage"}, "10.0.0.1"},
		{"malformed entry after a proxy", "10.0.0.1", []string{"garbage, 10.0.0.9"}, "10.0.0.9"},
		{"entry with port", "10.0.0.1", []string{"203.0.113.9:4711"}, "203.0.113.9"},
		{"ipv6 client", "fd00::1", []string{"2001:db8::5"}, "2001:db8::5"},
		{"ipv6 client with port", "fd00::1", []string{"[2001:db8::5]:443"}, "2001:db8::5"},
		{"mapped ipv4", "10.0.0.1", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"zone refused", "10.0.0.1", []string{"fe80::1%eth0"}, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientAddr(a(tt.peer), tt.xff, trusted); got != a(tt.want) {
				t.Errorf("ClientAddr = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestClientAddrMiddleware(t *testing.T) {
	cfg := &config.Config{Addr: "127.0.0.1:0", ShutdownTimeout: time.Second,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}
	f := newFixture(t, cfg, nil, nil)
	h := f.srv.Handler()
	rec := do(t, h, "GET", "/api/v1/orgs/x", map[string]string{"X-Forwarded-For": "203.0.113.50"})
	if !strings.Contains(rec.Body.String(), `"client":"203.0.113.50"`) {
		t.Errorf("trusted proxy: %s", rec.Body)
	}
	req := httptest.NewRequest("GET", "/api/v1/orgs/x", nil)
	req.RemoteAddr = "198.51.100.7:5555"
	req.Header.Set("X-Forwarded-For", "203.0.113.50")
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if !strings.Contains(rr.Body.String(), `"client":"198.51.100.7"`) {
		t.Errorf("untrusted peer: %s", rr.Body)
	}
	// The access log records the client and, when it came from a proxy, the proxy.
	var found bool
	for _, r := range f.log.records(t) {
		if r["msg"] == "http request" && r["remote"] == "203.0.113.50" && r["peer"] == "192.0.2.10:40000" &&
			r["route"] == "GET /api/v1/orgs/{ref}" && r["status"] == float64(200) && r["request_id"] != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no access log record with client, peer and route:\n%s", f.log)
	}
}

// TestGracefulShutdown: a request in flight when shutdown begins completes
// with its response; new connections are refused; Serve returns only after
// the handler has finished.
func TestGracefulShutdown(t *testing.T) {
	started, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	apiH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "committed")
		close(finished)
	})
	f := newFixture(t, nil, apiH, nil)
	ln, url, err := f.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()

	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Post(url+"/api/v1/orgs", "application/json", strings.NewReader("{}"))
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{resp.StatusCode, string(b), nil}
	}()
	<-started
	cancel() // SIGTERM
	// New connections are refused while the request is still in flight.
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			refused = true
			break
		}
		c.Close()
	}
	if !refused {
		t.Errorf("new connections were still accepted during shutdown")
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned with a request in flight: %v", err)
	default:
	}
	close(release)
	r := <-got
	if r.err != nil || r.code != http.StatusCreated || r.body != "committed" {
		t.Fatalf("in-flight request: %+v", r)
	}
	<-finished
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// TestShutdownTimeout: a handler that does not finish within the shutdown
// timeout has its context cancelled, and Serve returns after it does.
func TestShutdownTimeout(t *testing.T) {
	started := make(chan struct{})
	var handlerErr error
	done := make(chan struct{})
	apiH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // a stuck database call would return like this
		handlerErr = r.Context().Err()
		close(done)
	})
	cfg := &config.Config{Addr: "127.0.0.1:0", ShutdownTimeout: 100 * time.Millisecond}
	f := newFixture(t, cfg, apiH, nil)
	ln, url, err := f.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()
	clientErr := make(chan error, 1)
	go func() {
		resp, err := http.Get(url + "/api/v1/slow")
		if err == nil {
			resp.Body.Close()
			err = errors.New("got a response: " + resp.Status)
		}
		clientErr <- err
	}()
	<-started
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	select {
	case <-done:
	default:
		t.Fatal("Serve returned before the cancelled handler did")
	}
	if !errors.Is(handlerErr, context.Canceled) {
		t.Errorf("handler context: %v", handlerErr)
	}
	if err := <-clientErr; err == nil {
		t.Errorf("the client got a response from a cancelled request")
	}
	var warned bool
	for _, r := range f.log.records(t) {
		warned = warned || strings.HasPrefix(r["msg"].(string), "shutdown timeout reached")
	}
	if !warned {
		t.Errorf("no warning logged:\n%s", f.log)
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		addr string
		tls  bool
		want string
	}{
		{"127.0.0.1:8080", false, "http://127.0.0.1:8080"},
		{"0.0.0.0:8080", false, "http://localhost:8080"},
		{"[::]:443", true, "https://localhost:443"},
		{"[::1]:8080", false, "http://[::1]:8080"},
	}
	for _, tt := range tests {
		ap := netip.MustParseAddrPort(tt.addr)
		if got := URL(net.TCPAddrFromAddrPort(ap), tt.tls); got != tt.want {
			t.Errorf("URL(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

func TestListenErrorNamesAddr(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := &config.Config{Addr: busy.Addr().String(), ShutdownTimeout: time.Second}
	f := newFixture(t, cfg, nil, nil)
	_, _, err = f.srv.Listen()
	if err == nil || !strings.HasPrefix(err.Error(), "--addr: cannot listen on "+busy.Addr().String()) {
		t.Errorf("got %v", err)
	}
}

func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.1", "203.0.113.9, 10.0.0.2")
	f.Add("10.0.0.1", "[2001:db8::1]:80,garbage")
	f.Add("198.51.100.1", "1.2.3.4")
	trusted := trustFunc([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	f.Fuzz(func(t *testing.T, peer, xff string) {
		p, err := netip.ParseAddr(peer)
		if err != nil {
			return
		}
		p = p.Unmap()
		got := ClientAddr(p, []string{xff}, trusted)
		if !trusted(p) && got != p {
			t.Fatalf("untrusted peer %v rewritten to %v", p, got)
		}
		if got == p {
			return
		}
		for _, h := range strings.Split(xff, ",") {
			if a, ok := parseHop(strings.TrimSpace(h)); ok && a == got {
				return
			}
		}
		t.Fatalf("client %v is neither the peer nor an entry of %q", got, xff)
	})
}

func TestServesTLS(t *testing.T) {
	cert, key := selfSigned(t)
	cfg := &config.Config{Addr: "127.0.0.1:0", ShutdownTimeout: 5 * time.Second, TLSCert: cert, TLSKey: key}
	f := newFixture(t, cfg, nil, nil)
	ln, url, err := f.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("URL %s", url)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()
	pool := x509.NewCertPool()
	certPEM, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(certPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost",
		MaxVersion: tls.VersionTLS11}}}
	if _, err := c.Get(url + "/healthz"); err == nil {
		t.Errorf("TLS 1.1 was accepted")
	}
	c.Transport.(*http.Transport).TLSClientConfig.MaxVersion = 0
	resp, err := c.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("healthz over TLS: %d", resp.StatusCode)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

func selfSigned(t *testing.T) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	dir := t.TempDir()
	cp, kp := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cp, kp
}

// TestMetricsAccess: /metrics answers the monitoring network (loopback by
// default, --metrics-from) or a scrape with --metrics-token; anyone else,
// including clients behind a proxy the server was not told of, gets 403.
func TestMetricsAccess(t *testing.T) {
	const token = "scrape-token-0123456789"
	pfx := func(s ...string) []netip.Prefix {
		var out []netip.Prefix
		for _, x := range s {
			out = append(out, netip.MustParsePrefix(x))
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		from    []netip.Prefix
		proxies []netip.Prefix
		tok     string
		remote  string
		hdr     map[string]string
		want    int
	}{
		{"loopback by default", nil, nil, "", "127.0.0.1:5000", nil, 200},
		{"IPv6 loopback by default", nil, nil, "", "[::1]:5000", nil, 200},
		{"others not by default", nil, nil, "", "192.0.2.10:5000", nil, 403},
		{"an unknown proxy on loopback", nil, nil, "", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "203.0.113.5"}, 403},
		{"Forwarded through an unknown proxy", nil, nil, "", "127.0.0.1:5000", map[string]string{"Forwarded": "for=203.0.113.5"}, 403},
		{"a trusted proxy's client outside", nil, pfx("127.0.0.1/32"), "", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "203.0.113.5"}, 403},
		{"a trusted proxy's client inside", pfx("10.0.0.0/8"), pfx("127.0.0.1/32"), "", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "10.1.2.3"}, 200},
		{"the monitoring network", pfx("10.0.0.0/8"), nil, "", "10.9.8.7:5000", nil, 200},
		{"loopback not in the list", pfx("10.0.0.0/8"), nil, "", "127.0.0.1:5000", nil, 403},
		{"IPv4-mapped address", pfx("10.0.0.0/8"), nil, "", "[::ffff:10.9.8.7]:5000", nil, 200},
		{"the token from anywhere", nil, nil, token, "198.51.100.7:5000", map[string]string{"Authorization": "Bearer " + token}, 200},
		{"a wrong token", nil, nil, token, "198.51.100.7:5000", map[string]string{"Authorization": "Bearer " + token + "x"}, 403},
		{"a token not configured", nil, nil, "", "198.51.100.7:5000", map[string]string{"Authorization": "Bearer " + token}, 403},
		{"the token not as a bearer", nil, nil, token, "198.51.100.7:5000", map[string]string{"Authorization": token}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &config.Config{Addr: "127.0.0.1:0", MaxBody: 1 << 20, ShutdownTimeout: 5 * time.Second,
				MetricsFrom: tc.from, TrustedProxies: tc.proxies, MetricsToken: tc.tok}
			f := newFixture(t, cfg, nil, nil)
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.RemoteAddr = tc.remote
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			f.srv.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if body := rec.Body.String(); tc.want == 200 && !strings.Contains(body, "http_requests_total") {
				t.Errorf("no series: %s", body)
			} else if tc.want == 403 && strings.Contains(body, "http_requests_total") {
				t.Errorf("series served to a refused client: %s", body)
			}
		})
	}
}
