package vdagent

import "encoding/binary"

// Header is VDAgentMessage without its data.
type Header struct {
	Protocol uint32
	Type     MsgType
	Opaque   uint64
	Size     uint32 // bytes of data after the header
}

// DecodeHeader reads a header from the first HeaderSize bytes of b.
func DecodeHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, ErrShort
	}
	return Header{
		Protocol: binary.LittleEndian.Uint32(b),
		Type:     MsgType(binary.LittleEndian.Uint32(b[4:])),
		Opaque:   binary.LittleEndian.Uint64(b[8:]),
		Size:     binary.LittleEndian.Uint32(b[16:]),
	}, nil
}

// Message is one agent message's data. Layouts that depend on the peer's
// capabilities read them from peer; the others ignore it.
type Message interface {
	Type() MsgType
	Encode(dst []byte, peer Caps) []byte
	Decode(data []byte, peer Caps) error
}

// AppendMessage appends m with its VDAgentMessage header to dst: the bytes
// a Writer cuts into AGENT_DATA pieces.
func AppendMessage(dst []byte, m Message, peer Caps) []byte {
	start := len(dst)
	dst = put32(dst, Protocol)
	dst = put32(dst, uint32(m.Type()))
	dst = put64(dst, 0)
	dst = put32(dst, 0)
	dst = m.Encode(dst, peer)
	binary.LittleEndian.PutUint32(dst[start+16:], uint32(len(dst)-start-HeaderSize))
	return dst
}

// New returns an empty message of type t, or nil for types this package
// does not decode (server-to-agent and Windows-only messages).
func New(t MsgType) Message {
	switch t {
	case MsgAnnounceCapabilities:
		return &AnnounceCapabilities{}
	case MsgClipboardGrab:
		return &ClipboardGrab{}
	case MsgClipboardRequest:
		return &ClipboardRequest{}
	case MsgClipboard:
		return &Clipboard{}
	case MsgClipboardRelease:
		return &ClipboardRelease{}
	case MsgMaxClipboard:
		return &MaxClipboard{}
	case MsgMonitorsConfig:
		return &MonitorsConfig{}
	case MsgReply:
		return &Reply{}
	case MsgFileXferStart:
		return &FileXferStart{}
	case MsgFileXferStatus:
		return &FileXferStatus{}
	case MsgFileXferData:
		return &FileXferData{}
	case MsgClientDisconnected:
		return &ClientDisconnected{}
	}
	return nil
}

// Reply acknowledges a MONITORS_CONFIG or DISPLAY_CONFIG
// (vd_agent.h: VDAgentReply).
type Reply struct {
	Acked MsgType // the message acknowledged
	Error uint32  // ReplySuccess or ReplyError
}

func (*Reply) Type() MsgType { return MsgReply }

func (m *Reply) Encode(dst []byte, _ Caps) []byte {
	return put32(put32(dst, uint32(m.Acked)), m.Error)
}

func (m *Reply) Decode(b []byte, _ Caps) error {
	r := reader{b: b}
	m.Acked = MsgType(r.u32())
	m.Error = r.u32()
	return r.err
}

// ClientDisconnected has no data; the server sends it to the agent.
type ClientDisconnected struct{}

func (*ClientDisconnected) Type() MsgType                    { return MsgClientDisconnected }
func (*ClientDisconnected) Encode(dst []byte, _ Caps) []byte { return dst }
func (*ClientDisconnected) Decode([]byte, Caps) error        { return nil }
