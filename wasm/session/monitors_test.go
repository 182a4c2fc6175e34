package session

import (
	"context"
	"fmt"
	"image"
	"slices"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
	"spiceweb/wasm/vdagent"
)

// monSink is a recSink that also records the monitors it is told of.
type monSink struct {
	*recSink
	mmu     sync.Mutex
	layouts [][]Monitor
	sizes   []image.Point
	changed chan struct{}
}

func (s *monSink) Monitors(w, h int, mons []Monitor) {
	s.mmu.Lock()
	s.layouts = append(s.layouts, mons)
	s.sizes = append(s.sizes, image.Pt(w, h))
	s.mmu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *monSink) last() ([]Monitor, image.Point) {
	s.mmu.Lock()
	defer s.mmu.Unlock()
	if len(s.layouts) == 0 {
		return nil, image.Point{}
	}
	return s.layouts[len(s.layouts)-1], s.sizes[len(s.sizes)-1]
}

// monitorsConfigBody is DISPLAY_MONITORS_CONFIG from spice.proto: count,
// max_allowed, then per head id, surface id, width, height, x, y, flags.
func monitorsConfigBody(maxAllowed uint16, heads ...spice.Head) []byte {
	b := body{}.u16(uint16(len(heads))).u16(maxAllowed)
	for _, h := range heads {
		b = b.u32(h.MonitorID).u32(h.SurfaceID).u32(h.Width).u32(h.Height).u32(h.X).u32(h.Y).u32(h.Flags)
	}
	return b
}

// multiServer serves main in client mouse mode, an inputs channel whose
// messages go to got, and one display channel per entry of displays,
// which plays that entry's messages and then marks.
func multiServer(t *testing.T, displays [][]spice.SubMessage) (*spicetest.Server, chan string) {
	srv := spicetest.NewServer(t)
	got := make(chan string, 100)
	srv.Handle = func(ch *spicetest.ServerChannel) {
		switch ch.Type {
		case spice.ChannelMain:
			ch.Send(spice.MsgTypeMainInit, mainInitBody(srv.SessionID, spice.MouseModeClient, spice.MouseModeClient))
			ch.Expect(t, spice.MsgcTypeMainAttachChannels, 5*time.Second)
			ids := []spice.ChannelID{{Type: spice.ChannelInputs}}
			for i := range displays {
				ids = append(ids, spice.ChannelID{Type: spice.ChannelDisplay, ID: uint8(i)})
			}
			ch.Send(spice.MsgTypeMainChannelsList, channelsListBody(ids...))
			drain(ch)
		case spice.ChannelInputs:
			ch.Send(spice.MsgTypeInputsInit, body{}.u16(0))
			for {
				typ, b, err := ch.Recv()
				if err != nil {
					return
				}
				got <- formatInput(typ, b)
			}
		case spice.ChannelDisplay:
			ch.Expect(t, spice.MsgcTypeDisplayInit, 5*time.Second)
			if !ch.ChannelCaps.Has(spice.DisplayCapMonitorsConfig) {
				t.Error("the client does not announce DISPLAY_CAP_MONITORS_CONFIG: servers then never place the heads")
			}
			for _, m := range displays[ch.ID] {
				ch.Send(m.Type, m.Body)
			}
			ch.Send(spice.MsgTypeDisplayMark, nil)
			drain(ch)
		default:
			drain(ch)
		}
	}
	srv.Start()
	return srv, got
}

func runMulti(t *testing.T, srv *spicetest.Server) (*Client, *monSink) {
	sink := &monSink{recSink: newRecSink(), changed: make(chan struct{}, 1)}
	c := New(Config{Dial: srv.Dial, Sink: sink})
	sink.client = c
	done := runClient(t, c)
	waitFirst(t, sink.recSink, done)
	for i := 0; c.input() == nil; i++ {
		if i == 500 {
			t.Fatal("the inputs channel never linked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return c, sink
}

// waitLayout waits until the sink has been told of n monitors.
func waitLayout(t *testing.T, s *monSink, n int) ([]Monitor, image.Point) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if mons, size := s.last(); len(mons) == n {
			return mons, size
		}
		select {
		case <-s.changed:
		case <-deadline:
			mons, size := s.last()
			t.Fatalf("monitors %+v (canvas %v), want %d", mons, size, n)
		}
	}
}

func fill(surface uint32, r image.Rectangle, xrgb uint32) spice.SubMessage {
	return spice.SubMessage{Type: spice.MsgTypeDisplayDrawFill,
		Body: drawFillBody(surface, int32(r.Min.X), int32(r.Min.Y), int32(r.Max.X), int32(r.Max.Y), xrgb)}
}

func primary(w, h uint32) spice.SubMessage {
	return spice.SubMessage{Type: spice.MsgTypeDisplaySurfaceCreate, Body: surfaceCreateBody(0, w, h, spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)}
}

type part struct {
	r    image.Rectangle
	xrgb uint32
}

// wantCanvas paints the expected canvas: rects in colours on black, later
// ones over earlier ones.
func wantCanvas(w, h int, parts []part) *raster.Image {
	m, _ := raster.NewImage(w, h)
	for y := range h {
		for x := range w {
			c := uint32(0)
			for _, p := range parts {
				if image.Pt(x, y).In(p.r) {
					c = p.xrgb
				}
			}
			p := m.Row(y)[x*4:]
			p[0], p[1], p[2], p[3] = byte(c>>16), byte(c>>8), byte(c), 0xff
		}
	}
	return m
}

// presented waits until the canvas the sink holds equals want.
func presented(t *testing.T, s *monSink, want *raster.Image) {
	t.Helper()
	var last string
	for range 100 {
		s.mu.Lock()
		img := s.img
		if img != nil && img.W == want.W && img.H == want.H {
			last = fmt.Sprint(diffCount(img, want), " pixels differ")
			if diffCount(img, want) == 0 {
				s.mu.Unlock()
				return
			}
		} else if img != nil {
			last = fmt.Sprintf("canvas %dx%d, want %dx%d", img.W, img.H, want.W, want.H)
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("canvas never matched: %s", last)
}

func diffCount(a, b *raster.Image) int {
	n := 0
	for y := range a.H {
		ra, rb := a.Row(y), b.Row(y)
		for x := 0; x < a.W*4; x += 4 {
			if ra[x] != rb[x] || ra[x+1] != rb[x+1] || ra[x+2] != rb[x+2] {
				n++
			}
		}
	}
	return n
}

// Xspice's shape: one surface, two heads side by side on it. The canvas
// is the surface itself, and a position on the second head goes out as
// the position on the surface with display id 1.
func TestMonitorsHeadsOnOneSurface(t *testing.T) {
	srv, got := multiServer(t, [][]spice.SubMessage{{
		primary(128, 48),
		fill(0, image.Rect(0, 0, 64, 48), 0xff0000),
		fill(0, image.Rect(64, 0, 128, 48), 0x00ff00),
		{Type: spice.MsgTypeDisplayMonitorsConfig, Body: monitorsConfigBody(2,
			spice.Head{MonitorID: 1, Width: 64, Height: 48, X: 64},
			spice.Head{MonitorID: 0, Width: 64, Height: 48})},
	}})
	c, sink := runMulti(t, srv)
	mons, size := waitLayout(t, sink, 2)
	want := []Monitor{
		{Channel: 0, ID: 0, DisplayID: 0, Src: image.Rect(0, 0, 64, 48), Dst: image.Rect(0, 0, 64, 48)},
		{Channel: 0, ID: 1, DisplayID: 1, Src: image.Rect(64, 0, 128, 48), Dst: image.Rect(64, 0, 128, 48)},
	}
	if !slices.Equal(mons, want) || size != image.Pt(128, 48) {
		t.Fatalf("monitors %+v on %v, want %+v on 128x48", mons, size, want)
	}
	if c.scr.identity == nil {
		t.Error("heads side by side on their surface are copied into a canvas of their own")
	}
	presented(t, sink, wantCanvas(128, 48, []part{
		{image.Rect(0, 0, 64, 48), 0xff0000}, {image.Rect(64, 0, 128, 48), 0x00ff00}}))
	c.MousePosition(70, 5)
	c.MouseButton(0, true)
	if m := collect(t, got, 2); m[0] != "pos 70,5 b0 d1" || m[1] != "press 1 b1" {
		t.Errorf("sent %q, want the position on the surface with display 1", m)
	}
	c.MousePosition(3, 40)
	if m := collect(t, got, 1); m[0] != "pos 3,40 b1 d0" {
		t.Errorf("sent %q on the first monitor", m)
	}
}

// Heads stacked on their surface are shown side by side, which needs a
// canvas of their own; input maps back to the surface. The server
// repeating the same MONITORS_CONFIG changes nothing.
func TestMonitorsStackedHeadsSideBySide(t *testing.T) {
	config := spice.SubMessage{Type: spice.MsgTypeDisplayMonitorsConfig, Body: monitorsConfigBody(2,
		spice.Head{MonitorID: 0, Width: 64, Height: 48},
		spice.Head{MonitorID: 1, Width: 40, Height: 52, Y: 48})}
	srv, got := multiServer(t, [][]spice.SubMessage{{
		primary(64, 100),
		fill(0, image.Rect(0, 0, 64, 48), 0xff0000),
		fill(0, image.Rect(0, 48, 64, 100), 0x0000ff),
		config,
		config,
	}})
	c, sink := runMulti(t, srv)
	mons, size := waitLayout(t, sink, 2)
	if size != image.Pt(104, 52) || mons[1].Dst != image.Rect(64, 0, 104, 52) || mons[1].Src != image.Rect(0, 48, 40, 100) {
		t.Fatalf("monitors %+v on %v", mons, size)
	}
	want := wantCanvas(104, 52, []part{{image.Rect(0, 0, 64, 48), 0xff0000}, {image.Rect(64, 0, 104, 52), 0x0000ff}})
	presented(t, sink, want)
	// The canvas Go keeps (what a window's first paint reads) too.
	c.scr.mu.Lock()
	if n := diffCount(&c.scr.composed, want); n != 0 {
		t.Errorf("the composed canvas differs in %d pixels after the repeated MONITORS_CONFIG", n)
	}
	c.scr.mu.Unlock()
	c.MousePosition(70, 10)
	if m := collect(t, got, 1); m[0] != "pos 6,58 b0 d1" {
		t.Errorf("sent %q, want (6,58) on the surface, display 1", m)
	}
	// Past the right edge: the last monitor's edge.
	c.MousePosition(500, 51)
	if m := collect(t, got, 1); m[0] != "pos 39,99 b0 d1" {
		t.Errorf("sent %q, want the pointer pinned to (39,99)", m)
	}
}

// QEMU's shape with two QXL devices: two display channels, a monitor each.
func TestMonitorsSeveralChannels(t *testing.T) {
	srv, got := multiServer(t, [][]spice.SubMessage{
		{primary(64, 48), fill(0, image.Rect(0, 0, 64, 48), 0xff0000), fill(0, image.Rect(10, 10, 20, 20), 0xffffff)},
		{primary(32, 40), fill(0, image.Rect(0, 0, 32, 40), 0x00ff00), fill(0, image.Rect(1, 2, 5, 6), 0x0000ff)},
	})
	c, sink := runMulti(t, srv)
	mons, size := waitLayout(t, sink, 2)
	want := []Monitor{
		{Channel: 0, DisplayID: 0, Src: image.Rect(0, 0, 64, 48), Dst: image.Rect(0, 0, 64, 48)},
		{Channel: 1, DisplayID: 1, Src: image.Rect(0, 0, 32, 40), Dst: image.Rect(64, 0, 96, 40)},
	}
	if !slices.Equal(mons, want) || size != image.Pt(96, 48) {
		t.Fatalf("monitors %+v on %v, want %+v on 96x48", mons, size, want)
	}
	presented(t, sink, wantCanvas(96, 48, []part{
		{image.Rect(0, 0, 64, 48), 0xff0000},
		{image.Rect(10, 10, 20, 20), 0xffffff},
		{image.Rect(64, 0, 96, 40), 0x00ff00},
		{image.Rect(65, 2, 69, 6), 0x0000ff},
	}))
	c.MousePosition(66, 3)
	if m := collect(t, got, 1); m[0] != "pos 2,3 b0 d1" {
		t.Errorf("sent %q, want (2,3) on channel 1's surface, display 1", m)
	}
}

// A hostile MONITORS_CONFIG: thousands of heads, heads off the surface,
// on another surface, of zero or huge size. The session goes on, shows at
// most maxHeads, each inside the surface.
func TestMonitorsHostileConfig(t *testing.T) {
	var heads []spice.Head
	heads = append(heads,
		spice.Head{MonitorID: 7, Width: 0, Height: 10},
		spice.Head{MonitorID: 8, Width: 10, Height: 10, X: 1 << 31, Y: 1 << 31},
		spice.Head{MonitorID: 9, SurfaceID: 5, Width: 10, Height: 10},
		spice.Head{MonitorID: 300, Width: 1 << 31, Height: 1 << 31, X: 60, Y: 40},
	)
	for i := range 1000 {
		heads = append(heads, spice.Head{MonitorID: uint32(i), Width: 8, Height: 8, X: uint32(i % 8 * 8)})
	}
	srv, _ := multiServer(t, [][]spice.SubMessage{{
		primary(64, 48),
		{Type: spice.MsgTypeDisplayMonitorsConfig, Body: monitorsConfigBody(2, heads...)},
	}})
	_, sink := runMulti(t, srv)
	mons, size := waitLayout(t, sink, 13) // the 300 clipped to 4x8, then 12 of the 8x8 ones fit maxHeads
	if size.X > 16*64 || size.Y > 48 {
		t.Errorf("canvas %v", size)
	}
	for _, m := range mons {
		if !m.Src.In(image.Rect(0, 0, 64, 48)) || m.Src.Empty() {
			t.Errorf("monitor %+v outside the surface", m)
		}
		if m.ID == 300 && m.DisplayID != 255 {
			t.Errorf("monitor 300 has display id %d, want 255 (the byte's limit)", m.DisplayID)
		}
	}
}

func TestSplitMonitors(t *testing.T) {
	for _, c := range []struct {
		w, h, n int
		want    []vdagent.MonConfig
	}{
		{1024, 768, 0, []vdagent.MonConfig{{Width: 1024, Height: 768, Depth: 32}}},
		{1024, 768, 1, []vdagent.MonConfig{{Width: 1024, Height: 768, Depth: 32}}},
		{1600, 600, 2, []vdagent.MonConfig{{Width: 800, Height: 600, Depth: 32}, {Width: 800, Height: 600, Depth: 32, X: 800}}},
		{1000, 600, 3, []vdagent.MonConfig{{Width: 328, Height: 600, Depth: 32}, {Width: 328, Height: 600, Depth: 32, X: 328}, {Width: 328, Height: 600, Depth: 32, X: 656}}},
		{320, 200, 2, []vdagent.MonConfig{{Width: 320, Height: 200, Depth: 32}, {Width: 320, Height: 200, Depth: 32, X: 320}}},
	} {
		if got := splitMonitors(c.w, c.h, c.n); !slices.Equal(got, c.want) {
			t.Errorf("splitMonitors(%d, %d, %d) = %+v, want %+v", c.w, c.h, c.n, got, c.want)
		}
	}
}

// BenchmarkPresentMonitors: presenting two 1024x768 monitors after a
// full-screen change. "surface": the heads side by side on their surface
// (Xspice right-of), shown as it is; "copy": stacked on the surface, so
// each is copied into the canvas first; "channels": one per display
// channel, copied likewise. The ratio to "surface" is what the copy costs.
func BenchmarkPresentMonitors(b *testing.B) {
	for _, c := range []struct {
		name   string
		setups [][]byte // per display channel: MONITORS_CONFIG or nil, after a primary of sizes[i]
		sizes  [][2]uint32
	}{
		{"surface", [][]byte{monitorsConfigBody(2, spice.Head{Width: 1024, Height: 768}, spice.Head{MonitorID: 1, Width: 1024, Height: 768, X: 1024})}, [][2]uint32{{2048, 768}}},
		{"copy", [][]byte{monitorsConfigBody(2, spice.Head{Width: 1024, Height: 768}, spice.Head{MonitorID: 1, Width: 1024, Height: 768, Y: 768})}, [][2]uint32{{1024, 1536}}},
		{"channels", [][]byte{nil, nil}, [][2]uint32{{1024, 768}, {1024, 768}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cl := New(Config{})
			defer cl.caches.close()
			var ds []*display
			for i, setup := range c.setups {
				d := newDisplay(cl, &channel{client: cl, conn: discardConn{}, id: spice.ChannelID{Type: spice.ChannelDisplay, ID: uint8(i)}})
				ctx := context.Background()
				if err := d.handle(ctx, spice.MsgTypeDisplaySurfaceCreate, surfaceCreateBody(0, c.sizes[i][0], c.sizes[i][1], spice.SurfaceFmt32xRGB, spice.SurfaceFlagPrimary)); err != nil {
					b.Fatal(err)
				}
				if setup != nil {
					if err := d.handle(ctx, spice.MsgTypeDisplayMonitorsConfig, setup); err != nil {
						b.Fatal(err)
					}
				}
				ds = append(ds, d)
			}
			if w, h, mons := cl.Monitors(); w != 2048 || h != 768 || len(mons) != 2 {
				b.Fatalf("canvas %dx%d with %d monitors", w, h, len(mons))
			}
			shown := 0
			show := func(img *raster.Image, damage []image.Rectangle) {
				for _, r := range damage {
					shown += r.Dx() * r.Dy()
				}
			}
			b.SetBytes(2048 * 768 * 4)
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range ds {
					d.primary.Damage.Add(raster.R(0, 0, d.primary.W, d.primary.H))
				}
				if !cl.Present(show) {
					b.Fatal("Present refused")
				}
			}
			if shown < b.N*2048*768 {
				b.Fatalf("presented %d pixels in %d rounds", shown, b.N)
			}
		})
	}
}
