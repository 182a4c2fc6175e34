package lz

import (
	"encoding/binary"

	"spiceweb/wasm/raster"
)

// Decode decodes a whole LZ stream of any type but XXXA into dst, which is
// resized to Width x Height and filled top row first.
//
// palette holds 0x00RRGGBB entries and is required for palette types and
// ignored otherwise. RGB16, RGB24, RGB32 and palette pixels get A=255; RGBA
// keeps its alpha bytes as sent; A8 puts the mask in A with R=G=B=0.
//
// When the header is valid but the data is not, dst is left Width x Height
// with unspecified contents.
func Decode(src []byte, palette []uint32, dst *raster.Image) error {
	h, err := DecodeConfig(src)
	if err != nil {
		return err
	}
	if h.Type == TypeXXXA {
		return FormatError("XXXA stream outside JPEG_ALPHA")
	}
	if h.Type.IsPalette() && len(palette) == 0 {
		return FormatError(h.Type.String() + " image without a palette")
	}
	if err := dst.Resize(h.Width, h.Height); err != nil {
		return err
	}
	size := len(dst.Pix)
	n := h.codedPixels()
	if n*4 > size {
		// Palette rows are coded with their padding pixels; decode them
		// in place and squeeze the rows afterwards.
		if cap(dst.Pix) < n*4 {
			dst.Pix = make([]byte, n*4)
		}
		dst.Pix = dst.Pix[:n*4]
	}
	out := dst.Pix
	in := src[HeaderLen:]

	var used int
	switch h.Type {
	case TypeRGB16:
		used, err = decodePass(in, out, kindRGB16, nil)
	case TypeRGB24, TypeRGB32:
		// lz.c decodes RGB24 with the RGB32 routine: both code 3 bytes.
		used, err = decodePass(in, out, kindRGB, nil)
	case TypeRGBA:
		used, err = decodePass(in, out, kindRGB, nil)
		if err == nil {
			var more int
			more, err = decodePass(in[used:], out, kindAlpha, nil)
			used += more
		}
	case TypeA8:
		used, err = decodePass(in, out, kindA8, nil)
	default:
		var tab [256]uint32
		fillPalette(&tab, palette, 1<<(8/h.Type.PixelsPerByte()))
		used, err = decodePass(in, out, paletteKind[h.Type], &tab)
	}
	if err == nil && used != len(in) {
		err = FormatError("data after the last pixel")
	}
	if err == nil && n*4 > size {
		squeezeRows(out, h.Width*4, h.Stride*h.Type.PixelsPerByte()*4, h.Height)
	}
	dst.Pix = dst.Pix[:size]
	if err != nil {
		return err
	}
	if !h.TopDown {
		flipRows(dst.Pix, dst.Stride, dst.H)
	}
	return nil
}

// DecodeAlpha decodes an XXXA stream, the alpha plane of a JPEG_ALPHA
// image, into byte 3 of the pixels of dst; the other bytes are kept. dst
// must already be Width x Height with a packed stride (as Resize makes it).
// A bottom-up stream is flipped so that dst stays top-down
// (canvas_base.c canvas_get_jpeg_alpha).
//
// On error the alpha bytes of dst are unspecified.
func DecodeAlpha(src []byte, dst *raster.Image) error {
	h, err := DecodeConfig(src)
	if err != nil {
		return err
	}
	if h.Type != TypeXXXA {
		return FormatError("alpha plane of type " + h.Type.String())
	}
	if h.Width != dst.W || h.Height != dst.H {
		return FormatError("alpha plane size differs from the image")
	}
	if dst.Stride != dst.W*4 || len(dst.Pix) < dst.Stride*dst.H {
		return FormatError("alpha destination is not a packed image")
	}
	out := dst.Pix[:dst.Stride*dst.H]
	in := src[HeaderLen:]
	// The alpha rows are in stream order; matches address earlier pixels
	// of that order, so decode over rows flipped to it and flip back.
	if !h.TopDown {
		flipRows(out, dst.Stride, dst.H)
		defer flipRows(out, dst.Stride, dst.H)
	}
	used, err := decodePass(in, out, kindAlpha, nil)
	if err != nil {
		return err
	}
	if used != len(in) {
		return FormatError("data after the last pixel")
	}
	return nil
}

// kind selects how a pass turns coded units into RGBA pixels.
type kind uint8

const (
	kindRGB   kind = iota // B, G, R bytes -> R, G, B, 255
	kindRGB16             // x1r5g5b5, high byte first -> R, G, B, 255
	kindAlpha             // one byte -> A only; R, G, B untouched
	kindA8                // one byte -> 0, 0, 0, A
	kindPLT8
	kindPLT4LE
	kindPLT4BE
	kindPLT1LE
	kindPLT1BE
)

var paletteKind = [...]kind{
	TypePLT1LE: kindPLT1LE, TypePLT1BE: kindPLT1BE,
	TypePLT4LE: kindPLT4LE, TypePLT4BE: kindPLT4BE, TypePLT8: kindPLT8,
}

// unit describes a kind: coded bytes per literal unit, pixels per unit,
// and the minimum match length added back to a coded length
// (lz_decompress_tmpl.c: +3 for palette, alpha and A8, +2 for RGB16, +1
// for RGB24/32).
var units = [...]struct{ bytes, pixels, bias int }{
	kindRGB:    {3, 1, 1},
	kindRGB16:  {2, 1, 2},
	kindAlpha:  {1, 1, 3},
	kindA8:     {1, 1, 3},
	kindPLT8:   {1, 1, 3},
	kindPLT4LE: {1, 2, 3},
	kindPLT4BE: {1, 2, 3},
	kindPLT1LE: {1, 8, 3},
	kindPLT1BE: {1, 8, 3},
}

const (
	maxCopy     = 32   // ctrl bytes below this start a literal run (lz_common.h MAX_COPY)
	maxDistance = 8191 // added to 16-bit "far" distances (lz.c MAX_DISTANCE)
)

var (
	errShort   = FormatError("stream ends before the image")
	errOverrun = FormatError("run past the end of the image")
	errBadRef  = FormatError("match before the first pixel")
)

// decodePass runs one LZ pass (lz_decompress_tmpl.c decompress) over in,
// filling all len(out)/4 pixels of out, and returns the bytes consumed.
// Like the reference it reads tokens until the image is exactly full; a
// token that would overrun it is an error.
func decodePass(in, out []byte, k kind, tab *[256]uint32) (int, error) {
	u := units[k]
	ip, op, n := 0, 0, len(out)/4
	for op < n {
		if ip >= len(in) {
			return 0, errShort
		}
		ctrl := int(in[ip])
		ip++
		if ctrl < maxCopy {
			cnt := ctrl + 1
			if cnt*u.pixels > n-op {
				return 0, errOverrun
			}
			if cnt*u.bytes > len(in)-ip {
				return 0, errShort
			}
			literal(out[op*4:(op+cnt*u.pixels)*4], in[ip:ip+cnt*u.bytes], k, tab)
			ip += cnt * u.bytes
			op += cnt * u.pixels
			continue
		}

		// Match: 3 bits of length, 13 bits of distance, with escapes for
		// longer lengths and 16-bit "far" distances.
		length := ctrl>>5 - 1
		if length == 6 {
			for {
				if ip >= len(in) {
					return 0, errShort
				}
				c := int(in[ip])
				ip++
				length += c
				if c != 255 {
					break
				}
				if length > n { // also keeps the sum from overflowing
					return 0, errOverrun
				}
			}
		}
		if ip >= len(in) {
			return 0, errShort
		}
		c := int(in[ip])
		ip++
		dist := (ctrl&31)<<8 + c
		if c == 255 && ctrl&31 == 31 {
			if len(in)-ip < 2 {
				return 0, errShort
			}
			dist = int(in[ip])<<8 + int(in[ip+1]) + maxDistance
			ip += 2
		}
		length = (length + u.bias) * u.pixels
		dist = (dist + 1) * u.pixels
		if length > n-op {
			return 0, errOverrun
		}
		if dist > op {
			return 0, errBadRef
		}
		if k == kindAlpha {
			to := out[op*4 : (op+length)*4]
			if dist == 1 {
				// A run: fill instead of reading back each byte just
				// written (alpha planes are mostly runs).
				a := out[op*4-1]
				for i := 3; i < len(to); i += 4 {
					to[i] = a
				}
			} else {
				// forward, byte by byte: overlapping matches repeat
				from := out[(op-dist)*4:][:len(to)]
				for i := 3; i < len(to); i += 4 {
					to[i] = from[i]
				}
			}
		} else {
			copyPixels(out, op*4, (op-dist)*4, length*4)
		}
		op += length
	}
	return ip, nil
}

// literal converts len(s) coded bytes into the pixels of d.
func literal(d, s []byte, k kind, tab *[256]uint32) {
	le := binary.LittleEndian
	switch k {
	case kindRGB:
		for len(s) >= 3 && len(d) >= 4 {
			d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 0xff
			s, d = s[3:], d[4:]
		}
	case kindRGB16:
		for len(s) >= 2 && len(d) >= 4 {
			le.PutUint32(d, rgb16(s[0], s[1]))
			s, d = s[2:], d[4:]
		}
	case kindAlpha:
		for i, a := range s {
			d[i*4+3] = a
		}
	case kindA8:
		for i, a := range s {
			le.PutUint32(d[i*4:], uint32(a)<<24)
		}
	case kindPLT8:
		for i, b := range s {
			le.PutUint32(d[i*4:], tab[b])
		}
	case kindPLT4LE:
		for i, b := range s {
			le.PutUint32(d[i*8:], tab[b&15])
			le.PutUint32(d[i*8+4:], tab[b>>4])
		}
	case kindPLT4BE:
		for i, b := range s {
			le.PutUint32(d[i*8:], tab[b>>4])
			le.PutUint32(d[i*8+4:], tab[b&15])
		}
	case kindPLT1LE:
		for i, b := range s {
			p := d[i*32 : i*32+32]
			for j := 0; j < 8; j++ {
				le.PutUint32(p[j*4:], tab[b>>j&1])
			}
		}
	case kindPLT1BE:
		for i, b := range s {
			p := d[i*32 : i*32+32]
			for j := 0; j < 8; j++ {
				le.PutUint32(p[j*4:], tab[b>>(7-j)&1])
			}
		}
	}
}

// rgb16 expands a x1r5g5b5 pixel coded high byte first to R, G, B, 255
// packed little-endian, replicating each channel's top bits into its low
// bits as lz_decompress_tmpl.c (LZ_RGB16, TO_RGB32) does.
func rgb16(hi, lo byte) uint32 {
	v := uint32(hi)<<8 | uint32(lo)
	r, g, b := v>>10&31, v>>5&31, v&31
	r, g, b = r<<3|r>>2, g<<3|g>>2, b<<3|b>>2
	return r | g<<8 | b<<16 | 0xff<<24
}

// fillPalette builds the index -> pixel table for n-entry index spaces.
// Indices wrap around a shorter palette: lz_decompress_tmpl.c does so for
// 4-bit images and reads past the end for 1- and 8-bit ones, where
// wrapping is the defined behaviour closest to it.
func fillPalette(tab *[256]uint32, palette []uint32, n int) {
	for i := 0; i < n; i++ {
		e := palette[i%len(palette)]
		tab[i] = e>>16&0xff | e&0xff00 | (e&0xff)<<16 | 0xff<<24
	}
}

// copyPixels copies n bytes from off src to off dst of b, dst > src, the
// way LZ matches do: when the ranges overlap, the bytes being written are
// read again, repeating the pattern. Each copy doubles the pattern, so a
// long run costs log2(n) memmoves instead of n byte moves.
func copyPixels(b []byte, dst, src, n int) {
	for n > 0 {
		k := copy(b[dst:dst+n], b[src:dst])
		dst += k
		n -= k
	}
}

// squeezeRows moves h rows of rowLen bytes, stored every codedLen bytes,
// to a packed layout. Rows only move towards the start, so copy (memmove)
// may work in place.
func squeezeRows(b []byte, rowLen, codedLen, h int) {
	for y := 1; y < h; y++ {
		copy(b[y*rowLen:(y+1)*rowLen], b[y*codedLen:y*codedLen+rowLen])
	}
}

// flipRows reverses the order of the h rows of b in place.
func flipRows(b []byte, stride, h int) {
	var tmp [512]byte
	for top, bot := 0, h-1; top < bot; top, bot = top+1, bot-1 {
		x := b[top*stride : (top+1)*stride]
		y := b[bot*stride : (bot+1)*stride]
		for len(x) > 0 {
			k := copy(tmp[:], x)
			copy(x, y[:k])
			copy(y, tmp[:k])
			x, y = x[k:], y[k:]
		}
	}
}
