package raster_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/raster"
)

// The draw operations only Windows guests and composite-capable X
// drivers send, at the sizes they come in. Each group has a baseline of
// an older operation on the same pixels, to read the new path as a
// ratio from one run.

// benchOp runs draw on a 1024x768 surface; bytes/op is the pixels the
// draw covers.
func benchOp(b *testing.B, covered int, draw func(s *raster.Surface) error) {
	s := newSurface(b, 1024, 768, raster.FormatXRGB32)
	if err := draw(s); err != nil { // grow the scratch buffers
		b.Fatal(err)
	}
	b.SetBytes(int64(covered * 4))
	b.ReportAllocs()
	for b.Loop() {
		if err := draw(s); err != nil {
			b.Fatal(err)
		}
		s.Damage.Reset()
	}
}

func premulImage(b *testing.B, w, h int) *raster.Image {
	rng := rand.New(rand.NewPCG(3, 4))
	return newImage(b, w, h, func(x, y int) uint32 {
		v := rng.Uint32()
		a := v >> 24
		return a<<24 | (v>>16&255)*a/255<<16 | (v>>8&255)*a/255<<8 | (v&255)*a/255
	})
}

func BenchmarkComposite(b *testing.B) {
	src := premulImage(b, 256, 256)
	mask := newImage(b, 256, 256, func(x, y int) uint32 { return uint32(x^y) << 24 })
	box := raster.Area{Box: raster.R(100, 100, 356, 356)}
	const n = 256 * 256
	b.Run("baseline-alpha-blend-256", func(b *testing.B) {
		benchOp(b, n, func(s *raster.Surface) error { s.AlphaBlend(box, src, src.Bounds(), 255); return nil })
	})
	b.Run("over-256", func(b *testing.B) {
		c := raster.Composite{Op: raster.OpOver, Src: raster.Picture{Image: src, Format: raster.FormatARGB32}}
		benchOp(b, n, func(s *raster.Surface) error { return s.Composite(box, &c) })
	})
	b.Run("over-256-a8-mask", func(b *testing.B) {
		c := raster.Composite{Op: raster.OpOver, Src: raster.Picture{Image: src, Format: raster.FormatARGB32},
			Mask: &raster.Picture{Image: mask, Format: raster.FormatA8}}
		benchOp(b, n, func(s *raster.Surface) error { return s.Composite(box, &c) })
	})
	rot := raster.Transform{int32(math.Cos(0.3) * 65536), int32(-math.Sin(0.3) * 65536), 40 << 16,
		int32(math.Sin(0.3) * 65536), int32(math.Cos(0.3) * 65536), -30 << 16}
	b.Run("over-256-rotate-bilinear", func(b *testing.B) {
		c := raster.Composite{Op: raster.OpOver, Src: raster.Picture{Image: src, Format: raster.FormatARGB32, Transform: &rot, Filter: raster.FilterBilinear}}
		benchOp(b, n, func(s *raster.Surface) error { return s.Composite(box, &c) })
	})
	half := raster.Transform{32768, 0, 0, 0, 32768, 0}
	b.Run("src-256-zoom2x-nearest", func(b *testing.B) {
		c := raster.Composite{Op: raster.OpSrc, Src: raster.Picture{Image: src, Format: raster.FormatARGB32, Transform: &half, Filter: raster.FilterNearest}}
		benchOp(b, n, func(s *raster.Surface) error { return s.Composite(box, &c) })
	})
}

// textLine is a line of 80 8x16 glyphs, as a terminal's row of GDI text.
func textLine(bpp int) []raster.Glyph {
	rng := rand.New(rand.NewPCG(5, 6))
	gs := make([]raster.Glyph, 80)
	for i := range gs {
		g := raster.Glyph{X: 10 + 8*i, Y: 200, W: 8, H: 16}
		g.Data = make([]byte, (8*bpp+7)/8*16)
		for j := range g.Data {
			g.Data[j] = byte(rng.Uint32())
		}
		gs[i] = g
	}
	return gs
}

func BenchmarkText(b *testing.B) {
	box := raster.Area{Box: raster.R(10, 200, 650, 216)}
	const n = 640 * 16
	b.Run("baseline-fill-line-box", func(b *testing.B) {
		benchOp(b, n, func(s *raster.Surface) error { s.Fill(box, raster.Brush{Color: 0xffffff}, raster.RopCopy); return nil })
	})
	// the same pixels blended OVER from an image: per-pixel work like
	// the glyphs' coverage
	line := premulImage(b, 640, 16)
	b.Run("baseline-alpha-blend-line-box", func(b *testing.B) {
		benchOp(b, n, func(s *raster.Surface) error { s.AlphaBlend(box, line, line.Bounds(), 255); return nil })
	})
	for _, bpp := range []int{1, 4, 8} {
		t := raster.Text{BPP: bpp, Glyphs: textLine(bpp), BackArea: box.Box, Back: raster.Brush{Color: 0xffffff},
			Fore: raster.Brush{Color: 0x000000}, ForePut: true}
		b.Run("line-80-glyphs-"+map[int]string{1: "a1", 4: "a4", 8: "a8"}[bpp], func(b *testing.B) {
			benchOp(b, n, func(s *raster.Surface) error { return s.DrawText(box, &t) })
		})
	}
}

func BenchmarkStroke(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	seg := raster.PathSegment{Begin: true, End: true}
	for range 101 {
		seg.Points = append(seg.Points, raster.PathPoint{X: int32(rng.IntN(1024 << 4)), Y: int32(rng.IntN(768 << 4))})
	}
	full := raster.Area{Box: raster.R(0, 0, 1024, 768)}
	// about 100 segments of ~400 pixels each
	const n = 100 * 400
	b.Run("polyline-100-copy", func(b *testing.B) {
		st := raster.Stroke{Path: []raster.PathSegment{seg}, Brush: raster.Brush{Color: 0xff0000}, Rop: raster.RopCopy}
		benchOp(b, n, func(s *raster.Surface) error { return s.DrawStroke(full, &st) })
	})
	b.Run("polyline-100-xor", func(b *testing.B) {
		st := raster.Stroke{Path: []raster.PathSegment{seg}, Brush: raster.Brush{Color: 0xff0000}, Rop: raster.RopXor}
		benchOp(b, n, func(s *raster.Surface) error { return s.DrawStroke(full, &st) })
	})
	b.Run("polyline-100-dashed", func(b *testing.B) {
		st := raster.Stroke{Path: []raster.PathSegment{seg}, Brush: raster.Brush{Color: 0xff0000}, Rop: raster.RopCopy,
			Style: []int32{6 << 4, 3 << 4}}
		benchOp(b, n, func(s *raster.Surface) error { return s.DrawStroke(full, &st) })
	})
}
