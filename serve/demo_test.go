//go:build !js

package main

import (
	"context"
	"hash/crc32"
	"image"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
	"spiceweb/wasm/spice"
)

// demoMaxBytes bounds the recording kept in the repository (and in the
// serve binary).
const demoMaxBytes = 2 << 20

// TestDemoRecording: the built-in recording is small, loads, and its
// display and cursor loop.
func TestDemoRecording(t *testing.T) {
	total := 0
	err := fs.WalkDir(demoFS, "demo", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".spicecap.gz") {
			return err
		}
		info, err := d.Info()
		total += int(info.Size())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the demo recording is %d bytes", total)
	if total == 0 || total > demoMaxBytes {
		t.Fatalf("the demo recording is %d bytes; want some, and at most %d", total, demoMaxBytes)
	}
	rec, what, err := loadRecording("")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %v", what, rec)
	for _, ct := range []spice.ChannelType{spice.ChannelDisplay, spice.ChannelCursor} {
		if !rec.Loops(spice.ChannelID{Type: ct}) {
			t.Errorf("the demo's %v channel does not loop", ct)
		}
	}
	if rec.Period < 5*time.Second || rec.Period > time.Minute {
		t.Errorf("a pass of the demo lasts %v; want a desktop that does something for a while, not forever", rec.Period)
	}
}

// demoViewer is a session.Sink and InfoSink: it counts the distinct
// pictures it was shown and keeps what the server said about itself.
type demoViewer struct {
	mu       sync.Mutex
	client   *session.Client
	pictures map[uint32]bool
	moves    int
	name     string
	notice   string
}

func (v *demoViewer) State(session.State, string)   {}
func (v *demoViewer) Log(string, string)            {}
func (v *demoViewer) MouseMode(uint32)              {}
func (v *demoViewer) Resize(int, int)               {}
func (v *demoViewer) FirstFrame()                   {}
func (v *demoViewer) Cursor(*session.CursorShape)   {}
func (v *demoViewer) Invalidate()                   { v.client.Present(v.show) }
func (v *demoViewer) CursorPosition(int, int, bool) { v.mu.Lock(); v.moves++; v.mu.Unlock() }
func (v *demoViewer) GuestName(n string)            { v.mu.Lock(); v.name = n; v.mu.Unlock() }
func (v *demoViewer) Notice(m string)               { v.mu.Lock(); v.notice = m; v.mu.Unlock() }
func (v *demoViewer) show(img *raster.Image, _ []image.Rectangle) {
	v.mu.Lock()
	v.pictures[crc32.ChecksumIEEE(img.Pix)] = true
	v.mu.Unlock()
}

// TestDemoOverWebsockets: serve with no target, as the README's first
// command runs it. Several clients at once, over websockets, each see the
// desktop appear and change, the pointer move, and the name and notice
// that say it is a recording.
func TestDemoOverWebsockets(t *testing.T) {
	logs := &syncBuffer{}
	h, b, err := newHandler(config{web: t.TempDir()}, log.New(logs, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/websockify"
	dial := func(ctx context.Context) (io.ReadWriteCloser, error) {
		ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
		if err != nil {
			return nil, err
		}
		ws.SetReadLimit(-1)
		return websocket.NetConn(context.Background(), ws, websocket.MessageBinary), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const viewers = 3
	var vs []*demoViewer
	var wg sync.WaitGroup
	for range viewers {
		v := &demoViewer{pictures: map[uint32]bool{}}
		v.client = session.New(session.Config{Dial: dial, Sink: v})
		vs = append(vs, v)
		wg.Go(func() { v.client.Run(ctx) })
	}
	// Typing starts about three seconds in; the pointer moves before.
	ok := func(v *demoViewer) bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		return len(v.pictures) >= 3 && v.moves >= 5 && v.name == demoName && v.notice == demoNotice
	}
	for deadline := time.Now().Add(25 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		n := 0
		for _, v := range vs {
			if ok(v) {
				n++
			}
		}
		if n == viewers {
			break
		}
	}
	for i, v := range vs {
		if !ok(v) {
			v.mu.Lock()
			t.Errorf("viewer %d: %d pictures, %d pointer moves, name %q, notice %q; want 3 or more, 5 or more, and the demo's",
				i, len(v.pictures), v.moves, v.name, v.notice)
			v.mu.Unlock()
		}
	}
	cancel()
	wg.Wait()
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := b.Shutdown(sctx); err != nil {
		t.Error(err)
	}
	// Each viewer linked its own four channels.
	if n := strings.Count(logs.String(), ": replay\n"); n != 4*viewers {
		t.Errorf("%d replayed connections, want %d:\n%s", n, 4*viewers, logs)
	}
	if t.Failed() {
		t.Logf("serve's log:\n%s", logs)
	}
}
