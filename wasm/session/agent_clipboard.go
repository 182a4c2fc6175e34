package session

import (
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/vdagent"
)

// Clipboard sharing by demand (VD_AGENT_CAP_CLIPBOARD_BY_DEMAND): the
// owner GRABs announcing types, the other side REQUESTs one and gets a
// CLIPBOARD. Only the CLIPBOARD selection is shared: an X11 guest also
// grabs PRIMARY on every text selection, which a browser has no place for.
//
// The page cannot fetch lazily (the browser's clipboard is written when
// the user acts), so a guest grab is answered with a request at once.

type clipState struct {
	serial  uint32 // grab serial, shared by both directions (spice-gtk's clipboard_serial)
	ourType vdagent.ClipboardType
	ourData []byte // what we answer requests with, in the guest's form
	owned   bool   // our grab is the latest
}

// SetClipboard makes d the guest's clipboard: the client grabs it and
// answers the agent's requests from d. Empty text releases the client's
// grab. It returns false when the agent cannot take it (not connected, no
// clipboard sharing, larger than the clipboard limit).
func (c *Client) SetClipboard(d ClipboardData) bool {
	a := c.agentFor()
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.unlock()
	if !a.ready() || !a.caps.Has(vdagent.CapClipboardByDemand) {
		return false
	}
	typ, data := vdagent.ClipboardUTF8Text, []byte(nil)
	if d.Image {
		typ, data = vdagent.ClipboardImagePNG, d.PNG
	} else {
		data = []byte(toGuestText(d.Text, a.caps))
	}
	if len(data) > a.maxClip {
		a.log("warn", "clipboard: "+errfmt.Int(len(data))+" bytes is more than the limit of "+errfmt.Int(a.maxClip)+"; not sent to the guest")
		return false
	}
	if len(data) == 0 {
		if a.clip.owned {
			a.clip.owned, a.clip.ourData = false, nil
			a.queue(&vdagent.ClipboardRelease{Selection: vdagent.SelectionClipboard}, 0)
		}
		return true
	}
	a.clip.ourType, a.clip.ourData, a.clip.owned = typ, data, true
	serial := a.clip.serial
	a.clip.serial++
	a.queue(&vdagent.ClipboardGrab{Selection: vdagent.SelectionClipboard, Serial: serial, Types: []vdagent.ClipboardType{typ}}, 0)
	return true
}

// guestGrab: the guest owns its clipboard now; fetch the best type.
func (a *agent) guestGrab(m *vdagent.ClipboardGrab) {
	if m.Selection != vdagent.SelectionClipboard {
		return
	}
	if a.caps.Has(vdagent.CapClipboardGrabSerial) {
		// Grabs that crossed ours: the later one (by serial) wins on
		// both sides, as spice-gtk and the agent agree.
		if m.Serial != a.clip.serial {
			a.log("debug", "clipboard: guest grab with serial "+errfmt.Int(m.Serial)+" discarded, expecting "+errfmt.Int(a.clip.serial))
			return
		}
		a.clip.serial++
	}
	a.clip.owned, a.clip.ourData = false, nil
	best := vdagent.ClipboardNone
	for _, t := range m.Types {
		if t == vdagent.ClipboardUTF8Text {
			best = t
			break
		}
		if t == vdagent.ClipboardImagePNG {
			best = t
		}
	}
	if best == vdagent.ClipboardNone {
		a.log("debug", "clipboard: the guest offers no text or PNG")
		return
	}
	a.queue(&vdagent.ClipboardRequest{Selection: vdagent.SelectionClipboard, DataType: best}, 0)
}

// guestRequest: the guest pastes what we grabbed.
func (a *agent) guestRequest(m *vdagent.ClipboardRequest) {
	reply := &vdagent.Clipboard{Selection: m.Selection, DataType: m.DataType}
	if m.Selection == vdagent.SelectionClipboard && a.clip.owned && m.DataType == a.clip.ourType {
		reply.Data = a.clip.ourData
	} else {
		// An empty answer of the asked type, as spice-gtk sends when it
		// cannot: the agent's paste must not wait forever.
		a.log("debug", "clipboard: the guest asked for a type we do not hold")
	}
	a.queue(reply, 0)
}

// guestClipboard: the data we asked for.
func (a *agent) guestClipboard(m *vdagent.Clipboard) {
	if m.Selection != vdagent.SelectionClipboard {
		return
	}
	var d ClipboardData
	switch m.DataType {
	case vdagent.ClipboardUTF8Text:
		d.Text = fromGuestText(string(m.Data), a.caps)
	case vdagent.ClipboardImagePNG:
		// Copied: the page gets it after unlock, when the reader's buffer
		// may already hold the next message.
		d.Image, d.PNG = true, append([]byte(nil), m.Data...)
	default:
		a.log("debug", "clipboard: ignoring data of type "+errfmt.Int(m.DataType))
		return
	}
	a.later(func() { a.sink.Clipboard(d) })
}

func (a *agent) guestRelease(*vdagent.ClipboardRelease) {
	// Nothing to undo: the page keeps showing the last content, as a
	// local clipboard does after the application that set it quit.
}

// toGuestText converts "\n" line endings (and any "\r\n") to the
// guest's, from its caps. A byte loop rather than strings.ReplaceAll:
// the wasm client links none of package strings' replacer.
func toGuestText(s string, caps vdagent.Caps) string {
	crlf := caps.Has(vdagent.CapGuestLineendCRLF)
	out := make([]byte, 0, len(s)+len(s)/16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			continue // the \n that follows is written as the guest wants
		}
		if c == '\n' && crlf {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return string(out)
}

// fromGuestText converts the guest's line endings to "\n".
func fromGuestText(s string, caps vdagent.Caps) string {
	if !caps.Has(vdagent.CapGuestLineendCRLF) {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			continue
		}
		out = append(out, s[i])
	}
	return string(out)
}
