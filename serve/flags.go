//go:build !js

package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"time"
)

// proxyConfig holds the flags of the production proxy: routing by token,
// TLS, limits and observability. Every limit has a default that is safe
// for a public deployment.
type proxyConfig struct {
	tokens         string   // websockify token file or directory
	jwtKey         string   // key file for signed tokens
	allowTargets   []string // CIDR[:ports] rules
	cert, key      string   // TLS
	metricsListen  string   // address of /metrics and /healthz
	logFormat      string   // text or json
	logLevel       string   // debug, info, warn, error
	trustedProxies []string // peers whose X-Forwarded-For is believed
	limits         limits
}

type limits struct {
	maxConns         int           // open websockets; 0 = from the open-file limit
	perClientMinute  int           // new websockets per client address per minute
	handshakeTimeout time.Duration // TLS handshake and request headers
	idleTimeout      time.Duration // no byte either way
	maxSession       time.Duration // websocket lifetime
	maxMessage       int64         // bytes in one client message
	pingInterval     time.Duration // websocket pings to a quiet client
	drainTimeout     time.Duration // SIGTERM: how long sessions may finish
}

// defaultMaxConns caps the default -max-conns: at about 35 KB per idle
// websocket (BenchmarkProxyIdle), 350 MB.
const defaultMaxConns = 10000

func defaultLimits() limits {
	return limits{
		perClientMinute:  300,
		handshakeTimeout: 10 * time.Second,
		idleTimeout:      30 * time.Minute,
		maxSession:       24 * time.Hour,
		// The page batches what it sends and caps a batch at 16 MiB
		// (session.maxPendingSend); the proxy streams, so this bounds
		// protocol abuse, not memory.
		maxMessage:   32 << 20,
		pingInterval: 30 * time.Second,
		drainTimeout: 30 * time.Second,
	}
}

func addProxyFlags(fs *flag.FlagSet, c *proxyConfig) {
	c.limits = defaultLimits()
	fs.StringVar(&c.tokens, "tokens", "", "route each websocket by its token through a websockify token `file or directory` (lines \"token: host:port\"), reread when it changes")
	fs.StringVar(&c.jwtKey, "jwt-key", "", "route each websocket by a signed token (websockify's JWTTokenApi): the `key file`, a PEM public key or the base64url HMAC secret; claims host, port, exp, nbf")
	fs.Var((*listFlag)(&c.allowTargets), "allow-targets", "`networks` tokens may lead to, repeatable or comma-separated: CIDR[:port[-port]], e.g. 10.0.0.0/8:5900-5999 (required with -jwt-key)")
	fs.StringVar(&c.cert, "cert", "", "TLS certificate chain `file` (PEM); with -key, serve https and wss; SIGHUP reloads it")
	fs.StringVar(&c.key, "key", "", "TLS private key `file` (PEM)")
	fs.StringVar(&c.metricsListen, "metrics-listen", "", "`address` for Prometheus /metrics and /healthz (off when empty; keep it private)")
	fs.StringVar(&c.logFormat, "log-format", "text", "log `format`: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.Var((*listFlag)(&c.trustedProxies), "trusted-proxies", "`networks` of load balancers whose X-Forwarded-For names the client (for limits and logs)")
	l := &c.limits
	fs.IntVar(&l.maxConns, "max-conns", 0, "most open websockets (`n`); 0: as many as the open-file limit allows (two files each), at most 10000")
	fs.IntVar(&l.perClientMinute, "max-conns-per-client", l.perClientMinute, "new websockets a client address may open per minute (`n`; IPv6 counted per /64); 0: no limit")
	fs.DurationVar(&l.handshakeTimeout, "handshake-timeout", l.handshakeTimeout, "time for the TLS handshake and the request headers")
	fs.DurationVar(&l.idleTimeout, "idle-timeout", l.idleTimeout, "close a websocket after this long without a byte either way (0: never); before its first byte, at most 1m")
	fs.DurationVar(&l.maxSession, "max-session", l.maxSession, "close a websocket after this long (0: never)")
	fs.Int64Var(&l.maxMessage, "max-message", l.maxMessage, "largest websocket message a client may send, in `bytes` (all its frames)")
	fs.DurationVar(&l.pingInterval, "ping-interval", l.pingInterval, "ping a client quiet for this long, and close it if the pong takes as long (0: never)")
	fs.DurationVar(&l.drainTimeout, "drain-timeout", l.drainTimeout, "on SIGTERM, let open sessions run this long before closing them")
}

// routing says where websockets go: "target", "tokens" or "jwt".
func (c *config) routing() string {
	switch {
	case c.tokens != "":
		return "tokens"
	case c.jwtKey != "":
		return "jwt"
	}
	return "target"
}

// checkProxyFlags validates the flags once parsed.
func (c *config) checkProxyFlags() error {
	n := 0
	for _, s := range []string{c.target, c.tokens, c.jwtKey} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return errors.New("say where websockets go: -target host:port, -tokens FILE or -jwt-key FILE")
	case n > 1:
		return errors.New("-target, -tokens and -jwt-key exclude each other")
	}
	if c.target != "" {
		if _, _, err := net.SplitHostPort(c.target); err != nil {
			return fmt.Errorf("-target %q: %v", c.target, err)
		}
	}
	if c.jwtKey != "" && len(c.allowTargets) == 0 {
		return errors.New("-jwt-key needs -allow-targets: whoever holds the key could otherwise send the proxy anywhere")
	}
	if (c.cert == "") != (c.key == "") {
		return errors.New("-cert and -key go together")
	}
	switch c.logFormat {
	case "text", "json":
	default:
		return fmt.Errorf("-log-format %q: want text or json", c.logFormat)
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		return err
	}
	l := c.limits
	switch {
	case l.maxConns < 0, l.perClientMinute < 0:
		return errors.New("-max-conns and -max-conns-per-client cannot be negative")
	case l.handshakeTimeout <= 0:
		return errors.New("-handshake-timeout must be positive")
	case l.idleTimeout < 0, l.maxSession < 0, l.pingInterval < 0, l.drainTimeout < 0:
		return errors.New("timeouts cannot be negative")
	case l.maxMessage < 1:
		return errors.New("-max-message must be positive")
	}
	return nil
}
