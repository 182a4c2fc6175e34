package lz4

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lz4block "github.com/pierrec/lz4/v4"

	"spiceweb/wasm/codec/codectest"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// fixture is one LZ4 image: testdata/<Name>.lz4 is the payload exactly as
// in the image (after data_size), testdata/<Name>.png the expected decode;
// the size, which SPICE carries in the image descriptor, is listed in
// testdata/fixtures.txt as "name w=N h=N".
type fixture struct {
	Name   string
	W, H   int
	Data   []byte
	Golden string
}

func loadFixtures(tb testing.TB) []fixture {
	tb.Helper()
	list, err := codectest.ReadList(filepath.Join("testdata", "fixtures.txt"), "w", "h")
	if err != nil {
		tb.Fatal(err)
	}
	var out []fixture
	for _, e := range list {
		fx := fixture{Name: e.Name}
		if fx.W, _, err = e.Int("w"); err != nil {
			tb.Fatal(err)
		}
		if fx.H, _, err = e.Int("h"); err != nil {
			tb.Fatal(err)
		}
		base := filepath.Join("testdata", fx.Name)
		if fx.Data, err = os.ReadFile(base + ".lz4"); err != nil {
			tb.Fatal(err)
		}
		fx.Golden = base + ".png"
		out = append(out, fx)
	}
	return out
}

// TestFixtures decodes each recorded or liblz4-made stream and compares it
// exactly with its golden PNG (see testdata/README for how each golden was
// verified).
func TestFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			var dst raster.Image
			if err := Decode(fx.Data, fx.W, fx.H, &dst); err != nil {
				t.Fatal(err)
			}
			rastertest.CheckGolden(t, fx.Golden, &dst, 0)
		})
	}
}

// TestLiblz4FixturesUseHistory checks that the streams made with liblz4's
// LZ4_compress_fast_continue really contain blocks that copy from earlier
// blocks, so TestFixtures proves the dictionary handling against the C
// encoder the server uses.
func TestLiblz4FixturesUseHistory(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		if !strings.HasPrefix(fx.Name, "liblz4-") {
			continue
		}
		src := fx.Data[headerLen:]
		buf := make([]byte, fx.W*fx.H*4)
		blocks, dependent := 0, 0
		for off := 0; off < len(src); blocks++ {
			n := int(binary.BigEndian.Uint32(src[off:]))
			if _, err := lz4block.UncompressBlock(src[off+4:off+4+n], buf); err != nil {
				dependent++
			}
			off += 4 + n
		}
		if dependent == 0 {
			t.Errorf("%s: none of its %d blocks needs history", fx.Name, blocks)
		}
		t.Logf("%s: %d of %d blocks need history", fx.Name, dependent, blocks)
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, fx := range loadFixtures(b) {
		b.Run(fx.Name, func(b *testing.B) {
			var dst raster.Image
			b.SetBytes(int64(fx.W * fx.H * 4))
			b.ReportAllocs()
			for b.Loop() {
				if err := Decode(fx.Data, fx.W, fx.H, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
