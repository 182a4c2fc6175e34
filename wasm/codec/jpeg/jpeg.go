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
		FromYCbCr(src, dst)
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

// FromYCbCr converts src, a decoded JPEG's planes (image/jpeg's output, or
// a browser decoder's I420 copied out of a VideoFrame), to opaque RGBA rows
// in dst, which must be src's size. The arithmetic is the JFIF conversion
// of color.YCbCrToRGB, bit for bit, with chroma taken from the sample that
// covers each pixel (no interpolation), as image/draw would; the chroma
// terms are computed once per chroma sample rather than per pixel.
func FromYCbCr(src *image.YCbCr, dst *raster.Image) {
	r := src.Rect
	xShift, pairs := 0, false
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422:
		xShift, pairs = 1, r.Min.X%2 == 0
	case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
		xShift = 2
	}
	for y := 0; y < dst.H; y++ {
		row := dst.Row(y)
		yi := src.YOffset(r.Min.X, r.Min.Y+y)
		ci := src.COffset(r.Min.X, r.Min.Y+y)
		ys := src.Y[yi : yi+dst.W]
		if pairs {
			n := (dst.W + 1) / 2
			cbs, crs := src.Cb[ci:ci+n], src.Cr[ci:ci+n]
			for c := range n {
				cb1, cr1 := int32(cbs[c])-128, int32(crs[c])-128
				rc, gc, bc := 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1
				x := 2 * c
				putRGB(row[4*x:4*x+4], ys[x], rc, gc, bc)
				if x+1 < len(ys) {
					putRGB(row[4*x+4:4*x+8], ys[x+1], rc, gc, bc)
				}
			}
			continue
		}
		x0 := r.Min.X >> xShift
		for x, yv := range ys {
			c := ci + (r.Min.X+x)>>xShift - x0
			cb1, cr1 := int32(src.Cb[c])-128, int32(src.Cr[c])-128
			putRGB(row[4*x:4*x+4], yv, 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1)
		}
	}
}

// putRGB writes one opaque pixel from luma y and the chroma terms of
// color.YCbCrToRGB, clamping as it does.
func putRGB(p []byte, y uint8, rc, gc, bc int32) {
	yy1 := int32(y) * 0x10101
	r, g, b := yy1+rc, yy1+gc, yy1+bc
	if uint32(r)&0xff000000 == 0 {
		r >>= 16
	} else {
		r = ^(r >> 31)
	}
	if uint32(g)&0xff000000 == 0 {
		g >>= 16
	} else {
		g = ^(g >> 31)
	}
	if uint32(b)&0xff000000 == 0 {
		b >>= 16
	} else {
		b = ^(b >> 31)
	}
	p[0], p[1], p[2], p[3] = uint8(r), uint8(g), uint8(b), 0xff
}
