package quic

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
)

// bitWriter builds small QUIC streams by hand: words filled from the most
// significant bit, stored little-endian, closed like the encoder's flush
// (pad the word, then one zero word).
type bitWriter struct {
	words []uint32
	cur   uint32
	n     uint // bits used in cur
}

func (w *bitWriter) put(v uint32, n uint) *bitWriter {
	for i := int(n) - 1; i >= 0; i-- {
		w.cur |= (v >> uint(i) & 1) << (31 - w.n)
		if w.n++; w.n == 32 {
			w.words = append(w.words, w.cur)
			w.cur, w.n = 0, 0
		}
	}
	return w
}

// bits appends a string of '0' and '1'; other characters are ignored.
func (w *bitWriter) bits(s string) *bitWriter {
	for _, c := range s {
		switch c {
		case '0':
			w.put(0, 1)
		case '1':
			w.put(1, 1)
		}
	}
	return w
}

func (w *bitWriter) bytes() []byte {
	words := w.words
	if w.n > 0 {
		words = append(words, w.cur)
	}
	words = append(words, 0)
	out := make([]byte, 0, 4*len(words))
	for _, x := range words {
		out = binary.LittleEndian.AppendUint32(out, x)
	}
	return out
}

func header(t Type, w, h uint32) *bitWriter {
	b := &bitWriter{}
	return b.put(magic, 32).put(version, 32).put(uint32(t), 32).put(w, 32).put(h, 32)
}

// code8 is the codeword of residual v under the initial parameter l = 7
// of 8-bit samples: "1" + 7 bits for v < 128, else "0" + 7 bits of v-128.
func code8(v uint32) string {
	var b strings.Builder
	if v < 128 {
		b.WriteByte('1')
	} else {
		b.WriteByte('0')
		v -= 128
	}
	for i := 6; i >= 0; i-- {
		b.WriteByte('0' + byte(v>>uint(i)&1))
	}
	return b.String()
}

// u2l maps a first-row sample to its residual (xlatU2L for 8 bits).
func u2l(x uint32) uint32 {
	if x <= 127 {
		return 2 * x
	}
	return 2*(255-x) + 1
}

// TestHandMade checks streams worked out by hand from the format rules,
// independently of any encoder.
func TestHandMade(t *testing.T) {
	// A 4x2 all-black image: the first pixel costs "10000000" per channel
	// and its model update makes parameter 0 the best for bucket 0, so
	// every later zero residual is the single bit "1". Pixel (3,1) meets
	// the run condition and carries a MELCODE run instead.
	black4x2 := func(run string) []byte {
		w := header(TypeRGB32, 4, 2)
		w.bits(code8(0) + code8(0) + code8(0)) // (0,0)
		w.bits("111 111 111")                  // (1..3,0)
		w.bits("111 111 111")                  // (0..2,1)
		w.bits(run)
		return w.bytes()
	}
	tests := []struct {
		name string
		src  []byte
		want []byte // RGBA; nil means an error is expected
		err  error
	}{
		{
			name: "rgb32 1x1",
			src:  header(TypeRGB32, 1, 1).bits(code8(u2l(0x12)) + code8(u2l(0xab)) + code8(u2l(0xff))).bytes(),
			want: []byte{0x12, 0xab, 0xff, 0xff},
		},
		{
			name: "rgb24 1x1",
			src:  header(TypeRGB24, 1, 1).bits(code8(u2l(0x80)) + code8(u2l(0x7f)) + code8(u2l(0))).bytes(),
			want: []byte{0x80, 0x7f, 0x00, 0xff},
		},
		{
			name: "rgba 1x1",
			src:  header(TypeRGBA, 1, 1).bits(code8(u2l(1)) + code8(u2l(2)) + code8(u2l(3)) + code8(u2l(0x40))).bytes(),
			want: []byte{1, 2, 3, 0x40},
		},
		{
			name: "gray 1x1",
			src:  header(TypeGray, 1, 1).bits(code8(u2l(0xc8))).bytes(),
			want: []byte{0xc8, 0xc8, 0xc8, 0xff},
		},
		{
			// 5-bit samples start with parameter 4: "1" + 4 bits for
			// residuals below 16. Residuals 2, 31 and 0 are samples 1,
			// 16 and 0, widened as (v<<3)|(v>>2).
			name: "rgb16 1x1",
			src:  header(TypeRGB16, 1, 1).bits("1 0010  0 1111  1 0000").bytes(),
			want: []byte{1<<3 | 1>>2, 16<<3 | 16>>2, 0, 0xff},
		},
		{
			// Second pixel of the first row predicts from the first.
			name: "rgb32 2x1 left prediction",
			src: header(TypeRGB32, 2, 1).bits(code8(u2l(100)) + code8(u2l(100)) + code8(u2l(100)) +
				// Differences +1, -1 and 0 are residuals 2, 1 and 0. Their
				// context is residual 200 (bucket 7), which the update
				// after pixel 0 did not touch (it went to bucket 0), so
				// the parameter is still 7.
				code8(2) + code8(1) + code8(0)).bytes(),
			want: []byte{100, 100, 100, 0xff, 101, 99, 100, 0xff},
		},
		{
			name: "run of one",
			src:  black4x2("10"),
			want: make4x2Black(),
		},
		{
			// A zero-length run, then pixel (3,1) coded normally.
			name: "empty run",
			src:  black4x2("0 111"),
			want: make4x2Black(),
		},
		{
			name: "run past the row end",
			src:  black4x2("110"),
			err:  errRunLength,
		},
		{
			// After the first update parameter 0 is current for bucket 0;
			// its escape is 18 zeros and an 8-bit suffix added to 18, so
			// suffix 255 names 273, beyond any 8-bit residual.
			name: "escape out of range",
			src:  header(TypeRGB32, 2, 1).bits(code8(0) + code8(0) + code8(0)).bits(strings.Repeat("0", 18) + "11111111").bits("1 1").bytes(),
			err:  errCorrupt,
		},
		{
			name: "data ends early",
			src:  header(TypeRGB32, 4, 4).bits(code8(0) + code8(0) + code8(0)).bytes()[:24],
			err:  errTruncated,
		},
		{
			// Valid codes for a 1x1 image, but the header claims 64x64
			// and the zero words that follow run out.
			name: "header larger than data",
			src:  header(TypeRGB32, 64, 64).bits(code8(0) + code8(0) + code8(0)).bytes(),
			err:  errTruncated,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var img raster.Image
			err := Decode(tc.src, &img)
			if tc.want == nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(img.Pix, tc.want) {
				t.Errorf("pixels\n got % x\nwant % x", img.Pix, tc.want)
			}
		})
	}
}

func make4x2Black() []byte {
	b := make([]byte, 4*4*2)
	for i := 3; i < len(b); i += 4 {
		b[i] = 0xff
	}
	return b
}

func TestHeaderErrors(t *testing.T) {
	good := header(TypeRGB32, 1, 1).bits(code8(0) + code8(0) + code8(0)).bytes()
	with := func(word int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[4*word:], v)
		return b
	}
	withSize := func(w, h uint32) []byte {
		b := with(3, w)
		binary.LittleEndian.PutUint32(b[16:], h)
		return b
	}
	tests := []struct {
		name string
		src  []byte
		msg  string // substring of the error
		big  bool   // errors.Is(err, raster.ErrTooLarge)
	}{
		{name: "empty", src: nil, msg: "short header"},
		{name: "short header", src: good[:16], msg: "short header"},
		{name: "not whole words", src: good[:len(good)-1], msg: "not a multiple of 4"},
		{name: "bad magic", src: with(0, 0x43495552), msg: "bad magic"},
		{name: "bad version", src: with(1, 1<<16), msg: "unsupported version"},
		{name: "type 0", src: with(2, 0), msg: "unknown image type"},
		{name: "type 6", src: with(2, 6), msg: "unknown image type"},
		{name: "zero width", src: with(3, 0), msg: "empty image"},
		{name: "zero height", src: with(4, 0), msg: "empty image"},
		{name: "negative width", src: with(3, 0x80000000), big: true},
		{name: "too wide", src: with(3, raster.MaxDim+1), big: true},
		{name: "too tall", src: with(4, raster.MaxDim+1), big: true},
		{name: "too many pixels", src: withSize(raster.MaxDim/4, raster.MaxDim/2), big: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeConfig(tc.src)
			if err == nil {
				t.Fatal("DecodeConfig: no error")
			}
			var img raster.Image
			if derr := Decode(tc.src, &img); derr == nil || derr.Error() != err.Error() {
				t.Errorf("Decode err = %v, DecodeConfig err = %v", derr, err)
			}
			if tc.big {
				if !errors.Is(err, raster.ErrTooLarge) {
					t.Errorf("err = %v, want raster.ErrTooLarge", err)
				}
				return
			}
			var fe FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.msg) ||
				!strings.HasPrefix(err.Error(), "quic: invalid format: ") {
				t.Errorf("err = %v, want a FormatError about %q", err, tc.msg)
			}
		})
	}
	if _, err := DecodeConfig(good); err != nil {
		t.Fatalf("the unmodified stream: %v", err)
	}
}
