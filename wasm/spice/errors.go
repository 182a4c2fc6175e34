package spice

import "errors"

// FormatError reports a message that does not follow the protocol.
type FormatError string

func (e FormatError) Error() string { return "spice: invalid format: " + string(e) }

// UnsupportedError reports a valid message the client does not implement.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "spice: unsupported: " + string(e) }

// ErrShort is returned when a message body ends before its fixed fields.
var ErrShort = FormatError("message too short")

// ErrTooLarge is returned when a frame header declares a body larger than
// MaxMessageSize.
var ErrTooLarge = errors.New("spice: message exceeds size limit")
