package raster

// pixman's 8-bit combiners (pixman-combine32.c), for the operators it
// computes without division. Pixels are premultiplied words in the stored
// layout (R in the low byte, A in the high byte); pixman's a8r8g8b8 has B
// low, but every operator here treats R, G and B alike, so the results
// are the same bytes. Each product is rounded on its own (x*a/255 as
// t = x*a + 128, (t + t>>8) >> 8) and sums saturate at 255, exactly where
// pixman rounds and saturates.

// mulWW multiplies each byte of x by the same byte of a, /255 rounded
// (UN8x4_MUL_UN8x4).
func mulWW(x, a uint32) uint32 {
	rb := (x&0xff)*(a&0xff) | (x&0xff0000)*(a>>16&0xff) + 0x800080
	rb = (rb + (rb>>8)&0xff00ff) >> 8 & 0xff00ff
	x, a = x>>8, a>>8
	ag := (x&0xff)*(a&0xff) | (x&0xff0000)*(a>>16&0xff) + 0x800080
	ag = (ag + (ag>>8)&0xff00ff) >> 8 & 0xff00ff
	return rb | ag<<8
}

// mulAdd is x*a + y*b per byte with scalar a and b, saturating
// (UN8x4_MUL_UN8_ADD_UN8x4_MUL_UN8).
func mulAdd(x, a, y, b uint32) uint32 { return addSatUN8x4(mulUN8x4(x, a), mulUN8x4(y, b)) }

// combineU composites with a unified (alpha) mask: m nil is no mask.
func combineU(op CompositeOp, d, s, m []uint32) {
	if m == nil {
		// the common unmasked operators get loops of their own
		switch op {
		case OpSrc:
			copy(d, s)
			return
		case OpOver:
			for k, sp := range s {
				switch sa := sp >> 24; {
				case sa == 0xff:
					d[k] = sp
				case sp != 0:
					d[k] = addSatUN8x4(mulUN8x4(d[k], 255-sa), sp)
				}
			}
			return
		case OpAdd:
			for k, sp := range s {
				d[k] = addSatUN8x4(d[k], sp)
			}
			return
		}
	}
	if op == OpOver {
		for k, sp := range s {
			ma := m[k] >> 24
			if ma == 0 || sp == 0 {
				continue
			}
			if ma != 0xff {
				sp = mulUN8x4(sp, ma)
			}
			if sa := sp >> 24; sa == 0xff {
				d[k] = sp
			} else {
				d[k] = addSatUN8x4(mulUN8x4(d[k], 255-sa), sp)
			}
		}
		return
	}
	for k := range d {
		sp := s[k]
		if m != nil {
			if ma := m[k] >> 24; ma == 0 {
				sp = 0
			} else {
				sp = mulUN8x4(sp, ma)
			}
		}
		d[k] = combine1(op, d[k], sp)
	}
}

// combine1 is one pixel of combineU, the mask already applied to s.
func combine1(op CompositeOp, d, s uint32) uint32 {
	sa, da := s>>24, d>>24
	switch op {
	case OpClear:
		return 0
	case OpSrc:
		return s
	case OpDst:
		return d
	case OpOver:
		return addSatUN8x4(mulUN8x4(d, 255-sa), s)
	case OpOverReverse:
		return addSatUN8x4(mulUN8x4(s, 255-da), d)
	case OpIn:
		return mulUN8x4(s, da)
	case OpInReverse:
		return mulUN8x4(d, sa)
	case OpOut:
		return mulUN8x4(s, 255-da)
	case OpOutReverse:
		return mulUN8x4(d, 255-sa)
	case OpAtop:
		return mulAdd(s, da, d, 255-sa)
	case OpAtopReverse:
		return mulAdd(s, 255-da, d, sa)
	case OpXor:
		return mulAdd(s, 255-da, d, 255-sa)
	case OpAdd:
		return addSatUN8x4(d, s)
	case OpMultiply:
		return addSatUN8x4(mulWW(d, s), mulAdd(s, 255-da, d, 255-sa))
	}
	return pdfSeparable(op, d, s, s, false)
}

// combineCA composites with a component-alpha mask: each colour channel
// of the mask weighs the same channel of the source
// (combine_mask_ca: s' = s*m, m' = m*alpha(s)).
func combineCA(op CompositeOp, d, s, m []uint32) {
	for k := range d {
		sv, mv, dv := s[k], m[k], d[k]
		sm := mulWW(sv, mv)        // source through mask
		mm := mulUN8x4(mv, sv>>24) // mask times source alpha
		da := dv >> 24
		var r uint32
		switch op {
		case OpClear:
			r = 0
		case OpSrc:
			r = sm
		case OpDst:
			r = dv
		case OpOver:
			r = addSatUN8x4(mulWW(dv, ^mm), sm)
		case OpOverReverse:
			r = addSatUN8x4(mulUN8x4(sm, 255-da), dv)
		case OpIn:
			r = mulUN8x4(sm, da)
		case OpInReverse:
			r = mulWW(dv, mm)
		case OpOut:
			r = mulUN8x4(sm, 255-da)
		case OpOutReverse:
			r = mulWW(dv, ^mm)
		case OpAtop:
			r = addSatUN8x4(mulWW(dv, ^mm), mulUN8x4(sm, da))
		case OpAtopReverse:
			r = addSatUN8x4(mulWW(dv, mm), mulUN8x4(sm, 255-da))
		case OpXor:
			r = addSatUN8x4(mulWW(dv, ^mm), mulUN8x4(sm, 255-da))
		case OpAdd:
			r = addSatUN8x4(dv, sm)
		case OpMultiply:
			r = addSatUN8x4(addSatUN8x4(mulWW(dv, ^mm), mulUN8x4(sm, 255-da)), mulWW(dv, sm))
		default:
			r = pdfSeparable(op, dv, sm, mm, true)
		}
		d[k] = r
	}
}

// pdfSeparable is pixman's PDF_SEPARABLE_BLEND_MODE for the integer blend
// modes: with as the per-channel source alpha (s's alpha for unified
// masks, m' for component alpha),
//
//	r = (1-as)*d + (1-ad)*s + B(d, ad, s, as), alpha = as + ad - as*ad,
//
// summed in 32-bit unsigned arithmetic (a negative blend term wraps and
// then clamps to the maximum, as in pixman) and divided by 255 once.
func pdfSeparable(op CompositeOp, d, s, m uint32, ca bool) uint32 {
	da := d >> 24
	sa := s >> 24
	ida := 255 - da
	ra := da*0xff + sa*0xff - sa*da
	out := min(ra, 255*255)
	out = divOne(out) << 24
	for sh := 0; sh < 24; sh += 8 {
		dc, sc := d>>sh&0xff, s>>sh&0xff
		ac := sa
		if ca {
			ac = m >> sh & 0xff
		}
		r := (255-ac)*dc + ida*sc
		r += uint32(blend(op, int32(dc), int32(da), int32(sc), int32(ac)))
		out |= divOne(min(r, 255*255)) << sh
	}
	return out
}

// divOne is x/255 rounded (DIV_ONE_UN8).
func divOne(x uint32) uint32 { return (x + 0x80 + (x+0x80)>>8) >> 8 }

// blend is pixman's blend_<mode>(d, ad, s, as), in its int32 arithmetic.
func blend(op CompositeOp, d, ad, s, as int32) int32 {
	switch op {
	case OpScreen:
		return s*ad + d*as - s*d
	case OpOverlay:
		if 2*d < ad {
			return 2 * s * d
		}
		return as*ad - 2*(ad-d)*(as-s)
	case OpDarken:
		return min(ad*s, as*d)
	case OpLighten:
		return max(ad*s, as*d)
	case OpHardLight:
		if 2*s < as {
			return 2 * s * d
		}
		return as*ad - 2*(ad-d)*(as-s)
	case OpDifference:
		das, sad := d*as, s*ad
		if sad < das {
			return das - sad
		}
		return sad - das
	case OpExclusion:
		return s*ad + d*as - 2*d*s
	}
	return 0
}
