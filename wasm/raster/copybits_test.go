package raster_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/raster"
)

// TestCopyBits scrolls in every direction, with overlapping and
// fragmented clips, against a copy through a snapshot.
func TestCopyBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	clips := [][]raster.Rect{
		nil,
		{raster.R(0, 0, 7, 5), raster.R(3, 2, 12, 9), raster.R(9, 0, 14, 3)},
		{raster.R(1, 1, 3, 10), raster.R(5, 1, 7, 10), raster.R(9, 1, 11, 10)},
	}
	for _, dy := range []int{-3, -1, 0, 1, 3} {
		for _, dx := range []int{-4, -1, 0, 1, 4} {
			for ci, clip := range clips {
				t.Run(fmt.Sprintf("d=%d,%d/clip%d", dx, dy, ci), func(t *testing.T) {
					s := newSurface(t, 14, 10, raster.FormatXRGB32)
					fillWords(&s.Image, func(x, y int) uint32 { return rng.Uint32() | 0xff000000 })
					before := clone(&s.Image)
					box := raster.R(-2, 1, 13, 12)
					src := raster.Point{X: box.X0 - dx, Y: box.Y0 - dy}
					s.CopyBits(raster.Area{Box: box, Clip: clip}, src)
					checkWords(t, &s.Image, func(x, y int) uint32 {
						in := inRect(box, x, y) && inRect(s.Bounds(), x-dx, y-dy)
						if clip != nil {
							inClip := false
							for _, r := range clip {
								inClip = inClip || inRect(r, x, y)
							}
							in = in && inClip
						}
						if in && (dx != 0 || dy != 0) {
							return px(before, x-dx, y-dy)
						}
						return px(before, x, y)
					})
				})
			}
		}
	}
}
