// Package jpeg decodes SPICE image types JPEG (105) and JPEG_ALPHA (108).
//
// JPEG is a baseline JFIF made by libjpeg in the server (jpeg-encoder.c),
// always in display order: the server feeds bottom-up bitmaps to the
// encoder with a negative stride. JPEG_ALPHA is such a JPEG of jpeg_size
// bytes followed by an LZ stream of type XXXA carrying the alpha plane,
// whose rows follow the source bitmap's memory order (server
// image-encoders.cpp image_encoders_compress_jpeg; client spice-common
// canvas_base.c canvas_get_jpeg_alpha; protocol map section 5.7).
//
// Pixels are decoded with the standard library's image/jpeg. It upsamples
// chroma and rounds differently from libjpeg, so results differ from
// spice-gtk's by a few levels; the format is lossy anyway.
package jpeg

import (
	"bytes"
	"image"
	"image/color"
	stdjpeg "image/jpeg"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// FormatError reports a JPEG or JPEG_ALPHA image that cannot be decoded.
type FormatError string

func (e FormatError) Error() string { return "jpeg: invalid format: " + string(e) }

// DecodeConfig returns the size in the JPEG's frame header without
// decoding any pixels, so that callers can compare it with the image
// descriptor before committing memory.
func DecodeConfig(src []byte) (w, h int, err error) {
	cfg, err := stdjpeg.DecodeConfig(bytes.NewReader(src))
	if err != nil {
		return 0, 0, FormatError(err.Error())
	}
	if err := raster.CheckSize(cfg.Width, cfg.Height); err != nil {
		return 0, 0, errfmt.Wrap("jpeg: "+errfmt.Int(cfg.Width)+"x"+errfmt.Int(cfg.Height), err)
	}
	return cfg.Width, cfg.Height, nil
}

// Decode decodes a JPEG image into dst, resized to the JPEG's size, as
// opaque R,G,B,A (A=255) rows, top row first.
//
// The frame header is read and its size checked against raster's limits
// before any pixel memory is allocated, so a hostile header cannot make
// the decoder allocate gigabytes.
func Decode(src []byte, dst *raster.Image) error {
	w, h, err := DecodeConfig(src)
	if err != nil {
		return err
	}
	return decodeRGB(src, w, h, dst)
}

// DecodeAlpha decodes a JPEG_ALPHA image: src is its whole data (data_size
// bytes), the JPEG being the first jpegSize of them and an LZ XXXA stream
// the rest. topDown is the image's SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN flag;
// the alpha stream's own top_down field must agree with it, as
// spice-common requires. dst ends up top-down with the JPEG's colours and
// the stream's alpha bytes, kept as sent like spice-common does (colours
// are not clamped to alpha even where lossy coding pushed them above it).
func DecodeAlpha(src []byte, jpegSize int, topDown bool, dst *raster.Image) error {
	if jpegSize < 0 || jpegSize > len(src) {
		return FormatError("jpeg_size " + errfmt.Int(jpegSize) + " outside the " + errfmt.Int(len(src)) + " bytes of data")
	}
	jpg, alpha := src[:jpegSize], src[jpegSize:]
	w, h, err := DecodeConfig(jpg)
	if err != nil {
		return err
	}
	hdr, err := lz.DecodeConfig(alpha)
	if err != nil {
		return errfmt.Wrap("jpeg: alpha plane", err)
	}
	switch {
	case hdr.Type != lz.TypeXXXA:
		return FormatError("alpha plane of LZ type " + hdr.Type.String() + ", want XXXA")
	case hdr.Width != w || hdr.Height != h:
		return FormatError("alpha plane " + errfmt.Int(hdr.Width) + "x" + errfmt.Int(hdr.Height) + " for a " + errfmt.Int(w) + "x" + errfmt.Int(h) + " JPEG")
	case hdr.TopDown != topDown:
		return FormatError("alpha plane orientation differs from the image's TOP_DOWN flag")
	}
	if err := decodeRGB(jpg, w, h, dst); err != nil {
		return err
	}
	if err := lz.DecodeAlpha(alpha, dst); err != nil {
		return errfmt.Wrap("jpeg: alpha plane", err)
	}
	return nil
}

// decodeRGB decodes a JPEG whose header announced w x h into dst.
func decodeRGB(src []byte, w, h int, dst *raster.Image) error {
	img, err := stdjpeg.Decode(bytes.NewReader(src))
	if err != nil {
		return FormatError(err.Error())
	}
	r := img.Bounds()
	if r.Dx() != w || r.Dy() != h {
		return FormatError("decoded " + errfmt.Int(r.Dx()) + "x" + errfmt.Int(r.Dy()) + " after a " + errfmt.Int(w) + "x" + errfmt.Int(h) + " header")
	}
	if err := dst.Resize(w, h); err != nil {
		return errfmt.Wrap("jpeg", err)
	}
	toRGBA(img, dst)
	return nil
}

// toRGBA converts what image/jpeg returns to opaque RGBA rows. It does
// what image/draw would, with the same YCbCr arithmetic
// (color.YCbCrToRGB), without bringing image/draw's generic compositing
// into the wasm download.
func toRGBA(img image.Image, dst *raster.Image) {
	r := img.Bounds()
	switch src := img.(type) {
	case *image.YCbCr:
		for y := 0; y < dst.H; y++ {
			row := dst.Row(y)
			for x := 0; x < dst.W; x++ {
				yi := src.YOffset(r.Min.X+x, r.Min.Y+y)
				ci := src.COffset(r.Min.X+x, r.Min.Y+y)
				row[4*x], row[4*x+1], row[4*x+2] = color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				row[4*x+3] = 0xff
			}
		}
	case *image.Gray:
		for y := 0; y < dst.H; y++ {
			row := dst.Row(y)
			g := src.Pix[y*src.Stride:]
			for x := 0; x < dst.W; x++ {
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = g[x], g[x], g[x], 0xff
			}
		}
	default: // CMYK, which the server never sends
		for y := 0; y < dst.H; y++ {
			row := dst.Row(y)
			for x := 0; x < dst.W; x++ {
				cr, cg, cb, _ := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
				row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = byte(cr>>8), byte(cg>>8), byte(cb>>8), 0xff
			}
		}
	}
}
