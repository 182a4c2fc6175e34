package jpeg

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/raster"
)

// putRGB with the chroma terms gives color.YCbCrToRGB's result for every
// input.
func TestPutRGBMatchesColor(t *testing.T) {
	p := make([]byte, 4)
	for cb := range 256 {
		for cr := range 256 {
			cb1, cr1 := int32(cb)-128, int32(cr)-128
			rc, gc, bc := 91881*cr1, -22554*cb1-46802*cr1, 116130*cb1
			for y := range 256 {
				putRGB(p, uint8(y), rc, gc, bc)
				r, g, b := color.YCbCrToRGB(uint8(y), uint8(cb), uint8(cr))
				if p[0] != r || p[1] != g || p[2] != b || p[3] != 0xff {
					t.Fatalf("YCbCr %d,%d,%d: got %v, want %d,%d,%d,255", y, cb, cr, p, r, g, b)
				}
			}
		}
	}
}

// FromYCbCr equals the per-pixel conversion through the image's own
// YOffset and COffset, for every subsampling, odd sizes and odd origins.
func TestFromYCbCr(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	for _, ratio := range ratios {
		for _, r := range []image.Rectangle{image.Rect(0, 0, 16, 8), image.Rect(0, 0, 17, 9), image.Rect(3, 5, 20, 14), image.Rect(2, 1, 3, 2)} {
			src := image.NewYCbCr(r, ratio)
			for _, pl := range [][]byte{src.Y, src.Cb, src.Cr} {
				for i := range pl {
					pl[i] = uint8(rng.IntN(256))
				}
			}
			dst := &raster.Image{}
			if err := dst.Resize(r.Dx(), r.Dy()); err != nil {
				t.Fatal(err)
			}
			FromYCbCr(src, dst)
			for y := range dst.H {
				for x := range dst.W {
					c := src.YCbCrAt(r.Min.X+x, r.Min.Y+y)
					wr, wg, wb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
					p := dst.Row(y)[4*x : 4*x+4]
					if p[0] != wr || p[1] != wg || p[2] != wb || p[3] != 0xff {
						t.Fatalf("%v %v: pixel %d,%d is %v, want %d,%d,%d,255", ratio, r, x, y, p, wr, wg, wb)
					}
				}
			}
		}
	}
}
