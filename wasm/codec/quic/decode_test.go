package quic

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// fixtures lists testdata/*.quic (see testdata/README for their origin).
func fixtures(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.quic"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	return paths
}

func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// wantTypes pins each fixture's header so that a fixture swapped by mistake
// is noticed, and so that every QUIC type stays covered.
var wantTypes = map[string]Config{
	"qemu-seabios-rgb32": {TypeRGB32, 720, 400},
	"ref-gray-text":      {TypeGray, 160, 40},
	"ref-rgb16-plasma":   {TypeRGB16, 64, 48},
	"ref-rgb24-noise":    {TypeRGB24, 48, 24},
	"ref-rgba-wide":      {TypeRGBA, 2100, 6},
	"xspice-icon-rgba":   {TypeRGBA, 24, 24},
	"xspice-plasma-rgba": {TypeRGBA, 320, 240},
	"xspice-root-rgb32":  {TypeRGB32, 1024, 768},
	"xspice-xterm-rgba":  {TypeRGBA, 480, 14},
}

func TestGolden(t *testing.T) {
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".quic")
		t.Run(name, func(t *testing.T) {
			src := readFixture(t, path)
			cfg, err := DecodeConfig(src)
			if err != nil {
				t.Fatal(err)
			}
			if want, ok := wantTypes[name]; !ok || cfg != want {
				t.Errorf("config %+v, want %+v", cfg, want)
			}
			var img raster.Image
			if err := Decode(src, &img); err != nil {
				t.Fatal(err)
			}
			if img.W != cfg.Width || img.H != cfg.Height {
				t.Fatalf("decoded %dx%d, header says %dx%d", img.W, img.H, cfg.Width, cfg.Height)
			}
			rastertest.CheckGolden(t, strings.TrimSuffix(path, ".quic")+".png", &img, 0)
		})
	}
}

// TestDecoderReuse decodes every fixture twice with one Decoder, in an
// order that changes type and width between images, into one dst: nothing
// may leak from one image to the next.
func TestDecoderReuse(t *testing.T) {
	paths := fixtures(t)
	want := make(map[string][]byte)
	for _, p := range paths {
		var img raster.Image
		if err := Decode(readFixture(t, p), &img); err != nil {
			t.Fatal(err)
		}
		want[p] = img.Pix
	}
	var d Decoder
	var dst raster.Image
	order := append(append([]string{}, paths...), paths...)
	for i, j := 0, len(order)-1; i < j; i, j = i+2, j-2 {
		order[i], order[j] = order[j], order[i]
	}
	for _, p := range order {
		if err := d.Decode(readFixture(t, p), &dst); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !bytes.Equal(dst.Pix, want[p]) {
			t.Errorf("%s: reused decoder gives a different image", p)
		}
	}
}

// TestTruncatedPrefixes feeds every proper prefix of a recorded stream:
// none may decode (the encoder's output has no slack: its last word is the
// window the decoder needs), and where DecodeConfig fails Decode must fail
// the same way.
func TestTruncatedPrefixes(t *testing.T) {
	src := readFixture(t, filepath.Join("testdata", "xspice-icon-rgba.quic"))
	var d Decoder
	var dst raster.Image
	for n := 0; n < len(src); n++ {
		_, cerr := DecodeConfig(src[:n])
		err := d.Decode(src[:n], &dst)
		if err == nil {
			t.Fatalf("prefix of %d/%d bytes decoded without error", n, len(src))
		}
		if cerr != nil && err.Error() != cerr.Error() {
			t.Fatalf("prefix %d: Decode says %q, DecodeConfig %q", n, err, cerr)
		}
	}
	if err := d.Decode(src, &dst); err != nil {
		t.Fatal(err)
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{
		TypeGray: "GRAY", TypeRGB16: "RGB16", TypeRGB24: "RGB24", TypeRGB32: "RGB32", TypeRGBA: "RGBA", 9: "Type(9)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("Type(%d).String() = %q, want %q", int(typ), got, want)
		}
	}
}
