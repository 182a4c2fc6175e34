//go:build !js

package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// isWebsocket reports whether r asks for a websocket upgrade (RFC 6455
// section 4.2.1: both headers are token lists, case-insensitive).
func isWebsocket(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") &&
		headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// subprotocolBinary is websockify's raw binary mode, the one
// spice-html5 and our page offer. websockify's old "base64" text mode is
// not supported.
const subprotocolBinary = "binary"

// pickSubprotocol chooses the subprotocol to answer with: "binary" if
// the client offered it, "" if it offered none. Anything else (base64
// alone) is refused, as websockify does. websockify also refuses a list
// such as "base64, binary" (it does not trim the spaces); accepting it is
// harmless since binary is what we speak.
func pickSubprotocol(h http.Header) (string, error) {
	var offered []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				offered = append(offered, p)
			}
		}
	}
	if len(offered) == 0 {
		return "", nil
	}
	for _, p := range offered {
		if p == subprotocolBinary {
			return subprotocolBinary, nil
		}
	}
	return "", fmt.Errorf("unsupported websocket subprotocol %q: only binary (or none) is supported", strings.Join(offered, ", "))
}

// originPolicy decides which pages may open a websocket. A browser always
// sends Origin on a websocket handshake; without a check any site the
// user visits could drive the console (cross-site websocket hijacking).
// The page's own host is always allowed, like websockify's and nova's
// check; -allow-origin adds more.
type originPolicy struct {
	any     bool
	origins map[string]bool // "scheme://host[:port]", lower case
	hosts   map[string]bool // host names, any scheme and port
}

func parseOrigins(list []string) (originPolicy, error) {
	p := originPolicy{origins: map[string]bool{}, hosts: map[string]bool{}}
	for _, o := range list {
		switch {
		case o == "*":
			p.any = true
		case strings.Contains(o, "://"):
			u, err := url.Parse(o)
			if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
				return p, fmt.Errorf("-allow-origin %q: want scheme://host[:port], a host name, or *", o)
			}
			p.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
		case strings.ContainsAny(o, "/?#@ "):
			return p, fmt.Errorf("-allow-origin %q: want scheme://host[:port], a host name, or *", o)
		default:
			p.hosts[strings.ToLower(o)] = true
		}
	}
	return p, nil
}

// check returns nil when r's Origin may use the proxy. Requests without
// Origin come from programs, not browser pages, and are allowed.
func (p originPolicy) check(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" || p.any {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return fmt.Errorf("origin %q not allowed", origin)
	}
	// Browsers write Host and Origin alike (default ports omitted), so
	// the page's own origin matches exactly.
	if strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	if p.origins[strings.ToLower(u.Scheme+"://"+u.Host)] || p.hosts[strings.ToLower(u.Hostname())] {
		return nil
	}
	return fmt.Errorf("origin %q not allowed for host %q (see -allow-origin)", origin, r.Host)
}
