package raster_test

import (
	"errors"
	"fmt"
	"testing"

	"spiceweb/wasm/raster"
)

// TestTextGlyphBits checks glyph placement against coverage worked out by
// hand: white OVER a black xRGB32 surface leaves each pixel's red byte
// equal to its coverage.
func TestTextGlyphBits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bpp    int
		glyphs []raster.Glyph
		want   []string // rows of coverage in hex, over the 8x4 surface
	}{
		{
			name: "1bpp rows bottom-up, bits from the top one",
			bpp:  1,
			// one byte a row; the first stored row is the bottom one
			glyphs: []raster.Glyph{{X: 1, Y: 1, W: 6, H: 2, Data: []byte{0xfc, 0x84}}},
			want: []string{
				"00 00 00 00 00 00 00 00",
				"00 ff 00 00 00 00 ff 00",
				"00 ff ff ff ff ff ff 00",
				"00 00 00 00 00 00 00 00",
			},
		},
		{
			name:   "4bpp nibbles become v<<4, high nibble first",
			bpp:    4,
			glyphs: []raster.Glyph{{X: 0, Y: 0, W: 3, H: 1, Data: []byte{0xf1, 0x80}}},
			want: []string{
				"f0 10 80 00 00 00 00 00",
				"00 00 00 00 00 00 00 00",
				"00 00 00 00 00 00 00 00",
				"00 00 00 00 00 00 00 00",
			},
		},
		{
			name: "8bpp overlapping glyphs keep the larger coverage",
			bpp:  8,
			glyphs: []raster.Glyph{
				{X: 2, Y: 2, W: 3, H: 1, Data: []byte{0x10, 0x80, 0x30}},
				{X: 3, Y: 1, W: 2, H: 2, Data: []byte{0x40, 0x20, 0x05, 0x06}}, // bottom row first
			},
			want: []string{
				"00 00 00 00 00 00 00 00",
				"00 00 00 05 06 00 00 00",
				"00 00 10 80 30 00 00 00",
				"00 00 00 00 00 00 00 00",
			},
		},
		{
			name:   "glyphs partly outside the surface",
			bpp:    8,
			glyphs: []raster.Glyph{{X: -1, Y: 3, W: 2, H: 2, Data: []byte{0x01, 0x02, 0x03, 0x04}}},
			want: []string{
				"00 00 00 00 00 00 00 00",
				"00 00 00 00 00 00 00 00",
				"00 00 00 00 00 00 00 00",
				"04 00 00 00 00 00 00 00",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSurface(t, 8, 4, raster.FormatXRGB32)
			err := s.DrawText(raster.Area{Box: raster.R(-5, -5, 20, 20)}, &raster.Text{BPP: tc.bpp, Glyphs: tc.glyphs,
				Fore: raster.Brush{Color: 0xffffff}, ForePut: true})
			if err != nil {
				t.Fatal(err)
			}
			for y, w := range tc.want {
				got := ""
				for x := 0; x < 8; x++ {
					if x > 0 {
						got += " "
					}
					got += fmt.Sprintf("%02x", s.Pix[y*s.Stride+x*4])
				}
				if got != w {
					t.Errorf("row %d: %s, want %s", y, got, w)
				}
			}
		})
	}
}

func TestTextBackArea(t *testing.T) {
	glyph := []raster.Glyph{{X: 2, Y: 2, W: 1, H: 1, Data: []byte{0x80}}}
	t.Run("back filled, then glyphs over it", func(t *testing.T) {
		s := newSurface(t, 8, 8, raster.FormatXRGB32)
		err := s.DrawText(raster.Area{Box: raster.R(0, 0, 6, 8)}, &raster.Text{BPP: 1, Glyphs: glyph,
			BackArea: raster.R(1, 1, 8, 4), Back: raster.Brush{Color: 0x0000ff}, Fore: raster.Brush{Color: 0xff0000}, ForePut: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			x, y int
			want uint32
		}{{0, 0, rgba(0, 0, 0, 255)}, {1, 1, rgba(0, 0, 255, 255)}, {5, 3, rgba(0, 0, 255, 255)},
			{6, 1, rgba(0, 0, 0, 255)}, // back area clipped to the box
			{2, 2, rgba(255, 0, 0, 255)}} {
			if got := px(&s.Image, c.x, c.y); got != c.want {
				t.Errorf("(%d,%d) = %08x, want %08x", c.x, c.y, got, c.want)
			}
		}
	})
	t.Run("back area with a fore mode other than PUT draws nothing", func(t *testing.T) {
		s := newSurface(t, 8, 8, raster.FormatXRGB32)
		before := append([]byte(nil), s.Pix...)
		err := s.DrawText(raster.Area{Box: raster.R(0, 0, 8, 8)}, &raster.Text{BPP: 1, Glyphs: glyph,
			BackArea: raster.R(1, 1, 8, 4), Back: raster.Brush{Color: 0x0000ff}, Fore: raster.Brush{Color: 0xff0000}})
		if err != nil {
			t.Fatal(err)
		}
		if string(before) != string(s.Pix) {
			t.Error("drew")
		}
	})
	t.Run("vector glyphs: back area only", func(t *testing.T) {
		s := newSurface(t, 8, 8, raster.FormatXRGB32)
		err := s.DrawText(raster.Area{Box: raster.R(0, 0, 8, 8)}, &raster.Text{BPP: 0,
			BackArea: raster.R(1, 1, 3, 3), Back: raster.Brush{Color: 0x00ff00}, Fore: raster.Brush{Color: 0xff0000}, ForePut: true})
		if err != nil {
			t.Fatal(err)
		}
		if px(&s.Image, 1, 1) != rgba(0, 255, 0, 255) || px(&s.Image, 4, 4) != rgba(0, 0, 0, 255) {
			t.Error("back area not filled as asked")
		}
	})
	t.Run("short glyph data is an error", func(t *testing.T) {
		s := newSurface(t, 8, 8, raster.FormatXRGB32)
		err := s.DrawText(raster.Area{Box: raster.R(0, 0, 8, 8)}, &raster.Text{BPP: 8, ForePut: true,
			Glyphs: []raster.Glyph{{W: 3, H: 3, Data: make([]byte, 8)}}})
		if !errors.Is(err, raster.ErrGlyph) {
			t.Errorf("error %v, want ErrGlyph", err)
		}
	})
}

// textCase is a glyph string composited over a surface; the harness gets
// the coverage mask this test computes on its own (refCoverage), so the
// comparison checks the compositing: the brush conversion, the pattern's
// anchoring, OVER and the clip.
type textCase struct {
	dst     raster.Format
	dw, dh  int
	box     raster.Rect
	clip    []raster.Rect
	bpp     int
	glyphs  []raster.Glyph
	color   uint32
	pattern *rawImage
	patPos  raster.Point
	seed    uint64
}

func (c *textCase) String() string {
	return fmt.Sprintf("text dst %v %dx%d box %v clip %v bpp %d %d glyphs pattern %v", c.dst, c.dw, c.dh, c.box, c.clip, c.bpp, len(c.glyphs), c.pattern != nil)
}

func (c *textCase) size() (int, int) { return c.dw, c.dh }

func (c *textCase) dest() rawImage {
	rng := splitmix(c.seed)
	return randomRaw(&rng, c.dst, c.dw, c.dh, false)
}

// refCoverage is the string's coverage over its bounds, straight from
// the rules canvas_get_str_mask follows, written apart from putGlyph.
func (c *textCase) refCoverage() (raster.Rect, [][]byte) {
	b := raster.Rect{}
	for i, g := range c.glyphs {
		r := raster.R(g.X, g.Y, g.X+g.W, g.Y+g.H)
		if i == 0 {
			b = r
		} else {
			b = raster.Rect{X0: min(b.X0, r.X0), Y0: min(b.Y0, r.Y0), X1: max(b.X1, r.X1), Y1: max(b.Y1, r.Y1)}
		}
	}
	cov := make([][]byte, b.Dy())
	for y := range cov {
		cov[y] = make([]byte, b.Dx())
	}
	for _, g := range c.glyphs {
		stride := (g.W*c.bpp + 7) / 8
		for row := 0; row < g.H; row++ {
			src := g.Data[row*stride:]
			y := g.Y + g.H - 1 - row - b.Y0
			for gx := 0; gx < g.W; gx++ {
				var v byte
				switch c.bpp {
				case 1:
					if src[gx/8]&(0x80>>(gx%8)) != 0 {
						v = 0xff
					}
				case 4:
					n := src[gx/2]
					if gx%2 == 0 {
						n >>= 4
					} else {
						n &= 15
					}
					v = n << 4
				case 8:
					v = src[gx]
				}
				if p := &cov[y][g.X+gx-b.X0]; v > *p {
					*p = v
				}
			}
		}
	}
	return b, cov
}

func (c *textCase) encode(e *enc) {
	e.i(2)
	e.image(pixmanCode(c.dst), c.dest())
	e.region(c.box, c.clip)
	b, cov := c.refCoverage()
	m := rawImage{w: b.Dx(), h: b.Dy()}
	for _, row := range cov {
		for _, v := range row {
			if c.bpp == 1 {
				m.px = append(m.px, uint32(v&1))
			} else {
				m.px = append(m.px, uint32(v))
			}
		}
	}
	code := int32(pixA8)
	if c.bpp == 1 {
		code = pixA1
	}
	e.image(code, m)
	e.i(b.X0, b.Y0)
	if c.pattern == nil {
		e.i(0, int(c.color))
		return
	}
	e.i(1)
	e.image(pixA8R8G8B8, *c.pattern)
	e.i(c.patPos.X, c.patPos.Y)
}

func (c *textCase) run(t testing.TB) *raster.Image {
	s := c.dest().surface(t)
	txt := raster.Text{BPP: c.bpp, Glyphs: c.glyphs, Fore: raster.Brush{Color: c.color}, ForePut: true}
	if c.pattern != nil {
		txt.Fore = raster.Brush{Pattern: c.pattern.image(t, raster.FormatARGB32), Pos: c.patPos}
		txt.ForeFormat = raster.FormatARGB32
	}
	if err := s.DrawText(raster.Area{Box: c.box, Clip: c.clip}, &txt); err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	return &s.Image
}

func sweepTextCases(n int) []refCase {
	rng := splitmix(7_2026_12)
	dsts := []raster.Format{raster.FormatXRGB32, raster.FormatARGB32, raster.FormatA8}
	var cs []refCase
	for range n {
		c := &textCase{dst: dsts[rng.intn(len(dsts))], dw: 8 + rng.intn(40), dh: 8 + rng.intn(24), seed: rng.next()}
		c.bpp = []int{1, 4, 8}[rng.intn(3)]
		bx, by := rng.intn(c.dw)-4, rng.intn(c.dh)-4
		c.box = raster.R(bx, by, bx+1+rng.intn(c.dw+4), by+1+rng.intn(c.dh+4))
		if rng.intn(4) == 0 {
			c.clip = []raster.Rect{raster.R(rng.intn(c.dw), rng.intn(c.dh), c.dw, c.dh), raster.R(0, 0, rng.intn(c.dw), rng.intn(c.dh))}
		}
		// a line of text: glyphs left to right with some overlap,
		// baselines that vary a little
		x := rng.intn(8) - 4
		for range 1 + rng.intn(6) {
			g := raster.Glyph{X: x, Y: rng.intn(c.dh) - 4, W: rng.intn(12), H: 1 + rng.intn(14)}
			g.Data = make([]byte, (g.W*c.bpp+7)/8*g.H)
			for i := range g.Data {
				g.Data[i] = byte(rng.next())
			}
			c.glyphs = append(c.glyphs, g)
			x += g.W - rng.intn(3)
		}
		c.color = uint32(rng.next()) & 0xffffff
		if rng.intn(3) == 0 {
			p := randomRaw(&rng, raster.FormatARGB32, 1+rng.intn(9), 1+rng.intn(9), false)
			c.pattern = &p
			c.patPos = raster.Point{X: rng.intn(20) - 10, Y: rng.intn(20) - 10}
		}
		cs = append(cs, c)
	}
	return cs
}

func TestTextPixman(t *testing.T) {
	checkRef(t, "text", sweepTextCases(400), nil)
}
