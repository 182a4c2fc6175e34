package raster_test

import (
	"testing"

	"spiceweb/wasm/raster"
)

func gradient(x, y int) uint32 { return rgba(byte(10*x+1), byte(20*y+2), byte(x^y), 0x80) }

func TestCopySameSize(t *testing.T) {
	src := newImage(t, 5, 4, gradient)
	tests := []struct {
		name string
		f    raster.Format
		box  raster.Rect
		sr   raster.Rect
		rop  raster.ROP
		want func(d, s uint32) uint32 // d: before, s: source pixel
	}{
		{"xrgb forces alpha", raster.FormatXRGB32, raster.R(2, 1, 7, 5), raster.R(0, 0, 5, 4), raster.RopCopy,
			func(d, s uint32) uint32 { return s | 0xff000000 }},
		{"argb keeps bytes", raster.FormatARGB32, raster.R(2, 1, 7, 5), raster.R(0, 0, 5, 4), raster.RopCopy,
			func(d, s uint32) uint32 { return s }},
		{"source clipped to image", raster.FormatARGB32, raster.R(0, 0, 8, 6), raster.R(-2, -1, 6, 5), raster.RopCopy,
			func(d, s uint32) uint32 { return s }},
		{"rop and", raster.FormatARGB32, raster.R(1, 1, 4, 4), raster.R(1, 0, 4, 3), raster.RopAnd,
			func(d, s uint32) uint32 { return s & d }},
		{"rop copy inverted xrgb", raster.FormatXRGB32, raster.R(1, 1, 4, 4), raster.R(1, 0, 4, 3), raster.RopCopyInverted,
			func(d, s uint32) uint32 { return ^s | 0xff000000 }},
		{"565 quantises", raster.FormatRGB16_565, raster.R(0, 0, 5, 4), raster.R(0, 0, 5, 4), raster.RopCopy,
			func(d, s uint32) uint32 { return pixmanStoreFetch(raster.FormatRGB16_565, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSurface(t, 9, 7, tt.f)
			fillWords(&s.Image, func(x, y int) uint32 { return tt.f.Pixel(uint32(0x10203040 + x*7 + y*1000)) })
			before := clone(&s.Image)
			s.Copy(raster.Area{Box: tt.box}, src, tt.sr, tt.rop, raster.ScaleNearest)
			checkWords(t, &s.Image, func(x, y int) uint32 {
				sx, sy := x-tt.box.X0+tt.sr.X0, y-tt.box.Y0+tt.sr.Y0
				if !inRect(tt.box, x, y) || !inRect(src.Bounds(), sx, sy) {
					return px(before, x, y)
				}
				return tt.want(px(before, x, y), px(src, sx, sy))
			})
		})
	}
}

func TestCopyScaleNearest(t *testing.T) {
	src := newImage(t, 4, 4, gradient)
	s := newSurface(t, 8, 8, raster.FormatARGB32)
	// 2x: every source pixel twice
	s.Copy(raster.Area{Box: raster.R(0, 0, 8, 8)}, src, raster.R(0, 0, 4, 4), raster.RopCopy, raster.ScaleNearest)
	checkWords(t, &s.Image, func(x, y int) uint32 { return px(src, x/2, y/2) })
	// 1/2: pixman maps dest pixel i to 2i+1, exactly on a pixel edge, and
	// rounds down: source pixels 0 and 2
	s = newSurface(t, 2, 2, raster.FormatARGB32)
	s.Copy(raster.Area{Box: raster.R(0, 0, 2, 2)}, src, raster.R(0, 0, 4, 4), raster.RopCopy, raster.ScaleNearest)
	checkWords(t, &s.Image, func(x, y int) uint32 { return px(src, 2*x, 2*y) })
	// source rect beyond the image: REPEAT_NONE gives transparent black
	s = newSurface(t, 8, 4, raster.FormatARGB32)
	fillWords(&s.Image, func(x, y int) uint32 { return 0xffffffff })
	s.Copy(raster.Area{Box: raster.R(0, 0, 8, 4)}, src, raster.R(2, 0, 6, 2), raster.RopCopy, raster.ScaleNearest)
	checkWords(t, &s.Image, func(x, y int) uint32 {
		if sx := 2 + x/2; sx < 4 {
			return px(src, sx, y/2)
		}
		return 0
	})
}

func TestCopyScaleRefused(t *testing.T) {
	src := newImage(t, 4, 4, gradient)
	s := newSurface(t, 8, 8, raster.FormatXRGB32)
	before := clone(&s.Image)
	a := raster.Area{Box: raster.R(0, 0, 8, 8)}
	s.Copy(a, src, raster.R(0, 0, 4, 4), raster.RopCopy, 7)                             // unknown mode
	s.Copy(a, src, raster.R(4, 4, 0, 0), raster.RopCopy, raster.ScaleNearest)           // inverted source
	s.Copy(a, src, raster.R(0, 0, 1<<40, 1), raster.RopCopy, raster.ScaleNearest)       // absurd source
	s.Copy(a, src, raster.R(1<<20, 0, 1<<20+3, 4), raster.RopCopy, raster.ScaleNearest) // beyond 16.16
	s.Copy(a, nil, raster.R(0, 0, 8, 8), raster.RopCopy, raster.ScaleNearest)
	s.Copy(a, &raster.Image{W: 8, H: 8, Stride: 32, Pix: make([]byte, 10)}, raster.R(0, 0, 8, 8), raster.RopCopy, raster.ScaleNearest)
	if string(s.Pix) != string(before.Pix) || !s.Damage.Empty() {
		t.Error("refused copy drew or damaged")
	}
}

func TestCopyMask(t *testing.T) {
	src := newImage(t, 8, 4, gradient)
	// rows of the wire bitmap, bottom-up, 1BIT_BE (MSB is pixel 0)
	wire := []byte{
		0b1000_0001, 0xee, // row 3 (stride 2, second byte is padding)
		0b1111_0000, 0xee, // row 2
		0b0000_1111, 0xee, // row 1
		0b1010_1010, 0xee, // row 0
	}
	var bm raster.Bitmap
	if err := bm.SetBits(wire, 2, 8, 4, true, false); err != nil {
		t.Fatal(err)
	}
	bit := func(mx, my int) bool {
		row := wire[(3-my)*2]
		return row>>(7-mx)&1 == 1
	}
	for _, inv := range []bool{false, true} {
		s := newSurface(t, 10, 6, raster.FormatARGB32)
		before := clone(&s.Image)
		box := raster.R(1, 1, 9, 5)
		pos := raster.Point{X: 1, Y: 0} // mask pixel (1,0) on the box corner
		s.Copy(raster.Area{Box: box, Mask: raster.Mask{Bitmap: &bm, Pos: pos, Invert: inv}},
			src, src.Bounds(), raster.RopCopy, raster.ScaleNearest)
		checkWords(t, &s.Image, func(x, y int) uint32 {
			mx, my := x-box.X0+pos.X, y-box.Y0+pos.Y
			if !inRect(box, x, y) || mx >= 8 || bit(mx, my) == inv {
				return px(before, x, y)
			}
			return px(src, x-box.X0, y-box.Y0)
		})
	}
}

func TestBitmapSetBits(t *testing.T) {
	var bm raster.Bitmap
	if err := bm.SetBits([]byte{0x01, 0x80}, 1, 8, 2, false, true); err != nil {
		t.Fatal(err)
	}
	if bm.Bits[0] != 0x01 || bm.Bits[1] != 0x80 || bm.Stride != 1 {
		t.Errorf("LE top-down: %x", bm.Bits)
	}
	if err := bm.SetBits([]byte{0x01, 0x80}, 1, 8, 2, true, false); err != nil {
		t.Fatal(err)
	}
	if bm.Bits[0] != 0x01 || bm.Bits[1] != 0x80 {
		t.Errorf("BE bottom-up: %x, want 01 80", bm.Bits)
	}
	for _, c := range []struct {
		n, stride, w, h int
	}{{1, 1, 9, 1}, {2, 2, 8, 2}, {0, 1, 1, 1}, {4, 2, -1, 2}, {8, 1, 1 << 20, 1}} {
		if err := bm.SetBits(make([]byte, c.n), c.stride, c.w, c.h, false, true); err == nil {
			t.Errorf("SetBits(%d bytes, stride %d, %dx%d) accepted", c.n, c.stride, c.w, c.h)
		}
	}
	a1 := newImage(t, 10, 1, func(x, y int) uint32 { return uint32(x%3/2) * 0xff000000 })
	bm.SetFromAlpha(a1)
	if bm.W != 10 || bm.Bits[0] != 0b0010_0100 || bm.Bits[1] != 0b1 {
		t.Errorf("SetFromAlpha: %08b", bm.Bits)
	}
}

func TestOpaque(t *testing.T) {
	src := newImage(t, 4, 3, gradient)
	s := newSurface(t, 6, 5, raster.FormatXRGB32)
	box := raster.R(1, 1, 5, 4)
	// brush AND image (brush = src operand, copied image = dest)
	rop := raster.RopFromDescriptor(0x20, raster.RopInputBrush, raster.RopInputSrc)
	s.Opaque(raster.Area{Box: box}, src, src.Bounds(), raster.Brush{Color: 0x0000ff0f}, rop, raster.ScaleNearest)
	brush := raster.FormatXRGB32.Pixel(0x0000ff0f)
	checkWords(t, &s.Image, func(x, y int) uint32 {
		if !inRect(box, x, y) {
			return 0xff000000
		}
		return px(src, x-1, y-1)&brush | 0xff000000
	})
	before := clone(&s.Image)
	s.Damage.Reset()
	s.Opaque(raster.Area{Box: box}, src, src.Bounds(), raster.Brush{}, raster.RopNoop, raster.ScaleNearest)
	if string(s.Pix) != string(before.Pix) || !s.Damage.Empty() {
		t.Error("NOOP opaque drew")
	}
}
