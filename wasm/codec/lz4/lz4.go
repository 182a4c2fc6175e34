// Package lz4 decodes SPICE image type LZ4 (109): raw bitmap rows
// compressed as a chain of LZ4 blocks that share one 64 KiB history.
//
// Layout (spice server lz4-encoder.c lz4_encode; client spice-common
// canvas_base.c canvas_get_lz4; protocol map section 5.6):
//
//	u8  top_down (1 = first row is the top row)
//	u8  SpiceBitmapFmt of the rows (16BIT, 24BIT, 32BIT or RGBA)
//	repeated until the data ends:
//	    u32 big-endian compressed size
//	    one LZ4 block of that size
//
// The server compresses batches of rows with LZ4_compress_fast_continue on
// a single stream, so a block may copy from bytes produced by earlier
// blocks. This package decodes every block into one contiguous buffer, so
// that the preceding 64 KiB are there for the block's matches (block.go).
// The image size is not in the stream: it comes from the image descriptor.
package lz4

import (
	"encoding/binary"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// FormatError reports an LZ4 image that does not follow the format.
type FormatError string

func (e FormatError) Error() string { return "lz4: invalid format: " + string(e) }

// UnsupportedError reports a pixel format this decoder does not handle.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "lz4: unsupported: " + string(e) }

// Header is the two-byte prefix of an LZ4 image.
type Header struct {
	TopDown bool
	Format  spice.BitmapFmt
}

// headerLen is the prefix before the first block.
const headerLen = 2

// bytesPerPixel gives the raw row layout of each format LZ4 may carry.
//
// spice-common only accepts 16BIT, 24BIT, 32BIT and RGBA. The server's
// bitmap_fmt_is_rgb also lets 8BIT_A bitmaps through to LZ4, so that one is
// decoded too (as alpha over black, like package bitmap) rather than
// failing where spice-gtk would.
func bytesPerPixel(f spice.BitmapFmt) int {
	switch f {
	case spice.BitmapFmt16Bit:
		return 2
	case spice.BitmapFmt24Bit:
		return 3
	case spice.BitmapFmt32Bit, spice.BitmapFmtRGBA:
		return 4
	case spice.BitmapFmt8BitA:
		return 1
	}
	return 0
}

// DecodeConfig reads the header and checks its pixel format.
func DecodeConfig(src []byte) (Header, error) {
	if len(src) < headerLen {
		return Header{}, FormatError("missing header")
	}
	h := Header{TopDown: src[0] != 0, Format: spice.BitmapFmt(src[1])}
	if bytesPerPixel(h.Format) == 0 {
		return h, UnsupportedError("bitmap format " + errfmt.Int(h.Format))
	}
	return h, nil
}

// Decode decodes a w x h LZ4 image (w and h from the image descriptor)
// into dst, which is resized and always ends up top-down. 32BIT, 24BIT
// and 16BIT give A=255; RGBA keeps its premultiplied alpha bytes as sent.
//
// The stream must fill exactly w*h pixels: block sizes are checked against
// the data left, and decompression is bounded by the pixels still missing.
func Decode(src []byte, w, h int, dst *raster.Image) error {
	hdr, err := DecodeConfig(src)
	if err != nil {
		return err
	}
	if w < 0 || h < 0 {
		return FormatError("negative size " + errfmt.Int(w) + "x" + errfmt.Int(h))
	}
	if err := raster.CheckSize(w, h); err != nil {
		return errfmt.Wrap("lz4: "+errfmt.Int(w)+"x"+errfmt.Int(h), err)
	}
	bpp := bytesPerPixel(hdr.Format)
	// Refuse before allocating: LZ4 expands at most 255:1 per byte, so a
	// payload this short cannot be a w x h image.
	if rawLen := w * h * bpp; rawLen > 255*len(src) {
		return FormatError(errfmt.Int(len(src)) + " bytes cannot hold a " + errfmt.Int(w) + "x" + errfmt.Int(h) + " image")
	}
	if err := dst.Resize(w, h); err != nil {
		return errfmt.Wrap("lz4", err)
	}
	n := w * h
	// Decompress into the tail of dst.Pix so the expansion to 4 bytes per
	// pixel can run forward in place (see expand).
	raw := dst.Pix[len(dst.Pix)-n*bpp:]
	if err := inflate(src[headerLen:], raw); err != nil {
		return err
	}
	expand(dst.Pix, hdr.Format, n)
	if !hdr.TopDown {
		flipRows(dst)
	}
	return nil
}

// inflate decodes the block chain in src into out, which it must fill
// exactly. It mirrors LZ4_decompress_safe_continue on a contiguous buffer:
// each block may reference the 64 KiB that precede it in out.
func inflate(src, out []byte) error {
	pos := 0
	for off := 0; off < len(src); {
		if len(src)-off < 4 {
			return FormatError("truncated block size")
		}
		size := binary.BigEndian.Uint32(src[off:])
		off += 4
		if uint64(size) > uint64(len(src)-off) {
			return FormatError("block of " + errfmt.Int(size) + " bytes exceeds the " + errfmt.Int(len(src)-off) + " left")
		}
		if size == 0 {
			return FormatError("empty block")
		}
		if pos == len(out) {
			return FormatError("data after the last row")
		}
		block := src[off : off+int(size)]
		off += int(size)
		end, ok := inflateBlock(block, out, pos)
		if !ok || end == pos {
			return FormatError("corrupt block at output byte " + errfmt.Int(pos))
		}
		pos = end
	}
	if pos != len(out) {
		return FormatError("decoded " + errfmt.Int(pos) + " bytes, want " + errfmt.Int(len(out)))
	}
	return nil
}
