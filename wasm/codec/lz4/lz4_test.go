package lz4

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	lz4block "github.com/pierrec/lz4/v4"

	"spiceweb/wasm/codec/bitmap"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// pixels spells expected output as 0xRRGGBBAA words.
func pixels(ps ...uint32) []byte {
	b := make([]byte, 0, 4*len(ps))
	for _, p := range ps {
		b = append(b, byte(p>>24), byte(p>>16), byte(p>>8), byte(p))
	}
	return b
}

// block builds one size-prefixed LZ4 block from raw block bytes.
func block(b ...byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// handTests are streams written out byte by byte, so they check the
// framing independently of the test encoder.
var handTests = []struct {
	name string
	w, h int
	src  []byte
	want []byte
}{
	{
		name: "32bit one literal block",
		w:    2, h: 1,
		src:  cat([]byte{1, byte(spice.BitmapFmt32Bit)}, block(0x80, 1, 2, 3, 0x99, 4, 5, 6, 0)),
		want: pixels(0x030201ff, 0x060504ff),
	},
	{
		name: "rgba second block copies from the first",
		w:    2, h: 2,
		src: cat([]byte{1, byte(spice.BitmapFmtRGBA)},
			block(0x80, 1, 2, 3, 4, 5, 6, 7, 8),
			// No literals, match of 4+4 bytes at distance 8 (all in
			// the previous block), then a final empty literal run.
			block(0x04, 8, 0, 0x00)),
		want: pixels(0x03020104, 0x07060508, 0x03020104, 0x07060508),
	},
	{
		name: "24bit bottom-up",
		w:    1, h: 2,
		src:  cat([]byte{0, byte(spice.BitmapFmt24Bit)}, block(0x60, 1, 2, 3, 4, 5, 6)),
		want: pixels(0x060504ff, 0x030201ff),
	},
	{
		name: "16bit run-length match",
		w:    4, h: 1,
		// One literal pixel 0x7c00 (red), then a match at distance 2
		// repeating it three more times.
		src:  cat([]byte{1, byte(spice.BitmapFmt16Bit)}, block(0x22, 0x00, 0x7c, 2, 0, 0x00)),
		want: pixels(0xff0000ff, 0xff0000ff, 0xff0000ff, 0xff0000ff),
	},
	{
		name: "8bit_a",
		w:    3, h: 1,
		src:  cat([]byte{1, byte(spice.BitmapFmt8BitA)}, block(0x30, 0, 0x80, 0xff)),
		want: pixels(0x00000000, 0x00000080, 0x000000ff),
	},
	{
		name: "empty image, no blocks",
		w:    0, h: 5,
		src:  []byte{1, byte(spice.BitmapFmt32Bit)},
		want: []byte{},
	},
}

func TestDecodeHandMade(t *testing.T) {
	for _, tt := range handTests {
		t.Run(tt.name, func(t *testing.T) {
			dst := &raster.Image{Pix: bytes.Repeat([]byte{0xee}, 64)}
			if err := Decode(tt.src, tt.w, tt.h, dst); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if dst.W != tt.w || dst.H != tt.h {
				t.Fatalf("size %dx%d, want %dx%d", dst.W, dst.H, tt.w, tt.h)
			}
			if !bytes.Equal(dst.Pix, tt.want) {
				t.Errorf("pixels\n got %x\nwant %x", dst.Pix, tt.want)
			}
		})
	}
}

// testRaw makes w x h raw rows of format f that compress well but not
// trivially: a repeated pattern shifted per row, so that many matches
// reach across rows and hence across blocks.
func testRaw(f spice.BitmapFmt, w, h int) []byte {
	bpp := bitmap.RowBytes(f, 1)
	raw := make([]byte, w*h*bpp)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := raw[(y*w+x)*bpp:][:bpp]
			for c := range p {
				p[c] = byte((x/3+y/5)*(c+7) ^ (x+y)&0x10)
			}
		}
	}
	return raw
}

// TestDecodeMatchesBitmap round-trips every format and orientation through
// the test encoder, with several rows per block, and checks the result
// against package bitmap decoding the same raw rows: the LZ4 layer must be
// lossless framing around BITMAP-style rows.
func TestDecodeMatchesBitmap(t *testing.T) {
	formats := []spice.BitmapFmt{spice.BitmapFmt16Bit, spice.BitmapFmt24Bit, spice.BitmapFmt32Bit, spice.BitmapFmtRGBA, spice.BitmapFmt8BitA}
	for _, f := range formats {
		for _, topDown := range []bool{true, false} {
			for _, rows := range []int{1, 7, 1000} {
				name := fmt.Sprintf("fmt%d/topdown=%v/rows=%d", f, topDown, rows)
				t.Run(name, func(t *testing.T) {
					const w, h = 97, 61
					raw := testRaw(f, w, h)
					stride := w * bitmap.RowBytes(f, 1)
					src := encodeImage(topDown, f, raw, stride, rows)
					var got, want raster.Image
					if err := Decode(src, w, h, &got); err != nil {
						t.Fatalf("Decode: %v", err)
					}
					if err := bitmap.Decode(raw, f, w, h, stride, topDown, nil, &want); err != nil {
						t.Fatalf("bitmap.Decode: %v", err)
					}
					if !bytes.Equal(got.Pix, want.Pix) {
						t.Fatalf("LZ4 and BITMAP decodes differ")
					}
				})
			}
		}
	}
}

// TestBlocksNeedHistory proves the round-trip test above exercises
// cross-block matches: decoding the blocks one by one without history
// must fail for some of them.
func TestBlocksNeedHistory(t *testing.T) {
	const w, h = 97, 61
	raw := testRaw(spice.BitmapFmt32Bit, w, h)
	src := encodeImage(true, spice.BitmapFmt32Bit, raw, w*4, 7)[headerLen:]
	standalone, dependent := 0, 0
	buf := make([]byte, len(raw))
	for off := 0; off < len(src); {
		n := int(binary.BigEndian.Uint32(src[off:]))
		if _, err := lz4block.UncompressBlock(src[off+4:off+4+n], buf); err != nil {
			dependent++
		} else {
			standalone++
		}
		off += 4 + n
	}
	if dependent == 0 {
		t.Fatalf("all %d blocks decode alone: the stream never references earlier blocks", standalone)
	}
	t.Logf("%d blocks need history, %d decode alone", dependent, standalone)
}

func TestDecodeErrors(t *testing.T) {
	lit32 := block(0x80, 1, 2, 3, 4, 5, 6, 7, 8) // two 32-bit pixels
	hdr32 := []byte{1, byte(spice.BitmapFmt32Bit)}
	tests := []struct {
		name string
		w, h int
		src  []byte
		is   error // errors.Is target; nil means any FormatError
	}{
		{name: "empty", w: 1, h: 1, src: nil},
		{name: "one byte", w: 1, h: 1, src: []byte{1}},
		{name: "header only", w: 1, h: 1, src: hdr32},
		{name: "truncated size", w: 2, h: 1, src: cat(hdr32, []byte{0, 0, 0})},
		{name: "block past end", w: 2, h: 1, src: cat(hdr32, lit32[:len(lit32)-1])},
		{name: "block size near 4 GiB", w: 2, h: 1, src: cat(hdr32, []byte{0xff, 0xff, 0xff, 0xff}, lit32[4:])},
		{name: "zero-size block", w: 2, h: 1, src: cat(hdr32, []byte{0, 0, 0, 0}, lit32)},
		{name: "too few pixels", w: 3, h: 1, src: cat(hdr32, lit32)},
		{name: "too many pixels in a block", w: 1, h: 1, src: cat(hdr32, lit32)},
		{name: "extra block after the image", w: 2, h: 1, src: cat(hdr32, lit32, lit32)},
		{name: "match offset 0", w: 4, h: 1, src: cat(hdr32, block(0x44, 1, 2, 3, 4, 0, 0, 0x00))},
		{name: "match before the start", w: 4, h: 1, src: cat(hdr32, block(0x44, 1, 2, 3, 4, 9, 0, 0x00))},
		{name: "truncated match", w: 4, h: 1, src: cat(hdr32, block(0x44, 1, 2, 3, 4, 4))},
		{name: "unknown format", w: 1, h: 1, src: cat([]byte{1, 0}, lit32)},
		{name: "palette format", w: 1, h: 1, src: cat([]byte{1, byte(spice.BitmapFmt8Bit)}, lit32)},
		{name: "negative size", w: -1, h: 1, src: cat(hdr32, lit32)},
		{name: "too large", w: raster.MaxDim + 1, h: 1, src: cat(hdr32, lit32), is: raster.ErrTooLarge},
		{name: "too short for its size", w: 4096, h: 4096, src: cat(hdr32, lit32)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst raster.Image
			err := Decode(tt.src, tt.w, tt.h, &dst)
			if err == nil {
				t.Fatal("Decode succeeded, want an error")
			}
			if tt.is != nil {
				if !errors.Is(err, tt.is) {
					t.Fatalf("error %v, want %v", err, tt.is)
				}
				return
			}
			var fe FormatError
			var ue UnsupportedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("error %T %v, want FormatError or UnsupportedError", err, err)
			}
			if tt.name == "too short for its size" && dst.Pix != nil {
				t.Errorf("allocated %d bytes for a payload that cannot fill them", len(dst.Pix))
			}
		})
	}
}

func TestDecodeConfig(t *testing.T) {
	h, err := DecodeConfig([]byte{0, byte(spice.BitmapFmtRGBA), 0xaa})
	if err != nil || h.TopDown || h.Format != spice.BitmapFmtRGBA {
		t.Errorf("DecodeConfig = %+v, %v", h, err)
	}
	h, err = DecodeConfig([]byte{7, byte(spice.BitmapFmt16Bit)})
	if err != nil || !h.TopDown || h.Format != spice.BitmapFmt16Bit {
		t.Errorf("DecodeConfig = %+v, %v", h, err)
	}
}

func TestDecodeReusesDst(t *testing.T) {
	const w, h = 64, 64
	for _, f := range []spice.BitmapFmt{spice.BitmapFmt32Bit, spice.BitmapFmt24Bit} {
		src := encodeImage(false, f, testRaw(f, w, h), w*bitmap.RowBytes(f, 1), 5)
		var dst raster.Image
		allocs := testing.AllocsPerRun(20, func() {
			if err := Decode(src, w, h, &dst); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0 {
			t.Errorf("format %d: %v allocs per Decode, want 0", f, allocs)
		}
	}
}
