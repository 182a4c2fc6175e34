package spice

import (
	"errors"
	"strconv"
)

// FormatError reports a message that does not follow the protocol.
type FormatError string

func (e FormatError) Error() string { return "spice: invalid format: " + string(e) }

// UnsupportedError reports a valid message the client does not implement.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "spice: unsupported: " + string(e) }

// ErrShort is returned when a message body ends before its fixed fields.
var ErrShort = FormatError("message too short")

// ErrTooLarge matches (errors.Is) a frame header that declares a body
// larger than MaxMessageSize.
var ErrTooLarge = errors.New("spice: message exceeds size limit")

// TooLargeError is the error ReadMessage returns for a body larger than
// MaxMessageSize; it says which message and how large, so the user's
// error message names the problem.
type TooLargeError struct {
	Type MsgType
	Size uint32
}

// strconv rather than fmt: this text is built into the wasm client, where
// fmt costs size.
func (e *TooLargeError) Error() string {
	return "spice: message " + strconv.Itoa(int(e.Type)) + " declares " + strconv.FormatUint(uint64(e.Size), 10) +
		" bytes, more than the limit of " + strconv.Itoa(MaxMessageSize)
}

func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }
