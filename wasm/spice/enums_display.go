package spice

// Wire numbers the display, cursor and inputs messages need that enums.go
// does not define yet. Kept apart so the lead can fold them into enums.go;
// nothing here duplicates a name from that file. Values are spice-protocol
// spice/enums.h and spice/protocol.h.

// Path segment flags (SPICE_PATH_*), PathSegment.Flags.
const (
	PathBegin  = 1 << 0
	PathEnd    = 1 << 1
	PathClose  = 1 << 3
	PathBezier = 1 << 4
)

// Line attribute flags (SPICE_LINE_FLAGS_*), LineAttr.Flags. Their values
// follow Windows' winddi.h LA_* because the XPDM driver passes them through.
const (
	LineFlagStartWithGap = 1 << 2
	LineFlagStyled       = 1 << 3
)

// String flags (SPICE_STRING_FLAGS_*), String.Flags: one raster depth plus
// the row order of the glyph bitmaps.
const (
	StringFlagRasterA1      = 1 << 0
	StringFlagRasterA4      = 1 << 1
	StringFlagRasterA8      = 1 << 2
	StringFlagRasterTopDown = 1 << 3
)

// DRAW_COMPOSITE flags (SPICE_COMPOSITE_*). The low bits pack a pixman
// operator, two filters and two repeat modes; see the shift constants.
const (
	CompositeOpMask          = 0xff
	CompositeSrcFilterShift  = 8 // 3 bits, pixman_filter_t
	CompositeMaskFilterShift = 11
	CompositeSrcRepeatShift  = 14 // 2 bits, pixman_repeat_t
	CompositeMaskRepeatShift = 16

	CompositeComponentAlpha   = 1 << 18
	CompositeHasMask          = 1 << 19
	CompositeHasSrcTransform  = 1 << 20
	CompositeHasMaskTransform = 1 << 21
	CompositeSourceOpaque     = 1 << 22
	CompositeMaskOpaque       = 1 << 23
	CompositeDestOpaque       = 1 << 24
)

// MaxNumStreams bounds video stream ids: they lie in [0, MaxNumStreams)
// (protocol.h SPICE_MAX_NUM_STREAMS).
const MaxNumStreams = 64

// STREAM_REPORT special values (spice.proto: DisplayChannel.stream_report).
const (
	// StreamReportNoAudio is the audio_delay of a client without playback.
	StreamReportNoAudio = 0xffffffff
	// StreamReportInvalidDrops, with num_frames 0, tells the server the
	// client cannot decode the stream.
	StreamReportInvalidDrops = 0xffffffff
)

// GL scanout flags (SPICE_GL_SCANOUT_FLAGS_*).
const GLScanoutFlagY0Top = 1 << 0
