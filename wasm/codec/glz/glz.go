// Package glz decodes SPICE's GLZ images (GLZ_RGB, 102) and their zlib
// wrapping (ZLIB_GLZ_RGB, 107).
//
// GLZ is LZ with a dictionary that spans images: a match may copy pixels
// from an earlier image of the session, named by its distance in GLZ ids.
// The decoder therefore keeps recent images in a Window shared by all
// display channels of a session, as the server keeps one dictionary per
// client (image-encoders.cpp image_encoders_get_glz_dictionary).
//
// The stream format is defined by the server's encoder (glz-encoder.c,
// glz-encode.tmpl.c, glz-encode-match.tmpl.c) and read by spice-gtk
// decode-glz.c and decode-glz-tmpl.c; see section 5.4 of the protocol map.
package glz

import (
	"encoding/binary"
	"errors"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// HeaderLen is the size of a GLZ header: magic, version, a type byte,
// width, height, stride, a 64-bit image id and the window head distance,
// all big-endian.
const HeaderLen = 33

// Header describes a GLZ image.
type Header struct {
	Type          lz.Type // RGB16, RGB24, RGB32 or RGBA
	Width, Height int
	// Stride is the encoder's input row length in bytes. Decoding does not
	// need it (spice-gtk ignores it too).
	Stride  int
	TopDown bool // false when the first coded row is the bottom one
	// ID is the image's number in the session's GLZ dictionary.
	ID uint64
	// WinHeadDist is the distance from ID back to the oldest image the
	// encoder may still reference; older images can be released.
	WinHeadDist uint32
}

// FormatError reports input that is not a valid GLZ stream or that
// contradicts the window.
type FormatError string

func (e FormatError) Error() string { return "glz: invalid format: " + string(e) }

// UnsupportedError reports a valid stream this decoder does not handle.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "glz: unsupported: " + string(e) }

// ErrClosed is returned by decodes on a closed window, including those
// that were waiting for an image when it closed.
var ErrClosed = errors.New("glz: window closed")

// ErrReset is returned by decodes that were waiting for an image when the
// window was reset: the images they reference are gone.
var ErrReset = errors.New("glz: window reset while waiting for an image")

// ErrTooLarge is returned for images beyond raster.MaxPixels or
// raster.MaxDim; errors.Is(err, raster.ErrTooLarge) holds for it.
var ErrTooLarge = errfmt.Wrap("glz", raster.ErrTooLarge)

// maxID bounds GLZ image ids.
const maxID = 1 << 62

// DecodeConfig parses and validates the header of a GLZ stream.
func DecodeConfig(src []byte) (Header, error) {
	if len(src) < HeaderLen {
		return Header{}, FormatError("short header")
	}
	be := binary.BigEndian
	if be.Uint32(src) != lz.Magic {
		return Header{}, FormatError("bad magic")
	}
	if v := be.Uint32(src[4:]); v != lz.Version {
		return Header{}, FormatError("unknown version " + errfmt.Hex(v, 0))
	}
	// One byte: the type in the low 4 bits, top_down above them
	// (glz-encoder.c glz_encode; decode-glz.c decode_header tests all
	// four high bits).
	t := lz.Type(src[8] & 0x0f)
	w, h, stride := be.Uint32(src[9:]), be.Uint32(src[13:]), be.Uint32(src[17:])
	hd := Header{
		Type:        t,
		TopDown:     src[8]>>4 != 0,
		ID:          be.Uint64(src[21:]),
		WinHeadDist: be.Uint32(src[29:]),
	}
	switch {
	case t == lz.TypeRGB16 || t == lz.TypeRGB24 || t == lz.TypeRGB32 || t == lz.TypeRGBA:
	case t.IsPalette():
		// The server only uses GLZ for RGB bitmaps (dcc.cpp
		// get_compression_for_bitmap), and spice-gtk has no palette to
		// decode these with (canvas_get_glz passes none).
		return Header{}, UnsupportedError("palette image type " + t.String())
	default:
		return Header{}, FormatError("image type " + t.String())
	}
	if w > raster.MaxDim || h > raster.MaxDim || raster.CheckSize(int(w), int(h)) != nil {
		return Header{}, ErrTooLarge
	}
	if w == 0 || h == 0 {
		return Header{}, FormatError("empty image")
	}
	if hd.ID >= maxID {
		// Ids count a session's images from 0; this bound keeps id
		// arithmetic in the window far from overflow.
		return Header{}, FormatError("image id " + errfmt.Int(hd.ID) + " out of range")
	}
	if uint64(hd.WinHeadDist) > hd.ID {
		return Header{}, FormatError("window head " + errfmt.Int(hd.WinHeadDist) + " images before image " + errfmt.Int(hd.ID))
	}
	hd.Width, hd.Height, hd.Stride = int(w), int(h), int(stride)
	return hd, nil
}
