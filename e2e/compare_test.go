package e2e

import (
	"image"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
)

func solid(w, h int, c [4]byte) *raster.Image {
	img, _ := raster.NewImage(w, h)
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], c[:])
	}
	return img
}

func setPixel(m *raster.Image, x, y int, c [4]byte) { copy(m.Row(y)[x*4:], c[:]) }

func TestDiffImages(t *testing.T) {
	blue := [4]byte{0x33, 0x66, 0xcc, 0xff}
	red := [4]byte{0xff, 0, 0, 0xff}
	tests := []struct {
		name      string
		got       func() *raster.Image
		ignore    []image.Rectangle
		wantCount int
		wantFirst image.Point
		wantBox   image.Rectangle
		wantSize  bool // sizes differ
		wantText  string
	}{
		{name: "equal", got: func() *raster.Image { return solid(8, 6, blue) }, wantText: "equal"},
		{name: "two pixels", got: func() *raster.Image {
			m := solid(8, 6, blue)
			setPixel(m, 5, 1, red)
			setPixel(m, 2, 4, red)
			return m
		}, wantCount: 2, wantFirst: image.Pt(5, 1), wantBox: image.Rect(2, 1, 6, 5),
			wantText: "2 pixels differ (4.167%), first at (5,1): got RGBA ff0000ff want 3366ccff; bounding box (2,1)-(6,5)"},
		{name: "alpha only", got: func() *raster.Image {
			m := solid(8, 6, blue)
			setPixel(m, 0, 0, [4]byte{0x33, 0x66, 0xcc, 0})
			return m
		}, wantCount: 1, wantBox: image.Rect(0, 0, 1, 1)},
		{name: "ignored", got: func() *raster.Image {
			m := solid(8, 6, blue)
			setPixel(m, 5, 1, red)
			setPixel(m, 2, 4, red)
			return m
		}, ignore: []image.Rectangle{PointerBox(image.Pt(5, 1), 1)}, wantCount: 1, wantFirst: image.Pt(2, 4), wantBox: image.Rect(2, 4, 3, 5)},
		{name: "size", got: func() *raster.Image { return solid(8, 5, blue) }, wantSize: true, wantText: "size 8x5, want 8x6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := DiffImages(tt.got(), solid(8, 6, blue), tt.ignore)
			if d.Equal() != (tt.wantCount == 0 && !tt.wantSize) {
				t.Errorf("Equal() = %v for %v", d.Equal(), d)
			}
			if !tt.wantSize && (d.Count != tt.wantCount || d.First != tt.wantFirst || d.Bounds != tt.wantBox) {
				t.Errorf("got count %d first %v box %v, want %d %v %v", d.Count, d.First, d.Bounds, tt.wantCount, tt.wantFirst, tt.wantBox)
			}
			if tt.wantText != "" && !strings.Contains(d.String(), tt.wantText) {
				t.Errorf("String() = %q, want it to contain %q", d.String(), tt.wantText)
			}
		})
	}
}

func TestDiffImage(t *testing.T) {
	want := solid(4, 3, [4]byte{200, 200, 200, 255})
	got := solid(6, 3, [4]byte{200, 200, 200, 255})
	setPixel(got, 1, 1, [4]byte{0, 0, 0, 255})
	setPixel(got, 3, 2, [4]byte{0, 0, 0, 255})
	d := DiffImage(got, want, []image.Rectangle{image.Rect(3, 2, 4, 3)})
	if d.W != 6 || d.H != 3 {
		t.Fatalf("diff image %dx%d, want 6x3", d.W, d.H)
	}
	for _, c := range []struct {
		x, y int
		want [4]byte
	}{
		{1, 1, [4]byte{255, 0, 0, 255}},   // differs
		{3, 2, [4]byte{0, 0, 96, 255}},    // ignored
		{5, 0, [4]byte{255, 0, 255, 255}}, // outside want
		{0, 0, [4]byte{50, 50, 50, 255}},  // equal: a quarter of the luma
		{4, 1, [4]byte{255, 255, 0, 255}}, // frame, 3 pixels right of (1,1)
	} {
		if got := pixel(d, image.Pt(c.x, c.y)); got != c.want {
			t.Errorf("diff pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
}

func TestSubImage(t *testing.T) {
	m := solid(6, 4, [4]byte{1, 2, 3, 255})
	setPixel(m, 2, 1, [4]byte{9, 9, 9, 255})
	s := SubImage(m, image.Rect(2, 1, 10, 3)) // clipped to the image
	if s.W != 4 || s.H != 2 {
		t.Fatalf("sub-image %dx%d, want 4x2", s.W, s.H)
	}
	if got := pixel(s, image.Pt(0, 0)); got != [4]byte{9, 9, 9, 255} {
		t.Errorf("sub-image origin %v", got)
	}
}

func pixel(m *raster.Image, p image.Point) [4]byte {
	var c [4]byte
	copy(c[:], m.Row(p.Y)[p.X*4:])
	return c
}
