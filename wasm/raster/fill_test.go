package raster_test

import (
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/raster"
)

func inRect(r raster.Rect, x, y int) bool { return x >= r.X0 && x < r.X1 && y >= r.Y0 && y < r.Y1 }

func TestFillSolid(t *testing.T) {
	tests := []struct {
		f     raster.Format
		color uint32
	}{
		{raster.FormatXRGB32, 0x00123456},
		{raster.FormatARGB32, 0x80402010},
		{raster.FormatRGB16_565, 0x8410},
		{raster.FormatRGB16_555, 0x7fff},
		{raster.FormatA8, 0x7f},
		{raster.FormatA1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.f.String(), func(t *testing.T) {
			for _, w := range []int{1, 2, 3, 7, 17} { // span widths around the doubling fill
				s := newSurface(t, 20, 6, tt.f)
				before := clone(&s.Image)
				box := raster.R(2, 1, 2+w, 5)
				s.Fill(raster.Area{Box: box}, raster.Brush{Color: tt.color}, raster.RopCopy)
				want := tt.f.Pixel(tt.color)
				checkWords(t, &s.Image, func(x, y int) uint32 {
					if inRect(box, x, y) {
						return want
					}
					return px(before, x, y)
				})
				if got := s.Damage.Bounds(); got != box {
					t.Errorf("damage %v, want %v", got, box)
				}
			}
		})
	}
}

// TestFillRopOverlappingClip: each pixel is drawn once even where clip
// rects overlap, which XOR makes visible.
func TestFillRopOverlappingClip(t *testing.T) {
	s := newSurface(t, 16, 12, raster.FormatXRGB32)
	fillWords(&s.Image, func(x, y int) uint32 { return rgba(byte(x*16), byte(y*20), 0x55, 0xff) })
	before := clone(&s.Image)
	clip := []raster.Rect{raster.R(1, 1, 10, 8), raster.R(4, 3, 14, 11), raster.R(4, 3, 14, 11), raster.R(0, 0, 2, 2)}
	s.Fill(raster.Area{Box: raster.R(0, 0, 12, 12), Clip: clip}, raster.Brush{Color: 0x00ffffff}, raster.RopXor)
	checkWords(t, &s.Image, func(x, y int) uint32 {
		in := false
		for _, r := range clip {
			in = in || inRect(r, x, y)
		}
		if in && x < 12 {
			return px(before, x, y) ^ 0x00ffffff
		}
		return px(before, x, y)
	})
}

// TestFillRop16 checks the claim behind storing 16-bit surfaces expanded:
// a ROP on expanded values, then quantised, equals the ROP on the 16-bit
// values that spice-common's 16-bit canvas computes.
func TestFillRop16(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, f := range []raster.Format{raster.FormatRGB16_565, raster.FormatRGB16_555} {
		for rop := raster.RopClear; rop <= raster.RopSet; rop++ {
			s := newSurface(t, 9, 4, f)
			d16 := make([]uint32, 9*4)
			for i := range d16 {
				d16[i] = rng.Uint32() & 0xffff
				setPx(&s.Image, i%9, i/9, f.Pixel(d16[i]))
			}
			c := rng.Uint32() & 0xffff
			s.Fill(raster.Area{Box: s.Bounds()}, raster.Brush{Color: c}, rop)
			checkWords(t, &s.Image, func(x, y int) uint32 {
				return f.Pixel(rop16(rop, c, d16[y*9+x]))
			})
		}
	}
}

func rop16(r raster.ROP, s, d uint32) uint32 {
	var out uint32
	for bit := uint32(0); bit < 16; bit++ {
		sb, db := s>>bit&1, d>>bit&1
		if uint32(r)>>(3-(2*sb+db))&1 == 1 {
			out |= 1 << bit
		}
	}
	return out
}

func TestFillSpecials(t *testing.T) {
	s := newSurface(t, 6, 4, raster.FormatARGB32)
	fillWords(&s.Image, func(x, y int) uint32 { return 0x80402010 })
	box := raster.R(1, 1, 5, 3)
	s.Blackness(raster.Area{Box: box})
	if got := px(&s.Image, 1, 1); got != 0 {
		t.Errorf("blackness on ARGB: %08x, want transparent black", got)
	}
	s.Whiteness(raster.Area{Box: box})
	if got := px(&s.Image, 2, 2); got != 0xffffffff {
		t.Errorf("whiteness on ARGB: %08x", got)
	}
	s.Invert(raster.Area{Box: raster.R(0, 0, 6, 4)})
	if got, got2 := px(&s.Image, 2, 2), px(&s.Image, 0, 0); got != 0 || got2 != ^uint32(0x80402010) {
		t.Errorf("invert on ARGB: %08x %08x", got, got2)
	}

	x := newSurface(t, 6, 4, raster.FormatXRGB32)
	x.Invert(raster.Area{Box: x.Bounds()})
	if got := px(&x.Image, 3, 3); got != 0xffffffff {
		t.Errorf("invert on xRGB black: %08x, want white with A=255", got)
	}
	x.Blackness(raster.Area{Box: x.Bounds()})
	if got := px(&x.Image, 3, 3); got != 0xff000000 {
		t.Errorf("blackness on xRGB: %08x", got)
	}
}

func TestFillNothing(t *testing.T) {
	s := newSurface(t, 6, 4, raster.FormatXRGB32)
	before := clone(&s.Image)
	s.Fill(raster.Area{Box: s.Bounds()}, raster.Brush{Color: 0xffffff}, raster.RopNoop)
	s.Fill(raster.Area{Box: s.Bounds(), Clip: []raster.Rect{}}, raster.Brush{Color: 0xffffff}, raster.RopCopy)
	s.Fill(raster.Area{Box: raster.R(4, 4, 2, 2)}, raster.Brush{Color: 0xffffff}, raster.RopCopy)
	s.Fill(raster.Area{Box: s.Bounds()}, raster.Brush{Pattern: &raster.Image{}}, raster.RopCopy)
	s.Fill(raster.Area{Box: s.Bounds()}, raster.Brush{Pattern: &raster.Image{W: 4, H: 4, Stride: 16}}, raster.RopCopy)
	if string(s.Pix) != string(before.Pix) || !s.Damage.Empty() {
		t.Errorf("a no-op fill drew or damaged")
	}
}

func TestFillPattern(t *testing.T) {
	tile := newImage(t, 3, 2, func(x, y int) uint32 { return rgba(byte(1+x), byte(10+y), 0x20, 0x80) })
	pos := raster.Point{X: -1, Y: 5}
	mod := func(a, m int) int { return ((a % m) + m) % m }
	for _, rop := range []raster.ROP{raster.RopCopy, raster.RopXor} {
		s := newSurface(t, 11, 7, raster.FormatXRGB32)
		fillWords(&s.Image, func(x, y int) uint32 { return rgba(byte(x), byte(y), 0xf0, 0xff) })
		before := clone(&s.Image)
		box := raster.R(1, 1, 10, 6)
		s.Fill(raster.Area{Box: box}, raster.Brush{Pattern: tile, Pos: pos}, rop)
		checkWords(t, &s.Image, func(x, y int) uint32 {
			if !inRect(box, x, y) {
				return px(before, x, y)
			}
			p := px(tile, mod(x-pos.X, 3), mod(y-pos.Y, 2))
			if rop == raster.RopXor {
				p ^= px(before, x, y)
			}
			return p | 0xff000000
		})
	}
}
