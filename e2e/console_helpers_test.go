//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"

	"spiceweb/bench"
)

// benchClient is one of the two clients the browser benchmarks compare,
// each served by its own websockify (as nova's proxy serves it). The
// benchmarks depend on nothing of a page but its URL parameters and its
// screen canvas.
type benchClient struct {
	name     string
	site     string // directory websockify serves
	selector string // its screen canvas
	ws       *Websockify
}

// benchClients are our page and spice-html5, not yet served.
func benchClients(b *testing.B) []*benchClient {
	return []*benchClient{
		{name: "spiceweb", site: Site(b), selector: "canvas.spiceweb-screen"},
		{name: "spice-html5", site: SpiceHTML5Dir, selector: "#spice-screen canvas"},
	}
}

// serve returns c served by a new websockify against SPICE port port.
func (c *benchClient) serve(b *testing.B, port int) *benchClient {
	b.Helper()
	served := *c
	served.ws = StartWebsockify(b, c.site, port)
	return &served
}

// startBenchClients serves both clients against SPICE port port.
func startBenchClients(b *testing.B, port int) []*benchClient {
	b.Helper()
	clients := benchClients(b)
	for i, c := range clients {
		clients[i] = c.serve(b, port)
	}
	return clients
}

// url is the page with the parameters nova gives it, and scaling=down,
// which shows the guest 1:1 as spice-html5 does (spiceweb's default
// without an agent enlarges it to fit the window, which costs the
// compositor more).
func (c *benchClient) url() string {
	return fmt.Sprintf("%sspice_auto.html?host=127.0.0.1&port=%d&scaling=down", c.ws.URL, c.ws.Port)
}

// freshServer is an Xspice with a workload, started for one client's
// window, with websockify serving that client. Each window gets a server
// of its own: under the xterm flood, Xspice answered the link of a client
// that came after another had left only 20-25 s later (by then either
// client may have given up: spice-html5 waits 30 s), and neither client
// should inherit the server state the other left.
type freshServer struct {
	x    *Xspice
	work *Proc // paused until the client shows the desktop
	c    *benchClient
}

func startFreshServer(b *testing.B, opts XspiceOptions, setup func(*Xspice) *Proc, c *benchClient) *freshServer {
	b.Helper()
	x := StartXspice(b, opts)
	work := setup(x)
	pause(b, work)
	return &freshServer{x: x, work: work, c: c.serve(b, x.Port)}
}

// stop ends the server, its workload and its websockify; the browser must
// have left the page (a server that goes away under a client makes it log
// errors).
func (s *freshServer) stop(b *testing.B) {
	for _, p := range []*Proc{s.c.ws.Proc, s.work, s.x.Proc} {
		if err := p.Stop(); err != nil {
			b.Errorf("stopping %s: %v", p.Name, err)
		}
	}
}

func pause(b *testing.B, p *Proc) {
	if err := p.Pause(); err != nil {
		b.Fatalf("pausing %s: %v", p.Name, err)
	}
}

func resume(b *testing.B, p *Proc) {
	if err := p.Resume(); err != nil {
		b.Fatalf("resuming %s: %v", p.Name, err)
	}
}

// benchRuns is SPICEWEB_BENCH_RUNS, or def.
func benchRuns(b *testing.B, def int) int {
	b.Helper()
	v := os.Getenv("SPICEWEB_BENCH_RUNS")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("SPICEWEB_BENCH_RUNS=%q: want a positive count", v)
	}
	return n
}

// inOrder returns the indexes of the clients in the order of run:
// alternating which goes first, so that neither always follows the
// other's disconnect or has the machine to itself a moment longer.
func inOrder(n, run int) []int {
	out := make([]int, n)
	for k := range n {
		out[k] = (k + run) % n
	}
	return out
}

// benchPointer is where the X pointer waits during the benchmarks, out of
// the way of what they watch (see pointerAt).
var benchPointer = image.Pt(1000, 740)

// consoleProbeJS is bench/web/console.js.
func consoleProbeJS(b testing.TB) string {
	b.Helper()
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "bench", "web", "console.js"))
	if err != nil {
		b.Fatal(err)
	}
	return "window.__consoleProbe = (" + strings.TrimSuffix(strings.TrimSpace(string(src)), ";") + ")(); true"
}

// openConsole loads client c in br, installs the probe and waits until
// the screen canvas shows colour rgb at every point: the desktop has
// arrived. It returns the renderer's process id, or an error when the
// desktop did not arrive within 30 s. A caller that reuses a server goes
// to a blank page first and lets the server see the previous client go.
func openConsole(b *testing.B, br *Browser, c *benchClient, probe string, points []image.Point, rgb [3]byte) (int, error) {
	b.Helper()
	br.Navigate(c.url())
	Eval[bool](br, probe)
	expr := fmt.Sprintf("window.__consoleProbe.shows(%q, %s, [%d, %d, %d])", c.selector, mustJSON(points2(points)), rgb[0], rgb[1], rgb[2])
	err := waitUntil(b.Context(), 30*time.Second, c.name+" showing the desktop", nil, func(ctx context.Context) error {
		ok, err := EvalErr[bool](ctx, br, expr)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(br.Context(), actionTimeout)
	defer cancel()
	pid, err := br.RendererPID(ctx)
	if err != nil {
		b.Fatalf("%s: %v", c.name, err)
	}
	enablePerformance(b, br)
	return pid, nil
}

// linkRetries explains why a client that did not show the desktop gets a
// second try: spice-html5 fails a link now and then with "Permission
// denied" (Xspice logs "failed to decrypt RSA encrypted password ... oaep
// decoding error": its JavaScript RSA sometimes makes a ciphertext the
// server cannot decode), about once in 50 sessions here. The retries are
// counted and printed with the figures.
const linkRetries = 1

// openFresh starts a fresh server for c (see startFreshServer) and opens c
// on it, trying again on another fresh server if the desktop does not
// arrive (see linkRetries); retries counts the extra tries.
func openFresh(b *testing.B, br *Browser, opts XspiceOptions, setup func(*Xspice) *Proc, c *benchClient,
	probe string, points []image.Point, rgb [3]byte, retries *int) (*freshServer, int) {
	b.Helper()
	for try := 0; ; try++ {
		s := startFreshServer(b, opts, setup, c)
		pid, err := openConsole(b, br, s.c, probe, points, rgb)
		if err == nil {
			return s, pid
		}
		br.Navigate("about:blank")
		s.stop(b)
		if try == linkRetries {
			b.Fatalf("e2e: %v (after %d retries)", err, linkRetries)
		}
		*retries++
		b.Logf("%s: %v; trying again on a new server", c.name, err)
	}
}

// enablePerformance turns on the Performance domain for the current page,
// anew for each: a navigation may have moved the tab to another renderer.
func enablePerformance(t testing.TB, br *Browser) {
	t.Helper()
	ctx, cancel := context.WithTimeout(br.Context(), actionTimeout)
	defer cancel()
	_, _ = chromedp.Call(ctx, performance.Disable, cdp.Empty{})
	if _, err := chromedp.Call(ctx, performance.Enable, performance.EnableParams{}); err != nil {
		t.Fatalf("Performance.enable: %v", err)
	}
}

// points2 spells points as [[x, y], ...] for the probe.
func points2(ps []image.Point) [][2]int {
	out := make([][2]int, len(ps))
	for i, p := range ps {
		out[i] = [2]int{p.X, p.Y}
	}
	return out
}

// windowFigures is what one client did during one measurement window.
type windowFigures struct {
	Elapsed time.Duration
	// Busy and Script are the page's main thread (CDP Performance
	// TaskDuration, ScriptDuration); CPU is the whole renderer process,
	// every thread, from /proc (Threads: by thread name); Rest is every
	// other Chromium process (browser, GPU/display compositor, network).
	Busy, Script, CPU, Rest time.Duration
	Threads                 map[string]time.Duration
	// Shown: the frames the display compositor drew.
	Shown bench.Shown
	// Machine is how busy the whole machine was (1 = every CPU), Others
	// the part of it outside this test process and its descendants
	// (servers, X clients, Chromium): how noisy the window was.
	Machine, Others float64
	// Stats are the page's own counters per second, if it has any;
	// RawStats its readings at the window's start and end.
	Stats    map[string]float64
	RawStats [2]json.RawMessage
}

// cpuSnapshot is one reading of the counters a window subtracts.
type cpuSnapshot struct {
	task, script float64 // seconds
	renderer     ProcCPU
	rest         float64 // seconds
	stats        json.RawMessage
	machine      MachineCPU
	procs        ProcSnapshot
}

func snapshot(ctx context.Context, br *Browser, pid int) (cpuSnapshot, error) {
	var s cpuSnapshot
	m, err := chromedp.Call(ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		return s, fmt.Errorf("Performance.getMetrics: %w", err)
	}
	var haveTask bool
	for _, x := range m.Metrics {
		switch x.Name {
		case "TaskDuration":
			s.task, haveTask = x.Value, true
		case "ScriptDuration":
			s.script = x.Value
		}
	}
	if !haveTask {
		return s, errors.New("Performance.getMetrics has no TaskDuration")
	}
	if s.renderer, err = ReadProcCPU(pid); err != nil {
		return s, fmt.Errorf("renderer %d: %w", pid, err)
	}
	if s.machine, err = ReadMachineCPU(); err != nil {
		return s, err
	}
	if s.procs, err = ReadProcs(os.Getpid()); err != nil {
		return s, err
	}
	procs, err := chromedp.CallBrowser(ctx, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		return s, fmt.Errorf("SystemInfo.getProcessInfo: %w", err)
	}
	for _, p := range procs.ProcessInfo {
		if int(p.ID) != pid {
			s.rest += p.CPUTime
		}
	}
	s.stats, err = EvalErr[json.RawMessage](ctx, br, "window.__consoleProbe.stats()")
	return s, err
}

// frameDisplayed is the display compositor's event for a frame it drew
// because something on the page changed; frames without damage are not
// drawn and have none. It is the one event of its category, so tracing it
// costs nothing measurable and nothing in the page.
const (
	frameDisplayedCategory = "disabled-by-default-display.framedisplayed"
	frameDisplayed         = "Display::FrameDisplayed"
)

// measureWindow measures the page for d: its main thread, its renderer
// process, the rest of Chromium, and the frames shown. CPU figures are
// scaled to exactly d (the window runs a few ms longer).
func measureWindow(b testing.TB, br *Browser, pid int, d time.Duration) windowFigures {
	b.Helper()
	ctx, cancel := context.WithTimeout(br.Context(), d+2*actionTimeout)
	defer cancel()
	var s0, s1 cpuSnapshot
	var from, to time.Duration
	events, err := br.Trace(ctx, []string{frameDisplayedCategory}, func() error {
		from = MonotonicNow()
		var err error
		if s0, err = snapshot(ctx, br, pid); err != nil {
			return err
		}
		time.Sleep(d)
		s1, err = snapshot(ctx, br, pid)
		to = MonotonicNow()
		return err
	})
	if err != nil {
		b.Fatalf("e2e: measuring: %v", err)
	}
	shown := displayed(events)
	pids := map[int]bool{}
	for _, e := range events {
		if e.Name == frameDisplayed {
			pids[e.Pid] = true
		}
	}
	if len(pids) > 1 {
		// One tab, one window: one display compositor.
		b.Fatalf("e2e: displayed frames from %d processes %v, want one", len(pids), slices.Collect(maps.Keys(pids)))
	}
	elapsed := to - from
	scale := func(x float64) time.Duration { return time.Duration(x * float64(d) / float64(elapsed)) }
	cpu := s1.renderer.Sub(s0.renderer)
	w := windowFigures{
		Elapsed:  elapsed,
		Busy:     scale((s1.task - s0.task) * 1e9),
		Script:   scale((s1.script - s0.script) * 1e9),
		CPU:      scale(float64(cpu.Total)),
		Rest:     scale((s1.rest - s0.rest) * 1e9),
		Threads:  map[string]time.Duration{},
		Shown:    bench.FramesShown(shown, from, to),
		Stats:    statsRate(s0.stats, s1.stats, elapsed),
		RawStats: [2]json.RawMessage{s0.stats, s1.stats},
		Machine:  s1.machine.Share(s0.machine),
	}
	if total := s1.machine.Total - s0.machine.Total; total > 0 {
		w.Others = float64(s1.procs.Others(s0.procs)) / float64(total)
	}
	for name, t := range cpu.Threads {
		w.Threads[name] = scale(float64(t))
	}
	return w
}

// loadMeter tells how busy the machine was over a whole benchmark, and how
// much of that was others (see windowFigures.Others).
type loadMeter struct {
	machine MachineCPU
	procs   ProcSnapshot
}

func startLoadMeter(b *testing.B) loadMeter {
	b.Helper()
	m, err := ReadMachineCPU()
	if err != nil {
		b.Fatal(err)
	}
	procs, err := ReadProcs(os.Getpid())
	if err != nil {
		b.Fatal(err)
	}
	return loadMeter{machine: m, procs: procs}
}

// String reads the counters again and describes the load since start.
func (l loadMeter) String() string {
	m, err1 := ReadMachineCPU()
	procs, err2 := ReadProcs(os.Getpid())
	if err := errors.Join(err1, err2); err != nil {
		return err.Error()
	}
	total := m.Total - l.machine.Total
	if total <= 0 {
		return "no time passed"
	}
	others := float64(procs.Others(l.procs)) / float64(total)
	return fmt.Sprintf("the machine's CPUs were %.0f%% busy, %.0f%% with work outside the benchmark", 100*m.Share(l.machine), 100*others)
}

// statsRate is the per-second change of every numeric field (nested
// objects flattened with dots) between two readings of the page's
// counters, leaving out those that did not change (load times and the
// like); a string field (where the client runs) is kept as "key=value"
// with a rate of 0. nil when the page has no counters.
func statsRate(a, b json.RawMessage, elapsed time.Duration) map[string]float64 {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil || va == nil || vb == nil {
		return nil
	}
	fa, fb := map[string]any{}, map[string]any{}
	flatten("", va, fa)
	flatten("", vb, fb)
	out := map[string]float64{}
	for k, x := range fb {
		if strings.Contains(k, "Peak") {
			continue // a gauge (the page restarts it when read), not a count
		}
		switch x := x.(type) {
		case float64:
			if y, ok := fa[k].(float64); ok && x != y {
				out[k] = (x - y) / elapsed.Seconds()
			}
		case string:
			out[k+"="+x] = 0
		}
	}
	return out
}

func flatten(prefix string, v any, out map[string]any) {
	switch v := v.(type) {
	case float64, string:
		out[prefix] = v
	case map[string]any:
		for k, x := range v {
			if prefix != "" {
				k = prefix + "." + k
			}
			flatten(k, x, out)
		}
	}
}

// consoleErrors collects, per client, the console errors and uncaught
// exceptions its pages logged: the benchmarks let them pass (spice-html5
// throws on every MJPEG frame), but they belong in the figures.
type consoleErrors struct {
	count []int
	first [][]string // distinct messages, the first few
}

func newConsoleErrors(n int) *consoleErrors {
	return &consoleErrors{count: make([]int, n), first: make([][]string, n)}
}

// since returns a mark for add: how many errors br has logged so far.
func (e *consoleErrors) since(br *Browser) int { return len(br.ConsoleErrors()) }

// add counts the errors br logged after mark for client i.
func (e *consoleErrors) add(br *Browser, i, mark int) {
	for _, m := range br.ConsoleErrors()[mark:] {
		e.count[i]++
		msg := formatConsole(m)
		if len(e.first[i]) < 3 && !slices.Contains(e.first[i], msg) {
			e.first[i] = append(e.first[i], msg)
		}
	}
}

// report formats the errors with the clients' names.
func (e *consoleErrors) report(clients []string) string {
	var b strings.Builder
	for i, name := range clients {
		if e.count[i] == 0 {
			fmt.Fprintf(&b, "  %s: none\n", name)
			continue
		}
		fmt.Fprintf(&b, "  %s: %d, e.g. %s\n", name, e.count[i], strings.Join(e.first[i], " | "))
	}
	return b.String()
}

// threadTable formats the renderer's CPU by thread name: per client, the
// median over runs, for the threads that used at least 2% of the process.
func threadTable(clients []string, threads []map[string][]float64) string {
	var b strings.Builder
	for i, name := range clients {
		var total float64
		med := map[string]float64{}
		for th, xs := range threads[i] {
			med[th] = bench.MedianFloat(xs)
			total += med[th]
		}
		names := slices.SortedFunc(maps.Keys(med), func(x, y string) int {
			if med[x] != med[y] {
				if med[x] > med[y] {
					return -1
				}
				return 1
			}
			return strings.Compare(x, y)
		})
		var parts []string
		for _, th := range names {
			if total > 0 && med[th] >= 0.02*total {
				parts = append(parts, fmt.Sprintf("%s %.2f", th, med[th]))
			}
		}
		fmt.Fprintf(&b, "  %s: %s\n", name, strings.Join(parts, ", "))
	}
	return b.String()
}

// statsTable formats the page counters per second (median over runs) of
// the clients that expose any.
func statsTable(clients []string, stats []map[string][]float64) string {
	var b strings.Builder
	for i, name := range clients {
		if len(stats[i]) == 0 {
			continue
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(stats[i])) {
			if strings.Contains(k, "=") {
				parts = append(parts, k) // a string field, no rate
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %.4g", k, bench.MedianFloat(stats[i][k])))
		}
		fmt.Fprintf(&b, "  %s: %s\n", name, strings.Join(parts, ", "))
	}
	if b.Len() == 0 {
		return "  (neither page exposes counters: SpiceWeb.pageConsole.stats())\n"
	}
	return b.String()
}

// pageClock maps CLOCK_MONOTONIC (trace timestamps, MonotonicNow) to the
// page's performance.now(): page ms = monotonic ms + offset, from the
// round trip with the smallest time, which bounds the error (half of it).
// Valid for the document that is loaded (performance.now() counts from
// its navigation).
func pageClock(t testing.TB, br *Browser) (offset float64, rtt time.Duration) {
	t.Helper()
	rtt = time.Duration(math.MaxInt64)
	for range 7 {
		t0 := MonotonicNow()
		now := Eval[float64](br, "performance.now()")
		t1 := MonotonicNow()
		if t1-t0 < rtt {
			rtt = t1 - t0
			offset = now - bench.Ms((t0+t1)/2)
		}
	}
	return offset, rtt
}

// displayed returns the times of the frames the display compositor drew,
// from a trace of frameDisplayedCategory.
func displayed(events []TraceEvent) []time.Duration {
	var out []time.Duration
	for _, e := range events {
		if e.Name == frameDisplayed {
			out = append(out, time.Duration(e.Ts)*time.Microsecond)
		}
	}
	return out
}

// refine returns the page time (ms) of the displayed frame that showed a
// change a probe missed at miss and saw at seen (page times; see
// bench.ChangeShown). frames are on the monotonic clock, offset maps them
// (see pageClock). Without such a frame it returns seen.
func refine(frames []time.Duration, offset, miss, seen float64) (float64, bool) {
	toMono := func(ms float64) time.Duration { return time.Duration((ms - offset) * float64(time.Millisecond)) }
	f, ok := bench.ChangeShown(frames, toMono(miss), toMono(seen), 100*time.Millisecond)
	if !ok {
		return seen, false
	}
	return bench.Ms(f) + offset, true
}
