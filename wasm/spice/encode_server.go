package spice

// Encode methods of server messages, for programs that play a SPICE server
// (serve's replay of a recorded session writes these around the recorded
// stream) and for tests that build messages from types. Each is the
// inverse of the message's Decode.

func (m *MsgMainName) Encode(dst []byte) []byte {
	// The length counts a trailing NUL (spice.proto: main.name).
	dst = put32(dst, uint32(len(m.Name)+1))
	dst = append(dst, m.Name...)
	return append(dst, 0)
}

func (m *MsgNotify) Encode(dst []byte) []byte {
	dst = put64(dst, m.TimeStamp)
	dst = put32(dst, m.Severity)
	dst = put32(dst, m.Visibility)
	dst = put32(dst, m.What)
	dst = put32(dst, uint32(len(m.Message)+1))
	dst = append(dst, m.Message...)
	return append(dst, 0)
}

func (m *MsgDisplaySurfaceDestroy) Encode(dst []byte) []byte { return put32(dst, m.SurfaceID) }

func (m *MsgDisplayInvalAllPixmaps) Encode(dst []byte) []byte {
	dst = put8(dst, uint8(len(m.Waits)))
	for _, w := range m.Waits {
		dst = put8(dst, uint8(w.ChannelType))
		dst = put8(dst, w.ChannelID)
		dst = put64(dst, w.Serial)
	}
	return dst
}
