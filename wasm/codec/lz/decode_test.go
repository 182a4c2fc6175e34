package lz

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
)

// rgba spells expected pixels as 0xRRGGBBAA words.
func rgba(ps ...uint32) []byte {
	b := make([]byte, 0, 4*len(ps))
	for _, p := range ps {
		b = append(b, byte(p>>24), byte(p>>16), byte(p>>8), byte(p))
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// handTests are streams written byte by byte from lz_decompress_tmpl.c,
// independent of the test encoder.
var handTests = []struct {
	name    string
	src     []byte
	palette []uint32
	want    []byte
}{
	{
		name: "rgb32 literals then an overlapping run",
		// 4x1: one literal pixel (ctrl 0), then ctrl 0x60: length code
		// 3-1 = 2, +1 bias = 3 pixels, at distance 0+1 = 1.
		src:  cat(header(TypeRGB32, 4, 1, 16, true), []byte{0x00, 0x30, 0x20, 0x10, 0x60, 0x00}),
		want: rgba(0x102030ff, 0x102030ff, 0x102030ff, 0x102030ff),
	},
	{
		name: "rgb24 bottom-up: first coded row is the bottom one",
		src: cat(header(TypeRGB24, 1, 2, 3, false),
			[]byte{0x01, 1, 2, 3, 4, 5, 6}), // two literal pixels
		want: rgba(0x060504ff, 0x030201ff),
	},
	{
		name: "rgb16 literal and match",
		// 0x7fff = white, 0x001f = blue (B=31), 0x7c00 = red, bit 15 ignored.
		// Match ctrl 0x20: length 0+2, distance 0x00+1 = 1.
		src: cat(header(TypeRGB16, 5, 1, 10, true),
			[]byte{0x02, 0x7f, 0xff, 0x00, 0x1f, 0xfc, 0x00, 0x20, 0x00}),
		want: rgba(0xffffffff, 0x0000ffff, 0xff0000ff, 0xff0000ff, 0xff0000ff),
	},
	{
		name: "rgba: colour pass then alpha pass",
		src: cat(header(TypeRGBA, 2, 1, 8, true),
			[]byte{0x01, 0x30, 0x20, 0x10, 0x03, 0x02, 0x01}, // B,G,R x2
			[]byte{0x01, 0x80, 0x00}),                        // alpha x2
		want: rgba(0x10203080, 0x01020300),
	},
	{
		name: "a8 with a run (bias 3)",
		src:  cat(header(TypeA8, 5, 1, 5, true), []byte{0x01, 0x11, 0x22, 0x20, 0x00}),
		want: rgba(0x00000011, 0x00000022, 0x00000022, 0x00000022, 0x00000022),
	},
	{
		name: "plt8 with a repeat of two pixels",
		src: cat(header(TypePLT8, 5, 1, 5, true),
			[]byte{0x01, 0x00, 0x01, 0x20, 0x01}), // literal 0,1; match len 3 dist 2
		palette: []uint32{0x112233, 0xaabbcc},
		want:    rgba(0x112233ff, 0xaabbccff, 0x112233ff, 0xaabbccff, 0x112233ff),
	},
	{
		name:    "plt4_be and plt4_le nibble order",
		src:     cat(header(TypePLT4BE, 3, 1, 2, true), []byte{0x01, 0x12, 0x3f}),
		palette: []uint32{0x000000, 0x010101, 0x020202, 0x030303},
		want:    rgba(0x010101ff, 0x020202ff, 0x030303ff), // index 15 pads, dropped
	},
	{
		name:    "plt4_le",
		src:     cat(header(TypePLT4LE, 3, 1, 2, true), []byte{0x01, 0x12, 0xf3}),
		palette: []uint32{0x000000, 0x010101, 0x020202, 0x030303},
		want:    rgba(0x020202ff, 0x010101ff, 0x030303ff),
	},
	{
		name:    "plt1_be, two rows with padding bits, bottom-up",
		src:     cat(header(TypePLT1BE, 10, 2, 2, false), []byte{0x03, 0xb0, 0x7f, 0x01, 0x00}),
		palette: []uint32{0x000000, 0xffffff},
		want: rgba( // top row is the second coded row: 0x01 0x00
			0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff, 0xffffffff, 0x000000ff, 0x000000ff,
			0xffffffff, 0x000000ff, 0xffffffff, 0xffffffff, 0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff, 0xffffffff),
	},
	{
		name:    "plt1_le",
		src:     cat(header(TypePLT1LE, 8, 1, 1, true), []byte{0x00, 0x05}),
		palette: []uint32{0x000000, 0xffffff},
		want:    rgba(0xffffffff, 0x000000ff, 0xffffffff, 0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff, 0x000000ff),
	},
	{
		name: "long length escape",
		// literal 1 pixel, then ctrl 0xe0 (length code 7-1 = 6 -> escape),
		// extension bytes 255, 3: 6+255+3 = 264, +1 bias = 265 pixels.
		src:  cat(header(TypeRGB32, 266, 1, 266*4, true), []byte{0x00, 1, 2, 3, 0xe0, 0xff, 0x03, 0x00}),
		want: bytes.Repeat(rgba(0x030201ff), 266),
	},
}

func TestDecodeHandMade(t *testing.T) {
	for _, tc := range handTests {
		t.Run(tc.name, func(t *testing.T) {
			var dst raster.Image
			if err := Decode(tc.src, tc.palette, &dst); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dst.Pix, tc.want) {
				t.Errorf("got  %x\nwant %x", dst.Pix, tc.want)
			}
		})
	}
}

// TestDecodeFarDistance checks the near/far distance boundary and the
// farthest distance the format can code.
func TestDecodeFarDistance(t *testing.T) {
	for _, back := range []int{maxDistance - 1, maxDistance, maxDistance + 1, maxDistance + 65535} {
		t.Run(fmt.Sprint(back), func(t *testing.T) {
			const w = 256
			h := (back + 3 + w - 1) / w
			n := w * h
			px := func(i int) []byte { return []byte{byte(i), byte(i >> 8), byte(i>>16) | 0x80} }
			var units []byte
			for i := 0; i < back; i++ {
				units = append(units, px(i)...)
			}
			units = append(units, units[:9]...) // repeat the first three pixels
			for i := back + 3; i < n; i++ {
				units = append(units, px(i)...)
			}
			lits := func(src []byte, from, to int) []byte {
				for i := from; i < to; i += maxCopy {
					k := min(maxCopy, to-i)
					src = append(src, byte(k-1))
					src = append(src, units[i*3:(i+k)*3]...)
				}
				return src
			}
			src := lits(header(TypeRGB32, w, h, w*4, true), 0, back)
			src = appendMatch(src, 3-1, back-1)
			src = lits(src, back+3, n)
			var dst raster.Image
			if err := Decode(src, nil, &dst); err != nil {
				t.Fatal(err)
			}
			if want := expect(TypeRGB32, units, nil, nil); !bytes.Equal(dst.Pix, want) {
				t.Errorf("mismatch at byte %d", firstDiff(dst.Pix, want))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// expect converts coded units to top-down... in coded order; the caller
// flips. It restates lz_decompress_tmpl.c's conversions in their original
// form (byte truncation included), independent of the decoder's.
func expect(t Type, units, alpha []byte, palette []uint32) []byte {
	var out []byte
	ent := func(i int) []byte {
		e := palette[i%len(palette)]
		return []byte{byte(e >> 16), byte(e >> 8), byte(e), 0xff}
	}
	switch t {
	case TypeRGB24, TypeRGB32, TypeRGBA:
		for i := 0; i+3 <= len(units); i += 3 {
			a := byte(0xff)
			if t == TypeRGBA {
				a = alpha[i/3]
			}
			out = append(out, units[i+2], units[i+1], units[i], a)
		}
	case TypeRGB16:
		for i := 0; i+2 <= len(units); i += 2 {
			r, b := units[i], units[i+1]
			g := byte(r<<6|b>>2) &^ 7
			g |= g >> 5
			r = (r<<1)&^7 | (r>>4)&7
			b = b<<3 | (b>>2)&7
			out = append(out, r, g, b, 0xff)
		}
	case TypeA8:
		for _, a := range units {
			out = append(out, 0, 0, 0, a)
		}
	case TypePLT8:
		for _, b := range units {
			out = append(out, ent(int(b))...)
		}
	case TypePLT4BE, TypePLT4LE:
		for _, b := range units {
			hi, lo := int(b>>4), int(b&15)
			if t == TypePLT4LE {
				hi, lo = lo, hi
			}
			out = append(out, ent(hi)...)
			out = append(out, ent(lo)...)
		}
	case TypePLT1BE, TypePLT1LE:
		for _, b := range units {
			for j := 0; j < 8; j++ {
				bit := int(b>>(7-j)) & 1
				if t == TypePLT1LE {
					bit = int(b>>j) & 1
				}
				out = append(out, ent(bit)...)
			}
		}
	}
	return out
}

// sample makes a w x h image of type t whose content repeats enough for
// every token kind to appear: flat runs, copies of earlier rows, noise.
// It returns the stream and the expected top-down RGBA pixels.
func sample(t Type, w, h int, topDown bool, seed uint64, palette []uint32) ([]byte, []byte) {
	rng := rand.New(rand.NewPCG(seed, 1))
	ub := map[Type]int{TypeRGB16: 2, TypeRGB24: 3, TypeRGB32: 3, TypeRGBA: 3}[t]
	if ub == 0 {
		ub = 1
	}
	rowUnits := w
	if ppb := t.PixelsPerByte(); ppb != 0 {
		rowUnits = (w + ppb - 1) / ppb
	}
	row := func(y int) []byte {
		b := make([]byte, rowUnits*ub)
		switch y % 4 {
		case 0: // noise
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
		case 1: // a flat colour with a few spots
			c := byte(rng.IntN(256))
			for i := range b {
				b[i] = c
				if rng.IntN(17) == 0 {
					b[i] = byte(rng.IntN(256))
				}
			}
		case 2: // gradient
			for i := range b {
				b[i] = byte(i * 3)
			}
		}
		return b
	}
	var rows, alphaRows [][]byte
	for y := 0; y < h; y++ {
		r := row(y)
		if y%4 == 3 && y > 2 { // repeat an earlier row
			r = rows[rng.IntN(y)]
		}
		rows = append(rows, r)
		a := make([]byte, w)
		for i := range a {
			a[i] = byte(255 - i%7*40)
		}
		alphaRows = append(alphaRows, a)
	}
	// display rows -> coded rows
	coded, codedAlpha := rows, alphaRows
	if !topDown {
		coded, codedAlpha = nil, nil
		for y := h - 1; y >= 0; y-- {
			coded = append(coded, rows[y])
			codedAlpha = append(codedAlpha, alphaRows[y])
		}
	}
	units := bytes.Join(coded, nil)
	alpha := bytes.Join(codedAlpha, nil)

	stride := rowUnits * t.BytesPerPixel()
	if t.IsPalette() {
		stride = rowUnits
	}
	src := header(t, w, h, stride, topDown)
	bias := units0[t].bias
	src = encodePass(src, units, ub, bias, 0)
	if t == TypeRGBA {
		src = encodePass(src, alpha, 1, 3, 0)
	}

	// expected: convert the display rows, drop palette padding pixels
	var want []byte
	for y := 0; y < h; y++ {
		var a []byte
		if t == TypeRGBA {
			a = alphaRows[y]
		}
		p := expect(t, rows[y], a, palette)
		want = append(want, p[:w*4]...)
	}
	return src, want
}

// units0 gives the coded match bias per type.
var units0 = map[Type]struct{ bias int }{
	TypePLT1LE: {3}, TypePLT1BE: {3}, TypePLT4LE: {3}, TypePLT4BE: {3}, TypePLT8: {3},
	TypeRGB16: {2}, TypeRGB24: {1}, TypeRGB32: {1}, TypeRGBA: {1}, TypeA8: {3}, TypeXXXA: {3},
}

var testPalette = func() []uint32 {
	p := make([]uint32, 256)
	for i := range p {
		p[i] = uint32(i)*0x010203 ^ 0x5a0000
	}
	return p
}()

// TestDecodeRoundTrip encodes every type, orientation and a few odd sizes
// with the test encoder and checks the decoded pixels.
func TestDecodeRoundTrip(t *testing.T) {
	types := []Type{TypePLT1LE, TypePLT1BE, TypePLT4LE, TypePLT4BE, TypePLT8, TypeRGB16, TypeRGB24, TypeRGB32, TypeRGBA, TypeA8}
	sizes := [][2]int{{1, 1}, {3, 5}, {13, 7}, {64, 40}, {201, 3}}
	for _, typ := range types {
		for _, sz := range sizes {
			for _, td := range []bool{true, false} {
				name := fmt.Sprintf("%v/%dx%d/topdown=%v", typ, sz[0], sz[1], td)
				t.Run(name, func(t *testing.T) {
					pal := testPalette
					if typ == TypePLT4LE {
						pal = testPalette[:5] // indices wrap around a short palette
					}
					src, want := sample(typ, sz[0], sz[1], td, uint64(sz[0]*sz[1]), pal)
					var dst raster.Image
					if err := Decode(src, pal, &dst); err != nil {
						t.Fatal(err)
					}
					if dst.W != sz[0] || dst.H != sz[1] || dst.Stride != sz[0]*4 {
						t.Fatalf("got %dx%d stride %d", dst.W, dst.H, dst.Stride)
					}
					if i := firstDiff(dst.Pix, want); i != len(want) || len(dst.Pix) != len(want) {
						t.Fatalf("first difference at byte %d (pixel %d)", i, i/4)
					}
				})
			}
		}
	}
}

// TestDecodeReusesDst checks that a warm dst is reused, including the
// palette path that needs room for padding pixels.
func TestDecodeReusesDst(t *testing.T) {
	src, want := sample(TypePLT1BE, 13, 7, false, 1, testPalette)
	var dst raster.Image
	if err := Decode(src, testPalette, &dst); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(10, func() {
		if err := Decode(src, testPalette, &dst); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per warm decode", allocs)
	}
	if !bytes.Equal(dst.Pix, want) || len(dst.Pix) != 13*7*4 {
		t.Error("wrong pixels after reuse")
	}
}

func TestDecodeAlpha(t *testing.T) {
	for _, td := range []bool{true, false} {
		t.Run(fmt.Sprint("topdown=", td), func(t *testing.T) {
			const w, h = 37, 9
			// Base image: distinct colour per row, alpha 0x55.
			var dst raster.Image
			dst.Resize(w, h)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					copy(dst.Pix[y*w*4+x*4:], []byte{byte(y), byte(x), 7, 0x55})
				}
			}
			// Alpha plane in display order: runs and repeats.
			plane := make([]byte, w*h)
			for i := range plane {
				plane[i] = byte(i / 5 % 3 * 100)
			}
			coded := plane
			if !td {
				coded = nil
				for y := h - 1; y >= 0; y-- {
					coded = append(coded, plane[y*w:(y+1)*w]...)
				}
			}
			src := encodePass(header(TypeXXXA, w, h, w*4, td), coded, 1, 3, 0)
			if err := DecodeAlpha(src, &dst); err != nil {
				t.Fatal(err)
			}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					p := dst.Pix[y*w*4+x*4:][:4]
					if want := []byte{byte(y), byte(x), 7, plane[y*w+x]}; !bytes.Equal(p, want) {
						t.Fatalf("(%d,%d) = %x, want %x", x, y, p, want)
					}
				}
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good := cat(header(TypeRGB32, 2, 1, 8, true), []byte{0x01, 1, 2, 3, 4, 5, 6})
	with := func(off int, b ...byte) []byte {
		s := bytes.Clone(good)
		copy(s[off:], b)
		return s
	}
	tests := []struct {
		name    string
		src     []byte
		palette []uint32
		want    string // substring of the error
		tooBig  bool
	}{
		{"empty", nil, nil, "short header", false},
		{"short header", good[:27], nil, "short header", false},
		{"bad magic", with(0, 'L'), nil, "bad magic", false},
		{"bad version", with(7, 2), nil, "unknown version", false},
		{"type 0", with(11, 0), nil, "unknown image type 0", false},
		{"type 12", with(11, 12), nil, "unknown image type 12", false},
		{"wide", header(TypeRGB32, 1<<15+1, 1, (1<<15+1)*4, true), nil, "too large", true},
		{"too many pixels", header(TypeRGB32, 1<<15, 1<<10, 1<<17, true), nil, "too large", true},
		{"zero width", header(TypeRGB32, 0, 1, 0, true), nil, "empty image", false},
		{"zero height", header(TypeRGB32, 1, 0, 4, true), nil, "empty image", false},
		{"rgb stride", with(23, 9), nil, "stride 9", false},
		{"palette stride short", header(TypePLT1BE, 9, 1, 1, true), testPalette, "stride 1", false},
		{"palette stride long", header(TypePLT4BE, 4, 1, 3, true), testPalette, "stride 3", false},
		{"xxxa via Decode", header(TypeXXXA, 1, 1, 4, true), nil, "XXXA", false},
		{"no palette", cat(header(TypePLT8, 1, 1, 1, true), []byte{0, 0}), nil, "without a palette", false},
		{"no data", good[:HeaderLen], nil, "stream ends", false},
		{"truncated literal", good[:len(good)-1], nil, "stream ends", false},
		{"trailing byte", cat(good, []byte{0}), nil, "data after", false},
		{"literal overrun", with(HeaderLen, 2), nil, "past the end", false},
		{"match before start", cat(header(TypeRGB32, 4, 1, 16, true), []byte{0x20, 0x00}), nil, "before the first", false},
		{"match overrun", cat(header(TypeRGB32, 3, 1, 12, true), []byte{0x00, 1, 2, 3, 0x60, 0x00}), nil, "past the end", false},
		{"truncated length", cat(header(TypeRGB32, 300, 1, 1200, true), []byte{0x00, 1, 2, 3, 0xe0, 0xff}), nil, "stream ends", false},
		{"truncated distance", cat(header(TypeRGB32, 3, 1, 12, true), []byte{0x00, 1, 2, 3, 0x20}), nil, "stream ends", false},
		{"truncated far distance", cat(header(TypeRGB32, 3, 1, 12, true), []byte{0x00, 1, 2, 3, 0x3f, 0xff, 0}), nil, "stream ends", false},
		{"length escape overflow", cat(header(TypeRGB32, 3, 1, 12, true), []byte{0x00, 1, 2, 3, 0xe0}, bytes.Repeat([]byte{0xff}, 100)), nil, "past the end", false},
		{"rgba without alpha pass", cat(header(TypeRGBA, 1, 1, 4, true), []byte{0, 1, 2, 3}), nil, "stream ends", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst raster.Image
			err := Decode(tc.src, tc.palette, &dst)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "lz: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want lz: ...%s...", err, tc.want)
			}
			if errors.Is(err, raster.ErrTooLarge) != tc.tooBig {
				t.Errorf("errors.Is(%v, raster.ErrTooLarge) = %v", err, !tc.tooBig)
			}
		})
	}
}

func TestDecodeAlphaErrors(t *testing.T) {
	var four raster.Image
	four.Resize(2, 2)
	good := encodePass(header(TypeXXXA, 2, 2, 8, true), []byte{1, 2, 3, 4}, 1, 3, 0)
	unpacked := raster.Image{Pix: make([]byte, 40), Stride: 12, W: 2, H: 2}
	tests := []struct {
		name string
		src  []byte
		dst  *raster.Image
		want string
	}{
		{"not xxxa", header(TypeA8, 2, 2, 2, true), &four, "alpha plane of type A8"},
		{"size differs", header(TypeXXXA, 2, 1, 8, true), &four, "size differs"},
		{"unpacked", good, &unpacked, "not a packed image"},
		{"truncated", good[:len(good)-1], &four, "stream ends"},
		{"trailing", cat(good, []byte{9}), &four, "data after"},
		{"bad header", good[:10], &four, "short header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := DecodeAlpha(tc.src, tc.dst)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTypeString(t *testing.T) {
	if s := TypeRGBA.String(); s != "RGBA" {
		t.Errorf("TypeRGBA = %q", s)
	}
	if s := Type(42).String(); s != "Type(42)" {
		t.Errorf("Type(42) = %q", s)
	}
}
