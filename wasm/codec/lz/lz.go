// Package lz decodes SPICE's LZ image streams: image types LZ_RGB (101) and
// LZ_PLT (100), and the alpha plane of JPEG_ALPHA (108).
//
// An LZ stream is a 28-byte big-endian header followed by one byte-oriented
// LZ77 pass (two for RGBA: colour, then alpha). The format is defined by
// spice-common lz.c (lz_decode_begin, lz_decode), lz_decompress_tmpl.c and
// lz_common.h; canvas_base.c canvas_get_lz and canvas_get_jpeg_alpha show how
// a client lays the result out. See section 5.3 of the protocol map.
//
// The cross-image variant GLZ lives in package glz.
package lz

import (
	"encoding/binary"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// Type is the image type in an LZ header (lz_common.h LzImageType).
type Type int

// The values are fixed by the stream format.
const (
	TypePLT1LE Type = 1  // palette, 8 pixels per byte, first pixel in bit 0
	TypePLT1BE Type = 2  // palette, 8 pixels per byte, first pixel in bit 7
	TypePLT4LE Type = 3  // palette, 2 pixels per byte, first pixel in the low nibble
	TypePLT4BE Type = 4  // palette, 2 pixels per byte, first pixel in the high nibble
	TypePLT8   Type = 5  // palette, 1 pixel per byte
	TypeRGB16  Type = 6  // x1r5g5b5, coded high byte first
	TypeRGB24  Type = 7  // coded B, G, R
	TypeRGB32  Type = 8  // coded B, G, R (the pad byte is not sent)
	TypeRGBA   Type = 9  // an RGB32 pass, then an alpha pass
	TypeXXXA   Type = 10 // an alpha pass only (JPEG_ALPHA)
	TypeA8     Type = 11 // 8-bit alpha mask
)

var typeNames = [...]string{
	TypePLT1LE: "PLT1_LE", TypePLT1BE: "PLT1_BE", TypePLT4LE: "PLT4_LE", TypePLT4BE: "PLT4_BE",
	TypePLT8: "PLT8", TypeRGB16: "RGB16", TypeRGB24: "RGB24", TypeRGB32: "RGB32",
	TypeRGBA: "RGBA", TypeXXXA: "XXXA", TypeA8: "A8",
}

func (t Type) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return "Type(" + errfmt.Int(t) + ")"
}

// Valid reports whether t is one of the defined image types.
func (t Type) Valid() bool { return t >= TypePLT1LE && t <= TypeA8 }

// IsPalette reports whether t codes palette indices.
func (t Type) IsPalette() bool { return t >= TypePLT1LE && t <= TypePLT8 }

// PixelsPerByte is the number of palette pixels one coded byte holds, or 0
// for non-palette types (lz_common.h PLT_PIXELS_PER_BYTE).
func (t Type) PixelsPerByte() int {
	switch t {
	case TypePLT1LE, TypePLT1BE:
		return 8
	case TypePLT4LE, TypePLT4BE:
		return 2
	case TypePLT8:
		return 1
	}
	return 0
}

// BytesPerPixel is the row stride unit of a non-palette type: what the
// encoder's input bitmap uses per pixel (lz_common.h RGB_BYTES_PER_PIXEL).
func (t Type) BytesPerPixel() int {
	switch t {
	case TypeRGB16:
		return 2
	case TypeRGB24:
		return 3
	case TypeRGB32, TypeRGBA, TypeXXXA:
		return 4
	case TypeA8:
		return 1
	}
	return 0
}

// Magic and Version open every LZ and GLZ header (lz_common.h LZ_MAGIC,
// LZ_VERSION). GLZ shares them, so they are exported for package glz.
const (
	Magic   = 0x20205a4c // "LZ  " read little-endian, sent big-endian
	Version = 0x00010001
)

// HeaderLen is the size of the LZ header: seven big-endian uint32s.
const HeaderLen = 28

// Header describes an LZ image.
type Header struct {
	Type          Type
	Width, Height int
	// Stride is the row length of the encoder's input bitmap in bytes.
	// Palette rows are coded whole, so their padding pixels are decoded
	// too and then dropped.
	Stride int
	// TopDown is false when the first coded row is the bottom one.
	TopDown bool
}

// FormatError reports input that is not a valid LZ stream.
type FormatError string

func (e FormatError) Error() string { return "lz: invalid format: " + string(e) }

// ErrTooLarge is returned for images beyond raster.MaxPixels or
// raster.MaxDim; errors.Is(err, raster.ErrTooLarge) holds for it.
var ErrTooLarge = errfmt.Wrap("lz", raster.ErrTooLarge)

// DecodeConfig parses and validates the header of an LZ stream.
func DecodeConfig(src []byte) (Header, error) {
	if len(src) < HeaderLen {
		return Header{}, FormatError("short header")
	}
	be := binary.BigEndian
	if be.Uint32(src) != Magic {
		return Header{}, FormatError("bad magic")
	}
	if v := be.Uint32(src[4:]); v != Version {
		return Header{}, FormatError("unknown version " + errfmt.Hex(v, 0))
	}
	t := be.Uint32(src[8:])
	w, h, stride := be.Uint32(src[12:]), be.Uint32(src[16:]), be.Uint32(src[20:])
	if t < uint32(TypePLT1LE) || t > uint32(TypeA8) {
		return Header{}, FormatError("unknown image type " + errfmt.Int(t))
	}
	if w > raster.MaxDim || h > raster.MaxDim {
		return Header{}, ErrTooLarge
	}
	hd := Header{
		Type:    Type(t),
		Width:   int(w),
		Height:  int(h),
		TopDown: be.Uint32(src[24:]) != 0, // lz.c treats any non-zero value as true
	}
	if err := raster.CheckSize(hd.Width, hd.Height); err != nil {
		return Header{}, ErrTooLarge
	}
	if hd.Width == 0 || hd.Height == 0 {
		// lz.c always reads a first token, which cannot fit an empty
		// image, so no valid stream describes one.
		return Header{}, FormatError("empty image")
	}
	// lz.c lz_set_sizes also accepts palette strides shorter than the
	// width, which would leave pixels undecoded; the server never sends
	// them (spice-bitmap-utils.c bitmap_has_extra_stride), so both kinds
	// must match the width exactly.
	var want uint64
	if ppb := hd.Type.PixelsPerByte(); ppb != 0 {
		want = (uint64(w) + uint64(ppb) - 1) / uint64(ppb)
	} else {
		want = uint64(w) * uint64(hd.Type.BytesPerPixel())
	}
	if uint64(stride) != want {
		return Header{}, FormatError("stride " + errfmt.Int(stride) + " for " + errfmt.Int(w) + " pixels of " + hd.Type.String())
	}
	hd.Stride = int(stride)
	return hd, nil
}

// codedPixels is the number of pixels the stream codes: whole coded rows
// for palette types (their padding pixels included), width x height
// otherwise (lz.c lz_decode_begin out_n_pixels).
func (h Header) codedPixels() int {
	if ppb := h.Type.PixelsPerByte(); ppb != 0 {
		return h.Stride * ppb * h.Height
	}
	return h.Width * h.Height
}
