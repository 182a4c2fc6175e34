package jpeg

import (
	"encoding/binary"
	"errors"
	"testing"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/raster"
)

// The fuzz input is one flags byte (bit 0: JPEG_ALPHA TOP_DOWN, bit 1:
// decode as JPEG_ALPHA), a u32 LE jpeg_size, then the image data.
func fuzzInput(alpha, topDown bool, jpegSize int, data []byte) []byte {
	var flags byte
	if topDown {
		flags |= 1
	}
	if alpha {
		flags |= 2
	}
	b := binary.LittleEndian.AppendUint32([]byte{flags}, uint32(jpegSize))
	return append(b, data...)
}

func FuzzDecode(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add(fuzzInput(fx.Alpha, fx.TopDown, fx.JPEGSize, fx.Data))
	}
	jpg := testJPEG(f, 16, 8)
	f.Add(fuzzInput(false, false, 0, jpg))
	f.Add(fuzzInput(true, false, len(jpg), append(append([]byte{}, jpg...), xxxaStream(16, 8, false, make([]byte, 128))...)))
	f.Add(fuzzInput(false, false, 0, sofOnly(30000, 30000)))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 5 {
			return
		}
		flags, size, data := in[0], int(binary.LittleEndian.Uint32(in[1:])), in[5:]
		// Stay clear of images that are valid but slow to fuzz.
		w, h, err := DecodeConfig(data[:min(size, len(data))])
		if flags&2 == 0 {
			w, h, err = DecodeConfig(data)
		}
		if err == nil && w*h > 512*512 {
			return
		}
		var dst raster.Image
		if flags&2 != 0 {
			err = DecodeAlpha(data, size, flags&1 != 0, &dst)
		} else {
			err = Decode(data, &dst)
		}
		if err != nil {
			var fe FormatError
			var le lz.FormatError
			if !errors.As(err, &fe) && !errors.As(err, &le) && !errors.Is(err, raster.ErrTooLarge) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if dst.W != w || dst.H != h || len(dst.Pix) != w*h*4 {
			t.Fatalf("decoded %dx%d (%d bytes) for a %dx%d header", dst.W, dst.H, len(dst.Pix), w, h)
		}
	})
}
