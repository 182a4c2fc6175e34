package jpeg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// segments returns the marker segments before SOS, by marker.
func segments(t testing.TB, b []byte) map[byte][][]byte {
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
func strip(t testing.TB, b []byte, markers ...byte) []byte {
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
func huffTables(t testing.TB, segs [][]byte) map[byte][]byte {
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
	for _, seq := range loadMJPEG(f) {
		f.Add(seq.Frames[0], seq.Frames[1])
	}
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

func TestCompleteWholeFrameUnchanged(t *testing.T) {
	f := testFrame(t, 7)
	jpg, next, err := Complete(nil, f, Tables{DQT: []byte{1}, DHT: []byte{2}})
	if err != nil {
		t.Fatal(err)
	}
	if &jpg[0] != &f[0] || len(jpg) != len(f) {
		t.Error("a frame with all its tables was copied or changed")
	}
	segs := segments(t, f)
	if !bytes.Equal(next.DQT, bytes.Join(segs[0xdb], nil)) || !bytes.Equal(next.DHT, bytes.Join(segs[0xc4], nil)) {
		t.Error("next tables are not the frame's own")
	}
}

func TestCompleteInsertsPrevTables(t *testing.T) {
	f1, f2 := testFrame(t, 1), testFrame(t, 2)
	_, prev, err := Complete(nil, f1, Tables{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		strip   []byte
		wantDQT bool // prev's DQT inserted
		wantDHT bool
	}{
		{"no tables", []byte{0xdb, 0xc4}, true, true},
		{"no DHT", []byte{0xc4}, false, true},
		{"no DQT", []byte{0xdb}, true, false},
	} {
		bare := strip(t, f2, tc.strip...)
		dst := []byte("keep")
		jpg, next, err := Complete(dst, bare, prev)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := append([]byte("keep"), bare[:2]...)
		if tc.wantDQT {
			want = append(want, prev.DQT...)
		}
		if tc.wantDHT {
			want = append(want, prev.DHT...)
		}
		want = append(want, bare[2:]...)
		if !bytes.Equal(jpg, want) {
			t.Errorf("%s: result is not SOI, the missing tables, then the rest of the frame", tc.name)
		}
		own := segments(t, bare)
		if wantDQT := bytes.Join(own[0xdb], nil); !tc.wantDQT && !bytes.Equal(next.DQT, wantDQT) || tc.wantDQT && !bytes.Equal(next.DQT, prev.DQT) {
			t.Errorf("%s: next DQT is not the frame's own, or prev's when it has none", tc.name)
		}
		if wantDHT := bytes.Join(own[0xc4], nil); !tc.wantDHT && !bytes.Equal(next.DHT, wantDHT) || tc.wantDHT && !bytes.Equal(next.DHT, prev.DHT) {
			t.Errorf("%s: next DHT is not the frame's own, or prev's when it has none", tc.name)
		}
		// The result stands alone: Go's decoder reads it and gets what
		// the original frame gives.
		got, wantImg := &raster.Image{}, &raster.Image{}
		if err := Decode(jpg[4:], got); err != nil {
			t.Fatalf("%s: completed frame: %v", tc.name, err)
		}
		if err := Decode(f2, wantImg); err != nil {
			t.Fatal(err)
		}
		if d := rastertest.Diff(got, wantImg, 0); d != "" {
			t.Errorf("%s: %s", tc.name, d)
		}
	}
}

// libjpeg writes one segment per table, Go one for all; a frame whose
// table segments are not adjacent still yields all of them.
func TestCompleteScatteredSegments(t *testing.T) {
	f := testFrame(t, 8)
	segs := segments(t, f)
	dqt, dht := segs[0xdb][0], segs[0xc4][0]
	com := []byte{0xff, 0xfe, 0x00, 0x04, 'h', 'i'}
	// SOI, DQT, COM, DQT (again), the rest without tables.
	frame := append([]byte{0xff, 0xd8}, dqt...)
	frame = append(frame, com...)
	frame = append(frame, dqt...)
	frame = append(frame, strip(t, f, 0xdb, 0xc4)[2:]...)
	_, next, err := Complete(nil, frame, Tables{DHT: dht})
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{}, dqt...), dqt...); !bytes.Equal(next.DQT, want) {
		t.Errorf("next DQT has %d bytes, want both segments (%d)", len(next.DQT), len(want))
	}
	if !bytes.Equal(next.DHT, dht) {
		t.Error("next DHT is not prev's")
	}
}

func TestCompleteErrors(t *testing.T) {
	f := testFrame(t, 9)
	huge := []byte{0xff, 0xd8}
	for len(huge) < MaxTableBytes+100 {
		huge = append(huge, segments(t, f)[0xdb][0]...)
	}
	huge = append(huge, f[2:]...)
	for name, tc := range map[string]struct {
		frame []byte
		prev  Tables
	}{
		"empty":             {nil, Tables{}},
		"no SOI":            {f[2:], Tables{}},
		"no SOS":            {f[:200], Tables{}},
		"no DQT ever":       {strip(t, f, 0xdb), Tables{DHT: []byte{0xff}}},
		"tables too large":  {huge, Tables{}},
		"zero-length field": {[]byte{0xff, 0xd8, 0xff, 0xc4, 0x00, 0x00, 0xff, 0xda}, Tables{}},
	} {
		jpg, _, err := Complete(nil, tc.frame, tc.prev)
		var fe FormatError
		if !errors.As(err, &fe) || jpg != nil {
			t.Errorf("%s: got %d bytes, error %v; want no JPEG and a FormatError", name, len(jpg), err)
		}
	}
}

// FuzzComplete completes two frames in a row, the second with the
// tables the first left: no panic; an error comes with no JPEG; a result
// is SOI, inserted tables, then the frame after SOI, and standalone: made
// complete again without earlier tables, it comes back unchanged.
func FuzzComplete(f *testing.F) {
	f1 := testFrame(f, 10)
	f.Add(f1, strip(f, testFrame(f, 11), 0xdb, 0xc4))
	f.Add(f1, strip(f, testFrame(f, 12), 0xc4))
	f.Add(strip(f, f1, 0xc4), strip(f, testFrame(f, 13), 0xdb, 0xc4))
	f.Add(f1, []byte{0xff, 0xd8, 0xff, 0xff, 0xff, 0xda, 0, 2})
	for _, seq := range loadMJPEG(f) {
		f.Add(seq.Frames[0], seq.Frames[1])
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var prev Tables
		for _, frame := range [][]byte{a, b} {
			jpg, next, err := Complete(nil, frame, prev)
			if err != nil {
				if jpg != nil {
					t.Fatal("error and a JPEG")
				}
				continue
			}
			if len(jpg) < len(frame) || !bytes.Equal(jpg[:2], frame[:2]) || !bytes.Equal(jpg[len(jpg)-(len(frame)-2):], frame[2:]) {
				t.Fatal("the result is not SOI + tables + the frame after SOI")
			}
			if len(next.DQT) == 0 || len(next.DQT) > MaxTableBytes || len(next.DHT) > MaxTableBytes {
				t.Fatalf("next tables: %d bytes DQT, %d DHT", len(next.DQT), len(next.DHT))
			}
			again, _, err := Complete(nil, jpg, Tables{})
			if err != nil || !bytes.Equal(again, jpg) {
				t.Fatalf("the completed frame is not standalone: %v", err)
			}
			prev = Tables{DQT: bytes.Clone(next.DQT), DHT: bytes.Clone(next.DHT)}
		}
	})
}
