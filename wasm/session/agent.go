package session

import (
	"sync"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
	"spiceweb/wasm/vdagent"
)

// The guest agent (spice-vdagent) behind the main channel, as spice-gtk's
// channel-main.c runs it: AGENT_START grants the server our token window,
// ANNOUNCE_CAPABILITIES is exchanged, and agent messages travel in
// AGENT_DATA under two token windows, the server's (what we may send) and
// ours (what it may send). Clipboard, monitors and files are in
// agent_clipboard.go, agent_monitors.go and agent_files.go.

const (
	// agentWindow is the number of AGENT_DATA the server may send before
	// we return tokens: 32 pieces of 2 KiB. spice-gtk grants ~0 and so
	// never throttles the server; a bounded window keeps a guest that
	// floods the clipboard from queueing without limit in the websocket.
	agentWindow = 32
	// agentTokenBatch is how many consumed AGENT_DATA we return at once.
	agentTokenBatch = agentWindow / 2
)

// ourAgentCaps are the capabilities we announce to the agent.
var ourAgentCaps = vdagent.Caps(nil).
	With(vdagent.CapMonitorsConfig).
	With(vdagent.CapReply).
	With(vdagent.CapClipboardByDemand).
	With(vdagent.CapClipboardSelection).
	With(vdagent.CapFileXferDetailedErrors).
	With(vdagent.CapClipboardNoReleaseOnRegrab).
	With(vdagent.CapClipboardGrabSerial)

// agent is the client side of the agent protocol for one session. Its
// state is guarded by mu: the main channel's goroutine feeds it messages,
// the page's calls (clipboard, size, files) and file readers come from
// other goroutines. Sink events are collected while mu is held, in the
// order the state changed, and delivered in that order by one goroutine
// (deliver) that holds no lock: a sink that calls back into the client
// (a page that sets the display size as soon as the agent is there)
// cannot deadlock, and a progress report never overtakes the end of its
// transfer.
type agent struct {
	c    *Client
	ch   *channel
	sink AgentSink

	mu        sync.Mutex
	events    []func() // sink calls gathered under mu
	closed    bool     // the session ended
	connected bool
	capsKnown bool
	caps      vdagent.Caps // the agent's
	tokens    uint32       // AGENT_DATA we may still send (server's window)
	consumed  uint32       // AGENT_DATA taken since we last returned tokens
	maxClip   int

	r    vdagent.Reader // incoming stream; only the main goroutine feeds it
	w    vdagent.Writer // outgoing stream, spent as tokens allow
	room chan struct{}  // capacity 1: w drained below fileLowWater

	evMu    sync.Mutex
	outbox  []func()      // sink calls for deliver, in order
	evWake  chan struct{} // capacity 1: outbox has calls, or closed
	evClose bool          // no more calls will come

	shown AgentState // last state sent to the sink

	clip     clipState
	monitors monitorState
	files    fileQueue
}

func newAgent(c *Client, ch *channel) *agent {
	sink, _ := c.cfg.Sink.(AgentSink)
	if sink == nil {
		sink = nopAgentSink{}
	}
	a := &agent{c: c, ch: ch, sink: sink, maxClip: vdagent.DefaultMaxClipboard, room: make(chan struct{}, 1),
		evWake: make(chan struct{}, 1)}
	a.r.MaxClipboard = a.maxClip
	a.files.nextID = 1
	// The page hears the starting state once, whatever follows.
	sink.Agent(AgentState{})
	go a.deliver()
	return a
}

// deliver makes the sink calls, in order, until close.
func (a *agent) deliver() {
	for range a.evWake {
		a.evMu.Lock()
		batch, closed := a.outbox, a.evClose
		a.outbox = nil
		a.evMu.Unlock()
		for _, f := range batch {
			f()
		}
		if closed {
			return
		}
	}
}

// later queues a sink call for unlock; called with mu held.
func (a *agent) later(f func()) { a.events = append(a.events, f) }

// unlock hands the sink calls gathered under mu to deliver, then
// releases mu. Handing over under mu keeps the calls in state order.
func (a *agent) unlock() {
	if len(a.events) > 0 || a.closed {
		a.evMu.Lock()
		if !a.evClose {
			a.outbox = append(a.outbox, a.events...)
			a.evClose = a.closed
		}
		a.evMu.Unlock()
		select {
		case a.evWake <- struct{}{}:
		default:
		}
		a.events = nil
	}
	a.mu.Unlock()
}

func (a *agent) log(level, msg string) { a.later(func() { a.c.log(level, msg) }) }

// stateLocked is what the agent can do now.
func (a *agent) stateLocked() AgentState {
	if !a.connected || a.closed {
		return AgentState{}
	}
	s := AgentState{Connected: true}
	if a.capsKnown {
		s.Clipboard = a.caps.Has(vdagent.CapClipboardByDemand)
		s.ClipboardImages = s.Clipboard
		s.Resize = a.caps.Has(vdagent.CapMonitorsConfig)
		s.Files = !a.caps.Has(vdagent.CapFileXferDisabled)
	}
	return s
}

// showState tells the sink when the state changed; called with mu held.
func (a *agent) showState() {
	s := a.stateLocked()
	if s != a.shown {
		a.shown = s
		a.later(func() { a.sink.Agent(s) })
	}
}

// queue encodes m for the agent and sends what the tokens allow; called
// with mu held. tag marks file data for Writer.Drop.
func (a *agent) queue(m vdagent.Message, tag uint32) {
	if !a.connected || a.closed {
		return
	}
	a.w.Queue(m, a.caps, tag)
	a.flush()
}

// flush sends queued AGENT_DATA while the server's window allows; called
// with mu held.
func (a *agent) flush() {
	for a.tokens > 0 {
		p := a.w.Next()
		if p == nil {
			break
		}
		a.tokens--
		if err := a.ch.send(&spice.MsgcMainAgentData{Data: p}); err != nil {
			return // the channel is going down; its reader reports why
		}
	}
	if a.w.Pieces() < fileLowWater {
		select {
		case a.room <- struct{}{}:
		default:
		}
	}
}

// start runs when the server says the agent is there (INIT with
// agent_connected, AGENT_CONNECTED, AGENT_CONNECTED_TOKENS).
func (a *agent) start(tokens uint32, setTokens bool) error {
	a.mu.Lock()
	if setTokens {
		a.tokens = tokens
	}
	if a.connected {
		// A repeated announcement: spice-gtk restarts the handshake.
		a.resetLocked("the guest agent restarted")
	}
	a.connected = true
	a.capsKnown = false
	a.caps = nil
	a.consumed = 0
	a.r.Reset()
	a.w.Reset()
	err := a.ch.send(&spice.MsgcMainAgentStart{NumTokens: agentWindow})
	a.queue(&vdagent.AnnounceCapabilities{Request: true, Caps: ourAgentCaps}, 0)
	a.log("info", "guest agent connected")
	a.showState()
	a.unlock()
	return err
}

// stop runs on AGENT_DISCONNECTED.
func (a *agent) stop() {
	a.mu.Lock()
	if a.connected {
		a.resetLocked("the guest agent disconnected")
		a.connected = false
		a.log("info", "guest agent disconnected")
	}
	a.showState()
	a.unlock()
}

// close runs when the session ends: pending transfers fail.
func (a *agent) close() {
	a.mu.Lock()
	a.resetLocked("the session ended")
	a.closed = true
	a.showState()
	a.unlock()
}

// resetLocked forgets everything tied to one agent connection.
func (a *agent) resetLocked(why string) {
	a.r.Reset()
	a.w.Reset()
	a.capsKnown = false
	a.caps = nil
	a.clip = clipState{}
	a.monitors.reset()
	a.files.failAll(a, why)
}

// addTokens runs on AGENT_TOKEN.
func (a *agent) addTokens(n uint32) {
	a.mu.Lock()
	// Saturate: a server adding past 2^32 is broken, not a reason to wrap
	// to a small window.
	if a.tokens+n < a.tokens {
		a.tokens = ^uint32(0)
	} else {
		a.tokens += n
	}
	a.flush()
	a.unlock()
}

// data runs on AGENT_DATA: the payload joins the agent stream, complete
// messages are handled, and the token is returned in batches.
func (a *agent) data(body []byte) error {
	a.mu.Lock()
	a.consumed++
	var err error
	if a.connected && !a.closed {
		err = a.r.Feed(body, a.handle)
	} else {
		a.log("debug", "agent data while no agent is connected: dropped")
	}
	if a.consumed >= agentTokenBatch {
		n := a.consumed
		a.consumed = 0
		if e := a.ch.send(&spice.MsgcMainAgentToken{NumTokens: n}); err == nil {
			err = e
		}
	}
	a.unlock()
	return err
}

// agentHandlers dispatch complete agent messages (spice-gtk's
// main_agent_handle_msg). Called with mu held; errors are the agent's
// faults, logged, never the end of the session. Each entry decodes its
// own type with a static call (decoded), so the wasm binary keeps only the
// decoders of what agents send, not the client-to-agent ones.
var agentHandlers = map[vdagent.MsgType]func(*agent, []byte) error{
	vdagent.MsgAnnounceCapabilities: decoded((*agent).announced),
	vdagent.MsgClipboardGrab:        decoded((*agent).guestGrab),
	vdagent.MsgClipboardRequest:     decoded((*agent).guestRequest),
	vdagent.MsgClipboard:            decoded((*agent).guestClipboard),
	vdagent.MsgClipboardRelease:     decoded((*agent).guestRelease),
	vdagent.MsgReply:                decoded((*agent).reply),
	vdagent.MsgFileXferStatus:       decoded((*agent).xferStatus),
}

// decoded adapts a handler of one message type to the table.
func decoded[M any, P interface {
	*M
	Decode([]byte, vdagent.Caps) error
}](h func(*agent, P)) func(*agent, []byte) error {
	return func(a *agent, b []byte) error {
		p := P(new(M))
		if err := p.Decode(b, a.caps); err != nil {
			return err
		}
		h(a, p)
		return nil
	}
}

func (a *agent) handle(in vdagent.Incoming) error {
	if in.Err != nil {
		a.log("warn", "guest agent: skipped a message: "+in.Err.Error())
		return nil
	}
	h := agentHandlers[in.Type]
	if h == nil {
		a.log("debug", "guest agent: ignoring "+in.Type.String()+" message ("+errfmt.Int(in.Size)+" bytes)")
		return nil
	}
	if err := h(a, in.Data); err != nil {
		a.log("warn", "guest agent: "+in.Type.String()+": "+err.Error())
	}
	return nil
}

func (a *agent) announced(m *vdagent.AnnounceCapabilities) {
	a.caps = m.Caps
	a.capsKnown = true
	if m.Request {
		a.queue(&vdagent.AnnounceCapabilities{Caps: ourAgentCaps}, 0)
	}
	if a.caps.Has(vdagent.CapMaxClipboard) {
		a.queue(&vdagent.MaxClipboard{Max: int32(a.maxClip)}, 0)
	}
	a.showState()
	a.monitors.send(a)
	a.files.next(a)
}

// ready reports whether a feature's messages may go out now.
func (a *agent) ready() bool { return a.connected && a.capsKnown && !a.closed }
