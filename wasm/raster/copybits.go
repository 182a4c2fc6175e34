package raster

// CopyBits copies the surface's own pixels: each pixel p of the area gets
// the value pixel p - (box corner - src) had before the call, so
// overlapping source and destination behave like a copy through a
// temporary (scrolling). Pixels whose source lies outside the surface are
// left alone: DRAW_COPY_BITS.
// Matches spice-common canvas_base.c canvas_copy_bits and sw_canvas.c
// copy_region, which orders the rects to the same effect.
func (s *Surface) CopyBits(a Area, src Point) {
	dx, dy := a.Box.X0-src.X, a.Box.Y0-src.Y
	if dx == 0 && dy == 0 {
		return
	}
	// Clip so that every source pixel is inside the surface.
	g := s.regionIn(s.Bounds().Intersect(s.Bounds().Add(Point{dx, dy})), &a)
	if g.empty() {
		return
	}
	// Walk rows away from the source: a row is written only after every
	// row it is read by has been read. Rows are distinct when dy != 0;
	// when dy == 0 spans of a row go against dx and copy() handles the
	// overlap inside a span.
	nb := len(g.bands)
	for i := range nb {
		bd := g.bands[i]
		if dy > 0 {
			bd = g.bands[nb-1-i]
		}
		for k := range bd.y1 - bd.y0 {
			y := bd.y0 + k
			if dy > 0 {
				y = bd.y1 - 1 - k
			}
			sps := g.spans[bd.lo:bd.hi]
			ns := len(sps)
			for j := range ns {
				sp := sps[j]
				if dx > 0 {
					sp = sps[ns-1-j]
				}
				copy(s.span(y, sp.x0, sp.x1), s.span(y-dy, sp.x0-dx, sp.x1-dx))
			}
		}
	}
	s.Damage.Add(g.ext)
}
