package session

import "spiceweb/wasm/spice"

// InfoSink is an optional extension of Sink: a Sink that also implements
// it hears what the server says about itself for the user to see. Like
// Sink's, its methods are called from channel goroutines and must not
// block.
type InfoSink interface {
	// GuestName reports the name the server gives the guest (main channel
	// NAME), for a title, as virt-viewer shows it.
	GuestName(name string)
	// Notice reports a message the server wants the user to read: a
	// NOTIFY of severity info and high visibility (serve's replay of a
	// recording says so with one). Warnings and errors only reach Log:
	// the one spice-server sends, on every unencrypted link, that the
	// keyboard channel is insecure, is how every console behind a
	// websocket proxy links, and would alarm users for nothing.
	Notice(message string)
}

// serverNotice passes a NOTIFY the user should see to the sink.
func (c *Client) serverNotice(m *spice.MsgNotify) {
	if m.Severity != spice.NotifySeverityInfo || m.Visibility != spice.NotifyVisibilityHigh {
		return
	}
	if s, ok := c.cfg.Sink.(InfoSink); ok {
		s.Notice(m.Message)
	}
}

// guestName passes the guest's name to the sink.
func (c *Client) guestName(name string) {
	if s, ok := c.cfg.Sink.(InfoSink); ok {
		s.GuestName(name)
	}
}
