//go:build !js

package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// countingTarget is an echo server that counts its connections and
// greets each with its name, so a test sees which target it reached.
func countingTarget(t *testing.T, name string) (addr string, conns *atomic.Int32) {
	conns = new(atomic.Int32)
	addr = startTarget(t, func(c net.Conn) {
		conns.Add(1)
		c.Write([]byte(name))
		echo(c)
	})
	return addr, conns
}

// hs256 mints a token as websockify's JWTTokenApi reads it.
func hs256(secret []byte, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// algNone turns a token into an unsigned one with the same claims.
func algNone(tok string) string {
	claims := strings.Split(tok, ".")[1]
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + claims + "."
}

func splitHostPort(t *testing.T, addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var p int
	fmt.Sscan(port, &p)
	return host, p
}

// reach dials with the given query and cookie and returns the greeting
// of the target reached, or "refused" (closed with 1008 before any
// byte).
func (tp *testProxy) reach(t *testing.T, query, cookie string) string {
	t.Helper()
	ctx := testCtx(t)
	h := http.Header{}
	if cookie != "" {
		h.Set("Cookie", "token="+cookie)
	}
	ws, _, err := websocket.Dial(ctx, tp.wsURL(query), &websocket.DialOptions{HTTPHeader: h, Subprotocols: []string{"binary"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.CloseNow()
	typ, b, err := ws.Read(ctx)
	if err != nil {
		if websocket.CloseStatus(err) == websocket.StatusPolicyViolation {
			return "refused"
		}
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageBinary {
		t.Fatalf("%v message", typ)
	}
	ws.Close(websocket.StatusNormalClosure, "")
	return string(b)
}

func TestTokenFileRouting(t *testing.T) {
	a, _ := countingTarget(t, "vm-a")
	b, _ := countingTarget(t, "vm-b")
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("# nova-style\ntok-a: "+a+"\ntok-b: "+b+"\nbad line\nfar: 192.0.2.1:5900\n"), 0o600)
	tp := startProxy(t, "", func(c *config) {
		c.target, c.tokens = "", tokens
		c.allowTargets = []string{"127.0.0.1/32"}
	})
	tests := []struct{ query, cookie, want string }{
		{"?token=tok-a", "", "vm-a"},
		{"?token=tok-b", "", "vm-b"},
		{"?token=tok-a%0A", "", "vm-a"},          // websockify drops a trailing newline
		{"?token=tok-a&token=tok-b", "", "vm-a"}, // the first
		{"?token=&token=tok-b", "", "vm-b"},      // an empty one does not count
		{"", "tok-b", "vm-b"},                    // the cookie when the URL has none
		{"?token=tok-a", "tok-b", "vm-a"},        // the URL first (nova's order)
		{"?token=nope", "tok-a", "refused"},      // a bad URL token is not rescued by the cookie
		{"", "", "refused"},                      // none at all
		{"?token=far", "", "refused"},            // outside -allow-targets
		{"?token=" + strings.Repeat("x", 9000), "", "refused"},
	}
	for _, tt := range tests {
		if got := tp.reach(t, tt.query, tt.cookie); got != tt.want {
			t.Errorf("query %.40q cookie %q: reached %q, want %q", tt.query, tt.cookie, got, tt.want)
		}
	}

	// The file changes: a new token works at once, a removed one stops.
	os.WriteFile(tokens, []byte("tok-c: "+b+"\n"), 0o600)
	os.Chtimes(tokens, time.Now().Add(time.Minute), time.Now().Add(time.Minute))
	if got := tp.reach(t, "?token=tok-c", ""); got != "vm-b" {
		t.Errorf("new token: reached %q", got)
	}
	if got := tp.reach(t, "?token=tok-a", ""); got != "refused" {
		t.Errorf("removed token: reached %q", got)
	}
	tp.shutdown(t)
	logs := tp.logs.String()
	for _, want := range []string{"reason=unknown_token", "reason=no_token", "reason=target_not_allowed", "token file syntax error", "line=4"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	for _, secret := range []string{"tok-a", "tok-b", "tok-c", "nope"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log shows the token %q:\n%s", secret, logs)
		}
	}
	o := tp.p.obs
	if n := o.refusals.Value("unknown_token"); n != 2 {
		t.Errorf("unknown_token refusals %d, want 2", n)
	}
	if n := o.refusals.Value("target_not_allowed"); n != 1 {
		t.Errorf("target_not_allowed refusals %d, want 1", n)
	}
}

func TestJWTRouting(t *testing.T) {
	a, conns := countingTarget(t, "vm-a")
	host, port := splitHostPort(t, a)
	secret := []byte("0123456789abcdef0123456789abcdef")
	key := filepath.Join(t.TempDir(), "jwt.key")
	os.WriteFile(key, []byte(base64.RawURLEncoding.EncodeToString(secret)), 0o600)
	tp := startProxy(t, "", func(c *config) {
		c.target, c.jwtKey = "", key
		c.allowTargets = []string{"127.0.0.1/32:" + fmt.Sprint(port)}
	})
	now := time.Now().Unix()
	ok := hs256(secret, map[string]any{"host": host, "port": port, "exp": now + 60})
	tests := []struct {
		name, token, want, reason string
	}{
		{"valid", ok, "vm-a", ""},
		{"port as a string", hs256(secret, map[string]any{"host": host, "port": fmt.Sprint(port)}), "vm-a", ""},
		{"expired", hs256(secret, map[string]any{"host": host, "port": port, "exp": now - 1}), "refused", "expired_token"},
		{"not yet valid", hs256(secret, map[string]any{"host": host, "port": port, "nbf": now + 60}), "refused", "token_not_yet_valid"},
		{"wrong key", hs256([]byte("another secret of the same size.."), map[string]any{"host": host, "port": port}), "refused", "bad_signature"},
		{"alg none", algNone(ok), "refused", "bad_algorithm"},
		{"signature removed", strings.Join(append(strings.Split(ok, ".")[:2], ""), "."), "refused", "bad_signature"},
		{"other port", hs256(secret, map[string]any{"host": host, "port": port + 1}), "refused", "target_not_allowed"},
		{"metadata address", hs256(secret, map[string]any{"host": "169.254.169.254", "port": port}), "refused", "target_not_allowed"},
		{"name that does not resolve", hs256(secret, map[string]any{"host": "nowhere.invalid", "port": port}), "refused", "target_unresolvable"},
		{"garbage", "not-a-jwt", "refused", "malformed_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tp.p.obs.refusals.Value(tt.reason)
			if got := tp.reach(t, "?token="+tt.token, ""); got != tt.want {
				t.Fatalf("reached %q, want %q", got, tt.want)
			}
			if tt.reason != "" && tp.p.obs.refusals.Value(tt.reason) != before+1 {
				t.Fatalf("refusal not counted as %s", tt.reason)
			}
		})
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("the target saw %d connections, want 2 (refused tokens never reach it)", n)
	}
}

func TestAllowTargetsWithFixedTarget(t *testing.T) {
	a, conns := countingTarget(t, "vm-a")
	tp := startProxy(t, a, func(c *config) { c.allowTargets = []string{"10.0.0.0/8"} })
	if got := tp.reach(t, "", ""); got != "refused" {
		t.Fatalf("reached %q, want a refusal: -target is outside -allow-targets", got)
	}
	if conns.Load() != 0 {
		t.Fatal("the target was dialed")
	}
}

func TestCheckProxyFlags(t *testing.T) {
	tests := []struct {
		args []string
		err  string // substring, "" for none
	}{
		{[]string{"-target", "127.0.0.1:5900"}, ""},
		{[]string{"-tokens", "f"}, ""},
		{[]string{"-jwt-key", "k", "-allow-targets", "10.0.0.0/8:5900-5999"}, ""},
		{nil, ""}, // the built-in demo
		{[]string{"-replay", "d"}, ""},
		{[]string{"-target", "h:1", "-tokens", "f"}, "exclude each other"},
		{[]string{"-jwt-key", "k", "-allow-targets", "10.0.0.0/8", "-replay", "d"}, "exclude each other"},
		{[]string{"-record", "d"}, "-record needs -target, -tokens or -jwt-key"},
		{[]string{"-replay", "d", "-record", "e"}, "-record needs"},
		{[]string{"-allow-targets", "10.0.0.0/8"}, "-allow-targets needs"},
		{[]string{"-cert", "c", "-key", "k", "-metrics-listen", "127.0.0.1:9100", "-max-conns", "5"}, ""}, // a demo over TLS, limited
		{[]string{"-jwt-key", "k"}, "-jwt-key needs -allow-targets"},
		{[]string{"-target", "h:1", "-cert", "c"}, "go together"},
		{[]string{"-target", "h:1", "-log-format", "xml"}, "-log-format"},
		{[]string{"-target", "h:1", "-log-level", "loud"}, "-log-level"},
		{[]string{"-target", "h:1", "-max-message", "0"}, "-max-message"},
		{[]string{"-target", "h:1", "-handshake-timeout", "0s"}, "-handshake-timeout"},
		{[]string{"-target", "h:1", "-idle-timeout", "-1s"}, "negative"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args, &strings.Builder{})
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%v: %v", tt.args, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%v: error %v, want one saying %q", tt.args, err, tt.err)
		}
	}
}
