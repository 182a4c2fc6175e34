package session

// Sink receives what the session shows. Methods are called from channel
// goroutines, one at a time per channel; implementations must not block
// for long and must not call back into the Client synchronously.
type Sink interface {
	State(s State, message string)
	// Log is for diagnostics; level is "debug", "info", "warn" or "error".
	Log(level, message string)
	// MouseMode reports the server's current mouse mode
	// (spice.MouseModeServer or spice.MouseModeClient).
	MouseMode(mode uint32)
	// Resize reports the size of a new primary surface, before anything
	// is presented from it.
	Resize(w, h int)
	// Invalidate reports that the screen changed since the last
	// Client.Present. It comes once until the next Present, from the
	// display channel's goroutine with no lock held: the sink may call
	// Present at once, or (in the browser) at the next animation frame, so
	// that the screen is updated at most as often as it can be shown.
	Invalidate()
	// FirstFrame reports the first complete frame (display MARK); the
	// Invalidate for its damage comes first.
	FirstFrame()
	// Cursor sets the pointer shape; nil hides it.
	Cursor(c *CursorShape)
	// CursorPosition reports where the guest's pointer is, in server mouse mode.
	CursorPosition(x, y int, visible bool)
}

// CursorShape is a pointer image in straight-alpha RGBA.
type CursorShape struct {
	RGBA          []byte
	Width, Height int
	HotX, HotY    int
}
