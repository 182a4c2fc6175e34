package raster

import (
	"encoding/binary"
	"errors"
)

// Glyph is one raster glyph of a DRAW_TEXT string: a W x H coverage
// bitmap whose top-left pixel lands on (X, Y) (SPICE's render_pos plus
// glyph_origin). Data holds H rows of (W*bpp+7)/8 bytes, bottom row
// first: spice-common reads glyph rows upwards and ignores
// SPICE_STRING_FLAGS_RASTER_TOP_DOWN, and so does this. In a row, 1-bpp
// pixels are bits from the most significant down, 4-bpp pixels nibbles
// from the high one.
type Glyph struct {
	X, Y int
	W, H int
	Data []byte
}

// Text is a DRAW_TEXT: the back brush fills BackArea, then the fore brush
// is painted OVER through the glyphs' coverage.
type Text struct {
	// BPP is the glyph depth: 1, 4 or 8. 0 means vector glyphs, which
	// spice-common does not draw (only the back area is filled).
	BPP    int
	Glyphs []Glyph

	BackArea Rect
	Back     Brush // always drawn with COPY, whatever back_mode says
	Fore     Brush
	// ForeNone is BRUSH_TYPE_NONE: spice-common then draws no glyphs.
	ForeNone bool
	// ForeFormat says how pixman reads Fore.Pattern (see
	// Picture.Format): ARGB32 for images on 32-bit surfaces, a
	// surface's own format for a surface.
	ForeFormat Format
	// ForePut is whether fore_mode is ROPD_OP_PUT. spice-common draws
	// nothing at all when a back area is given with any other mode.
	ForePut bool
}

// ErrGlyph reports a glyph whose data is shorter than its size says.
var ErrGlyph = errors.New("raster: glyph data shorter than its size")

// maxGlyphDim bounds a glyph's sides (the wire allows 65535): far above
// any font, small enough that a string's coverage stays cheap.
const maxGlyphDim = 4096

// DrawText draws t over the area (box ∩ clip; the area's mask is unused).
// Matches spice-common sw_canvas.c canvas_draw_text: the back area is
// filled with the back brush (COPY), the glyphs are merged into one
// coverage mask (canvas_base.c canvas_get_str_mask: a1 for 1-bpp,
// otherwise a8 taking the maximum where glyphs overlap; 4-bpp nibbles
// become v<<4), and the fore brush is composited OVER through it: a solid
// colour converted to 16-bit channels as canvas_get_pixman_brush does, or
// the pattern tiled from the string's top-left corner moved by the
// brush's position.
func (s *Surface) DrawText(a Area, t *Text) error {
	a.Mask = Mask{}
	if t.BPP != 0 && t.BPP != 1 && t.BPP != 4 && t.BPP != 8 {
		return errors.New("raster: glyph depth must be 1, 4 or 8")
	}
	for i := range t.Glyphs {
		g := &t.Glyphs[i]
		if g.W < 0 || g.H < 0 || g.W > maxGlyphDim || g.H > maxGlyphDim {
			return ErrGlyph
		}
		if len(g.Data) < glyphStride(g.W, t.BPP)*g.H {
			return ErrGlyph
		}
	}
	if !t.BackArea.Empty() {
		if !t.ForePut {
			return nil
		}
		back := a
		back.Box = a.Box.Intersect(t.BackArea)
		if !back.Box.Empty() {
			s.Fill(back, t.Back, RopCopy)
		}
	}
	if t.BPP == 0 || t.ForeNone || len(t.Glyphs) == 0 {
		return nil
	}
	bounds := Rect{}
	for i, g := range t.Glyphs {
		r := Rect{g.X, g.Y, g.X + g.W, g.Y + g.H}
		if i == 0 {
			bounds = r
			continue
		}
		bounds = Rect{min(bounds.X0, r.X0), min(bounds.Y0, r.Y0), max(bounds.X1, r.X1), max(bounds.Y1, r.Y1)}
	}
	ga := a
	ga.Box = a.Box.Intersect(bounds)
	g := s.region(&ga)
	if g.empty() {
		return nil
	}
	// Coverage is built only where it can be drawn: the region's
	// extents, which bound the allocation whatever the glyph positions.
	mb := g.ext
	ts := &s.scratch.text
	if err := ts.mask.Resize(mb.Dx(), mb.Dy()); err != nil {
		return err
	}
	clear(ts.mask.Pix)
	for i := range t.Glyphs {
		putGlyph(&ts.mask, mb, &t.Glyphs[i], t.BPP)
	}
	ts.maskPic = Picture{Image: &ts.mask, Format: FormatA8}
	c := &ts.comp
	*c = Composite{Op: OpOver, Mask: &ts.maskPic, MaskOrigin: Point{bounds.X0 - mb.X0, bounds.Y0 - mb.Y0}}
	if t.Fore.Pattern != nil && t.Fore.Pattern.valid() && t.Fore.Pattern.W > 0 && t.Fore.Pattern.H > 0 {
		f := t.ForeFormat
		if !f.Valid() {
			f = FormatARGB32
		}
		c.Src = Picture{Image: t.Fore.Pattern, Format: f, Repeat: RepeatNormal}
		c.SrcOrigin = Point{-t.Fore.Pos.X, -t.Fore.Pos.Y}
	} else {
		if err := ts.solid.Resize(1, 1); err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(ts.solid.Pix, s.brushColor(t.Fore.Color))
		c.Src = Picture{Image: &ts.solid, Format: FormatARGB32, Repeat: RepeatNormal}
	}
	return s.composite(g, Point{bounds.X0, bounds.Y0}, c)
}

// brushColor is canvas_get_pixman_brush's solid colour as an opaque
// 8-bit word: each channel of the wire colour (5 bits on 16-bit
// surfaces, taken as 555 for both, 8 bits otherwise) scaled to 16 bits
// with truncation, then to 8 as pixman's solid fill does.
func (s *Surface) brushColor(c uint32) uint32 {
	shift, mask := uint32(8), uint32(0xff)
	if s.Format == FormatRGB16_555 || s.Format == FormatRGB16_565 {
		shift, mask = 5, 0x1f
	}
	ch := func(v uint32) uint32 { return (v & mask) * 0xffff / mask >> 8 }
	b := ch(c)
	g := ch(c >> shift)
	r := ch(c >> (2 * shift))
	return 0xff000000 | b<<16 | g<<8 | r
}

// textScratch holds DrawText's reused buffers.
type textScratch struct {
	mask    Image // coverage, alpha in A
	solid   Image // the 1x1 fore colour
	maskPic Picture
	comp    Composite
}

func glyphStride(w, bpp int) int { return (w*bpp + 7) / 8 }

// putGlyph merges g's coverage into mask, which covers mb.
func putGlyph(mask *Image, mb Rect, g *Glyph, bpp int) {
	stride := glyphStride(g.W, bpp)
	x0, x1 := max(g.X, mb.X0), min(g.X+g.W, mb.X1)
	y0, y1 := max(g.Y, mb.Y0), min(g.Y+g.H, mb.Y1)
	for y := y0; y < y1; y++ {
		// rows are stored bottom-up
		src := g.Data[(g.H-1-(y-g.Y))*stride:][:stride]
		dst := mask.Row(y - mb.Y0)
		for x := x0; x < x1; x++ {
			gx := x - g.X
			var v byte
			switch bpp {
			case 1:
				v = (src[gx>>3] >> (7 - gx&7) & 1) * 0xff
			case 4:
				if gx&1 == 0 {
					v = src[gx>>1] & 0xf0
				} else {
					v = src[gx>>1] << 4
				}
			default:
				v = src[gx]
			}
			p := &dst[(x-mb.X0)*4+3]
			*p = max(*p, v)
		}
	}
}
