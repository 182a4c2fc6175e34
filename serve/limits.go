//go:build !js

package main

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"spiceweb/serve/internal/allow"
)

// rateLimiter allows each client address n new websockets per minute: a
// token bucket per address, holding at most n and refilled at n per
// minute, so a burst of n (a page opening its channels, a reload) passes
// and a flood does not. IPv6 clients are counted per /64, what one
// client usually has.
type rateLimiter struct {
	perMinute float64
	mu        sync.Mutex
	buckets   map[netip.Addr]*bucket
	lastSweep time.Time
	now       func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory; past it, buckets that have
// refilled (idle clients) are dropped, and if that is not enough, the
// oldest half.
const maxBuckets = 100000

func newRateLimiter(perMinute int) *rateLimiter {
	if perMinute <= 0 {
		return nil
	}
	return &rateLimiter{perMinute: float64(perMinute), buckets: map[netip.Addr]*bucket{}, now: time.Now}
}

// allow takes a token for addr; false when it has none.
func (l *rateLimiter) allow(addr netip.Addr) bool {
	if l == nil {
		return true
	}
	key := clientKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) >= maxBuckets || now.Sub(l.lastSweep) > time.Minute {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.perMinute, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.perMinute, b.tokens+now.Sub(b.at).Minutes()*l.perMinute)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *rateLimiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Minutes()*l.perMinute >= l.perMinute {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < maxBuckets {
		return
	}
	cut := now.Add(-time.Minute)
	for k, b := range l.buckets {
		if b.at.Before(cut) || len(l.buckets) > maxBuckets/2 {
			delete(l.buckets, k)
		}
	}
}

func clientKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// clientAddr is the address a request comes from: its peer, or, when the
// peer is a trusted proxy, the last address in X-Forwarded-For that is not
// itself a trusted proxy (the one the first trusted proxy saw).
func clientAddr(r *http.Request, trusted *allow.List) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := peer.Addr().Unmap()
	if trusted == nil || !trusted.Allows(netip.AddrPortFrom(addr, 1)) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	var all []string
	for _, h := range hops {
		for s := range strings.SplitSeq(h, ",") {
			all = append(all, strings.TrimSpace(s))
		}
	}
	for i := len(all) - 1; i >= 0; i-- {
		a, ok := parseHop(all[i])
		if !ok {
			return addr // a malformed hop: trust nothing beyond it
		}
		addr = a.Unmap()
		if !trusted.Allows(netip.AddrPortFrom(addr, 1)) {
			return addr
		}
	}
	return addr
}

// parseHop reads an X-Forwarded-For entry: an address, or one with a
// port as some proxies write it.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// parseAllow parses networks for -trusted-proxies (and tests).
func parseAllow(specs []string) (*allow.List, error) { return allow.Parse(specs) }
