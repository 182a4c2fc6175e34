package vdagent

import "strconv"

// FormatError reports a message that does not follow the protocol.
type FormatError string

func (e FormatError) Error() string { return "vdagent: invalid format: " + string(e) }

// ErrShort is returned when a message ends before its fixed fields.
var ErrShort = FormatError("message too short")

// TooLargeError reports a message whose declared size is past the limit
// for its type; the stream skips its body without keeping it.
type TooLargeError struct {
	Type  MsgType
	Size  uint32
	Limit int
}

func (e *TooLargeError) Error() string {
	return "vdagent: " + e.Type.String() + " message of " + strconv.FormatUint(uint64(e.Size), 10) +
		" bytes is larger than the limit of " + strconv.Itoa(e.Limit)
}

// ProtocolError reports a message header whose protocol is not Protocol.
type ProtocolError uint32

func (e ProtocolError) Error() string {
	return "vdagent: unknown protocol version " + strconv.FormatUint(uint64(e), 10)
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
