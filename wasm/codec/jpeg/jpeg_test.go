package jpeg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"testing"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/raster"
)

// xxxaStream writes an LZ XXXA stream the simplest valid way: the 28-byte
// big-endian header, then the alpha bytes (rows in stream order) as
// literal runs of at most 32 (ctrl = run length - 1).
func xxxaStream(w, h int, topDown bool, rows []byte) []byte {
	return lzStream(lz.TypeXXXA, w, h, w*4, topDown, rows)
}

func lzStream(t lz.Type, w, h, stride int, topDown bool, units []byte) []byte {
	td := 0
	if topDown {
		td = 1
	}
	var b []byte
	for _, v := range []int{lz.Magic, lz.Version, int(t), w, h, stride, td} {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	for len(units) > 0 {
		n := min(len(units), 32)
		b = append(b, byte(n-1))
		b = append(b, units[:n]...)
		units = units[n:]
	}
	return b
}

// testJPEG encodes a small image whose left half is red and right half
// blue, so orientation and colour errors show, at a quality where the
// flat halves decode close to exact.
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{200, 30, 30, 255}
			if x >= w/2 {
				c = color.RGBA{20, 40, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, img, &stdjpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// near allows for JPEG's loss on flat colours.
func near(a, b byte) bool { d := int(a) - int(b); return d > -12 && d < 12 }

func TestDecode(t *testing.T) {
	const w, h = 32, 16
	var dst raster.Image
	if err := Decode(testJPEG(t, w, h), &dst); err != nil {
		t.Fatal(err)
	}
	if dst.W != w || dst.H != h || dst.Stride != 4*w {
		t.Fatalf("got %dx%d stride %d", dst.W, dst.H, dst.Stride)
	}
	for _, p := range []struct {
		x, y    int
		r, g, b byte
	}{{2, 2, 200, 30, 30}, {w - 3, h - 3, 20, 40, 220}} {
		px := dst.Pix[p.y*dst.Stride+4*p.x:]
		if !near(px[0], p.r) || !near(px[1], p.g) || !near(px[2], p.b) || px[3] != 255 {
			t.Errorf("pixel (%d,%d) = %v, want about %d,%d,%d,255", p.x, p.y, px[:4], p.r, p.g, p.b)
		}
	}
}

// TestDecodeAlphaOrientation builds JPEG_ALPHA images whose alpha plane
// holds each row's number, in both orientations: the top output row must
// get alpha 0 either way, from the first coded row when top-down and from
// the last when bottom-up (canvas_get_jpeg_alpha).
func TestDecodeAlphaOrientation(t *testing.T) {
	const w, h = 32, 16
	jpg := testJPEG(t, w, h)
	for _, topDown := range []bool{true, false} {
		rows := make([]byte, w*h) // stream order
		for i := 0; i < h; i++ {
			y := i // display row this coded row belongs to
			if !topDown {
				y = h - 1 - i
			}
			for x := 0; x < w; x++ {
				rows[i*w+x] = byte(10*y + x%3)
			}
		}
		src := append(append([]byte{}, jpg...), xxxaStream(w, h, topDown, rows)...)
		var dst raster.Image
		if err := DecodeAlpha(src, len(jpg), topDown, &dst); err != nil {
			t.Fatalf("topDown=%v: %v", topDown, err)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if a := dst.Pix[y*dst.Stride+4*x+3]; a != byte(10*y+x%3) {
					t.Fatalf("topDown=%v: alpha at (%d,%d) = %d, want %d", topDown, x, y, a, 10*y+x%3)
				}
			}
		}
		// Colours still come from the JPEG, top-down.
		if px := dst.Pix[4*2:]; !near(px[0], 200) || !near(px[2], 30) {
			t.Errorf("topDown=%v: colour at (2,0) = %v", topDown, px[:3])
		}
	}
}

func TestErrors(t *testing.T) {
	const w, h = 32, 16
	jpg := testJPEG(t, w, h)
	alpha := xxxaStream(w, h, true, make([]byte, w*h))
	join := func(a, b []byte) []byte { return append(append([]byte{}, a...), b...) }
	tests := []struct {
		name     string
		src      []byte
		jpegSize int // < 0: call Decode on src instead of DecodeAlpha
		topDown  bool
		is       error // errors.Is target; nil means a FormatError
		lzErr    bool  // the error comes from package lz
	}{
		{name: "empty", src: nil, jpegSize: -1},
		{name: "not a jpeg", src: []byte("GIF89a........"), jpegSize: -1},
		{name: "truncated scan", src: jpg[:len(jpg)/2], jpegSize: -1},
		{name: "header past MaxDim", src: sofOnly(60000, 100), jpegSize: -1, is: raster.ErrTooLarge},
		{name: "header past MaxPixels", src: sofOnly(30000, 30000), jpegSize: -1, is: raster.ErrTooLarge},
		{name: "alpha: jpeg_size negative", src: join(jpg, alpha), jpegSize: -5, topDown: true},
		{name: "alpha: jpeg_size past data", src: join(jpg, alpha), jpegSize: len(jpg) + len(alpha) + 1, topDown: true},
		{name: "alpha: huge header", src: join(sofOnly(60000, 60000), alpha), jpegSize: len(sofOnly(60000, 60000)), topDown: true, is: raster.ErrTooLarge},
		{name: "alpha: no alpha stream", src: jpg, jpegSize: len(jpg), topDown: true, lzErr: true},
		{name: "alpha: garbage alpha stream", src: join(jpg, bytes.Repeat([]byte{7}, 40)), jpegSize: len(jpg), topDown: true, lzErr: true},
		{name: "alpha: stream not XXXA", src: join(jpg, lzStream(lz.TypeA8, w, h, w, true, make([]byte, w*h))), jpegSize: len(jpg), topDown: true},
		{name: "alpha: wrong width", src: join(jpg, xxxaStream(w-1, h, true, make([]byte, (w-1)*h))), jpegSize: len(jpg), topDown: true},
		{name: "alpha: wrong height", src: join(jpg, xxxaStream(w, h+1, true, make([]byte, w*(h+1)))), jpegSize: len(jpg), topDown: true},
		{name: "alpha: orientation differs from flag", src: join(jpg, alpha), jpegSize: len(jpg), topDown: false},
		{name: "alpha: truncated alpha", src: join(jpg, alpha[:len(alpha)-3]), jpegSize: len(jpg), topDown: true, lzErr: true},
		{name: "alpha: bytes after alpha", src: join(join(jpg, alpha), []byte{0}), jpegSize: len(jpg), topDown: true, lzErr: true},
		{name: "alpha: truncated jpeg", src: join(jpg[:len(jpg)-40], alpha), jpegSize: len(jpg) - 40, topDown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dst raster.Image
			var err error
			if tt.jpegSize == -1 {
				err = Decode(tt.src, &dst)
			} else {
				err = DecodeAlpha(tt.src, tt.jpegSize, tt.topDown, &dst)
			}
			if err == nil {
				t.Fatal("no error")
			}
			switch {
			case tt.is != nil:
				if !errors.Is(err, tt.is) {
					t.Fatalf("error %v, want %v", err, tt.is)
				}
				if dst.Pix != nil {
					t.Errorf("allocated %d bytes for an oversized header", len(dst.Pix))
				}
			case tt.lzErr:
				var le lz.FormatError
				if !errors.As(err, &le) {
					t.Fatalf("error %T %v, want an lz.FormatError", err, err)
				}
			default:
				var fe FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("error %T %v, want a FormatError", err, err)
				}
			}
		})
	}
}

// sofOnly is a JPEG with a baseline frame header announcing w x h and an
// empty scan: image/jpeg's DecodeConfig reads up to the SOS marker (no
// JFIF segment here to stop it at SOF), and a full decode would allocate
// the whole frame.
func sofOnly(w, h int) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 17, 8}
	b = binary.BigEndian.AppendUint16(b, uint16(h))
	b = binary.BigEndian.AppendUint16(b, uint16(w))
	b = append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	b = append(b, 0xff, 0xda, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
	return append(b, 0xff, 0xd9)
}

func TestDecodeConfig(t *testing.T) {
	w, h, err := DecodeConfig(testJPEG(t, 48, 8))
	if err != nil || w != 48 || h != 8 {
		t.Errorf("DecodeConfig = %d, %d, %v; want 48, 8, nil", w, h, err)
	}
}
