//go:build !js

package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"spiceweb/spicecap"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, ctx context.Context, url string, protos ...string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protos})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	ws.SetReadLimit(-1)
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

// readAll reads binary messages until want bytes have arrived.
func readN(t *testing.T, ctx context.Context, ws *websocket.Conn, want int) []byte {
	t.Helper()
	var got []byte
	for len(got) < want {
		typ, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read after %d of %d bytes: %v", len(got), want, err)
		}
		if typ != websocket.MessageBinary {
			t.Fatalf("got a %v message, want binary", typ)
		}
		got = append(got, b...)
	}
	return got
}

// expectRefused checks a refusal as nova's proxy makes it, which the page
// reports as one: the websocket opens and closes (1008) before any byte.
func expectRefused(t *testing.T, ctx context.Context, ws *websocket.Conn) {
	t.Helper()
	typ, b, err := ws.Read(ctx)
	if err == nil {
		t.Fatalf("got a %v message of %d bytes, want a refusal", typ, len(b))
	}
	if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
		t.Fatalf("connection ended with %v (status %d), want 1008", err, got)
	}
}

// expectClose reads until the websocket closes and checks the code.
func expectClose(t *testing.T, ctx context.Context, ws *websocket.Conn, want websocket.StatusCode) {
	t.Helper()
	for {
		_, _, err := ws.Read(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != want {
			t.Fatalf("connection ended with %v (status %d), want status %d", err, got, want)
		}
		return
	}
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// send writes data as binary messages of random sizes, including empty
// ones and sizes past every buffer in the proxy.
func send(ctx context.Context, ws *websocket.Conn, data []byte, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, 2))
	for len(data) > 0 {
		n := min(len(data), r.IntN(100<<10))
		if r.IntN(8) == 0 {
			n = min(len(data), r.IntN(8))
		}
		if err := ws.Write(ctx, websocket.MessageBinary, data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

func TestProxyIsTransparent(t *testing.T) {
	tp := startProxy(t, startTarget(t, echo), nil)
	ctx := testCtx(t)
	for seed := range uint64(3) {
		ws := dial(t, ctx, tp.ws, "binary")
		data := randomBytes(seed, 3<<20+int(seed))
		errc := make(chan error, 1)
		go func() { errc <- send(ctx, ws, data, seed) }()
		got := readN(t, ctx, ws, len(data))
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("seed %d: echoed bytes differ from sent bytes", seed)
		}
		ws.Close(websocket.StatusNormalClosure, "")
	}
	tp.shutdown(t)
	logs := tp.logs.String()
	for _, want := range []string{
		`msg="websocket open" conn=1 client=127.0.0.1 path=/websockify subprotocol=binary`,
		`up=3145728 down=3145728`, `reason=client_closed detail="client closed (1000)"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "secret") {
		t.Errorf("log shows the token:\n%s", logs)
	}
}

func TestSubprotocol(t *testing.T) {
	tp := startProxy(t, startTarget(t, echo), nil)
	tests := []struct {
		offer  []string
		want   string // negotiated
		status int    // HTTP status of a refusal, 0 if accepted
	}{
		{nil, "", 0},
		{[]string{"binary"}, "binary", 0},
		{[]string{"base64", "binary"}, "binary", 0},
		{[]string{"base64"}, "", http.StatusBadRequest},
		{[]string{"chat"}, "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.offer, ","), func(t *testing.T) {
			ctx := testCtx(t)
			ws, resp, err := websocket.Dial(ctx, tp.ws, &websocket.DialOptions{Subprotocols: tt.offer})
			if tt.status != 0 {
				if err == nil {
					ws.CloseNow()
					t.Fatal("accepted")
				}
				if resp == nil || resp.StatusCode != tt.status {
					t.Fatalf("refusal %v, response %v: want HTTP %d", err, resp, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ws.CloseNow()
			if got := ws.Subprotocol(); got != tt.want {
				t.Fatalf("subprotocol %q, want %q", got, tt.want)
			}
			ws.Write(ctx, websocket.MessageBinary, []byte("ping"))
			if got := readN(t, ctx, ws, 4); string(got) != "ping" {
				t.Fatalf("echo %q", got)
			}
		})
	}
}

// closeTarget reports when the target sees the connection end.
func closeTarget(t *testing.T) (addr string, closed <-chan error) {
	ch := make(chan error, 1)
	addr = startTarget(t, func(c net.Conn) {
		_, err := io.Copy(io.Discard, c)
		ch <- err
	})
	return addr, ch
}

func waitClosed(t *testing.T, closed <-chan error) {
	t.Helper()
	select {
	case err := <-closed:
		if err != nil {
			t.Logf("target read ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("target connection still open")
	}
}

func TestClientCloseClosesTarget(t *testing.T) {
	addr, closed := closeTarget(t)
	tp := startProxy(t, addr, nil)
	ctx := testCtx(t)
	ws := dial(t, ctx, tp.ws, "binary")
	ws.Write(ctx, websocket.MessageBinary, []byte("REDQ"))
	if err := ws.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, closed)
}

func TestClientVanishingClosesTarget(t *testing.T) {
	addr, closed := closeTarget(t)
	tp := startProxy(t, addr, nil)
	ws := dial(t, testCtx(t), tp.ws)
	ws.CloseNow() // no close frame: the TCP connection just drops
	waitClosed(t, closed)
}

func TestTargetCloseClosesClient(t *testing.T) {
	tp := startProxy(t, startTarget(t, func(c net.Conn) {
		c.Write([]byte("REDQ-bye"))
	}), nil)
	ctx := testCtx(t)
	ws := dial(t, ctx, tp.ws, "binary")
	if got := readN(t, ctx, ws, 8); string(got) != "REDQ-bye" {
		t.Fatalf("got %q", got)
	}
	expectClose(t, ctx, ws, websocket.StatusNormalClosure)
	tp.shutdown(t)
	if !strings.Contains(tp.logs.String(), "target closed") {
		t.Errorf("log does not say the target closed:\n%s", tp.logs)
	}
}

func TestTextMessageRefused(t *testing.T) {
	addr, closed := closeTarget(t)
	tp := startProxy(t, addr, nil)
	ctx := testCtx(t)
	ws := dial(t, ctx, tp.ws, "binary")
	ws.Write(ctx, websocket.MessageText, []byte("UkVEUQ=="))
	expectClose(t, ctx, ws, websocket.StatusUnsupportedData)
	waitClosed(t, closed)
}

func TestTargetUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tp := startProxy(t, addr, nil)
	ctx := testCtx(t)
	expectClose(t, ctx, dial(t, ctx, tp.ws, "binary"), websocket.StatusBadGateway)
}

func TestOrigin(t *testing.T) {
	target := startTarget(t, echo)
	tests := []struct {
		name   string
		allow  []string
		origin string // "self" is the proxy's own origin
		ok     bool
	}{
		{"no origin", nil, "", true},
		{"same origin", nil, "self", true},
		{"other site", nil, "http://evil.example", false},
		{"same host other port", nil, "http://127.0.0.1:1", false},
		{"null", nil, "null", false},
		{"allowed origin", []string{"https://horizon.example"}, "https://horizon.example", true},
		{"allowed origin other scheme", []string{"https://horizon.example"}, "http://horizon.example", false},
		{"allowed host any port", []string{"horizon.example"}, "https://HORIZON.example:8443", true},
		{"any", []string{"*"}, "http://evil.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := startProxy(t, target, func(c *config) { c.origins = tt.allow })
			ctx := testCtx(t)
			h := http.Header{}
			switch tt.origin {
			case "":
			case "self":
				h.Set("Origin", tp.srv.URL)
			default:
				h.Set("Origin", tt.origin)
			}
			ws, _, err := websocket.Dial(ctx, tp.ws, &websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"binary"}})
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer ws.CloseNow()
			if !tt.ok {
				expectRefused(t, ctx, ws)
				return
			}
			ws.Write(ctx, websocket.MessageBinary, []byte("ping"))
			if got := readN(t, ctx, ws, 4); string(got) != "ping" {
				t.Fatalf("echo %q", got)
			}
		})
	}
}

func TestParseOrigins(t *testing.T) {
	for _, bad := range []string{"https://x.example/path", "http://", "x.example/", "user@x.example", "https://x.example?q"} {
		if _, err := parseOrigins([]string{bad}); err == nil {
			t.Errorf("parseOrigins(%q): no error", bad)
		}
	}
	if _, err := parseOrigins([]string{"https://x.example/", "x.example", "*"}); err != nil {
		t.Error(err)
	}
}

func TestRecording(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "caps")
	tp := startProxy(t, startTarget(t, func(c net.Conn) {
		c.Write([]byte("REDQ-server-hello"))
		io.Copy(c, c)
	}), func(c *config) { c.record = dir })
	ctx := testCtx(t)
	ws := dial(t, ctx, tp.ws, "binary")
	readN(t, ctx, ws, 17)
	data := randomBytes(7, 300<<10)
	go send(ctx, ws, data, 7)
	readN(t, ctx, ws, len(data))
	ws.Close(websocket.StatusNormalClosure, "")
	tp.shutdown(t)

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Fatalf("capture files %v, want one", files)
	}
	if ok, _ := regexp.MatchString(`^0001-\d+\.spicecap$`, filepath.Base(files[0])); !ok {
		t.Errorf("capture name %q, want <seq>-<unixnano>.spicecap", filepath.Base(files[0]))
	}
	client, server, err := spicecap.ReadStreams(files[0], 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(client, data) {
		t.Errorf("client stream: %d bytes, want the %d sent", len(client), len(data))
	}
	if !bytes.Equal(server, append([]byte("REDQ-server-hello"), data...)) {
		t.Errorf("server stream: %d bytes, want greeting + echo", len(server))
	}
	if !strings.Contains(tp.logs.String(), "recorded="+files[0]) {
		t.Errorf("log does not name the capture:\n%s", tp.logs)
	}
}

func TestShutdownClosesConnections(t *testing.T) {
	tp := startProxy(t, startTarget(t, echo), nil)
	ctx := testCtx(t)
	ws := dial(t, ctx, tp.ws, "binary")
	ws.Write(ctx, websocket.MessageBinary, []byte("x"))
	readN(t, ctx, ws, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		expectClose(t, ctx, ws, websocket.StatusGoingAway)
	}()
	tp.shutdown(t)
	<-done
	_, resp, err := websocket.Dial(ctx, tp.ws, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after shutdown: %v, %v; want HTTP 503", resp, err)
	}
}

// TestBackpressure checks that a client that stops reading stops the
// server too, instead of the proxy queueing the stream in memory.
func TestBackpressure(t *testing.T) {
	const total = 256 << 20
	wrote := make(chan int, 1)
	tp := startProxy(t, startTarget(t, func(c net.Conn) {
		chunk := randomBytes(9, 1<<20)
		c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		n := 0
		for n < total {
			m, err := c.Write(chunk)
			n += m
			if err != nil {
				break
			}
		}
		wrote <- n
	}), nil)
	ctx := testCtx(t)
	ws := dial(t, ctx, tp.ws, "binary")
	n := <-wrote // the client has read nothing so far
	if n >= 64<<20 {
		t.Fatalf("target wrote %d MiB to a client that reads nothing", n>>20)
	}
	got := readN(t, ctx, ws, n)
	chunk := randomBytes(9, 1<<20)
	for off := 0; off < n; off += len(chunk) {
		if !bytes.Equal(got[off:min(n, off+len(chunk))], chunk[:min(len(chunk), n-off)]) {
			t.Fatalf("stream corrupted at offset %d", off)
		}
	}
	t.Logf("target blocked after %.1f MiB", float64(n)/(1<<20))
}

// TestNoGoroutineLeak opens and ends connections every way they can end
// and checks that every goroutine the proxy started is gone afterwards.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	// The subtest's cleanups (proxy shutdown, target close) run before
	// counting.
	sub := func(t *testing.T) {
		tp := startProxy(t, startTarget(t, func(c net.Conn) {
			buf := make([]byte, 1)
			if _, err := c.Read(buf); err == nil && buf[0] == 'q' {
				return // target closes
			}
			io.Copy(c, c)
		}), nil)
		ctx := testCtx(t)
		for i := range 12 {
			ws := dial(t, ctx, tp.ws, "binary")
			switch i % 4 {
			case 0:
				ws.Write(ctx, websocket.MessageBinary, []byte("q"))
				expectClose(t, ctx, ws, websocket.StatusNormalClosure)
			case 1:
				ws.Close(websocket.StatusNormalClosure, "")
			case 2:
				ws.CloseNow()
			case 3:
				ws.Write(ctx, websocket.MessageBinary, []byte("ee"))
				readN(t, ctx, ws, 1)
				// left open: Shutdown ends it
			}
		}
	}
	t.Run("connections", sub)
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	cfg := testConfig(t, startTarget(t, echo))
	cfg.web = webDir(t)
	cfg.limits.drainTimeout = 0
	r := startRun(t, cfg)
	if !strings.HasSuffix(r.page, "/spice_auto.html") {
		t.Fatalf("no page URL printed:\n%s", r.logs)
	}
	if code, _ := get(t, nil, r.page); code != http.StatusOK {
		t.Fatalf("GET %s: %d", r.page, code)
	}
	wctx := testCtx(t)
	ws := dial(t, wctx, r.wsURL(), "binary")
	ws.Write(wctx, websocket.MessageBinary, []byte("hi"))
	readN(t, wctx, ws, 2)
	r.sigs <- os.Interrupt
	expectClose(t, wctx, ws, websocket.StatusGoingAway)
	r.wait(t, shutdownGrace+5*time.Second)
}
