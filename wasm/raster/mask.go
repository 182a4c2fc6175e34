package raster

import (
	"errors"
	"math/bits"
)

// Bitmap is a 1-bit-per-pixel image, rows top-down: pixel (x, y) is bit
// x&7 (least significant first) of Bits[y*Stride+x>>3]. That is pixman's
// a1 layout on little-endian machines, which SPICE's 1BIT_LE bitmaps use
// as is; 1BIT_BE bitmaps have their bits reversed on the way in.
type Bitmap struct {
	Bits   []byte
	Stride int
	W, H   int
}

// Mask is a draw's QMask: the bitmap is placed so that its pixel Pos lands
// on the top-left corner of the draw's box; pixels where the bit is 0
// (1 with Invert), or outside the bitmap, are not drawn.
type Mask struct {
	Bitmap *Bitmap
	Pos    Point
	Invert bool
}

var errBitmap = errors.New("raster: invalid 1-bit bitmap")

// SetBits fills b from a SPICE 1-bit bitmap (BITMAP format 1BIT_LE, or
// 1BIT_BE with msbFirst), reusing b.Bits. Rows are bottom-up unless
// topDown, like SPICE bitmaps without SPICE_BITMAP_FLAGS_TOP_DOWN.
// Matches spice-common canvas_base.c canvas_get_bitmap_mask.
func (b *Bitmap) SetBits(src []byte, stride, w, h int, msbFirst, topDown bool) error {
	if err := CheckSize(w, h); err != nil {
		return err
	}
	rowBytes := (w + 7) >> 3
	if stride < rowBytes || (h > 0 && len(src) < (h-1)*stride+rowBytes) {
		return errBitmap
	}
	n := rowBytes * h
	if cap(b.Bits) < n {
		b.Bits = make([]byte, n)
	}
	b.Bits, b.Stride, b.W, b.H = b.Bits[:n], rowBytes, w, h
	for y := 0; y < h; y++ {
		sy := y
		if !topDown {
			sy = h - 1 - y
		}
		dst := b.Bits[y*rowBytes : (y+1)*rowBytes]
		copy(dst, src[sy*stride:sy*stride+rowBytes])
		if msbFirst {
			for i, v := range dst {
				dst[i] = bits.Reverse8(v)
			}
		}
	}
	return nil
}

// SetFromAlpha fills b with the top bit of each pixel's alpha: an A1
// surface used as a mask (SPICE masks may be SURFACE images).
func (b *Bitmap) SetFromAlpha(m *Image) {
	rowBytes := (m.W + 7) >> 3
	n := rowBytes * m.H
	if cap(b.Bits) < n {
		b.Bits = make([]byte, n)
	}
	b.Bits, b.Stride, b.W, b.H = b.Bits[:n], rowBytes, m.W, m.H
	clear(b.Bits)
	for y := 0; y < m.H; y++ {
		row := m.Row(y)
		dst := b.Bits[y*rowBytes:]
		for x := 0; x < m.W; x++ {
			if row[x*4+3]&0x80 != 0 {
				dst[x>>3] |= 1 << (x & 7)
			}
		}
	}
}

// valid reports whether every row of b is inside Bits, so a Bitmap built
// by hand cannot make a draw index out of range.
func (b *Bitmap) valid() bool {
	if b.W < 0 || b.H < 0 || b.W > MaxDim || b.H > MaxDim {
		return false
	}
	if b.W == 0 || b.H == 0 {
		return true
	}
	rowBytes := (b.W + 7) >> 3
	if b.Stride < rowBytes || (b.H > 1 && b.Stride > len(b.Bits)) {
		return false
	}
	return len(b.Bits) >= (b.H-1)*b.Stride+rowBytes
}
