package raster

import (
	"encoding/binary"
	"math"
)

// Rop3 combines the brush (pattern P), src's rect sr (source S) and the
// surface (destination D) with the ternary raster operation code (the
// Windows ROP3 index): bit p<<2|s<<1|d of code is the result for those
// input bits, applied bitwise to whole pixel words. DRAW_ROP3.
//
// When sr and the box differ in size, sr is first scaled to the box as
// spice-common canvas_scale_surface does: the scale factor is the double
// sr/box converted to 16.16 by truncation, and the source origin is
// round(sr corner / factor) (a different mapping from Copy's). When they
// have the same size and sr does not fit inside src, nothing is drawn
// ("bad src bitmap size" in spice-common). A pattern brush is tiled from
// its Pos; the wrap is a true modulo where spice-common's C remainder
// could go negative and read outside the pattern. One known difference:
// spice-common scales into an image of the source's own format, so on an
// ARGB32 surface a source without alpha arrives opaque even where
// REPEAT_NONE faded its edge samples; Image does not record whether it
// has alpha, and Rop3 keeps the faded alpha.
// Matches spice-common canvas_base.c canvas_draw_rop3 and rop3.c.
func (s *Surface) Rop3(a Area, src *Image, sr Rect, b Brush, code uint8, mode ScaleMode) {
	g := s.region(&a)
	if g.empty() || !src.valid() {
		return
	}
	box := a.Box
	p := b.Pattern
	if p != nil && (!p.valid() || p.W == 0 || p.H == 0) {
		return
	}
	var sm *sampler
	same := sr.Dx() == box.Dx() && sr.Dy() == box.Dy()
	if same {
		if sr.X0 < 0 || sr.Y0 < 0 || src.W-sr.X0 < box.Dx() || src.H-sr.Y0 < box.Dy() {
			return
		}
	} else if sm = s.rop3Scale(g, box, src, sr, mode); sm == nil {
		return
	}
	var solid []byte
	if p == nil {
		solid = s.scratch.solidRow(s.Format.Pixel(b.Color), g.ext.Dx())
	}
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			for _, sp := range g.spans[bd.lo:bd.hi] {
				dst := s.span(y, sp.x0, sp.x1)
				var sb []byte
				if same {
					sx := sp.x0 - box.X0 + sr.X0
					sb = src.span(y-box.Y0+sr.Y0, sx, sx+sp.x1-sp.x0)
				} else {
					sb = buf(&s.scratch.row, len(dst))
					sm.row(sb, y-box.Y0, sp.x0-box.X0)
				}
				var pb []byte
				if p == nil {
					pb = solid[:len(dst)]
				} else {
					pb = buf(&s.scratch.row2, len(dst))
					tileInto(pb, p.Row(mod(y-b.Pos.Y, p.H)), mod(sp.x0-b.Pos.X, p.W))
				}
				rop3Span(code, dst, sb, pb)
				fixSpan(s.Format, dst)
			}
		}
	}
	s.Damage.Add(g.ext)
}

// rop3Scale is canvas_scale_surface's mapping; nil when the draw must be
// skipped (spice-common fails there on an unknown scale mode).
func (s *Surface) rop3Scale(g *region, box Rect, src *Image, sr Rect, mode ScaleMode) *sampler {
	if mode != ScaleNearest && mode != ScaleInterpolate {
		return nil
	}
	if sr.Empty() || sr.Dx() > MaxDim || sr.Dy() > MaxDim || box.Dx() > MaxDim || box.Dy() > MaxDim {
		return nil
	}
	if !inFixedRange(sr.X0) || !inFixedRange(sr.Y0) {
		return nil
	}
	sx := float64(sr.Dx()) / float64(box.Dx())
	sy := float64(sr.Dy()) / float64(box.Dy())
	fx, fy := int64(sx*65536), int64(sy*65536) // pixman_double_to_fixed truncates
	if fx <= 0 || fy <= 0 || fx > maxStep || fy > maxStep {
		return nil
	}
	ox := int64(math.Floor(float64(sr.X0)/sx + 0.5))
	oy := int64(math.Floor(float64(sr.Y0)/sy + 0.5))
	sm := &s.scratch.smp
	sm.setup(src, mode == ScaleInterpolate, s.Format, fx, fy, fx*ox+halfStep(fx), fy*oy+halfStep(fy),
		g.ext.X0-box.X0, g.ext.X1-box.X0)
	return sm
}

// rop3Span sets dst = code(pat, src, dst) bitwise, two pixels at a time.
// The ternary function is split on the pattern bit into two binary ones
// (Shannon expansion), each a sum of minterms as in ROP.eval.
func rop3Span(code uint8, dst, src, pat []byte) {
	var m [8]uint64
	for i := range m {
		m[i] = -(uint64(code) >> i & 1)
	}
	n := min(len(dst), len(src), len(pat))
	f := func(p, s, d uint64) uint64 {
		hi := s&d&m[7] | s&^d&m[6] | d&^s&m[5] | ^(s|d)&m[4]
		lo := s&d&m[3] | s&^d&m[2] | d&^s&m[1] | ^(s|d)&m[0]
		return p&hi | ^p&lo
	}
	i := 0
	for ; i+8 <= n; i += 8 {
		p := binary.LittleEndian.Uint64(pat[i:])
		s := binary.LittleEndian.Uint64(src[i:])
		d := binary.LittleEndian.Uint64(dst[i:])
		binary.LittleEndian.PutUint64(dst[i:], f(p, s, d))
	}
	if i+4 <= n {
		p := uint64(binary.LittleEndian.Uint32(pat[i:]))
		s := uint64(binary.LittleEndian.Uint32(src[i:]))
		d := uint64(binary.LittleEndian.Uint32(dst[i:]))
		binary.LittleEndian.PutUint32(dst[i:], uint32(f(p, s, d)))
	}
}
