//go:build !js

package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"spiceweb/serve/internal/allow"
	"spiceweb/serve/internal/token"
)

// router decides where a websocket goes: always to -target, or where its
// token leads (-tokens, -jwt-key); either way only to addresses the
// allowlist admits.
type router struct {
	fixed    token.Target                           // -target
	lookup   func(tok string) (token.Target, error) // nil with -target
	allow    *allow.List                            // nil: any unicast address
	resolver allow.Resolver
}

// refusal is a websocket the proxy will not connect. reason is a metric
// label; detail is for the log and never holds a token.
type refusal struct {
	reason string
	detail string
}

func (r *refusal) Error() string { return r.reason + ": " + r.detail }

// route is where a websocket goes.
type route struct {
	target token.Target
	addrs  []netip.AddrPort // allowed, resolved: dial these only
	token  string           // fingerprint, "" in -target mode
}

// requestToken is the console token of a websocket request: ?token= on
// its URL first, then the token cookie (nova's order; websockify 0.10
// reads only the query). A trailing newline is dropped, as websockify
// does.
func requestToken(r *http.Request) string {
	for _, v := range r.URL.Query()["token"] {
		if v = strings.TrimRight(v, "\n"); v != "" {
			return v
		}
	}
	if c, err := r.Cookie("token"); err == nil && c.Value != "" {
		return c.Value
	}
	return ""
}

func (rt *router) route(ctx context.Context, r *http.Request) (route, *refusal) {
	var rr route
	if rt.lookup == nil {
		rr.target = rt.fixed
	} else {
		tok := requestToken(r)
		if tok == "" {
			return rr, &refusal{refusedNoToken, "no token in the URL or the token cookie"}
		}
		rr.token = token.Fingerprint(tok)
		t, err := rt.lookup(tok)
		if err != nil {
			var te *token.Error
			if errors.As(err, &te) {
				return rr, &refusal{string(te.Reason), te.Detail}
			}
			return rr, &refusal{"malformed_token", err.Error()}
		}
		rr.target = t
	}
	addrs, err := rt.allow.Resolve(ctx, rt.resolver, rr.target.Host, rr.target.Port)
	if err != nil {
		var ae *allow.Error
		if errors.As(err, &ae) {
			return rr, &refusal{string(ae.Reason), ae.Detail}
		}
		return rr, &refusal{string(allow.ReasonUnresolvable), err.Error()}
	}
	rr.addrs = addrs
	return rr, nil
}

// parseFixedTarget reads -target host:port.
func parseFixedTarget(s string) (token.Target, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return token.Target{}, err
	}
	if _, err := strconv.Atoi(port); err != nil {
		// A service name: let the resolver's port table answer.
		p, err := net.LookupPort("tcp", port)
		if err != nil {
			return token.Target{}, err
		}
		port = strconv.Itoa(p)
	}
	return token.ParseTarget(host, port)
}
