package bitmap

import (
	"encoding/binary"
	"errors"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// fuzzHeader is the fuzz input's prefix, shaped like the wire BITMAP
// header with the palette inline: u8 format, u8 flags, u16 width,
// u16 height, u16 stride, u8 palette entries (0xff = no palette), then the
// entries as u32 LE and the pixel data. Sizes are u16 so the fuzzer
// explores layouts rather than allocation limits.
const fuzzHeader = 9

func encodeFuzzInput(f Format, topDown bool, w, h, stride int, pal []uint32, src []byte) []byte {
	b := []byte{byte(f), 0}
	if topDown {
		b[1] = spice.BitmapFlagTopDown
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(w))
	b = binary.LittleEndian.AppendUint16(b, uint16(h))
	b = binary.LittleEndian.AppendUint16(b, uint16(stride))
	if pal == nil {
		b = append(b, 0xff)
	} else {
		b = append(b, byte(len(pal)))
		for _, e := range pal {
			b = binary.LittleEndian.AppendUint32(b, e)
		}
	}
	return append(b, src...)
}

func decodeFuzzInput(data []byte) (f Format, topDown bool, w, h, stride int, pal []uint32, src []byte, ok bool) {
	if len(data) < fuzzHeader {
		return
	}
	f = Format(data[0])
	topDown = data[1]&spice.BitmapFlagTopDown != 0
	w = int(binary.LittleEndian.Uint16(data[2:]))
	h = int(binary.LittleEndian.Uint16(data[4:]))
	stride = int(binary.LittleEndian.Uint16(data[6:]))
	n := int(data[8])
	src = data[fuzzHeader:]
	if n != 0xff {
		if len(src) < 4*n {
			return
		}
		pal = make([]uint32, n)
		for i := range pal {
			pal[i] = binary.LittleEndian.Uint32(src[4*i:])
		}
		src = src[4*n:]
	}
	return f, topDown, w, h, stride, pal, src, true
}

func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add(encodeFuzzInput(tt.f, tt.topDown, tt.w, tt.h, tt.stride, tt.pal, tt.src))
	}
	for _, fx := range loadFixtures(f) {
		if fx.W <= 0xffff && fx.H <= 0xffff && fx.Stride <= 0xffff && len(fx.Palette) < 0xff {
			f.Add(encodeFuzzInput(fx.Format, fx.TopDown, fx.W, fx.H, fx.Stride, fx.Palette, fx.Data))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fm, topDown, w, h, stride, pal, src, ok := decodeFuzzInput(data)
		if !ok {
			return
		}
		dst := &raster.Image{}
		err := Decode(src, fm, w, h, stride, topDown, pal, dst)
		if err != nil {
			var fe FormatError
			if !errors.As(err, &fe) && !errors.Is(err, raster.ErrTooLarge) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if dst.W != w || dst.H != h || len(dst.Pix) != w*h*4 {
			t.Fatalf("decoded %dx%d (%d bytes) for a %dx%d header", dst.W, dst.H, len(dst.Pix), w, h)
		}
		// Opaque formats must never produce a transparent pixel.
		if fm != spice.BitmapFmtRGBA && fm != spice.BitmapFmt8BitA {
			for i := 3; i < len(dst.Pix); i += 4 {
				if dst.Pix[i] != 0xff {
					t.Fatalf("format %d: pixel %d has alpha %d", fm, i/4, dst.Pix[i])
				}
			}
		}
	})
}
