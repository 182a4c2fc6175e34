package lz4

import (
	"encoding/binary"
	"errors"
	"testing"

	"spiceweb/wasm/raster"
)

// The fuzz input is u16 LE width, u16 LE height (the descriptor's size),
// then the LZ4 payload.
func fuzzInput(w, h int, src []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, uint16(w))
	b = binary.LittleEndian.AppendUint16(b, uint16(h))
	return append(b, src...)
}

func FuzzDecode(f *testing.F) {
	for _, tt := range handTests {
		f.Add(fuzzInput(tt.w, tt.h, tt.src))
	}
	for _, fx := range loadFixtures(f) {
		// The full-screen fixture is too slow to mutate usefully.
		if fx.W*fx.H <= 200*150 {
			f.Add(fuzzInput(fx.W, fx.H, fx.Data))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		w := int(binary.LittleEndian.Uint16(data))
		h := int(binary.LittleEndian.Uint16(data[2:]))
		src := data[4:]
		if raster.CheckSize(w, h) != nil {
			return
		}
		var dst raster.Image
		err := Decode(src, w, h, &dst)
		if err != nil {
			var fe FormatError
			var ue UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if dst.W != w || dst.H != h || len(dst.Pix) != w*h*4 {
			t.Fatalf("decoded %dx%d (%d bytes), want %dx%d", dst.W, dst.H, len(dst.Pix), w, h)
		}
	})
}
