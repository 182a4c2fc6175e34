// Package video reads what the client must know of a compressed video
// frame before handing it to a decoder outside Go (WebCodecs): whether it
// is a key frame. WebCodecs wants every chunk labelled "key" or "delta"
// and refuses a delta chunk first after configure, while SPICE's
// STREAM_DATA carries no such flag. Nothing here decodes pictures.
package video

import "errors"

// Codec is a video codec the package knows (SPICE's SpiceVideoCodecType
// values, spice-protocol enums.h).
type Codec uint8

const (
	VP8  Codec = 2
	H264 Codec = 3
	VP9  Codec = 4
	H265 Codec = 5
)

// MaxFrameBytes bounds one compressed frame: far above what a
// 4096x4096 key frame at high quality takes, and the display channel's
// messages are bounded by the framing anyway.
const MaxFrameBytes = 32 << 20

// FormatError reports a frame that is not of its codec's syntax.
type FormatError string

func (e FormatError) Error() string { return "video: invalid format: " + string(e) }

var errUnknownCodec = errors.New("video: unknown codec")

// KeyFrame reports whether b, one frame as a SPICE server sends it
// (VP8/VP9: one frame or VP9 superframe; H.264/H.265: an Annex B access
// unit), can start decoding: a VP8 or VP9 key frame, an H.264 IDR or an
// H.265 IRAP picture.
func KeyFrame(c Codec, b []byte) (bool, error) {
	if len(b) == 0 {
		return false, FormatError("empty frame")
	}
	if len(b) > MaxFrameBytes {
		return false, FormatError("frame too large")
	}
	switch c {
	case VP8:
		return vp8Key(b)
	case VP9:
		return vp9Key(b)
	case H264:
		return annexBKey(b, h264IDR)
	case H265:
		return annexBKey(b, h265IRAP)
	}
	return false, errUnknownCodec
}

// vp8Key reads the frame tag (RFC 6386 9.1): bit 0 of the first byte is
// 0 for a key frame, which then carries the start code 9d 01 2a.
func vp8Key(b []byte) (bool, error) {
	if len(b) < 3 {
		return false, FormatError("vp8: short frame tag")
	}
	if b[0]&1 != 0 {
		return false, nil
	}
	if len(b) < 10 || b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return false, FormatError("vp8: key frame without start code")
	}
	return true, nil
}

// vp9Key reads the start of the uncompressed header (VP9 bitstream spec
// 6.2): frame_marker, profile, show_existing_frame, frame_type. In a
// superframe the first frame decides, and it starts the buffer.
func vp9Key(b []byte) (bool, error) {
	v := b[0]
	if v>>6 != 2 {
		return false, FormatError("vp9: bad frame marker")
	}
	profile := (v>>5)&1 | ((v>>4)&1)<<1
	bit := 4 // show_existing_frame, counting bits from the top of b[0]
	if profile == 3 {
		bit++ // reserved_zero
	}
	if (v>>(7-bit))&1 == 1 {
		return false, nil // show_existing_frame: shows an old frame, decodes nothing
	}
	bit++ // frame_type; still within the first byte for every profile
	return (v>>(7-bit))&1 == 0, nil
}

func h264IDR(hdr byte) bool  { return hdr&0x1f == 5 }
func h265IRAP(hdr byte) bool { t := (hdr >> 1) & 0x3f; return t >= 16 && t <= 21 }

// annexBKey looks through the NAL units of an Annex B access unit for a
// key picture. The first bytes must be a start code.
func annexBKey(b []byte, key func(byte) bool) (bool, error) {
	if !(len(b) >= 4 && b[0] == 0 && b[1] == 0 && (b[2] == 1 || b[2] == 0 && b[3] == 1)) {
		return false, FormatError("no Annex B start code")
	}
	found := false
	for i := 0; i+3 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if key(b[i+3]) {
				found = true
				break
			}
			i += 2
		}
	}
	return found, nil
}
