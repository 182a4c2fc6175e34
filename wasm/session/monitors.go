package session

import (
	"context"
	"image"
	"slices"
	"sync"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/vdagent"
)

// Several monitors. SPICE servers show them in two shapes, and the page
// gets one canvas holding every monitor side by side either way:
//
//   - one display channel whose primary surface holds several heads,
//     which DISPLAY_MONITORS_CONFIG places on it (Xspice --numheads, a QXL
//     guest driver with several outputs);
//   - several display channels, one per QXL device (QEMU with -device qxl
//     more than once), each one monitor.
//
// When the canvas is exactly one surface (one monitor, or heads that
// already sit side by side on their surface, as Xspice puts them), Present
// shows that surface as it is, with no copy. Otherwise the monitors are
// copied into a canvas-sized image of their own, which costs one copy of
// the damaged pixels.

// maxHeads bounds the heads of one channel that are shown (spice-gtk's
// MONITORS_CONFIG limit is 16 as well); a hostile MONITORS_CONFIG may
// list thousands.
const maxHeads = 16

// Monitor is one guest monitor, and where the canvas shows it.
type Monitor struct {
	Channel uint8  // display channel id
	ID      uint32 // monitor id in the channel's MONITORS_CONFIG; 0 without one
	// DisplayID is what MOUSE_POSITION carries for this monitor, as
	// spice-gtk's get_display_id computes it: the monitor id on channel
	// 0, the channel id on the others.
	DisplayID uint8
	Src       image.Rectangle // the area on the channel's primary surface
	Dst       image.Rectangle // where it is on the canvas
}

// MonitorSink is implemented by sinks that want to know the monitors
// (the page, to put a monitor in a window of its own). Monitors comes
// after the Resize that a new layout brings, with the canvas size, and
// whenever the monitors change; mons is the sink's to keep.
type MonitorSink interface {
	Monitors(w, h int, mons []Monitor)
}

// screens is the layout of the display channels' monitors on the canvas.
// Lock order: a display's mu, then screens.mu; Present takes screens.mu
// first but only TryLocks displays, so it never waits for one.
type screens struct {
	mu       sync.Mutex
	displays map[uint8]*display  // display channels with a primary surface
	heads    map[uint8][]Monitor // each channel's monitors (Src only)
	layout   []Monitor           // every monitor shown, in canvas order
	w, h     int                 // canvas size
	identity *display            // the canvas is this display's primary as it is
	composed raster.Image        // the canvas otherwise
	// redraw: the channels whose monitors the canvas lost (it was resized
	// or rearranged) and must present whole
	redraw  [256]bool
	rects   []image.Rectangle // reused damage list
	dmg     []raster.Rect     // reused damage of one display
	order   []uint8           // reused channel order
	log     func(level, msg string)
	tooWide bool // the warning that monitors were left out was logged
}

// channelHeads returns the monitors a display channel shows: the heads of
// its last MONITORS_CONFIG that lie on its primary surface (clipped to it),
// or the whole primary surface when it sent none that do. Called with
// d.mu held.
func (d *display) channelHeads() []Monitor {
	if d.primary == nil {
		return nil
	}
	ch := d.ch.id.ID
	bounds := image.Rect(0, 0, d.primary.W, d.primary.H)
	var out []Monitor
	for _, h := range d.heads {
		if h.SurfaceID != d.primaryID || h.Width == 0 || h.Height == 0 || h.X >= 1<<20 || h.Y >= 1<<20 {
			continue
		}
		w, ht := min(h.Width, 1<<20), min(h.Height, 1<<20)
		r := image.Rect(int(h.X), int(h.Y), int(h.X+w), int(h.Y+ht)).Intersect(bounds)
		if r.Empty() {
			continue
		}
		id := uint8(ch)
		if ch == 0 {
			id = uint8(min(h.MonitorID, 255))
		}
		out = append(out, Monitor{Channel: ch, ID: h.MonitorID, DisplayID: id, Src: r})
		if len(out) == maxHeads {
			break
		}
	}
	if len(out) == 0 {
		out = []Monitor{{Channel: ch, DisplayID: ch, Src: bounds}}
	}
	// Left to right as the guest arranges them, then top to bottom.
	slices.SortStableFunc(out, func(a, b Monitor) int {
		if a.Src.Min.X != b.Src.Min.X {
			return a.Src.Min.X - b.Src.Min.X
		}
		if a.Src.Min.Y != b.Src.Min.Y {
			return a.Src.Min.Y - b.Src.Min.Y
		}
		return int(a.ID) - int(b.ID)
	})
	return out
}

// monitorsConfig: the server placed the channel's monitors
// (spice.proto: DisplayChannel.monitors_config).
func (d *display) monitorsConfig(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayMonitorsConfig
	if err := m.Decode(body); err != nil {
		return err
	}
	if len(m.Heads) > maxHeads && !d.warned["heads"] {
		d.warned["heads"] = true
		d.c.log("warn", d.ch.name()+": the server lists "+errfmt.Int(len(m.Heads))+" monitors; showing the first "+errfmt.Int(maxHeads))
	}
	d.heads = append(d.heads[:0], m.Heads[:min(len(m.Heads), maxHeads)]...)
	d.c.scr.update(d, false)
	return nil
}

// update recomputes the layout after d's primary surface or heads
// changed; created reports a new primary surface, for which the sink
// hears Resize even when the layout is the same (it clears its canvas, as
// it always did for a new surface). Called with d.mu held.
func (s *screens) update(d *display, created bool) {
	heads := d.channelHeads()
	ch := d.ch.id.ID
	s.mu.Lock()
	if s.displays == nil {
		s.displays, s.heads = map[uint8]*display{}, map[uint8][]Monitor{}
	}
	if heads == nil {
		delete(s.displays, ch)
		delete(s.heads, ch)
	} else {
		s.displays[ch], s.heads[ch] = d, heads
	}
	old, ow, oh := s.layout, s.w, s.h
	s.relayout()
	changed := created || s.w != ow || s.h != oh || !slices.Equal(old, s.layout)
	if changed && len(s.layout) > 0 {
		if s.identity == nil {
			clear(s.composed.Pix)
		}
		// The canvas is cleared (a new size, or rearranged): every
		// monitor shows again, but a new surface only once drawn to, as
		// with one monitor, rather than as a black frame first.
		for _, c := range s.order {
			s.redraw[c] = !created || c != ch
			d.relayout = d.relayout || s.redraw[c] // handle invalidates, so that the redraw happens
		}
	}
	w, h, layout := s.w, s.h, slices.Clone(s.layout)
	s.mu.Unlock()
	if !changed || len(layout) == 0 {
		// No primary surface anywhere (between a destroy and the next
		// create): the canvas keeps the last picture.
		return
	}
	d.c.cfg.Sink.Resize(w, h)
	if ms, ok := d.c.cfg.Sink.(MonitorSink); ok {
		ms.Monitors(w, h, layout)
	}
	if len(layout) > 1 && len(old) != len(layout) {
		d.c.log("info", "display: "+errfmt.Int(len(layout))+" monitors, side by side on a "+errfmt.Int(w)+"x"+errfmt.Int(h)+" canvas")
	}
}

// relayout places the monitors side by side, channel by channel, each
// channel's heads left to right; called with mu held.
func (s *screens) relayout() {
	s.order = s.order[:0]
	for ch := range s.heads {
		s.order = append(s.order, ch)
	}
	slices.Sort(s.order)
	s.layout = s.layout[:0:0] // a new array: the old one was handed out
	x, h := 0, 0
	for _, ch := range s.order {
		for _, m := range s.heads[ch] {
			w := m.Src.Dx()
			if raster.CheckSize(x+w, max(h, m.Src.Dy())) != nil {
				if s.log != nil && !s.tooWide {
					s.tooWide = true
					s.log("warn", "display: too many monitors to show side by side; the ones past "+errfmt.Int(x)+" pixels are left out")
				}
				break
			}
			m.Dst = image.Rect(x, 0, x+w, m.Src.Dy())
			s.layout = append(s.layout, m)
			x += w
			h = max(h, m.Src.Dy())
		}
	}
	s.w, s.h = x, h
	s.identity = nil
	if len(s.order) == 1 {
		d := s.displays[s.order[0]]
		same := d.primary != nil && d.primary.W == s.w && d.primary.H == s.h
		for _, m := range s.layout {
			same = same && m.Src == m.Dst
		}
		if same {
			s.identity = d
		}
	}
	if s.identity == nil && len(s.layout) > 0 && (s.composed.W != s.w || s.composed.H != s.h) {
		// Sizes were checked above. update clears it when the layout
		// changed; an unchanged one keeps its picture.
		_ = s.composed.Resize(s.w, s.h)
	}
}

// present is Client.Present with several monitors or one.
func (s *screens) present(show func(img *raster.Image, damage []image.Rectangle)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.layout) == 0 {
		return true
	}
	if d := s.identity; d != nil {
		if !d.mu.TryLock() {
			return false
		}
		defer d.mu.Unlock()
		d.invalidated = false
		p := d.primary
		if p == nil || p.W != s.w || p.H != s.h {
			return true
		}
		if ch := d.ch.id.ID; s.redraw[ch] {
			s.redraw[ch] = false
			p.Damage.Add(raster.R(0, 0, p.W, p.H))
		}
		if p.Damage.Empty() {
			return true
		}
		s.rects = p.Damage.AppendRectangles(s.rects[:0])
		p.Damage.Reset()
		show(&p.Image, s.rects)
		d.presented()
		return true
	}
	ok := true
	s.rects = s.rects[:0]
	for _, ch := range s.order {
		d := s.displays[ch]
		if !d.mu.TryLock() {
			ok = false
			continue
		}
		d.invalidated = false
		if p := d.primary; p != nil {
			s.dmg = append(s.dmg[:0], p.Damage.Rects()...)
			if s.redraw[ch] {
				s.redraw[ch] = false
				s.dmg = append(s.dmg[:0], raster.R(0, 0, p.W, p.H))
			}
			p.Damage.Reset()
			for _, m := range s.layout {
				if m.Channel != ch {
					continue
				}
				for _, r := range s.dmg {
					src := r.Rectangle().Intersect(m.Src)
					if src.Empty() || !src.In(image.Rect(0, 0, p.W, p.H)) {
						continue
					}
					dst := src.Add(m.Dst.Min.Sub(m.Src.Min))
					copyRect(&s.composed, dst.Min, &p.Image, src)
					s.rects = append(s.rects, dst)
				}
			}
		}
		// Counted as presented before show, which comes once for all
		// channels below: the difference is one copy.
		d.presented()
		d.mu.Unlock()
	}
	if len(s.rects) > 0 {
		show(&s.composed, s.rects)
	}
	return ok
}

// copyRect copies src's pixels in r to dst at at; both are RGBA images
// and the areas lie inside them.
func copyRect(dst *raster.Image, at image.Point, src *raster.Image, r image.Rectangle) {
	n := r.Dx() * 4
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(dst.Row(at.Y + y - r.Min.Y)[at.X*4:at.X*4+n], src.Row(y)[r.Min.X*4:r.Min.X*4+n])
	}
}

// pointer maps a canvas pixel to what MOUSE_POSITION carries: the
// monitor under it (the nearest one when the point is past every
// monitor), and a position in it. agent tells which position: with the
// guest agent moving the pointer, the monitor's own pixels, which the
// agent offsets by the monitor's place (spice-vdagent, as spice-gtk
// sends them); without, the server's tablet takes the position on the
// channel's surface (Xspice places every head on one surface).
func (s *screens) pointer(x, y int, agent bool) (px, py int, displayID uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.layout) == 0 {
		return x, y, 0
	}
	m := s.layout[len(s.layout)-1]
	for _, c := range s.layout {
		if x < c.Dst.Max.X {
			m = c
			break
		}
	}
	lx := min(max(x-m.Dst.Min.X, 0), m.Dst.Dx()-1)
	ly := min(max(y-m.Dst.Min.Y, 0), m.Dst.Dy()-1)
	if agent {
		return lx, ly, m.DisplayID
	}
	return m.Src.Min.X + lx, m.Src.Min.Y + ly, m.DisplayID
}

// canvasPoint maps a position on a channel's surface (the guest's
// pointer, in server mouse mode) to the canvas; ok is false when no
// monitor shows it.
func (s *screens) canvasPoint(ch uint8, x, y int) (cx, cy int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := image.Pt(x, y)
	for _, m := range s.layout {
		if m.Channel == ch && p.In(m.Src) {
			q := p.Add(m.Dst.Min.Sub(m.Src.Min))
			return q.X, q.Y, true
		}
	}
	return 0, 0, false
}

// count is how many monitors the canvas shows.
func (s *screens) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.layout)
}

// Monitors returns the monitors shown and the canvas size.
func (c *Client) Monitors() (w, h int, mons []Monitor) {
	s := &c.scr
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w, s.h, slices.Clone(s.layout)
}

// agentMoves reports whether the guest agent is connected, and so (with
// the server's agent-mouse setting, on by default in QEMU and Xspice)
// the one that moves the pointer in client mouse mode.
func (c *Client) agentMoves() bool {
	a := c.agentFor()
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.connected && !a.closed
}

// position reports the guest's pointer (server mouse mode) on the
// canvas. Each QXL device has its cursor channel, whose positions are on
// the display channel of the same id; a position no monitor shows hides
// the pointer.
func (cc *cursorChannel) position(visible bool) {
	x, y, ok := cc.x, cc.y, true
	if cc.c.scr.count() > 0 {
		x, y, ok = cc.c.scr.canvasPoint(cc.ch, cc.x, cc.y)
	}
	cc.c.cfg.Sink.CursorPosition(x, y, visible && ok)
}

// splitMonitors is the MONITORS_CONFIG for a console area of w x h (a
// GuestSize) showing n monitors side by side: n monitors of equal width
// in a row, so that the guest keeps every head and the canvas fits the
// area. One monitor (or none yet) is the area itself, as before there
// were several.
func splitMonitors(w, h, n int) []vdagent.MonConfig {
	n = min(max(n, 1), maxHeads)
	each := max(w/n&^7, minGuestW)
	out := make([]vdagent.MonConfig, n)
	for i := range out {
		out[i] = vdagent.MonConfig{Width: uint32(each), Height: uint32(h), Depth: 32, X: int32(i * each)}
	}
	if n == 1 {
		out[0].Width = uint32(w)
	}
	return out
}
