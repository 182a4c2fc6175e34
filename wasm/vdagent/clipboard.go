package vdagent

// Clipboard messages. With CapClipboardSelection every one starts with a
// selection byte padded to 4; a GRAB carries a serial after it under
// CapClipboardGrabSerial (vd_agent.h's "#if 0" fields).

// maxGrabTypes bounds the types one GRAB may list. Agents offer a handful
// (text and a few image formats).
const maxGrabTypes = 64

// ClipboardGrab announces that the sender owns the selection and can give
// it as any of Types (VDAgentClipboardGrab).
type ClipboardGrab struct {
	Selection uint8
	Serial    uint32 // only on the wire under CapClipboardGrabSerial
	Types     []ClipboardType
}

func (*ClipboardGrab) Type() MsgType { return MsgClipboardGrab }

func (m *ClipboardGrab) Encode(dst []byte, peer Caps) []byte {
	dst = putSelection(dst, m.Selection, peer)
	if peer.Has(CapClipboardGrabSerial) {
		dst = put32(dst, m.Serial)
	}
	for _, t := range m.Types {
		dst = put32(dst, uint32(t))
	}
	return dst
}

func (m *ClipboardGrab) Decode(b []byte, peer Caps) error {
	r := reader{b: b}
	m.Selection = r.selection(peer)
	m.Serial = 0
	if peer.Has(CapClipboardGrabSerial) {
		m.Serial = r.u32()
	}
	if r.err != nil {
		return r.err
	}
	n := r.left() / 4
	if n > maxGrabTypes {
		return FormatError("clipboard grab lists " + itoa(uint64(n)) + " types")
	}
	m.Types = make([]ClipboardType, n)
	for i := range m.Types {
		m.Types[i] = ClipboardType(r.u32())
	}
	return r.err
}

// ClipboardRequest asks the selection's owner for its data as Type.
type ClipboardRequest struct {
	Selection uint8
	DataType  ClipboardType
}

func (*ClipboardRequest) Type() MsgType { return MsgClipboardRequest }

func (m *ClipboardRequest) Encode(dst []byte, peer Caps) []byte {
	return put32(putSelection(dst, m.Selection, peer), uint32(m.DataType))
}

func (m *ClipboardRequest) Decode(b []byte, peer Caps) error {
	r := reader{b: b}
	m.Selection = r.selection(peer)
	m.DataType = ClipboardType(r.u32())
	return r.err
}

// Clipboard carries the data answering a request (VDAgentClipboard).
// Decode leaves Data aliasing its input.
type Clipboard struct {
	Selection uint8
	DataType  ClipboardType
	Data      []byte
}

func (*Clipboard) Type() MsgType { return MsgClipboard }

func (m *Clipboard) Encode(dst []byte, peer Caps) []byte {
	dst = put32(putSelection(dst, m.Selection, peer), uint32(m.DataType))
	return append(dst, m.Data...)
}

func (m *Clipboard) Decode(b []byte, peer Caps) error {
	r := reader{b: b}
	m.Selection = r.selection(peer)
	m.DataType = ClipboardType(r.u32())
	m.Data = r.rest()
	return r.err
}

// ClipboardRelease gives up ownership of the selection.
type ClipboardRelease struct {
	Selection uint8
}

func (*ClipboardRelease) Type() MsgType { return MsgClipboardRelease }

func (m *ClipboardRelease) Encode(dst []byte, peer Caps) []byte {
	return putSelection(dst, m.Selection, peer)
}

func (m *ClipboardRelease) Decode(b []byte, peer Caps) error {
	r := reader{b: b}
	m.Selection = r.selection(peer)
	return r.err
}

// MaxClipboard tells the agent the largest clipboard the client takes;
// -1 means no limit (VDAgentMaxClipboard).
type MaxClipboard struct {
	Max int32
}

func (*MaxClipboard) Type() MsgType { return MsgMaxClipboard }

func (m *MaxClipboard) Encode(dst []byte, _ Caps) []byte { return put32(dst, uint32(m.Max)) }

func (m *MaxClipboard) Decode(b []byte, _ Caps) error {
	r := reader{b: b}
	m.Max = int32(r.u32())
	return r.err
}
