//go:build linux

package e2e

import (
	"fmt"
	"strconv"
	"syscall"
	"testing"
)

// Websockify is a running websockify: it serves a static site over HTTP
// and proxies every websocket on the same port to one SPICE TCP port, as
// nova's console proxy (built on it) does.
type Websockify struct {
	Port int    // HTTP and websocket port on 127.0.0.1
	URL  string // "http://127.0.0.1:Port/", the site root
	Proc *Proc
}

// StartWebsockify serves siteDir on a free loopback port and proxies
// websockets to 127.0.0.1:target. It returns once the port listens and is
// stopped when the test ends. Extra arguments (for example --verbose, or a
// --token-plugin setup) go before the addresses.
func StartWebsockify(t testing.TB, siteDir string, target int, extraArgs ...string) *Websockify {
	t.Helper()
	Require(t, wsTools...)
	w := &Websockify{Port: FreePort(t)}
	w.URL = fmt.Sprintf("http://127.0.0.1:%d/", w.Port)
	args := append([]string{"--web", siteDir}, extraArgs...)
	args = append(args, "127.0.0.1:"+strconv.Itoa(w.Port), "127.0.0.1:"+strconv.Itoa(target))
	p, err := startProc(t, procSpec{
		name: "websockify",
		path: ToolWebsockify.Path,
		args: args,
		// websockify stops its per-connection children on SIGTERM.
		deathSig: syscall.SIGTERM,
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	w.Proc = p
	WaitListen(t, w.Port, p, startTimeout)
	return w
}
