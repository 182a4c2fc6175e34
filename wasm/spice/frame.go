package spice

import (
	"encoding/binary"
	"io"
)

// MaxMessageSize bounds a message body. The largest legitimate message is
// an uncompressed BITMAP of a full surface: raster's 16 Mi pixel limit at
// 4 bytes each plus headers.
const MaxMessageSize = 64<<20 + 4096

// Header sizes: SpiceMiniDataHeader and SpiceDataHeader (protocol.h).
const (
	MiniHeaderSize = 6
	FullHeaderSize = 18
)

// Frame reads and writes framed messages on one channel. This is the only
// code that reads a message length from the wire: everything downstream
// receives whole bodies. Mini selects the 6-byte header, used when both
// peers announced CommonCapMiniHeader; otherwise the 18-byte header with
// serials is used.
type Frame struct {
	Mini   bool
	serial uint64 // last serial sent, full headers only
	hdr    [FullHeaderSize]byte
	buf    []byte
}

// ReadMessage reads one message. The body aliases an internal buffer that
// the next call overwrites. With full headers a non-zero sub_list is
// reported as an error: servers only use it in legacy mode, and MSG_LIST
// carries sub-messages in the body instead.
func (f *Frame) ReadMessage(r io.Reader) (MsgType, []byte, error) {
	n := MiniHeaderSize
	if !f.Mini {
		n = FullHeaderSize
	}
	if _, err := io.ReadFull(r, f.hdr[:n]); err != nil {
		return 0, nil, err
	}
	var t MsgType
	var size uint32
	if f.Mini {
		t = MsgType(binary.LittleEndian.Uint16(f.hdr[0:]))
		size = binary.LittleEndian.Uint32(f.hdr[2:])
	} else {
		t = MsgType(binary.LittleEndian.Uint16(f.hdr[8:]))
		size = binary.LittleEndian.Uint32(f.hdr[10:])
		if binary.LittleEndian.Uint32(f.hdr[14:]) != 0 {
			return 0, nil, UnsupportedError("sub-message list in header")
		}
	}
	if size > MaxMessageSize {
		return 0, nil, &TooLargeError{Type: t, Size: size}
	}
	if cap(f.buf) < int(size) {
		f.buf = make([]byte, size)
	}
	body := f.buf[:size]
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return t, body, nil
}

// ClientMessage is a client-to-server message.
type ClientMessage interface {
	Type() MsgType
	Encode(dst []byte) []byte
	client()
}

// ServerMessage is a server-to-client message.
type ServerMessage interface {
	Decode(body []byte) error
	server()
}

// AppendMessage appends m with its header to dst.
func (f *Frame) AppendMessage(dst []byte, m ClientMessage) []byte {
	start := len(dst)
	if f.Mini {
		dst = put16(dst, uint16(m.Type()))
		dst = put32(dst, 0)
	} else {
		f.serial++
		dst = put64(dst, f.serial)
		dst = put16(dst, uint16(m.Type()))
		dst = put32(dst, 0)
		dst = put32(dst, 0)
	}
	hdrEnd := len(dst)
	dst = m.Encode(dst)
	sizeAt := start + 2
	if !f.Mini {
		sizeAt = start + 10
	}
	binary.LittleEndian.PutUint32(dst[sizeAt:], uint32(len(dst)-hdrEnd))
	return dst
}

// SubMessage is one element of a MSG_LIST body.
type SubMessage struct {
	Type MsgType
	Body []byte
}

// ParseList splits a MSG_LIST body (SpiceSubMessageList) into its
// sub-messages. Pointers inside a sub-message are relative to its own body,
// which is what the returned Body slices start at.
func ParseList(body []byte) ([]SubMessage, error) {
	r := newReader(body)
	n := r.count16(4)
	offs := make([]uint32, n)
	for i := range offs {
		offs[i] = r.u32()
	}
	if r.err != nil {
		return nil, r.err
	}
	subs := make([]SubMessage, 0, n)
	for _, off := range offs {
		s := r.at(off)
		t := MsgType(s.u16())
		size := s.u32()
		b := s.take(int(min(size, uint32(len(body)))))
		if s.err != nil || uint64(size) > uint64(len(body)) {
			return nil, FormatError("sub-message outside list")
		}
		if t == MsgTypeList {
			return nil, FormatError("nested message list")
		}
		subs = append(subs, SubMessage{Type: t, Body: b})
	}
	return subs, nil
}

// MsgcRaw is a client message given as its type and body bytes, for tools
// and tests that speak the protocol without the typed messages.
type MsgcRaw struct {
	MsgType MsgType
	Body    []byte
}

func (*MsgcRaw) client()                    {}
func (m *MsgcRaw) Type() MsgType            { return m.MsgType }
func (m *MsgcRaw) Encode(dst []byte) []byte { return append(dst, m.Body...) }
