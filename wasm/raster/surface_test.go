package raster_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/raster"
)

var allFormats = []raster.Format{raster.FormatXRGB32, raster.FormatARGB32, raster.FormatRGB16_565,
	raster.FormatRGB16_555, raster.FormatA8, raster.FormatA1}

func TestNewSurface(t *testing.T) {
	zero := map[raster.Format]uint32{
		raster.FormatXRGB32: 0xff000000, raster.FormatARGB32: 0, raster.FormatRGB16_565: 0xff000000,
		raster.FormatRGB16_555: 0xff000000, raster.FormatA8: 0, raster.FormatA1: 0,
	}
	for _, f := range allFormats {
		t.Run(f.String(), func(t *testing.T) {
			s := newSurface(t, 5, 3, f)
			if s.W != 5 || s.H != 3 || s.Format != f {
				t.Fatalf("got %dx%d %v", s.W, s.H, s.Format)
			}
			checkWords(t, &s.Image, func(x, y int) uint32 { return zero[f] })
			s.Whiteness(raster.Area{Box: s.Bounds()})
			s.Damage.Reset()
			s.Clear()
			checkWords(t, &s.Image, func(x, y int) uint32 { return zero[f] })
			if got := s.Damage.Bounds(); got != s.Bounds() {
				t.Errorf("Clear damage %v", got)
			}
		})
	}
	if _, err := raster.NewSurface(4, 4, raster.Format(33)); err == nil {
		t.Error("format 33 accepted")
	}
	if _, err := raster.NewSurface(1<<15, 1<<15, raster.FormatXRGB32); !errors.Is(err, raster.ErrTooLarge) {
		t.Errorf("huge surface: %v", err)
	}
	if _, err := raster.NewSurface(-1, 4, raster.FormatXRGB32); !errors.Is(err, raster.ErrTooLarge) {
		t.Errorf("negative surface: %v", err)
	}
}

func TestFormatPixel(t *testing.T) {
	tests := []struct {
		f    raster.Format
		c    uint32
		want uint32
	}{
		{raster.FormatXRGB32, 0x00123456, rgba(0x12, 0x34, 0x56, 0xff)},
		{raster.FormatXRGB32, 0x80123456, rgba(0x12, 0x34, 0x56, 0xff)},
		{raster.FormatARGB32, 0x80402010, rgba(0x40, 0x20, 0x10, 0x80)},
		{raster.FormatARGB32, 0x00ffffff, rgba(0xff, 0xff, 0xff, 0)}, // kept as sent, even if not premultiplied
		{raster.FormatRGB16_565, 0xf800, rgba(0xff, 0, 0, 0xff)},
		{raster.FormatRGB16_565, 0x07e0, rgba(0, 0xff, 0, 0xff)},
		{raster.FormatRGB16_565, 0x001f, rgba(0, 0, 0xff, 0xff)},
		{raster.FormatRGB16_565, 0xffff8410, rgba(0x84, 0x82, 0x84, 0xff)}, // high bits ignored
		{raster.FormatRGB16_555, 0x7c00, rgba(0xff, 0, 0, 0xff)},
		{raster.FormatRGB16_555, 0x4210, rgba(0x84, 0x84, 0x84, 0xff)},
		{raster.FormatRGB16_555, 0x8000, rgba(0, 0, 0, 0xff)},
		{raster.FormatA8, 0x1234, rgba(0, 0, 0, 0x34)},
		{raster.FormatA1, 3, rgba(0, 0, 0, 0xff)},
		{raster.FormatA1, 2, 0},
	}
	for _, tt := range tests {
		if got := tt.f.Pixel(tt.c); got != tt.want {
			t.Errorf("%v.Pixel(%#x) = %08x, want %08x", tt.f, tt.c, got, tt.want)
		}
	}
}

// pixman's conversions, written from its documented formulas: storing
// a8r8g8b8 s into r5g6b5 / x1r5g5b5 truncates, fetching expands by
// replicating the top bits; a1 keeps the top bit of alpha.
func pixmanStoreFetch(f raster.Format, w uint32) uint32 {
	r, g, b, a := w&0xff, w>>8&0xff, w>>16&0xff, w>>24
	s := a<<24 | r<<16 | g<<8 | b // pixman's a8r8g8b8
	var out uint32                // a8r8g8b8 after fetch
	switch f {
	case raster.FormatXRGB32:
		out = s | 0xff000000
	case raster.FormatARGB32:
		out = s
	case raster.FormatRGB16_565:
		p := s>>3&0x001f | s>>5&0x07e0 | s>>8&0xf800
		out = 0xff000000 | (p<<3&0xf8 | p>>2&0x7) | (p<<5&0xfc00 | p>>1&0x300) | (p<<8&0xf80000 | p<<3&0x70000)
	case raster.FormatRGB16_555:
		p := s>>3&0x001f | s>>6&0x03e0 | s>>9&0x7c00
		out = 0xff000000 | (p<<3&0xf8 | p>>2&0x7) | (p<<6&0xf800 | p<<1&0x700) | (p<<9&0xf80000 | p<<4&0x70000)
	case raster.FormatA8:
		out = a << 24
	case raster.FormatA1:
		out = (a >> 7) * 0xff000000
	}
	return out&0xff00ff00 | out>>16&0xff | out&0xff<<16
}

// TestStoreRules checks that whatever a draw computes is stored as pixman
// stores and fetches it, by copying random pixels into each format.
func TestStoreRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := newImage(t, 61, 7, func(x, y int) uint32 { return rng.Uint32() })
	for _, f := range allFormats {
		t.Run(f.String(), func(t *testing.T) {
			s := newSurface(t, 61, 7, f)
			s.Copy(raster.Area{Box: s.Bounds()}, src, src.Bounds(), raster.RopCopy, raster.ScaleNearest)
			checkWords(t, &s.Image, func(x, y int) uint32 { return pixmanStoreFetch(f, px(src, x, y)) })
		})
	}
}
