//go:build !js

// Command serve hosts the built client (dist/) and proxies every
// websocket to one SPICE server over TCP, as websockify does:
//
//	go run ./serve -target 127.0.0.1:5900
//
// Plain HTTP requests get static files; a websocket upgrade on any path
// (spice-html5 and our page use /websockify) becomes a raw TCP connection
// to -target, binary frames only. -record DIR writes each connection's
// bytes to DIR as .spicecap files (package spicecap).
//
// Without -target, every websocket gets its own replay of a recorded
// session instead (package replay): -replay DIR plays what -record wrote,
// and with neither serve plays its built-in demo, a recorded Xspice
// desktop (demo.go), so that the page shows a desktop on any machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// shutdownGrace bounds how long a SIGINT/SIGTERM waits for open
// connections to finish their close handshakes.
const shutdownGrace = 10 * time.Second

type config struct {
	listen  string
	web     string
	target  string
	record  string
	replay  string // recording to replay without -target; "" for the built-in demo
	origins []string
}

// listFlag collects a repeatable, comma-separated flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "HTTP `address` to listen on")
	fs.StringVar(&c.web, "web", "dist", "`directory` of static files to serve")
	fs.StringVar(&c.target, "target", "", "SPICE server `host:port` every websocket is proxied to; "+
		"without it, serve replays a recorded session to every websocket (-replay, or its built-in demo)")
	fs.StringVar(&c.record, "record", "", "write every proxied connection to `dir` as .spicecap files")
	fs.StringVar(&c.replay, "replay", "", "without -target: replay the session recorded in `dir` (as -record writes it) "+
		"instead of the built-in demo")
	fs.Var((*listFlag)(&c.origins), "allow-origin",
		"extra allowed websocket `origins`, repeatable or comma-separated: a full origin (https://horizon.example.com), "+
			"a host name (any scheme and port), or * for any; the page's own host is always allowed")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: serve [-target host:port | -replay dir] [flags]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.target == "" {
		if c.record != "" {
			return c, errors.New("-record needs -target: it records proxied connections")
		}
		return c, nil
	}
	if c.replay != "" {
		return c, errors.New("-target and -replay exclude each other")
	}
	if _, _, err := net.SplitHostPort(c.target); err != nil {
		return c, fmt.Errorf("-target %q: %v", c.target, err)
	}
	return c, nil
}

func main() {
	log.SetFlags(log.Ldate | log.Ltime | log.Lmicroseconds)
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "serve: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log.Default()); err != nil {
		log.Printf("serve: %v", err)
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, cfg config, logger *log.Logger) error {
	h, p, err := newHandler(cfg, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          logger,
	}
	if cfg.target != "" {
		logger.Printf("serving %s, proxying websockets to %s", cfg.web, cfg.target)
	}
	if cfg.record != "" {
		logger.Printf("recording connections to %s", cfg.record)
	}
	logger.Printf("open %s", pageURL(ln.Addr()))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		p.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	// http.Server.Shutdown does not track hijacked connections, so the
	// proxy closes its websockets itself.
	err = errors.Join(srv.Shutdown(sctx), p.Shutdown(sctx))
	<-errc
	return err
}

// backend answers websockets: the proxy, or a replay of a recording.
type backend interface {
	http.Handler
	// Shutdown ends every connection and waits for them, or for ctx.
	Shutdown(ctx context.Context) error
}

// newHandler routes websocket upgrades to the backend (the proxy, or
// without a target a replay) and everything else to the static files.
func newHandler(cfg config, logger *log.Logger) (http.Handler, backend, error) {
	st, err := newStatic(cfg.web)
	if err != nil {
		return nil, nil, err
	}
	origins, err := parseOrigins(cfg.origins)
	if err != nil {
		return nil, nil, err
	}
	if cfg.record != "" {
		if err := os.MkdirAll(cfg.record, 0o755); err != nil {
			return nil, nil, err
		}
	}
	var p backend
	if cfg.target != "" {
		p = newProxy(cfg.target, origins, cfg.record, logger)
	} else {
		rec, what, err := loadRecording(cfg.replay)
		if err != nil {
			return nil, nil, err
		}
		logger.Printf("serving %s; every websocket gets its own replay of %s, a recording, not a live server: %v", cfg.web, what, rec)
		p = newReplayer(rec, origins, logger)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			p.ServeHTTP(w, r)
			return
		}
		st.ServeHTTP(w, r)
	})
	return h, p, nil
}

// pageURL is the address to print for the user: the page on the listening
// address, with an unspecified IP replaced by loopback.
func pageURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/spice_auto.html"
}
