//go:build !js

// Command serve hosts the built client (dist/) and proxies websockets to
// SPICE servers over TCP, as websockify does, or replays a recorded
// session to them:
//
//	go run ./serve
//	go run ./serve -target 127.0.0.1:5900
//	go run ./serve -tokens /etc/spiceweb/tokens -cert c.pem -key k.pem
//	go run ./serve -jwt-key jwt.pub -allow-targets 10.0.0.0/8:5900-5999
//
// Plain HTTP requests get static files; a websocket upgrade on any path
// (spice-html5 and our page use /websockify) becomes a raw TCP connection
// to -target, or to where its token leads (websockify's token files and
// JWTs), binary frames only. With none of these, every websocket gets its
// own replay of a recorded session instead (package replay): -replay DIR
// plays what -record wrote, and without it serve plays its built-in demo,
// a recorded Xspice desktop (demo.go), so that the page shows a desktop on
// any machine. Limits, timeouts, TLS reloaded on SIGHUP, a graceful drain
// on SIGTERM, structured logs and Prometheus metrics are flags (flags.go)
// and apply to replays as to proxied connections. -record DIR writes each
// proxied connection's bytes to DIR as .spicecap files (package spicecap).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

type config struct {
	listen  string
	web     string
	target  string
	record  string
	replay  string // a recording to replay; "" for the built-in demo when nothing routes
	origins []string
	proxyConfig
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
	fs.StringVar(&c.target, "target", "", "SPICE server `host:port` every websocket is proxied to (or -tokens, -jwt-key; "+
		"with none of them serve replays a recording to every websocket: -replay, or its built-in demo)")
	fs.StringVar(&c.record, "record", "", "write every proxied connection to `dir` as .spicecap files")
	fs.StringVar(&c.replay, "replay", "", "replay the session recorded in `dir` (as -record writes it) to every websocket, "+
		"instead of the built-in demo; excludes -target, -tokens and -jwt-key")
	fs.Var((*listFlag)(&c.origins), "allow-origin",
		"extra allowed websocket `origins`, repeatable or comma-separated: a full origin (https://horizon.example.com), "+
			"a host name (any scheme and port), or * for any; the page's own host is always allowed")
	addProxyFlags(fs, &c.proxyConfig)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: serve [-target host:port | -tokens file | -jwt-key file | -replay dir] [flags]\n\n"+
			"With no -target, -tokens, -jwt-key or -replay, serve replays its built-in demo.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.checkProxyFlags()
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "serve: %v\n", err)
		os.Exit(2)
	}
	logger, err := newLogger(os.Stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		fmt.Fprintf(os.Stderr, "serve: %v\n", err)
		os.Exit(2)
	}
	// SIGINT/SIGTERM drain and stop (a second one stops at once);
	// SIGHUP reloads the certificate, token files and JWT key.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	if err := run(cfg, logger, sigs); err != nil {
		logger.Error("serve stopped", "err", err)
		os.Exit(1)
	}
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
