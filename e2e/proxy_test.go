//go:build linux

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The page's words for a refused console (session.ErrProxyRefused): the
// same behind nova's proxy and behind serve/.
const proxyRefused = "the console proxy refused the connection"

// StartServeArgs runs serve/ on a free loopback port with the built site
// and exactly the given routing arguments (-target, -tokens, -jwt-key
// and their companions). scheme is "http" or "https".
func StartServeArgs(t testing.TB, scheme string, args ...string) *Serve {
	t.Helper()
	site := Site(t)
	s := &Serve{Port: FreePort(t)}
	s.URL = fmt.Sprintf("%s://127.0.0.1:%d/", scheme, s.Port)
	all := append([]string{"-listen", "127.0.0.1:" + strconv.Itoa(s.Port), "-web", site}, args...)
	p, err := startProc(t, procSpec{name: "serve", path: serveBin, args: all, deathSig: syscall.SIGKILL})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	s.Proc = p
	WaitListen(t, s.Port, p, startTimeout)
	return s
}

// mintHS256 signs claims as websockify's JWTTokenApi expects them.
func mintHS256(secret []byte, claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// expectRefusedPage opens the page and requires the refusal message, and
// that the page stays put instead of retrying.
func expectRefusedPage(t *testing.T, b *Browser, base string, port int, query string) {
	t.Helper()
	openClient(t, b, base, port, query, "disconnected")
	if msg := status(b); !strings.Contains(msg, proxyRefused) {
		t.Fatalf("query %q: the page says %q, want %q", query, msg, proxyRefused)
	}
}

// TestProxyTokenModes: the page through serve/ routing by a websockify
// token file and by JWT, against Xspice: the right token shows the
// desktop pixel for pixel; a bad, expired or wrong-target token, a target
// outside -allow-targets and a foreign Origin each end with the message
// the page gives behind nova's proxy.
func TestProxyTokenModes(t *testing.T) {
	Require(t, clientTools...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	desktop(t, x)
	dir := t.TempDir()
	target := "127.0.0.1:" + strconv.Itoa(x.Port)
	allowed := "127.0.0.1/32:" + strconv.Itoa(x.Port)
	b := StartBrowser(t, BrowserOptions{})

	t.Run("token file", func(t *testing.T) {
		tokens := filepath.Join(dir, "tokens")
		os.WriteFile(tokens, []byte("# as nova or a script writes them\nvm-1: "+target+"\nvm-far: 192.0.2.1:5900\n"), 0o600)
		s := StartServeArgs(t, "http", "-tokens", tokens, "-allow-targets", allowed)
		openClient(t, b, s.URL, s.Port, "&token=vm-1", "connected")
		WaitImagesMatch(t, "xspice-tokens", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
		expectRefusedPage(t, b, s.URL, s.Port, "&token=vm-2")
		expectRefusedPage(t, b, s.URL, s.Port, "&token=vm-far") // outside -allow-targets

		// A token added to the file works at once.
		os.WriteFile(tokens, []byte("vm-1: "+target+"\nvm-3: "+target+"\n"), 0o600)
		openClient(t, b, s.URL, s.Port, "&token=vm-3", "connected")
		// The whole session, not only its main channel: Xspice answers
		// the next client's link many seconds late when one leaves with
		// channels half linked.
		WaitImagesMatch(t, "xspice-tokens-added", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))

		// The token cookie alone, when the URL has none (nova's order).
		b.Navigate(s.URL + "wasm_exec.js")
		Eval[bool](b, `(document.cookie = "token=vm-1; path=/", true)`)
		openClient(t, b, s.URL, s.Port, "", "connected")
		WaitImagesMatch(t, "xspice-tokens-cookie", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
		Eval[bool](b, `(document.cookie = "token=; path=/; max-age=0", true)`)

		// A page from another origin (another serve on another port)
		// aimed at this proxy: the Origin check refuses it.
		other := StartServeArgs(t, "http", "-target", target)
		expectRefusedPage(t, b, other.URL, s.Port, "&token=vm-1")
	})

	t.Run("JWT", func(t *testing.T) {
		secret := make([]byte, 32)
		rand.Read(secret)
		key := filepath.Join(dir, "jwt.key")
		os.WriteFile(key, []byte(base64.RawURLEncoding.EncodeToString(secret)), 0o600)
		s := StartServeArgs(t, "http", "-jwt-key", key, "-allow-targets", allowed)
		now := time.Now().Unix()
		claims := func(port int, exp int64) map[string]any {
			return map[string]any{"host": "127.0.0.1", "port": port, "exp": exp}
		}
		good := mintHS256(secret, claims(x.Port, now+300))
		openClient(t, b, s.URL, s.Port, "&token="+good, "connected")
		WaitImagesMatch(t, "xspice-jwt", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
		other := make([]byte, 32)
		rand.Read(other)
		for name, tok := range map[string]string{
			"expired":       mintHS256(secret, claims(x.Port, now-10)),
			"wrong target":  mintHS256(secret, claims(x.Port+1, now+300)),
			"bad signature": mintHS256(other, claims(x.Port, now+300)),
			"alg none":      base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(good, ".")[1] + ".",
		} {
			t.Logf("%s", name)
			expectRefusedPage(t, b, s.URL, s.Port, "&token="+tok)
		}

		// The same token and key file through Debian's websockify with
		// its JWT plugin: minted once, good for both.
		if exec.Command("/usr/bin/python3", "-c", "import jwcrypto").Run() != nil {
			t.Log("python3-jwcrypto missing: websockify's JWT plugin not compared")
			return
		}
		ws := startWebsockifyTokens(t, "JWTTokenApi", key)
		openClient(t, b, ws.URL, ws.Port, "&token="+good, "connected")
		WaitImagesMatch(t, "xspice-jwt-websockify", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
	})
}

// TestProxyTLS: https and wss with a certificate made here, which the
// browser is told to trust by its key's hash.
func TestProxyTLS(t *testing.T) {
	Require(t, clientTools...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	desktop(t, x)
	certFile, keyFile, spki := makeTestCert(t)
	s := StartServeArgs(t, "https", "-target", "127.0.0.1:"+strconv.Itoa(x.Port), "-cert", certFile, "-key", keyFile)
	b := StartBrowser(t, BrowserOptions{Flags: []string{"ignore-certificate-errors-spki-list=" + spki}})
	openClient(t, b, s.URL, s.Port, "", "connected")
	if u := Eval[string](b, `location.protocol`); u != "https:" {
		t.Fatalf("page on %s", u)
	}
	WaitImagesMatch(t, "xspice-tls", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
	// SIGHUP reloads the certificate; the session goes on.
	if err := s.Proc.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	x.SetRootColor("#884422")
	WaitImagesMatch(t, "xspice-tls-after-hup", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
	if st := Eval[string](b, `document.body.dataset.state`); st != "connected" {
		t.Fatalf("state %q after SIGHUP", st)
	}
}

// makeTestCert writes a self-signed certificate for 127.0.0.1 and returns
// its files and the base64 SHA-256 of its public key, Chromium's
// ignore-certificate-errors-spki-list form.
func makeTestCert(t *testing.T) (certFile, keyFile, spki string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "spiceweb e2e"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	sum := sha256.Sum256(pub)
	kder, _ := x509.MarshalPKCS8PrivateKey(k)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile, base64.StdEncoding.EncodeToString(sum[:])
}

// startWebsockifyTokens runs Debian's websockify with a token plugin
// (no fixed target) on a free port, serving the built site.
func startWebsockifyTokens(t testing.TB, plugin, source string) *Websockify {
	t.Helper()
	Require(t, wsTools...)
	w := &Websockify{Port: FreePort(t)}
	w.URL = fmt.Sprintf("http://127.0.0.1:%d/", w.Port)
	p, err := startProc(t, procSpec{
		name:     "websockify",
		path:     ToolWebsockify.Path,
		args:     []string{"--web", Site(t), "--token-plugin", plugin, "--token-source", source, "127.0.0.1:" + strconv.Itoa(w.Port)},
		deathSig: syscall.SIGTERM,
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	w.Proc = p
	WaitListen(t, w.Port, p, startTimeout)
	return w
}
