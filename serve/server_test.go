//go:build !js

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDrain: SIGTERM stops new websockets, lets open sessions run until
// -drain-timeout, /healthz says draining, and the rest get 1001.
func TestDrain(t *testing.T) {
	cfg := testConfig(t, startTarget(t, echo))
	cfg.web = webDir(t)
	cfg.metricsListen = "x"
	cfg.limits.drainTimeout = 1500 * time.Millisecond
	r := startRun(t, cfg)
	if code, body := get(t, nil, strings.TrimSuffix(r.metrics, "metrics")+"healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	ctx := testCtx(t)
	ws := dial(t, ctx, r.wsURL(), "binary")
	ws.Write(ctx, websocket.MessageBinary, []byte("a"))
	readN(t, ctx, ws, 1)

	start := time.Now()
	r.sigs <- syscall.SIGTERM
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(r.logs.String(), "draining"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no drain")
		}
	}
	time.Sleep(100 * time.Millisecond)
	if code, body := get(t, nil, strings.TrimSuffix(r.metrics, "metrics")+"healthz"); code != http.StatusServiceUnavailable || body != "draining\n" {
		t.Fatalf("healthz while draining: %d %q", code, body)
	}
	if _, _, err := websocket.Dial(ctx, r.wsURL(), nil); err == nil {
		t.Fatal("a new websocket was accepted while draining")
	}
	// The open session still works.
	ws.Write(ctx, websocket.MessageBinary, []byte("b"))
	if got := readN(t, ctx, ws, 1); string(got) != "b" {
		t.Fatalf("echo while draining: %q", got)
	}
	expectClose(t, ctx, ws, websocket.StatusGoingAway)
	if d := time.Since(start); d < cfg.limits.drainTimeout {
		t.Fatalf("closed after %v, before the drain timeout", d)
	}
	r.wait(t, 20*time.Second)
}

// TestMetricsEndpoint scrapes /metrics after some traffic and refusals.
func TestMetricsEndpoint(t *testing.T) {
	cfg := testConfig(t, startTarget(t, echo))
	cfg.web = webDir(t)
	cfg.metricsListen = "x"
	r := startRun(t, cfg)
	ctx := testCtx(t)
	ws := dial(t, ctx, r.wsURL(), "binary")
	ws.Write(ctx, websocket.MessageBinary, []byte("12345"))
	readN(t, ctx, ws, 5)
	ws.Close(websocket.StatusNormalClosure, "")
	h := http.Header{"Origin": {"http://evil.example"}}
	if bad, _, err := websocket.Dial(ctx, r.wsURL(), &websocket.DialOptions{HTTPHeader: h}); err == nil {
		expectRefused(t, ctx, bad)
	}
	var text string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, text = get(t, nil, r.metrics)
		if strings.Contains(text, `spiceweb_proxy_closes_total{reason="client_closed"} 1`) {
			break
		}
	}
	for _, want := range []string{
		"# TYPE spiceweb_proxy_sessions_open gauge\nspiceweb_proxy_sessions_open 0\n",
		"spiceweb_proxy_sessions_total 1\n",
		`spiceweb_proxy_bytes_total{direction="up"} 5` + "\n",
		`spiceweb_proxy_bytes_total{direction="down"} 5` + "\n",
		`spiceweb_proxy_refusals_total{reason="origin"} 1` + "\n",
		`spiceweb_proxy_refusals_total{reason="expired_token"} 0` + "\n",
		`spiceweb_proxy_closes_total{reason="client_closed"} 1` + "\n",
		`spiceweb_proxy_handshake_seconds_count 1` + "\n",
		"# TYPE process_cpu_seconds_total counter\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
	// The metrics are not on the public address.
	if code, _ := get(t, nil, strings.TrimSuffix(r.page, "spice_auto.html")+"metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the public address: %d", code)
	}
}

// testCert writes a self-signed certificate for 127.0.0.1 and its key.
func testCert(t *testing.T, dir, name string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile, cert
}

// TestTLSReload: https and wss with a certificate made here; SIGHUP
// swaps in a new one for new connections while an open session goes on.
func TestTLSReload(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, cert1 := testCert(t, dir, "first")
	cfg := testConfig(t, startTarget(t, echo))
	cfg.web = webDir(t)
	cfg.cert, cfg.key = certFile, keyFile
	r := startRun(t, cfg)
	if !strings.HasPrefix(r.page, "https://") {
		t.Fatalf("page %s", r.page)
	}
	// seen reports the certificate a new connection is given.
	seen := func() string {
		c, err := tls.Dial("tcp", strings.TrimPrefix(strings.Split(r.page, "/spice")[0], "https://"), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert1)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code, _ := get(t, client, r.page); code != 200 {
		t.Fatalf("GET %s: %d", r.page, code)
	}
	ctx := testCtx(t)
	ws, _, err := websocket.Dial(ctx, r.wsURL(), &websocket.DialOptions{HTTPClient: client, Subprotocols: []string{"binary"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageBinary, []byte("one"))
	readN(t, ctx, ws, 3)

	// A broken file on SIGHUP keeps the certificate in use.
	os.WriteFile(certFile, []byte("garbage"), 0o600)
	r.sigs <- syscall.SIGHUP
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(r.logs.String(), "TLS reload failed"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no reload error logged")
		}
	}
	if cn := seen(); cn != "first" {
		t.Fatalf("after a failed reload: certificate %q", cn)
	}
	testCert(t, dir, "second")
	r.sigs <- syscall.SIGHUP
	var cn string
	for deadline := time.Now().Add(5 * time.Second); cn != "second" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		cn = seen()
	}
	if cn != "second" {
		t.Fatalf("after SIGHUP: certificate %q, want second", cn)
	}
	// The session opened with the first certificate goes on.
	ws.Write(ctx, websocket.MessageBinary, []byte("two"))
	if got := readN(t, ctx, ws, 3); string(got) != "two" {
		t.Fatalf("echo after reload: %q", got)
	}
}

func TestNewLoggerRedacts(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var sb strings.Builder
		l, err := newLogger(&sb, format, "debug")
		if err != nil {
			t.Fatal(err)
		}
		l.Info("x", "token", "s3cr3t-token", "password", "hunter2", "path", "/websockify")
		out := sb.String()
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "hunter2") || !strings.Contains(out, "redacted:sha256:") || !strings.Contains(out, "/websockify") {
			t.Errorf("%s: %s", format, out)
		}
	}
	if _, err := newLogger(io.Discard, "text", "loud"); err == nil {
		t.Error("bad level accepted")
	}
}
