package metrics

import (
	"bytes"
	"flag"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestExposition checks the whole text format against a golden file:
// HELP/TYPE lines, families sorted by name, series sorted by label values,
// cumulative buckets with an inclusive "le", +Inf, _sum and _count, and
// escaping of label values and help text.
func TestExposition(t *testing.T) {
	r := NewRegistry()
	req := r.NewCounterVec("http_requests_total", "HTTP requests served.", "method", "route", "code")
	req.With("GET", "GET /api/v1/orgs/{ref}", "200").Add(3)
	req.With("POST", "POST /api/v1/orgs", "201").Inc()
	req.With("GET", "GET /healthz", "200").Inc()
	dur := r.NewHistogramVec("http_request_duration_seconds", "Time to serve a request.", []float64{0.1, 0.5, 1}, "route")
	h := dur.With("GET /healthz")
	for _, v := range []float64{0.05, 0.1, 0.3, 0.5, 2} {
		h.Observe(v)
	}
	dur.With("POST /api/v1/orgs") // a series with no observations
	info := r.NewGaugeVec("sakimori_build_info", "Build information; the value is always 1.", "version", "goversion")
	info.With("v1.0.0", "go1.26").Set(1)
	r.NewGaugeFunc("go_goroutines", "Number of goroutines.", func() float64 { return 42 })
	esc := r.NewCounterVec("escape_test_total", "Help with a backslash \\ and a\nnewline.", "v")
	esc.With("quote \" backslash \\ newline \n end").Inc()
	g := r.NewGaugeVec("special_values", "Non-finite values.", "kind")
	g.With("inf").Set(math.Inf(1))
	g.With("neg").Set(math.Inf(-1))
	g.With("nan").Set(math.NaN())
	g.With("small").Set(1e-7)
	g.With("big").Set(12345678901)
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "exposition.txt", buf.Bytes())
}

func TestHistogramBoundsInclusive(t *testing.T) {
	r := NewRegistry()
	h := r.NewHistogramVec("h", "h", []float64{1, 2}).With()
	h.Observe(1) // le="1"
	h.Observe(1.5)
	h.Observe(2) // le="2"
	h.Observe(3) // +Inf only
	var buf bytes.Buffer
	r.WriteText(&buf)
	for _, want := range []string{`h_bucket{le="1"} 1`, `h_bucket{le="2"} 3`, `h_bucket{le="+Inf"} 4`, "h_sum 7.5", "h_count 4"} {
		if !strings.Contains(buf.String(), want+"\n") {
			t.Errorf("missing %q in\n%s", want, buf.String())
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounterVec("c_total", "c", "k")
	h := r.NewHistogramVec("h", "h", DefBuckets, "k")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 1000 {
				k := []string{"a", "b"}[(i+j)%2]
				c.With(k).Inc()
				h.With(k).Observe(0.01)
				if j%100 == 0 {
					r.WriteText(&bytes.Buffer{})
				}
			}
		})
	}
	wg.Wait()
	if got := c.With("a").Value() + c.With("b").Value(); got != 8000 {
		t.Errorf("counter total = %v, want 8000", got)
	}
	if got := h.With("a").Count() + h.With("b").Count(); got != 8000 {
		t.Errorf("histogram count = %v, want 8000", got)
	}
}

func TestRegistrationMistakesPanic(t *testing.T) {
	cases := map[string]func(r *Registry){
		"bad metric name":  func(r *Registry) { r.NewCounterVec("1bad", "x") },
		"bad label name":   func(r *Registry) { r.NewCounterVec("ok_total", "x", "bad-label") },
		"reserved label":   func(r *Registry) { r.NewCounterVec("ok_total", "x", "__name") },
		"le label":         func(r *Registry) { r.NewHistogramVec("ok", "x", DefBuckets, "le") },
		"duplicate label":  func(r *Registry) { r.NewCounterVec("ok_total", "x", "a", "a") },
		"duplicate metric": func(r *Registry) { r.NewCounterVec("m", "x"); r.NewGaugeVec("m", "x") },
		"unsorted buckets": func(r *Registry) { r.NewHistogramVec("h", "x", []float64{2, 1}) },
		"wrong arity":      func(r *Registry) { r.NewCounterVec("c", "x", "a", "b").With("only-one") },
		"negative add":     func(r *Registry) { r.NewCounterVec("c", "x").With().Add(-1) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			f(NewRegistry())
		})
	}
}

func TestHandler(t *testing.T) {
	r := NewRegistry()
	r.NewGaugeFunc("up", "Always one.", func() float64 { return 1 })
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type = %q", ct)
	}
	if want := "# HELP up Always one.\n# TYPE up gauge\nup 1\n"; rec.Body.String() != want {
		t.Errorf("body = %q, want %q", rec.Body.String(), want)
	}
}
