package lz4

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/codec/bitmap"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// TestExpandMatchesBitmap checks the multi-pixel conversion loops of
// expand, and their one-pixel tails, on random bytes against package
// bitmap's conversion of the same raw row, for every pixel count up to a
// few unrolled steps.
func TestExpandMatchesBitmap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	formats := []spice.BitmapFmt{spice.BitmapFmt16Bit, spice.BitmapFmt24Bit, spice.BitmapFmt32Bit, spice.BitmapFmtRGBA, spice.BitmapFmt8BitA}
	for _, f := range formats {
		bpp := bytesPerPixel(f)
		for n := 0; n <= 41; n++ {
			t.Run(fmt.Sprintf("fmt%d/n=%d", f, n), func(t *testing.T) {
				raw := make([]byte, n*bpp)
				for i := range raw {
					raw[i] = byte(rng.Uint32())
				}
				pix := make([]byte, 4*n)
				copy(pix[len(pix)-len(raw):], raw)
				expand(pix, f, n)
				var want raster.Image
				if err := bitmap.Decode(raw, f, n, 1, len(raw), true, nil, &want); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(pix, want.Pix) {
					t.Errorf("raw  %x\n got %x\nwant %x", raw, pix, want.Pix)
				}
			})
		}
	}
}
