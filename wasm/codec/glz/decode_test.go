package glz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"spiceweb/wasm/codec/lz"
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

// done is an already cancelled context: missing references fail at once.
var done = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// TestDecodeHandMade decodes streams written byte by byte from
// decode-glz-tmpl.c, independent of the test encoder.
func TestDecodeHandMade(t *testing.T) {
	w := NewWindow(1 << 20)
	steps := []struct {
		name string
		src  []byte
		want []byte
	}{
		{
			name: "image 0: literal, then an in-image run",
			// 4x1 RGB32: literal of 1 pixel (B,G,R = 3,2,1), then ctrl
			// 0x60: length 3, short offset 0, byte 0x00 (offset bits
			// 4..11), byte 0x00 (no image distance): in-image distance
			// 0+1.
			src:  cat(glzHeader(lz.TypeRGB32, 4, 1, true, 0, 0), []byte{0x00, 3, 2, 1, 0x60, 0x00, 0x00}),
			want: rgba(0x010203ff, 0x010203ff, 0x010203ff, 0x010203ff),
		},
		{
			name: "image 1, bottom-up: two pixels copied from image 0",
			// 1x3: literal 1 pixel; ctrl 0x41: length 2, offset 1;
			// 0x00; 0x01: image distance 1 -> pixels 1..2 of image 0.
			src:  cat(glzHeader(lz.TypeRGB32, 1, 3, false, 1, 1), []byte{0x00, 9, 8, 7, 0x41, 0x00, 0x01}),
			want: rgba(0x010203ff, 0x010203ff, 0x070809ff), // coded rows reversed
		},
		{
			name: "image 2, RGB16 with a length escape",
			// 9x1: literal 1 (0x7c00, red), then ctrl 0xe0: length 7,
			// escape byte 0 -> 7, +1 bias = 8 pixels at distance 0+1.
			src:  cat(glzHeader(lz.TypeRGB16, 9, 1, true, 2, 2), []byte{0x00, 0x7c, 0x00, 0xe0, 0x00, 0x00, 0x00}),
			want: bytes.Repeat(rgba(0xff0000ff), 9),
		},
		{
			name: "image 3, RGBA: colour pass then alpha pass, alpha run",
			// 4x1: literal 4 pixels; alpha: literal 1 (0x80), then ctrl
			// 0x20: length 1, +2 bias = 3, at distance 0+1.
			src: cat(glzHeader(lz.TypeRGBA, 4, 1, true, 3, 0),
				[]byte{0x03, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0},
				[]byte{0x00, 0x80, 0x20, 0x00, 0x00}),
			want: rgba(0x03020180, 0x06050480, 0x09080780, 0x00000080),
		},
	}
	for _, s := range steps {
		var dst raster.Image
		if err := w.Decode(done, s.src, &dst); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !bytes.Equal(dst.Pix, s.want) {
			t.Errorf("%s:\ngot  %x\nwant %x", s.name, dst.Pix, s.want)
		}
	}
}

// picture is one image of a test sequence.
type picture struct {
	typ     lz.Type
	w, h    int
	topDown bool
	id      uint64
	dist    uint32
	units   []byte // colour units in coded order (2 or 3 bytes per pixel)
	alpha   []byte // alpha in coded order (RGBA only)
	want    []byte // expected RGBA, top row first
}

func unitBytes(t lz.Type) int {
	if t == lz.TypeRGB16 {
		return 2
	}
	return 3
}

// expectRGBA converts coded units to RGBA with the reference's own
// formulas (decode-glz-tmpl.c), including its byte truncations.
func expectRGBA(t lz.Type, units, alpha []byte) []byte {
	var out []byte
	if t == lz.TypeRGB16 {
		for i := 0; i+2 <= len(units); i += 2 {
			r, b := units[i], units[i+1]
			g := byte(r<<6|b>>2) &^ 7
			g |= g >> 5
			r = (r<<1)&^7 | (r>>4)&7
			b = b<<3 | (b>>2)&7
			out = append(out, r, g, b, 0xff)
		}
		return out
	}
	for i := 0; i+3 <= len(units); i += 3 {
		a := byte(0xff)
		if t == lz.TypeRGBA {
			a = alpha[i/3]
		}
		out = append(out, units[i+2], units[i+1], units[i], a)
	}
	return out
}

// makePicture builds an image whose rows are noise, flat colour, or copies
// of rows of base (an earlier picture of the same type), so that coding
// it uses in-image and cross-image matches.
func makePicture(rng *rand.Rand, t lz.Type, w, h int, topDown bool, id uint64, dist uint32, base *picture) *picture {
	ub := unitBytes(t)
	p := &picture{typ: t, w: w, h: h, topDown: topDown, id: id, dist: dist}
	for y := 0; y < h; y++ {
		row := make([]byte, w*ub)
		arow := make([]byte, w)
		switch {
		case base != nil && rng.IntN(3) > 0:
			// a stretch of base's coded units, at any offset
			n := len(base.units)
			off := rng.IntN(n/ub) * ub
			for i := range row {
				row[i] = base.units[(off+i)%n]
			}
			if t == lz.TypeRGBA {
				for i := range arow {
					arow[i] = base.alpha[(off/ub+i)%len(base.alpha)]
				}
			}
		case rng.IntN(2) == 0:
			c := byte(rng.IntN(256))
			for i := range row {
				row[i] = c ^ byte(i%ub)
			}
		default:
			for i := range row {
				row[i] = byte(rng.IntN(256))
			}
			for i := range arow {
				arow[i] = byte(rng.IntN(4) * 85)
			}
		}
		p.units = append(p.units, row...)
		p.alpha = append(p.alpha, arow...)
	}
	coded := expectRGBA(t, p.units, p.alpha)
	stride := w * 4
	for y := 0; y < h; y++ {
		cy := y
		if !topDown {
			cy = h - 1 - y
		}
		p.want = append(p.want, coded[cy*stride:(cy+1)*stride]...)
	}
	return p
}

// encode codes p, matching into refs (earlier pictures of the same type).
func (p *picture) encode(refs ...*picture) []byte {
	var cr, ar []refImage
	for _, r := range refs {
		cr = append(cr, refImage{int(p.id - r.id), r.units})
		ar = append(ar, refImage{int(p.id - r.id), r.alpha})
	}
	ub := unitBytes(p.typ)
	src := glzHeader(p.typ, p.w, p.h, p.topDown, p.id, p.dist)
	bias := units[kindRGB].bias
	if p.typ == lz.TypeRGB16 {
		bias = units[kindRGB16].bias
	}
	src = encodePass(src, p.units, ub, bias, cr)
	if p.typ == lz.TypeRGBA {
		src = encodePass(src, p.alpha, 1, units[kindAlpha].bias, ar)
	}
	return src
}

// TestDecodeSequence decodes chains of images of every type that copy
// from their predecessors, in both orientations.
func TestDecodeSequence(t *testing.T) {
	for _, typ := range []lz.Type{lz.TypeRGB16, lz.TypeRGB24, lz.TypeRGB32, lz.TypeRGBA} {
		t.Run(typ.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(typ), 2))
			w := NewWindow(1 << 16)
			var pics []*picture
			for id := uint64(0); id < 12; id++ {
				var base *picture
				var refs []*picture
				dist := uint32(min(id, 3))
				if id > 0 {
					refs = pics[id-uint64(dist):]
					base = refs[rng.IntN(len(refs))]
				}
				p := makePicture(rng, typ, 1+rng.IntN(70), 1+rng.IntN(20), rng.IntN(2) == 0, id, dist, base)
				pics = append(pics, p)
				var dst raster.Image
				if err := w.Decode(done, p.encode(refs...), &dst); err != nil {
					t.Fatalf("image %d: %v", id, err)
				}
				if dst.W != p.w || dst.H != p.h || !bytes.Equal(dst.Pix, p.want) {
					t.Fatalf("image %d (%dx%d topdown=%v): wrong pixels", id, p.w, p.h, p.topDown)
				}
			}
		})
	}
}

// TestDecodeTokenForms drives every offset and image-distance width the
// format has: matches into an image 0..2^24 ids back at offsets up to
// 2^25, through a window whose ids jump.
func TestDecodeTokenForms(t *testing.T) {
	for _, tc := range []struct{ ofs, imgDist int }{
		{0, 1}, {100, 63}, {4095, 64}, {4096, 1 << 14}, {1<<17 - 1, 1<<22 - 1},
		{1 << 17, 1 << 22}, {1<<17 + 5, 255}, {4096, 256}, {70000, 1<<16 + 3}, {1<<20 + 7, 1<<24 - 1},
	} {
		t.Run(fmt.Sprintf("ofs=%d,dist=%d", tc.ofs, tc.imgDist), func(t *testing.T) {
			const w0 = 2048
			h0 := (tc.ofs + 4 + w0 - 1) / w0
			w := NewWindow(w0 * h0)
			// Image base: pixel i = (i, i>>8, i>>16), coded as id 0 of
			// a window that then jumps to base+imgDist.
			base := uint64(1 << 30)
			var units []byte
			for i := 0; i < w0*h0; i++ {
				units = append(units, byte(i), byte(i>>8), byte(i>>16))
			}
			src := glzHeader(lz.TypeRGB32, w0, h0, true, base, 0)
			for i := 0; i < w0*h0; i += maxCopy {
				k := min(maxCopy, w0*h0-i)
				src = append(src, byte(k-1))
				src = append(src, units[i*3:(i+k)*3]...)
			}
			w.tailGap, w.oldest = base, base // as if the window had started there
			var dst raster.Image
			if err := w.Decode(done, src, &dst); err != nil {
				t.Fatal(err)
			}
			// Image 2: literal pixel, then 3 pixels from the base at ofs.
			id := base + uint64(tc.imgDist)
			src = glzHeader(lz.TypeRGB32, 4, 1, true, id, uint32(tc.imgDist))
			src = append(src, 0, 0xaa, 0xbb, 0xcc)
			src = appendMatch(src, 3, tc.ofs, tc.imgDist)
			if err := w.Decode(done, src, &dst); err != nil {
				t.Fatal(err)
			}
			want := cat(rgba(0xccbbaaff), expectRGBA(lz.TypeRGB32, units[tc.ofs*3:(tc.ofs+3)*3], nil))
			if !bytes.Equal(dst.Pix, want) {
				t.Errorf("got %x want %x", dst.Pix, want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good := cat(glzHeader(lz.TypeRGB32, 2, 1, true, 0, 0), []byte{0x01, 1, 2, 3, 4, 5, 6})
	with := func(off int, b ...byte) []byte {
		s := bytes.Clone(good)
		copy(s[off:], b)
		return s
	}
	tests := []struct {
		name   string
		src    []byte
		want   string
		tooBig bool
	}{
		{"empty", nil, "short header", false},
		{"short header", good[:HeaderLen-1], "short header", false},
		{"bad magic", with(0, 0), "bad magic", false},
		{"bad version", with(7, 0), "unknown version", false},
		{"type 0", with(8, 0x10), "image type Type(0)", false},
		{"type A8", with(8, byte(lz.TypeA8)), "image type A8", false},
		{"type XXXA", with(8, byte(lz.TypeXXXA)), "image type XXXA", false},
		{"type 15", with(8, 0x1f), "image type Type(15)", false},
		{"palette", with(8, byte(lz.TypePLT8)), "unsupported: palette image type PLT8", false},
		{"wide", glzHeader(lz.TypeRGB32, 1<<15+1, 1, true, 0, 0), "too large", true},
		{"too many pixels", glzHeader(lz.TypeRGB32, 1<<15, 1<<10, true, 0, 0), "too large", true},
		{"larger than window", glzHeader(lz.TypeRGB32, 1<<12, 1<<8+1, true, 0, 0), "pixel window", false},
		{"zero width", glzHeader(lz.TypeRGB32, 0, 1, true, 0, 0), "empty image", false},
		{"zero height", glzHeader(lz.TypeRGB32, 1, 0, true, 0, 0), "empty image", false},
		{"id out of range", glzHeader(lz.TypeRGB32, 1, 1, true, 1<<62, 0), "image id 4611686018427387904 out of range", false},
		{"head before image 0", glzHeader(lz.TypeRGB32, 1, 1, true, 3, 4), "window head 4 images before image 3", false},
		{"no data", good[:HeaderLen], "stream ends", false},
		{"truncated literal", good[:len(good)-1], "stream ends", false},
		{"trailing byte", cat(good, []byte{0}), "data after", false},
		{"literal overrun", with(HeaderLen, 2), "past the end", false},
		{"match before start", cat(glzHeader(lz.TypeRGB32, 4, 1, true, 0, 0), []byte{0x20, 0x00, 0x00}), "before the first", false},
		{"match overrun", cat(glzHeader(lz.TypeRGB32, 3, 1, true, 0, 0), []byte{0x00, 1, 2, 3, 0x60, 0x00, 0x00}), "past the end", false},
		{"truncated length", cat(glzHeader(lz.TypeRGB32, 300, 1, true, 0, 0), []byte{0x00, 1, 2, 3, 0xe0, 0xff}), "stream ends", false},
		{"length escape overflow", cat(glzHeader(lz.TypeRGB32, 3, 1, true, 0, 0), []byte{0x00, 1, 2, 3, 0xe0}, bytes.Repeat([]byte{0xff}, 9)), "past the end", false},
		{"truncated offset", cat(glzHeader(lz.TypeRGB32, 3, 1, true, 0, 0), []byte{0x00, 1, 2, 3, 0x20, 0x00}), "stream ends", false},
		{"truncated image distance", cat(glzHeader(lz.TypeRGB32, 3, 1, true, 0, 0), []byte{0x00, 1, 2, 3, 0x20, 0x00, 0xc0, 1, 2}), "stream ends", false},
		{"truncated long offset", cat(glzHeader(lz.TypeRGB32, 3, 1, true, 0, 0), []byte{0x00, 1, 2, 3, 0x30, 0x00, 0x20}), "stream ends", false},
		{"reference before image 0", cat(glzHeader(lz.TypeRGB32, 3, 1, true, 0, 0), []byte{0x00, 1, 2, 3, 0x20, 0x00, 0x01}), "references 1 images back", false},
		{"missing reference, cancelled", cat(glzHeader(lz.TypeRGB32, 3, 1, true, 5, 0), []byte{0x00, 1, 2, 3, 0x20, 0x00, 0x01}), "waiting for image 4: context canceled", false},
		{"rgba without alpha pass", cat(glzHeader(lz.TypeRGBA, 1, 1, true, 0, 0), []byte{0, 1, 2, 3}), "stream ends", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWindow(1 << 20)
			var dst raster.Image
			err := w.Decode(done, tc.src, &dst)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "glz: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want glz: ...%s...", err, tc.want)
			}
			if errors.Is(err, raster.ErrTooLarge) != tc.tooBig {
				t.Errorf("errors.Is(%v, raster.ErrTooLarge) = %v", err, !tc.tooBig)
			}
		})
	}
}

// TestDecodeReusesBuffers checks 0 allocations for a warm window: the
// sequence is replayed after Reset, whose buffers are reused.
func TestDecodeReusesBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var srcs [][]byte
	var prev *picture
	for id := uint64(0); id < 6; id++ {
		p := makePicture(rng, lz.TypeRGBA, 40, 30, id%2 == 0, id, uint32(min(id, 1)), prev)
		if prev != nil {
			srcs = append(srcs, p.encode(prev))
		} else {
			srcs = append(srcs, p.encode())
		}
		prev = p
	}
	w := NewWindow(1 << 16)
	var dst raster.Image
	run := func() {
		w.Reset()
		for _, s := range srcs {
			if err := w.Decode(done, s, &dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	run()
	if a := testing.AllocsPerRun(20, run); a != 0 {
		t.Errorf("%v allocs per warm sequence", a)
	}
}
