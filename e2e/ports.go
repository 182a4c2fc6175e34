//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// handedOut remembers ports given to tests in this process, so that two
// parallel tests never get the same one between its pick and its bind.
var (
	portsMu   sync.Mutex
	handedOut = map[int]bool{}
)

// FreePort returns a loopback TCP port that nothing listens on now. The
// kernel picks it (bind to port 0), so it is also unlikely to be picked by
// another process before the caller binds it.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("e2e: free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !handedOut[port] {
			handedOut[port] = true
			return port
		}
	}
	t.Fatal("e2e: free port: the kernel kept returning ports already handed out")
	return 0
}

// displayBase is the first X display number tried; low numbers belong to
// real sessions and Xvfb conventions.
const displayBase = 40

// FreeDisplay returns an X display number that no X server uses and holds a
// lock on it until the test ends. The lock (flock on a file in /tmp) keeps
// concurrent test binaries, which go test runs per package in parallel, off
// the same number.
func FreeDisplay(t testing.TB) int {
	t.Helper()
	// Start at a pid-dependent offset so parallel processes rarely contend.
	start := os.Getpid() % 100
	for i := range 200 {
		n := displayBase + (start+i)%200
		if displayInUse(n) {
			continue
		}
		f, err := os.OpenFile(fmt.Sprintf("/tmp/.spiceweb-e2e-display-%d.lock", n), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			t.Fatalf("e2e: display lock: %v", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		if displayInUse(n) { // an X server may have started between the checks
			f.Close()
			continue
		}
		t.Cleanup(func() { f.Close() }) // closing releases the flock
		return n
	}
	t.Fatal("e2e: no free X display number")
	return 0
}

// displayInUse reports whether an X server holds display n. A lock file
// whose process is gone is stale (an X server that was killed) and does
// not count: the next X server replaces it and the socket.
func displayInUse(n int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/tmp/.X%d-lock", n))
	switch {
	case err == nil:
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 {
			return true
		}
		return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	case !errors.Is(err, os.ErrNotExist):
		return true
	}
	// A socket without a lock: be conservative.
	_, err = os.Lstat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
	return !errors.Is(err, os.ErrNotExist)
}

// listening reports whether something listens on loopback TCP port. It asks
// the kernel through ss instead of connecting: a probe connection to a
// SPICE server counts as a failed link and has made the next real link fail.
func listening(ctx context.Context, port int) error {
	out, err := runCmd(ctx, nil, ToolSS.Path, "-Hltn", "sport = :"+strconv.Itoa(port))
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(out)) == "" {
		return fmt.Errorf("nothing listens on port %d", port)
	}
	return nil
}

// WaitListen waits until TCP port listens, without connecting to it. If p
// is not nil, it fails early when p exits.
func WaitListen(t testing.TB, port int, p *Proc, timeout time.Duration) {
	t.Helper()
	what := fmt.Sprintf("port %d to listen", port)
	if err := waitUntil(t.Context(), timeout, what, p, func(ctx context.Context) error { return listening(ctx, port) }); err != nil {
		t.Fatalf("e2e: %v", err)
	}
}
