//go:build !js

package main

import (
	"context"
	"hash/crc32"
	"image"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
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
	tp := startProxy(t, "", nil) // no routing flag: the built-in demo
	const viewers = 3
	watchReplay(t, tp, viewers, demoName, demoNotice, `replay="the built-in demo"`)
}

// TestReplayDir: -replay DIR plays a recording from a directory, as
// -record writes it (here, the demo's files), under its own name.
func TestReplayDir(t *testing.T) {
	dir := t.TempDir()
	names, err := fs.Glob(demoFS, "demo/*.spicecap.gz")
	if err != nil || len(names) == 0 {
		t.Fatalf("the demo's captures: %v, %v", names, err)
	}
	for _, n := range names {
		b, err := demoFS.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, path.Base(n)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := loadRecording(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "-replay "+dir) {
		t.Errorf("a missing directory: %v, want an error naming it", err)
	}
	tp := startProxy(t, "", func(c *config) { c.replay = dir })
	watchReplay(t, tp, 1, "a recording", "This is a recorded SPICE session, replayed by serve: the keyboard and mouse reach nothing.",
		`replay="the recording in `+dir+`"`)
}

// watchReplay runs viewers session clients at once against tp, which
// replays the demo's recording, until each has seen the desktop appear
// and change, the pointer move, and the name and notice given. Then it
// checks serve's log: each viewer linked its own four channels to the
// replay logged as logged, and no replay ended by itself.
func watchReplay(t *testing.T, tp *testProxy, viewers int, name, notice, logged string) {
	t.Helper()
	url := tp.wsURL("")
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
		return len(v.pictures) >= 3 && v.moves >= 5 && v.name == name && v.notice == notice
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
			t.Errorf("viewer %d: %d pictures, %d pointer moves, name %q, notice %q; want 3 or more, 5 or more, %q and %q",
				i, len(v.pictures), v.moves, v.name, v.notice, name, notice)
			v.mu.Unlock()
		}
	}
	cancel()
	wg.Wait()
	tp.shutdown(t)
	logs := tp.logs.String()
	if n := strings.Count(logs, `msg="websocket open"`); n != 4*viewers {
		t.Errorf("%d websockets, want %d", n, 4*viewers)
	}
	if n := strings.Count(logs, logged); n != 4*viewers {
		t.Errorf("%d websockets logged with %s, want %d", n, logged, 4*viewers)
	}
	closed := regexp.MustCompile(`msg="websocket closed" .* reason=(\S+)`).FindAllStringSubmatch(logs, -1)
	if len(closed) != 4*viewers {
		t.Errorf("%d websockets closed, want %d", len(closed), 4*viewers)
	}
	for _, m := range closed {
		if m[1] != closedClient && m[1] != closedShutdown {
			t.Errorf("a replay ended with %s: %s", m[1], m[0])
		}
	}
}

// TestReplayIsAProxiedConnection: a replay is served by the proxy's own
// connection code, so its limits, refusals, close reasons, metrics and
// log apply: -max-conns counts replays, a channel the recording lacks
// gets the link error and the replay's reason in the log, a text message
// is refused as the proxy refuses it, and a shutdown closes replays with
// 1001.
func TestReplayIsAProxiedConnection(t *testing.T) {
	tp := startProxy(t, "", func(c *config) { c.limits.maxConns = 1 })
	url := tp.wsURL("")
	ctx := testCtx(t)
	o := tp.p.obs

	// A channel the demo did not record: the replay answers as
	// spice-server would, then ends, and the log says why.
	ws := dial(t, ctx, url, "binary")
	if _, _, err := websocket.Dial(ctx, url, nil); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("a second websocket with -max-conns 1: %v, want 503", err)
	}
	link := (&spice.LinkMess{ChannelType: spice.ChannelWebdav, CommonCaps: spice.Caps{}.With(spice.CommonCapMiniHeader)}).AppendLink(nil)
	if err := ws.Write(ctx, websocket.MessageBinary, link); err != nil {
		t.Fatal(err)
	}
	reply, err := spice.ReadLinkReply(websocket.NetConn(ctx, ws, websocket.MessageBinary))
	if err != nil {
		t.Fatal(err)
	}
	if reply.Error != spice.LinkErrChannelNotAvailable {
		t.Errorf("link reply error %v, want %v", reply.Error, spice.LinkErrChannelNotAvailable)
	}
	expectClose(t, ctx, ws, websocket.StatusNormalClosure)

	// The slot is free again; a text message ends the replay as it ends
	// a proxied connection.
	var ws2 *websocket.Conn
	for deadline := time.Now().Add(10 * time.Second); ws2 == nil; time.Sleep(20 * time.Millisecond) {
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
		if err == nil {
			ws2 = c
			defer c.CloseNow()
		} else if time.Now().After(deadline) {
			t.Fatalf("the slot of the ended replay was not freed: %v", err)
		}
	}
	ws2.Write(ctx, websocket.MessageText, []byte("hello"))
	expectClose(t, ctx, ws2, websocket.StatusUnsupportedData)

	// A replay that is just open: the shutdown closes it with 1001.
	var ws3 *websocket.Conn
	for deadline := time.Now().Add(10 * time.Second); ws3 == nil; time.Sleep(20 * time.Millisecond) {
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"binary"}})
		if err == nil {
			ws3 = c
			defer c.CloseNow()
		} else if time.Now().After(deadline) {
			t.Fatalf("the slot of the ended replay was not freed: %v", err)
		}
	}
	go tp.p.Shutdown(context.Background())
	expectClose(t, ctx, ws3, websocket.StatusGoingAway)
	tp.shutdown(t) // waits until every log line is written

	logs := tp.logs.String()
	for _, want := range []string{
		`reason=max_connections`,
		`reason=target_closed detail="replay: channel not recorded: webdav channel 0"`,
		`reason=text_message`,
		`reason=shutdown`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if got := o.sessions.Value(); got != 3 {
		t.Errorf("spiceweb_proxy_sessions_total %d, want 3", got)
	}
	if got := o.open.Value(); got != 0 {
		t.Errorf("spiceweb_proxy_sessions_open %d after the shutdown, want 0", got)
	}
}
