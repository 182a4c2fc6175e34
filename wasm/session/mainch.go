package session

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// mainChannel is the state of the main channel (channel-main.c in spice-gtk).
type mainChannel struct {
	c        *Client
	ch       *channel
	cancel   context.CancelCauseFunc
	attached bool
	agent    bool // the guest agent is running
	ag       *agent

	inited     atomic.Bool // INIT arrived; read by startTimer's goroutine
	startTimer *time.Timer // ends the session if INIT or the channel list never come
}

// maxConnections bounds the sockets of one session, main included. A
// channel list is the server's to write: without a bound, one naming
// hundreds of channels would make the browser open hundreds of websockets.
// Real servers list a handful (a display and a cursor per QXL head,
// inputs, sound, usbredir, a few ports).
const maxConnections = 16

// channelKind is how the client runs a channel type it implements.
type channelKind struct {
	caps  func(*Client) spice.Caps // channel capabilities to announce; nil for none
	setup func(*Client, *channel) (handler, error)
	// single: the session uses one channel of the type (the client keeps
	// one inputs channel to send to), so further ids are duplicates.
	single bool
	// sound: opened only when the session has an AudioDevice.
	sound bool
}

// channelKinds are the channel types the client opens when the server
// lists them, besides main, which Run opens itself. Any other listed type
// (usbredir, smartcard, port, webdav, types not yet defined) is skipped;
// supporting one is one entry here.
var channelKinds = map[spice.ChannelType]channelKind{
	spice.ChannelDisplay:  {caps: displayCaps, setup: (*Client).setupDisplay},
	spice.ChannelInputs:   {setup: (*Client).setupInputs, single: true},
	spice.ChannelCursor:   {setup: (*Client).setupCursor},
	spice.ChannelPlayback: {caps: playbackCaps, setup: (*Client).setupPlayback, single: true, sound: true},
	spice.ChannelRecord:   {caps: recordCaps, setup: (*Client).setupRecord, single: true, sound: true},
}

var mainHandlers = map[spice.MsgType]func(*mainChannel, context.Context, []byte) error{
	spice.MsgTypeMainInit:                 (*mainChannel).init,
	spice.MsgTypeMainChannelsList:         (*mainChannel).channelsList,
	spice.MsgTypeMainMouseMode:            (*mainChannel).mouseMode,
	spice.MsgTypeMainMultiMediaTime:       (*mainChannel).multiMediaTime, // mmclock.go
	spice.MsgTypeMainAgentConnected:       (*mainChannel).agentConnected,
	spice.MsgTypeMainAgentConnectedTokens: (*mainChannel).agentConnectedTokens,
	spice.MsgTypeMainAgentDisconnected:    (*mainChannel).agentDisconnected,
	spice.MsgTypeMainAgentToken:           (*mainChannel).agentToken,
	spice.MsgTypeMainAgentData:            (*mainChannel).agentData,
	spice.MsgTypeMainName:                 (*mainChannel).name,
	spice.MsgTypeMainUUID:                 ignore,
	spice.MsgTypeMainMigrateBegin:         (*mainChannel).migrateBegin,
	spice.MsgTypeMainMigrateBeginSeamless: (*mainChannel).migrateBegin,
	spice.MsgTypeMainMigrateCancel:        ignore,
	spice.MsgTypeMainMigrateEnd:           ignore,
	spice.MsgTypeMainMigrateSwitchHost:    ignore,
}

// expectedChannels is how many channels besides main a session opens on
// every server: display, inputs and cursor.
const expectedChannels = 3

func ignore(*mainChannel, context.Context, []byte) error { return nil }

// runMain links the main channel and runs it; the session lives as long as
// it does.
func (c *Client) runMain(ctx context.Context, cancel context.CancelCauseFunc) error {
	caps := spice.Caps(nil).With(spice.MainCapAgentConnectedTokens).With(spice.MainCapNameAndUUID)
	ch, err := c.dialAndLink(ctx, spice.ChannelID{Type: spice.ChannelMain}, 0, caps)
	if err != nil {
		return err
	}
	m := &mainChannel{c: c, ch: ch, cancel: cancel}
	m.ag = newAgent(c, ch)
	c.mu.Lock()
	c.agent = m.ag
	c.mu.Unlock()
	defer m.ag.close()
	m.startTimer = time.AfterFunc(c.startTimeout, func() {
		if m.inited.Load() {
			cancel(errors.New("main channel: the server did not send its channel list within " + c.startTimeout.String()))
		} else {
			cancel(errors.New("main channel: the server did not start the session within " + c.startTimeout.String() + " (no INIT message)"))
		}
	})
	defer m.startTimer.Stop()
	err = ch.run(ctx, func(ctx context.Context, t spice.MsgType, body []byte) error {
		h := mainHandlers[t]
		if h == nil {
			return errUnknownMessage
		}
		return h(m, ctx, body)
	})
	return channelError(ch, err)
}

func (m *mainChannel) init(ctx context.Context, body []byte) error {
	var msg spice.MsgMainInit
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.inited.Store(true)
	c := m.c
	c.setMMTime(msg.MultiMediaTime)
	c.mu.Lock()
	c.sessionID = msg.SessionID
	c.mouseMode = msg.CurrentMouseMode
	c.mu.Unlock()
	m.agent = msg.AgentConnected != 0
	c.cfg.Sink.MouseMode(msg.CurrentMouseMode)
	if m.agent {
		if err := m.ag.start(msg.AgentTokens, true); err != nil {
			return err
		}
	}
	if c.cfg.Prepare != nil {
		// Display, inputs and cursor: what every server offers.
		c.cfg.Prepare(expectedChannels)
	}
	if err := m.ch.send(&spice.MsgcMainAttachChannels{}); err != nil {
		return err
	}
	// Absolute positioning needs no pointer lock and no relative motion
	// tracking, so ask for it whenever the server can do it (spice-gtk
	// does the same).
	if msg.SupportedMouseModes&spice.MouseModeClient != 0 && msg.CurrentMouseMode != spice.MouseModeClient {
		return m.ch.send(&spice.MsgcMainMouseModeRequest{Mode: spice.MouseModeClient})
	}
	return nil
}

func (m *mainChannel) channelsList(ctx context.Context, body []byte) error {
	var msg spice.MsgMainChannelsList
	if err := msg.Decode(body); err != nil {
		return err
	}
	if m.attached {
		return nil // the list comes once per ATTACH_CHANNELS; ignore repeats
	}
	m.attached = true
	m.startTimer.Stop()
	c := m.c
	open, skipped, odd := pickChannelsFor(msg.Channels, maxConnections-1, c.cfg.Audio != nil)
	if skipped != "" {
		// Types not implemented are routine (QEMU lists sound and
		// usbredir); duplicates or a list past the limit are the
		// server's fault.
		level := "info"
		if odd {
			level = "warn"
		}
		c.log(level, skipped)
	}
	for _, id := range open {
		kind := channelKinds[id.Type]
		var caps spice.Caps
		if kind.caps != nil {
			caps = kind.caps(c)
		}
		c.startChannel(ctx, m.cancel, id, caps, func(ch *channel) (handler, error) { return kind.setup(c, ch) })
	}
	c.cfg.Sink.State(StateConnected, "Connected")
	return nil
}

// pickChannels chooses the entries of a channel list to open: types in
// channelKinds, each (type, id) once, at most limit in all. Lower ids go
// first, so that each type's channel 0 (the screen the page shows, the
// inputs it sends to) is never crowded out by extra heads.
// skipped describes the rest in one line, or is empty; odd reports
// duplicates or entries beyond the limit, which no sane server sends.
func pickChannels(list []spice.ChannelID, limit int) (open []spice.ChannelID, skipped string, odd bool) {
	return pickChannelsFor(list, limit, true)
}

// pickChannelsFor is pickChannels for a session with or without sound:
// without, the sound channels are skipped as turned off.
func pickChannelsFor(list []spice.ChannelID, limit int, sound bool) (open []spice.ChannelID, skipped string, odd bool) {
	var unknown, off, dup, over channelTally
	seen := map[spice.ChannelID]bool{}
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, func(a, b spice.ChannelID) int { return int(a.ID) - int(b.ID) })
	for _, id := range sorted {
		kind := channelKinds[id.Type]
		key := id
		if kind.single {
			key.ID = 0
		}
		switch {
		case id.Type == spice.ChannelMain:
			dup.add(id.Type) // the session's main channel is already open
		case kind.setup == nil:
			unknown.add(id.Type)
		case kind.sound && !sound:
			off.add(id.Type)
		case seen[key]:
			dup.add(id.Type)
		default:
			seen[key] = true
			open = append(open, id)
		}
	}
	if len(open) > limit {
		for _, id := range open[limit:] {
			over.add(id.Type)
		}
		open = open[:limit]
	}
	odd = dup.total+over.total > 0
	if unknown.total+off.total == 0 && !odd {
		return open, "", false
	}
	var b strings.Builder
	b.WriteString("channel list: opening " + errfmt.Int(len(open)) + " of " + errfmt.Int(len(list)) + " listed channels; skipped")
	sep := " "
	for _, part := range []struct {
		what string
		t    *channelTally
	}{{"not implemented", &unknown}, {"sound turned off", &off}, {"duplicates", &dup}, {"beyond " + errfmt.Int(limit+1) + " connections per session", &over}} {
		if part.t.total > 0 {
			b.WriteString(sep + part.what + ": " + part.t.String())
			sep = "; "
		}
	}
	return open, b.String(), odd
}

// channelTally counts channel-list entries per type, in order of first
// appearance.
type channelTally struct {
	order []spice.ChannelType
	n     map[spice.ChannelType]int
	total int
}

func (t *channelTally) add(ct spice.ChannelType) {
	if t.n == nil {
		t.n = map[spice.ChannelType]int{}
	}
	if t.n[ct] == 0 {
		t.order = append(t.order, ct)
	}
	t.n[ct]++
	t.total++
}

func (t *channelTally) String() string {
	parts := make([]string, len(t.order))
	for i, ct := range t.order {
		parts[i] = errfmt.Int(t.n[ct]) + " " + ct.String()
	}
	return strings.Join(parts, ", ")
}

func (m *mainChannel) mouseMode(ctx context.Context, body []byte) error {
	var msg spice.MsgMainMouseMode
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.c.mu.Lock()
	m.c.mouseMode = uint32(msg.CurrentMode)
	m.c.mu.Unlock()
	m.c.cfg.Sink.MouseMode(uint32(msg.CurrentMode))
	return nil
}

func (m *mainChannel) agentConnected(ctx context.Context, body []byte) error {
	m.agent = true
	return m.ag.start(0, false) // the window from INIT still holds
}

func (m *mainChannel) agentConnectedTokens(ctx context.Context, body []byte) error {
	var msg spice.MsgMainAgentToken // same body: num_tokens
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.agent = true
	return m.ag.start(msg.NumTokens, true)
}

func (m *mainChannel) agentDisconnected(ctx context.Context, body []byte) error {
	m.agent = false
	m.ag.stop()
	return nil
}

func (m *mainChannel) agentToken(ctx context.Context, body []byte) error {
	var msg spice.MsgMainAgentToken
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.ag.addTokens(msg.NumTokens)
	return nil
}

func (m *mainChannel) agentData(ctx context.Context, body []byte) error {
	return m.ag.data(body)
}

func (m *mainChannel) name(ctx context.Context, body []byte) error {
	var msg spice.MsgMainName
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.c.log("info", `guest name: "`+msg.Name+`"`)
	m.c.guestName(msg.Name)
	return nil
}

// migrateBegin declines: a browser behind a fixed proxy cannot reach the
// migration target. The server then falls back to switch-host semantics
// and the session drops, after which the user reconnects.
func (m *mainChannel) migrateBegin(ctx context.Context, body []byte) error {
	m.c.log("warn", "server started a migration; this client cannot follow it")
	return m.ch.send(&spice.MsgcMainMigrateConnectError{})
}
