package session

import (
	"context"
	"encoding/binary"
	"errors"
	"image"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// recSink records what the session shows.
type recSink struct {
	mu       sync.Mutex
	states   []string
	logs     []string
	img      *raster.Image
	presents int
	modes    []uint32
	cursors  []*CursorShape
	first    chan struct{}
	client   *Client // set after New; Invalidate presents at once
}

func newRecSink() *recSink { return &recSink{first: make(chan struct{})} }

func (s *recSink) State(st State, m string) {
	s.mu.Lock()
	s.states = append(s.states, st.String()+": "+m)
	s.mu.Unlock()
}
func (s *recSink) Log(l, m string) {
	s.mu.Lock()
	s.logs = append(s.logs, l+": "+m)
	s.mu.Unlock()
}
func (s *recSink) MouseMode(m uint32) {
	s.mu.Lock()
	s.modes = append(s.modes, m)
	s.mu.Unlock()
}
func (s *recSink) Resize(w, h int) {}
func (s *recSink) Invalidate() {
	if s.client != nil && !s.client.Present(s.show) {
		panic("Present refused right after Invalidate: the display lock is held")
	}
}
func (s *recSink) show(img *raster.Image, d []image.Rectangle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.img == nil || s.img.W != img.W || s.img.H != img.H {
		s.img, _ = raster.NewImage(img.W, img.H)
	}
	// Copy only the damage: what is outside it must already be right.
	for _, r := range d {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(s.img.Row(y)[r.Min.X*4:r.Max.X*4], img.Row(y)[r.Min.X*4:r.Max.X*4])
		}
	}
	s.presents++
}
func (s *recSink) FirstFrame() { close(s.first) }
func (s *recSink) Cursor(c *CursorShape) {
	s.mu.Lock()
	s.cursors = append(s.cursors, c)
	s.mu.Unlock()
}
func (s *recSink) CursorPosition(x, y int, v bool) {}

func (s *recSink) lastState() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.states) == 0 {
		return ""
	}
	return s.states[len(s.states)-1]
}

// drain reads client messages until the connection closes.
func drain(ch *spicetest.ServerChannel) {
	for {
		if _, _, err := ch.Recv(); err != nil {
			return
		}
	}
}

// serveMain plays the main channel: INIT, wait for ATTACH_CHANNELS, then
// the channel list.
func serveMain(t *testing.T, ch *spicetest.ServerChannel, sessionID uint32, ids ...spice.ChannelID) {
	ch.Send(spice.MsgTypeMainInit, mainInitBody(sessionID, spice.MouseModeServer|spice.MouseModeClient, spice.MouseModeServer))
	ch.Expect(t, spice.MsgcTypeMainAttachChannels, 5*time.Second)
	ch.Send(spice.MsgTypeMainChannelsList, channelsListBody(ids...))
	drain(ch)
}

func run(t *testing.T, srv *spicetest.Server, password string) (*Client, *recSink, <-chan error, context.CancelFunc) {
	sink := newRecSink()
	c := New(Config{Dial: srv.Dial, Password: password, Sink: sink})
	sink.client = c
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
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
	return c, sink, done, cancel
}

func waitFirst(t *testing.T, s *recSink, done <-chan error) {
	t.Helper()
	select {
	case <-s.first:
	case err := <-done:
		t.Fatalf("session ended before the first frame: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no first frame")
	}
}

var display0 = spice.ChannelID{Type: spice.ChannelDisplay}

func TestSessionDrawsFirstFrame(t *testing.T) {
	srv := spicetest.NewServer(t)
	srv.Password = "s3cret"
	pix := []uint32{}
	for i := range 16 {
		pix = append(pix, uint32(i*0x101010))
	}
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			serveMain(t, ch, srv.SessionID, display0, spice.ChannelID{Type: spice.ChannelInputs}, spice.ChannelID{Type: spice.ChannelCursor})
		case spice.ChannelDisplay:
			init := ch.Expect(t, spice.MsgcTypeDisplayInit, 5*time.Second)
			if len(init) != 14 {
				t.Errorf("DISPLAY_INIT is %d bytes, want 14", len(init))
			}
			ch.Send(spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, 64, 48, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary))
			ch.Send(spice.MsgTypeDisplayDrawFill, drawFillBody(0, 0, 0, 64, 48, 0x00ff0000))
			ch.Send(spice.MsgTypeDisplayDrawCopy, drawCopyBitmapBody(0, 10, 10, 4, 4, pix, 7, spice.ImageFlagCacheMe))
			ch.Send(spice.MsgTypeDisplayDrawCopy, drawCopyCachedBody(0, 30, 20, 4, 4, 7))
			// A clipped fill: only the clip rect (2,40)-(6,44) turns blue.
			ch.Send(spice.MsgTypeDisplayDrawFill, drawFillBody(0, 0, 36, 20, 48, 0x000000ff, [4]int32{2, 40, 6, 44}))
			ch.Send(spice.MsgTypeDisplayMark, nil)
			drain(ch)
		default:
			drain(ch)
		}
	}
	srv.Start()
	_, sink, done, _ := run(t, srv, "s3cret")
	waitFirst(t, sink, done)

	want, _ := raster.NewImage(64, 48)
	set := func(x, y int, xrgb uint32) {
		p := want.Row(y)[x*4:]
		p[0], p[1], p[2], p[3] = byte(xrgb>>16), byte(xrgb>>8), byte(xrgb), 0xff
	}
	for y := range 48 {
		for x := range 64 {
			set(x, y, 0xff0000)
		}
	}
	for i, p := range pix {
		set(10+i%4, 10+i/4, p)
		set(30+i%4, 20+i/4, p)
	}
	for y := 40; y < 44; y++ {
		for x := 2; x < 6; x++ {
			set(x, y, 0x0000ff)
		}
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.img == nil {
		t.Fatal("nothing presented")
	}
	if d := rastertest.Diff(sink.img, want, 0); d != "" {
		t.Error(d)
	}
	if !strings.HasPrefix(sink.states[len(sink.states)-1], "connected") {
		t.Errorf("states %q, want to end connected", sink.states)
	}
}

func TestSessionWrongPassword(t *testing.T) {
	srv := spicetest.NewServer(t)
	srv.Password = "right"
	srv.Start()
	_, sink, done, _ := run(t, srv, "wrong")
	select {
	case err := <-done:
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("Run = %v, want ErrAuth", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no result")
	}
	if s := sink.lastState(); !strings.HasPrefix(s, "auth-failed") {
		t.Errorf("last state %q, want auth-failed", s)
	}
}

func TestSessionProxyRefused(t *testing.T) {
	// A proxy that refuses a token accepts the websocket and closes it
	// before any SPICE byte.
	dial := func(ctx context.Context) (io.ReadWriteCloser, error) {
		a, b := pipe()
		b.Close()
		return a, nil
	}
	sink := newRecSink()
	c := New(Config{Dial: dial, Sink: sink})
	sink.client = c
	err := c.Run(context.Background())
	if !errors.Is(err, ErrProxyRefused) {
		t.Fatalf("Run = %v, want ErrProxyRefused", err)
	}
	if s := sink.lastState(); !strings.Contains(s, "proxy refused") {
		t.Errorf("last state %q", s)
	}
}

func TestSessionAckPingList(t *testing.T) {
	srv := spicetest.NewServer(t)
	result := make(chan []spice.MsgType, 1)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		if ch.Type != spice.ChannelMain {
			drain(ch)
			return
		}
		ch.Send(spice.MsgTypeSetAck, setAckBody(9, 3))
		ch.Send(spice.MsgTypePing, pingBody(42, 0x1122334455667788))
		ch.Send(999, []byte{1, 2, 3}) // unknown: skipped
		ch.Send(spice.MsgTypeMainMultiMediaTime, body{}.u32(5))
		ch.Send(spice.MsgTypeList, listBody( // one message for the ack count
			spice.SubMessage{Type: spice.MsgTypeMainMultiMediaTime, Body: body{}.u32(6)},
			spice.SubMessage{Type: spice.MsgTypeMainMultiMediaTime, Body: body{}.u32(7)}))
		ch.Send(spice.MsgTypeMainMultiMediaTime, body{}.u32(8))
		ch.Send(spice.MsgTypeMainMultiMediaTime, body{}.u32(9))
		// 6 messages after SET_ACK with a window of 3: two ACKs.
		var got []spice.MsgType
		ch.Conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for len(got) < 4 {
			typ, b, err := ch.Recv()
			if err != nil {
				t.Errorf("after %v: %v", got, err)
				break
			}
			got = append(got, typ)
			switch typ {
			case spice.MsgcTypeAckSync:
				if binary.LittleEndian.Uint32(b) != 9 {
					t.Errorf("ACK_SYNC generation %d, want 9", binary.LittleEndian.Uint32(b))
				}
			case spice.MsgcTypePong:
				if binary.LittleEndian.Uint32(b) != 42 || binary.LittleEndian.Uint64(b[4:]) != 0x1122334455667788 {
					t.Errorf("PONG body %x", b)
				}
			}
		}
		result <- got
		drain(ch)
	}
	srv.Start()
	run(t, srv, "")
	select {
	case got := <-result:
		want := []spice.MsgType{spice.MsgcTypeAckSync, spice.MsgcTypePong, spice.MsgcTypeAck, spice.MsgcTypeAck}
		if len(got) != len(want) {
			t.Fatalf("client sent %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("client sent %v, want %v", got, want)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("timeout")
	}
}

func TestSessionMalformedMessageEndsWithError(t *testing.T) {
	srv := spicetest.NewServer(t)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			serveMain(t, ch, srv.SessionID, display0)
		case spice.ChannelDisplay:
			ch.Send(spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, 16, 16, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary))
			// DRAW_COPY whose image pointer points past the message.
			b := body{}.displayBase(0, 0, 0, 4, 4).u32(5000).rectLTRB(0, 0, 4, 4).u16(spice.RopdOpPut).u8(1).noMask()
			ch.Send(spice.MsgTypeDisplayDrawCopy, b)
			drain(ch)
		default:
			drain(ch)
		}
	}
	srv.Start()
	_, sink, done, _ := run(t, srv, "")
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "display") {
			t.Fatalf("Run = %v, want a display error", err)
		}
		t.Logf("error shown: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("session survived a malformed message without reporting it")
	}
	if s := sink.lastState(); !strings.HasPrefix(s, "disconnected") {
		t.Errorf("last state %q", s)
	}
}

func TestSessionHugeSurfaceRefused(t *testing.T) {
	srv := spicetest.NewServer(t)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			serveMain(t, ch, srv.SessionID, display0)
		case spice.ChannelDisplay:
			ch.Send(spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, 1<<20, 1<<20, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary))
			drain(ch)
		default:
			drain(ch)
		}
	}
	srv.Start()
	_, _, done, _ := run(t, srv, "")
	select {
	case err := <-done:
		if !errors.Is(err, raster.ErrTooLarge) {
			t.Fatalf("Run = %v, want raster.ErrTooLarge", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("timeout")
	}
}

// pipe returns two connected in-memory ends.
func pipe() (io.ReadWriteCloser, io.ReadWriteCloser) {
	ar, bw := io.Pipe()
	br, aw := io.Pipe()
	return &pipeEnd{ar, aw}, &pipeEnd{br, bw}
}

type pipeEnd struct {
	*io.PipeReader
	*io.PipeWriter
}

func (p *pipeEnd) Close() error {
	p.PipeReader.Close()
	return p.PipeWriter.Close()
}
