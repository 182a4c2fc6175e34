// Package spice is the SPICE wire protocol (version 2.2): the link
// handshake, message framing, and one Go type per message with explicit
// little-endian Decode and append-style Encode methods. It does no I/O
// beyond reading and writing whole frames, starts no goroutines and keeps
// no state between calls.
//
// The layouts follow spice-common's spice.proto, the numbers
// spice-protocol's spice/enums.h and spice/protocol.h. Notation used in
// comments: "spice.proto: DisplayChannel.draw_copy" names the message a
// type mirrors. A "pointer" on the wire is a uint32 offset from the start
// of the message body (0 = none); Decode methods follow it within the body.
//
// Server-to-client types are named Msg<Channel><Name>, client-to-server
// types Msgc<Channel><Name>, as in spice-common's messages.h.
package spice
