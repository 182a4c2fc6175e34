package session

import (
	"context"
	"fmt"

	"spiceweb/wasm/spice"
)

// mainChannel is the state of the main channel (channel-main.c in spice-gtk).
type mainChannel struct {
	c        *Client
	ch       *channel
	cancel   context.CancelCauseFunc
	attached bool
	agent    bool // the guest agent is running
}

var mainHandlers = map[spice.MsgType]func(*mainChannel, context.Context, []byte) error{
	spice.MsgTypeMainInit:                 (*mainChannel).init,
	spice.MsgTypeMainChannelsList:         (*mainChannel).channelsList,
	spice.MsgTypeMainMouseMode:            (*mainChannel).mouseMode,
	spice.MsgTypeMainMultiMediaTime:       ignore, // frames are shown on arrival, not by mm-time
	spice.MsgTypeMainAgentConnected:       (*mainChannel).agentConnected,
	spice.MsgTypeMainAgentConnectedTokens: (*mainChannel).agentConnected,
	spice.MsgTypeMainAgentDisconnected:    (*mainChannel).agentDisconnected,
	spice.MsgTypeMainAgentToken:           ignore,
	spice.MsgTypeMainAgentData:            ignore,
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
	return ch.run(ctx, func(ctx context.Context, t spice.MsgType, body []byte) error {
		h := mainHandlers[t]
		if h == nil {
			return errUnknownMessage
		}
		return h(m, ctx, body)
	})
}

func (m *mainChannel) init(ctx context.Context, body []byte) error {
	var msg spice.MsgMainInit
	if err := msg.Decode(body); err != nil {
		return err
	}
	c := m.c
	c.mu.Lock()
	c.sessionID = msg.SessionID
	c.mouseMode = msg.CurrentMouseMode
	c.mu.Unlock()
	m.agent = msg.AgentConnected != 0
	c.cfg.Sink.MouseMode(msg.CurrentMouseMode)
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
	c := m.c
	for _, id := range msg.Channels {
		switch id.Type {
		case spice.ChannelDisplay:
			c.startChannel(ctx, m.cancel, id, displayCaps(), c.setupDisplay)
		case spice.ChannelInputs:
			c.startChannel(ctx, m.cancel, id, nil, c.setupInputs)
		case spice.ChannelCursor:
			c.startChannel(ctx, m.cancel, id, nil, c.setupCursor)
		}
	}
	c.cfg.Sink.State(StateConnected, "Connected")
	return nil
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
	m.c.log("info", "guest agent connected")
	return nil
}

func (m *mainChannel) agentDisconnected(ctx context.Context, body []byte) error {
	m.agent = false
	m.c.log("info", "guest agent disconnected")
	return nil
}

func (m *mainChannel) name(ctx context.Context, body []byte) error {
	var msg spice.MsgMainName
	if err := msg.Decode(body); err != nil {
		return err
	}
	m.c.log("info", fmt.Sprintf("guest name: %q", msg.Name))
	return nil
}

// migrateBegin declines: a browser behind a fixed proxy cannot reach the
// migration target. The server then falls back to switch-host semantics
// and the session drops, after which the user reconnects.
func (m *mainChannel) migrateBegin(ctx context.Context, body []byte) error {
	m.c.log("warn", "server started a migration; this client cannot follow it")
	return m.ch.send(&spice.MsgcMainMigrateConnectError{})
}
