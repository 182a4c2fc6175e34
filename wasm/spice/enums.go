package spice

import "strconv"

// This file is the one place that defines wire numbers. Values are those of
// spice-protocol's spice/enums.h and spice/protocol.h (protocol 2.2).

// ChannelType identifies a SPICE channel kind (enums.h SPICE_CHANNEL_*).
type ChannelType uint8

const (
	ChannelMain      ChannelType = 1
	ChannelDisplay   ChannelType = 2
	ChannelInputs    ChannelType = 3
	ChannelCursor    ChannelType = 4
	ChannelPlayback  ChannelType = 5
	ChannelRecord    ChannelType = 6
	ChannelTunnel    ChannelType = 7
	ChannelSmartcard ChannelType = 8
	ChannelUsbredir  ChannelType = 9
	ChannelPort      ChannelType = 10
	ChannelWebdav    ChannelType = 11
)

var channelNames = [...]string{"", "main", "display", "inputs", "cursor", "playback", "record",
	"tunnel", "smartcard", "usbredir", "port", "webdav"}

func (c ChannelType) String() string {
	if int(c) < len(channelNames) && c != 0 {
		return channelNames[c]
	}
	return "channel(" + strconv.Itoa(int(c)) + ")"
}

// MsgType is a message type number. Numbers are per channel and per
// direction; 1..100 are shared by every channel.
type MsgType uint16

// Server to client, every channel (SPICE_MSG_*).
const (
	MsgTypeMigrate         MsgType = 1
	MsgTypeMigrateData     MsgType = 2
	MsgTypeSetAck          MsgType = 3
	MsgTypePing            MsgType = 4
	MsgTypeWaitForChannels MsgType = 5
	MsgTypeDisconnecting   MsgType = 6
	MsgTypeNotify          MsgType = 7
	MsgTypeList            MsgType = 8
)

// Client to server, every channel (SPICE_MSGC_*).
const (
	MsgcTypeAckSync          MsgType = 1
	MsgcTypeAck              MsgType = 2
	MsgcTypePong             MsgType = 3
	MsgcTypeMigrateFlushMark MsgType = 4
	MsgcTypeMigrateData      MsgType = 5
	MsgcTypeDisconnecting    MsgType = 6
)

// Main channel, server to client.
const (
	MsgTypeMainMigrateBegin          MsgType = 101
	MsgTypeMainMigrateCancel         MsgType = 102
	MsgTypeMainInit                  MsgType = 103
	MsgTypeMainChannelsList          MsgType = 104
	MsgTypeMainMouseMode             MsgType = 105
	MsgTypeMainMultiMediaTime        MsgType = 106
	MsgTypeMainAgentConnected        MsgType = 107
	MsgTypeMainAgentDisconnected     MsgType = 108
	MsgTypeMainAgentData             MsgType = 109
	MsgTypeMainAgentToken            MsgType = 110
	MsgTypeMainMigrateSwitchHost     MsgType = 111
	MsgTypeMainMigrateEnd            MsgType = 112
	MsgTypeMainName                  MsgType = 113
	MsgTypeMainUUID                  MsgType = 114
	MsgTypeMainAgentConnectedTokens  MsgType = 115
	MsgTypeMainMigrateBeginSeamless  MsgType = 116
	MsgTypeMainMigrateDstSeamlessAck MsgType = 117
	MsgTypeMainMigrateDstSeamlessNak MsgType = 118
)

// Main channel, client to server.
const (
	MsgcTypeMainClientInfo               MsgType = 101
	MsgcTypeMainMigrateConnected         MsgType = 102
	MsgcTypeMainMigrateConnectError      MsgType = 103
	MsgcTypeMainAttachChannels           MsgType = 104
	MsgcTypeMainMouseModeRequest         MsgType = 105
	MsgcTypeMainAgentStart               MsgType = 106
	MsgcTypeMainAgentData                MsgType = 107
	MsgcTypeMainAgentToken               MsgType = 108
	MsgcTypeMainMigrateEnd               MsgType = 109
	MsgcTypeMainMigrateDstDoSeamless     MsgType = 110
	MsgcTypeMainMigrateConnectedSeamless MsgType = 111
	MsgcTypeMainQualityIndicator         MsgType = 112
)

// Display channel, server to client.
const (
	MsgTypeDisplayMode                 MsgType = 101
	MsgTypeDisplayMark                 MsgType = 102
	MsgTypeDisplayReset                MsgType = 103
	MsgTypeDisplayCopyBits             MsgType = 104
	MsgTypeDisplayInvalList            MsgType = 105
	MsgTypeDisplayInvalAllPixmaps      MsgType = 106
	MsgTypeDisplayInvalPalette         MsgType = 107
	MsgTypeDisplayInvalAllPalettes     MsgType = 108
	MsgTypeDisplayStreamCreate         MsgType = 122
	MsgTypeDisplayStreamData           MsgType = 123
	MsgTypeDisplayStreamClip           MsgType = 124
	MsgTypeDisplayStreamDestroy        MsgType = 125
	MsgTypeDisplayStreamDestroyAll     MsgType = 126
	MsgTypeDisplayDrawFill             MsgType = 302
	MsgTypeDisplayDrawOpaque           MsgType = 303
	MsgTypeDisplayDrawCopy             MsgType = 304
	MsgTypeDisplayDrawBlend            MsgType = 305
	MsgTypeDisplayDrawBlackness        MsgType = 306
	MsgTypeDisplayDrawWhiteness        MsgType = 307
	MsgTypeDisplayDrawInvers           MsgType = 308
	MsgTypeDisplayDrawRop3             MsgType = 309
	MsgTypeDisplayDrawStroke           MsgType = 310
	MsgTypeDisplayDrawText             MsgType = 311
	MsgTypeDisplayDrawTransparent      MsgType = 312
	MsgTypeDisplayDrawAlphaBlend       MsgType = 313
	MsgTypeDisplaySurfaceCreate        MsgType = 314
	MsgTypeDisplaySurfaceDestroy       MsgType = 315
	MsgTypeDisplayStreamDataSized      MsgType = 316
	MsgTypeDisplayMonitorsConfig       MsgType = 317
	MsgTypeDisplayDrawComposite        MsgType = 318
	MsgTypeDisplayStreamActivateReport MsgType = 319
	MsgTypeDisplayGLScanoutUnix        MsgType = 320
	MsgTypeDisplayGLDraw               MsgType = 321
	MsgTypeDisplayQualityIndicator     MsgType = 322
)

// Display channel, client to server.
const (
	MsgcTypeDisplayInit                    MsgType = 101
	MsgcTypeDisplayStreamReport            MsgType = 102
	MsgcTypeDisplayPreferredCompression    MsgType = 103
	MsgcTypeDisplayGLDrawDone              MsgType = 104
	MsgcTypeDisplayPreferredVideoCodecType MsgType = 105
)

// Inputs channel.
const (
	MsgTypeInputsInit           MsgType = 101
	MsgTypeInputsKeyModifiers   MsgType = 102
	MsgTypeInputsMouseMotionAck MsgType = 111
	MsgcTypeInputsKeyDown       MsgType = 101
	MsgcTypeInputsKeyUp         MsgType = 102
	MsgcTypeInputsKeyModifiers  MsgType = 103
	MsgcTypeInputsKeyScancode   MsgType = 104
	MsgcTypeInputsMouseMotion   MsgType = 111
	MsgcTypeInputsMousePosition MsgType = 112
	MsgcTypeInputsMousePress    MsgType = 113
	MsgcTypeInputsMouseRelease  MsgType = 114
)

// Cursor channel, server to client (the client sends only base messages).
const (
	MsgTypeCursorInit     MsgType = 101
	MsgTypeCursorReset    MsgType = 102
	MsgTypeCursorSet      MsgType = 103
	MsgTypeCursorMove     MsgType = 104
	MsgTypeCursorHide     MsgType = 105
	MsgTypeCursorTrail    MsgType = 106
	MsgTypeCursorInvalOne MsgType = 107
	MsgTypeCursorInvalAll MsgType = 108
)

// Playback and record channels.
const (
	MsgTypePlaybackData    MsgType = 101
	MsgTypePlaybackMode    MsgType = 102
	MsgTypePlaybackStart   MsgType = 103
	MsgTypePlaybackStop    MsgType = 104
	MsgTypePlaybackVolume  MsgType = 105
	MsgTypePlaybackMute    MsgType = 106
	MsgTypePlaybackLatency MsgType = 107

	MsgTypeRecordStart      MsgType = 101
	MsgTypeRecordStop       MsgType = 102
	MsgTypeRecordVolume     MsgType = 103
	MsgTypeRecordMute       MsgType = 104
	MsgcTypeRecordData      MsgType = 101
	MsgcTypeRecordMode      MsgType = 102
	MsgcTypeRecordStartMark MsgType = 103
)

// LinkErr is the result code of the link stage (SpiceLinkErr).
type LinkErr uint32

const (
	LinkErrOK                  LinkErr = 0
	LinkErrError               LinkErr = 1
	LinkErrInvalidMagic        LinkErr = 2
	LinkErrInvalidData         LinkErr = 3
	LinkErrVersionMismatch     LinkErr = 4
	LinkErrNeedSecured         LinkErr = 5
	LinkErrNeedUnsecured       LinkErr = 6
	LinkErrPermissionDenied    LinkErr = 7
	LinkErrBadConnectionID     LinkErr = 8
	LinkErrChannelNotAvailable LinkErr = 9
)

var linkErrNames = [...]string{"ok", "error", "invalid magic", "invalid data", "version mismatch",
	"a secure (TLS) connection is required", "an insecure connection is required",
	"permission denied", "bad connection id", "channel not available"}

func (e LinkErr) String() string {
	if int(e) < len(linkErrNames) {
		return linkErrNames[e]
	}
	return "link error " + strconv.Itoa(int(e))
}

// Common capabilities (SPICE_COMMON_CAP_*), bit numbers.
const (
	CommonCapProtocolAuthSelection = 0
	CommonCapAuthSpice             = 1
	CommonCapAuthSASL              = 2
	CommonCapMiniHeader            = 3
)

// Channel capabilities, bit numbers, per channel type.
const (
	MainCapSemiSeamlessMigrate  = 0
	MainCapNameAndUUID          = 1
	MainCapAgentConnectedTokens = 2
	MainCapSeamlessMigrate      = 3

	DisplayCapSizedStream        = 0
	DisplayCapMonitorsConfig     = 1
	DisplayCapComposite          = 2
	DisplayCapA8Surface          = 3
	DisplayCapStreamReport       = 4
	DisplayCapLZ4Compression     = 5
	DisplayCapPrefCompression    = 6
	DisplayCapGLScanout          = 7
	DisplayCapMultiCodec         = 8
	DisplayCapCodecMJPEG         = 9
	DisplayCapCodecVP8           = 10
	DisplayCapCodecH264          = 11
	DisplayCapPrefVideoCodecType = 12
	DisplayCapCodecVP9           = 13
	DisplayCapCodecH265          = 14

	InputsCapKeyScancode = 0

	PlaybackCapCELT051 = 0
	PlaybackCapVolume  = 1
	PlaybackCapLatency = 2
	PlaybackCapOpus    = 3

	RecordCapCELT051 = 0
	RecordCapVolume  = 1
	RecordCapOpus    = 2
)

// AudioDataMode is how playback and record data are coded
// (SpiceAudioDataMode, spice.proto audio_data_mode).
type AudioDataMode uint16

const (
	AudioDataModeInvalid AudioDataMode = 0
	AudioDataModeRaw     AudioDataMode = 1 // 16-bit little-endian PCM, interleaved
	AudioDataModeCELT051 AudioDataMode = 2 // deprecated; servers no longer send it
	AudioDataModeOpus    AudioDataMode = 3 // one Opus packet per message
)

func (m AudioDataMode) String() string {
	switch m {
	case AudioDataModeRaw:
		return "raw"
	case AudioDataModeCELT051:
		return "celt"
	case AudioDataModeOpus:
		return "opus"
	}
	return "audio mode " + strconv.Itoa(int(m))
}

// AudioFmt is the sample format of START (SpiceAudioFmt); S16 is the only one.
type AudioFmt uint16

const (
	AudioFmtInvalid AudioFmt = 0
	AudioFmtS16     AudioFmt = 1
)

// Audio constants of spice-common's snd_codec.h that servers rely on:
// Opus always runs at 48 kHz, and both directions move frames of 480
// samples (10 ms at 48 kHz), which is also what a RAW DATA carries.
const (
	AudioOpusRate   = 48000
	AudioFrameSize  = 480
	AudioVolumeFull = 0xffff // VOLUME's value for full scale (spice-gtk VOLUME_NORMAL)
)

// Mouse modes (SpiceMouseMode), a bit mask in MAIN_INIT and MOUSE_MODE.
const (
	MouseModeServer = 1
	MouseModeClient = 2
)

// Notify severities.
const (
	NotifySeverityInfo  = 0
	NotifySeverityWarn  = 1
	NotifySeverityError = 2
)

// Notify visibilities: how prominently the server asks the client to show
// a NOTIFY (SpiceNotifyVisibility).
const (
	NotifyVisibilityLow    = 0
	NotifyVisibilityMedium = 1
	NotifyVisibilityHigh   = 2
)

// ImageType is the type byte of an ImageDescriptor (SpiceImageType).
type ImageType uint8

const (
	ImageTypeBitmap            ImageType = 0
	ImageTypeQUIC              ImageType = 1
	ImageTypeLZPLT             ImageType = 100
	ImageTypeLZRGB             ImageType = 101
	ImageTypeGLZRGB            ImageType = 102
	ImageTypeFromCache         ImageType = 103
	ImageTypeSurface           ImageType = 104
	ImageTypeJPEG              ImageType = 105
	ImageTypeFromCacheLossless ImageType = 106
	ImageTypeZlibGLZRGB        ImageType = 107
	ImageTypeJPEGAlpha         ImageType = 108
	ImageTypeLZ4               ImageType = 109
)

func (t ImageType) String() string {
	switch t {
	case ImageTypeBitmap:
		return "BITMAP"
	case ImageTypeQUIC:
		return "QUIC"
	case ImageTypeLZPLT:
		return "LZ_PLT"
	case ImageTypeLZRGB:
		return "LZ_RGB"
	case ImageTypeGLZRGB:
		return "GLZ_RGB"
	case ImageTypeFromCache:
		return "FROM_CACHE"
	case ImageTypeSurface:
		return "SURFACE"
	case ImageTypeJPEG:
		return "JPEG"
	case ImageTypeFromCacheLossless:
		return "FROM_CACHE_LOSSLESS"
	case ImageTypeZlibGLZRGB:
		return "ZLIB_GLZ_RGB"
	case ImageTypeJPEGAlpha:
		return "JPEG_ALPHA"
	case ImageTypeLZ4:
		return "LZ4"
	}
	return "image type " + strconv.Itoa(int(t))
}

// Image descriptor flags (SPICE_IMAGE_FLAGS_*).
const (
	ImageFlagCacheMe        = 1
	ImageFlagHighBitsSet    = 2
	ImageFlagCacheReplaceMe = 4
)

// BitmapFmt is a BITMAP pixel format (SpiceBitmapFmt); LZ4 reuses it.
type BitmapFmt uint8

const (
	BitmapFmt1BitLE BitmapFmt = 1
	BitmapFmt1BitBE BitmapFmt = 2
	BitmapFmt4BitLE BitmapFmt = 3
	BitmapFmt4BitBE BitmapFmt = 4
	BitmapFmt8Bit   BitmapFmt = 5
	BitmapFmt16Bit  BitmapFmt = 6
	BitmapFmt24Bit  BitmapFmt = 7
	BitmapFmt32Bit  BitmapFmt = 8
	BitmapFmtRGBA   BitmapFmt = 9
	BitmapFmt8BitA  BitmapFmt = 10
)

// Bitmap flags (SPICE_BITMAP_FLAGS_*).
const (
	BitmapFlagPalCacheMe   = 1
	BitmapFlagPalFromCache = 2
	BitmapFlagTopDown      = 4
)

// SurfaceFmt is a surface pixel format (SpiceSurfaceFmt).
type SurfaceFmt uint32

const (
	SurfaceFmt1A     SurfaceFmt = 1
	SurfaceFmt8A     SurfaceFmt = 8
	SurfaceFmt16_555 SurfaceFmt = 16
	SurfaceFmt32xRGB SurfaceFmt = 32
	SurfaceFmt16_565 SurfaceFmt = 80
	SurfaceFmt32ARGB SurfaceFmt = 96
)

// Surface flags.
const (
	SurfaceFlagPrimary       = 1
	SurfaceFlagStreamingMode = 2
)

// Clip types.
const (
	ClipTypeNone  = 0
	ClipTypeRects = 1
)

// Brush types.
const (
	BrushTypeNone    = 0
	BrushTypeSolid   = 1
	BrushTypePattern = 2
)

// ROP descriptor bits (SpiceRopd).
const (
	RopdInversSrc   = 1 << 0
	RopdInversBrush = 1 << 1
	RopdInversDest  = 1 << 2
	RopdOpPut       = 1 << 3
	RopdOpOr        = 1 << 4
	RopdOpAnd       = 1 << 5
	RopdOpXor       = 1 << 6
	RopdOpBlackness = 1 << 7
	RopdOpWhiteness = 1 << 8
	RopdOpInvers    = 1 << 9
	RopdInversRes   = 1 << 10
)

// Mask flags.
const MaskFlagInvers = 1

// Image scale modes.
const (
	ImageScaleModeInterpolate = 0
	ImageScaleModeNearest     = 1
)

// Alpha blend flags.
const (
	AlphaFlagsDestHasAlpha       = 1
	AlphaFlagsSrcSurfaceHasAlpha = 2
)

// Resource types in INVAL_LIST.
const ResourceTypePixmap = 1

// ImageCompression is the PREFERRED_COMPRESSION value (SpiceImageCompression).
type ImageCompression uint8

const (
	ImageCompressionInvalid ImageCompression = 0
	ImageCompressionOff     ImageCompression = 1
	ImageCompressionAutoGLZ ImageCompression = 2
	ImageCompressionAutoLZ  ImageCompression = 3
	ImageCompressionQUIC    ImageCompression = 4
	ImageCompressionGLZ     ImageCompression = 5
	ImageCompressionLZ      ImageCompression = 6
	ImageCompressionLZ4     ImageCompression = 7
)

var imageCompressionNames = map[string]ImageCompression{
	"off": ImageCompressionOff, "auto_glz": ImageCompressionAutoGLZ, "auto_lz": ImageCompressionAutoLZ,
	"quic": ImageCompressionQUIC, "glz": ImageCompressionGLZ, "lz": ImageCompressionLZ, "lz4": ImageCompressionLZ4,
}

// ParseImageCompression maps the names servers use in their settings
// (QEMU's image-compression=, Xspice's --image-compression) to values;
// unknown names give ImageCompressionInvalid.
func ParseImageCompression(name string) ImageCompression { return imageCompressionNames[name] }

// Video codec types (SpiceVideoCodecType).
const (
	VideoCodecMJPEG = 1
	VideoCodecVP8   = 2
	VideoCodecH264  = 3
	VideoCodecVP9   = 4
	VideoCodecH265  = 5
)

// Stream flags.
const StreamFlagTopDown = 1

// CursorType is a cursor shape format (SpiceCursorType).
type CursorType uint8

const (
	CursorTypeAlpha   CursorType = 0
	CursorTypeMono    CursorType = 1
	CursorTypeColor4  CursorType = 2
	CursorTypeColor8  CursorType = 3
	CursorTypeColor16 CursorType = 4
	CursorTypeColor24 CursorType = 5
	CursorTypeColor32 CursorType = 6
)

// Cursor flags.
const (
	CursorFlagNone      = 1
	CursorFlagCacheMe   = 2
	CursorFlagFromCache = 4
)

// Mouse buttons (SpiceMouseButton) and their mask bits.
const (
	MouseButtonLeft   = 1
	MouseButtonMiddle = 2
	MouseButtonRight  = 3
	MouseButtonUp     = 4
	MouseButtonDown   = 5
	MouseButtonSide   = 6
	MouseButtonExtra  = 7

	MouseButtonMaskLeft   = 1 << 0
	MouseButtonMaskMiddle = 1 << 1
	MouseButtonMaskRight  = 1 << 2
	MouseButtonMaskUp     = 1 << 3
	MouseButtonMaskDown   = 1 << 4
	MouseButtonMaskSide   = 1 << 5
	MouseButtonMaskExtra  = 1 << 6
)

// Keyboard lock modifiers (SpiceKeyboardModifierFlags).
const (
	KeyModifierScrollLock = 1
	KeyModifierNumLock    = 2
	KeyModifierCapsLock   = 4
)

// InputMotionAckBunch is how many motion messages the server acknowledges
// at once (SPICE_INPUT_MOTION_ACK_BUNCH).
const InputMotionAckBunch = 4

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
