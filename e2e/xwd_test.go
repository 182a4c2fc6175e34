package e2e

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// xwdSpec describes a synthetic XWD file; encodeXWD writes it.
type xwdSpec struct {
	w, h          int
	bpp           int // 24 or 32
	msb           bool
	masks         [3]uint32
	pad           int // extra bytes per line
	name          string
	ncolors       int
	version       uint32
	format        uint32
	visual        uint32
	truncateBytes int
}

func defaultSpec(w, h int) xwdSpec {
	return xwdSpec{w: w, h: h, bpp: 32, masks: [3]uint32{0xff0000, 0xff00, 0xff},
		name: "test", ncolors: 2, version: 7, format: 2, visual: 4}
}

// encodeXWD writes pix (RGB triples, row-major) in the layout s describes,
// as an X server would for pixel value r<<rs | g<<gs | b<<bs.
func encodeXWD(s xwdSpec, pix func(x, y int) [3]byte) []byte {
	bpl := s.w*s.bpp/8 + s.pad
	hdr := make([]uint32, 25)
	hdr[0] = uint32(xwdHeaderLen + len(s.name) + 1)
	hdr[1], hdr[2], hdr[3] = s.version, s.format, 24
	hdr[4], hdr[5] = uint32(s.w), uint32(s.h)
	if s.msb {
		hdr[7] = xwdMSBFirst
	}
	hdr[10], hdr[11], hdr[12], hdr[13] = 32, uint32(s.bpp), uint32(bpl), s.visual
	hdr[14], hdr[15], hdr[16] = s.masks[0], s.masks[1], s.masks[2]
	hdr[17], hdr[18], hdr[19] = 8, 256, uint32(s.ncolors)
	out := binary.BigEndian.AppendUint32(nil, hdr[0])
	for _, v := range hdr[1:] {
		out = binary.BigEndian.AppendUint32(out, v)
	}
	out = append(out, s.name...)
	out = append(out, 0)
	out = append(out, make([]byte, s.ncolors*xwdColorLen)...)
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			c := pix(x, y)
			var v uint32
			for i, m := range s.masks {
				shift, width, _ := maskShape(m)
				v |= uint32(c[i]>>(8-width)) << shift
			}
			switch {
			case s.bpp == 32 && s.msb:
				out = binary.BigEndian.AppendUint32(out, v)
			case s.bpp == 32:
				out = binary.LittleEndian.AppendUint32(out, v)
			case s.msb:
				out = append(out, byte(v>>16), byte(v>>8), byte(v))
			default:
				out = append(out, byte(v), byte(v>>8), byte(v>>16))
			}
		}
		out = append(out, make([]byte, s.pad)...)
	}
	return out[:len(out)-s.truncateBytes]
}

func gradient(x, y int) [3]byte { return [3]byte{byte(x * 7), byte(y * 13), byte(x ^ y)} }

// want8 is gradient as a decoder must return it for the given masks.
func wantImage(w, h int, masks [3]uint32, pix func(x, y int) [3]byte) *raster.Image {
	img, _ := raster.NewImage(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := pix(x, y)
			o := img.Row(y)[x*4:]
			for i, m := range masks {
				_, width, _ := maskShape(m)
				v := int(c[i] >> (8 - width))
				max := 1<<width - 1
				o[i] = byte((v*255 + max/2) / max)
			}
			o[3] = 255
		}
	}
	return img
}

func TestDecodeXWD(t *testing.T) {
	bgr := [3]uint32{0xff, 0xff00, 0xff0000}
	rgb565 := [3]uint32{0xf800, 0x7e0, 0x1f}
	tests := []struct {
		name string
		spec func(s *xwdSpec)
	}{
		{"32bpp LSB (Xorg on x86)", func(s *xwdSpec) {}},
		{"32bpp MSB", func(s *xwdSpec) { s.msb = true }},
		{"24bpp LSB padded", func(s *xwdSpec) { s.bpp, s.pad = 24, 3 }},
		{"24bpp MSB", func(s *xwdSpec) { s.bpp, s.msb = 24, true }},
		{"32bpp BGR masks", func(s *xwdSpec) { s.masks = bgr }},
		{"narrow masks scaled", func(s *xwdSpec) { s.masks = rgb565 }},
		{"DirectColor no colormap", func(s *xwdSpec) { s.visual, s.ncolors = xwdDirect, 0 }},
		{"last row without padding", func(s *xwdSpec) { s.pad, s.truncateBytes = 4, 4 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := defaultSpec(13, 5)
			tt.spec(&s)
			got := &raster.Image{}
			if err := DecodeXWD(encodeXWD(s, gradient), got); err != nil {
				t.Fatal(err)
			}
			if d := rastertest.Diff(got, wantImage(s.w, s.h, s.masks, gradient), 0); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestDecodeXWDErrors(t *testing.T) {
	tests := []struct {
		name string
		spec func(s *xwdSpec)
		want string
	}{
		{"version", func(s *xwdSpec) { s.version = 6 }, "file version"},
		{"XYPixmap", func(s *xwdSpec) { s.format = 1 }, "pixmap format"},
		{"16bpp", func(s *xwdSpec) { s.bpp = 16 }, "bits per pixel"},
		{"PseudoColor", func(s *xwdSpec) { s.visual = 3 }, "visual class"},
		{"split mask", func(s *xwdSpec) { s.masks[0] = 0xf0f000 }, "colour mask"},
		{"wide mask", func(s *xwdSpec) { s.masks[0] = 0x3ff0000 }, "colour mask"},
		{"empty mask", func(s *xwdSpec) { s.masks[2] = 0 }, "colour mask"},
		{"truncated pixels", func(s *xwdSpec) { s.truncateBytes = 1 }, "want"},
		{"huge", func(s *xwdSpec) { s.w, s.h = 1<<15+1, 1 }, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := defaultSpec(4, 3)
			tt.spec(&s)
			var data []byte
			if s.w > 100 { // do not build pixels for a huge header
				s2 := s
				s2.w, s2.h = 1, 1
				data = encodeXWD(s2, gradient)
				binary.BigEndian.PutUint32(data[16:], uint32(s.w))
			} else {
				data = encodeXWD(s, gradient)
			}
			err := DecodeXWD(data, &raster.Image{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if !errors.Is(err, errXWDFormat) && !errors.Is(err, raster.ErrTooLarge) {
				t.Errorf("err = %v, want errXWDFormat or raster.ErrTooLarge", err)
			}
		})
	}
	if err := DecodeXWD(make([]byte, 50), &raster.Image{}); !errors.Is(err, errXWDFormat) {
		t.Errorf("short header: err = %v", err)
	}
}

// readGolden returns the gunzipped bytes of a captured dump.
func readGolden(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDecodeXWDGolden decodes a root-window dump taken from Xspice (see
// testdata/README); the expected PNG was checked against ImageMagick's own
// XWD reader.
func TestDecodeXWDGolden(t *testing.T) {
	data := readGolden(t, "testdata/xwd/xspice-root-640x480.xwd.gz")
	got := &raster.Image{}
	if err := DecodeXWD(data, got); err != nil {
		t.Fatal(err)
	}
	rastertest.CheckGolden(t, "testdata/xwd/xspice-root-640x480.png", got, 0)
}

func FuzzDecodeXWD(f *testing.F) {
	files, _ := filepath.Glob("testdata/xwd/*.xwd.gz")
	for _, p := range files {
		data := readGolden(f, p)
		// Keep the real header and colour table but only two rows, so that
		// the fuzzer mutates a small input.
		h, err := DecodeXWDHeader(data)
		if err != nil {
			f.Fatal(err)
		}
		binary.BigEndian.PutUint32(data[20:], 2)
		f.Add(data[:int(h.HeaderSize)+int(h.NColors)*xwdColorLen+2*int(h.BytesPerLine)])
	}
	for _, mod := range []func(*xwdSpec){
		func(s *xwdSpec) { s.bpp = 24 },
		func(s *xwdSpec) { s.msb = true },
		func(s *xwdSpec) { s.masks = [3]uint32{0xf800, 0x7e0, 0x1f} },
	} {
		s := defaultSpec(5, 4)
		mod(&s)
		f.Add(encodeXWD(s, gradient))
	}
	dst := &raster.Image{}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeXWDHeader(data)
		if err == nil && uint64(h.Width)*uint64(h.Height) > raster.MaxPixels {
			t.Skip()
		}
		if err := DecodeXWD(data, dst); err != nil {
			return
		}
		if dst.W != int(h.Width) || dst.H != int(h.Height) {
			t.Fatalf("decoded %dx%d, header says %dx%d", dst.W, dst.H, h.Width, h.Height)
		}
		for i := 3; i < len(dst.Pix); i += 4 {
			if dst.Pix[i] != 255 {
				t.Fatalf("alpha %d at byte %d", dst.Pix[i], i)
			}
		}
	})
}

func BenchmarkDecodeXWD(b *testing.B) {
	for _, bc := range []struct {
		name string
		spec func(s *xwdSpec)
	}{
		{"1024x768-32bpp-LSB", func(s *xwdSpec) {}},
		{"1024x768-24bpp-MSB", func(s *xwdSpec) { s.bpp, s.msb = 24, true }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := defaultSpec(1024, 768)
			bc.spec(&s)
			data := encodeXWD(s, gradient)
			dst := &raster.Image{}
			if err := DecodeXWD(data, dst); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(s.w * s.h * 4))
			b.ReportAllocs()
			for b.Loop() {
				if err := DecodeXWD(data, dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
