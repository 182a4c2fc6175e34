package jsbridge

import "spiceweb/wasm/session"

// The screen is also a session.InfoSink: the guest's name and the
// server's notices go to the page (goapi.ts SessionEvents.guestName and
// notice).
var _ session.InfoSink = (*screen)(nil)

func (s *screen) GuestName(name string) { s.call("guestName", name) }

func (s *screen) Notice(message string) { s.call("notice", message) }
