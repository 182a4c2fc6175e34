package spice

// Video stream messages of the display channel (spice.proto:
// DisplayChannel.stream_*) and the client's stream reports. Frame data
// aliases the message body.

// MsgDisplayStreamCreate starts a video stream drawn into Dest of a
// surface, clipped by Clip (spice.proto: DisplayChannel.stream_create).
// Frames are SrcWidth x SrcHeight, bottom-up unless Flags has
// StreamFlagTopDown. IDs below MaxNumStreams are valid; the session checks.
type MsgDisplayStreamCreate struct {
	SurfaceID    uint32
	ID           uint32
	Flags        uint8
	CodecType    uint8 // VideoCodec*
	Stamp        uint64
	StreamWidth  uint32
	StreamHeight uint32
	SrcWidth     uint32
	SrcHeight    uint32
	Dest         Rect
	Clip         Clip
}

func (*MsgDisplayStreamCreate) server() {}

func (m *MsgDisplayStreamCreate) Decode(b []byte) error {
	r := newReader(b)
	m.SurfaceID = r.u32()
	m.ID = r.u32()
	m.Flags = r.u8()
	m.CodecType = r.u8()
	m.Stamp = r.u64()
	m.StreamWidth = r.u32()
	m.StreamHeight = r.u32()
	m.SrcWidth = r.u32()
	m.SrcHeight = r.u32()
	m.Dest = r.rect()
	r.clip(&m.Clip)
	return r.err
}

// MsgDisplayStreamData is one encoded frame, stamped in the server's
// multimedia clock (spice.proto: DisplayChannel.stream_data).
type MsgDisplayStreamData struct {
	ID             uint32
	MultiMediaTime uint32
	Data           []byte
}

func (*MsgDisplayStreamData) server() {}

func (m *MsgDisplayStreamData) Decode(b []byte) error {
	r := newReader(b)
	m.ID = r.u32()
	m.MultiMediaTime = r.u32()
	m.Data = r.take(r.count32(1))
	return r.err
}

// MsgDisplayStreamDataSized is a frame with its own size and destination,
// sent to clients with DisplayCapSizedStream
// (spice.proto: DisplayChannel.stream_data_sized).
type MsgDisplayStreamDataSized struct {
	ID             uint32
	MultiMediaTime uint32
	Width          uint32
	Height         uint32
	Dest           Rect
	Data           []byte
}

func (*MsgDisplayStreamDataSized) server() {}

func (m *MsgDisplayStreamDataSized) Decode(b []byte) error {
	r := newReader(b)
	m.ID = r.u32()
	m.MultiMediaTime = r.u32()
	m.Width = r.u32()
	m.Height = r.u32()
	m.Dest = r.rect()
	m.Data = r.take(r.count32(1))
	return r.err
}

// MsgDisplayStreamClip replaces a stream's clip
// (spice.proto: DisplayChannel.stream_clip).
type MsgDisplayStreamClip struct {
	ID   uint32
	Clip Clip
}

func (*MsgDisplayStreamClip) server() {}

func (m *MsgDisplayStreamClip) Decode(b []byte) error {
	r := newReader(b)
	m.ID = r.u32()
	r.clip(&m.Clip)
	return r.err
}

// MsgDisplayStreamDestroy (spice.proto: DisplayChannel.stream_destroy).
type MsgDisplayStreamDestroy struct {
	ID uint32
}

func (*MsgDisplayStreamDestroy) server() {}

func (m *MsgDisplayStreamDestroy) Decode(b []byte) error {
	r := newReader(b)
	m.ID = r.u32()
	return r.err
}

// MsgDisplayStreamDestroyAll (spice.proto: DisplayChannel.stream_destroy_all).
type MsgDisplayStreamDestroyAll struct{}

func (*MsgDisplayStreamDestroyAll) server()               {}
func (*MsgDisplayStreamDestroyAll) Decode(b []byte) error { return nil }

// MsgDisplayStreamActivateReport asks for STREAM_REPORTs on a stream, every
// MaxWindowSize frames or TimeoutMS milliseconds; only sent to clients with
// DisplayCapStreamReport (spice.proto: DisplayChannel.stream_activate_report).
type MsgDisplayStreamActivateReport struct {
	StreamID      uint32
	UniqueID      uint32
	MaxWindowSize uint32
	TimeoutMS     uint32
}

func (*MsgDisplayStreamActivateReport) server() {}

func (m *MsgDisplayStreamActivateReport) Decode(b []byte) error {
	r := newReader(b)
	m.StreamID = r.u32()
	m.UniqueID = r.u32()
	m.MaxWindowSize = r.u32()
	m.TimeoutMS = r.u32()
	return r.err
}

// MsgcDisplayStreamReport tells the server how a stream plays
// (spice.proto: DisplayChannel.stream_report). NumFrames 0 with NumDrops
// StreamReportInvalidDrops rejects a stream the client cannot decode;
// AudioDelay is StreamReportNoAudio without playback.
type MsgcDisplayStreamReport struct {
	StreamID         uint32
	UniqueID         uint32
	StartFrameMMTime uint32
	EndFrameMMTime   uint32
	NumFrames        uint32
	NumDrops         uint32
	LastFrameDelay   int32
	AudioDelay       uint32
}

func (*MsgcDisplayStreamReport) client()       {}
func (*MsgcDisplayStreamReport) Type() MsgType { return MsgcTypeDisplayStreamReport }
func (m *MsgcDisplayStreamReport) Encode(dst []byte) []byte {
	dst = put32(dst, m.StreamID)
	dst = put32(dst, m.UniqueID)
	dst = put32(dst, m.StartFrameMMTime)
	dst = put32(dst, m.EndFrameMMTime)
	dst = put32(dst, m.NumFrames)
	dst = put32(dst, m.NumDrops)
	dst = put32(dst, uint32(m.LastFrameDelay))
	return put32(dst, m.AudioDelay)
}

// MsgcDisplayPreferredVideoCodecType lists video codecs (VideoCodec*) in
// order of preference; only for servers with DisplayCapPrefVideoCodecType
// (spice.proto: DisplayChannel.preferred_video_codec_type).
type MsgcDisplayPreferredVideoCodecType struct {
	Codecs []uint8
}

func (*MsgcDisplayPreferredVideoCodecType) client() {}
func (*MsgcDisplayPreferredVideoCodecType) Type() MsgType {
	return MsgcTypeDisplayPreferredVideoCodecType
}

// Encode sends at most 255 codecs, all a u8 count can hold; SPICE defines
// five.
func (m *MsgcDisplayPreferredVideoCodecType) Encode(dst []byte) []byte {
	c := m.Codecs[:min(len(m.Codecs), 255)]
	dst = put8(dst, uint8(len(c)))
	return append(dst, c...)
}
