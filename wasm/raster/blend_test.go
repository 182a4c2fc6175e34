package raster_test

import (
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/raster"
)

// div255 is pixman's DIV_255 rounding of a product of two bytes.
func div255(a, b uint32) uint32 {
	t := a*b + 0x80
	return (t + t>>8) >> 8
}

// overRef is pixman's OVER with a solid mask, one channel at a time.
func overRef(s, d uint32, m uint32) uint32 {
	var sp [4]uint32
	for c := 0; c < 4; c++ {
		sp[c] = div255(s>>(8*c)&0xff, m)
	}
	ia := 255 - sp[3]
	var out uint32
	for c := 0; c < 4; c++ {
		v := min(sp[c]+div255(d>>(8*c)&0xff, ia), 255)
		out |= v << (8 * c)
	}
	return out
}

func TestAlphaBlendHand(t *testing.T) {
	tests := []struct {
		s, d  uint32
		alpha uint8
		want  uint32
	}{
		{rgba(0x40, 0, 0, 0x80), rgba(0x10, 0x20, 0x30, 0xff), 255, rgba(0x48, 0x10, 0x18, 0xff)},
		{rgba(0x40, 0, 0, 0x80), rgba(0x10, 0x20, 0x30, 0xff), 0x80, rgba(0x2c, 0x18, 0x24, 0xff)},
		{rgba(1, 2, 3, 0xff), rgba(0x10, 0x20, 0x30, 0x40), 255, rgba(1, 2, 3, 0xff)},          // opaque replaces
		{0, rgba(0x10, 0x20, 0x30, 0x40), 255, rgba(0x10, 0x20, 0x30, 0x40)},                   // transparent keeps
		{rgba(0xff, 0, 0, 0), rgba(0x80, 0x80, 0x80, 0x80), 255, rgba(0xff, 0x80, 0x80, 0x80)}, // saturates
	}
	for _, tt := range tests {
		src := newImage(t, 1, 1, func(x, y int) uint32 { return tt.s })
		s := newSurface(t, 1, 1, raster.FormatARGB32)
		setPx(&s.Image, 0, 0, tt.d)
		s.AlphaBlend(raster.Area{Box: s.Bounds()}, src, src.Bounds(), tt.alpha)
		if got := px(&s.Image, 0, 0); got != tt.want {
			t.Errorf("over(%08x, %08x, %d) = %08x, want %08x", tt.s, tt.d, tt.alpha, got, tt.want)
		}
		if ref := overRef(tt.s, tt.d, uint32(tt.alpha)); ref != tt.want {
			t.Errorf("reference over(%08x, %08x, %d) = %08x, want %08x", tt.s, tt.d, tt.alpha, ref, tt.want)
		}
	}
}

func TestAlphaBlendRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const w, h = 64, 64
	src := newImage(t, w, h, func(x, y int) uint32 {
		v := rng.Uint32()
		a := v >> 24
		return a<<24 | (v>>16&255)%(a+1)<<16 | (v>>8&255)%(a+1)<<8 | (v&255)%(a+1)
	})
	for _, alpha := range []uint8{1, 77, 128, 254, 255} {
		s := newSurface(t, w, h, raster.FormatARGB32)
		fillWords(&s.Image, func(x, y int) uint32 { return rng.Uint32() })
		before := clone(&s.Image)
		s.AlphaBlend(raster.Area{Box: s.Bounds()}, src, src.Bounds(), alpha)
		checkWords(t, &s.Image, func(x, y int) uint32 { return overRef(px(src, x, y), px(before, x, y), uint32(alpha)) })
	}
}

func TestAlphaBlendEdges(t *testing.T) {
	src := newImage(t, 3, 3, func(x, y int) uint32 { return rgba(0x80, 0, 0, 0x80) })
	s := newSurface(t, 6, 6, raster.FormatXRGB32)
	fillWords(&s.Image, func(x, y int) uint32 { return rgba(0, 0, 0x80, 0xff) })
	before := clone(&s.Image)
	s.AlphaBlend(raster.Area{Box: s.Bounds()}, src, src.Bounds(), 0)
	if string(s.Pix) != string(before.Pix) || !s.Damage.Empty() {
		t.Error("alpha 0 drew")
	}
	// a source rect beyond the image: pixels without a source stay
	s.AlphaBlend(raster.Area{Box: raster.R(0, 0, 6, 6)}, src, raster.R(-1, -1, 5, 5), 255)
	checkWords(t, &s.Image, func(x, y int) uint32 {
		if x >= 1 && x < 4 && y >= 1 && y < 4 {
			return rgba(0x80, 0, 0x40, 0xff)
		}
		return px(before, x, y)
	})
}

func TestTransparent(t *testing.T) {
	src := newImage(t, 3, 1, func(x, y int) uint32 {
		return []uint32{rgba(0x12, 0x34, 0x56, 0x00), rgba(0x10, 0x34, 0x50, 0xff), rgba(0, 0, 0, 0xff)}[x]
	})
	tests := []struct {
		f    raster.Format
		kept []bool // which source pixels are drawn
	}{
		{raster.FormatXRGB32, []bool{false, true, true}},
		{raster.FormatARGB32, []bool{false, true, true}},
		{raster.FormatRGB16_565, []bool{false, false, true}}, // 0x103450 and 0x123456 are one 565 colour
		{raster.FormatA8, []bool{false, true, true}},         // keyed on alpha 0
	}
	for _, tt := range tests {
		t.Run(tt.f.String(), func(t *testing.T) {
			s := newSurface(t, 3, 1, tt.f)
			fillWords(&s.Image, func(x, y int) uint32 { return tt.f.Pixel(0xffffffff) })
			before := clone(&s.Image)
			s.Transparent(raster.Area{Box: s.Bounds()}, src, src.Bounds(), 0x123456)
			checkWords(t, &s.Image, func(x, y int) uint32 {
				if tt.kept[x] {
					return pixmanStoreFetch(tt.f, px(src, x, y))
				}
				return px(before, x, y)
			})
		})
	}
}

func TestRop3(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	src := newImage(t, 12, 9, func(x, y int) uint32 { return rng.Uint32() })
	pat := newImage(t, 3, 2, func(x, y int) uint32 { return rng.Uint32() })
	mod := func(a, m int) int { return ((a % m) + m) % m }
	s := newSurface(t, 10, 8, raster.FormatARGB32)
	fillWords(&s.Image, func(x, y int) uint32 { return rng.Uint32() })
	before := clone(&s.Image)
	box, sr := raster.R(1, 2, 9, 7), raster.R(3, 1, 11, 6)
	pos := raster.Point{X: 5, Y: -3}
	// 0xCA (DPSDxax) is "P ? S : D"
	s.Rop3(raster.Area{Box: box}, src, sr, raster.Brush{Pattern: pat, Pos: pos}, 0xca, raster.ScaleNearest)
	checkWords(t, &s.Image, func(x, y int) uint32 {
		d := px(before, x, y)
		if !inRect(box, x, y) {
			return d
		}
		sv := px(src, x-box.X0+sr.X0, y-box.Y0+sr.Y0)
		p := px(pat, mod(x-pos.X, 3), mod(y-pos.Y, 2))
		return p&sv | ^p&d
	})

	// a solid brush: 0x5A is P xor D
	s2 := newSurface(t, 10, 8, raster.FormatXRGB32)
	s2.Rop3(raster.Area{Box: box}, src, sr, raster.Brush{Color: 0x00ff00ff}, 0x5a, raster.ScaleNearest)
	checkWords(t, &s2.Image, func(x, y int) uint32 {
		if !inRect(box, x, y) {
			return 0xff000000
		}
		return rgba(0xff, 0, 0xff, 0xff)
	})

	// the same-size source must fit the image, or nothing is drawn
	s3 := newSurface(t, 10, 8, raster.FormatXRGB32)
	s3.Rop3(raster.Area{Box: box}, src, sr.Add(raster.Point{X: 2}), raster.Brush{}, 0xff, raster.ScaleNearest)
	s3.Rop3(raster.Area{Box: box}, src, sr.Add(raster.Point{X: -4}), raster.Brush{}, 0xff, raster.ScaleNearest)
	s3.Rop3(raster.Area{Box: box}, src, sr, raster.Brush{Pattern: &raster.Image{}}, 0xff, raster.ScaleNearest)
	if !s3.Damage.Empty() || px(&s3.Image, 4, 4) != 0xff000000 {
		t.Error("rop3 with a bad source or pattern drew")
	}
}

func TestDamage(t *testing.T) {
	var d raster.Damage
	if !d.Empty() || !d.Bounds().Empty() {
		t.Fatal("zero Damage not empty")
	}
	d.Add(raster.R(5, 5, 4, 9)) // empty: ignored
	d.Add(raster.R(0, 0, 10, 10))
	d.Add(raster.R(2, 2, 5, 5)) // inside: dropped
	if got := d.Rects(); len(got) != 1 {
		t.Fatalf("rects %v", got)
	}
	d.Add(raster.R(100, 0, 110, 10))
	d.Add(raster.R(0, 100, 10, 110))
	d.Add(raster.R(100, 100, 110, 110))
	if got := len(d.Rects()); got != 4 {
		t.Fatalf("%d rects, want 4", got)
	}
	d.Add(raster.R(100, 20, 110, 30)) // merges with the nearest, (100,0)-(110,10)
	want := []raster.Rect{raster.R(0, 0, 10, 10), raster.R(100, 0, 110, 30), raster.R(0, 100, 10, 110), raster.R(100, 100, 110, 110)}
	for i, r := range d.Rects() {
		if r != want[i] {
			t.Errorf("rect %d = %v, want %v", i, r, want[i])
		}
	}
	d.Add(raster.R(-5, -5, 200, 200)) // covers all
	if got := d.Rects(); len(got) != 1 || got[0] != raster.R(-5, -5, 200, 200) {
		t.Errorf("covering rect: %v", got)
	}
	if got := d.AppendRectangles(nil); len(got) != 1 || got[0].Dx() != 205 {
		t.Errorf("AppendRectangles: %v", got)
	}
	d.Reset()
	if !d.Empty() {
		t.Error("Reset left damage")
	}
}
