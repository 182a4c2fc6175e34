package spice

// Messages every channel shares (spice.proto: channel BaseChannel).

// MsgSetAck asks the client to acknowledge every Window messages
// (spice.proto: BaseChannel.set_ack).
type MsgSetAck struct {
	Generation uint32
	Window     uint32
}

func (*MsgSetAck) server() {}

func (m *MsgSetAck) Decode(b []byte) error {
	r := newReader(b)
	m.Generation = r.u32()
	m.Window = r.u32()
	return r.err
}

// MsgPing is answered with a MsgcPong carrying the same id and timestamp
// (spice.proto: BaseChannel.ping). The payload after them only measures
// bandwidth and is not echoed.
type MsgPing struct {
	ID        uint32
	Timestamp uint64
}

func (*MsgPing) server() {}

func (m *MsgPing) Decode(b []byte) error {
	r := newReader(b)
	m.ID = r.u32()
	m.Timestamp = r.u64()
	return r.err
}

// WaitForChannel names a message another channel must have processed
// (spice.proto: WaitForChannel).
type WaitForChannel struct {
	ChannelType ChannelType
	ChannelID   uint8
	Serial      uint64
}

// MsgWaitForChannels (spice.proto: BaseChannel.wait_for_channels).
type MsgWaitForChannels struct {
	Waits []WaitForChannel
}

func (*MsgWaitForChannels) server() {}

func (m *MsgWaitForChannels) Decode(b []byte) error {
	r := newReader(b)
	m.Waits = decodeWaits(r)
	return r.err
}

func decodeWaits(r *reader) []WaitForChannel {
	n := r.count8(10)
	w := make([]WaitForChannel, n)
	for i := range w {
		w[i] = WaitForChannel{ChannelType(r.u8()), r.u8(), r.u64()}
	}
	return w
}

// MsgDisconnecting announces that the server will close the channel
// (spice.proto: BaseChannel.disconnecting).
type MsgDisconnecting struct {
	TimeStamp uint64
	Reason    LinkErr
}

func (*MsgDisconnecting) server() {}

func (m *MsgDisconnecting) Decode(b []byte) error {
	r := newReader(b)
	m.TimeStamp = r.u64()
	m.Reason = LinkErr(r.u32())
	return r.err
}

// MsgNotify carries a message for the user (spice.proto: BaseChannel.notify).
type MsgNotify struct {
	TimeStamp  uint64
	Severity   uint32
	Visibility uint32
	What       uint32
	Message    string
}

func (*MsgNotify) server() {}

func (m *MsgNotify) Decode(b []byte) error {
	r := newReader(b)
	m.TimeStamp = r.u64()
	m.Severity = r.u32()
	m.Visibility = r.u32()
	m.What = r.u32()
	n := r.count32(1)
	msg := r.take(n)
	// The length counts a trailing NUL.
	for len(msg) > 0 && msg[len(msg)-1] == 0 {
		msg = msg[:len(msg)-1]
	}
	m.Message = string(msg)
	return r.err
}

// MsgMigrate (spice.proto: BaseChannel.migrate); migration is not
// supported, the message is decoded only to be logged.
type MsgMigrate struct {
	Flags uint32
}

func (*MsgMigrate) server() {}

func (m *MsgMigrate) Decode(b []byte) error {
	r := newReader(b)
	m.Flags = r.u32()
	return r.err
}

// MsgcAckSync echoes a SET_ACK generation (spice.proto: BaseChannel.ack_sync).
type MsgcAckSync struct {
	Generation uint32
}

func (*MsgcAckSync) client()                    {}
func (*MsgcAckSync) Type() MsgType              { return MsgcTypeAckSync }
func (m *MsgcAckSync) Encode(dst []byte) []byte { return put32(dst, m.Generation) }

// MsgcAck acknowledges a window of messages (spice.proto: BaseChannel.ack).
type MsgcAck struct{}

func (*MsgcAck) client()                  {}
func (*MsgcAck) Type() MsgType            { return MsgcTypeAck }
func (*MsgcAck) Encode(dst []byte) []byte { return dst }

// MsgcPong answers MsgPing (spice.proto: BaseChannel.pong).
type MsgcPong struct {
	ID        uint32
	Timestamp uint64
}

func (*MsgcPong) client()       {}
func (*MsgcPong) Type() MsgType { return MsgcTypePong }
func (m *MsgcPong) Encode(dst []byte) []byte {
	dst = put32(dst, m.ID)
	return put64(dst, m.Timestamp)
}
