// Package metrics keeps a few counters, gauges and histograms and writes
// them in the Prometheus text exposition format (version 0.0.4):
//
//	# HELP name text
//	# TYPE name counter
//	name{label="value"} 42
//
// The format is a page of lines; writing it takes less code than the
// client library's dependency tree (package-notes.md). Updates are
// atomic and never allocate, so the proxy's hot paths can count freely.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

var nameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// Registry holds metric families in registration order.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

type family interface {
	write(w *bufio.Writer)
}

func (r *Registry) add(name string, f family) {
	if !nameRE.MatchString(name) {
		panic("metrics: invalid name " + strconv.Quote(name)) // invariant: names are constants
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names == nil {
		r.names = map[string]bool{}
	}
	if r.names[name] {
		panic("metrics: " + name + " registered twice") // invariant
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

func header(w *bufio.Writer, name, help, typ string) {
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

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func formatFloat(v float64) string {
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

// sample writes one line: name{labels} value.
func sample(w *bufio.Writer, name, labels, value string) {
	w.WriteString(name)
	if labels != "" {
		w.WriteByte('{')
		w.WriteString(labels)
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(value)
	w.WriteByte('\n')
}

func label(name, value string) string { return name + `="` + escapeLabel(value) + `"` }

// WriteTo writes every family.
func (r *Registry) WriteTo(out io.Writer) (int64, error) {
	r.mu.Lock()
	fams := slices.Clone(r.families)
	r.mu.Unlock()
	cw := &countWriter{w: out}
	w := bufio.NewWriter(cw)
	for _, f := range fams {
		f.write(w)
	}
	err := w.Flush()
	return cw.n, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ServeHTTP answers a scrape.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if req.Method == http.MethodHead {
		return
	}
	r.WriteTo(w)
}

// Counter only goes up.
type Counter struct {
	name, help string
	v          atomic.Uint64
}

// NewCounter registers a counter; by convention its name ends in _total.
func (r *Registry) NewCounter(name, help string) *Counter {
	c := &Counter{name: name, help: help}
	r.add(name, c)
	return c
}

func (c *Counter) Add(n uint64)  { c.v.Add(n) }
func (c *Counter) Inc()          { c.v.Add(1) }
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) write(w *bufio.Writer) {
	header(w, c.name, c.help, "counter")
	sample(w, c.name, "", strconv.FormatUint(c.v.Load(), 10))
}

// CounterVec is a counter per value of one label.
type CounterVec struct {
	name, help, label string
	mu                sync.Mutex
	byValue           map[string]*atomic.Uint64
}

// NewCounterVec registers a counter family split by one label. Values
// listed in preset are written from the start, at 0, so that rate()
// sees a series begin before its first event.
func (r *Registry) NewCounterVec(name, help, labelName string, preset ...string) *CounterVec {
	if !nameRE.MatchString(labelName) || strings.HasPrefix(labelName, "__") {
		panic("metrics: invalid label name " + strconv.Quote(labelName)) // invariant
	}
	c := &CounterVec{name: name, help: help, label: labelName, byValue: map[string]*atomic.Uint64{}}
	for _, v := range preset {
		c.byValue[v] = new(atomic.Uint64)
	}
	r.add(name, c)
	return c
}

// With returns the counter for a label value. Callers pass values from a
// small fixed set (reasons, directions), never client input.
func (c *CounterVec) With(value string) *atomic.Uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.byValue[value]
	if !ok {
		v = new(atomic.Uint64)
		c.byValue[value] = v
	}
	return v
}

// Value is the count for a label value (0 if never counted).
func (c *CounterVec) Value(value string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.byValue[value]; ok {
		return v.Load()
	}
	return 0
}

func (c *CounterVec) write(w *bufio.Writer) {
	c.mu.Lock()
	keys := make([]string, 0, len(c.byValue))
	for k := range c.byValue {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	slices.Sort(keys)
	header(w, c.name, c.help, "counter")
	for _, k := range keys {
		sample(w, c.name, label(c.label, k), strconv.FormatUint(c.With(k).Load(), 10))
	}
}

// Gauge goes up and down.
type Gauge struct {
	name, help string
	v          atomic.Int64
}

func (r *Registry) NewGauge(name, help string) *Gauge {
	g := &Gauge{name: name, help: help}
	r.add(name, g)
	return g
}

func (g *Gauge) Add(n int64)  { g.v.Add(n) }
func (g *Gauge) Set(n int64)  { g.v.Store(n) }
func (g *Gauge) Value() int64 { return g.v.Load() }

func (g *Gauge) write(w *bufio.Writer) {
	header(w, g.name, g.help, "gauge")
	sample(w, g.name, "", strconv.FormatInt(g.v.Load(), 10))
}

// funcMetric reads its value when scraped.
type funcMetric struct {
	name, help, typ string
	fn              func() float64
}

// NewGaugeFunc registers a gauge whose value fn returns at each scrape.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) {
	r.add(name, &funcMetric{name, help, "gauge", fn})
}

// NewCounterFunc registers a counter whose value fn returns at each
// scrape (process CPU time, say).
func (r *Registry) NewCounterFunc(name, help string, fn func() float64) {
	r.add(name, &funcMetric{name, help, "counter", fn})
}

func (f *funcMetric) write(w *bufio.Writer) {
	v := f.fn()
	if math.IsNaN(v) {
		return // not available on this system
	}
	header(w, f.name, f.help, f.typ)
	sample(w, f.name, "", formatFloat(v))
}

// Histogram counts observations in cumulative buckets.
type Histogram struct {
	name, help string
	bounds     []float64
	counts     []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	sumBits    atomic.Uint64   // float64 bits
	count      atomic.Uint64
}

// NewHistogram registers a histogram with the given upper bounds
// (ascending; +Inf is implied).
func (r *Registry) NewHistogram(name, help string, bounds []float64) *Histogram {
	if !slices.IsSorted(bounds) || len(bounds) == 0 {
		panic(fmt.Sprintf("metrics: %s: bounds must be ascending", name)) // invariant
	}
	h := &Histogram{name: name, help: help, bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
	r.add(name, h)
	return h
}

// Observe records one value.
func (h *Histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.bounds, v) // first bound >= v: le is inclusive
	h.counts[i].Add(1)
	for {
		old := h.sumBits.Load()
		if h.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			break
		}
	}
	h.count.Add(1)
}

// Count is the number of observations.
func (h *Histogram) Count() uint64 { return h.count.Load() }

func (h *Histogram) write(w *bufio.Writer) {
	header(w, h.name, h.help, "histogram")
	// Read the buckets first and derive the count from them, so that the
	// +Inf bucket equals _count even while observations arrive.
	var cum uint64
	for i, b := range h.bounds {
		cum += h.counts[i].Load()
		sample(w, h.name+"_bucket", label("le", formatFloat(b)), strconv.FormatUint(cum, 10))
	}
	cum += h.counts[len(h.bounds)].Load()
	sample(w, h.name+"_bucket", label("le", "+Inf"), strconv.FormatUint(cum, 10))
	sample(w, h.name+"_sum", "", formatFloat(math.Float64frombits(h.sumBits.Load())))
	sample(w, h.name+"_count", "", strconv.FormatUint(cum, 10))
}
