//go:build !js

// Command serve hosts the built client (dist/) and proxies websockets to
// SPICE servers over TCP, as websockify does:
//
//	go run ./serve -target 127.0.0.1:5900
//	go run ./serve -tokens /etc/spiceweb/tokens -cert c.pem -key k.pem
//	go run ./serve -jwt-key jwt.pub -allow-targets 10.0.0.0/8:5900-5999
//
// Plain HTTP requests get static files; a websocket upgrade on any path
// (spice-html5 and our page use /websockify) becomes a raw TCP connection
// to -target, or to where its token leads (websockify's token files and
// JWTs), binary frames only. Limits, timeouts, TLS reloaded on SIGHUP,
// a graceful drain on SIGTERM, structured logs and Prometheus metrics are
// flags (flags.go). -record DIR writes each connection's bytes to DIR as
// .spicecap files (package spicetest).
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
	fs.StringVar(&c.target, "target", "", "SPICE server `host:port` every websocket is proxied to (or -tokens, -jwt-key)")
	fs.StringVar(&c.record, "record", "", "write every proxied connection to `dir` as .spicecap files")
	fs.Var((*listFlag)(&c.origins), "allow-origin",
		"extra allowed websocket `origins`, repeatable or comma-separated: a full origin (https://horizon.example.com), "+
			"a host name (any scheme and port), or * for any; the page's own host is always allowed")
	addProxyFlags(fs, &c.proxyConfig)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: serve (-target host:port | -tokens file | -jwt-key file) [flags]\n\n")
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
