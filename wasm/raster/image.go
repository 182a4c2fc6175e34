// Package raster holds pixel buffers and the drawing operations SPICE's
// display channel performs on them. It is pure Go: no canvas, no I/O.
//
// Pixels are stored as 4 bytes R, G, B, A, rows top to bottom, alpha
// premultiplied: the layout of image.RGBA, and of the browser's ImageData
// when alpha is 255. Keeping the browser's byte order means presenting a
// surface is a copy, not a conversion. Premultiplied alpha is what SPICE
// (pixman a8r8g8b8) means by an RGBA pixel, so compositing matches the
// server bit for bit.
package raster

import (
	"errors"
	"image"
)

// MaxPixels bounds every image and surface: 16 Mi pixels (64 MiB) is more
// than a 5K display and still fits a browser tab. Decoders check declared
// sizes against it before allocating.
const MaxPixels = 1 << 24

// MaxDim bounds each side, so that w*h cannot overflow and absurd shapes
// (1 x 16M) are refused early.
const MaxDim = 1 << 15

// ErrTooLarge is returned when a declared size exceeds MaxPixels or MaxDim.
var ErrTooLarge = errors.New("raster: image too large")

// Image is a rectangle of RGBA pixels. Pix[y*Stride+x*4:] is pixel (x, y).
type Image struct {
	Pix    []byte
	Stride int
	W, H   int
}

// CheckSize reports whether a w x h image is allowed.
func CheckSize(w, h int) error {
	if w < 0 || h < 0 || w > MaxDim || h > MaxDim || w*h > MaxPixels {
		return ErrTooLarge
	}
	return nil
}

// Resize makes m a w x h image with a packed stride, reusing Pix's capacity
// when it is big enough. The pixel contents are unspecified afterwards.
func (m *Image) Resize(w, h int) error {
	if err := CheckSize(w, h); err != nil {
		return err
	}
	n := w * h * 4
	if cap(m.Pix) < n {
		m.Pix = make([]byte, n)
	}
	m.Pix = m.Pix[:n]
	m.W, m.H, m.Stride = w, h, w*4
	return nil
}

// NewImage returns a zeroed w x h image.
func NewImage(w, h int) (*Image, error) {
	m := &Image{}
	if err := m.Resize(w, h); err != nil {
		return nil, err
	}
	clear(m.Pix)
	return m, nil
}

// Row returns the bytes of row y.
func (m *Image) Row(y int) []byte {
	return m.Pix[y*m.Stride : y*m.Stride+m.W*4]
}

// RGBA views m as an image.RGBA sharing the same pixels (the layouts are
// identical), for encoding to PNG in tests and tools.
func (m *Image) RGBA() *image.RGBA {
	return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: image.Rect(0, 0, m.W, m.H)}
}

// NRGBA views the same bytes as an image.NRGBA. Goldens are written this
// way so that PNG keeps every byte as is: encoding a premultiplied image
// with alpha 0 would drop its colour bytes, and SPICE images often carry an
// all-zero alpha channel next to real colours.
func (m *Image) NRGBA() *image.NRGBA {
	return &image.NRGBA{Pix: m.Pix, Stride: m.Stride, Rect: image.Rect(0, 0, m.W, m.H)}
}

// FromImage copies any decoded image (a golden PNG) into a new Image. NRGBA
// input is copied byte for byte, the inverse of NRGBA(); other types go
// through their RGBA colours.
func FromImage(src image.Image) (*Image, error) {
	b := src.Bounds()
	m := &Image{}
	if err := m.Resize(b.Dx(), b.Dy()); err != nil {
		return nil, err
	}
	if n, ok := src.(*image.NRGBA); ok {
		for y := 0; y < m.H; y++ {
			o := (y+b.Min.Y-n.Rect.Min.Y)*n.Stride + (b.Min.X-n.Rect.Min.X)*4
			copy(m.Row(y), n.Pix[o:o+m.W*4])
		}
		return m, nil
	}
	for y := 0; y < m.H; y++ {
		row := m.Row(y)
		for x := 0; x < m.W; x++ {
			r, g, bl, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = byte(r>>8), byte(g>>8), byte(bl>>8), byte(a>>8)
		}
	}
	return m, nil
}
