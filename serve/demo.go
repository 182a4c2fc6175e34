//go:build !js

package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"spiceweb/serve/replay"
)

// demoFS is serve's built-in demo: an Xspice desktop recorded by
// e2e/record_demo_test.go (see demo/README.md), replayed when serve runs
// without -target.
//
//go:embed demo
var demoFS embed.FS

// What the demo tells the page: the guest's name, shown as the title,
// and a notice above the screen.
const (
	demoName   = "spiceweb demo: a recorded desktop"
	demoNotice = "This is a recorded Xspice desktop, replayed by serve: the keyboard and mouse reach nothing. " +
		"Run serve with -target HOST:PORT to reach a real SPICE server."
)

// maxReplayMessage bounds a websocket message from a client of a replay.
// The page sends input and acknowledgements in batches of a few hundred
// bytes; the replay reads and drops them.
const maxReplayMessage = 1 << 20

// loadRecording loads the recording in dir, or the built-in demo when dir
// is "".
func loadRecording(dir string) (*replay.Recording, string, error) {
	if dir == "" {
		sub, err := fs.Sub(demoFS, "demo")
		if err != nil {
			return nil, "", err
		}
		rec, err := replay.Load(sub, replay.Options{Name: demoName, Notice: demoNotice})
		return rec, "the built-in demo", err
	}
	rec, err := replay.Load(os.DirFS(dir), replay.Options{
		Name:   "a recording",
		Notice: "This is a recorded SPICE session, replayed by serve: the keyboard and mouse reach nothing.",
	})
	return rec, "the recording in " + dir, err
}

// replayer answers every websocket with its own replay of a recorded
// session (package replay), where the proxy would connect to a server.
type replayer struct {
	rec     *replay.Recording
	origins originPolicy
	log     *log.Logger
	seq     atomic.Uint64

	quit     context.Context // canceled by Shutdown
	stopQuit context.CancelFunc
	mu       sync.Mutex // guards closing and wg.Add against Shutdown's Wait
	closing  bool
	wg       sync.WaitGroup
}

func newReplayer(rec *replay.Recording, origins originPolicy, logger *log.Logger) *replayer {
	r := &replayer{rec: rec, origins: origins, log: logger}
	r.quit, r.stopQuit = context.WithCancel(context.Background())
	return r
}

// Shutdown ends every replay and waits for them, or for ctx.
func (r *replayer) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closing = true
	r.mu.Unlock()
	r.stopQuit()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("replay: connections still open: %w", ctx.Err())
	}
}

func (r *replayer) enter() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.wg.Add(1)
	return true
}

// ServeHTTP accepts a websocket as the proxy does (same origin and
// subprotocol rules) and plays the recording on it.
func (r *replayer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !r.enter() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	defer r.wg.Done()
	if err := r.origins.check(req); err != nil {
		r.log.Printf("refused %s %q: %v", req.RemoteAddr, req.URL.Path, err)
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	proto, err := pickSubprotocol(req.Header)
	if err != nil {
		r.log.Printf("refused %s %q: %v", req.RemoteAddr, req.URL.Path, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	opts := &websocket.AcceptOptions{InsecureSkipVerify: true} // origin checked above
	if proto != "" {
		opts.Subprotocols = []string{proto}
	}
	ws, err := websocket.Accept(w, req, opts)
	if err != nil {
		r.log.Printf("refused %s %q: %v", req.RemoteAddr, req.URL.Path, err)
		return
	}
	ws.SetReadLimit(maxReplayMessage)
	id, start := r.seq.Add(1), time.Now()
	r.log.Printf("conn %d open %s %q: replay", id, req.RemoteAddr, req.URL.Path)
	ctx, cancel := context.WithCancel(r.quit)
	defer cancel()
	err = r.rec.Serve(ctx, websocket.NetConn(ctx, ws, websocket.MessageBinary))
	why := "client closed"
	switch {
	case r.quit.Err() != nil:
		why = "server shutting down"
	case errors.Is(err, replay.ErrNotRecorded), errors.Is(err, replay.ErrBadConnectionID):
		why = "refused: " + err.Error()
	case err != nil:
		why = err.Error()
	}
	r.log.Printf("conn %d closed %s: %s, %s", id, req.RemoteAddr, time.Since(start).Round(time.Millisecond), why)
}
