// Package rastertest compares raster images with golden PNGs in tests.
package rastertest

import (
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
)

// Update makes CheckGolden rewrite goldens instead of comparing:
// go test ./... -update.
var Update = flag.Bool("update", false, "rewrite golden PNG files")

// LoadPNG reads a PNG written by SavePNG (or any PNG) as a raster.Image.
func LoadPNG(path string) (*raster.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return raster.FromImage(img)
}

// SavePNG writes m's bytes unchanged (as NRGBA) to path.
func SavePNG(path string, m *raster.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, m.NRGBA()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Diff describes the first difference between two images, or returns ""
// when they are equal byte for byte (within tolerance per channel).
func Diff(got, want *raster.Image, tolerance int) string {
	if got.W != want.W || got.H != want.H {
		return fmt.Sprintf("size %dx%d, want %dx%d", got.W, got.H, want.W, want.H)
	}
	for y := 0; y < got.H; y++ {
		g, w := got.Row(y), want.Row(y)
		for i := range g {
			d := int(g[i]) - int(w[i])
			if d > tolerance || -d > tolerance {
				x := i / 4
				return fmt.Sprintf("first difference at (%d,%d) channel %d: got %d want %d\n%s",
					x, y, i%4, g[i], w[i], block(got, want, x&^7, y&^7))
			}
		}
	}
	return ""
}

// block prints the 8x8 block at (x0,y0) of both images in hex, like
// image/jpeg's tests do, so a failure shows the neighbourhood.
func block(got, want *raster.Image, x0, y0 int) string {
	var b strings.Builder
	for _, side := range []struct {
		name string
		m    *raster.Image
	}{{"got", got}, {"want", want}} {
		fmt.Fprintf(&b, "%s (RGBA hex) at (%d,%d):\n", side.name, x0, y0)
		for y := y0; y < y0+8 && y < side.m.H; y++ {
			row := side.m.Row(y)
			for x := x0; x < x0+8 && x < side.m.W; x++ {
				fmt.Fprintf(&b, " %08x", uint32(row[x*4])<<24|uint32(row[x*4+1])<<16|uint32(row[x*4+2])<<8|uint32(row[x*4+3]))
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// CheckGolden compares got with the PNG at path. With -update it writes
// got there instead. On mismatch it saves got.png in the test's temp dir.
func CheckGolden(t testing.TB, path string, got *raster.Image, tolerance int) {
	t.Helper()
	if *Update {
		if err := SavePNG(path, got); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := LoadPNG(path)
	if err != nil {
		t.Fatalf("golden: %v (run with -update to create it)", err)
	}
	if d := Diff(got, want, tolerance); d != "" {
		out := filepath.Join(t.TempDir(), "got.png")
		_ = SavePNG(out, got)
		t.Errorf("%s: %s(got image saved to %s)", path, d, out)
	}
}
