package spice

// Display channel messages other than draws and streams (spice.proto:
// channel DisplayChannel), the client's display messages, and the table
// from message type to message value. Draws are in display_draw.go and
// video streams in display_stream.go.

// NewDisplayMessage returns a zero message value for a display-channel
// server message type, or nil for a type that is not the display channel's
// own (base messages included). A session can call it once per type and
// keep the value, since Decode reuses the receiver's slices.
func NewDisplayMessage(t MsgType) ServerMessage {
	switch t {
	case MsgTypeDisplayMode:
		return new(MsgDisplayMode)
	case MsgTypeDisplayMark:
		return new(MsgDisplayMark)
	case MsgTypeDisplayReset:
		return new(MsgDisplayReset)
	case MsgTypeDisplayCopyBits:
		return new(MsgDisplayCopyBits)
	case MsgTypeDisplayInvalList:
		return new(MsgDisplayInvalList)
	case MsgTypeDisplayInvalAllPixmaps:
		return new(MsgDisplayInvalAllPixmaps)
	case MsgTypeDisplayInvalPalette:
		return new(MsgDisplayInvalPalette)
	case MsgTypeDisplayInvalAllPalettes:
		return new(MsgDisplayInvalAllPalettes)
	case MsgTypeDisplayStreamCreate:
		return new(MsgDisplayStreamCreate)
	case MsgTypeDisplayStreamData:
		return new(MsgDisplayStreamData)
	case MsgTypeDisplayStreamClip:
		return new(MsgDisplayStreamClip)
	case MsgTypeDisplayStreamDestroy:
		return new(MsgDisplayStreamDestroy)
	case MsgTypeDisplayStreamDestroyAll:
		return new(MsgDisplayStreamDestroyAll)
	case MsgTypeDisplayDrawFill:
		return new(MsgDisplayDrawFill)
	case MsgTypeDisplayDrawOpaque:
		return new(MsgDisplayDrawOpaque)
	case MsgTypeDisplayDrawCopy:
		return new(MsgDisplayDrawCopy)
	case MsgTypeDisplayDrawBlend:
		return new(MsgDisplayDrawBlend)
	case MsgTypeDisplayDrawBlackness:
		return new(MsgDisplayDrawBlackness)
	case MsgTypeDisplayDrawWhiteness:
		return new(MsgDisplayDrawWhiteness)
	case MsgTypeDisplayDrawInvers:
		return new(MsgDisplayDrawInvers)
	case MsgTypeDisplayDrawRop3:
		return new(MsgDisplayDrawRop3)
	case MsgTypeDisplayDrawStroke:
		return new(MsgDisplayDrawStroke)
	case MsgTypeDisplayDrawText:
		return new(MsgDisplayDrawText)
	case MsgTypeDisplayDrawTransparent:
		return new(MsgDisplayDrawTransparent)
	case MsgTypeDisplayDrawAlphaBlend:
		return new(MsgDisplayDrawAlphaBlend)
	case MsgTypeDisplaySurfaceCreate:
		return new(MsgDisplaySurfaceCreate)
	case MsgTypeDisplaySurfaceDestroy:
		return new(MsgDisplaySurfaceDestroy)
	case MsgTypeDisplayStreamDataSized:
		return new(MsgDisplayStreamDataSized)
	case MsgTypeDisplayMonitorsConfig:
		return new(MsgDisplayMonitorsConfig)
	case MsgTypeDisplayDrawComposite:
		return new(MsgDisplayDrawComposite)
	case MsgTypeDisplayStreamActivateReport:
		return new(MsgDisplayStreamActivateReport)
	case MsgTypeDisplayGLScanoutUnix:
		return new(MsgDisplayGLScanoutUnix)
	case MsgTypeDisplayGLDraw:
		return new(MsgDisplayGLDraw)
	case MsgTypeDisplayQualityIndicator:
		return new(MsgDisplayQualityIndicator)
	}
	return nil
}

// MsgDisplayMode is a legacy mode announcement current servers do not send
// (spice.proto: DisplayChannel.mode).
type MsgDisplayMode struct {
	XRes, YRes, Bits uint32
}

func (*MsgDisplayMode) server() {}

func (m *MsgDisplayMode) Decode(b []byte) error {
	r := newReader(b)
	m.XRes = r.u32()
	m.YRes = r.u32()
	m.Bits = r.u32()
	return r.err
}

// MsgDisplayMark says the first complete frame has been sent; spice-gtk
// shows the display from then on (spice.proto: DisplayChannel.mark).
type MsgDisplayMark struct{}

func (*MsgDisplayMark) server()               {}
func (*MsgDisplayMark) Decode(b []byte) error { return nil }

// MsgDisplayReset drops the primary surface's contents and the palette
// cache (spice.proto: DisplayChannel.reset).
type MsgDisplayReset struct{}

func (*MsgDisplayReset) server()               {}
func (*MsgDisplayReset) Decode(b []byte) error { return nil }

// MsgDisplayCopyBits copies, within one surface, the area of Box's size at
// SrcPos to Box; the areas may overlap (spice.proto: DisplayChannel.copy_bits).
type MsgDisplayCopyBits struct {
	Base   DisplayBase
	SrcPos Point
}

func (*MsgDisplayCopyBits) server() {}

func (m *MsgDisplayCopyBits) Decode(b []byte) error {
	r := newReader(b)
	r.displayBase(&m.Base)
	m.SrcPos = r.point()
	return r.err
}

// ResourceID names a cached resource (spice.proto: ResourceID).
type ResourceID struct {
	Type uint8 // ResourceTypePixmap
	ID   uint64
}

// MsgDisplayInvalList evicts images from the pixmap cache; the server
// models the client's cache and decides every eviction
// (spice.proto: DisplayChannel.inval_list).
type MsgDisplayInvalList struct {
	Resources []ResourceID
}

func (*MsgDisplayInvalList) server() {}

func (m *MsgDisplayInvalList) Decode(b []byte) error {
	r := newReader(b)
	n := r.count16(9)
	m.Resources = m.Resources[:0]
	for range n {
		m.Resources = append(m.Resources, ResourceID{r.u8(), r.u64()})
	}
	return r.err
}

// MsgDisplayInvalAllPixmaps clears the pixmap cache once the listed
// channels have processed the listed messages, which keeps GLZ references
// from other display channels valid until then
// (spice.proto: DisplayChannel.inval_all_pixmaps).
type MsgDisplayInvalAllPixmaps struct {
	Waits []WaitForChannel
}

func (*MsgDisplayInvalAllPixmaps) server() {}

func (m *MsgDisplayInvalAllPixmaps) Decode(b []byte) error {
	r := newReader(b)
	n := r.count8(10)
	m.Waits = m.Waits[:0]
	for range n {
		m.Waits = append(m.Waits, WaitForChannel{ChannelType(r.u8()), r.u8(), r.u64()})
	}
	return r.err
}

// MsgDisplayInvalPalette drops one palette from the palette cache
// (spice.proto: DisplayChannel.inval_palette).
type MsgDisplayInvalPalette struct {
	ID uint64
}

func (*MsgDisplayInvalPalette) server() {}

func (m *MsgDisplayInvalPalette) Decode(b []byte) error {
	r := newReader(b)
	m.ID = r.u64()
	return r.err
}

// MsgDisplayInvalAllPalettes empties the palette cache
// (spice.proto: DisplayChannel.inval_all_palettes).
type MsgDisplayInvalAllPalettes struct{}

func (*MsgDisplayInvalAllPalettes) server()               {}
func (*MsgDisplayInvalAllPalettes) Decode(b []byte) error { return nil }

// MsgDisplaySurfaceCreate (spice.proto: DisplayChannel.surface_create).
// Flags is a bit set (SurfaceFlagPrimary, SurfaceFlagStreamingMode);
// servers older than 2013 sent PRIMARY as an enum value, which reads the
// same.
type MsgDisplaySurfaceCreate struct {
	SurfaceID uint32
	Width     uint32
	Height    uint32
	Format    SurfaceFmt
	Flags     uint32
}

func (*MsgDisplaySurfaceCreate) server() {}

func (m *MsgDisplaySurfaceCreate) Decode(b []byte) error {
	r := newReader(b)
	m.SurfaceID = r.u32()
	m.Width = r.u32()
	m.Height = r.u32()
	m.Format = SurfaceFmt(r.u32())
	m.Flags = r.u32()
	return r.err
}

// MsgDisplaySurfaceDestroy (spice.proto: DisplayChannel.surface_destroy).
type MsgDisplaySurfaceDestroy struct {
	SurfaceID uint32
}

func (*MsgDisplaySurfaceDestroy) server() {}

func (m *MsgDisplaySurfaceDestroy) Decode(b []byte) error {
	r := newReader(b)
	m.SurfaceID = r.u32()
	return r.err
}

// Head places one monitor inside a surface (spice.proto: Head).
type Head struct {
	MonitorID uint32
	SurfaceID uint32
	Width     uint32
	Height    uint32
	X         uint32
	Y         uint32
	Flags     uint32
}

// MsgDisplayMonitorsConfig maps monitors to areas of surfaces
// (spice.proto: DisplayChannel.monitors_config).
type MsgDisplayMonitorsConfig struct {
	MaxAllowed uint16
	Heads      []Head
}

func (*MsgDisplayMonitorsConfig) server() {}

func (m *MsgDisplayMonitorsConfig) Decode(b []byte) error {
	r := newReader(b)
	n := r.u16()
	m.MaxAllowed = r.u16()
	if r.err == nil && int(n)*28 > len(b)-r.off {
		r.fail(FormatError("head count exceeds message"))
	}
	m.Heads = m.Heads[:0]
	if r.err != nil {
		return r.err
	}
	for range n {
		m.Heads = append(m.Heads, Head{r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()})
	}
	return r.err
}

// MsgDisplayGLScanoutUnix shares a dma-buf over a unix socket, which a
// browser client never has; it is only sent to clients that advertise
// DisplayCapGLScanout (spice.proto: DisplayChannel.gl_scanout_unix).
type MsgDisplayGLScanoutUnix struct{}

func (*MsgDisplayGLScanoutUnix) server() {}

func (*MsgDisplayGLScanoutUnix) Decode(b []byte) error {
	return UnsupportedError("display gl_scanout_unix")
}

// MsgDisplayGLDraw updates an area of the GL scanout; see
// MsgDisplayGLScanoutUnix (spice.proto: DisplayChannel.gl_draw).
type MsgDisplayGLDraw struct{}

func (*MsgDisplayGLDraw) server() {}

func (*MsgDisplayGLDraw) Decode(b []byte) error { return UnsupportedError("display gl_draw") }

// MsgDisplayQualityIndicator carries a streaming agent's quality report,
// a string in a format of the agent's choosing
// (spice.proto: DisplayChannel.quality_indicator; spice/stream-device.h).
// Data aliases the message body.
type MsgDisplayQualityIndicator struct {
	Data []byte
}

func (*MsgDisplayQualityIndicator) server() {}

func (m *MsgDisplayQualityIndicator) Decode(b []byte) error {
	m.Data = b
	return nil
}

// MsgcDisplayInit must follow the link at once: the server waits for it
// before sending anything (spice.proto: DisplayChannel.init). The cache
// sizes count pixels; the body is 14 packed bytes.
type MsgcDisplayInit struct {
	PixmapCacheID           uint8
	PixmapCacheSize         int64
	GLZDictionaryID         uint8
	GLZDictionaryWindowSize int32
}

func (*MsgcDisplayInit) client()       {}
func (*MsgcDisplayInit) Type() MsgType { return MsgcTypeDisplayInit }
func (m *MsgcDisplayInit) Encode(dst []byte) []byte {
	dst = put8(dst, m.PixmapCacheID)
	dst = put64(dst, uint64(m.PixmapCacheSize))
	dst = put8(dst, m.GLZDictionaryID)
	return put32(dst, uint32(m.GLZDictionaryWindowSize))
}

// MsgcDisplayPreferredCompression asks for one image compression; only
// for servers with DisplayCapPrefCompression
// (spice.proto: DisplayChannel.preferred_compression).
type MsgcDisplayPreferredCompression struct {
	Compression ImageCompression
}

func (*MsgcDisplayPreferredCompression) client()       {}
func (*MsgcDisplayPreferredCompression) Type() MsgType { return MsgcTypeDisplayPreferredCompression }
func (m *MsgcDisplayPreferredCompression) Encode(dst []byte) []byte {
	return put8(dst, uint8(m.Compression))
}

// MsgcDisplayGLDrawDone acknowledges a GL_DRAW
// (spice.proto: DisplayChannel.gl_draw_done).
type MsgcDisplayGLDrawDone struct{}

func (*MsgcDisplayGLDrawDone) client()                  {}
func (*MsgcDisplayGLDrawDone) Type() MsgType            { return MsgcTypeDisplayGLDrawDone }
func (*MsgcDisplayGLDrawDone) Encode(dst []byte) []byte { return dst }
