package jpeg

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// segments returns the marker segments before SOS, by marker.
func segments(t *testing.T, b []byte) map[byte][][]byte {
	t.Helper()
	out := map[byte][][]byte{}
	for off := 2; off+4 <= len(b) && b[off+1] != 0xda; {
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		out[b[off+1]] = append(out[b[off+1]], b[off:off+2+n])
		off += 2 + n
	}
	return out
}

// strip removes the segments with the given markers before SOS.
func strip(t *testing.T, b []byte, markers ...byte) []byte {
	t.Helper()
	out := append([]byte(nil), b[:2]...)
	off := 2
	for off+4 <= len(b) && b[off+1] != 0xda {
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if !bytes.Contains(markers, b[off+1:off+2]) {
			out = append(out, b[off:off+2+n]...)
		}
		off += 2 + n
	}
	return append(out, b[off:]...)
}

// huffTables splits DHT segments into their tables, keyed by class.
func huffTables(t *testing.T, segs [][]byte) map[byte][]byte {
	t.Helper()
	out := map[byte][]byte{}
	for _, s := range segs {
		body := s[4:]
		for len(body) > 17 {
			n := 0
			for _, c := range body[1:17] {
				n += int(c)
			}
			out[body[0]] = body[:17+n]
			body = body[17+n:]
		}
	}
	return out
}

func testFrame(t testing.TB, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 24))
	for y := range 24 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{uint8(x*6 + seed), uint8(y * 10), uint8(seed * 40), 255})
		}
	}
	var b bytes.Buffer
	if err := stdjpeg.Encode(&b, img, &stdjpeg.Options{Quality: 70}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The typed-in Annex K tables are the ones Go's encoder writes.
func TestStandardDHTMatchesEncoder(t *testing.T) {
	want := huffTables(t, segments(t, testFrame(t, 1))[0xc4])
	got := huffTables(t, [][]byte{standardDHT})
	if len(want) != 4 || len(got) != 4 {
		t.Fatalf("tables: encoder %d, ours %d; want 4", len(want), len(got))
	}
	for class, w := range want {
		if !bytes.Equal(got[class], w) {
			t.Errorf("table %#02x differs from the encoder's", class)
		}
	}
}

func TestStreamReusesTables(t *testing.T) {
	f1, f2 := testFrame(t, 1), testFrame(t, 2)
	want := &raster.Image{}
	if err := Decode(f2, want); err != nil {
		t.Fatal(err)
	}
	bare := strip(t, f2, 0xdb, 0xc4)
	if err := Decode(bare, &raster.Image{}); err == nil {
		t.Fatal("a frame without tables decoded on its own; the test proves nothing")
	}
	var s Stream
	got := &raster.Image{}
	if err := s.Decode(f1, got); err != nil {
		t.Fatal(err)
	}
	if err := s.Decode(bare, got); err != nil {
		t.Fatalf("frame without tables after one with them: %v", err)
	}
	if d := rastertest.Diff(got, want, 0); d != "" {
		t.Error(d)
	}
}

func TestStreamStandardHuffman(t *testing.T) {
	f := testFrame(t, 3)
	want := &raster.Image{}
	if err := Decode(f, want); err != nil {
		t.Fatal(err)
	}
	var s Stream
	got := &raster.Image{}
	if err := s.Decode(strip(t, f, 0xc4), got); err != nil {
		t.Fatalf("frame without Huffman tables: %v", err)
	}
	if d := rastertest.Diff(got, want, 0); d != "" {
		t.Error(d)
	}
}

func TestStreamErrors(t *testing.T) {
	f := testFrame(t, 4)
	for name, b := range map[string][]byte{
		"empty":                nil,
		"no SOI":               f[2:],
		"truncated segment":    f[:30],
		"no tables ever":       strip(t, f, 0xdb),
		"garbage after SOI":    {0xff, 0xd8, 0x00, 0x00, 0x00},
		"segment length short": {0xff, 0xd8, 0xff, 0xdb, 0x00, 0x01},
	} {
		var s Stream
		if err := s.Decode(b, &raster.Image{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzStream(f *testing.F) {
	f1, f2 := testFrame(f, 5), testFrame(f, 6)
	f.Add(f1, f2)
	f.Fuzz(func(t *testing.T, a, b []byte) {
		for _, frame := range [][]byte{a, b} {
			if w, h, err := DecodeConfig(frame); err == nil && w*h > 1<<20 {
				return
			}
		}
		var s Stream
		dst := &raster.Image{}
		for _, frame := range [][]byte{a, b} {
			if err := s.Decode(frame, dst); err == nil && (dst.W == 0 || dst.H == 0) {
				t.Fatal("no error and no image")
			}
		}
	})
}
