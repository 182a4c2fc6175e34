//go:build !js

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"spiceweb/spicecap"
)

// Copy buffer sizes. These and the sockets' own buffers are all a
// connection holds: each side waits for the other to take its bytes
// (backpressure), nothing queues without bound. Server to client carries
// the images, so it gets the larger buffer; each read becomes one
// websocket message.
const (
	upBufSize   = 16 << 10
	downBufSize = 64 << 10
	dialTimeout = 10 * time.Second
)

// proxy turns each accepted websocket into a TCP connection to target.
type proxy struct {
	target  string
	origins originPolicy
	record  string // capture directory, "" for none
	log     *log.Logger
	dialer  net.Dialer
	seq     atomic.Uint64

	quit     context.Context // canceled by Shutdown
	stopQuit context.CancelFunc
	mu       sync.Mutex // guards closing and wg.Add against Shutdown's Wait
	closing  bool
	wg       sync.WaitGroup
}

func newProxy(target string, origins originPolicy, record string, logger *log.Logger) *proxy {
	p := &proxy{
		target:  target,
		origins: origins,
		record:  record,
		log:     logger,
		dialer:  net.Dialer{Timeout: dialTimeout},
	}
	p.quit, p.stopQuit = context.WithCancel(context.Background())
	return p
}

// Shutdown closes every proxied connection with 1001 (going away) and
// waits for them to end, or for ctx.
func (p *proxy) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	p.stopQuit()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("proxy: connections still open: %w", ctx.Err())
	}
}

func (p *proxy) enter() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.wg.Add(1)
	return true
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.enter() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	defer p.wg.Done()
	// Only the path is logged: the query may hold a token.
	if err := p.origins.check(r); err != nil {
		p.log.Printf("refused %s %q: %v", r.RemoteAddr, r.URL.Path, err)
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	proto, err := pickSubprotocol(r.Header)
	if err != nil {
		p.log.Printf("refused %s %q: %v", r.RemoteAddr, r.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true} // origin checked above
	if proto != "" {
		opts.Subprotocols = []string{proto}
	}
	ws, err := websocket.Accept(w, r, opts)
	if err != nil {
		p.log.Printf("refused %s %q: %v", r.RemoteAddr, r.URL.Path, err)
		return
	}
	c := &conn{
		p:     p,
		id:    p.seq.Add(1),
		ws:    ws,
		start: time.Now(),
		peer:  r.RemoteAddr,
	}
	if proto == "" {
		proto = "none"
	}
	p.log.Printf("conn %d open %s %q subprotocol %s", c.id, c.peer, r.URL.Path, proto)
	c.serve()
}

// conn is one proxied connection.
type conn struct {
	p      *proxy
	id     uint64
	ws     *websocket.Conn
	tcp    net.Conn
	rec    *spicecap.Writer // nil when not recording
	recErr sync.Once
	start  time.Time
	peer   string

	ctx     context.Context // canceled when the connection ends
	cancel  context.CancelFunc
	endOnce sync.Once
	why     string // why the connection ended, set once by end

	up, down int64 // bytes client→server, server→client
}

func (c *conn) serve() {
	c.ctx, c.cancel = context.WithCancel(context.Background())
	defer c.cancel()
	// The pumps stream each message through a fixed buffer and never
	// hold a whole one, so no message size limit is needed.
	c.ws.SetReadLimit(-1)

	dctx, stop := context.WithCancel(c.p.quit)
	tcp, err := c.p.dialer.DialContext(dctx, "tcp", c.p.target)
	stop()
	if err != nil {
		c.why = "cannot reach " + c.p.target + ": " + err.Error()
		// 1014: the proxy could not reach its upstream. The page sees
		// this code and reason in its close event.
		c.ws.Close(websocket.StatusBadGateway, "cannot reach the SPICE server")
		c.logClose()
		return
	}
	c.tcp = tcp
	if c.p.record != "" {
		if c.rec, err = spicecap.Create(c.p.record, c.id); err != nil {
			c.p.log.Printf("conn %d: not recorded: %v", c.id, err)
		}
	}
	stopQuit := context.AfterFunc(c.p.quit, func() {
		c.end(websocket.StatusGoingAway, "server shutting down", "server shutting down")
	})
	defer stopQuit()

	upDone := make(chan struct{})
	go func() {
		defer close(upDone)
		c.pumpUp()
	}()
	c.pumpDown()
	<-upDone
	// Both pumps have returned; make sure nothing stays open.
	c.ws.CloseNow()
	c.tcp.Close()
	if c.rec != nil {
		if err := c.rec.Close(); err != nil {
			c.p.log.Printf("conn %d: capture: %v", c.id, err)
		}
	}
	c.logClose()
}

func (c *conn) logClose() {
	line := fmt.Sprintf("conn %d closed %s: up %d B, down %d B, %s: %s",
		c.id, c.peer, c.up, c.down, time.Since(c.start).Round(time.Millisecond), c.why)
	if c.rec != nil {
		line += " (recorded to " + c.rec.Name() + ")"
	}
	c.p.log.Print(line)
}

// end records why the connection ends and closes both sides, which
// unblocks whichever pump is still running. Only the first call counts.
// The websocket close handshake can take seconds, so the TCP side is
// closed first.
func (c *conn) end(code websocket.StatusCode, reason, why string) {
	c.endOnce.Do(func() {
		c.why = why
		c.tcp.Close()
		c.ws.Close(code, reason)
		c.cancel()
	})
}

// record stores received bytes in the capture. A failing capture is
// reported once; the connection goes on without it.
func (c *conn) record(dir spicecap.Direction, b []byte) {
	if c.rec == nil {
		return
	}
	if err := c.rec.Record(dir, b); err != nil {
		c.recErr.Do(func() { c.p.log.Printf("conn %d: capture stopped: %v", c.id, err) })
	}
}

// errTextMessage ends a connection whose client sends a text message:
// SPICE is binary and websockify's base64 mode is not supported.
var errTextMessage = errors.New("text message from client")

// pumpUp copies client websocket messages to the TCP connection.
func (c *conn) pumpUp() {
	buf := make([]byte, upBufSize)
	for {
		typ, r, err := c.ws.Reader(c.ctx)
		if err != nil {
			c.endUp(err)
			return
		}
		if typ != websocket.MessageBinary {
			c.endUp(errTextMessage)
			return
		}
		for {
			n, rerr := r.Read(buf)
			if n > 0 {
				c.record(spicecap.ClientToServer, buf[:n])
				m, werr := c.tcp.Write(buf[:n])
				c.up += int64(m)
				if werr != nil {
					c.end(websocket.StatusBadGateway, "SPICE server connection failed", "write to target: "+werr.Error())
					return
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				c.endUp(rerr)
				return
			}
		}
	}
}

func (c *conn) endUp(err error) {
	switch {
	case errors.Is(err, errTextMessage):
		c.end(websocket.StatusUnsupportedData, "binary messages only", "client sent a text message")
	case websocket.CloseStatus(err) != -1:
		c.end(websocket.StatusNormalClosure, "", fmt.Sprintf("client closed (%d)", websocket.CloseStatus(err)))
	default:
		c.end(websocket.StatusInternalError, "", "client: "+err.Error())
	}
}

// pumpDown copies bytes from the TCP connection to the client, one
// binary message per read.
func (c *conn) pumpDown() {
	buf := make([]byte, downBufSize)
	for {
		n, rerr := c.tcp.Read(buf)
		if n > 0 {
			c.record(spicecap.ServerToClient, buf[:n])
			if err := c.ws.Write(c.ctx, websocket.MessageBinary, buf[:n]); err != nil {
				c.end(websocket.StatusInternalError, "", "write to client: "+err.Error())
				return
			}
			c.down += int64(n)
		}
		if rerr == io.EOF {
			c.end(websocket.StatusNormalClosure, "SPICE server closed the connection", "target closed")
			return
		}
		if rerr != nil {
			c.end(websocket.StatusBadGateway, "SPICE server connection failed", "read from target: "+rerr.Error())
			return
		}
	}
}
