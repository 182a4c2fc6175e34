package session

import (
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/vdagent"
)

// The guest's resolution follows the page: MONITORS_CONFIG for one
// monitor. One request is in flight at a time; the agent's REPLY (or a
// timeout, since a server that handles the config itself sends none)
// releases the next, and only the latest size is kept meanwhile.

// monitorsTimeout is how long a request may stay unanswered.
const monitorsTimeout = 2 * time.Second

// Guest sizes, after rounding: Xorg wants multiples of 8 (spice-html5's
// resize.js rounds both down likewise), and no guest shows less than 320
// by 200. The top: 8192 a side (a HiDPI page on a 4K screen asks for
// 7680), and no more pixels than the client's surfaces may have
// (raster.MaxPixels), so that the guest never takes a size the client
// would refuse to show.
const (
	minGuestW, minGuestH = 320, 200
	maxGuestSide         = 8192
)

type monitorState struct {
	want     [2]int // latest size asked for; zero when none waits
	last     [2]int // last size sent
	inFlight bool
	timer    *time.Timer
	gen      int // invalidates timers of older requests
}

func (m *monitorState) reset() {
	if m.timer != nil {
		m.timer.Stop()
	}
	*m = monitorState{gen: m.gen + 1}
}

// GuestSize rounds a requested size to one the guests take.
func GuestSize(w, h int) (int, int) {
	w, h = min(max(w, minGuestW), maxGuestSide), min(max(h, minGuestH), maxGuestSide)
	for w*h > raster.MaxPixels {
		// Shrink both sides by the same factor: the page scales what is
		// left to fit.
		w, h = w*15/16, h*15/16
	}
	return w &^ 7, h &^ 7
}

// SetDisplaySize asks the guest to take w x h (rounded by GuestSize). It
// returns false when the agent cannot resize.
func (c *Client) SetDisplaySize(w, h int) bool {
	a := c.agentFor()
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.unlock()
	if !a.connected || a.closed {
		return false
	}
	gw, gh := GuestSize(w, h)
	a.monitors.want = [2]int{gw, gh}
	if a.capsKnown && !a.caps.Has(vdagent.CapMonitorsConfig) {
		return false
	}
	a.monitors.send(a)
	return true
}

// send sends the wanted size if none is in flight; called with mu held.
func (m *monitorState) send(a *agent) {
	if m.inFlight || m.want == [2]int{} || !a.ready() || !a.caps.Has(vdagent.CapMonitorsConfig) {
		return
	}
	if m.want == m.last {
		m.want = [2]int{}
		return
	}
	size := m.want
	m.want, m.last, m.inFlight = [2]int{}, size, true
	a.queue(&vdagent.MonitorsConfig{
		Flags:    vdagent.MonitorsFlagUsePos,
		Monitors: splitMonitors(size[0], size[1], a.c.scr.count()),
	}, 0)
	m.gen++
	gen := m.gen
	if m.timer != nil {
		m.timer.Stop()
	}
	m.timer = time.AfterFunc(monitorsTimeout, func() {
		a.mu.Lock()
		if a.monitors.gen == gen && a.monitors.inFlight {
			a.monitors.inFlight = false
			a.monitors.send(a)
		}
		a.unlock()
	})
}

// reply: the agent applied (or refused) a config.
func (a *agent) reply(m *vdagent.Reply) {
	if m.Acked != vdagent.MsgMonitorsConfig {
		return
	}
	if m.Error != vdagent.ReplySuccess {
		a.log("warn", "the guest refused the display size")
	}
	a.monitors.inFlight = false
	a.monitors.send(a)
}
