package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// Servers that are broken or hostile: the session either keeps going or
// ends with an error that says what happened, never a silent stop. The
// same cases run in the browser in e2e/hostile_test.go.

// startClient runs a client against srv after configure has adjusted it
// (shorter timeouts); the result arrives on the returned channel.
func startClient(t *testing.T, srv *spicetest.Server, configure func(*Client)) (*recSink, <-chan error) {
	t.Helper()
	sink := newRecSink()
	c := New(Config{Dial: srv.Dial, Sink: sink})
	sink.client = c
	if configure != nil {
		configure(c)
	}
	return sink, runClient(t, c)
}

// runClient runs c's session for at most 30 s; the test's cleanup ends it
// and waits for it to stop. The channel gives Run's result.
func runClient(t *testing.T, c *Client) <-chan error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		done <- c.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Error("session did not stop")
		}
	})
	return done
}

// waitEnd waits for the session to end and returns its error.
func waitEnd(t *testing.T, done <-chan error, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("the session did not end within %v", limit)
		return nil
	}
}

// holdUntilClosed reads and drops what the client sends until it hangs up:
// a server that accepted the connection and never answers.
func holdUntilClosed(c net.Conn) {
	io.Copy(io.Discard, c)
}

func TestSessionLinkTimeout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		first func(c net.Conn) // what the silent server does before going quiet
		want  string
	}{
		{"no answer", func(net.Conn) {}, "main channel: the server did not answer within 300ms"},
		{"half a reply", func(c net.Conn) { c.Write([]byte("REDQ")) }, "main channel: the server did not complete the link within 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := spicetest.NewServer(t)
			srv.Accept = func(n int, c net.Conn) bool {
				tc.first(c)
				holdUntilClosed(c)
				return false
			}
			srv.Start()
			start := time.Now()
			sink, done := startClient(t, srv, func(c *Client) { c.linkTimeout = 300 * time.Millisecond })
			err := waitEnd(t, done, 10*time.Second)
			took := time.Since(start)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Run = %v, want %q", err, tc.want)
			}
			if took < 300*time.Millisecond || took > 5*time.Second {
				t.Errorf("the session ended after %v, want just after the 300ms link timeout", took)
			}
			if s := sink.lastState(); s != "disconnected: "+tc.want {
				t.Errorf("last state %q", s)
			}
			if n := srv.Accepted(); n != 1 {
				t.Errorf("server accepted %d connections, want 1", n)
			}
		})
	}
}

func TestSessionDialTimeout(t *testing.T) {
	// A dialer that never connects (in the browser: a websocket whose
	// proxy never completes the handshake) is bounded too.
	dial := func(ctx context.Context) (io.ReadWriteCloser, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	c := New(Config{Dial: dial, Sink: newRecSink()})
	c.dialTimeout = 200 * time.Millisecond
	err := c.Run(context.Background())
	if want := "main channel: the connection did not open within 200ms"; err == nil || err.Error() != want {
		t.Errorf("Run = %v, want %q", err, want)
	}
}

// withTimeout replaces context.WithTimeout (a smaller binary); timedOut
// must say what ctx.Err() == context.DeadlineExceeded said of the
// context.WithTimeout it replaces, in each way the context can end.
func TestWithTimeoutEnds(t *testing.T) {
	wait := func(ctx context.Context) {
		t.Helper()
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("the context did not end")
		}
	}
	ctx, cancel := withTimeout(context.Background(), 10*time.Millisecond)
	wait(ctx)
	if !timedOut(ctx) {
		t.Errorf("timer expired: timedOut false (Err %v, Cause %v)", ctx.Err(), context.Cause(ctx))
	}
	cancel()
	if !timedOut(ctx) {
		t.Error("cancel after the timer fired changed the verdict")
	}

	ctx, cancel = withTimeout(context.Background(), time.Hour)
	cancel()
	wait(ctx)
	if timedOut(ctx) || ctx.Err() != context.Canceled {
		t.Errorf("cancelled early: timedOut %v, Err %v", timedOut(ctx), ctx.Err())
	}

	parent, cancelParent := context.WithCancelCause(context.Background())
	ctx, cancel = withTimeout(parent, time.Hour)
	defer cancel()
	cancelParent(errors.New("a channel failed"))
	wait(ctx)
	if timedOut(ctx) {
		t.Error("parent cancelled: timedOut true")
	}

	dl, cancelDL := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancelDL()
	ctx, cancel = withTimeout(dl, time.Hour)
	defer cancel()
	wait(ctx)
	if !timedOut(ctx) {
		t.Error("parent deadline passed: timedOut false, unlike a context.WithTimeout child")
	}
}

func TestSessionStartTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		main func(ch *spicetest.ServerChannel, sessionID uint32)
		want string
	}{
		{"no INIT", func(*spicetest.ServerChannel, uint32) {},
			"main channel: the server did not start the session within 300ms (no INIT message)"},
		{"no channel list", func(ch *spicetest.ServerChannel, id uint32) { ch.Send(spice.MsgTypeMainInit, spicetest.MainInit(id)) },
			"main channel: the server did not send its channel list within 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := spicetest.NewServer(t)
			srv.Handle = func(ch *spicetest.ServerChannel) {
				// Keep the server busy with PINGs, which are no INIT:
				// activity alone must not keep a session that never
				// starts from timing out.
				tc.main(ch, srv.SessionID)
				go drain(ch)
				for i := range 1000 {
					if ch.Send(spice.MsgTypePing, spicetest.Ping(uint32(i), 0)) != nil {
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			srv.Start()
			sink, done := startClient(t, srv, func(c *Client) { c.startTimeout = 300 * time.Millisecond })
			err := waitEnd(t, done, 10*time.Second)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Run = %v, want %q", err, tc.want)
			}
			if s := sink.lastState(); s != "disconnected: "+tc.want {
				t.Errorf("last state %q", s)
			}
		})
	}
}

func TestSessionStartTimeoutStopsOnceStarted(t *testing.T) {
	// A session that started must outlive the start timeout.
	srv := spicetest.NewServer(t)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		if ch.Type == spice.ChannelMain {
			serveMain(t, ch, srv.SessionID)
			return
		}
		drain(ch)
	}
	srv.Start()
	sink, done := startClient(t, srv, func(c *Client) { c.startTimeout = 100 * time.Millisecond })
	select {
	case err := <-done:
		t.Fatalf("the session ended: %v", err)
	case <-time.After(600 * time.Millisecond):
	}
	if s := sink.lastState(); s != "connected: Connected" {
		t.Errorf("last state %q", s)
	}
}

func TestPickChannels(t *testing.T) {
	ch := func(tp spice.ChannelType, id uint8) spice.ChannelID { return spice.ChannelID{Type: tp, ID: id} }
	const (
		main     = spice.ChannelMain
		display  = spice.ChannelDisplay
		inputs   = spice.ChannelInputs
		cursor   = spice.ChannelCursor
		playback = spice.ChannelPlayback
		usbredir = spice.ChannelUsbredir
	)
	for _, tc := range []struct {
		name    string
		list    []spice.ChannelID
		limit   int
		open    []spice.ChannelID
		skipped string
		odd     bool
	}{
		{name: "xspice", list: []spice.ChannelID{ch(display, 0), ch(cursor, 0), ch(inputs, 0)}, limit: 15,
			open: []spice.ChannelID{ch(display, 0), ch(cursor, 0), ch(inputs, 0)}},
		{name: "qemu with sound and usb",
			list:    []spice.ChannelID{ch(playback, 0), ch(display, 0), ch(usbredir, 0), ch(usbredir, 1), ch(inputs, 0), ch(cursor, 0)},
			limit:   15,
			open:    []spice.ChannelID{ch(playback, 0), ch(display, 0), ch(inputs, 0), ch(cursor, 0)},
			skipped: "channel list: opening 4 of 6 listed channels; skipped not implemented: 2 usbredir"},
		{name: "duplicates and main",
			list:  []spice.ChannelID{ch(display, 0), ch(main, 0), ch(display, 0), ch(inputs, 0), ch(inputs, 1), ch(display, 1)},
			limit: 15,
			open:  []spice.ChannelID{ch(display, 0), ch(inputs, 0), ch(display, 1)},
			skipped: "channel list: opening 3 of 6 listed channels; skipped duplicates: " +
				"1 main, 1 display, 1 inputs",
			odd: true},
		{name: "over the limit: id 0 of each type first",
			list:  []spice.ChannelID{ch(display, 0), ch(display, 1), ch(display, 2), ch(cursor, 0), ch(cursor, 1), ch(inputs, 0), ch(spice.ChannelType(200), 0)},
			limit: 4,
			open:  []spice.ChannelID{ch(display, 0), ch(cursor, 0), ch(inputs, 0), ch(display, 1)},
			skipped: "channel list: opening 4 of 7 listed channels; skipped not implemented: 1 channel(200); " +
				"beyond 5 connections per session: 1 cursor, 1 display",
			odd: true},
		{name: "one inputs channel, the lowest id",
			list:    []spice.ChannelID{ch(inputs, 2), ch(display, 0), ch(inputs, 0), ch(inputs, 1)},
			limit:   15,
			open:    []spice.ChannelID{ch(display, 0), ch(inputs, 0)},
			skipped: "channel list: opening 2 of 4 listed channels; skipped duplicates: 2 inputs",
			odd:     true},
		{name: "empty", limit: 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open, skipped, odd := pickChannels(tc.list, tc.limit)
			if !slices.Equal(open, tc.open) {
				t.Errorf("open %v, want %v", open, tc.open)
			}
			if skipped != tc.skipped || odd != tc.odd {
				t.Errorf("skipped %q (odd %v),\nwant    %q (odd %v)", skipped, odd, tc.skipped, tc.odd)
			}
		})
	}
}

// hostileList is a channel list of 60 entries: displays and cursors for
// 20 heads, repeated inputs, main, types the client does not implement
// and types that do not exist.
func hostileList() []spice.ChannelID {
	var l []spice.ChannelID
	add := func(t spice.ChannelType, ids ...uint8) {
		for _, id := range ids {
			l = append(l, spice.ChannelID{Type: t, ID: id})
		}
	}
	for id := range uint8(20) {
		add(spice.ChannelDisplay, id)
	}
	add(spice.ChannelMain, 0, 1)
	add(spice.ChannelTunnel, 0)
	add(spice.ChannelPlayback, 0)
	add(spice.ChannelRecord, 0)
	add(spice.ChannelInputs, 0, 0, 1, 2)
	for id := range uint8(12) {
		add(spice.ChannelCursor, id)
	}
	add(spice.ChannelUsbredir, 0, 1, 2, 3, 4, 5)
	add(spice.ChannelSmartcard, 0)
	add(spice.ChannelPort, 0, 1)
	add(spice.ChannelWebdav, 0)
	add(spice.ChannelDisplay, 0, 3, 3) // duplicates
	add(spice.ChannelType(0), 0)
	add(spice.ChannelType(42), 1, 2, 3)
	add(spice.ChannelType(255), 255)
	add(spice.ChannelCursor, 0)
	return l
}

func TestSessionChannelListBounded(t *testing.T) {
	list := hostileList()
	if len(list) != 60 {
		t.Fatalf("list has %d entries, want 60", len(list))
	}
	srv := spicetest.NewServer(t)
	var mu sync.Mutex
	var once sync.Once
	linked := map[spice.ChannelID]int{}
	allLinked := make(chan struct{})
	srv.Handle = func(ch *spicetest.ServerChannel) {
		mu.Lock()
		linked[spice.ChannelID{Type: ch.Type, ID: ch.ID}]++
		if srv.Accepted() == maxConnections && len(linked) == maxConnections {
			once.Do(func() { close(allLinked) })
		}
		mu.Unlock()
		if ch.Type == spice.ChannelMain {
			serveMain(t, ch, srv.SessionID, list...)
			return
		}
		drain(ch)
	}
	srv.Start()
	sink, done := startClient(t, srv, nil)
	select {
	case <-allLinked:
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatalf("only %d connections linked", srv.Accepted())
	}
	// Give a client that would open more the time to do it.
	time.Sleep(300 * time.Millisecond)
	if n := srv.Accepted(); n != maxConnections {
		t.Errorf("server accepted %d connections, want %d", n, maxConnections)
	}
	mu.Lock()
	for id, n := range linked {
		if n != 1 {
			t.Errorf("%s:%d linked %d times", id.Type, id.ID, n)
		}
		if id.Type != spice.ChannelMain && channelKinds[id.Type].setup == nil {
			t.Errorf("linked %s:%d, which the client does not implement", id.Type, id.ID)
		}
	}
	for _, want := range []spice.ChannelID{{Type: spice.ChannelMain}, {Type: spice.ChannelDisplay}, {Type: spice.ChannelInputs}, {Type: spice.ChannelCursor}} {
		if linked[want] != 1 {
			t.Errorf("%s:%d not linked", want.Type, want.ID)
		}
	}
	mu.Unlock()
	if s := sink.lastState(); s != "connected: Connected" {
		t.Errorf("last state %q", s)
	}
	sink.mu.Lock()
	var skips []string
	for _, l := range sink.logs {
		if strings.Contains(l, "channel list") {
			skips = append(skips, l)
		}
	}
	sink.mu.Unlock()
	if len(skips) != 1 || !strings.HasPrefix(skips[0], "warn: channel list: opening 15 of 60 listed channels") {
		t.Errorf("skip log lines %q, want one warning", skips)
	}
	t.Logf("logged: %s", skips)
}

func TestSessionMessageTooLarge(t *testing.T) {
	for _, on := range []spice.ChannelType{spice.ChannelMain, spice.ChannelDisplay} {
		t.Run(on.String(), func(t *testing.T) {
			srv := spicetest.NewServer(t)
			srv.Handle = func(ch *spicetest.ServerChannel) {
				if ch.Type == spice.ChannelMain && on != spice.ChannelMain {
					serveMain(t, ch, srv.SessionID, display0)
					return
				}
				if ch.Type == spice.ChannelMain {
					ch.Send(spice.MsgTypeMainInit, spicetest.MainInit(srv.SessionID))
				}
				// A mini header declaring 4 GiB - 1, then silence: a
				// client that waited for the body would hang.
				hdr := binary.LittleEndian.AppendUint16(nil, uint16(spice.MsgTypeDisplayDrawFill))
				ch.WriteRaw(binary.LittleEndian.AppendUint32(hdr, 0xffffffff))
				drain(ch)
			}
			srv.Start()
			sink, done := startClient(t, srv, nil)
			err := waitEnd(t, done, 10*time.Second)
			if !errors.Is(err, spice.ErrTooLarge) {
				t.Fatalf("Run = %v, want spice.ErrTooLarge", err)
			}
			want := fmt.Sprintf("%s: spice: message 302 declares 4294967295 bytes, more than the limit of %d", on, spice.MaxMessageSize)
			if err.Error() != want {
				t.Errorf("Run = %q, want %q", err, want)
			}
			if s := sink.lastState(); s != "disconnected: "+want {
				t.Errorf("last state %q", s)
			}
		})
	}
}

func TestSessionSurfaceBeyondBudget(t *testing.T) {
	// The display's budget bounds all its surfaces together; shrunk here
	// so the test allocates little. Each surface is within raster's limit.
	c := New(Config{})
	d := newDisplay(c, &channel{client: c, id: display0})
	d.budget = 100 * 100
	create := func(id, w, h uint32) error {
		return d.surfaceCreate(context.Background(), spicetest.SurfaceCreate(id, w, h, spice.SurfaceFmt32xRGB, 0))
	}
	if err := create(1, 100, 50); err != nil {
		t.Fatal(err)
	}
	if err := create(2, 100, 50); err != nil {
		t.Fatal(err)
	}
	err := create(3, 10, 10)
	if err == nil || !strings.Contains(err.Error(), "surface 3 (10x10): the server's surfaces would exceed") {
		t.Errorf("third surface: %v, want an error naming the budget", err)
	}
	// Replacing a surface gives its pixels back first.
	if err := create(2, 100, 50); err != nil {
		t.Errorf("replacing surface 2: %v", err)
	}
	if d.pixels != 100*100 {
		t.Errorf("pixels %d, want %d", d.pixels, 100*100)
	}
}

// The session's budget bounds the surfaces of all display channels
// together: a server opening a channel per monitor cannot multiply the
// per-channel budget. A destroyed surface gives its pixels back.
func TestSessionSurfacesBudgetAcrossChannels(t *testing.T) {
	c := New(Config{})
	c.surfaceBudget = 100 * 100
	create := func(d *display, id, w, h uint32) error {
		return d.surfaceCreate(context.Background(), spicetest.SurfaceCreate(id, w, h, spice.SurfaceFmt32xRGB, 0))
	}
	d0 := newDisplay(c, &channel{client: c, id: display0})
	d1 := newDisplay(c, &channel{client: c, id: spice.ChannelID{Type: spice.ChannelDisplay, ID: 1}})
	if err := create(d0, 1, 100, 60); err != nil {
		t.Fatal(err)
	}
	err := create(d1, 1, 100, 50)
	if err == nil || !strings.Contains(err.Error(), "on all its display channels would exceed") {
		t.Fatalf("a second channel's surface beyond the session's budget: %v, want an error naming it", err)
	}
	if err := create(d1, 1, 100, 40); err != nil {
		t.Fatalf("a second channel's surface within the budget: %v", err)
	}
	d0.removeSurface(1)
	if err := create(d1, 2, 100, 60); err != nil {
		t.Errorf("after the first channel's surface went: %v", err)
	}
	if got := c.surfacePixels.Load(); got != 100*100 {
		t.Errorf("session surface pixels %d, want %d", got, 100*100)
	}
}

// TestSessionPingFlood: a PING flood on the main channel and one on the
// display channel interleaved with draws. Every PING is answered and a
// FILL sent after the flood is presented. The counts are a fifth of the
// browser test's (e2e TestClientHostileFlood) to stay cheap under -race.
func TestSessionPingFlood(t *testing.T) {
	const (
		mainPings    = 20000
		displayPings = 10000
	)
	srv := spicetest.NewServer(t)
	var mainPongs, displayPongs atomic.Int64
	mainWritten := make(chan time.Time, 1)
	displayWritten := make(chan struct{})
	srv.Handle = func(ch *spicetest.ServerChannel) {
		pongs := &mainPongs
		if ch.Type == spice.ChannelDisplay {
			pongs = &displayPongs
		}
		// Read concurrently: the client's PONGs must not back up while
		// the flood is written.
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			countPongs(ch, pongs)
		}()
		switch ch.Type {
		case spice.ChannelMain:
			ch.Send(spice.MsgTypeMainInit, spicetest.MainInit(srv.SessionID))
			ch.Send(spice.MsgTypeMainChannelsList, spicetest.ChannelsList(display0))
			<-displayWritten // the screen exists before the main flood
			mainWritten <- flood(ch, mainPings, nil)
		case spice.ChannelDisplay:
			ch.Send(spice.MsgTypeSetAck, spicetest.SetAck(1, 20))
			ch.Send(spice.MsgTypeDisplaySurfaceCreate, spicetest.SurfaceCreate(0, 64, 48, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary))
			ch.Send(spice.MsgTypeDisplayMark, nil)
			n := 0
			flood(ch, displayPings, func(b []byte) []byte {
				n++
				return ch.AppendMessage(b, spice.MsgTypeDisplayDrawFill,
					spicetest.DrawFill(0, image.Rect(n%64, 0, n%64+1, 48), uint32(n)))
			})
			close(displayWritten)
			// The FILL that must show once the floods are over.
			t := <-mainWritten
			mainWritten <- t
			ch.Send(spice.MsgTypeDisplayDrawFill, spicetest.DrawFill(0, image.Rect(0, 0, 64, 48), 0x00ff8000))
		}
		<-closed // hold until the client hangs up
	}
	srv.Start()
	sink, done := startClient(t, srv, nil)
	start := time.Now()
	waitFirst(t, sink, done)
	var ended time.Time
	select {
	case ended = <-mainWritten:
		mainWritten <- ended
	case <-time.After(20 * time.Second):
		t.Fatal("the flood was not written within 20 s")
	}
	t.Logf("flood written in %v", ended.Sub(start).Round(time.Millisecond))
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && (mainPongs.Load() < mainPings || displayPongs.Load() < displayPings || !showsOrange(sink)) {
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("PONGs: main %d of %d, display %d of %d, %v after the flood", mainPongs.Load(), mainPings, displayPongs.Load(), displayPings,
		time.Since(ended).Round(time.Millisecond))
	if mainPongs.Load() != mainPings || displayPongs.Load() != displayPings {
		t.Errorf("not every PING was answered within 10 s of the flood")
	}
	if !showsOrange(sink) {
		t.Error("the FILL sent after the flood was not presented within 10 s")
	}
	select {
	case err := <-done:
		t.Fatalf("the session ended: %v", err)
	default:
	}
}

// flood writes n PINGs to ch in batches, calling between (when not nil)
// after every batch to append other messages; it returns when the last
// batch is written.
func flood(ch *spicetest.ServerChannel, n int, between func([]byte) []byte) time.Time {
	const batch = 1000
	var b []byte
	for i := 0; i < n; {
		b = b[:0]
		for j := 0; j < batch && i < n; j++ {
			b = ch.AppendMessage(b, spice.MsgTypePing, spicetest.Ping(uint32(i), uint64(i)))
			i++
		}
		if between != nil {
			b = between(b)
		}
		if ch.WriteRaw(b) != nil {
			break
		}
	}
	return time.Now()
}

// countPongs counts the client's PONGs until the connection closes.
func countPongs(ch *spicetest.ServerChannel, n *atomic.Int64) {
	for {
		t, _, err := ch.Recv()
		if err != nil {
			return
		}
		if t == spice.MsgcTypePong {
			n.Add(1)
		}
	}
}

func showsOrange(s *recSink) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.img == nil {
		return false
	}
	for _, p := range [][2]int{{0, 0}, {63, 47}, {31, 20}} {
		px := s.img.Row(p[1])[p[0]*4:]
		if px[0] != 0xff || px[1] != 0x80 || px[2] != 0 {
			return false
		}
	}
	return true
}

// FuzzPickChannels: whatever the list, the client opens only types it
// implements, each (type, id) once and one inputs channel, never more
// than the limit, and explains any entry it drops.
func FuzzPickChannels(f *testing.F) {
	f.Add(spicetest.ChannelsList(hostileList()...)[4:], uint8(15))
	f.Add([]byte{2, 0, 4, 0, 3, 0}, uint8(15))
	f.Add([]byte{3, 1, 3, 0, 2, 0, 2, 0}, uint8(1))
	f.Fuzz(func(t *testing.T, raw []byte, limit uint8) {
		var list []spice.ChannelID
		for i := 0; i+1 < len(raw); i += 2 {
			list = append(list, spice.ChannelID{Type: spice.ChannelType(raw[i]), ID: raw[i+1]})
		}
		open, skipped, _ := pickChannels(list, int(limit))
		if len(open) > int(limit) {
			t.Fatalf("opened %d channels, limit %d", len(open), limit)
		}
		seen := map[spice.ChannelID]bool{}
		for _, id := range open {
			kind := channelKinds[id.Type]
			if kind.setup == nil {
				t.Fatalf("opened %s:%d, not implemented", id.Type, id.ID)
			}
			key := id
			if kind.single {
				key.ID = 0
			}
			if seen[key] {
				t.Fatalf("opened %s:%d twice", id.Type, id.ID)
			}
			seen[key] = true
			if !slices.Contains(list, id) {
				t.Fatalf("opened %s:%d, which was not listed", id.Type, id.ID)
			}
		}
		if (len(open) < len(list)) != (skipped != "") {
			t.Fatalf("opened %d of %d, skip note %q", len(open), len(list), skipped)
		}
	})
}

// A WAIT_FOR_CHANNELS naming a message another channel never reaches
// holds the channel for the limit only, then it goes on with a warning;
// one the other channel reaches returns as soon as it does.
func TestWaitForChannelsBounded(t *testing.T) {
	sink := newRecSink()
	c := New(Config{Sink: sink})
	t.Cleanup(c.caches.close)
	c.waitForChannelsLimit = 100 * time.Millisecond
	cursor := &channel{client: c, id: spice.ChannelID{Type: spice.ChannelCursor}}
	c.channels[cursor.id] = cursor
	never := []spice.WaitForChannel{{ChannelType: spice.ChannelCursor, Serial: 1 << 40}}
	if err := c.waitFor(context.Background(), never); err != nil {
		t.Fatalf("a wait for a message never reached: %v, want the channel to go on", err)
	}
	if !sink.hasLog("did not reach message") {
		t.Errorf("no warning after the wait gave up; logs %q", sink.logs)
	}

	c.waitForChannelsLimit = time.Minute
	done := make(chan error, 1)
	go func() {
		done <- c.waitFor(context.Background(), []spice.WaitForChannel{{ChannelType: spice.ChannelCursor, Serial: 2}})
	}()
	cursor.progress.advance()
	cursor.progress.advance()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait did not end when the cursor channel reached message 2")
	}

	// Disconnecting ends a wait at once, as an error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.waitFor(ctx, never); !errors.Is(err, context.Canceled) {
		t.Errorf("a wait when the session ends: %v, want context.Canceled", err)
	}
}
