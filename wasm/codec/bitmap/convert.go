package bitmap

import (
	"encoding/binary"
	"math/bits"

	"spiceweb/wasm/spice"
)

// opaqueBlack is what an out-of-range palette index decodes to, as R,G,B,A
// packed little-endian.
const opaqueBlack = 0xff000000

// paletteTable holds up to 256 palette entries already converted to
// little-endian-packed R,G,B,255, so each pixel costs one lookup and one
// 4-byte store. Entries past the supplied palette stay opaque black.
type paletteTable [256]uint32

func (t *paletteTable) set(ents []uint32) {
	for i := range t {
		t[i] = opaqueBlack
	}
	for i, e := range ents {
		if i == len(t) {
			break
		}
		// 0x00RRGGBB -> bytes R, G, B, 255.
		t[i] = (e>>16)&0xff | e&0xff00 | (e&0xff)<<16 | opaqueBlack
	}
}

// convertRow turns one row of w pixels (len(dst) = 4w) in format f into
// R,G,B,A. src holds exactly RowBytes(f, w) bytes.
//
// matches spice-common pixman_utils.c bitmap_*_to_32 for each format; the
// palette ones follow bitmap_1be_32_to_32 etc. (leftmost pixel in the most
// significant bits for BE, least significant for LE).
func convertRow(dst, src []byte, f Format, pal *paletteTable) {
	w := len(dst) / 4
	switch f {
	case spice.BitmapFmt1BitLE, spice.BitmapFmt1BitBE:
		// Walk 8 pixels per source byte; shift the leftmost pixel's bit
		// into bit 0 as we go (MSB first for BE, LSB first for LE).
		be := f == spice.BitmapFmt1BitBE
		for x := 0; x < w; x += 8 {
			b := uint(src[x>>3])
			if be {
				b = uint(bits.Reverse8(byte(b)))
			}
			for i := x; i < x+8 && i < w; i++ {
				binary.LittleEndian.PutUint32(dst[i*4:], pal[b&1])
				b >>= 1
			}
		}
	case spice.BitmapFmt4BitLE, spice.BitmapFmt4BitBE:
		be := f == spice.BitmapFmt4BitBE
		for x := 0; x < w; x++ {
			b := src[x>>1]
			// The first pixel of a byte is its high nibble in BE order.
			if (x&1 == 0) == be {
				b >>= 4
			}
			binary.LittleEndian.PutUint32(dst[x*4:], pal[b&0x0f])
		}
	case spice.BitmapFmt8Bit:
		src = src[:w]
		for x, i := range src {
			binary.LittleEndian.PutUint32(dst[x*4:], pal[i])
		}
	case spice.BitmapFmt16Bit:
		src = src[:2*w]
		for x := 0; x < w; x++ {
			// x1r5g5b5, little-endian; widen each channel by repeating
			// its top bits, as pixman does when it reads x1r5g5b5.
			v := uint32(src[2*x]) | uint32(src[2*x+1])<<8
			d := dst[x*4 : x*4+4]
			d[0] = expand5(v >> 10)
			d[1] = expand5(v >> 5)
			d[2] = expand5(v)
			d[3] = 0xff
		}
	case spice.BitmapFmt24Bit:
		src = src[:3*w]
		dst = dst[:4*w]
		for i, j := 0, 0; i+3 <= len(src) && j+4 <= len(dst); i, j = i+3, j+4 {
			d := dst[j : j+4 : j+4]
			d[0], d[1], d[2], d[3] = src[i+2], src[i+1], src[i], 0xff
		}
	case spice.BitmapFmt32Bit:
		// One 32-bit load and store per pixel: B,G,R,X read as a
		// little-endian word is 0xXXRRGGBB; swap R and B, force A.
		src = src[:4*w]
		dst = dst[:4*w]
		for i := 0; i+4 <= len(src) && i+4 <= len(dst); i += 4 {
			v := binary.LittleEndian.Uint32(src[i:])
			binary.LittleEndian.PutUint32(dst[i:], v&0xff00|v>>16&0xff|v&0xff<<16|0xff000000)
		}
	case spice.BitmapFmtRGBA:
		src = src[:4*w]
		dst = dst[:4*w]
		for i := 0; i+4 <= len(src) && i+4 <= len(dst); i += 4 {
			v := binary.LittleEndian.Uint32(src[i:])
			binary.LittleEndian.PutUint32(dst[i:], v&0xff00ff00|v>>16&0xff|v&0xff<<16)
		}
	case spice.BitmapFmt8BitA:
		src = src[:w]
		for x, a := range src {
			binary.LittleEndian.PutUint32(dst[x*4:], uint32(a)<<24)
		}
	}
}

// expand5 widens the low 5 bits of v to 8 bits: (c<<3)|(c>>2).
func expand5(v uint32) byte {
	c := byte(v & 0x1f)
	return c<<3 | c>>2
}
