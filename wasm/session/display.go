package session

import (
	"context"
	"errors"
	"image"
	"strings"
	"sync"
	"time"

	"spiceweb/wasm/codec/quic"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// maxSurfaces bounds the surface ids a server may use (Xspice and the QXL
// drivers stay far below; spice-gtk allows up to 10000 too).
const maxSurfaces = 10000

// surfacePixelBudget bounds the pixels of all surfaces of a channel
// together (192 MiB of RGBA): each surface is limited by raster.MaxPixels,
// but a hostile server could otherwise create thousands of them. Real
// servers stay far below: a screen plus off-screen surfaces bounded by the
// guest's video memory.
const surfacePixelBudget = 3 * raster.MaxPixels

// sessionSurfacePixels bounds the surfaces of all display channels of a
// session together (256 MiB of RGBA): a server may open a display channel
// per monitor, each with its own surfaces. Four 4096x2160 monitors take
// 141 MiB.
const sessionSurfacePixels = 4 * raster.MaxPixels

// display is the state of one display channel (channel-display.c).
type display struct {
	c  *Client
	ch *channel

	// mu is held while a message is handled, so that Client.Present sees
	// the surfaces between messages only.
	mu sync.Mutex

	surfaces    map[uint32]*raster.Surface
	pixels      int // total pixels of surfaces, against budget
	budget      int
	primaryID   uint32
	primary     *raster.Surface // nil until the server creates it
	rects       []image.Rectangle
	invalidated bool         // Sink.Invalidate was called since the last present
	relayout    bool         // the monitors' layout changed: invalidate after the message
	heads       []spice.Head // the last MONITORS_CONFIG (monitors.go)
	marked      bool
	firstFrame  bool // the first MARK came; tell the sink after the message

	palettes map[uint64][]uint32 // per channel (spice-gtk palette cache)
	streams  map[uint32]*stream
	jpegs    *jpegChooser // decodes MJPEG frames, one at a time (jpegMu)
	jpegMu   sync.Mutex
	statsMu  sync.Mutex
	stats    VideoStats  // display_video.go
	drawnAt  []time.Time // video pictures drawn, not yet presented (video_latency.go)
	seenType map[spice.ImageType]bool
	warned   map[string]bool

	// Reused buffers: decode targets for images that are not cached (the
	// source, a brush pattern), a copy for self-referencing draws, the
	// clip list and the mask bits.
	quic       quic.Decoder
	scratch    raster.Image
	patternBuf raster.Image
	selfCopy   raster.Image
	rowTmp     []byte
	clipBuf    []raster.Rect
	maskBits   raster.Bitmap
	ops        opScratch // display_composite.go
}

// displayCaps are the display capabilities this client implements. The
// server forwards some of them to the guest's QXL driver, so advertising
// one that is not implemented changes what the guest draws. Video codecs
// are advertised when they can be decoded here (video.go).
func displayCaps(c *Client) spice.Caps {
	caps := spice.Caps(nil).
		With(spice.DisplayCapPrefCompression).
		With(spice.DisplayCapMonitorsConfig). // monitors.go: without it the server never places the heads
		With(spice.DisplayCapLZ4Compression).
		With(spice.DisplayCapSizedStream).
		With(spice.DisplayCapComposite).
		With(spice.DisplayCapStreamReport).
		With(spice.DisplayCapMultiCodec).
		With(spice.DisplayCapPrefVideoCodecType)
	for _, k := range c.videoCodecs() {
		caps = caps.With(videoCodecCaps[k])
	}
	return caps
}

func newDisplay(c *Client, ch *channel) *display {
	return &display{c: c, ch: ch, budget: surfacePixelBudget,
		surfaces: map[uint32]*raster.Surface{}, palettes: map[uint64][]uint32{},
		streams: map[uint32]*stream{}, jpegs: newJPEGChooser(c.cfg.JPEGDecoders, c.log),
		seenType: map[spice.ImageType]bool{}, warned: map[string]bool{}}
}

func (c *Client) setupDisplay(ch *channel) (handler, error) {
	d := newDisplay(c, ch)
	// The server waits for DISPLAY_INIT right after the link.
	err := ch.send(&spice.MsgcDisplayInit{
		PixmapCacheID:           pixmapCacheID,
		PixmapCacheSize:         pixmapCachePixels,
		GLZDictionaryID:         glzDictionaryID,
		GLZDictionaryWindowSize: glzWindowPixels,
	})
	if err != nil {
		return nil, err
	}
	if pc := c.cfg.PreferredCompression; pc != 0 && ch.channelCaps.Has(spice.DisplayCapPrefCompression) {
		if err := ch.send(&spice.MsgcDisplayPreferredCompression{Compression: pc}); err != nil {
			return nil, err
		}
	}
	if ch.channelCaps.Has(spice.DisplayCapPrefVideoCodecType) {
		// spice-gtk sends it only when the user chose; sending it always
		// makes the cheapest codec the default rather than the server's
		// first.
		pref := c.videoCodecs()
		if err := ch.send(&spice.MsgcDisplayPreferredVideoCodecType{Codecs: pref}); err != nil {
			return nil, err
		}
		names := make([]string, len(pref))
		for i, k := range pref {
			names[i] = codecName(k)
		}
		c.log("info", "display: video codecs, preferred first: "+strings.Join(names, ", "))
	}
	if ch.id.ID == 0 {
		c.mu.Lock()
		c.screen = d
		c.mu.Unlock()
	}
	return d.handle, nil
}

func (d *display) handle(ctx context.Context, t spice.MsgType, body []byte) error {
	h := displayHandlers[t]
	if h == nil {
		return errUnknownMessage
	}
	if !videoOrderFree[t] {
		d.settleVideo() // display_video.go: later messages see earlier frames
	}
	d.mu.Lock()
	err := h(d, ctx, body)
	// The sink hears of damage once per presentation, not per message.
	invalidate := d.relayout || !d.invalidated && d.primary != nil && !d.primary.Damage.Empty()
	if invalidate {
		d.invalidated = true
		d.relayout = false
	}
	first := d.firstFrame && d.ch.id.ID == 0
	d.firstFrame = false
	d.mu.Unlock()
	// Outside the lock: the sink may call Present from here. Every
	// display channel's monitors are on the canvas (monitors.go).
	if invalidate {
		d.c.cfg.Sink.Invalidate()
	}
	if first {
		d.c.cfg.Sink.FirstFrame()
	}
	return err
}

var displayHandlers = map[spice.MsgType]func(*display, context.Context, []byte) error{
	spice.MsgTypeDisplayMark:                 (*display).mark,
	spice.MsgTypeDisplayReset:                (*display).reset,
	spice.MsgTypeDisplaySurfaceCreate:        (*display).surfaceCreate,
	spice.MsgTypeDisplaySurfaceDestroy:       (*display).surfaceDestroy,
	spice.MsgTypeDisplayInvalList:            (*display).invalList,
	spice.MsgTypeDisplayInvalAllPixmaps:      (*display).invalAllPixmaps,
	spice.MsgTypeDisplayInvalPalette:         (*display).invalPalette,
	spice.MsgTypeDisplayInvalAllPalettes:     (*display).invalAllPalettes,
	spice.MsgTypeDisplayMonitorsConfig:       (*display).monitorsConfig, // monitors.go
	spice.MsgTypeDisplayCopyBits:             (*display).copyBits,
	spice.MsgTypeDisplayDrawFill:             (*display).drawFill,
	spice.MsgTypeDisplayDrawCopy:             (*display).drawCopy,
	spice.MsgTypeDisplayDrawBlend:            (*display).drawBlend,
	spice.MsgTypeDisplayDrawOpaque:           (*display).drawOpaque,
	spice.MsgTypeDisplayDrawBlackness:        (*display).drawBlackness,
	spice.MsgTypeDisplayDrawWhiteness:        (*display).drawWhiteness,
	spice.MsgTypeDisplayDrawInvers:           (*display).drawInvers,
	spice.MsgTypeDisplayDrawTransparent:      (*display).drawTransparent,
	spice.MsgTypeDisplayDrawAlphaBlend:       (*display).drawAlphaBlend,
	spice.MsgTypeDisplayDrawRop3:             (*display).drawRop3,
	spice.MsgTypeDisplayDrawStroke:           (*display).drawStroke,
	spice.MsgTypeDisplayDrawText:             (*display).drawText,
	spice.MsgTypeDisplayDrawComposite:        (*display).drawComposite,
	spice.MsgTypeDisplayStreamCreate:         (*display).streamCreate,
	spice.MsgTypeDisplayStreamData:           (*display).streamData,
	spice.MsgTypeDisplayStreamDataSized:      (*display).streamDataSized,
	spice.MsgTypeDisplayStreamClip:           (*display).streamClip,
	spice.MsgTypeDisplayStreamDestroy:        (*display).streamDestroy,
	spice.MsgTypeDisplayStreamDestroyAll:     (*display).streamDestroyAll,
	spice.MsgTypeDisplayStreamActivateReport: (*display).streamActivateReport,
}

// videoOrderFree are the messages that need not wait for the pictures of
// earlier video frames: they neither draw nor read a surface, nor change
// how frames are drawn.
var videoOrderFree = map[spice.MsgType]bool{
	spice.MsgTypeDisplayStreamData:           true,
	spice.MsgTypeDisplayStreamDataSized:      true,
	spice.MsgTypeDisplayStreamActivateReport: true,
	spice.MsgTypeDisplayMark:                 true,
	spice.MsgTypeDisplayInvalList:            true,
	spice.MsgTypeDisplayInvalPalette:         true,
	spice.MsgTypeDisplayInvalAllPalettes:     true,
	spice.MsgTypeDisplayMonitorsConfig:       true,
}

// Present shows what changed on the screen since the last call: show gets
// the canvas (every display channel's monitors side by side, monitors.go)
// and the damaged rectangles, both valid only during the call. The sink
// calls it when the screen can show a new frame, after Sink.Invalidate;
// many messages' damage then costs one presentation.
//
// Present never blocks: it reports false when a display is in the middle
// of a message that waits (for another channel, or a cached image), and
// the caller tries again at its next frame. In the browser a blocking
// lock in a JavaScript callback would stall the event loop.
func (c *Client) Present(show func(img *raster.Image, damage []image.Rectangle)) bool {
	return c.scr.present(show)
}

func (d *display) mark(ctx context.Context, body []byte) error {
	if !d.marked {
		d.marked = true
		d.firstFrame = true
	}
	return nil
}

// reset drops the palette cache and forgets the first-frame mark
// (channel-display.c display_handle_reset).
func (d *display) reset(ctx context.Context, body []byte) error {
	clear(d.palettes)
	d.marked = false
	if d.primary != nil {
		d.primary.Clear()
	}
	return nil
}

func surfaceFormat(f spice.SurfaceFmt) (raster.Format, error) {
	switch f {
	case spice.SurfaceFmt32xRGB:
		return raster.FormatXRGB32, nil
	case spice.SurfaceFmt32ARGB:
		return raster.FormatARGB32, nil
	case spice.SurfaceFmt8A:
		return raster.FormatA8, nil
	case spice.SurfaceFmt16_555:
		return raster.FormatRGB16_555, nil
	case spice.SurfaceFmt16_565:
		return raster.FormatRGB16_565, nil
	case spice.SurfaceFmt1A:
		return raster.FormatA1, nil
	}
	return 0, spice.UnsupportedError("surface format " + errfmt.Int(f))
}

func (d *display) surfaceCreate(ctx context.Context, body []byte) error {
	var m spice.MsgDisplaySurfaceCreate
	if err := m.Decode(body); err != nil {
		return err
	}
	if m.SurfaceID >= maxSurfaces {
		return errors.New("surface id " + errfmt.Int(m.SurfaceID) + " out of range")
	}
	f, err := surfaceFormat(m.Format)
	if err != nil {
		return err
	}
	if err := raster.CheckSize(int(m.Width), int(m.Height)); err != nil {
		return errfmt.Wrap(surfaceName(&m), err)
	}
	d.removeSurface(m.SurfaceID) // a new surface replaces one with its id
	n := int(m.Width) * int(m.Height)
	if d.pixels+n > d.budget {
		return errors.New(surfaceName(&m) + ": the server's surfaces would exceed " + errfmt.Int(d.budget*4>>20) + " MiB")
	}
	if total := d.c.surfacePixels.Add(int64(n)); total > d.c.surfaceBudget {
		d.c.surfacePixels.Add(-int64(n))
		return errors.New(surfaceName(&m) + ": the server's surfaces on all its display channels would exceed " +
			errfmt.Int(d.c.surfaceBudget*4>>20) + " MiB")
	}
	s, err := raster.NewSurface(int(m.Width), int(m.Height), f)
	if err != nil {
		d.c.surfacePixels.Add(-int64(n))
		return errfmt.Wrap(surfaceName(&m), err)
	}
	d.surfaces[m.SurfaceID] = s
	d.pixels += n
	if m.Flags&spice.SurfaceFlagPrimary != 0 {
		d.primaryID, d.primary = m.SurfaceID, s
		d.c.scr.update(d, true)
	}
	return nil
}

// surfaceName names a surface being created in its errors, as
// "surface 3 (640x480)".
func surfaceName(m *spice.MsgDisplaySurfaceCreate) string {
	return "surface " + errfmt.Int(m.SurfaceID) + " (" + errfmt.Int(m.Width) + "x" + errfmt.Int(m.Height) + ")"
}

func (d *display) surfaceDestroy(ctx context.Context, body []byte) error {
	var m spice.MsgDisplaySurfaceDestroy
	if err := m.Decode(body); err != nil {
		return err
	}
	d.removeSurface(m.SurfaceID)
	return nil
}

func (d *display) removeSurface(id uint32) {
	s := d.surfaces[id]
	if s == nil {
		return
	}
	d.pixels -= s.W * s.H
	d.c.surfacePixels.Add(-int64(s.W * s.H))
	delete(d.surfaces, id)
	if s == d.primary {
		d.primary = nil
		d.c.scr.update(d, false)
	}
}

// surface returns the target of a draw.
func (d *display) surface(id uint32) (*raster.Surface, error) {
	s := d.surfaces[id]
	if s == nil {
		return nil, errors.New("draw to unknown surface " + errfmt.Int(id))
	}
	return s, nil
}

func (d *display) invalList(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayInvalList
	if err := m.Decode(body); err != nil {
		return err
	}
	for _, r := range m.Resources {
		if r.Type == spice.ResourceTypePixmap {
			d.c.caches.remove(r.ID)
		}
	}
	return nil
}

func (d *display) invalAllPixmaps(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayInvalAllPixmaps
	if err := m.Decode(body); err != nil {
		return err
	}
	if err := d.c.waitFor(ctx, m.Waits); err != nil {
		return err
	}
	d.c.caches.clearImages()
	return nil
}

func (d *display) invalPalette(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayInvalPalette
	if err := m.Decode(body); err != nil {
		return err
	}
	delete(d.palettes, m.ID)
	return nil
}

func (d *display) invalAllPalettes(ctx context.Context, body []byte) error {
	clear(d.palettes)
	return nil
}
