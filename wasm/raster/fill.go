package raster

// Brush is what FILL, OPAQUE and ROP3 paint with: a solid colour, or a
// pattern image tiled so that its pixel (0,0) lands on Pos (and every
// multiple of its size away). SPICE's BRUSH_TYPE_NONE is a solid brush of
// colour 0, which is what spice-common paints for it.
type Brush struct {
	// Color is the solid colour as sent on the wire: a pixel value of the
	// surface's format (see Format.Pixel). Ignored for patterns.
	Color uint32
	// Pattern, when not nil, is tiled instead of the colour. spice-common
	// converts it to the surface's format first; the surface's store
	// rules do the same here.
	Pattern *Image
	Pos     Point
}

// Fill paints the brush over the area with rop (brush = src): DRAW_FILL.
// A NOOP rop or an empty area draws nothing.
// Matches spice-common canvas_base.c canvas_draw_fill and draw_brush.
func (s *Surface) Fill(a Area, b Brush, rop ROP) {
	g := s.region(&a)
	if rop == RopNoop || g.empty() {
		return
	}
	if s.drawBrush(g, &b, rop) {
		s.Damage.Add(g.ext)
	}
}

// Blackness fills the area with pixel value 0: black, or transparent
// black on ARGB32 surfaces (canvas_draw_blackness).
func (s *Surface) Blackness(a Area) { s.fillValue(&a, 0, RopCopy) }

// Whiteness fills the area with pixel value 0xffffffff: white, opaque on
// ARGB32 (canvas_draw_whiteness).
func (s *Surface) Whiteness(a Area) { s.fillValue(&a, 0xffffffff, RopCopy) }

// Invert inverts every bit of the area's pixels, alpha included on ARGB32
// surfaces (canvas_draw_invers).
func (s *Surface) Invert(a Area) { s.fillValue(&a, 0, RopInvert) }

func (s *Surface) fillValue(a *Area, c uint32, rop ROP) {
	g := s.region(a)
	if g.empty() {
		return
	}
	s.drawBrush(g, &Brush{Color: c}, rop)
	s.Damage.Add(g.ext)
}

// drawBrush paints b over the region g with rop, reporting whether it
// drew.
func (s *Surface) drawBrush(g *region, b *Brush, rop ROP) bool {
	if b.Pattern != nil {
		return s.drawPattern(g, b, rop)
	}
	// one row of the colour, then a plain copy per span: the fastest
	// fill on wasm, where memmove beats any loop of stores
	solid := s.scratch.solidRow(s.Format.Pixel(b.Color), g.ext.Dx())
	if rop == RopCopy {
		for _, bd := range g.bands {
			for y := bd.y0; y < bd.y1; y++ {
				for _, sp := range g.spans[bd.lo:bd.hi] {
					dst := s.span(y, sp.x0, sp.x1)
					copy(dst, solid[:len(dst)])
				}
			}
		}
		return true
	}
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			for _, sp := range g.spans[bd.lo:bd.hi] {
				dst := s.span(y, sp.x0, sp.x1)
				combine(s.Format, rop, dst, solid[:len(dst)])
			}
		}
	}
	return true
}

// drawPattern tiles b.Pattern over g. The tile pixel for surface pixel
// (x, y) is ((x-Pos.X) mod W, (y-Pos.Y) mod H), as in spice-common
// pixman_utils.c spice_pixman_tile_rect(_rop). An empty or malformed
// pattern draws nothing, as spice-common gives up when it cannot get the
// pattern image.
func (s *Surface) drawPattern(g *region, b *Brush, rop ROP) bool {
	p := b.Pattern
	if !p.valid() || p.W == 0 || p.H == 0 {
		return false
	}
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			trow := p.Row(mod(y-b.Pos.Y, p.H))
			for _, sp := range g.spans[bd.lo:bd.hi] {
				dst := s.span(y, sp.x0, sp.x1)
				tx := mod(sp.x0-b.Pos.X, p.W)
				if rop == RopCopy {
					tileInto(dst, trow, tx)
					fixSpan(s.Format, dst)
					continue
				}
				src := buf(&s.scratch.row, len(dst))
				tileInto(src, trow, tx)
				combine(s.Format, rop, dst, src)
			}
		}
	}
	return true
}
