package jsbridge

import (
	"image"
	"syscall/js"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
)

// screen is the session.Sink of one connection: it draws the primary
// surface into the page's canvas and forwards events to the page's
// SessionEvents object (webui/src/goapi.ts).
type screen struct {
	canvas js.Value
	ctx2d  js.Value
	events js.Value

	w, h      int
	pixels    js.Value // Uint8ClampedArray backing imageData, w*h*4
	imageData js.Value
	cursorBuf js.Value // reused Uint8ClampedArray for cursor shapes
}

func newScreen(canvas, events js.Value) *screen {
	ctx := canvas.Call("getContext", "2d", map[string]any{"alpha": false})
	return &screen{canvas: canvas, ctx2d: ctx, events: events}
}

// call invokes an event callback, keeping a throwing page handler from
// unwinding into the session goroutine.
func (s *screen) call(name string, args ...any) {
	defer func() { _ = recover() }()
	if f := s.events.Get(name); f.Type() == js.TypeFunction {
		s.events.Call(name, args...)
	}
}

func (s *screen) State(st session.State, message string) { s.call("status", st.String(), message) }

func (s *screen) Log(level, message string) { s.call("log", level, message) }

func (s *screen) MouseMode(mode uint32) {
	if mode == 2 {
		s.call("mouseMode", "client")
	} else {
		s.call("mouseMode", "server")
	}
}

func (s *screen) Resize(w, h int) {
	s.w, s.h = w, h
	s.canvas.Set("width", w)
	s.canvas.Set("height", h)
	s.pixels = js.Global().Get("Uint8ClampedArray").New(w * h * 4)
	s.imageData = js.Global().Get("ImageData").New(s.pixels, w, h)
	s.call("resize", w, h)
}

// Present copies the rows spanned by the damage into the ImageData with
// one CopyBytesToJS (the surface's rows are packed, so the span is
// contiguous) and paints only the damaged rectangles.
func (s *screen) Present(img *raster.Image, damage []image.Rectangle) {
	if s.pixels.IsUndefined() || img.W != s.w || img.H != s.h || len(damage) == 0 || img.Stride != img.W*4 {
		return
	}
	span := damage[0]
	for _, r := range damage[1:] {
		span = span.Union(r)
	}
	span = span.Intersect(image.Rect(0, 0, s.w, s.h))
	if span.Empty() {
		return
	}
	lo, hi := span.Min.Y*img.Stride, span.Max.Y*img.Stride
	js.CopyBytesToJS(s.pixels.Call("subarray", lo, hi), img.Pix[lo:hi])
	for _, r := range damage {
		r = r.Intersect(span)
		if !r.Empty() {
			s.ctx2d.Call("putImageData", s.imageData, 0, 0, r.Min.X, r.Min.Y, r.Dx(), r.Dy())
		}
	}
}

func (s *screen) FirstFrame() { s.call("firstFrame") }

func (s *screen) Cursor(c *session.CursorShape) {
	if c == nil {
		s.call("cursor", js.Null(), 0, 0, 0, 0)
		return
	}
	n := len(c.RGBA)
	if s.cursorBuf.IsUndefined() || s.cursorBuf.Length() != n {
		s.cursorBuf = js.Global().Get("Uint8ClampedArray").New(n)
	}
	js.CopyBytesToJS(s.cursorBuf, c.RGBA)
	s.call("cursor", s.cursorBuf, c.Width, c.Height, c.HotX, c.HotY)
}

func (s *screen) CursorPosition(x, y int, visible bool) { s.call("cursorPosition", x, y, visible) }
