package raster_test

import (
	"encoding/binary"
	"testing"

	"spiceweb/wasm/raster"
)

// px reads pixel (x, y) as the stored word (R in the low byte).
func px(m *raster.Image, x, y int) uint32 {
	return binary.LittleEndian.Uint32(m.Pix[y*m.Stride+x*4:])
}

func setPx(m *raster.Image, x, y int, w uint32) {
	binary.LittleEndian.PutUint32(m.Pix[y*m.Stride+x*4:], w)
}

// rgba builds a stored word from bytes.
func rgba(r, g, b, a byte) uint32 {
	return uint32(r) | uint32(g)<<8 | uint32(b)<<16 | uint32(a)<<24
}

func newSurface(t testing.TB, w, h int, f raster.Format) *raster.Surface {
	t.Helper()
	s, err := raster.NewSurface(w, h, f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fillWords sets every pixel of m from fn(x, y).
func fillWords(m *raster.Image, fn func(x, y int) uint32) {
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			setPx(m, x, y, fn(x, y))
		}
	}
}

func newImage(t testing.TB, w, h int, fn func(x, y int) uint32) *raster.Image {
	t.Helper()
	m, err := raster.NewImage(w, h)
	if err != nil {
		t.Fatal(err)
	}
	fillWords(m, fn)
	return m
}

// clone copies m's pixels.
func clone(m *raster.Image) *raster.Image {
	c := *m
	c.Pix = append([]byte(nil), m.Pix...)
	return &c
}

// checkWords compares every pixel with want(x, y).
func checkWords(t *testing.T, m *raster.Image, want func(x, y int) uint32) {
	t.Helper()
	bad := 0
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if g, w := px(m, x, y), want(x, y); g != w {
				if bad++; bad <= 5 {
					t.Errorf("pixel (%d,%d) = %08x, want %08x", x, y, g, w)
				}
			}
		}
	}
}
