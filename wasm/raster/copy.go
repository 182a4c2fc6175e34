package raster

// Copy draws src's rect sr into the area's box with rop (image = src):
// DRAW_COPY, and DRAW_BLEND, which spice-common draws the same way.
//
// When sr and the box have the same size, source pixels map one to one
// and only those inside src are drawn (spice_pixman_blit clips to the
// image). Otherwise sr is scaled to the box with mode, through pixman's
// transform (see sampler), and box pixels whose sample falls outside src
// get transparent black, as pixman's REPEAT_NONE gives. Bytes are copied
// as they are and then stored by the surface's rules: an image with alpha
// copied into an xRGB32 surface keeps its (premultiplied) RGB and gets
// A=255, into ARGB32 keeps every byte.
//
// A NOOP rop, an empty area, a nil or malformed src, a scale mode other
// than the two SPICE defines or a source rect with no pixels draws
// nothing, as spice-common does (or, for malformed input, would fail to).
// Matches spice-common canvas_base.c canvas_draw_copy and sw_canvas.c
// blit_image(_rop), scale_image(_rop).
func (s *Surface) Copy(a Area, src *Image, sr Rect, rop ROP, mode ScaleMode) {
	g := s.region(&a)
	if rop == RopNoop || g.empty() || !src.valid() {
		return
	}
	if s.copyImage(g, a.Box, src, sr, rop, mode) {
		s.Damage.Add(g.ext)
	}
}

// Opaque copies src's rect sr into the box (scaling like Copy), then
// paints the brush over it with rop, where the brush is the src operand
// and the copied image the dest: DRAW_OPAQUE. A NOOP rop draws nothing at
// all, not even the image, which is spice-common's behaviour.
// Matches spice-common canvas_base.c canvas_draw_opaque.
func (s *Surface) Opaque(a Area, src *Image, sr Rect, b Brush, rop ROP, mode ScaleMode) {
	g := s.region(&a)
	if rop == RopNoop || g.empty() || !src.valid() {
		return
	}
	// spice-common paints the brush even when the scaling step gave up
	copied := s.copyImage(g, a.Box, src, sr, RopCopy, mode)
	if s.drawBrush(g, &b, rop) || copied {
		s.Damage.Add(g.ext)
	}
}

// copyImage draws src over g, reporting whether anything was attempted.
func (s *Surface) copyImage(g *region, box Rect, src *Image, sr Rect, rop ROP, mode ScaleMode) bool {
	if sr.Dx() == box.Dx() && sr.Dy() == box.Dy() {
		s.eachSpan(g, src, Point{sr.X0 - box.X0, sr.Y0 - box.Y0}, func(dst, from []byte) {
			combine(s.Format, rop, dst, from)
		})
		return true
	}
	sm := s.scaleSetup(g, box, src, sr, mode)
	if sm == nil {
		return false
	}
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			for _, sp := range g.spans[bd.lo:bd.hi] {
				dst := s.span(y, sp.x0, sp.x1)
				if rop == RopCopy {
					sm.row(dst, y-box.Y0, sp.x0-box.X0)
					fixSpan(s.Format, dst)
					continue
				}
				// spice-common scales into a temporary image of the
				// source's format and ROP-blits that; the samples are
				// the same.
				tmp := buf(&s.scratch.row, len(dst))
				sm.row(tmp, y-box.Y0, sp.x0-box.X0)
				combine(s.Format, rop, dst, tmp)
			}
		}
	}
	return true
}

// eachSpan calls fn for each span of g that has source pixels, one to
// one: dst is the surface's span, from the pixels of src at an offset of
// off. Copy, AlphaBlend and Transparent share this walk.
func (s *Surface) eachSpan(g *region, src *Image, off Point, fn func(dst, from []byte)) {
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			sy := y + off.Y
			if sy < 0 || sy >= src.H {
				continue
			}
			for _, sp := range g.spans[bd.lo:bd.hi] {
				x0, x1 := max(sp.x0, -off.X), min(sp.x1, src.W-off.X)
				if x0 >= x1 {
					continue
				}
				fn(s.span(y, x0, x1), src.span(sy, x0+off.X, x1+off.X))
			}
		}
	}
}

// eachScaledSpan calls fn for each span of g with the samples sm takes
// for it (box is the draw's box, which the sampler's coordinates count
// from), in a scratch row.
func (s *Surface) eachScaledSpan(g *region, box Rect, sm *sampler, fn func(dst, samples []byte)) {
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			for _, sp := range g.spans[bd.lo:bd.hi] {
				dst := s.span(y, sp.x0, sp.x1)
				tmp := buf(&s.scratch.row, len(dst))
				sm.row(tmp, y-box.Y0, sp.x0-box.X0)
				fn(dst, tmp)
			}
		}
	}
}

// scaleSetup prepares the sampler that scales src's rect sr to box, with
// pixman's transform as sw_canvas.c __scale_image builds it: scale by
// (sr size / box size) in 16.16, then translate by sr's corner. It
// returns nil when the draw must be skipped.
func (s *Surface) scaleSetup(g *region, box Rect, src *Image, sr Rect, mode ScaleMode) *sampler {
	if mode != ScaleNearest && mode != ScaleInterpolate {
		return nil
	}
	if sr.Empty() || sr.Dx() > MaxDim || sr.Dy() > MaxDim || box.Dx() > MaxDim || box.Dy() > MaxDim {
		return nil
	}
	fx, fy := fixedStep(sr.Dx(), box.Dx()), fixedStep(sr.Dy(), box.Dy())
	if fx > maxStep || fy > maxStep || fx == 0 || fy == 0 {
		return nil
	}
	if !inFixedRange(sr.X0) || !inFixedRange(sr.Y0) {
		return nil
	}
	bx := int64(sr.X0)<<16 + halfStep(fx)
	by := int64(sr.Y0)<<16 + halfStep(fy)
	sm := &s.scratch.smp
	sm.setup(src, mode == ScaleInterpolate, s.Format, fx, fy, bx, by, g.ext.X0-box.X0, g.ext.X1-box.X0)
	return sm
}

// inFixedRange reports whether v fits pixman's 16.16 pixman_fixed_t;
// translations beyond it overflow in pixman, and are refused here.
func inFixedRange(v int) bool { return v >= -(1<<15) && v < 1<<15 }
