//go:build linux

package e2e

// The proxy load benchmarks: serve/ against Debian's websockify in the
// same run.
//
// BenchmarkProxyLoad: consoles x 4 websockets (the main, display, inputs
// and cursor channels of a recorded Xspice session,
// wasm/session/testdata/xspice-desktop) run at once through the proxy in
// token mode (one token per channel, each to its own fake SPICE server in
// this process). Each websocket replays its channel's recording both ways,
// rounds times, as fast as the proxy relays it: the client sends the
// recorded client bytes in their recorded messages and the server its
// recorded bytes in their recorded writes, and each end checks every byte
// it receives against the recording. Reported: bytes relayed per second
// of the proxy's CPU (user + system, websockify's forked children
// included), and the ratio serve/websockify.
//
// BenchmarkProxyIdle: N websockets that exchanged their first messages
// and then sit idle; reported: the proxy's resident memory (RSS, and PSS
// summed over websockify's processes) per connection. The clients run in
// a child process (this test binary again), because this container caps
// open files at 20,000 per process and each side of 10,000 websockets
// needs 10,000; serve itself needs two per websocket, so it is measured
// at the most its file limit allows (-max-conns' default).
//
// Sizes (environment): SPICEWEB_LOAD_CONSOLES (500), SPICEWEB_LOAD_ROUNDS
// (10), SPICEWEB_LOAD_WEBSOCKIFY_CONSOLES (100: the comparison runs both
// proxies at this size, as websockify fails past about 500 websockets at
// once; serve also runs the full size), SPICEWEB_IDLE_CONNS (what serve's file limit allows, at most
// 10,000), SPICEWEB_IDLE_WEBSOCKIFY (300: websockify forks a process per
// connection, ~3.5 MB each). TestProxyLoadSmoke runs a small load through
// both proxies as a test.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"spiceweb/wasm/spice/spicetest"
)

// channelRecording is one recorded SPICE connection: what the client
// sent and what the server sent, in the chunks they were sent in.
type channelRecording struct {
	name           string
	client, server [][]byte
	up, down       int // bytes
}

func loadRecordings(t testing.TB) []channelRecording {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(root, "wasm", "session", "testdata", "xspice-desktop", "*.spicecap"))
	sort.Strings(files)
	if len(files) != 4 {
		t.Fatalf("want the 4 channel recordings of xspice-desktop, found %v", files)
	}
	var recs []channelRecording
	for _, f := range files {
		r, err := spicetest.OpenCap(f)
		if err != nil {
			t.Fatal(err)
		}
		rec := channelRecording{name: filepath.Base(f)}
		for {
			dir, _, data, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if dir == spicetest.CapClientToServer {
				rec.client = append(rec.client, data)
				rec.up += len(data)
			} else {
				rec.server = append(rec.server, data)
				rec.down += len(data)
			}
		}
		r.Close()
		recs = append(recs, rec)
	}
	return recs
}

// checker compares a byte stream with rounds repetitions of want.
type checker struct {
	want  []byte
	total int
	off   int
}

func newChecker(chunks [][]byte, rounds int) *checker {
	return &checker{want: bytes.Join(chunks, nil), total: rounds * len(bytes.Join(chunks, nil))}
}

func (c *checker) Write(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if c.off >= c.total {
			return i, fmt.Errorf("%d bytes more than the %d recorded", len(p)-i, c.total)
		}
		pos := c.off % len(c.want)
		n := min(len(p)-i, len(c.want)-pos)
		if !bytes.Equal(p[i:i+n], c.want[pos:pos+n]) {
			return i, fmt.Errorf("byte %d differs from the recording", c.off)
		}
		i += n
		c.off += n
	}
	return len(p), nil
}

func (c *checker) done() bool { return c.off == c.total }

// fakeServers is one SPICE server per channel: each connection gets the
// recorded server stream and must send the recorded client stream.
type fakeServers struct {
	addrs     []string
	lns       []net.Listener
	wg        sync.WaitGroup
	errs      atomic.Int64
	first     atomic.Value // error
	served    atomic.Int64
	abandoned atomic.Int64
}

func (f *fakeServers) fail(err error) {
	f.errs.Add(1)
	f.first.CompareAndSwap(nil, err)
}

func startFakeServers(t testing.TB, recs []channelRecording, rounds int) *fakeServers {
	t.Helper()
	f := &fakeServers{}
	for i := range recs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f.lns = append(f.lns, ln)
		f.addrs = append(f.addrs, ln.Addr().String())
		f.wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				f.wg.Go(func() { f.serve(c, recs[i], rounds) })
			}
		})
	}
	t.Cleanup(func() {
		for _, ln := range f.lns {
			ln.Close()
		}
		f.wg.Wait()
	})
	return f
}

func (f *fakeServers) serve(c net.Conn, rec channelRecording, rounds int) {
	defer c.Close()
	chk := newChecker(rec.client, rounds)
	buf := make([]byte, 32<<10)
	// The client speaks first (a SPICE link message); only then does
	// the server send, so nothing moves before the benchmark starts the
	// clients.
	n, err := c.Read(buf)
	if n == 0 && err != nil {
		f.abandoned.Add(1) // a connection the client gave up on
		return
	}
	wrote := make(chan error, 1)
	go func() {
		for range rounds {
			for _, b := range rec.server {
				if _, err := c.Write(b); err != nil {
					wrote <- err
					return
				}
			}
		}
		wrote <- nil
	}()
	for {
		if _, cerr := chk.Write(buf[:n]); cerr != nil {
			f.fail(fmt.Errorf("%s, server side: %v", rec.name, cerr))
			return
		}
		if chk.done() {
			break
		}
		if err != nil {
			f.fail(fmt.Errorf("%s, server side: read after %d of %d bytes: %v", rec.name, chk.off, chk.total, err))
			return
		}
		n, err = c.Read(buf)
	}
	if err := <-wrote; err != nil {
		f.fail(fmt.Errorf("%s, server side: %v", rec.name, err))
		return
	}
	// Everything both ways has arrived: the server ends the session, as
	// a SPICE server does. Ending it from the client side would let a
	// proxy drop client bytes still queued for the server (websockify
	// does when the close frame comes in the same read).
	f.served.Add(1)
}

// channelConn is one open websocket of the load, ready to play.
type channelConn struct {
	ws  *websocket.Conn
	rec channelRecording
}

// dialChannel opens a websocket, retrying a few times: a proxy under a
// dial storm may drop an attempt (a full accept queue), and a browser
// would reload.
func dialChannel(ctx context.Context, url string, rec channelRecording, retries *atomic.Int64) (*channelConn, error) {
	var err error
	for try := 0; try < 5; try++ {
		if try > 0 {
			retries.Add(1)
			time.Sleep(time.Duration(200*try) * time.Millisecond)
		}
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		ws, _, derr := websocket.Dial(dctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
		cancel()
		if derr == nil {
			ws.SetReadLimit(-1)
			return &channelConn{ws: ws, rec: rec}, nil
		}
		err = derr
	}
	return nil, fmt.Errorf("%s: dial: %v", rec.name, err)
}

// play replays the recording both ways and checks what comes back.
func (cc *channelConn) play(ctx context.Context, rounds int) (int64, error) {
	ws, rec := cc.ws, cc.rec
	defer ws.CloseNow()
	sent := make(chan error, 1)
	go func() {
		for range rounds {
			for _, b := range rec.client {
				if err := ws.Write(ctx, websocket.MessageBinary, b); err != nil {
					sent <- err
					return
				}
			}
		}
		sent <- nil
	}()
	chk := newChecker(rec.server, rounds)
	for !chk.done() {
		_, r, err := ws.Reader(ctx)
		if err != nil {
			return int64(chk.off), fmt.Errorf("%s, client side: after %d of %d bytes: %v", rec.name, chk.off, chk.total, err)
		}
		if _, err := io.Copy(chk, r); err != nil {
			return int64(chk.off), fmt.Errorf("%s, client side: %v", rec.name, err)
		}
	}
	if err := <-sent; err != nil {
		return int64(chk.off), fmt.Errorf("%s, client side: send: %v", rec.name, err)
	}
	// The server closes once it has every client byte.
	if _, _, err := ws.Read(ctx); err == nil {
		return int64(chk.off), fmt.Errorf("%s, client side: a message past the recording", rec.name)
	}
	return int64(chk.total + rounds*rec.up), nil
}

// loadRun is one run of the load through one proxy.
type loadRun struct {
	bytes   int64
	retries int64
	// CPU and wall time from the first dial to the end, and of the
	// relay alone (once every websocket is open).
	cpu, relayCPU   time.Duration
	wall, relayWall time.Duration
}

// runLoad opens consoles x 4 websockets (at most 64 dials at a time),
// then, all open at once, plays them, and measures the proxy's CPU
// (pid and its children) over both phases.
func runLoad(ctx context.Context, pid int, wsURL func(ch int) string, recs []channelRecording, consoles, rounds int) (loadRun, error) {
	var r loadRun
	var retries atomic.Int64
	cpu0, err := treeCPU(pid)
	if err != nil {
		return r, err
	}
	start := time.Now()
	conns := make([]*channelConn, consoles*len(recs))
	errs := make([]error, len(conns))
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range conns {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conns[i], errs[i] = dialChannel(ctx, wsURL(i%len(recs)), recs[i%len(recs)], &retries)
		})
	}
	wg.Wait()
	r.retries = retries.Load()
	if err := errors.Join(errs...); err != nil {
		for _, c := range conns {
			if c != nil {
				c.ws.CloseNow()
			}
		}
		return r, err
	}
	cpu1, _ := treeCPU(pid)
	relayStart := time.Now()
	var total atomic.Int64
	for i, c := range conns {
		wg.Go(func() {
			n, err := c.play(ctx, rounds)
			total.Add(n)
			errs[i] = err
		})
	}
	wg.Wait()
	r.relayWall = time.Since(relayStart)
	r.wall = time.Since(start)
	r.bytes = total.Load()
	if err := errors.Join(errs...); err != nil {
		return r, err
	}
	// websockify's children exit when their connection ends; wait until
	// it has reaped them, so their CPU is counted.
	for deadline := time.Now().Add(30 * time.Second); len(children(pid)) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cpu2, err := treeCPU(pid)
	r.cpu, r.relayCPU = cpu2-cpu0, cpu2-cpu1
	return r, err
}

// treeCPU is the CPU a process and its children have used: its own,
// that of the children it has reaped, and that of the live ones.
func treeCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	st, err := parseStat(data)
	if err != nil {
		return 0, err
	}
	total := st.cpu + st.children
	for _, c := range children(pid) {
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c)); err == nil {
			if cst, err := parseStat(data); err == nil {
				total += cst.cpu + cst.children
			}
		}
	}
	return total, nil
}

// children lists the live child processes of pid.
func children(pid int) []int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(data)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// treeMemory is the resident memory of a process and its live children:
// RSS of the process alone, and PSS summed over the tree (shared pages
// split between the processes sharing them), in bytes.
func treeMemory(pid int) (rss, pss int64) {
	read := func(p int, field string) int64 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p))
		if err != nil {
			return 0
		}
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == field+":" {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n << 10
			}
		}
		return 0
	}
	rss = read(pid, "Rss")
	pss = read(pid, "Pss")
	for _, c := range children(pid) {
		pss += read(c, "Pss")
	}
	return rss, pss
}

// loadProxy is a proxy under test: how to reach each channel, and its
// process.
type loadProxy struct {
	name  string
	wsURL func(ch int) string
	pid   int
}

// startLoadProxies starts serve/ and websockify, both routing tokens
// ch0..ch3 to the fake servers through the same websockify token file.
func startLoadProxies(t testing.TB, servers *fakeServers, withWebsockify bool, serveArgs ...string) []loadProxy {
	t.Helper()
	tokens := filepath.Join(t.TempDir(), "tokens")
	var lines []string
	for i, a := range servers.addrs {
		lines = append(lines, fmt.Sprintf("ch%d: %s", i, a))
	}
	os.WriteFile(tokens, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	url := func(port int) func(int) string {
		return func(ch int) string { return fmt.Sprintf("ws://127.0.0.1:%d/websockify?token=ch%d", port, ch) }
	}
	args := append([]string{"-tokens", tokens, "-allow-targets", "127.0.0.1/32", "-log-level", "warn",
		// Every test client comes from 127.0.0.1.
		"-max-conns-per-client", "0"}, serveArgs...)
	s := StartServeArgs(t, "http", args...)
	out := []loadProxy{{name: "serve", wsURL: url(s.Port), pid: s.Proc.Pid()}}
	if withWebsockify {
		w := startWebsockifyTokens(t, "TokenFile", tokens)
		out = append(out, loadProxy{name: "websockify", wsURL: url(w.Port), pid: w.Proc.Pid()})
	}
	return out
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func (r loadRun) perCPU() float64      { return float64(r.bytes) / r.cpu.Seconds() }
func (r loadRun) relayPerCPU() float64 { return float64(r.bytes) / r.relayCPU.Seconds() }

// measureLoad runs the load through p, checking both ends.
func measureLoad(t testing.TB, p loadProxy, servers *fakeServers, recs []channelRecording, consoles, rounds int) loadRun {
	t.Helper()
	servers.errs.Store(0)
	servers.served.Store(0)
	servers.abandoned.Store(0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	r, err := runLoad(ctx, p.pid, p.wsURL, recs, consoles, rounds)
	if err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	if n := servers.errs.Load(); n > 0 {
		t.Fatalf("%s: %d server-side errors; first: %v", p.name, n, servers.first.Load())
	}
	if n, want := servers.served.Load(), int64(consoles*len(recs)); n != want {
		t.Fatalf("%s: the fake servers completed %d connections, want %d", p.name, n, want)
	}
	if n := servers.abandoned.Load(); n > 0 || r.retries > 0 {
		t.Logf("%s: %d dials retried, %d server connections abandoned by their clients", p.name, r.retries, n)
	}
	return r
}

// TestProxyLoadSmoke is the load benchmark in small: a few consoles
// through both proxies, every byte checked.
func TestProxyLoadSmoke(t *testing.T) {
	Require(t, wsTools...)
	t.Parallel()
	recs := loadRecordings(t)
	servers := startFakeServers(t, recs, 2)
	for _, p := range startLoadProxies(t, servers, true) {
		r := measureLoad(t, p, servers, recs, 3, 2)
		want := int64(0)
		for _, rec := range recs {
			want += int64(3 * 2 * (rec.up + rec.down))
		}
		if r.bytes != want {
			t.Fatalf("%s: %d bytes relayed, want %d", p.name, r.bytes, want)
		}
		t.Logf("%s: %d bytes in %v, %v CPU", p.name, r.bytes, r.wall.Round(time.Millisecond), r.cpu)
	}
}

func BenchmarkProxyLoad(b *testing.B) {
	Require(b, wsTools...)
	consoles := envInt("SPICEWEB_LOAD_CONSOLES", 500)
	wsConsoles := min(consoles, envInt("SPICEWEB_LOAD_WEBSOCKIFY_CONSOLES", 100))
	rounds := envInt("SPICEWEB_LOAD_ROUNDS", 10)
	recs := loadRecordings(b)
	servers := startFakeServers(b, recs, rounds)
	proxies := startLoadProxies(b, servers, true)
	serve, wsfy := proxies[0], proxies[1]
	log := func(p loadProxy, n int, r loadRun) {
		b.Logf("%s: %d consoles x 4 websockets open at once, %.0f MB relayed, every byte checked; "+
			"in all %v wall, %.2f s CPU, %.1f MB per CPU second; relay alone %v wall, %.2f s CPU, %.1f MB per CPU second",
			p.name, n, float64(r.bytes)/1e6, r.wall.Round(time.Millisecond), r.cpu.Seconds(), r.perCPU()/1e6,
			r.relayWall.Round(time.Millisecond), r.relayCPU.Seconds(), r.relayPerCPU()/1e6)
	}
	var full, same, ws loadRun
	for b.Loop() {
		full = measureLoad(b, serve, servers, recs, consoles, rounds)
		log(serve, consoles, full)
		// websockify 0.10 waits on its sockets with select(), which
		// fails on descriptors past 1023 ("filedescriptor out of range
		// in select()"): past about 500 websockets open at once it drops
		// new ones. The comparison runs both at a size it survives.
		same = measureLoad(b, serve, servers, recs, wsConsoles, rounds)
		log(serve, wsConsoles, same)
		ws = measureLoad(b, wsfy, servers, recs, wsConsoles, rounds)
		log(wsfy, wsConsoles, ws)
	}
	b.ReportMetric(full.perCPU()/1e6, "serve-MB/cpu-s")
	b.ReportMetric(same.perCPU()/1e6, "serve-small-MB/cpu-s")
	b.ReportMetric(ws.perCPU()/1e6, "websockify-small-MB/cpu-s")
	b.ReportMetric(same.perCPU()/ws.perCPU(), "serve/websockify")
	b.ReportMetric(same.relayPerCPU()/ws.relayPerCPU(), "relay-serve/websockify")
}
