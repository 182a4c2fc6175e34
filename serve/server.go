//go:build !js

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"spiceweb/serve/internal/allow"
	"spiceweb/serve/internal/token"
)

// shutdownGrace bounds how long stopping waits for open connections to
// finish their close handshakes, after the drain.
const shutdownGrace = 10 * time.Second

// server is everything run starts: the handler, its proxy, and what
// SIGHUP reloads.
type server struct {
	handler http.Handler
	proxy   *proxy
	obs     *observer
	certs   *certReloader // nil without TLS
	reload  []func()      // token files, JWT key
}

// newHandler routes websocket upgrades to the proxy and everything else
// to the static files.
func newHandler(cfg config, logger *slog.Logger) (http.Handler, *proxy, error) {
	s, err := newServer(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	return s.handler, s.proxy, nil
}

func newServer(cfg config, logger *slog.Logger) (*server, error) {
	st, err := newStatic(cfg.web)
	if err != nil {
		return nil, err
	}
	origins, err := parseOrigins(cfg.origins)
	if err != nil {
		return nil, err
	}
	if cfg.record != "" {
		if err := os.MkdirAll(cfg.record, 0o755); err != nil {
			return nil, err
		}
	}
	s := &server{obs: newObserver()}
	rt := &router{resolver: net.DefaultResolver}
	if len(cfg.allowTargets) > 0 {
		if rt.allow, err = allow.Parse(cfg.allowTargets); err != nil {
			return nil, fmt.Errorf("-allow-targets: %w", err)
		}
	}
	switch cfg.routing() {
	case "tokens":
		f, err := token.OpenFile(cfg.tokens, logger)
		if err != nil {
			return nil, err
		}
		rt.lookup = f.Lookup
		s.reload = append(s.reload, f.Reload)
		s.obs.reg.NewGaugeFunc("spiceweb_tokens", "Tokens loaded from -tokens.", func() float64 { return float64(f.Len()) })
	case "jwt":
		j, err := token.OpenJWT(cfg.jwtKey, logger)
		if err != nil {
			return nil, err
		}
		rt.lookup = j.Lookup
		s.reload = append(s.reload, j.Reload)
	default:
		if rt.fixed, err = parseFixedTarget(cfg.target); err != nil {
			return nil, fmt.Errorf("-target %q: %v", cfg.target, err)
		}
	}
	var trusted *allow.List
	if len(cfg.trustedProxies) > 0 {
		if trusted, err = allow.Parse(cfg.trustedProxies); err != nil {
			return nil, fmt.Errorf("-trusted-proxies: %w", err)
		}
	}
	if cfg.cert != "" {
		if s.certs, err = newCertReloader(cfg.cert, cfg.key, logger); err != nil {
			return nil, err
		}
		s.obs.reg.NewGaugeFunc("spiceweb_tls_cert_not_after_seconds", "Expiry of the TLS certificate served, in seconds since the epoch.", s.certs.notAfter)
	}
	s.proxy = newProxy(rt, origins, cfg.record, logger, s.obs, cfg.limits, trusted)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			s.proxy.ServeHTTP(w, r)
			return
		}
		st.ServeHTTP(w, r)
	})
	return s, nil
}

// reloadAll is SIGHUP: the certificate, the token files and the JWT key.
// Open sessions are not touched.
func (s *server) reloadAll(log *slog.Logger) {
	ok := true
	if s.certs != nil {
		if err := s.certs.reload(); err != nil {
			ok = false
			log.Error("TLS reload failed; the previous certificate stays", "err", err)
		}
	}
	for _, f := range s.reload {
		f()
	}
	if ok {
		s.obs.reloads.With("ok").Add(1)
	} else {
		s.obs.reloads.With("error").Add(1)
	}
}

// run serves until SIGINT or SIGTERM, then drains: it stops accepting,
// lets open sessions run up to -drain-timeout, and closes the rest with
// 1001 (going away). A second SIGINT/SIGTERM ends the drain at once.
func run(cfg config, logger *slog.Logger, signals <-chan os.Signal) error {
	s, err := newServer(cfg, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if s.certs != nil {
		ln = tls.NewListener(ln, s.certs.tlsConfig())
		scheme = "https"
	}
	srv := newHTTPServer(s.handler, cfg.limits, logger)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()

	var msrv *http.Server
	if cfg.metricsListen != "" {
		mln, err := net.Listen("tcp", cfg.metricsListen)
		if err != nil {
			srv.Close()
			return fmt.Errorf("-metrics-listen: %w", err)
		}
		msrv = &http.Server{Handler: s.metricsHandler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: srv.ErrorLog}
		go func() { errc <- msrv.Serve(mln) }()
		logger.Info("metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	}

	where := "to " + cfg.target
	switch cfg.routing() {
	case "tokens":
		where = "by the tokens in " + cfg.tokens
	case "jwt":
		where = "by JWTs signed with " + cfg.jwtKey
	}
	logger.Info("serving", "web", cfg.web, "proxying", where, "allow_targets", strings.Join(cfg.allowTargets, ","),
		"max_conns", s.proxy.maxConns)
	if cfg.record != "" {
		logger.Info("recording connections", "dir", cfg.record)
	}
	logger.Info("open " + strings.Replace(pageURL(ln.Addr()), "http://", scheme+"://", 1))

	for {
		select {
		case err := <-errc:
			s.proxy.Shutdown(context.Background())
			if msrv != nil {
				msrv.Close()
			}
			srv.Close()
			return err
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				logger.Info("SIGHUP: reloading")
				s.reloadAll(logger)
				continue
			}
			logger.Info("draining", "signal", sig.String(), "open", s.proxy.conns.Load(), "drain_timeout", cfg.limits.drainTimeout.String())
			return s.stop(srv, msrv, cfg.limits.drainTimeout, signals, logger)
		}
	}
}

// newHTTPServer is the HTTP server of the site and the proxy.
func newHTTPServer(h http.Handler, l limits, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler: h,
		// Covers the TLS handshake too (net/http bounds it by the
		// shortest of its timeouts).
		ReadHeaderTimeout: l.handshakeTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
}

// stop drains and shuts down.
func (s *server) stop(srv, msrv *http.Server, drain time.Duration, signals <-chan os.Signal, logger *slog.Logger) error {
	// Stop accepting. Shutdown waits only for idle HTTP connections, not
	// for the hijacked websockets.
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	httpErr := srv.Shutdown(sctx)
	cancel()
	dctx, cancel := context.WithTimeout(context.Background(), drain)
	go func() {
		for sig := range signals {
			if sig != syscall.SIGHUP {
				logger.Info("second signal: closing every session now")
				cancel()
				return
			}
		}
	}()
	left := s.proxy.Drain(dctx)
	cancel()
	if left > 0 {
		logger.Info("drain time over: closing the sessions left", "open", left)
	}
	gctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := errors.Join(httpErr, s.proxy.Shutdown(gctx))
	if msrv != nil {
		msrv.Close()
	}
	logger.Info("stopped")
	return err
}

// metricsHandler serves /metrics and /healthz (200 while serving, 503
// once draining: a load balancer stops sending new consoles).
func (s *server) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", s.obs.reg)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if s.proxy.Draining() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "draining\n")
			return
		}
		io.WriteString(w, "ok\n")
	})
	return mux
}
