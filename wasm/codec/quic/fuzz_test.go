package quic

import (
	"bytes"
	"errors"
	"testing"

	"spiceweb/wasm/raster"
)

// FuzzDecode checks that no input panics, that an image comes back only
// without an error and with the header's size, and that a reused Decoder
// gives the same result as a fresh one.
func FuzzDecode(f *testing.F) {
	for _, p := range fixtures(f) {
		f.Add(readFixture(f, p))
	}
	f.Add(header(TypeRGB32, 4, 2).bits(code8(0) + code8(0) + code8(0) + "111111111 111111111 10").bytes())
	f.Add(header(TypeGray, 3, 3).bits(code8(7) + "1010101010101").bytes())
	f.Add(header(TypeRGB16, 2, 2).bits("1 0010 0 1111 1 0000 1111 1111").bytes())

	var reused Decoder
	var dst raster.Image
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, cerr := DecodeConfig(src)
		if errors.Is(cerr, raster.ErrTooLarge) {
			return
		}
		var img raster.Image
		err := Decode(src, &img)
		if cerr != nil {
			if err == nil {
				t.Fatalf("DecodeConfig failed (%v) but Decode did not", cerr)
			}
			return
		}
		if err == nil && (img.W != cfg.Width || img.H != cfg.Height || len(img.Pix) != 4*cfg.Width*cfg.Height) {
			t.Fatalf("decoded %dx%d (%d bytes), header says %dx%d", img.W, img.H, len(img.Pix), cfg.Width, cfg.Height)
		}
		err2 := reused.Decode(src, &dst)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("fresh decoder: %v, reused decoder: %v", err, err2)
		}
		if err == nil && !bytes.Equal(img.Pix, dst.Pix) {
			t.Fatal("reused decoder gives a different image")
		}
	})
}
