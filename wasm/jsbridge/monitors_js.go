package jsbridge

import (
	"image"
	"syscall/js"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
)

// Monitors tells the page where each guest monitor is on the canvas
// (SessionEvents.monitors), so that it can show one in a window of its
// own and map that window's pointer back to the canvas.
func (s *screen) Monitors(w, h int, mons []session.Monitor) {
	list := make([]any, len(mons))
	for i, m := range mons {
		list[i] = map[string]any{
			"channel": int(m.Channel),
			"id":      int(m.ID),
			"x":       m.Dst.Min.X,
			"y":       m.Dst.Min.Y,
			"width":   m.Dst.Dx(),
			"height":  m.Dst.Dy(),
		}
	}
	// A monitor's window follows its monitor at once (the key is the
	// monitor's index, as the page gives it); the full redraw that a new
	// layout brings repaints it.
	for key, t := range s.targets {
		if key >= 0 && key < len(mons) {
			s.sizeTarget(t, mons[key].Dst)
		}
	}
	s.call("monitors", js.ValueOf(list), w, h)
}

// presentByTimer makes the screen present at a timer instead of at
// animation frames, or back. Animation frames stop while the console's
// page is hidden; a monitor in a window of its own copies from this
// canvas and must still see it change.
func (s *screen) presentByTimer(on bool) {
	s.byTimer = on
}

// setReportFrames turns the frame event on or off: while monitors have
// windows of their own, each copies its part of the canvas only when a
// frame changed it, rather than at every animation frame (which cost 85%
// of a core with nothing changing: BenchmarkMultimonWindow).
func (s *screen) setReportFrames(on bool) {
	s.reportFrames = on
}

// monitorTarget is the canvas of a monitor's own window: show paints the
// monitor's part of every frame into it as well, from the same ImageData,
// so a window costs one putImageData per changed rectangle and no copy
// in Go (a window copying from the screen canvas with drawImage cost 76%
// of a core while both monitors changed 10 times a second:
// BenchmarkMultimonWindow).
type monitorTarget struct {
	canvas js.Value
	put    js.Value // its 2D context's putImageData, bound
	area   image.Rectangle
}

// monitorCanvas makes canvas (when given) the window of the canvas area
// (x, y, w, h) under key, or moves key's area; it sizes the window's
// canvas and paints the area at once.
func (s *screen) monitorCanvas(key int, area image.Rectangle, canvas js.Value) bool {
	if s.targets == nil {
		s.targets = map[int]*monitorTarget{}
	}
	t := s.targets[key]
	if canvas.Type() == js.TypeObject {
		ctx := context2D(canvas)
		if ctx.Type() != js.TypeObject {
			return false
		}
		t = &monitorTarget{canvas: canvas, put: ctx.Get("putImageData").Call("bind", ctx)}
		s.targets[key] = t
	}
	if t == nil || area.Empty() || raster.CheckSize(area.Dx(), area.Dy()) != nil {
		return false
	}
	s.sizeTarget(t, area)
	if !s.imageData.IsUndefined() {
		// The ImageData holds every row presented so far: the canvas as it is.
		if a := area.Intersect(image.Rect(0, 0, s.w, s.h)); !a.Empty() {
			t.put.Invoke(s.imageData, -area.Min.X, -area.Min.Y, a.Min.X, a.Min.Y, a.Dx(), a.Dy())
			counters.calls++
		}
	}
	return true
}

func (s *screen) removeMonitorCanvas(key int) { delete(s.targets, key) }

// sizeTarget gives t its area, and its canvas the area's size.
func (s *screen) sizeTarget(t *monitorTarget, area image.Rectangle) {
	t.area = area
	if t.canvas.Get("width").Int() != area.Dx() || t.canvas.Get("height").Int() != area.Dy() {
		t.canvas.Set("width", area.Dx())
		t.canvas.Set("height", area.Dy())
	}
}

// showTargets paints the damage that falls in each monitor window.
func (s *screen) showTargets(damage []image.Rectangle, span image.Rectangle) {
	for _, t := range s.targets {
		for _, r := range damage {
			r = r.Intersect(span).Intersect(t.area)
			if !r.Empty() {
				t.put.Invoke(s.imageData, -t.area.Min.X, -t.area.Min.Y, r.Min.X, r.Min.Y, r.Dx(), r.Dy())
				counters.calls++
				counters.rects++
			}
		}
	}
}
