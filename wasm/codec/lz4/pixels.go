package lz4

import (
	"encoding/binary"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// The loops below convert several pixels per iteration with 64-bit loads
// and stores. Go's wasm backend turns every loop back-edge into a trip
// through the function's jump table (golang/go#65440), so the per-iteration
// cost dominates a loop that does one pixel; natively the wider steps help
// too. Each loop ends with a one-pixel tail.

// Byte-lane masks over two packed pixels.
const (
	lane0  = 0x000000ff000000ff
	lane1  = 0x0000ff000000ff00
	lane02 = 0x00ff00ff00ff00ff
	lane13 = 0xff00ff00ff00ff00
	alpha2 = 0xff000000ff000000
)

// swapRB2 turns two little-endian B,G,R,x words packed in v into R,G,B,x.
func swapRB2(v uint64) uint64 {
	return v&lane13 | v>>16&lane0 | v&lane0<<16
}

// expand converts n raw pixels stored at the end of pix into n R,G,B,A
// pixels filling pix, in place. Pixel i is read from
// len(pix) - bpp*(n-i) and written to 4*i; the write ends at or before the
// start of pixel i+1's raw bytes, so a forward pass that loads each group
// of pixels before storing it never overwrites input it still needs.
//
// Layouts as in spice-common canvas_get_lz4 (pixman LE formats): 16BIT is
// x1r5g5b5 little-endian, 24BIT is B,G,R, 32BIT B,G,R,X and RGBA B,G,R,A.
func expand(pix []byte, f spice.BitmapFmt, n int) {
	switch f {
	case spice.BitmapFmt32Bit:
		expand32(pix[:4*n], alpha2)
	case spice.BitmapFmtRGBA:
		expand32(pix[:4*n], 0)
	case spice.BitmapFmt24Bit:
		expand24(pix[:4*n], pix[len(pix)-3*n:])
	case spice.BitmapFmt16Bit:
		expand16(pix[:4*n], pix[len(pix)-2*n:])
	case spice.BitmapFmt8BitA:
		raw := pix[len(pix)-n:]
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(pix[4*i:], uint32(raw[i])<<24)
		}
	}
}

// expand32 swaps R and B of every pixel of p in place and ORs alpha (two
// pixels' worth) into each: 32BIT forces A=255, RGBA keeps its byte.
func expand32(p []byte, alpha uint64) {
	le := binary.LittleEndian
	i := 0
	for ; i+32 <= len(p); i += 32 {
		q := p[i : i+32 : i+32]
		a, b, c, d := le.Uint64(q), le.Uint64(q[8:]), le.Uint64(q[16:]), le.Uint64(q[24:])
		le.PutUint64(q, swapRB2(a)|alpha)
		le.PutUint64(q[8:], swapRB2(b)|alpha)
		le.PutUint64(q[16:], swapRB2(c)|alpha)
		le.PutUint64(q[24:], swapRB2(d)|alpha)
	}
	for ; i+4 <= len(p); i += 4 {
		v := uint64(le.Uint32(p[i:]))
		le.PutUint32(p[i:], uint32(swapRB2(v)|alpha))
	}
}

// expand24 widens the B,G,R triples of raw, which ends where out ends,
// into out. Each step loads 8 pixels (24 bytes) before storing 32; the
// store ends at or before the next step's input (see expand).
func expand24(out, raw []byte) {
	le := binary.LittleEndian
	i, j := 0, 0
	for ; i+32 <= len(out) && j+24 <= len(raw); i, j = i+32, j+24 {
		s := raw[j : j+24 : j+24]
		a, b, c := le.Uint64(s), le.Uint64(s[8:]), le.Uint64(s[16:])
		// a = p0 p1 p2[0:2], b = p2[2] p3 p4 p5[0], c = p5[1:3] p6 p7
		p01 := a&0xffffff | a&0xffffff000000<<8
		p23 := (a>>48 | b&0xff<<16) | b&0xffffff00<<24
		p45 := b>>32&0xffffff | (b>>56|c&0xffff<<8)<<32
		p67 := c>>16&0xffffff | c>>40<<32
		q := out[i : i+32 : i+32]
		le.PutUint64(q, swapRB2(p01)|alpha2)
		le.PutUint64(q[8:], swapRB2(p23)|alpha2)
		le.PutUint64(q[16:], swapRB2(p45)|alpha2)
		le.PutUint64(q[24:], swapRB2(p67)|alpha2)
	}
	for ; i+4 <= len(out) && j+3 <= len(raw); i, j = i+4, j+3 {
		s := raw[j : j+3 : j+3]
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16
		le.PutUint32(out[i:], uint32(swapRB2(v)|alpha2))
	}
}

// expand16 widens the x1r5g5b5 words of raw, which ends where out ends,
// into out, four pixels (8 bytes in, 16 out) per step.
func expand16(out, raw []byte) {
	le := binary.LittleEndian
	i, j := 0, 0
	for ; i+16 <= len(out) && j+8 <= len(raw); i, j = i+16, j+8 {
		v := le.Uint64(raw[j : j+8 : j+8])
		q := out[i : i+16 : i+16]
		le.PutUint64(q, rgb16x2(v&0xffff|v&0xffff0000<<16))
		le.PutUint64(q[8:], rgb16x2(v>>32&0xffff|v>>48<<32))
	}
	for ; i+4 <= len(out) && j+2 <= len(raw); i, j = i+4, j+2 {
		v := uint64(le.Uint16(raw[j:]))
		le.PutUint32(out[i:], uint32(rgb16x2(v)))
	}
}

// rgb16x2 converts two x1r5g5b5 pixels, in the low 16 bits of each 32-bit
// half of v, to R,G,B,255, widening each channel as pixman reads
// x1r5g5b5: (c<<3)|(c>>2).
func rgb16x2(v uint64) uint64 {
	// r, g and b, each in the low 5 bits of its byte lane
	c := v>>10&0x0000001f0000001f | v<<3&0x00001f0000001f00 | v<<16&0x001f0000001f0000
	return c<<3 | c>>2&0x0007070700070707 | alpha2
}

// flipRows reverses the row order of m in place, for streams that start
// with the bottom row. Swapping 8 bytes at a time needs no scratch row.
func flipRows(m *raster.Image) {
	le := binary.LittleEndian
	rowLen := m.W * 4
	for top, bot := 0, m.H-1; top < bot; top, bot = top+1, bot-1 {
		a := m.Pix[top*m.Stride : top*m.Stride+rowLen]
		b := m.Pix[bot*m.Stride : bot*m.Stride+rowLen]
		i := 0
		for ; i+32 <= rowLen; i += 32 {
			x, y := a[i:i+32:i+32], b[i:i+32:i+32]
			x0, x1, x2, x3 := le.Uint64(x), le.Uint64(x[8:]), le.Uint64(x[16:]), le.Uint64(x[24:])
			y0, y1, y2, y3 := le.Uint64(y), le.Uint64(y[8:]), le.Uint64(y[16:]), le.Uint64(y[24:])
			le.PutUint64(x, y0)
			le.PutUint64(x[8:], y1)
			le.PutUint64(x[16:], y2)
			le.PutUint64(x[24:], y3)
			le.PutUint64(y, x0)
			le.PutUint64(y[8:], x1)
			le.PutUint64(y[16:], x2)
			le.PutUint64(y[24:], x3)
		}
		for ; i < rowLen; i++ {
			a[i], b[i] = b[i], a[i]
		}
	}
}
