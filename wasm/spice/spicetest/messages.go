package spicetest

import (
	"encoding/binary"
	"image"

	"spiceweb/wasm/spice"
)

// Bodies of the server messages scripted servers send most, written from
// spice.proto independently of the client's decoders, so that a test
// built on them checks the decoders rather than mirrors them.

// MainInit is a MainChannel.init body (spice.proto: msg_main_init): no
// agent, one display channel, both mouse modes offered, server mode on.
func MainInit(sessionID uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, sessionID)
	for _, v := range []uint32{
		1, // display_channels_hint
		spice.MouseModeServer | spice.MouseModeClient,
		spice.MouseModeServer,
		0,        // agent_connected
		10,       // agent_tokens
		0,        // multi_media_time
		64 << 20, // ram_hint
	} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// ChannelsList is a MainChannel.channels_list body.
func ChannelsList(ids ...spice.ChannelID) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(ids)))
	for _, id := range ids {
		b = append(b, uint8(id.Type), id.ID)
	}
	return b
}

// SetAck is a SET_ACK body (spice.proto: msg_set_ack).
func SetAck(generation, window uint32) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, generation), window)
}

// Ping is a PING body without the optional padding (spice.proto: msg_ping).
func Ping(id uint32, timestamp uint64) []byte {
	return binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint32(nil, id), timestamp)
}

// SurfaceCreate is a DisplayChannel.surface_create body.
func SurfaceCreate(id, w, h uint32, f spice.SurfaceFmt, flags uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, id)
	for _, v := range []uint32{w, h, uint32(f), flags} {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// DrawFill is a DisplayChannel.draw_fill body: a solid fill of r with an
// x8r8g8b8 colour, rop PUT, no clip, no mask.
func DrawFill(surface uint32, r image.Rectangle, xrgb uint32) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, surface)
	// SpiceRect is top, left, bottom, right.
	for _, v := range []int{r.Min.Y, r.Min.X, r.Max.Y, r.Max.X} {
		b = le.AppendUint32(b, uint32(int32(v)))
	}
	b = append(b, spice.ClipTypeNone)
	b = append(b, spice.BrushTypeSolid)
	b = le.AppendUint32(b, xrgb)
	b = le.AppendUint16(b, spice.RopdOpPut)
	// QMask: flags, pos, bitmap pointer 0 (none).
	b = append(b, 0)
	return le.AppendUint32(le.AppendUint32(le.AppendUint32(b, 0), 0), 0)
}

// StreamCreate is a DisplayChannel.stream_create body: a top-down stream
// of codec on surface, frames of srcW x srcH put into dest, no clip.
func StreamCreate(surface, id uint32, codec uint8, srcW, srcH uint32, dest image.Rectangle) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(le.AppendUint32(nil, surface), id)
	b = append(b, spice.StreamFlagTopDown, codec)
	b = le.AppendUint64(b, 0) // stamp
	for _, v := range []uint32{srcW, srcH, srcW, srcH} {
		b = le.AppendUint32(b, v)
	}
	for _, v := range []int{dest.Min.Y, dest.Min.X, dest.Max.Y, dest.Max.X} {
		b = le.AppendUint32(b, uint32(int32(v)))
	}
	return append(b, spice.ClipTypeNone)
}

// StreamData is a DisplayChannel.stream_data body: one frame stamped mm.
func StreamData(id, mm uint32, frame []byte) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(le.AppendUint32(nil, id), mm)
	return append(le.AppendUint32(b, uint32(len(frame))), frame...)
}

// StreamActivateReport is a DisplayChannel.stream_activate_report body.
func StreamActivateReport(id, uniqueID, window, timeoutMS uint32) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(le.AppendUint32(nil, id), uniqueID)
	return le.AppendUint32(le.AppendUint32(b, window), timeoutMS)
}
