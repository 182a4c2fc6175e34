// Package bitmap decodes SPICE's uncompressed image type BITMAP (0): rows
// of raw pixels in one of the SpiceBitmapFmt layouts, optionally through a
// palette, stored bottom row first unless the TOP_DOWN flag is set.
//
// The layouts follow spice-common pixman_utils.c (spice_bitmap_to_pixman and
// its bitmap_*_to_* helpers) and canvas_base.c canvas_get_bits; see section
// 5.1 of the project's protocol map.
package bitmap

import (
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// Format is a BITMAP pixel format; the wire numbers live in package spice.
type Format = spice.BitmapFmt

// FormatError reports input that is not a valid BITMAP.
type FormatError string

func (e FormatError) Error() string { return "bitmap: invalid format: " + string(e) }

// bitsPerPixel gives the packed size of one pixel per format; 0 marks a
// format number SPICE does not define.
var bitsPerPixel = [...]int{
	spice.BitmapFmt1BitLE: 1,
	spice.BitmapFmt1BitBE: 1,
	spice.BitmapFmt4BitLE: 4,
	spice.BitmapFmt4BitBE: 4,
	spice.BitmapFmt8Bit:   8,
	spice.BitmapFmt16Bit:  16,
	spice.BitmapFmt24Bit:  24,
	spice.BitmapFmt32Bit:  32,
	spice.BitmapFmtRGBA:   32,
	spice.BitmapFmt8BitA:  8,
}

// BitsPerPixel returns the packed pixel size of f, or 0 when f is not a
// SPICE bitmap format.
func BitsPerPixel(f Format) int {
	if int(f) >= len(bitsPerPixel) {
		return 0
	}
	return bitsPerPixel[f]
}

// IsPalette reports whether f stores palette indices.
func IsPalette(f Format) bool {
	return f >= spice.BitmapFmt1BitLE && f <= spice.BitmapFmt8Bit
}

// RowBytes is the number of bytes w pixels of format f occupy, rounded up
// to whole bytes as spice.proto's image_size does. It returns -1 for an
// unknown format or a negative width.
func RowBytes(f Format, w int) int {
	bpp := BitsPerPixel(f)
	if bpp == 0 || w < 0 {
		return -1
	}
	return (w*bpp + 7) / 8
}

// Decode converts a BITMAP's pixel data into dst, resized to w x h and
// always top-down. src holds h rows of stride bytes; the first row is the
// bottom one unless topDown. palette (entries 0x00RRGGBB, top byte ignored)
// is required for the four palette formats and ignored otherwise; an index
// past its end gives opaque black, where spice-common would read garbage.
//
// Opaque formats come out with A=255; RGBA keeps its (premultiplied) alpha
// bytes exactly; 8BIT_A gives R=G=B=0 with the alpha byte, which is the
// premultiplied form of pixman's a8.
func Decode(src []byte, f Format, w, h, stride int, topDown bool, palette []uint32, dst *raster.Image) error {
	if w < 0 || h < 0 {
		return FormatError("negative size " + errfmt.Int(w) + "x" + errfmt.Int(h))
	}
	need := RowBytes(f, w)
	if need < 0 {
		return FormatError("unknown pixel format " + errfmt.Int(f))
	}
	if err := raster.CheckSize(w, h); err != nil {
		return errfmt.Wrap("bitmap: "+errfmt.Int(w)+"x"+errfmt.Int(h), err)
	}
	if stride < need {
		return FormatError("stride " + errfmt.Int(stride) + " below " + errfmt.Int(need) + " bytes per row")
	}
	// Divide rather than multiply so a huge stride cannot overflow.
	if h > 0 && stride > len(src)/h {
		return FormatError(errfmt.Int(h) + " rows of " + errfmt.Int(stride) + " bytes but only " + errfmt.Int(len(src)) + " bytes of data")
	}
	var pal paletteTable
	if IsPalette(f) {
		if palette == nil {
			return FormatError("palette format without a palette")
		}
		pal.set(palette)
	}
	if err := dst.Resize(w, h); err != nil {
		return errfmt.Wrap("bitmap", err)
	}
	for y := 0; y < h; y++ {
		sy := y
		if !topDown {
			sy = h - 1 - y
		}
		convertRow(dst.Row(y), src[sy*stride:sy*stride+need], f, &pal)
	}
	return nil
}
