package spice

// Record channel messages (spice.proto: channel RecordChannel). The server
// sends START when the guest opens its capture device and STOP when it
// closes it; the client then sends MODE and START_MARK once, and DATA
// packets until STOP (spice-gtk channel-record.c).

// NewRecordMessage returns a zero message value for a record-channel
// server message type, or nil for any other type.
func NewRecordMessage(t MsgType) ServerMessage {
	switch t {
	case MsgTypeRecordStart:
		return new(MsgRecordStart)
	case MsgTypeRecordStop:
		return new(MsgRecordStop)
	case MsgTypeRecordVolume:
		return new(MsgAudioVolume)
	case MsgTypeRecordMute:
		return new(MsgAudioMute)
	}
	return nil
}

// MsgRecordStart asks for sound at the given format (spice.proto:
// RecordChannel.start).
type MsgRecordStart struct {
	Channels  uint32
	Format    AudioFmt
	Frequency uint32
}

func (*MsgRecordStart) server() {}

func (m *MsgRecordStart) Decode(b []byte) error {
	r := newReader(b)
	m.Channels = r.u32()
	m.Format = AudioFmt(r.u16())
	m.Frequency = r.u32()
	return r.err
}

func (m *MsgRecordStart) Encode(dst []byte) []byte {
	dst = put32(dst, m.Channels)
	dst = put16(dst, uint16(m.Format))
	return put32(dst, m.Frequency)
}

// MsgRecordStop ends recording (spice.proto: RecordChannel.stop).
type MsgRecordStop struct{}

func (*MsgRecordStop) server()                  {}
func (*MsgRecordStop) Decode([]byte) error      { return nil }
func (*MsgRecordStop) Encode(dst []byte) []byte { return dst }

// MsgcRecordData is one packet of captured sound, coded as the last MODE
// said (spice.proto: RecordChannel.data). Time is the client's estimate
// of the server's multimedia time, in milliseconds.
type MsgcRecordData struct {
	Time uint32
	Data []byte
}

func (*MsgcRecordData) client()       {}
func (*MsgcRecordData) Type() MsgType { return MsgcTypeRecordData }
func (m *MsgcRecordData) Encode(dst []byte) []byte {
	return append(put32(dst, m.Time), m.Data...)
}

// Decode reads the body as a server does, for tests and tools.
func (m *MsgcRecordData) Decode(b []byte) error {
	r := newReader(b)
	m.Time = r.u32()
	m.Data = decodePayload(r)
	return r.err
}

// MsgcRecordMode says how the following DATA is coded (spice.proto:
// RecordChannel.mode).
type MsgcRecordMode struct {
	Time uint32
	Mode AudioDataMode
	Data []byte
}

func (*MsgcRecordMode) client()       {}
func (*MsgcRecordMode) Type() MsgType { return MsgcTypeRecordMode }
func (m *MsgcRecordMode) Encode(dst []byte) []byte {
	dst = put32(dst, m.Time)
	dst = put16(dst, uint16(m.Mode))
	return append(dst, m.Data...)
}

func (m *MsgcRecordMode) Decode(b []byte) error {
	r := newReader(b)
	m.Time = r.u32()
	m.Mode = AudioDataMode(r.u16())
	m.Data = decodePayload(r)
	return r.err
}

// MsgcRecordStartMark marks the start of the captured stream
// (spice.proto: RecordChannel.start_mark).
type MsgcRecordStartMark struct {
	Time uint32
}

func (*MsgcRecordStartMark) client()                    {}
func (*MsgcRecordStartMark) Type() MsgType              { return MsgcTypeRecordStartMark }
func (m *MsgcRecordStartMark) Encode(dst []byte) []byte { return put32(dst, m.Time) }

func (m *MsgcRecordStartMark) Decode(b []byte) error {
	r := newReader(b)
	m.Time = r.u32()
	return r.err
}
