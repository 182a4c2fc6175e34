//go:build !js

package main

// The servers the tests start: fake SPICE targets, the proxy's handler
// behind httptest (startProxy), and the whole of run() (startRun). Each
// stops itself when the test ends.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a log destination safe for the proxy's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startTarget runs a fake SPICE server on loopback that hands each
// connection to handle.
func startTarget(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				handle(c)
			})
		}
	})
	return ln.Addr().String()
}

func echo(c net.Conn) { io.Copy(c, c) }

type testProxy struct {
	srv  *httptest.Server
	addr string // host:port of srv, for connections made by hand
	p    *proxy
	logs *syncBuffer
	ws   string // websocket URL with a token, as nova builds it
}

// testConfig is the configuration of a test proxy: the defaults, as
// parseFlags gives them.
func testConfig(t *testing.T, target string) config {
	cfg := config{web: t.TempDir(), target: target, proxyConfig: proxyConfig{logFormat: "text", logLevel: "debug", limits: defaultLimits()}}
	return cfg
}

func startProxy(t *testing.T, target string, edit func(*config)) *testProxy {
	t.Helper()
	cfg := testConfig(t, target)
	if edit != nil {
		edit(&cfg)
	}
	logs := &syncBuffer{}
	h, p, err := newHandler(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: redact})))
	if err != nil {
		t.Fatal(err)
	}
	// The server run() makes, with its timeouts.
	srv := httptest.NewUnstartedServer(h)
	srv.Config = newHTTPServer(h, cfg.limits, slog.New(slog.NewTextHandler(logs, nil)))
	srv.Start()
	tp := &testProxy{srv: srv, addr: srv.Listener.Addr().String(), p: p, logs: logs}
	tp.ws = tp.wsURL("?token=secret")
	t.Cleanup(func() {
		tp.shutdown(t)
		srv.Close()
		if t.Failed() {
			t.Logf("proxy log:\n%s", logs)
		}
	})
	return tp
}

// wsURL is the proxy's websocket URL with a query.
func (tp *testProxy) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(tp.srv.URL, "http") + "/websockify" + query
}

// shutdown waits for every proxied connection to end, so its log line
// and capture are complete.
func (tp *testProxy) shutdown(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tp.p.Shutdown(ctx); err != nil {
		t.Error(err)
	}
}

// running is a run() in a goroutine, with the addresses it logged.
type running struct {
	page    string // the page URL
	metrics string // the /metrics URL, "" without -metrics-listen
	sigs    chan os.Signal
	done    chan struct{} // closed when run has returned err
	err     error
	logs    *syncBuffer
}

// startRun runs cfg on a free loopback port (and metrics on another if
// cfg.metricsListen is "x") and waits until run logs its URLs. When the
// test ends it sends SIGTERM, unless run has returned already.
func startRun(t *testing.T, cfg config) *running {
	t.Helper()
	r := &running{sigs: make(chan os.Signal, 4), done: make(chan struct{}), logs: &syncBuffer{}}
	cfg.listen = "127.0.0.1:0"
	if cfg.metricsListen == "x" {
		cfg.metricsListen = "127.0.0.1:0"
	}
	go func() {
		defer close(r.done)
		r.err = run(cfg, slog.New(slog.NewTextHandler(r.logs, nil)), r.sigs)
	}()
	pageRE := regexp.MustCompile(`open (https?://[^\s"]+)`)
	metricsRE := regexp.MustCompile(`msg=metrics url=(\S+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		logs := r.logs.String()
		if m := pageRE.FindStringSubmatch(logs); m != nil {
			r.page = m[1]
		}
		if m := metricsRE.FindStringSubmatch(logs); m != nil {
			r.metrics = m[1]
		}
		if r.page != "" && (cfg.metricsListen == "" || r.metrics != "") {
			break
		}
	}
	if r.page == "" {
		t.Fatalf("run did not start:\n%s", r.logs)
	}
	t.Cleanup(func() {
		select {
		case r.sigs <- syscall.SIGTERM:
		default:
		}
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Error("run did not stop")
		}
		if t.Failed() {
			t.Logf("serve log:\n%s", r.logs)
		}
	})
	return r
}

// wait fails the test unless run returns within timeout, without an
// error other than the one a shutdown gives.
func (r *running) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-r.done:
		if r.err != nil && !errors.Is(r.err, http.ErrServerClosed) {
			t.Fatalf("run: %v", r.err)
		}
	case <-time.After(timeout):
		t.Fatal("run did not return")
	}
}

func (r *running) wsURL() string {
	u := strings.TrimSuffix(r.page, "spice_auto.html") + "websockify"
	return "ws" + strings.TrimPrefix(u, "http")
}

// webDir is a web directory holding just the page, for run().
func webDir(t *testing.T) string {
	web := t.TempDir()
	os.WriteFile(filepath.Join(web, "spice_auto.html"), []byte("<!doctype html>"), 0o644)
	return web
}
