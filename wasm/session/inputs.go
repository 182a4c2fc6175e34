package session

import (
	"context"
	"sync"

	"spiceweb/wasm/input"
	"spiceweb/wasm/spice"
)

// maxWheelSteps bounds the notches one wheel event may send.
const maxWheelSteps = 16

// inputs is the inputs channel (channel-inputs.c): keys, buttons and
// motion, with motion throttled by MOTION_ACK as spice-gtk does: at most
// two bunches unacknowledged, and while waiting relative motion adds up
// and only the latest absolute position is kept.
type inputs struct {
	c  *Client
	ch *channel

	mu        sync.Mutex
	pressed   map[uint32]bool // KEY_DOWN codes currently held
	buttons   uint16          // SPICE buttons-state mask
	unacked   int             // motion messages not yet acknowledged
	dx, dy    int             // relative motion waiting to be sent
	posX      int             // absolute position waiting to be sent
	posY      int
	posID     uint8 // the display id of the monitor under the pointer (monitors.go)
	posQueued bool
}

func (c *Client) setupInputs(ch *channel) (handler, error) {
	in := &inputs{c: c, ch: ch, pressed: map[uint32]bool{}}
	c.mu.Lock()
	c.inputs = in
	c.mu.Unlock()
	return in.handle, nil
}

func (in *inputs) handle(ctx context.Context, t spice.MsgType, body []byte) error {
	switch t {
	case spice.MsgTypeInputsInit, spice.MsgTypeInputsKeyModifiers:
		// Lock-key state of the guest; the page does not mirror it.
		return nil
	case spice.MsgTypeInputsMouseMotionAck:
		in.mu.Lock()
		defer in.mu.Unlock()
		in.unacked -= spice.InputMotionAckBunch
		if in.unacked < 0 {
			in.unacked = 0
		}
		return in.flushMotion()
	}
	return errUnknownMessage
}

// throttled reports whether motion must wait for an ack.
func (in *inputs) throttled() bool { return in.unacked >= 2*spice.InputMotionAckBunch }

// flushMotion sends queued motion if the window allows. Called with mu held.
func (in *inputs) flushMotion() error {
	if in.throttled() {
		return nil
	}
	if in.posQueued {
		in.posQueued = false
		in.unacked++
		return in.ch.send(&spice.MsgcInputsMousePosition{X: uint32(in.posX), Y: uint32(in.posY), ButtonsState: in.buttons, DisplayID: in.posID})
	}
	if in.dx != 0 || in.dy != 0 {
		dx, dy := in.dx, in.dy
		in.dx, in.dy = 0, 0
		in.unacked++
		return in.ch.send(&spice.MsgcInputsMouseMotion{DX: int32(dx), DY: int32(dy), ButtonsState: in.buttons})
	}
	return nil
}

// input returns the linked inputs channel, or nil before it is linked.
func (c *Client) input() *inputs {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inputs
}

// Key sends a key press or release for a KeyboardEvent.code. It reports
// whether the code has a PC scancode. Repeated presses are sent as they
// come: the guest sees typematic repeat from the client, as with spice-gtk.
func (c *Client) Key(code string, down bool) bool {
	sc, ok := input.Scancode(code)
	if !ok {
		return false
	}
	in := c.input()
	if in == nil {
		return true
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.key(sc, down)
	return true
}

// key sends one code; called with mu held.
func (in *inputs) key(sc uint32, down bool) {
	if down {
		in.pressed[sc] = true
		in.send(&spice.MsgcInputsKeyDown{Code: sc})
		return
	}
	if !in.pressed[sc] {
		return // a release for a press the guest never saw (focus came back mid-keystroke)
	}
	delete(in.pressed, sc)
	in.send(&spice.MsgcInputsKeyUp{Code: input.Release(sc)})
}

// send writes a message; a failure means the channel is going down, which
// its reader reports, so input calls never return errors.
func (in *inputs) send(m spice.ClientMessage) { _ = in.ch.send(m) }

// MousePosition moves the pointer to canvas pixel (x, y) in client mouse
// mode: the monitor there gets it (monitors.go).
func (c *Client) MousePosition(x, y int) {
	in := c.input()
	if in == nil || c.currentMouseMode() != spice.MouseModeClient {
		return
	}
	px, py, id := c.scr.pointer(max(x, 0), max(y, 0), c.agentMoves())
	in.mu.Lock()
	defer in.mu.Unlock()
	in.posX, in.posY, in.posID, in.posQueued = max(px, 0), max(py, 0), id, true
	_ = in.flushMotion()
}

// MouseMotion moves the pointer by (dx, dy) in server mouse mode.
func (c *Client) MouseMotion(dx, dy int) {
	in := c.input()
	if in == nil || c.currentMouseMode() != spice.MouseModeServer {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.dx += dx
	in.dy += dy
	_ = in.flushMotion()
}

// MouseButton presses or releases a MouseEvent.button.
func (c *Client) MouseButton(domButton int, down bool) {
	b, mask, ok := input.Button(domButton)
	in := c.input()
	if !ok || in == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.button(b, mask, down)
}

// button sends a press or release with the resulting mask. Queued motion
// goes first even when throttled: the click must land where the pointer
// is. Called with mu held.
func (in *inputs) button(b uint8, mask uint16, down bool) {
	if in.posQueued || in.dx != 0 || in.dy != 0 {
		saved := in.unacked
		in.unacked = 0
		_ = in.flushMotion()
		in.unacked = saved + 1
	}
	if down {
		in.buttons |= mask
		in.send(&spice.MsgcInputsMousePress{Button: b, ButtonsState: in.buttons})
	} else {
		in.buttons &^= mask
		in.send(&spice.MsgcInputsMouseRelease{Button: b, ButtonsState: in.buttons})
	}
}

// Wheel scrolls by steps notches: positive down, negative up.
func (c *Client) Wheel(steps int) {
	in := c.input()
	if in == nil || steps == 0 {
		return
	}
	b, mask := input.WheelButton(steps > 0)
	n := min(max(steps, -steps), maxWheelSteps)
	in.mu.Lock()
	defer in.mu.Unlock()
	for range n {
		in.button(b, mask, true)
		in.button(b, mask, false)
	}
}

// ReleaseAll releases every key and button the guest believes held; the
// page calls it when it loses focus, so keys do not stick in the guest.
func (c *Client) ReleaseAll() {
	in := c.input()
	if in == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	for sc := range in.pressed {
		in.key(sc, false)
	}
	for dom := range 5 {
		if b, mask, _ := input.Button(dom); in.buttons&mask != 0 {
			in.button(b, mask, false)
		}
	}
}

// CtrlAltDel presses and releases Ctrl+Alt+Delete.
func (c *Client) CtrlAltDel() {
	in := c.input()
	if in == nil {
		return
	}
	keys := input.CtrlAltDelete()
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, k := range keys {
		in.key(k, true)
	}
	for i := len(keys) - 1; i >= 0; i-- {
		in.key(keys[i], false)
	}
}

func (c *Client) currentMouseMode() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mouseMode
}
