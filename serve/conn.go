//go:build !js

package main

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"spiceweb/wasm/spice/spicetest"
)

// Copy buffers come from pools and are held only while bytes move: an
// idle connection holds none (see readPooled), which is most of what
// keeps an idle websocket small. Server to client carries the images and
// gets the larger buffer; each read becomes one websocket message.
const (
	upBufSize   = 8 << 10
	downBufSize = 64 << 10
)

var (
	upPool   = sync.Pool{New: func() any { b := make([]byte, upBufSize); return &b }}
	downPool = sync.Pool{New: func() any { b := make([]byte, downBufSize); return &b }}
)

// firstByteTimeout bounds how long a websocket may stay silent after it
// opens, whatever -idle-timeout says: the page opens spare websockets
// ahead of need and closes those it has not used after 15 s
// (webui/src/sockets.ts spareLifetimeMs), so a longer silence is no page.
const firstByteTimeout = time.Minute

// conn is one proxied connection.
type conn struct {
	p      *proxy
	id     uint64
	ws     *websocket.Conn
	client net.Conn // under ws (TLS or TCP)
	tcp    *net.TCPConn
	rec    *spicetest.CapWriter // nil when not recording
	recErr sync.Once
	start  time.Time // the request arrived
	opened time.Time // the SPICE server connected
	peer   string
	route  route

	endOnce sync.Once
	reason  string // metric label, set once by end
	why     string // for the log

	up, down  atomic.Int64 // bytes client→server, server→client
	last      atomic.Int64 // unix nanoseconds of the last byte either way
	gotFirst  atomic.Bool  // the client has sent a byte
	pinging   atomic.Bool
	timerMu   sync.Mutex
	timer     *time.Timer
	timerDone bool
}

func (c *conn) serve() {
	o := c.p.obs
	o.sessions.Inc()
	o.open.Add(1)
	c.opened = time.Now()
	c.last.Store(c.opened.UnixNano())
	if c.p.record != "" {
		var err error
		if c.rec, err = spicetest.CreateCapFile(c.p.record, c.id); err != nil {
			c.p.log.Error("connection not recorded", "conn", c.id, "err", err)
		}
	}
	stopQuit := context.AfterFunc(c.p.quit, func() {
		c.end(websocket.StatusGoingAway, "server shutting down", closedShutdown, "server shutting down")
	})
	c.timerMu.Lock()
	c.timer = time.AfterFunc(c.nextCheck(c.opened), c.check)
	c.timerMu.Unlock()

	upDone := make(chan struct{})
	go func() {
		defer close(upDone)
		c.pumpUp()
	}()
	c.pumpDown()
	<-upDone
	stopQuit()
	c.timerMu.Lock()
	c.timer.Stop()
	c.timerDone = true
	c.timerMu.Unlock()
	// Both pumps have returned; make sure nothing stays open.
	c.ws.CloseNow()
	c.tcp.Close()
	if c.rec != nil {
		if err := c.rec.Close(); err != nil {
			c.p.log.Error("capture failed", "conn", c.id, "err", err)
		}
	}
	o.open.Add(-1)
	o.closes.With(c.reason).Add(1)
	d := time.Since(c.opened)
	o.duration.Observe(d.Seconds())
	args := []any{"conn", c.id, "client", c.peer, "up", c.up.Load(), "down", c.down.Load(),
		"duration", d.Round(time.Millisecond).String(), "reason", c.reason, "detail", c.why}
	if c.rec != nil {
		args = append(args, "recorded", c.rec.Name())
	}
	c.p.log.Info("websocket closed", args...)
}

// end records why the connection ends and closes both sides, which
// unblocks whichever pump is still running. Only the first call counts.
// The websocket close handshake can take seconds, so the TCP side is
// closed first.
func (c *conn) end(code websocket.StatusCode, reason, label, why string) {
	c.endOnce.Do(func() {
		c.reason, c.why = label, why
		c.tcp.Close()
		c.ws.Close(code, reason)
	})
}

func (c *conn) touch() { c.last.Store(time.Now().UnixNano()) }

// idleLimit is the silence allowed now.
func (c *conn) idleLimit() time.Duration {
	idle := c.p.lim.idleTimeout
	if !c.gotFirst.Load() && (idle == 0 || idle > firstByteTimeout) {
		idle = firstByteTimeout
	}
	return idle
}

// nextCheck is when the watchdog should look again: the earliest of the
// session's end, the idle deadline and the next ping.
func (c *conn) nextCheck(now time.Time) time.Duration {
	l := c.p.lim
	last := time.Unix(0, c.last.Load())
	next := time.Duration(1<<63 - 1)
	if l.maxSession > 0 {
		next = min(next, c.opened.Add(l.maxSession).Sub(now))
	}
	if idle := c.idleLimit(); idle > 0 {
		next = min(next, last.Add(idle).Sub(now))
	}
	if l.pingInterval > 0 {
		if c.pinging.Load() {
			next = min(next, l.pingInterval)
		} else {
			next = min(next, last.Add(l.pingInterval).Sub(now))
		}
	}
	return max(next, 10*time.Millisecond)
}

// check is the connection's watchdog: one timer, re-armed for the next
// deadline, instead of a timer reset on every read.
func (c *conn) check() {
	now := time.Now()
	l := c.p.lim
	quiet := now.Sub(time.Unix(0, c.last.Load()))
	switch {
	case l.maxSession > 0 && now.Sub(c.opened) >= l.maxSession:
		c.end(websocket.StatusNormalClosure, "session time limit", closedSessionTime, "open for "+l.maxSession.String()+" (-max-session)")
		return
	case c.idleLimit() > 0 && quiet >= c.idleLimit():
		c.end(websocket.StatusNormalClosure, "idle timeout", closedIdle, "nothing sent either way for "+c.idleLimit().String())
		return
	case l.pingInterval > 0 && quiet >= l.pingInterval && c.pinging.CompareAndSwap(false, true):
		go c.ping()
	}
	c.timerMu.Lock()
	if !c.timerDone {
		c.timer.Reset(c.nextCheck(now))
	}
	c.timerMu.Unlock()
}

// ping asks a quiet client for a pong: it keeps load balancers that cut
// idle connections from cutting consoles, and finds clients that are
// gone without a word.
func (c *conn) ping() {
	ctx, cancel := context.WithTimeout(context.Background(), c.p.lim.pingInterval)
	err := c.ws.Ping(ctx)
	cancel()
	c.pinging.Store(false)
	if err != nil && ctx.Err() != nil {
		c.end(websocket.StatusPolicyViolation, "no pong", closedPing, "no pong within "+c.p.lim.pingInterval.String())
	}
}

// record stores received bytes in the capture. A failing capture is
// reported once; the connection goes on without it.
func (c *conn) record(dir int, b []byte) {
	if c.rec == nil {
		return
	}
	if err := c.rec.Record(dir, b); err != nil {
		c.recErr.Do(func() { c.p.log.Error("capture stopped", "conn", c.id, "err", err) })
	}
}

// errTextMessage ends a connection whose client sends a text message:
// SPICE is binary and websockify's base64 mode is not supported.
var errTextMessage = errors.New("text message from client")

// pumpUp copies client websocket messages to the TCP connection. Each
// message is streamed through the buffer, never held whole; its size is
// counted against -max-message.
func (c *conn) pumpUp() {
	max := c.p.lim.maxMessage
	for {
		typ, r, err := c.ws.Reader(context.Background())
		if err != nil {
			c.endUp(err)
			return
		}
		if typ != websocket.MessageBinary {
			c.endUp(errTextMessage)
			return
		}
		bufp := upPool.Get().(*[]byte)
		ok := c.copyUp(r, *bufp, max)
		upPool.Put(bufp)
		if !ok {
			return
		}
	}
}

func (c *conn) copyUp(r io.Reader, buf []byte, max int64) bool {
	var size int64
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			size += int64(n)
			if size > max {
				c.end(websocket.StatusMessageTooBig, "message too big", closedTooBig, "a client message passed -max-message")
				return false
			}
			c.gotFirst.Store(true)
			c.record(spicetest.CapClientToServer, buf[:n])
			m, werr := c.tcp.Write(buf[:n])
			c.up.Add(int64(m))
			c.p.obs.up.Add(uint64(m))
			c.touch()
			if werr != nil {
				c.end(websocket.StatusBadGateway, "SPICE server connection failed", closedError, "write to target: "+werr.Error())
				return false
			}
		}
		if rerr == io.EOF {
			return true
		}
		if rerr != nil {
			c.endUp(rerr)
			return false
		}
	}
}

func (c *conn) endUp(err error) {
	switch {
	case errors.Is(err, errTextMessage):
		c.end(websocket.StatusUnsupportedData, "binary messages only", closedText, "client sent a text message")
	case websocket.CloseStatus(err) != -1:
		c.end(websocket.StatusNormalClosure, "", closedClient, "client closed ("+strconv.Itoa(int(websocket.CloseStatus(err)))+")")
	default:
		c.end(websocket.StatusInternalError, "", closedClient, "client: "+err.Error())
	}
}

// pumpDown copies bytes from the TCP connection to the client, one
// binary message per read.
func (c *conn) pumpDown() {
	rd := newPooledReader(c.tcp)
	for {
		bufp, n, rerr := rd.read(&downPool)
		if n > 0 {
			b := (*bufp)[:n]
			c.record(spicetest.CapServerToClient, b)
			err := c.ws.Write(context.Background(), websocket.MessageBinary, b)
			downPool.Put(bufp)
			if err != nil {
				c.end(websocket.StatusInternalError, "", closedClient, "write to client: "+err.Error())
				return
			}
			c.down.Add(int64(n))
			c.p.obs.down.Add(uint64(n))
			c.touch()
		} else if bufp != nil {
			downPool.Put(bufp)
		}
		if rerr == io.EOF {
			c.end(websocket.StatusNormalClosure, "SPICE server closed the connection", closedTarget, "target closed")
			return
		}
		if rerr != nil {
			c.end(websocket.StatusBadGateway, "SPICE server connection failed", closedTarget, "read from target: "+rerr.Error())
			return
		}
	}
}
