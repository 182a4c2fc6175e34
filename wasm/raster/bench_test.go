package raster_test

import (
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/raster"
)

const benchW, benchH = 1920, 1080

func benchImage(b *testing.B, w, h int) *raster.Image {
	rng := rand.New(rand.NewPCG(17, 18))
	return newImage(b, w, h, func(x, y int) uint32 { return rng.Uint32() | 0xff000000 })
}

// benchDraw runs draw on a 1920x1080 surface; bytes/op is the surface size.
func benchDraw(b *testing.B, f raster.Format, draw func(s *raster.Surface)) {
	s := newSurface(b, benchW, benchH, f)
	draw(s) // grow the scratch buffers
	b.SetBytes(benchW * benchH * 4)
	b.ReportAllocs()
	for b.Loop() {
		draw(s)
		s.Damage.Reset()
	}
}

func BenchmarkFill(b *testing.B) {
	full := raster.Area{Box: raster.R(0, 0, benchW, benchH)}
	tile := newImage(b, 8, 8, func(x, y int) uint32 { return uint32(x*y) | 0xff000000 })
	b.Run("copy-xrgb", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.Fill(full, raster.Brush{Color: 0x336699}, raster.RopCopy) })
	})
	b.Run("copy-565", func(b *testing.B) {
		benchDraw(b, raster.FormatRGB16_565, func(s *raster.Surface) { s.Fill(full, raster.Brush{Color: 0x3366}, raster.RopCopy) })
	})
	b.Run("xor-xrgb", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.Fill(full, raster.Brush{Color: 0x336699}, raster.RopXor) })
	})
	b.Run("pattern-xrgb", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) {
			s.Fill(full, raster.Brush{Pattern: tile, Pos: raster.Point{X: 3, Y: 5}}, raster.RopCopy)
		})
	})
	clip := make([]raster.Rect, 0, 64)
	for i := range 64 { // a 8x8 grid of windows, banded like a server's region
		x, y := i%8*240, i/8*135
		clip = append(clip, raster.R(x+10, y+10, x+230, y+125))
	}
	b.Run("copy-64-clip-rects", func(b *testing.B) {
		a := raster.Area{Box: full.Box, Clip: clip}
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.Fill(a, raster.Brush{Color: 0x336699}, raster.RopCopy) })
	})
}

func BenchmarkCopy(b *testing.B) {
	src := benchImage(b, benchW, benchH)
	full := raster.Area{Box: raster.R(0, 0, benchW, benchH)}
	sr := src.Bounds()
	for _, f := range []raster.Format{raster.FormatXRGB32, raster.FormatARGB32, raster.FormatRGB16_565} {
		b.Run(f.String(), func(b *testing.B) {
			benchDraw(b, f, func(s *raster.Surface) { s.Copy(full, src, sr, raster.RopCopy, raster.ScaleNearest) })
		})
	}
	b.Run("and-xrgb", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.Copy(full, src, sr, raster.RopAnd, raster.ScaleNearest) })
	})
	half := benchImage(b, benchW/2, benchH/2)
	b.Run("scale2x-nearest", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) {
			s.Copy(full, half, half.Bounds(), raster.RopCopy, raster.ScaleNearest)
		})
	})
	b.Run("scale2x-bilinear", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) {
			s.Copy(full, half, half.Bounds(), raster.RopCopy, raster.ScaleInterpolate)
		})
	})
}

func BenchmarkAlphaBlend(b *testing.B) {
	rng := rand.New(rand.NewPCG(19, 20))
	src := newImage(b, benchW, benchH, func(x, y int) uint32 {
		a := rng.Uint32() >> 24
		return a<<24 | a<<16 | a/2<<8 | a/3
	})
	full := raster.Area{Box: raster.R(0, 0, benchW, benchH)}
	b.Run("alpha255", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.AlphaBlend(full, src, src.Bounds(), 255) })
	})
	b.Run("alpha128", func(b *testing.B) {
		benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.AlphaBlend(full, src, src.Bounds(), 128) })
	})
}

func BenchmarkCopyBits(b *testing.B) {
	full := raster.Area{Box: raster.R(0, 0, benchW, benchH-10)}
	benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.CopyBits(full, raster.Point{X: 0, Y: 10}) })
}

func BenchmarkRop3(b *testing.B) {
	src := benchImage(b, benchW, benchH)
	full := raster.Area{Box: raster.R(0, 0, benchW, benchH)}
	benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) {
		s.Rop3(full, src, src.Bounds(), raster.Brush{Color: 0x123456}, 0xca, raster.ScaleNearest)
	})
}

func BenchmarkTransparent(b *testing.B) {
	src := benchImage(b, benchW, benchH)
	full := raster.Area{Box: raster.R(0, 0, benchW, benchH)}
	benchDraw(b, raster.FormatXRGB32, func(s *raster.Surface) { s.Transparent(full, src, src.Bounds(), 0x123456) })
}
