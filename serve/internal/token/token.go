// Package token resolves console tokens to SPICE servers the way
// websockify's token plugins do (websockify/token_plugins.py, as shipped
// in Debian 12's websockify 0.10): TokenFile reads "token: host:port"
// lines from a file or a directory of files, JWTTokenApi verifies a signed
// token whose claims carry the host and port. Tokens written for
// websockify work here unchanged.
//
// Nothing here dials or resolves names: a Target is only what the token
// says. Where a target may lead is decided by the caller (serve's
// -allow-targets).
package token

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
)

// MaxTokenLen bounds the tokens Lookup accepts. Browsers cap URLs and
// cookies well above this, but no token written for websockify comes
// near it (a JWT with an RSA-4096 signature is under 1 KB).
const MaxTokenLen = 8 << 10

// Target is where a token leads: a host name or IP literal (without
// brackets) and a TCP port.
type Target struct {
	Host string
	Port uint16
}

// String is host:port, with brackets around an IPv6 literal.
func (t Target) String() string {
	return net.JoinHostPort(t.Host, strconv.Itoa(int(t.Port)))
}

// Reason says why a token was refused, in a few words fit for a metric
// label.
type Reason string

const (
	ReasonUnknown     Reason = "unknown_token"   // not in the token files
	ReasonMalformed   Reason = "malformed_token" // not a token this resolver can read
	ReasonSignature   Reason = "bad_signature"   // signature does not verify
	ReasonAlgorithm   Reason = "bad_algorithm"   // alg none, unknown, or not the key's
	ReasonExpired     Reason = "expired_token"   // exp in the past
	ReasonNotYetValid Reason = "token_not_yet_valid"
	ReasonClaims      Reason = "bad_claims" // host/port missing or invalid, or a standard claim of the wrong type
	ReasonNoKey       Reason = "no_key"     // the key file cannot be read or parsed
)

// Error is a refused token. Reason is for metrics and the client-facing
// decision; Detail is for the operator's log and never holds the token.
type Error struct {
	Reason Reason
	Detail string
}

func (e *Error) Error() string { return "token: " + string(e.Reason) + ": " + e.Detail }

func refuse(r Reason, detail string) error { return &Error{Reason: r, Detail: detail} }

// Fingerprint is how a token appears in logs: enough to tell tokens apart
// and to match a log line with a token the operator holds, never enough to
// use it. It is the first 12 hex digits of the token's SHA-256.
func Fingerprint(tok string) string {
	if tok == "" {
		return "none"
	}
	sum := sha256.Sum256([]byte(tok))
	return "sha256:" + hex.EncodeToString(sum[:6])
}

// ParseTarget checks a host and a decimal port, as a token file line
// (split at its last colon) or a JWT's claims give them. Brackets around
// an IPv6 literal are removed.
func ParseTarget(host, port string) (Target, error) {
	host = strings.TrimSpace(host)
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if err := checkHost(host); err != nil {
		return Target{}, err
	}
	p, err := parsePort(strings.TrimSpace(port))
	if err != nil {
		return Target{}, err
	}
	return Target{Host: host, Port: p}, nil
}

func parsePort(s string) (uint16, error) {
	if s == "" || len(s) > 5 {
		return 0, errBadPort(s)
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errBadPort(s)
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 65535 {
		return 0, errBadPort(s)
	}
	return uint16(n), nil
}

type errBadPort string

func (e errBadPort) Error() string { return "invalid port " + strconv.Quote(string(e)) }

// checkHost accepts an IP literal or a DNS name: letters, digits, '-',
// '_' and dots, at most 253 bytes. Anything else (spaces, '/', '@', '%'
// zones, URL syntax) is refused before it reaches a resolver.
func checkHost(h string) error {
	if h == "" {
		return hostError("empty host")
	}
	if strings.Contains(h, ":") { // only IPv6 literals have colons
		if ip := net.ParseIP(h); ip == nil || strings.Contains(h, "%") {
			return hostError("invalid IPv6 address " + strconv.Quote(h))
		}
		return nil
	}
	if len(h) > 253 {
		return hostError("host name longer than 253 bytes")
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return hostError("invalid host name " + strconv.Quote(h))
		}
	}
	return nil
}

type hostError string

func (e hostError) Error() string { return string(e) }
