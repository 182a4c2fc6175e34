package spice

// Playback channel messages (spice.proto: channel PlaybackChannel). The
// server sends MODE (how DATA is coded), then START (the stream's format),
// DATA packets stamped in its multimedia clock, and STOP; VOLUME, MUTE and
// LATENCY may come at any time. The client sends only base messages.

// NewPlaybackMessage returns a zero message value for a playback-channel
// server message type, or nil for any other type.
func NewPlaybackMessage(t MsgType) ServerMessage {
	switch t {
	case MsgTypePlaybackData:
		return new(MsgPlaybackData)
	case MsgTypePlaybackMode:
		return new(MsgPlaybackMode)
	case MsgTypePlaybackStart:
		return new(MsgPlaybackStart)
	case MsgTypePlaybackStop:
		return new(MsgPlaybackStop)
	case MsgTypePlaybackVolume:
		return new(MsgAudioVolume)
	case MsgTypePlaybackMute:
		return new(MsgAudioMute)
	case MsgTypePlaybackLatency:
		return new(MsgPlaybackLatency)
	}
	return nil
}

// MsgPlaybackData is one packet of sound (spice.proto:
// PlaybackChannel.data): interleaved 16-bit little-endian PCM in RAW mode,
// one Opus packet in OPUS mode. Time is the server's multimedia time of
// its first sample, in milliseconds. Data aliases the body.
type MsgPlaybackData struct {
	Time uint32
	Data []byte
}

func (*MsgPlaybackData) server() {}

func (m *MsgPlaybackData) Decode(b []byte) error {
	r := newReader(b)
	m.Time = r.u32()
	m.Data = decodePayload(r)
	return r.err
}

func (m *MsgPlaybackData) Encode(dst []byte) []byte {
	return append(put32(dst, m.Time), m.Data...)
}

// MsgPlaybackMode says how the following DATA is coded (spice.proto:
// PlaybackChannel.mode). Data is codec set-up data, empty for RAW and Opus.
type MsgPlaybackMode struct {
	Time uint32
	Mode AudioDataMode
	Data []byte
}

func (*MsgPlaybackMode) server() {}

func (m *MsgPlaybackMode) Decode(b []byte) error {
	r := newReader(b)
	m.Time = r.u32()
	m.Mode = AudioDataMode(r.u16())
	m.Data = decodePayload(r)
	return r.err
}

func (m *MsgPlaybackMode) Encode(dst []byte) []byte {
	dst = put32(dst, m.Time)
	dst = put16(dst, uint16(m.Mode))
	return append(dst, m.Data...)
}

// MsgPlaybackStart starts a stream (spice.proto: PlaybackChannel.start).
// The values are the server's to choose; the session checks them.
type MsgPlaybackStart struct {
	Channels  uint32
	Format    AudioFmt
	Frequency uint32 // samples per second per channel
	Time      uint32 // multimedia time of the stream's start
}

func (*MsgPlaybackStart) server() {}

func (m *MsgPlaybackStart) Decode(b []byte) error {
	r := newReader(b)
	m.Channels = r.u32()
	m.Format = AudioFmt(r.u16())
	m.Frequency = r.u32()
	m.Time = r.u32()
	return r.err
}

func (m *MsgPlaybackStart) Encode(dst []byte) []byte {
	dst = put32(dst, m.Channels)
	dst = put16(dst, uint16(m.Format))
	dst = put32(dst, m.Frequency)
	return put32(dst, m.Time)
}

// MsgPlaybackStop ends the stream (spice.proto: PlaybackChannel.stop).
type MsgPlaybackStop struct{}

func (*MsgPlaybackStop) server()                  {}
func (*MsgPlaybackStop) Decode([]byte) error      { return nil }
func (*MsgPlaybackStop) Encode(dst []byte) []byte { return dst }

// MsgPlaybackLatency is the playback delay the server asks the client to
// keep, so that sound stays in step with video it holds back by as much
// (spice.proto: PlaybackChannel.latency; spice-gtk's "min-latency").
type MsgPlaybackLatency struct {
	LatencyMS uint32
}

func (*MsgPlaybackLatency) server() {}

func (m *MsgPlaybackLatency) Decode(b []byte) error {
	r := newReader(b)
	m.LatencyMS = r.u32()
	return r.err
}

func (m *MsgPlaybackLatency) Encode(dst []byte) []byte { return put32(dst, m.LatencyMS) }
