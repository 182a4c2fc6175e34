package bitmap

import (
	"bufio"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
	f, err := os.Open(filepath.Join("testdata", "fixtures.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []fixture
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		fx := fixture{Name: fields[0]}
		for _, kv := range fields[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.Atoi(v)
			if err != nil {
				tb.Fatalf("fixtures.txt: %s: %v", kv, err)
			}
			switch k {
			case "fmt":
				fx.Format = Format(n)
			case "w":
				fx.W = n
			case "h":
				fx.H = n
			case "stride":
				fx.Stride = n
			case "flags":
				fx.TopDown = n&spice.BitmapFlagTopDown != 0
			default:
				tb.Fatalf("fixtures.txt: unknown key %q", k)
			}
		}
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
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
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
