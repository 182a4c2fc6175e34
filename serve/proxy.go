//go:build !js

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"spiceweb/serve/internal/allow"
)

const dialTimeout = 10 * time.Second

// proxy turns each accepted websocket into a TCP connection to the SPICE
// server its route names.
//
// Refusals happen in two ways. Overload (draining, too many connections,
// a client over its rate) is answered with an HTTP error before the
// upgrade: cheap, and a browser retrying later is right. A refused
// console (origin, token, target) is upgraded and closed at once with
// 1008 (policy violation), before any SPICE byte: that is how nova's
// proxy looks to the page, which then says "the console proxy refused the
// connection" (session.ErrProxyRefused). The reason is only logged and
// counted: the browser learns nothing about which check failed.
type proxy struct {
	router   *router
	origins  originPolicy
	record   string // capture directory, "" for none
	log      *slog.Logger
	obs      *observer
	lim      limits
	maxConns int64
	rate     *rateLimiter
	trusted  *allow.List
	dialer   net.Dialer
	seq      atomic.Uint64
	conns    atomic.Int64 // websockets holding a slot

	quit     context.Context // canceled by Shutdown: closes every connection
	stopQuit context.CancelFunc
	mu       sync.Mutex // guards closing and wg.Add against Wait
	closing  bool
	wg       sync.WaitGroup
}

func newProxy(rt *router, origins originPolicy, record string, logger *slog.Logger, obs *observer, lim limits, trusted *allow.List) *proxy {
	p := &proxy{
		router:   rt,
		origins:  origins,
		record:   record,
		log:      logger,
		obs:      obs,
		lim:      lim,
		maxConns: int64(lim.maxConns),
		rate:     newRateLimiter(lim.perClientMinute),
		trusted:  trusted,
		dialer:   net.Dialer{Timeout: dialTimeout},
	}
	if p.maxConns == 0 {
		p.maxConns = int64(maxConnsFromFiles())
	}
	p.quit, p.stopQuit = context.WithCancel(context.Background())
	return p
}

// Draining reports whether Drain or Shutdown began.
func (p *proxy) Draining() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closing
}

// Drain refuses new websockets and waits until the open ones end or ctx
// is done; it reports how many are still open.
func (p *proxy) Drain(ctx context.Context) int64 {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return p.conns.Load()
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

// refuseHTTP answers before the upgrade.
func (p *proxy) refuseHTTP(w http.ResponseWriter, r *http.Request, client netip.Addr, status int, reason, detail string) {
	p.obs.refusals.With(reason).Add(1)
	p.log.Info("websocket refused", "client", client.String(), "path", r.URL.Path, "reason", reason, "detail", detail, "status", status)
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "10")
	}
	http.Error(w, http.StatusText(status), status)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	client := clientAddr(r, p.trusted)
	if !p.enter() {
		p.refuseHTTP(w, r, client, http.StatusServiceUnavailable, refusedDraining, "server shutting down")
		return
	}
	defer p.wg.Done()
	if !p.rate.allow(client) {
		p.refuseHTTP(w, r, client, http.StatusTooManyRequests, refusedRateLimited,
			fmt.Sprintf("more than %d websockets a minute from this client", p.lim.perClientMinute))
		return
	}
	if n := p.conns.Add(1); n > p.maxConns {
		p.conns.Add(-1)
		p.refuseHTTP(w, r, client, http.StatusServiceUnavailable, refusedMaxConns, fmt.Sprintf("%d websockets open (-max-conns)", p.maxConns))
		return
	}
	defer p.conns.Add(-1)
	proto, err := pickSubprotocol(r.Header)
	if err != nil {
		p.refuseHTTP(w, r, client, http.StatusBadRequest, refusedSubprotocol, err.Error())
		return
	}
	if len(r.Header.Values("Origin")) > 1 {
		p.refuseHTTP(w, r, client, http.StatusBadRequest, refusedOrigin, "more than one Origin header")
		return
	}

	// The console checks. A refusal is only sent once upgraded.
	var refused *refusal
	var rt route
	if err := p.origins.check(r); err != nil {
		refused = &refusal{refusedOrigin, err.Error()}
	} else {
		rctx, cancel := context.WithTimeout(r.Context(), p.lim.handshakeTimeout)
		rt, refused = p.router.route(rctx, r)
		cancel()
	}

	ws, netConn, err := p.accept(w, r, proto)
	if err != nil {
		p.obs.refusals.With(refusedBadHandshake).Add(1)
		p.log.Info("websocket handshake failed", "client", client.String(), "path", r.URL.Path, "err", err)
		return
	}
	if refused != nil {
		p.obs.refusals.With(refused.reason).Add(1)
		p.log.Warn("websocket refused", "client", client.String(), "path", r.URL.Path, "token_id", rt.token,
			"reason", refused.reason, "detail", refused.detail)
		// Close waits for the client's answer (at most 5 s in the
		// library); a hostile client cannot hold this longer.
		ws.Close(websocket.StatusPolicyViolation, "refused")
		return
	}

	c := &conn{
		p:      p,
		id:     p.seq.Add(1),
		ws:     ws,
		client: netConn,
		start:  start,
		peer:   client.String(),
		route:  rt,
	}
	tcp, err := p.dial(rt)
	if err != nil {
		p.obs.refusals.With(refusedUnreachable).Add(1)
		p.log.Warn("SPICE server unreachable", "conn", c.id, "client", c.peer, "target", rt.target.String(), "token_id", rt.token, "err", err)
		// 1014: the proxy could not reach its upstream. The page shows
		// the reason.
		ws.Close(websocket.StatusBadGateway, "cannot reach the SPICE server")
		return
	}
	c.tcp = tcp.(*net.TCPConn)
	p.obs.handshake.Observe(time.Since(start).Seconds())
	if proto == "" {
		proto = "none"
	}
	p.log.Info("websocket open", "conn", c.id, "client", c.peer, "path", r.URL.Path, "subprotocol", proto,
		"target", rt.target.String(), "addr", c.tcp.RemoteAddr().String(), "token_id", rt.token)
	c.serve()
}

// dial tries the route's addresses in order.
func (p *proxy) dial(rt route) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(p.quit, dialTimeout)
	defer cancel()
	var errs []error
	for _, ap := range rt.addrs {
		c, err := p.dialer.DialContext(ctx, "tcp", ap.String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// accept upgrades the request. The response must go out within the
// handshake timeout; once upgraded, the deadlines the HTTP server left on
// the connection are cleared (the connection's own timers take over).
func (p *proxy) accept(w http.ResponseWriter, r *http.Request, proto string) (*websocket.Conn, net.Conn, error) {
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(p.lim.handshakeTimeout))
	hw := &hijackRecorder{ResponseWriter: w}
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true} // origin checked by the caller
	if proto != "" {
		opts.Subprotocols = []string{proto}
	}
	ws, err := websocket.Accept(hw, r, opts)
	if err != nil {
		return nil, nil, err
	}
	hw.conn.SetDeadline(time.Time{})
	// The proxy streams each message through a fixed buffer and counts
	// its size itself (conn.pumpUp), so the library's limit is off.
	ws.SetReadLimit(-1)
	return ws, hw.conn, nil
}

// hijackRecorder keeps the connection the websocket library hijacks.
type hijackRecorder struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = c
	return c, brw, err
}

func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }
