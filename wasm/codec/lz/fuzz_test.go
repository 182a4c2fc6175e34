package lz

import (
	"testing"

	"spiceweb/wasm/raster"
)

// FuzzDecode checks that no input panics, that an error leaves no
// half-promised image behind in the API's terms (dst keeps the header's
// size either way), and that DecodeAlpha survives the same inputs.
func FuzzDecode(f *testing.F) {
	for _, fx := range fixtures(f) {
		f.Add(fx.src, len(fx.palette) > 0)
	}
	for _, tc := range handTests {
		f.Add(tc.src, len(tc.palette) > 0)
	}
	f.Fuzz(func(t *testing.T, src []byte, withPalette bool) {
		h, err := DecodeConfig(src)
		if err != nil {
			return
		}
		if h.Width*h.Height > 1<<16 {
			t.Skip("large image") // keeps iterations fast; the limit itself is tested
		}
		var pal []uint32
		if withPalette {
			pal = testPalette[:7]
		}
		var dst raster.Image
		err = Decode(src, pal, &dst)
		if dst.W != h.Width || dst.H != h.Height || len(dst.Pix) != h.Width*h.Height*4 {
			if h.Type != TypeXXXA && !(h.Type.IsPalette() && !withPalette) {
				t.Fatalf("dst %dx%d (%d bytes) for a %dx%d header (err %v)", dst.W, dst.H, len(dst.Pix), h.Width, h.Height, err)
			}
		}
		var a raster.Image
		a.Resize(h.Width, h.Height)
		_ = DecodeAlpha(src, &a)
	})
}
