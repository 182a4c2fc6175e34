package glz

import (
	"encoding/binary"
	"testing"

	"spiceweb/wasm/raster"
)

// fuzzSeq packs a sequence into one fuzz input: per image a big-endian
// u32 length, a kind byte (0 GLZ_RGB, 1 ZLIB_GLZ_RGB followed by a u32
// inflated size), then the payload.
func fuzzSeq(seq []image) []byte {
	var b []byte
	for _, m := range seq {
		body := []byte{0}
		if m.glzSize > 0 {
			body = binary.BigEndian.AppendUint32([]byte{1}, uint32(m.glzSize))
		}
		body = append(body, m.src...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
		b = append(b, body...)
	}
	return b
}

// FuzzDecode decodes a fuzzed sequence through a fresh window with an
// already cancelled context, so references to missing images fail at
// once. Properties: no panic, decoded images have their header's size,
// and the window stays within its memory budget.
func FuzzDecode(f *testing.F) {
	for _, seq := range sequences(f) {
		f.Add(fuzzSeq(seq[:min(len(seq), 16)]))
	}
	f.Add(fuzzSeq([]image{{src: flat(0, 0, 10, 1)}, {src: copyOf(1, 1, 10, 1)}, {src: flat(3, 2, 5, 2)}}))
	f.Add(fuzzSeq([]image{{src: zlibOf(flat(0, 0, 40, 9)), glzSize: len(flat(0, 0, 40, 9))}}))
	f.Fuzz(func(t *testing.T, in []byte) {
		const size = 1 << 16
		w := NewWindow(size)
		var dst raster.Image
		for len(in) >= 5 {
			n := int(binary.BigEndian.Uint32(in))
			in = in[4:]
			if n > len(in) || n < 1 {
				return
			}
			body := in[:n]
			in = in[n:]
			var err error
			var h Header
			switch {
			case body[0] == 0:
				h, err = DecodeConfig(body[1:])
				if err == nil {
					err = w.Decode(done, body[1:], &dst)
				}
			case body[0] == 1 && len(body) >= 5:
				glzSize := int(binary.BigEndian.Uint32(body[1:]))
				err = w.DecodeZlib(done, body[5:], glzSize, &dst)
				h = Header{Width: dst.W, Height: dst.H}
			default:
				return
			}
			if err == nil && (dst.W != h.Width || dst.H != h.Height || len(dst.Pix) != dst.W*dst.H*4) {
				t.Fatalf("decoded %dx%d (%d bytes), header says %dx%d", dst.W, dst.H, len(dst.Pix), h.Width, h.Height)
			}
			if w.used > budgetFactor*size {
				t.Fatalf("window holds %d pixels, budget %d", w.used, budgetFactor*size)
			}
		}
	})
}
