//go:build !js

package main

import (
	"spiceweb/serve/internal/metrics"
)

// Refusal and close reasons: metric label values and log words.
const (
	refusedDraining     = "draining"
	refusedMaxConns     = "max_connections"
	refusedRateLimited  = "rate_limited"
	refusedOrigin       = "origin"
	refusedSubprotocol  = "subprotocol"
	refusedNoToken      = "no_token"
	refusedUnreachable  = "target_unreachable"
	refusedBadHandshake = "bad_handshake"

	closedClient      = "client_closed"
	closedTarget      = "target_closed"
	closedIdle        = "idle_timeout"
	closedSessionTime = "session_time_limit"
	closedTooBig      = "message_too_big"
	closedText        = "text_message"
	closedPing        = "ping_timeout"
	closedShutdown    = "shutdown"
	closedError       = "error"
)

// observer holds the proxy's metrics.
type observer struct {
	reg        *metrics.Registry
	open       *metrics.Gauge
	sessions   *metrics.Counter
	bytes      *metrics.CounterVec
	up, down   interface{ Add(uint64) uint64 }
	refusals   *metrics.CounterVec
	closes     *metrics.CounterVec
	handshake  *metrics.Histogram
	duration   *metrics.Histogram
	reloads    *metrics.CounterVec
	tokensSeen *metrics.Gauge
}

func newObserver() *observer {
	r := &metrics.Registry{}
	o := &observer{reg: r}
	o.open = r.NewGauge("spiceweb_proxy_sessions_open", "Websockets being proxied now.")
	o.sessions = r.NewCounter("spiceweb_proxy_sessions_total", "Websockets proxied (connected to their SPICE server).")
	o.bytes = r.NewCounterVec("spiceweb_proxy_bytes_total", "Bytes relayed, by direction: up (browser to SPICE server) or down.", "direction", "up", "down")
	o.up, o.down = o.bytes.With("up"), o.bytes.With("down")
	o.refusals = r.NewCounterVec("spiceweb_proxy_refusals_total", "Websockets refused, by reason.", "reason",
		refusedDraining, refusedMaxConns, refusedRateLimited, refusedOrigin, refusedSubprotocol, refusedNoToken,
		"unknown_token", "malformed_token", "bad_signature", "bad_algorithm", "expired_token", "token_not_yet_valid",
		"bad_claims", "no_key", "target_not_allowed", "target_unresolvable", refusedUnreachable)
	o.closes = r.NewCounterVec("spiceweb_proxy_closes_total", "Proxied websockets ended, by reason.", "reason",
		closedClient, closedTarget, closedIdle, closedSessionTime, closedTooBig, closedText, closedPing, closedShutdown, closedError)
	o.handshake = r.NewHistogram("spiceweb_proxy_handshake_seconds",
		"Time from the websocket request to the SPICE server connected: checks, token, name lookup, upgrade and dial.",
		[]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10})
	o.duration = r.NewHistogram("spiceweb_proxy_session_seconds", "How long proxied websockets lasted.",
		[]float64{1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600})
	o.reloads = r.NewCounterVec("spiceweb_reloads_total", "SIGHUP reloads, by result.", "result", "ok", "error")
	metrics.RegisterProcess(r)
	return o
}
