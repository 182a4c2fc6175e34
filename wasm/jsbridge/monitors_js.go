package jsbridge

import (
	"syscall/js"

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
