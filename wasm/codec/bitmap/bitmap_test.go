package bitmap

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// pixels spells expected output as 0xRRGGBBAA words, so each case states
// its colours independently of the decoder's own packing.
func pixels(ps ...uint32) []byte {
	b := make([]byte, 0, 4*len(ps))
	for _, p := range ps {
		b = append(b, byte(p>>24), byte(p>>16), byte(p>>8), byte(p))
	}
	return b
}

const (
	fore = 0xaabbccff // twoColours[1] as R,G,B,A
	back = 0x112233ff // twoColours[0] as R,G,B,A
)

var twoColours = []uint32{0x112233, 0xaabbcc}

// decodeTests are hand-made inputs for every format and orientation; the
// fuzzer is seeded from them too.
var decodeTests = []struct {
	name    string
	f       Format
	w, h    int
	stride  int
	topDown bool
	pal     []uint32
	src     []byte
	want    []byte // R,G,B,A rows, top row first
}{
	{
		name: "1bit_be top-down, padded stride, pad bits ignored",
		f:    spice.BitmapFmt1BitBE, w: 10, h: 2, stride: 4, topDown: true, pal: twoColours,
		src: []byte{
			0xb0, 0x40, 0xff, 0xff, // 1011 0000 01..
			0x01, 0x3f, 0xff, 0xff, // 0000 0001 00.. (set pad bits)
		},
		want: pixels(
			fore, back, fore, fore, back, back, back, back, back, fore,
			back, back, back, back, back, back, back, fore, back, back,
		),
	},
	{
		name: "1bit_le bottom-up",
		f:    spice.BitmapFmt1BitLE, w: 10, h: 2, stride: 2, pal: twoColours,
		src: []byte{
			0x0d, 0x02, // bottom row: bits 0,2,3 then bit 9
			0x80, 0x00, // top row: bit 7
		},
		want: pixels(
			back, back, back, back, back, back, back, fore, back, back,
			fore, back, fore, fore, back, back, back, back, back, fore,
		),
	},
	{
		name: "4bit_be odd width, index past palette is black",
		f:    spice.BitmapFmt4BitBE, w: 5, h: 1, stride: 3, topDown: true,
		pal:  []uint32{0x010203, 0x0a0b0c, 0xffeedd},
		src:  []byte{0x12, 0x0f, 0x2e},
		want: pixels(0x0a0b0cff, 0xffeeddff, 0x010203ff, 0x000000ff, 0xffeeddff),
	},
	{
		name: "4bit_le odd width",
		f:    spice.BitmapFmt4BitLE, w: 3, h: 1, stride: 2, topDown: true,
		pal:  []uint32{0x010203, 0x0a0b0c, 0xffeedd},
		src:  []byte{0x21, 0xf0},
		want: pixels(0x0a0b0cff, 0xffeeddff, 0x010203ff),
	},
	{
		name: "8bit ignores palette top byte, out of range is black",
		f:    spice.BitmapFmt8Bit, w: 4, h: 1, stride: 4, topDown: true,
		pal:  []uint32{0xff102030, 0x405060},
		src:  []byte{0, 1, 2, 255},
		want: pixels(0x102030ff, 0x405060ff, 0x000000ff, 0x000000ff),
	},
	{
		name: "8bit empty palette is all black",
		f:    spice.BitmapFmt8Bit, w: 2, h: 1, stride: 2, topDown: true,
		pal:  []uint32{},
		src:  []byte{0, 1},
		want: pixels(0x000000ff, 0x000000ff),
	},
	{
		name: "8bit bottom-up",
		f:    spice.BitmapFmt8Bit, w: 2, h: 2, stride: 2,
		pal:  []uint32{0x000001, 0x000002},
		src:  []byte{0, 1, 1, 0},
		want: pixels(0x000002ff, 0x000001ff, 0x000001ff, 0x000002ff),
	},
	{
		name: "16bit x1r5g5b5 little-endian",
		f:    spice.BitmapFmt16Bit, w: 7, h: 1, stride: 14, topDown: true,
		src: []byte{
			0xff, 0x7f, // white
			0x00, 0x7c, // red
			0xe0, 0x03, // green
			0x1f, 0x00, // blue
			0x21, 0x04, // 1,1,1 -> 0x08
			0x00, 0x40, // r=16 -> 0x84
			0x00, 0x80, // only the unused top bit
		},
		want: pixels(0xffffffff, 0xff0000ff, 0x00ff00ff, 0x0000ffff, 0x080808ff, 0x840000ff, 0x000000ff),
	},
	{
		name: "24bit bottom-up with stride padding",
		f:    spice.BitmapFmt24Bit, w: 2, h: 2, stride: 8,
		src: []byte{
			0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xaa, 0xbb, // bottom
			0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0xaa, 0xbb, // top
		},
		want: pixels(0x302010ff, 0x605040ff, 0x030201ff, 0x060504ff),
	},
	{
		name: "32bit drops X",
		f:    spice.BitmapFmt32Bit, w: 2, h: 1, stride: 8, topDown: true,
		src:  []byte{0x01, 0x02, 0x03, 0x99, 0x04, 0x05, 0x06, 0x00},
		want: pixels(0x030201ff, 0x060504ff),
	},
	{
		name: "32bit bottom-up",
		f:    spice.BitmapFmt32Bit, w: 1, h: 3, stride: 4,
		src:  []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0},
		want: pixels(0x000003ff, 0x000002ff, 0x000001ff),
	},
	{
		name: "rgba keeps alpha bytes exactly",
		f:    spice.BitmapFmtRGBA, w: 3, h: 1, stride: 12, topDown: true,
		src:  []byte{0x10, 0x20, 0x30, 0x40, 0, 0, 0, 0, 0x80, 0x80, 0x80, 0x10},
		want: pixels(0x30201040, 0x00000000, 0x80808010),
	},
	{
		name: "rgba bottom-up",
		f:    spice.BitmapFmtRGBA, w: 1, h: 2, stride: 4,
		src:  []byte{1, 2, 3, 4, 5, 6, 7, 8},
		want: pixels(0x07060508, 0x03020104),
	},
	{
		name: "8bit_a is alpha over black",
		f:    spice.BitmapFmt8BitA, w: 3, h: 2, stride: 4, topDown: true,
		src:  []byte{0x00, 0x7f, 0xff, 0x55, 0x01, 0x02, 0x03, 0x55},
		want: pixels(0x00000000, 0x0000007f, 0x000000ff, 0x00000001, 0x00000002, 0x00000003),
	},
	{
		name: "empty image",
		f:    spice.BitmapFmt32Bit, w: 0, h: 0, stride: 0,
		want: []byte{},
	},
}

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			// Start from a dirty, larger buffer to prove every byte is written.
			dst := &raster.Image{Pix: bytes.Repeat([]byte{0xee}, 256)}
			err := Decode(tt.src, tt.f, tt.w, tt.h, tt.stride, tt.topDown, tt.pal, dst)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if dst.W != tt.w || dst.H != tt.h || dst.Stride != 4*tt.w {
				t.Fatalf("got %dx%d stride %d, want %dx%d stride %d", dst.W, dst.H, dst.Stride, tt.w, tt.h, 4*tt.w)
			}
			if !bytes.Equal(dst.Pix, tt.want) {
				t.Errorf("pixels\n got %x\nwant %x", dst.Pix, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	pal := []uint32{0}
	tests := []struct {
		name   string
		f      Format
		w, h   int
		stride int
		pal    []uint32
		src    []byte
		is     error // when set, errors.Is must hold; otherwise a FormatError
	}{
		{name: "format 0", f: 0, w: 1, h: 1, stride: 4, src: make([]byte, 4)},
		{name: "format 11", f: 11, w: 1, h: 1, stride: 4, src: make([]byte, 4)},
		{name: "format 255", f: 255, w: 1, h: 1, stride: 4, src: make([]byte, 4)},
		{name: "stride below row size", f: spice.BitmapFmt24Bit, w: 2, h: 1, stride: 5, src: make([]byte, 6)},
		{name: "1bit stride below row size", f: spice.BitmapFmt1BitBE, w: 9, h: 1, stride: 1, pal: pal, src: make([]byte, 2)},
		{name: "short data", f: spice.BitmapFmt32Bit, w: 2, h: 2, stride: 8, src: make([]byte, 15)},
		{name: "huge stride does not overflow", f: spice.BitmapFmt32Bit, w: 2, h: 4, stride: 1 << 62, src: make([]byte, 64)},
		{name: "negative stride", f: spice.BitmapFmt8BitA, w: 2, h: 1, stride: -2, src: make([]byte, 4)},
		{name: "negative width", f: spice.BitmapFmt8BitA, w: -1, h: 1, stride: 4, src: make([]byte, 4), is: nil},
		{name: "palette format without palette", f: spice.BitmapFmt8Bit, w: 1, h: 1, stride: 1, src: []byte{0}},
		{name: "too wide", f: spice.BitmapFmt8BitA, w: raster.MaxDim + 1, h: 1, stride: raster.MaxDim + 1, src: make([]byte, raster.MaxDim+1), is: raster.ErrTooLarge},
		{name: "too many pixels", f: spice.BitmapFmt8BitA, w: raster.MaxDim, h: raster.MaxDim, stride: raster.MaxDim, src: nil, is: raster.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst raster.Image
			err := Decode(tt.src, tt.f, tt.w, tt.h, tt.stride, true, tt.pal, &dst)
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
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v, want a FormatError", err, err)
			}
			if dst.Pix != nil {
				t.Errorf("allocated %d bytes before failing", len(dst.Pix))
			}
		})
	}
}

func TestRowBytes(t *testing.T) {
	tests := []struct {
		f    Format
		w    int
		want int
	}{
		{spice.BitmapFmt1BitLE, 9, 2},
		{spice.BitmapFmt1BitBE, 8, 1},
		{spice.BitmapFmt4BitBE, 3, 2},
		{spice.BitmapFmt8Bit, 3, 3},
		{spice.BitmapFmt16Bit, 3, 6},
		{spice.BitmapFmt24Bit, 3, 9},
		{spice.BitmapFmt32Bit, 3, 12},
		{spice.BitmapFmtRGBA, 3, 12},
		{spice.BitmapFmt8BitA, 3, 3},
		{0, 3, -1},
		{11, 3, -1},
		{spice.BitmapFmt8Bit, -1, -1},
	}
	for _, tt := range tests {
		if got := RowBytes(tt.f, tt.w); got != tt.want {
			t.Errorf("RowBytes(%d, %d) = %d, want %d", tt.f, tt.w, got, tt.want)
		}
	}
}

// TestDecodeReusesDst checks the steady state allocates nothing: dst keeps
// its buffer and the palette table stays on the stack.
func TestDecodeReusesDst(t *testing.T) {
	src := make([]byte, 256*64)
	pal := make([]uint32, 256)
	var dst raster.Image
	for _, f := range []Format{spice.BitmapFmt1BitBE, spice.BitmapFmt8Bit, spice.BitmapFmt24Bit, spice.BitmapFmtRGBA} {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			stride := RowBytes(f, 64)
			allocs := testing.AllocsPerRun(20, func() {
				if err := Decode(src, f, 64, 64, stride, false, pal, &dst); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > 0 {
				t.Errorf("%v allocs per Decode, want 0", allocs)
			}
		})
	}
}
