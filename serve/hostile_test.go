//go:build !js

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// rawWebsocket opens a websocket by hand over TCP, so a test can send
// frames no library would: unfinished, oversized, unmasked. It returns
// the connection after the 101 response.
func rawWebsocket(t testing.TB, tp *testProxy) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", tp.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	key := make([]byte, 16)
	rand.Read(key)
	req := "GET /websockify HTTP/1.1\r\nHost: " + tp.addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n" +
		"Sec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key) + "\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s", resp.Status)
	}
	return c, br
}

// frameHeader is a masked binary frame header claiming n payload bytes.
func frameHeader(opcode byte, n uint64, fin bool) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	h := []byte{b0}
	switch {
	case n < 126:
		h = append(h, 0x80|byte(n))
	case n < 1<<16:
		h = append(h, 0x80|126)
		h = binary.BigEndian.AppendUint16(h, uint16(n))
	default:
		h = append(h, 0x80|127)
		h = binary.BigEndian.AppendUint64(h, n)
	}
	return append(h, 0, 0, 0, 0) // mask key 0: payload bytes go as they are
}

// closeCode reads frames until a close frame and returns its code, or -1
// if the connection ends without one within the limit.
func closeCode(t *testing.T, br *bufio.Reader, c net.Conn, limit time.Duration) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(limit))
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return -1
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			io.ReadFull(br, b[:])
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			io.ReadFull(br, b[:])
			n = binary.BigEndian.Uint64(b[:])
		}
		payload := make([]byte, min(n, 1<<20))
		if _, err := io.ReadFull(br, payload); err != nil {
			return -1
		}
		if h[0]&0x0f == 8 {
			if len(payload) < 2 {
				return 1005
			}
			return int(binary.BigEndian.Uint16(payload))
		}
	}
}

func TestUnfinishedFrameTimesOut(t *testing.T) {
	addr, closed := closeTarget(t)
	tp := startProxy(t, addr, func(c *config) { c.limits.idleTimeout = 300 * time.Millisecond })
	c, br := rawWebsocket(t, tp)
	// A frame announcing 1 MB of which 10 bytes ever come.
	c.Write(append(frameHeader(2, 1<<20, true), "0123456789"...))
	start := time.Now()
	if code := closeCode(t, br, c, 10*time.Second); code != 1000 {
		t.Fatalf("close code %d, want 1000 (idle timeout)", code)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", d)
	}
	c.Close()
	waitClosed(t, closed)
	tp.shutdown(t)
	if !strings.Contains(tp.logs.String(), "reason=idle_timeout") {
		t.Errorf("log does not say idle timeout:\n%s", tp.logs)
	}
}

func TestOversizedMessage(t *testing.T) {
	var got sync.WaitGroup
	got.Add(1)
	var received int
	addr := startTarget(t, func(c net.Conn) {
		defer got.Done()
		n, _ := io.Copy(io.Discard, c)
		received = int(n)
	})
	tp := startProxy(t, addr, func(c *config) { c.limits.maxMessage = 1000 })
	c, br := rawWebsocket(t, tp)
	// Announced as 2^62 bytes: the proxy must not trust the length.
	c.Write(frameHeader(2, 1<<62, true))
	c.Write(make([]byte, 20000))
	if code := closeCode(t, br, c, 10*time.Second); code != int(websocket.StatusMessageTooBig) {
		t.Fatalf("close code %d, want 1009", code)
	}
	c.Close() // no close reply: the proxy stops waiting for one
	got.Wait()
	if received > 1000 {
		t.Fatalf("the target received %d bytes of a message over the 1000-byte limit", received)
	}
}

func TestTextFrameRaw(t *testing.T) {
	addr, closed := closeTarget(t)
	tp := startProxy(t, addr, nil)
	c, br := rawWebsocket(t, tp)
	c.Write(append(frameHeader(1, 4, true), "UkVE"...))
	if code := closeCode(t, br, c, 10*time.Second); code != int(websocket.StatusUnsupportedData) {
		t.Fatalf("close code %d, want 1003", code)
	}
	c.Close()
	waitClosed(t, closed)
}

func TestSlowHandshake(t *testing.T) {
	tp := startProxy(t, "127.0.0.1:1", func(c *config) { c.limits.handshakeTimeout = 300 * time.Millisecond })
	for _, partial := range []string{"", "GET /websockify HTTP/1.1\r\nHost: x\r\nUpgr"} {
		c, err := net.Dial("tcp", tp.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, partial)
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = io.ReadAll(c)
		d := time.Since(start)
		if err != nil {
			t.Fatalf("headers %q: connection still open after %v: %v", partial, d, err)
		}
		if d < 250*time.Millisecond {
			t.Fatalf("headers %q: closed after %v, before the handshake timeout", partial, d)
		}
	}
}

func TestSessionLimitAndPing(t *testing.T) {
	t.Run("max-session", func(t *testing.T) {
		tp := startProxy(t, startTarget(t, echo), func(c *config) { c.limits.maxSession = 300 * time.Millisecond })
		ctx := testCtx(t)
		ws := dial(t, ctx, tp.ws, "binary")
		go func() {
			for ctx.Err() == nil { // busy: not idle
				if ws.Write(ctx, websocket.MessageBinary, []byte("x")) != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
		expectClose(t, ctx, ws, websocket.StatusNormalClosure)
		tp.shutdown(t)
		if !strings.Contains(tp.logs.String(), "reason=session_time_limit") {
			t.Errorf("log:\n%s", tp.logs)
		}
	})
	t.Run("no pong", func(t *testing.T) {
		addr, closed := closeTarget(t)
		tp := startProxy(t, addr, func(c *config) { c.limits.pingInterval = 200 * time.Millisecond })
		// A client that never reads never answers a ping.
		c, _ := rawWebsocket(t, tp)
		c.Write(append(frameHeader(2, 4, true), "REDQ"...))
		waitClosed(t, closed)
		c.Close()
		tp.shutdown(t)
		if !strings.Contains(tp.logs.String(), "reason=ping_timeout") {
			t.Errorf("log:\n%s", tp.logs)
		}
	})
	t.Run("pongs keep a quiet console", func(t *testing.T) {
		tp := startProxy(t, startTarget(t, echo), func(c *config) {
			c.limits.pingInterval = 100 * time.Millisecond
			c.limits.idleTimeout = time.Minute
		})
		ctx := testCtx(t)
		var pings atomic.Int32
		ws, _, err := websocket.Dial(ctx, tp.ws, &websocket.DialOptions{Subprotocols: []string{"binary"},
			OnPingReceived: func(context.Context, []byte) bool { pings.Add(1); return true }})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		msgs := make(chan []byte, 4)
		go func() { // reading answers the pings
			for {
				_, b, err := ws.Read(ctx)
				if err != nil {
					close(msgs)
					return
				}
				msgs <- b
			}
		}()
		time.Sleep(time.Second) // ten ping intervals without a byte of SPICE
		ws.Write(ctx, websocket.MessageBinary, []byte("hi"))
		if b, ok := <-msgs; !ok || string(b) != "hi" {
			t.Fatalf("after a quiet second: %q, open %v", b, ok)
		}
		if n := tp.p.obs.closes.Value(closedPing); n != 0 {
			t.Fatalf("%d ping timeouts", n)
		}
		if n := pings.Load(); n < 3 {
			t.Fatalf("%d pings in a quiet second, want about 5 (every 2 x 100 ms)", n)
		}
	})
}

func TestIdleLimitBeforeFirstByte(t *testing.T) {
	for _, tt := range []struct {
		idle, want time.Duration
		gotFirst   bool
	}{
		{0, firstByteTimeout, false},
		{time.Hour, firstByteTimeout, false},
		{time.Second, time.Second, false},
		{0, 0, true},
		{time.Hour, time.Hour, true},
	} {
		c := &conn{p: &proxy{lim: limits{idleTimeout: tt.idle}}}
		c.gotFirst.Store(tt.gotFirst)
		if got := c.idleLimit(); got != tt.want {
			t.Errorf("idle %v, first byte %v: limit %v, want %v", tt.idle, tt.gotFirst, got, tt.want)
		}
	}
}

func TestRateLimitAndMaxConns(t *testing.T) {
	tp := startProxy(t, startTarget(t, echo), func(c *config) {
		c.limits.perClientMinute = 3
		c.limits.maxConns = 2
	})
	ctx := testCtx(t)
	status := func() int {
		ws, resp, err := websocket.Dial(ctx, tp.ws, &websocket.DialOptions{Subprotocols: []string{"binary"}})
		if err == nil {
			t.Cleanup(func() { ws.CloseNow() })
			ws.Write(ctx, websocket.MessageBinary, []byte("x"))
			readN(t, ctx, ws, 1) // proxied, and holding its slot
			return 101
		}
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return resp.StatusCode
	}
	if a, b, c := status(), status(), status(); a != 101 || b != 101 || c != http.StatusServiceUnavailable {
		t.Fatalf("statuses %d %d %d, want 101 101 503 (-max-conns 2)", a, b, c)
	}
	if s := status(); s != http.StatusTooManyRequests {
		t.Fatalf("4th in a minute: %d, want 429", s)
	}
	o := tp.p.obs
	if o.refusals.Value(refusedMaxConns) != 1 || o.refusals.Value(refusedRateLimited) != 1 {
		t.Fatalf("refusals: max_connections %d, rate_limited %d", o.refusals.Value(refusedMaxConns), o.refusals.Value(refusedRateLimited))
	}
}

func TestRateLimiter(t *testing.T) {
	l := newRateLimiter(60)
	clock := time.Unix(1e9, 0)
	l.now = func() time.Time { return clock }
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := range 60 {
		if !l.allow(a) {
			t.Fatalf("refused the %dth of 60", i+1)
		}
	}
	if l.allow(a) {
		t.Fatal("61st allowed")
	}
	if !l.allow(b) {
		t.Fatal("another address refused")
	}
	clock = clock.Add(time.Second) // one more per second
	if !l.allow(a) || l.allow(a) {
		t.Fatal("refill is not one a second")
	}
	// One IPv6 client is a /64.
	v6a, v6b := netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::ffff:2")
	for range 60 {
		l.allow(v6a)
	}
	if l.allow(v6b) {
		t.Fatal("another address of the same /64 allowed past the limit")
	}
	// Memory stays bounded under many addresses.
	for i := range 3 * maxBuckets {
		l.allow(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Fatalf("%d buckets, more than %d", n, maxBuckets)
	}
	var none *rateLimiter
	if !none.allow(a) {
		t.Fatal("no limit refused")
	}
}

func TestClientAddr(t *testing.T) {
	trusted, _ := parseAllow([]string{"10.0.0.0/8"})
	tests := []struct {
		remote, xff string
		trusted     bool
		want        string
	}{
		{"192.0.2.1:5000", "", true, "192.0.2.1"},
		{"192.0.2.1:5000", "203.0.113.9", true, "192.0.2.1"}, // not from a trusted proxy: ignored
		{"10.0.0.2:5000", "203.0.113.9", true, "203.0.113.9"},
		{"10.0.0.2:5000", "198.51.100.1, 203.0.113.9, 10.0.0.3", true, "203.0.113.9"}, // rightmost untrusted
		{"10.0.0.2:5000", "garbage, 203.0.113.9", true, "203.0.113.9"},
		{"10.0.0.2:5000", "garbage", true, "10.0.0.2"},
		{"10.0.0.2:5000", "[2001:db8::1]:443", true, "2001:db8::1"},
		{"10.0.0.2:5000", "203.0.113.9", false, "10.0.0.2"},
		{"[::ffff:192.0.2.1]:5000", "", true, "192.0.2.1"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		l := trusted
		if !tt.trusted {
			l = nil
		}
		if got := clientAddr(r, l).String(); got != tt.want {
			t.Errorf("%s via %q: %s, want %s", tt.remote, tt.xff, got, tt.want)
		}
	}
}

// TestFloodBoundedMemory: a flood of connections that never finish their
// handshake and of websockets that never send anything costs the proxy a
// bounded amount of memory each, and a console keeps working meanwhile.
func TestFloodBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 600 connections")
	}
	tp := startProxy(t, startTarget(t, echo), func(c *config) { c.limits.perClientMinute = 0 })
	ctx := testCtx(t)
	console := dial(t, ctx, tp.ws, "binary")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 300
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", tp.addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET /websockify HTTP/1.1\r\nHost: x\r\n") // and never the rest
		conns = append(conns, c)
		ws, _ := rawWebsocket(t, tp)
		conns = append(conns, ws)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Every websocket reached the proxy (and its target).
	for deadline := time.Now().Add(10 * time.Second); tp.p.obs.open.Value() < n+1 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if got := tp.p.obs.open.Value(); got != n+1 {
		t.Fatalf("%d sessions open, want %d", got, n+1)
	}
	// The console still echoes.
	console.Write(ctx, websocket.MessageBinary, []byte("still here"))
	if got := readN(t, ctx, console, 10); string(got) != "still here" {
		t.Fatalf("echo %q", got)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// Both ends of every connection live in this process: the raw
	// clients are a few KB, the test targets' goroutines a stack each.
	grown := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
	per := grown / (2 * n)
	t.Logf("heap and stacks grew %d KB for %d connections: %d KB each (proxy, client and target sides)", grown>>10, 2*n, per>>10)
	if per > 96<<10 {
		t.Fatalf("%d KB per connection", per>>10)
	}
}

// TestHeaderTricks: oversized headers, two Origins, a malformed
// handshake: each a clear HTTP refusal, never a crash or an upgrade.
func TestHeaderTricks(t *testing.T) {
	addr, conns := countingTarget(t, "vm")
	tp := startProxy(t, addr, nil)
	send := func(req string) string {
		c, err := net.Dial("tcp", tp.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, req)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.TrimSpace(line)
	}
	host := tp.addr
	ws := "GET /websockify HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	tests := []struct{ name, req, want string }{
		{"huge header", ws + "X-Pad: " + strings.Repeat("a", 100<<10) + "\r\n\r\n", "HTTP/1.1 431"},
		{"two origins", ws + "Origin: http://" + host + "\r\nOrigin: http://evil.example\r\n\r\n", "HTTP/1.1 400"},
		{"bad key", strings.Replace(ws, "dGhlIHNhbXBsZSBub25jZQ==", "short", 1) + "\r\n", "HTTP/1.1 400"},
		{"old version", strings.Replace(ws, "Version: 13", "Version: 8", 1) + "\r\n", "HTTP/1.1 400"},
		{"POST upgrade", strings.Replace(ws, "GET", "POST", 1) + "\r\n", "HTTP/1.1 405"},
		{"token in the path only", strings.Replace(ws, "/websockify", "/websockify/token=x/..%2f..%2f", 1) + "\r\n", "HTTP/1.1 101"},
	}
	for _, tt := range tests {
		if got := send(tt.req); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %q, want %s", tt.name, got, tt.want)
		}
	}
	if n := conns.Load(); n > 1 {
		t.Errorf("%d connections reached the target, want at most the one upgraded", n)
	}
}
