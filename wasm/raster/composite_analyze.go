package raster

// What pixman_image_composite32 decides before compositing, for the
// cases where it changes pixels: it gives up on a picture whose sample
// extents leave its 16-bit working range (drawing nothing), and it
// replaces an operator by a cheaper equivalent when the source is opaque
// (pixman.c optimize_operator), which for SATURATE moves the work from
// the float pipeline to the 8-bit one. spice-common composites the
// whole box into a copy of the surface, so the extents are the box's.

// extentOK reports whether pixman's analyze_extent accepts picture p for
// the destination-space box of size w x h sampled from origin o, and
// whether the samples then all fall inside the image (the opacity test
// of the SAMPLES_COVER_CLIP flags).
func extentOK(p *Picture, o Point, w, h int) (ok, covered bool) {
	x1, y1, x2, y2 := o.X, o.Y, o.X+w, o.Y+h
	is16 := func(v int) bool { return v >= -32768 && v <= 32767 }
	if !is16(x1-1) || !is16(y1-1) || !is16(x2+1) || !is16(y2+1) {
		return false, false
	}
	m := p.Image
	if m.W >= 0x7fff || m.H >= 0x7fff {
		return false, false
	}
	if p.Transform == nil {
		return true, x1 >= 0 && y1 >= 0 && x2 <= m.W && y2 <= m.H
	}
	xoff, yoff, fw, fh := int64(-1), int64(-1), int64(0), int64(0)
	bilinear := p.Filter.bilinear()
	if bilinear {
		xoff, yoff, fw, fh = -0x8000, -0x8000, 0x10000, 0x10000
	}
	tx1, ty1, tx2, ty2, good := transformedExtents(p.Transform, x1, y1, x2, y2)
	if !good {
		return false, false
	}
	var cover bool
	if bilinear && !bilinearIsNearest(p.Transform) {
		cover = (tx1-0x8000)>>16 >= 0 && (ty1-0x8000)>>16 >= 0 && (tx2+0x8000)>>16 < int64(m.W) && (ty2+0x8000)>>16 < int64(m.H)
	} else {
		cover = (tx1-1)>>16 >= 0 && (ty1-1)>>16 >= 0 && (tx2-1)>>16 < int64(m.W) && (ty2-1)>>16 < int64(m.H)
	}
	// the box grown by one pixel must stay in 16.16 after the transform
	ex1, ey1, ex2, ey2, good := transformedExtents(p.Transform, x1-1, y1-1, x2+1, y2+1)
	if !good {
		return false, false
	}
	const lo, hi = -(int64(1) << 47), int64(1)<<47 - 1
	in := func(v int64) bool { return v >= lo && v <= hi }
	if !in(ex1+xoff-8) || !in(ey1+yoff-8) || !in(ex2+xoff+8+fw) || !in(ey2+yoff+8+fh) {
		return false, false
	}
	return true, cover
}

// bilinearIsNearest is pixman's test for a transform under which
// bilinear sampling lands on pixel centres (compute_image_info).
func bilinearIsNearest(t *Transform) bool {
	if (t[0]|t[1]|t[2]|t[3]|t[4]|t[5])&0xffff != 0 {
		return false
	}
	if ((t[0]+t[1])&(t[3]+t[4]))>>16%2 == 0 {
		return false
	}
	const limit = 30000 << 16
	return t[2] <= limit && t[5] <= limit && t[2] >= -limit && t[5] >= -limit
}

// transformedExtents maps the centres of the corner pixels of the box
// through t and returns their bounding box in 16.16
// (compute_transformed_extents).
func transformedExtents(t *Transform, x1, y1, x2, y2 int) (tx1, ty1, tx2, ty2 int64, ok bool) {
	fx1, fy1 := int64(x1)<<16+0x8000, int64(y1)<<16+0x8000
	fx2, fy2 := int64(x2)<<16-0x8000, int64(y2)<<16-0x8000
	for _, v := range []int64{fx1, fy1, fx2, fy2} {
		if v < -1<<31 || v > 1<<31-1 {
			return 0, 0, 0, 0, false // pixman_fixed_t cannot hold it
		}
	}
	first := true
	for i := range 4 {
		vx, vy := fx2, fy2
		if i&1 != 0 {
			vx = fx1
		}
		if i&2 != 0 {
			vy = fy1
		}
		x := int64(t[0])*vx + int64(t[1])*vy + int64(t[2])<<16
		y := int64(t[3])*vx + int64(t[4])*vy + int64(t[5])<<16
		x, y = (x+0x8000)>>16, (y+0x8000)>>16
		if x < -1<<31 || x > 1<<31-1 || y < -1<<31 || y > 1<<31-1 {
			return 0, 0, 0, 0, false
		}
		if first {
			tx1, ty1, tx2, ty2, first = x, y, x, y, false
			continue
		}
		tx1, ty1, tx2, ty2 = min(tx1, x), min(ty1, y), max(tx2, x), max(ty2, y)
	}
	return tx1, ty1, tx2, ty2, true
}

// opaque is pixman's FAST_PATH_IS_OPAQUE for a picture sampled over a
// covered (or not) extent: a format without alpha, no component alpha,
// and no transparent samples from outside the image.
func (p *Picture) opaque(covered bool) bool {
	switch p.Format {
	case FormatXRGB32, FormatRGB16_565, FormatRGB16_555:
	default:
		return false
	}
	return !p.ComponentAlpha && (p.Repeat != RepeatNone || covered)
}

// effectiveOp is the operator pixman runs for op (optimize_operator,
// which never sees an opaque destination here: spice-common's copy of
// the surface repeats NONE).
func effectiveOp(op CompositeOp, srcOpaque bool) CompositeOp {
	switch op {
	case OpDisjointClear, OpConjointClear:
		return OpClear
	case OpDisjointClear + 1, OpConjointClear + 1:
		return OpSrc
	case OpDisjointClear + 2, OpConjointClear + 2:
		return OpDst
	}
	if !srcOpaque {
		return op
	}
	switch op {
	case OpOver:
		return OpSrc
	case OpOutReverse:
		return OpClear
	case OpAtop:
		return OpIn
	case OpAtopReverse, OpSaturate:
		return OpOverReverse
	case OpXor:
		return OpOut
	case OpInReverse:
		return OpDst
	}
	return op
}
