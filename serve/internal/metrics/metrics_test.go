package metrics

import (
	"bufio"
	"io"
	"math"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestExposition(t *testing.T) {
	var r Registry
	c := r.NewCounter("spiceweb_things_total", "Things done.\nSecond line with a \\ backslash.")
	c.Add(41)
	c.Inc()
	v := r.NewCounterVec("spiceweb_refusals_total", "Refusals by reason.", "reason", "origin")
	v.With(`odd "value"` + "\n").Add(2)
	v.With("expired_token").Add(3)
	g := r.NewGauge("spiceweb_open", "Open now.")
	g.Add(5)
	g.Add(-2)
	r.NewGaugeFunc("spiceweb_ratio", "A ratio.", func() float64 { return 0.25 })
	r.NewGaugeFunc("spiceweb_missing", "Left out.", math.NaN)
	h := r.NewHistogram("spiceweb_latency_seconds", "Latency.", []float64{0.125, 0.5, 1})
	for _, x := range []float64{0.0625, 0.125, 0.25, 2, 3} {
		h.Observe(x)
	}
	var sb strings.Builder
	if _, err := r.WriteTo(&sb); err != nil {
		t.Fatal(err)
	}
	want := `# HELP spiceweb_things_total Things done.\nSecond line with a \\ backslash.
# TYPE spiceweb_things_total counter
spiceweb_things_total 42
# HELP spiceweb_refusals_total Refusals by reason.
# TYPE spiceweb_refusals_total counter
spiceweb_refusals_total{reason="expired_token"} 3
spiceweb_refusals_total{reason="odd \"value\"\n"} 2
spiceweb_refusals_total{reason="origin"} 0
# HELP spiceweb_open Open now.
# TYPE spiceweb_open gauge
spiceweb_open 3
# HELP spiceweb_ratio A ratio.
# TYPE spiceweb_ratio gauge
spiceweb_ratio 0.25
# HELP spiceweb_latency_seconds Latency.
# TYPE spiceweb_latency_seconds histogram
spiceweb_latency_seconds_bucket{le="0.125"} 2
spiceweb_latency_seconds_bucket{le="0.5"} 3
spiceweb_latency_seconds_bucket{le="1"} 3
spiceweb_latency_seconds_bucket{le="+Inf"} 5
spiceweb_latency_seconds_sum 5.4375
spiceweb_latency_seconds_count 5
`
	if got := sb.String(); got != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", got, want)
	}
	checkFormat(t, sb.String())
}

// checkFormat checks each line against the text format's grammar.
var (
	commentRE = regexp.MustCompile(`^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$`)
	sampleRE  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*\})? ([-+]?[0-9.eE+-]+|[+-]Inf|NaN)$`)
)

func checkFormat(t *testing.T, text string) {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Error("the exposition does not end with a newline")
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") {
			if !commentRE.MatchString(l) {
				t.Errorf("bad comment line %q", l)
			}
		} else if !sampleRE.MatchString(l) {
			t.Errorf("bad sample line %q", l)
		}
	}
}

func TestProcessMetrics(t *testing.T) {
	var r Registry
	RegisterProcess(&r)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	checkFormat(t, body)
	for _, name := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "go_goroutines"} {
		if !regexp.MustCompile(`(?m)^` + name + ` [0-9.e+]+$`).MatchString(body) {
			t.Errorf("no %s sample in:\n%s", name, body)
		}
	}
}

// TestConcurrentUpdates: scrapes during updates stay consistent (the
// +Inf bucket equals the count) and the race detector stays quiet.
func TestConcurrentUpdates(t *testing.T) {
	var r Registry
	h := r.NewHistogram("h_seconds", "h", []float64{1, 2})
	v := r.NewCounterVec("v_total", "v", "k")
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 2000 {
				h.Observe(float64(j % 3))
				v.With([]string{"a", "b"}[i%2]).Add(1)
			}
		})
	}
	for range 20 {
		var sb strings.Builder
		r.WriteTo(&sb)
		text := sb.String()
		inf := regexp.MustCompile(`h_seconds_bucket\{le="\+Inf"\} (\d+)`).FindStringSubmatch(text)
		cnt := regexp.MustCompile(`h_seconds_count (\d+)`).FindStringSubmatch(text)
		if inf == nil || cnt == nil || inf[1] != cnt[1] {
			t.Fatalf("+Inf bucket %v, count %v", inf, cnt)
		}
	}
	wg.Wait()
	if h.Count() != 8000 || v.Value("a")+v.Value("b") != 8000 {
		t.Fatalf("count %d, vec %d+%d", h.Count(), v.Value("a"), v.Value("b"))
	}
	r.WriteTo(io.Discard)
}
