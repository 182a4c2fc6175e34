package bitmap

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"spiceweb/wasm/codec/codectest"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
	"spiceweb/wasm/spice"
)

// fixture is one recorded BITMAP: testdata/<Name>.bitmap holds the pixel
// data exactly as sent, testdata/<Name>.pal the inline palette (u32 LE
// entries) if any, and testdata/<Name>.png the expected decode. The other
// BITMAP fields come from testdata/fixtures.txt, one line per fixture:
// "name fmt=N w=N h=N stride=N flags=N" (flags = SpiceBitmapFlags).
type fixture struct {
	Name      string
	Format    Format
	W, H      int
	Stride    int
	TopDown   bool
	Palette   []uint32
	Data      []byte
	GoldenPNG string
}

func loadFixtures(tb testing.TB) []fixture {
	tb.Helper()
	list, err := codectest.ReadList(filepath.Join("testdata", "fixtures.txt"), "fmt", "w", "h", "stride", "flags")
	if err != nil {
		tb.Fatal(err)
	}
	var out []fixture
	for _, e := range list {
		fx := fixture{Name: e.Name}
		var format, flags int
		for k, dst := range map[string]*int{"fmt": &format, "w": &fx.W, "h": &fx.H, "stride": &fx.Stride, "flags": &flags} {
			if *dst, _, err = e.Int(k); err != nil {
				tb.Fatal(err)
			}
		}
		fx.Format, fx.TopDown = Format(format), flags&spice.BitmapFlagTopDown != 0
		base := filepath.Join("testdata", fx.Name)
		if fx.Data, err = os.ReadFile(base + ".bitmap"); err != nil {
			tb.Fatal(err)
		}
		if pal, err := os.ReadFile(base + ".pal"); err == nil {
			fx.Palette = make([]uint32, len(pal)/4)
			for i := range fx.Palette {
				fx.Palette[i] = binary.LittleEndian.Uint32(pal[4*i:])
			}
		}
		fx.GoldenPNG = base + ".png"
		out = append(out, fx)
	}
	return out
}

// TestFixtures decodes each recorded BITMAP and compares it exactly with
// its golden PNG (verified against the X server's framebuffer when it was
// recorded; see testdata/README).
func TestFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			var dst raster.Image
			if err := Decode(fx.Data, fx.Format, fx.W, fx.H, fx.Stride, fx.TopDown, fx.Palette, &dst); err != nil {
				t.Fatal(err)
			}
			rastertest.CheckGolden(t, fx.GoldenPNG, &dst, 0)
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, fx := range loadFixtures(b) {
		b.Run(fx.Name, func(b *testing.B) {
			benchDecode(b, fx.Data, fx.Format, fx.W, fx.H, fx.Stride, fx.TopDown, fx.Palette)
		})
	}
	// Synthetic full-screen frames for the formats no fixture covers.
	const w, h = 1024, 768
	pal := make([]uint32, 256)
	for _, f := range []Format{spice.BitmapFmt1BitBE, spice.BitmapFmt4BitBE, spice.BitmapFmt8Bit, spice.BitmapFmt16Bit, spice.BitmapFmt24Bit, spice.BitmapFmt32Bit, spice.BitmapFmtRGBA} {
		stride := RowBytes(f, w)
		src := make([]byte, stride*h)
		for i := range src {
			src[i] = byte(i * 7)
		}
		b.Run("synthetic-1024x768-fmt"+strconv.Itoa(int(f)), func(b *testing.B) {
			benchDecode(b, src, f, w, h, stride, false, pal)
		})
	}
}

func benchDecode(b *testing.B, src []byte, f Format, w, h, stride int, topDown bool, pal []uint32) {
	var dst raster.Image
	b.SetBytes(int64(w * h * 4))
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode(src, f, w, h, stride, topDown, pal, &dst); err != nil {
			b.Fatal(err)
		}
	}
}
