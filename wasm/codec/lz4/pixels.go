package lz4

import (
	"encoding/binary"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// expand converts n raw pixels stored at the end of pix into n R,G,B,A
// pixels filling pix, in place. Pixel i is read from
// len(pix) - bpp*(n-i) and written to 4*i; the write ends at or before the
// start of pixel i+1's raw bytes, so a forward pass that loads each pixel
// before storing it never overwrites input it still needs.
//
// Layouts as in spice-common canvas_get_lz4 (pixman LE formats): 16BIT is
// x1r5g5b5 little-endian, 24BIT is B,G,R, 32BIT B,G,R,X and RGBA B,G,R,A.
func expand(pix []byte, f spice.BitmapFmt, n int) {
	switch f {
	case spice.BitmapFmt32Bit:
		// B,G,R,X read as a little-endian word is 0xXXRRGGBB: swap R
		// and B and force A with one load and one store per pixel.
		p := pix[:4*n]
		for i := 0; i+4 <= len(p); i += 4 {
			v := binary.LittleEndian.Uint32(p[i:])
			binary.LittleEndian.PutUint32(p[i:], v&0xff00|v>>16&0xff|v&0xff<<16|0xff000000)
		}
	case spice.BitmapFmtRGBA:
		p := pix[:4*n]
		for i := 0; i+4 <= len(p); i += 4 {
			v := binary.LittleEndian.Uint32(p[i:])
			binary.LittleEndian.PutUint32(p[i:], v&0xff00ff00|v>>16&0xff|v&0xff<<16)
		}
	case spice.BitmapFmt24Bit:
		raw := pix[len(pix)-3*n:]
		for i := 0; i < n; i++ {
			s := raw[3*i : 3*i+3]
			b, g, r := s[0], s[1], s[2]
			d := pix[4*i : 4*i+4]
			d[0], d[1], d[2], d[3] = r, g, b, 0xff
		}
	case spice.BitmapFmt16Bit:
		raw := pix[len(pix)-2*n:]
		for i := 0; i < n; i++ {
			v := uint32(binary.LittleEndian.Uint16(raw[2*i:]))
			d := pix[4*i : 4*i+4]
			d[0], d[1], d[2], d[3] = expand5(v>>10), expand5(v>>5), expand5(v), 0xff
		}
	case spice.BitmapFmt8BitA:
		raw := pix[len(pix)-n:]
		for i := 0; i < n; i++ {
			a := raw[i]
			binary.LittleEndian.PutUint32(pix[4*i:], uint32(a)<<24)
		}
	}
}

// expand5 widens the low 5 bits of v to 8 bits, (c<<3)|(c>>2), as pixman
// does when it reads x1r5g5b5.
func expand5(v uint32) byte {
	c := byte(v & 0x1f)
	return c<<3 | c>>2
}

// flipRows reverses the row order of m in place, for streams that start
// with the bottom row. Swapping 8 bytes at a time needs no scratch row.
func flipRows(m *raster.Image) {
	rowLen := m.W * 4
	for top, bot := 0, m.H-1; top < bot; top, bot = top+1, bot-1 {
		a := m.Pix[top*m.Stride : top*m.Stride+rowLen]
		b := m.Pix[bot*m.Stride : bot*m.Stride+rowLen]
		i := 0
		for ; i+8 <= rowLen; i += 8 {
			x := binary.LittleEndian.Uint64(a[i:])
			binary.LittleEndian.PutUint64(a[i:], binary.LittleEndian.Uint64(b[i:]))
			binary.LittleEndian.PutUint64(b[i:], x)
		}
		for ; i < rowLen; i++ {
			a[i], b[i] = b[i], a[i]
		}
	}
}
