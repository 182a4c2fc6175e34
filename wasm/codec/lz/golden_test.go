package lz

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// fixture is one testdata stream with its optional palette.
type fixture struct {
	name    string
	src     []byte
	palette []uint32
}

func fixtures(t testing.TB) []fixture {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.lz")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var fs []fixture
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := fixture{name: strings.TrimSuffix(filepath.Base(p), ".lz"), src: src}
		if pb, err := os.ReadFile(strings.TrimSuffix(p, ".lz") + ".pal"); err == nil {
			for i := 0; i+4 <= len(pb); i += 4 {
				f.palette = append(f.palette, binary.LittleEndian.Uint32(pb[i:]))
			}
		}
		fs = append(fs, f)
	}
	return fs
}

// decodeFixture decodes f the way its type is used: XXXA streams onto a
// zeroed image, as the alpha plane of JPEG_ALPHA.
func decodeFixture(f fixture, dst *raster.Image) error {
	h, err := DecodeConfig(f.src)
	if err != nil {
		return err
	}
	if h.Type == TypeXXXA {
		if err := dst.Resize(h.Width, h.Height); err != nil {
			return err
		}
		clear(dst.Pix)
		return DecodeAlpha(f.src, dst)
	}
	return Decode(f.src, f.palette, dst)
}

// TestGolden decodes every testdata stream and compares it exactly with
// its PNG (see testdata/README for where each came from and how its PNG
// was checked).
func TestGolden(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			var dst raster.Image
			if err := decodeFixture(f, &dst); err != nil {
				t.Fatal(err)
			}
			rastertest.CheckGolden(t, filepath.Join("testdata", f.name+".png"), &dst, 0)
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, f := range fixtures(b) {
		b.Run(f.name, func(b *testing.B) {
			var dst raster.Image
			if err := decodeFixture(f, &dst); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(dst.W * dst.H * 4))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := decodeFixture(f, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
