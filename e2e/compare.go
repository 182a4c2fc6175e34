package e2e

import (
	"bytes"
	"fmt"
	"image"
	"testing"

	"spiceweb/wasm/raster"
)

// ImageDiff describes how two images differ, ignoring some rectangles.
type ImageDiff struct {
	GotSize, WantSize image.Point
	Count             int             // differing pixels outside the ignored rectangles
	First             image.Point     // first differing pixel, in row order
	Bounds            image.Rectangle // smallest rectangle holding every differing pixel
	GotPix, WantPix   [4]byte         // RGBA at First
}

// Equal reports whether the images have the same size and no differing
// pixel outside the ignored rectangles.
func (d ImageDiff) Equal() bool { return d.GotSize == d.WantSize && d.Count == 0 }

func (d ImageDiff) String() string {
	if d.GotSize != d.WantSize {
		return fmt.Sprintf("size %dx%d, want %dx%d", d.GotSize.X, d.GotSize.Y, d.WantSize.X, d.WantSize.Y)
	}
	if d.Count == 0 {
		return "images are equal"
	}
	return fmt.Sprintf("%d pixels differ (%.3f%%), first at (%d,%d): got RGBA %02x%02x%02x%02x want %02x%02x%02x%02x; bounding box %v",
		d.Count, 100*float64(d.Count)/float64(d.WantSize.X*d.WantSize.Y), d.First.X, d.First.Y,
		d.GotPix[0], d.GotPix[1], d.GotPix[2], d.GotPix[3], d.WantPix[0], d.WantPix[1], d.WantPix[2], d.WantPix[3], d.Bounds)
}

// DiffImages compares got and want exactly, all four bytes of each pixel,
// skipping pixels inside any of the ignore rectangles.
func DiffImages(got, want *raster.Image, ignore []image.Rectangle) ImageDiff {
	d := ImageDiff{GotSize: image.Pt(got.W, got.H), WantSize: image.Pt(want.W, want.H)}
	if d.GotSize != d.WantSize {
		return d
	}
	for y := 0; y < got.H; y++ {
		g, w := got.Row(y), want.Row(y)
		if bytes.Equal(g, w) {
			continue
		}
		for x := 0; x < got.W; x++ {
			if bytes.Equal(g[x*4:x*4+4], w[x*4:x*4+4]) || ignored(x, y, ignore) {
				continue
			}
			if d.Count == 0 {
				d.First = image.Pt(x, y)
				copy(d.GotPix[:], g[x*4:])
				copy(d.WantPix[:], w[x*4:])
			}
			d.Count++
			d.Bounds = d.Bounds.Union(image.Rect(x, y, x+1, y+1))
		}
	}
	return d
}

func ignored(x, y int, rects []image.Rectangle) bool {
	p := image.Pt(x, y)
	for _, r := range rects {
		if p.In(r) {
			return true
		}
	}
	return false
}

// DiffImage draws a picture of the difference: differing pixels red,
// ignored rectangles dark blue, equal pixels a dim grey copy of want so the
// eye can place the red, and a yellow frame around the differing pixels so
// that a single one is easy to find. Pixels outside the common area are
// magenta.
func DiffImage(got, want *raster.Image, ignore []image.Rectangle) *raster.Image {
	w, h := max(got.W, want.W), max(got.H, want.H)
	out, err := raster.NewImage(w, h)
	if err != nil {
		return &raster.Image{}
	}
	var bounds image.Rectangle
	for y := 0; y < h; y++ {
		row := out.Row(y)
		for x := 0; x < w; x++ {
			o := row[x*4 : x*4+4]
			switch {
			case x >= got.W || y >= got.H || x >= want.W || y >= want.H:
				o[0], o[1], o[2] = 255, 0, 255
			case ignored(x, y, ignore):
				o[0], o[1], o[2] = 0, 0, 96
			case !bytes.Equal(got.Row(y)[x*4:x*4+4], want.Row(y)[x*4:x*4+4]):
				o[0], o[1], o[2] = 255, 0, 0
				bounds = bounds.Union(image.Rect(x, y, x+1, y+1))
			default:
				p := want.Row(y)[x*4:]
				grey := byte((int(p[0])*3 + int(p[1])*6 + int(p[2])) / 40) // a quarter of the luma
				o[0], o[1], o[2] = grey, grey, grey
			}
			o[3] = 255
		}
	}
	if !bounds.Empty() {
		frame(out, bounds.Inset(-3), [4]byte{255, 255, 0, 255})
	}
	return out
}

// frame draws the 1-pixel outline of r, clipped to m.
func frame(m *raster.Image, r image.Rectangle, c [4]byte) {
	in := image.Rect(0, 0, m.W, m.H)
	for x := r.Min.X; x < r.Max.X; x++ {
		for _, y := range []int{r.Min.Y, r.Max.Y - 1} {
			if image.Pt(x, y).In(in) {
				copy(m.Row(y)[x*4:], c[:])
			}
		}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for _, x := range []int{r.Min.X, r.Max.X - 1} {
			if image.Pt(x, y).In(in) {
				copy(m.Row(y)[x*4:], c[:])
			}
		}
	}
}

// CompareImages fails t unless got equals want outside ignore. On failure
// it reports the count of differing pixels, the first one and their
// bounding box, and saves <name>-got.png, <name>-want.png and
// <name>-diff.png in ArtifactDir(t).
func CompareImages(t testing.TB, name string, got, want *raster.Image, ignore ...image.Rectangle) bool {
	t.Helper()
	d := DiffImages(got, want, ignore)
	if d.Equal() {
		return true
	}
	saveDiffArtifacts(t, name, got, want, ignore)
	t.Errorf("e2e: %s: %v", name, d)
	return false
}

func saveDiffArtifacts(t testing.TB, name string, got, want *raster.Image, ignore []image.Rectangle) {
	t.Helper()
	saveArtifactPNG(t, name+"-got.png", got)
	saveArtifactPNG(t, name+"-want.png", want)
	saveArtifactPNG(t, name+"-diff.png", DiffImage(got, want, ignore))
}

// PointerBox is the rectangle of side 2r+1 centred on p, to leave a painted
// pointer out of a comparison: after a client disconnects, Xspice may draw
// the pointer into what it sends while xwd never shows it.
func PointerBox(p image.Point, r int) image.Rectangle {
	return image.Rect(p.X-r, p.Y-r, p.X+r+1, p.Y+r+1)
}

// SubImage copies the rectangle r of m into a new image (for comparing a
// window's area of a framebuffer with the picture it shows).
func SubImage(m *raster.Image, r image.Rectangle) *raster.Image {
	r = r.Intersect(image.Rect(0, 0, m.W, m.H))
	out, err := raster.NewImage(r.Dx(), r.Dy())
	if err != nil {
		return &raster.Image{}
	}
	for y := 0; y < r.Dy(); y++ {
		copy(out.Row(y), m.Row(r.Min.Y + y)[r.Min.X*4:r.Max.X*4])
	}
	return out
}
