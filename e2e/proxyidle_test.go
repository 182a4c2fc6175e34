//go:build linux

package e2e

// BenchmarkProxyIdle: see the top of proxyload_test.go.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// idleHelperEnv makes this test binary the idle clients of
// BenchmarkProxyIdle: "URL COUNT".
const idleHelperEnv = "SPICEWEB_IDLE_HELPER"

// TestIdleHelper is not a test: run with idleHelperEnv set, it opens
// COUNT websockets to URL, sends each a first message and reads the
// answer, prints "ready N", and keeps them (answering pings) until its
// standard input closes.
func TestIdleHelper(t *testing.T) {
	spec := os.Getenv(idleHelperEnv)
	if spec == "" {
		t.Skip("a helper process of BenchmarkProxyIdle")
	}
	url, countStr, _ := strings.Cut(spec, " ")
	count, _ := strconv.Atoi(countStr)
	ctx := context.Background()
	var mu sync.Mutex
	var conns []*websocket.Conn
	var failed atomic.Int64
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for range count {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			dctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			ws, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
			if err != nil {
				failed.Add(1)
				return
			}
			if ws.Write(dctx, websocket.MessageBinary, []byte("REDQ link")) != nil {
				failed.Add(1)
				return
			}
			if _, _, err := ws.Read(dctx); err != nil {
				failed.Add(1)
				return
			}
			ws.CloseRead(ctx) // reads on, answering pings
			mu.Lock()
			conns = append(conns, ws)
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Printf("ready %d failed %d\n", len(conns), failed.Load())
	io.Copy(io.Discard, os.Stdin)
}

// idleTarget answers each connection's first bytes with a reply and then
// holds it.
func idleTarget(t testing.TB) string {
	return startTargetTB(t, func(c net.Conn) {
		buf := make([]byte, 1024)
		if _, err := c.Read(buf); err != nil {
			return
		}
		c.Write(bytes.Repeat([]byte("S"), 1024))
		io.Copy(io.Discard, c)
	})
}

// startTargetTB is a TCP server on loopback handing each connection to
// handle, stopped when the test ends.
func startTargetTB(t testing.TB, handle func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				handle(c)
			})
		}
	})
	return ln.Addr().String()
}

// openIdle starts the helper process with n websockets to url and waits
// until they are open; closing the returned function's result ends them.
func openIdle(t testing.TB, url string, n int) (opened int, stop func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleHelper$", "-test.v=false")
	cmd.Env = append(os.Environ(), idleHelperEnv+"="+url+" "+strconv.Itoa(n))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop = func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var failed int
		if _, err := fmt.Sscanf(sc.Text(), "ready %d failed %d", &opened, &failed); err == nil {
			if failed > 0 {
				t.Logf("%d of %d websockets failed to open", failed, n)
			}
			go io.Copy(io.Discard, stdout)
			return opened, stop
		}
	}
	stop()
	t.Fatalf("the idle helper ended without opening its websockets")
	return 0, nil
}

func BenchmarkProxyIdle(b *testing.B) {
	Require(b, wsTools...)
	target := idleTarget(b)
	for b.Loop() {
		// serve: as many as its open-file limit allows (two files each).
		s := StartServeArgs(b, "http", "-target", target, "-max-conns-per-client", "0", "-log-level", "warn")
		url := fmt.Sprintf("ws://127.0.0.1:%d/websockify", s.Port)
		maxConns := (fileLimit() - 64) / 2
		n := min(envInt("SPICEWEB_IDLE_CONNS", 10000), maxConns)
		serveRSS, servePSS := idleRun(b, "serve", s.Proc.Pid(), url, n)
		// websockify: a process per connection, so fewer.
		w := StartWebsockify(b, Site(b), portOf(b, target))
		wn := envInt("SPICEWEB_IDLE_WEBSOCKIFY", 300)
		_, wsPSS := idleRun(b, "websockify", w.Proc.Pid(), fmt.Sprintf("ws://127.0.0.1:%d/websockify", w.Port), wn)
		b.ReportMetric(float64(serveRSS)/1024, "serve-KB-RSS/conn")
		b.ReportMetric(float64(servePSS)/1024, "serve-KB-PSS/conn")
		b.ReportMetric(float64(wsPSS)/1024, "websockify-KB-PSS/conn")
	}
}

// idleRun opens n idle websockets through a proxy and returns its memory
// growth per connection (RSS of the process, PSS of its tree).
func idleRun(b *testing.B, name string, pid int, url string, n int) (rssPer, pssPer int64) {
	b.Helper()
	// Warm up: one connection, so that the first one's one-off costs
	// (TLS tables, buffer pools) are in the baseline.
	_, stop := openIdle(b, url, 1)
	stop()
	time.Sleep(500 * time.Millisecond)
	rss0, pss0 := treeMemory(pid)
	opened, stop := openIdle(b, url, n)
	defer stop()
	time.Sleep(2 * time.Second) // let the proxy settle
	rss1, pss1 := treeMemory(pid)
	if opened < n*95/100 {
		b.Fatalf("%s: only %d of %d websockets opened", name, opened, n)
	}
	rssPer, pssPer = (rss1-rss0)/int64(opened), (pss1-pss0)/int64(opened)
	b.Logf("%s: %d idle websockets: RSS %d -> %d MB, PSS %d -> %d MB: %d KB RSS, %d KB PSS per connection",
		name, opened, rss0>>20, rss1>>20, pss0>>20, pss1>>20, rssPer>>10, pssPer>>10)
	return rssPer, pssPer
}

func fileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 1024
	}
	return int(rl.Max) // serve raises its soft limit to the hard one
}

func portOf(t testing.TB, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}
