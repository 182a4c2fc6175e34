package quic

import (
	"path/filepath"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
)

// BenchmarkDecode measures throughput in output bytes (4 per pixel) with a
// warm Decoder and dst, the steady state of a display channel.
func BenchmarkDecode(b *testing.B) {
	for _, path := range fixtures(b) {
		src := readFixture(b, path)
		name := strings.TrimSuffix(filepath.Base(path), ".quic")
		b.Run(name, func(b *testing.B) {
			cfg, err := DecodeConfig(src)
			if err != nil {
				b.Fatal(err)
			}
			var d Decoder
			var dst raster.Image
			if err := d.Decode(src, &dst); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(4 * cfg.Width * cfg.Height))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := d.Decode(src, &dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
