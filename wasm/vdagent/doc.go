// Package vdagent is the guest agent's protocol (spice-vdagent and the
// Windows agent): the VDAgent messages the main channel carries in
// AGENT_DATA, as Go types, and the stream layer that cuts them into
// AGENT_DATA pieces and puts them back together.
//
// It is shaped like package spice: one type per message with Decode and
// append-style Encode, files by message family (caps.go, clipboard.go,
// monitors.go, filexfer.go), typed errors, and one framing loop (stream.go)
// that is the only code reading a message length from the wire. Layouts
// follow spice-protocol's spice/vd_agent.h; how a client uses them follows
// spice-gtk's channel-main.c.
//
// Several layouts depend on what the peer announced (the selection byte
// under CapClipboardSelection, the grab serial under
// CapClipboardGrabSerial), so Encode and Decode take the peer's Caps.
package vdagent
