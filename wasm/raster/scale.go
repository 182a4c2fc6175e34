package raster

import (
	"encoding/binary"
	"math"

	"spiceweb/wasm/spice"
)

// ScaleMode is how a source rect is resized to a differently sized box
// (SpiceImageScaleMode).
type ScaleMode uint8

const (
	ScaleInterpolate ScaleMode = spice.ImageScaleModeInterpolate // bilinear (pixman FILTER_GOOD)
	ScaleNearest     ScaleMode = spice.ImageScaleModeNearest
)

// sampler reads a source image through pixman's scaling transform with
// REPEAT_NONE: samples outside the image are 0 (transparent black).
//
// For destination pixel (i, j), counted from the box's top-left corner,
// pixman maps the pixel centre to the 16.16 source position
// (fx*i + bx, fy*j + by). NEAREST takes pixel floor((pos-1)/65536), so
// that exact half positions round down. Bilinear (what FILTER_GOOD means)
// takes the pixels around pos-0.5 and weighs them with the 7 bits below
// the integer part, truncating the weighted sum: pixman's
// bilinear_interpolation with BILINEAR_INTERPOLATION_BITS = 7, which its
// C and SSE2 paths compute identically.
type sampler struct {
	src      *Image
	bilinear bool
	// quant, when the target is a 16-bit or A1 surface, is applied to the
	// taps before interpolating: spice-common converts the source image
	// to the canvas format before scaling it (canvas_get_image with
	// want_original FALSE), and interpolating quantised values differs
	// from quantising interpolated ones.
	quant  Format
	fx, fy int64
	bx, by int64
	c0     int     // first column the tables describe
	xs     []int32 // per column: source x (nearest) or left x (bilinear); outX when out
	wx     []uint8 // per column: bilinear weight of the right pixel, 0..127
}

// outX marks a column whose samples all fall outside the image.
const outX = math.MinInt32

// fixedStep is pixman's scale factor: src/dst in 16.16, truncated
// (sw_canvas.c __scale_image: (pixman_fixed_48_16_t)src_width*65536/dest_width).
func fixedStep(src, dst int) int64 { return (int64(src) << 16) / int64(dst) }

// halfStep is what pixman_transform_point adds for the pixel centre
// (i + 0.5): the product's fraction, rounded.
func halfStep(f int64) int64 { return (f*0x8000 + 0x8000) >> 16 }

// maxStep keeps steps inside pixman's int32 pixman_fixed_t; beyond it
// pixman itself overflows, so such draws are refused.
const maxStep = math.MaxInt32

// setup prepares the column tables for dest columns [c0, c1).
func (sm *sampler) setup(src *Image, bilinear bool, quant Format, fx, fy, bx, by int64, c0, c1 int) {
	sm.src, sm.bilinear = src, bilinear
	sm.quant = 0
	if quant == FormatRGB16_555 || quant == FormatRGB16_565 || quant == FormatA1 {
		sm.quant = quant
	}
	sm.fx, sm.fy, sm.bx, sm.by = fx, fy, bx, by
	sm.c0 = c0
	n := max(c1-c0, 0)
	if cap(sm.xs) < n {
		sm.xs = make([]int32, n)
		sm.wx = make([]uint8, n)
	}
	sm.xs, sm.wx = sm.xs[:n], sm.wx[:n]
	w := int64(src.W)
	for k := range n {
		v := fx*int64(c0+k) + bx
		if !bilinear {
			x := (v - 1) >> 16
			if x < 0 || x >= w {
				sm.xs[k] = outX
			} else {
				sm.xs[k] = int32(x)
			}
			continue
		}
		v -= 0x8000
		x := v >> 16
		sm.wx[k] = uint8((v >> 9) & 0x7f)
		if x < -1 || x >= w {
			sm.xs[k] = outX
		} else {
			sm.xs[k] = int32(x)
		}
	}
}

// row writes the samples of dest row j, columns [c, c+len(dst)/4), to dst.
func (sm *sampler) row(dst []byte, j, c int) {
	xs := sm.xs[c-sm.c0:]
	h := int64(sm.src.H)
	v := sm.fy*int64(j) + sm.by
	if !sm.bilinear {
		y := (v - 1) >> 16
		if y < 0 || y >= h {
			clear(dst)
			return
		}
		srow := sm.src.Row(int(y))
		for k := 0; k+4 <= len(dst); k += 4 {
			var p uint32
			if x := int(xs[k>>2]); x != outX {
				p = binary.LittleEndian.Uint32(srow[x*4:])
			}
			binary.LittleEndian.PutUint32(dst[k:], p)
		}
		return
	}
	v -= 0x8000
	y := v >> 16
	wy := uint32(v>>9) & 0x7f
	var top, bot []byte
	if y >= 0 && y < h {
		top = sm.src.Row(int(y))
	}
	if y+1 >= 0 && y+1 < h {
		bot = sm.src.Row(int(y + 1))
	}
	if top == nil && bot == nil {
		clear(dst)
		return
	}
	wx := sm.wx[c-sm.c0:]
	for k := 0; k+4 <= len(dst); k += 4 {
		x := xs[k>>2]
		if x == outX {
			binary.LittleEndian.PutUint32(dst[k:], 0)
			continue
		}
		var tl, tr, bl, br uint32
		if xi := int(x); xi >= 0 && xi+1 < sm.src.W && top != nil && bot != nil {
			tl, tr = binary.LittleEndian.Uint32(top[xi*4:]), binary.LittleEndian.Uint32(top[xi*4+4:])
			bl, br = binary.LittleEndian.Uint32(bot[xi*4:]), binary.LittleEndian.Uint32(bot[xi*4+4:])
		} else {
			tl, tr = pixelAt(top, xi), pixelAt(top, xi+1)
			bl, br = pixelAt(bot, xi), pixelAt(bot, xi+1)
		}
		if sm.quant != 0 {
			tl, tr = sm.tap(top, int(x), tl), sm.tap(top, int(x)+1, tr)
			bl, br = sm.tap(bot, int(x), bl), sm.tap(bot, int(x)+1, br)
		}
		binary.LittleEndian.PutUint32(dst[k:], bilerp(tl, tr, bl, br, uint32(wx[k>>2]), wy))
	}
}

// tap quantises p, pixel x of row, unless it lies outside the image
// (and so stays transparent black).
func (sm *sampler) tap(row []byte, x int, p uint32) uint32 {
	if x < 0 || x*4+4 > len(row) {
		return p
	}
	return fixWord(sm.quant, p)
}

// pixelAt is pixel x of row, or 0 outside it (REPEAT_NONE).
func pixelAt(row []byte, x int) uint32 {
	if x < 0 || x*4+4 > len(row) {
		return 0
	}
	return binary.LittleEndian.Uint32(row[x*4:])
}

// bilerp weighs four pixels by 7-bit distances, truncating like pixman's
// bilinear_interpolation: each channel is floor(sum(c*w) / 65536) with
// the 8-bit weights distx<<1 and 256-(distx<<1) (their products sum to
// 65536). Two channels are computed at once in 32-bit lanes of a uint64.
func bilerp(tl, tr, bl, br, wx, wy uint32) uint32 {
	dx, dy := uint64(wx)<<1, uint64(wy)<<1
	wtl, wtr := (256-dx)*(256-dy), dx*(256-dy)
	wbl, wbr := (256-dx)*dy, dx*dy
	spread := func(p uint32) uint64 { return uint64(p&0xff) | uint64(p&0xff0000)<<16 }
	lo := spread(tl)*wtl + spread(tr)*wtr + spread(bl)*wbl + spread(br)*wbr
	hi := spread(tl>>8)*wtl + spread(tr>>8)*wtr + spread(bl>>8)*wbl + spread(br>>8)*wbr
	return uint32(lo>>16)&0xff | uint32(hi>>16)&0xff<<8 | uint32(lo>>48)&0xff<<16 | uint32(hi>>48)&0xff<<24
}
