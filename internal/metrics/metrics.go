// Package metrics is a small, dependency-free implementation of the
// Prometheus text exposition format (version 0.0.4): counters, histograms
// and gauges with labels, and gauges computed at scrape time. It holds just
// what sakimori exposes on /metrics; it is not a general client library.
//
// Series are kept in memory for the life of the process. Label values must
// come from a bounded set (HTTP methods, route patterns, status codes), never
// from raw request input, or the number of series grows without bound.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ContentType is the Content-Type of the text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// DefBuckets are latency buckets in seconds (Prometheus' defaults).
var DefBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Registry holds metric families and writes them in the text format.
type Registry struct {
	mu       sync.Mutex
	families map[string]family
}

// family is one metric family: it writes its HELP, TYPE and samples.
type family interface {
	write(w *bufio.Writer)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]family{}} }

func (r *Registry) register(name string, labels []string, f family) {
	if !metricNameRE.MatchString(name) {
		panic("metrics: invalid metric name " + strconv.Quote(name))
	}
	seen := map[string]bool{}
	for _, l := range labels {
		if !labelNameRE.MatchString(l) || strings.HasPrefix(l, "__") || l == "le" {
			panic("metrics: invalid label name " + strconv.Quote(l) + " for " + name)
		}
		if seen[l] {
			panic("metrics: duplicate label " + strconv.Quote(l) + " for " + name)
		}
		seen[l] = true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.families[name]; dup {
		panic("metrics: duplicate metric " + strconv.Quote(name))
	}
	r.families[name] = f
}

// WriteText writes every family, sorted by name, in the text format.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	names := make([]string, 0, len(r.families))
	for n := range r.families {
		names = append(names, n)
	}
	fams := make([]family, len(names))
	sort.Strings(names)
	for i, n := range names {
		fams[i] = r.families[n]
	}
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		f.write(bw)
	}
	return bw.Flush()
}

// Handler serves the registry in the text format.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Cache-Control", "no-store")
		_ = r.WriteText(w)
	})
}

// ---- shared series bookkeeping ---------------------------------------------

// vec maps label values to series of type T.
type vec[T any] struct {
	labels []string
	mu     sync.RWMutex
	series map[string]*entry[T]
	mk     func() *T
}

type entry[T any] struct {
	values []string
	s      *T
}

func newVec[T any](labels []string, mk func() *T) *vec[T] {
	return &vec[T]{labels: slices.Clone(labels), series: map[string]*entry[T]{}, mk: mk}
}

// with returns the series for values, creating it on first use.
func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %d label values for %d labels", len(values), len(v.labels)))
	}
	key := strings.Join(values, "\xff")
	v.mu.RLock()
	e, ok := v.series[key]
	v.mu.RUnlock()
	if ok {
		return e.s
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.series[key]; ok {
		return e.s
	}
	e = &entry[T]{values: slices.Clone(values), s: v.mk()}
	v.series[key] = e
	return e.s
}

// sorted returns the series ordered by their label values.
func (v *vec[T]) sorted() []*entry[T] {
	v.mu.RLock()
	out := make([]*entry[T], 0, len(v.series))
	for _, e := range v.series {
		out = append(out, e)
	}
	v.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return slices.Compare(out[i].values, out[j].values) < 0 })
	return out
}

func writeHeader(w *bufio.Writer, name, help, typ string) {
	w.WriteString("# HELP ")
	w.WriteString(name)
	w.WriteByte(' ')
	w.WriteString(escapeHelp(help))
	w.WriteString("\n# TYPE ")
	w.WriteString(name)
	w.WriteByte(' ')
	w.WriteString(typ)
	w.WriteByte('\n')
}

// writeSample writes `name{l1="v1",...,extra} value`.
func writeSample(w *bufio.Writer, name string, labels, values []string, extraName, extraValue string, v float64) {
	w.WriteString(name)
	if len(labels) > 0 || extraName != "" {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l)
			w.WriteString(`="`)
			w.WriteString(escapeLabel(values[i]))
			w.WriteByte('"')
		}
		if extraName != "" {
			if len(labels) > 0 {
				w.WriteByte(',')
			}
			w.WriteString(extraName)
			w.WriteString(`="`)
			w.WriteString(escapeLabel(extraValue))
			w.WriteByte('"')
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(FormatFloat(v))
	w.WriteByte('\n')
}

// FormatFloat formats a sample value as the text format expects.
func FormatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

// ---- counters ---------------------------------------------------------------

// Counter is a monotonically increasing value.
type Counter struct{ bits atomic.Uint64 }

// Inc adds one.
func (c *Counter) Inc() { c.Add(1) }

// Add adds v, which must not be negative.
func (c *Counter) Add(v float64) {
	if v < 0 {
		panic("metrics: counter decreased")
	}
	addFloat(&c.bits, v)
}

// Value returns the current value.
func (c *Counter) Value() float64 { return math.Float64frombits(c.bits.Load()) }

func addFloat(bits *atomic.Uint64, v float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// CounterVec is a counter family with labels.
type CounterVec struct {
	name, help string
	v          *vec[Counter]
}

// NewCounterVec registers a counter family.
func (r *Registry) NewCounterVec(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{name: name, help: help, v: newVec(labels, func() *Counter { return new(Counter) })}
	r.register(name, labels, c)
	return c
}

// With returns the counter for the label values (in label order).
func (c *CounterVec) With(values ...string) *Counter { return c.v.with(values) }

func (c *CounterVec) write(w *bufio.Writer) {
	writeHeader(w, c.name, c.help, "counter")
	for _, e := range c.v.sorted() {
		writeSample(w, c.name, c.v.labels, e.values, "", "", e.s.Value())
	}
}

// ---- gauges -----------------------------------------------------------------

// Gauge is a value that goes up and down.
type Gauge struct{ bits atomic.Uint64 }

// Set sets the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Add adds v (which may be negative).
func (g *Gauge) Add(v float64) { addFloat(&g.bits, v) }

// Value returns the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// GaugeVec is a gauge family with labels.
type GaugeVec struct {
	name, help string
	v          *vec[Gauge]
}

// NewGaugeVec registers a gauge family.
func (r *Registry) NewGaugeVec(name, help string, labels ...string) *GaugeVec {
	g := &GaugeVec{name: name, help: help, v: newVec(labels, func() *Gauge { return new(Gauge) })}
	r.register(name, labels, g)
	return g
}

// With returns the gauge for the label values (in label order).
func (g *GaugeVec) With(values ...string) *Gauge { return g.v.with(values) }

func (g *GaugeVec) write(w *bufio.Writer) {
	writeHeader(w, g.name, g.help, "gauge")
	for _, e := range g.v.sorted() {
		writeSample(w, g.name, g.v.labels, e.values, "", "", e.s.Value())
	}
}

// gaugeFunc is a label-less gauge (or counter) computed at scrape time.
type gaugeFunc struct {
	name, help, typ string
	f               func() float64
}

// NewGaugeFunc registers a gauge whose value f computes at every scrape.
// f must be cheap and safe for concurrent use.
func (r *Registry) NewGaugeFunc(name, help string, f func() float64) {
	r.register(name, nil, &gaugeFunc{name: name, help: help, typ: "gauge", f: f})
}

// NewCounterFunc registers a counter whose value f reads at every scrape
// (a count kept elsewhere, which only grows). f must be cheap and safe
// for concurrent use.
func (r *Registry) NewCounterFunc(name, help string, f func() float64) {
	r.register(name, nil, &gaugeFunc{name: name, help: help, typ: "counter", f: f})
}

func (g *gaugeFunc) write(w *bufio.Writer) {
	writeHeader(w, g.name, g.help, g.typ)
	writeSample(w, g.name, nil, nil, "", "", g.f())
}

// ---- histograms -------------------------------------------------------------

// Histogram counts observations into cumulative buckets.
type Histogram struct {
	upper  []float64       // bucket upper bounds, ascending, without +Inf
	counts []atomic.Uint64 // per bucket (not cumulative); last is +Inf
	count  atomic.Uint64
	sum    atomic.Uint64 // float64 bits
}

// Observe records v.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.upper, v) // first bound >= v: "le" is inclusive
	h.counts[i].Add(1)
	addFloat(&h.sum, v)
	h.count.Add(1)
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.count.Load() }

// HistogramVec is a histogram family with labels.
type HistogramVec struct {
	name, help string
	upper      []float64
	v          *vec[Histogram]
}

// NewHistogramVec registers a histogram family with the given bucket upper
// bounds (ascending; +Inf is added).
func (r *Registry) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	if len(buckets) == 0 || !sort.Float64sAreSorted(buckets) {
		panic("metrics: histogram buckets must be given in ascending order")
	}
	for i := 1; i < len(buckets); i++ {
		if buckets[i] == buckets[i-1] {
			panic("metrics: duplicate histogram bucket")
		}
	}
	up := slices.Clone(buckets)
	if math.IsInf(up[len(up)-1], 1) {
		up = up[:len(up)-1]
	}
	h := &HistogramVec{name: name, help: help, upper: up}
	h.v = newVec(labels, func() *Histogram {
		return &Histogram{upper: up, counts: make([]atomic.Uint64, len(up)+1)}
	})
	r.register(name, labels, h)
	return h
}

// With returns the histogram for the label values (in label order).
func (h *HistogramVec) With(values ...string) *Histogram { return h.v.with(values) }

func (h *HistogramVec) write(w *bufio.Writer) {
	writeHeader(w, h.name, h.help, "histogram")
	for _, e := range h.v.sorted() {
		s := e.s
		// Read the buckets first and derive count from them, so a scrape
		// racing an Observe never shows a count below the +Inf bucket.
		var cum uint64
		for i, ub := range h.upper {
			cum += s.counts[i].Load()
			writeSample(w, h.name+"_bucket", h.v.labels, e.values, "le", FormatFloat(ub), float64(cum))
		}
		cum += s.counts[len(h.upper)].Load()
		writeSample(w, h.name+"_bucket", h.v.labels, e.values, "le", "+Inf", float64(cum))
		writeSample(w, h.name+"_sum", h.v.labels, e.values, "", "", math.Float64frombits(s.sum.Load()))
		writeSample(w, h.name+"_count", h.v.labels, e.values, "", "", float64(cum))
	}
}
