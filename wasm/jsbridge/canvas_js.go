package jsbridge

import (
	"image"
	"syscall/js"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
)

// counters are the crossings between Go and JavaScript on the hot paths
// and what presenting cost, since the module started (GoSession.stats).
var counters struct {
	callbacks, calls, frames, rects, presentedBytes int
}

// screen is the session.Sink of one connection: it presents the primary
// surface into the canvas (an OffscreenCanvas in the worker, or the page's
// canvas) at most once per animation frame, and forwards events to the
// page's SessionEvents object (webui/src/goapi.ts).
type screen struct {
	canvas js.Value
	ctx2d  js.Value
	events js.Value
	client *session.Client // set right after session.New

	w, h      int
	pixels    js.Value // Uint8ClampedArray backing imageData, w*h*4
	imageData js.Value
	// Bound once, called with Invoke: a Call by method name costs a
	// string decode each time, and these run every frame.
	subarray  js.Value // pixels.subarray
	put       js.Value // ctx2d.putImageData
	raf       js.Value // requestAnimationFrame, or setTimeout
	cursorBuf js.Value // reused Uint8ClampedArray for cursor shapes

	frameFn      js.Func
	frameID      js.Value // the pending request's id, to cancel it
	framePending bool
	firstPending bool // FirstFrame came; emit it after the next frame
	useRAF       bool // requestAnimationFrame exists here (window or worker)
	// byTimer: present at a timer even where animation frames exist
	// (monitors_js.go); pendingRAF: the pending request is an animation
	// frame, to cancel it the right way.
	byTimer, pendingRAF bool
	reportFrames        bool                   // tell the page each frame's changed area (monitors_js.go)
	targets             map[int]*monitorTarget // monitors' own windows (monitors_js.go)
	timeout             js.Value               // setTimeout, bound
	ended               bool
}

// context2D returns canvas's opaque 2D context, made once per canvas and
// kept on it: the worker's screen canvas serves every session after a
// reconnect, and Firefox refuses a second getContext on an OffscreenCanvas
// in a worker ("Cannot update created context to different thread").
func context2D(canvas js.Value) js.Value {
	if ctx := canvas.Get("spiceweb2d"); ctx.Type() == js.TypeObject {
		return ctx
	}
	ctx := canvas.Call("getContext", "2d", map[string]any{"alpha": false})
	if ctx.Type() == js.TypeObject {
		canvas.Set("spiceweb2d", ctx)
	}
	return ctx
}

func newScreen(canvas, events js.Value) *screen {
	ctx := context2D(canvas)
	s := &screen{canvas: canvas, ctx2d: ctx, events: events,
		useRAF: js.Global().Get("requestAnimationFrame").Type() == js.TypeFunction,
		put:    ctx.Get("putImageData").Call("bind", ctx)}
	s.timeout = js.Global().Get("setTimeout").Call("bind", js.Global())
	if s.useRAF {
		s.raf = js.Global().Get("requestAnimationFrame").Call("bind", js.Global())
	} else {
		s.raf = s.timeout
	}
	s.frameFn = js.FuncOf(func(js.Value, []js.Value) any {
		counters.callbacks++
		s.frame()
		return nil
	})
	return s
}

// end stops frames and releases the frame callback once the session is over.
func (s *screen) end() {
	s.ended = true
	if s.framePending {
		if s.pendingRAF {
			js.Global().Call("cancelAnimationFrame", s.frameID)
		} else {
			js.Global().Call("clearTimeout", s.frameID)
		}
	}
	s.frameFn.Release()
}

// requestFrame asks for one call of frame at the next animation frame
// (where the browser has none, in about a display refresh).
func (s *screen) requestFrame() {
	if s.framePending || s.ended {
		return
	}
	s.framePending = true
	counters.calls++
	s.pendingRAF = s.useRAF && !s.byTimer
	if s.pendingRAF {
		s.frameID = s.raf.Invoke(s.frameFn)
	} else {
		s.frameID = s.timeout.Invoke(s.frameFn, 16)
	}
}

func (s *screen) frame() {
	s.framePending = false
	if s.ended {
		return
	}
	if !s.client.Present(s.show) {
		// The display is inside a message that waits; next frame.
		s.requestFrame()
		return
	}
	if s.firstPending {
		s.firstPending = false
		s.call("firstFrame")
	}
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
	s.subarray = s.pixels.Get("subarray").Call("bind", s.pixels)
	s.call("resize", w, h)
}

func (s *screen) Invalidate() { s.requestFrame() }

// show copies the rows spanned by the damage into the ImageData with one
// CopyBytesToJS (the surface's rows are packed, so the span is
// contiguous) and puts only the damaged rectangles into the canvas.
func (s *screen) show(img *raster.Image, damage []image.Rectangle) {
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
	js.CopyBytesToJS(s.subarray.Invoke(lo, hi), img.Pix[lo:hi])
	counters.calls += 2
	counters.frames++
	counters.presentedBytes += hi - lo
	changed := image.Rectangle{}
	for _, r := range damage {
		r = r.Intersect(span)
		if !r.Empty() {
			s.put.Invoke(s.imageData, 0, 0, r.Min.X, r.Min.Y, r.Dx(), r.Dy())
			counters.calls++
			counters.rects++
			changed = changed.Union(r)
		}
	}
	if len(s.targets) > 0 {
		s.showTargets(damage, span)
	}
	if s.reportFrames && !changed.Empty() {
		s.call("frame", changed.Min.X, changed.Min.Y, changed.Dx(), changed.Dy())
	}
}

func (s *screen) FirstFrame() {
	s.firstPending = true
	s.requestFrame()
}

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
