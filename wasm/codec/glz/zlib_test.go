package glz

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"strings"
	"testing"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/raster"
)

// zlibOf compresses b the way the server's zlib-encoder.c does (deflate
// with a zlib header and Adler-32 trailer).
func zlibOf(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestDecodeZlib(t *testing.T) {
	big := make([]byte, 0, 3*200*150)
	for i := 0; i < 200*150; i++ {
		big = append(big, byte(i), byte(i>>3), byte(i>>6))
	}
	src := glzHeader(lz.TypeRGB32, 200, 150, false, 0, 0)
	for i := 0; i < 200*150; i += maxCopy {
		k := min(maxCopy, 200*150-i)
		src = append(src, byte(k-1))
		src = append(src, big[i*3:(i+k)*3]...)
	}
	w := NewWindow(1 << 16)
	var want, got raster.Image
	if err := NewWindow(1<<16).Decode(done, src, &want); err != nil {
		t.Fatal(err)
	}
	z := zlibOf(src)
	if err := w.DecodeZlib(done, z, len(src), &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Pix, want.Pix) {
		t.Error("ZLIB_GLZ and GLZ decodes differ")
	}
	// The image joined the window: a GLZ image may copy from it.
	var one raster.Image
	if err := w.Decode(done, copyOf(1, 1, 3, 1), &one); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Pix, want.Pix[149*200*4:][:12]) { // coded row 0 is the bottom row
		t.Errorf("copy from the inflated image: %x", one.Pix)
	}

	// Warm, a decode allocates nothing.
	w2 := NewWindow(1 << 16)
	run := func() {
		w2.Reset()
		if err := w2.DecodeZlib(done, z, len(src), &got); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if a := testing.AllocsPerRun(10, run); a > 0 {
		t.Errorf("%v allocs per warm ZLIB_GLZ decode", a)
	}
}

func TestDecodeZlibErrors(t *testing.T) {
	glz := flat(0, 0, 50, 7)
	z := zlibOf(glz)
	badSum := bytes.Clone(z)
	badSum[len(badSum)-1] ^= 1
	dict := bytes.Clone(z)
	dict[1] = dict[1]&^31 | 0x20                                     // FDICT, FCHECK cleared
	dict[1] += byte((31 - (uint(dict[0])<<8|uint(dict[1]))%31) % 31) // valid FCHECK again
	hugeSize := glzHeader(lz.TypeRGB32, 2, 2, true, 0, 0)
	tests := []struct {
		name string
		src  []byte
		size int
		want string
	}{
		{"size below header", z, HeaderLen - 1, "shorter than a header"},
		{"empty", nil, len(glz), "short zlib stream"},
		{"bad method", append([]byte{0x79}, z[1:]...), len(glz), "bad zlib header"},
		{"bad check bits", append([]byte{z[0], z[1] ^ 1}, z[2:]...), len(glz), "bad zlib header"},
		{"preset dictionary", dict, len(glz), "preset dictionary"},
		{"inflates short", z, len(glz) + 1, "shorter than its GLZ size"},
		{"inflates long", z, len(glz) - 1, "more than"},
		{"truncated", z[:len(z)-6], len(glz), "zlib"},
		{"no checksum", z[:len(z)-4], len(glz), "without checksum"},
		{"bad checksum", badSum, len(glz), "checksum mismatch"},
		{"trailing data", append(bytes.Clone(z), 0), len(glz), "after the zlib stream"},
		{"corrupt deflate", append([]byte{z[0], z[1], 0xff, 0xff}, z[4:]...), len(glz), "zlib"},
		{"bad GLZ header", zlibOf(bytes.Repeat([]byte{1}, 40)), 40, "bad magic"},
		{"size beyond the image", zlibOf(hugeSize), 1 << 20, "too large for a 2x2 image"},
		{"bad GLZ data", zlibOf(glz[:len(glz)-1]), len(glz) - 1, "stream ends"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWindow(1 << 16)
			var dst raster.Image
			err := w.DecodeZlib(done, tc.src, tc.size, &dst)
			if err == nil || !strings.HasPrefix(err.Error(), "glz: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want glz: ...%s...", err, tc.want)
			}
		})
	}
	// a failed inflate leaves the inflater reusable
	w := NewWindow(1 << 16)
	var dst raster.Image
	if err := w.DecodeZlib(done, badSum, len(glz), &dst); err == nil {
		t.Fatal("no error")
	}
	if err := w.DecodeZlib(done, z, len(glz), &dst); err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint32(dst.Pix) != 0x070707ff {
		t.Errorf("pixel %x", dst.Pix[:4])
	}
}
