package raster

import (
	"encoding/binary"
	"math"
)

// pixman's float pipeline, which it uses for the operators whose
// formulas divide (SATURATE, the disjoint and conjoint families,
// COLOR_DODGE, COLOR_BURN, SOFT_LIGHT and the HSL modes): every sample is
// expanded to float32 channels by its format's own depth (a 5-bit channel
// v becomes v/31, not its 8-bit replica over 255), bilinear filtering
// interpolates those floats with the full 16-bit fraction, the
// combiners of pixman-combine-float.c work in float32, and the result is
// contracted to 8 bits by truncating f*256 (float_to_unorm). Products
// that feed a sum are converted to float32 explicitly so that no
// compiler fuses them: pixman's x86-64 build does not either.

// argbF is one pixel in the float pipeline, premultiplied.
type argbF struct{ a, r, g, b float32 }

// mul is 1/(2^bits - 1) as pixman's multipliers table holds it.
func mul(bits uint) float32 { return 1 / float32(int(1)<<bits-1) }

// expand converts a stored word of format f to floats; out of the
// picture (REPEAT_NONE) is all zero.
func expand(f Format, w uint32) argbF {
	r, g, b, a := w&0xff, w>>8&0xff, w>>16&0xff, w>>24
	switch f {
	case FormatARGB32:
		return argbF{float32(a) * mul(8), float32(r) * mul(8), float32(g) * mul(8), float32(b) * mul(8)}
	case FormatA8:
		return argbF{a: float32(a) * mul(8)}
	case FormatA1:
		return argbF{a: float32(a >> 7)}
	case FormatRGB16_565:
		return argbF{1, float32(r>>3) * mul(5), float32(g>>2) * mul(6), float32(b>>3) * mul(5)}
	case FormatRGB16_555:
		return argbF{1, float32(r>>3) * mul(5), float32(g>>3) * mul(5), float32(b>>3) * mul(5)}
	}
	// xRGB32: no alpha bits, alpha is 1
	return argbF{1, float32(r) * mul(8), float32(g) * mul(8), float32(b) * mul(8)}
}

// unorm8 is pixman's float_to_unorm(f, 8).
func unorm8(f float32) uint32 {
	if f > 1 {
		f = 1
	}
	if f < 0 || f != f {
		f = 0
	}
	u := uint32(f * 256)
	return u - u>>8
}

func (p argbF) word() uint32 {
	return unorm8(p.a)<<24 | unorm8(p.b)<<16 | unorm8(p.g)<<8 | unorm8(p.r)
}

// rowFloat fetches the samples for destination pixels (i.., j) as floats.
func (ps *picSampler) rowFloat(dst []argbF, i, j int) {
	m := ps.p.Image
	f := ps.p.Format
	if m.W == 0 || m.H == 0 {
		clear(dst)
		return
	}
	if !ps.affine {
		x, y := ps.orig.X+i, ps.orig.Y+j
		for k := range dst {
			dst[k] = ps.pixelF(f, x+k, y)
		}
		return
	}
	x, y := ps.pos(i, j)
	ux, uy := ps.t[0], ps.t[3]
	for k := range dst {
		if ps.bilinear {
			x1, y1 := x-0x8000, y-0x8000
			dx, dy := float32(x1&0xffff)/65536, float32(y1&0xffff)/65536
			x0, y0 := int(x1>>16), int(y1>>16)
			dst[k] = bilerpF(ps.pixelF(f, x0, y0), ps.pixelF(f, x0+1, y0), ps.pixelF(f, x0, y0+1), ps.pixelF(f, x0+1, y0+1), dx, dy)
		} else {
			dst[k] = ps.pixelF(f, int((x-1)>>16), int((y-1)>>16))
		}
		x += ux
		y += uy
	}
}

func (ps *picSampler) pixelF(f Format, x, y int) argbF {
	m := ps.p.Image
	if ps.p.Repeat == RepeatNone {
		if x < 0 || y < 0 || x >= m.W || y >= m.H {
			return argbF{}
		}
	} else {
		x, y = repeatCoord(ps.p.Repeat, x, m.W), repeatCoord(ps.p.Repeat, y, m.H)
	}
	return expand(f, binary.LittleEndian.Uint32(m.Pix[y*m.Stride+x*4:]))
}

// bilerpF is pixman-inlines.h bilinear_interpolation_float.
func bilerpF(tl, tr, bl, br argbF, dx, dy float32) argbF {
	dxy := dx * dy
	dxiy := dx * (1 - dy)
	dixy := (1 - dx) * dy
	dixiy := (1 - dx) * (1 - dy)
	ch := func(a, b, c, d float32) float32 {
		return float32(float32(float32(a*dixiy)+float32(b*dxiy))+float32(c*dixy)) + float32(d*dxy)
	}
	return argbF{ch(tl.a, tr.a, bl.a, br.a), ch(tl.r, tr.r, bl.r, br.r), ch(tl.g, tr.g, bl.g, br.g), ch(tl.b, tr.b, bl.b, br.b)}
}

// pdFactor is pixman-combine-float.c's combine_factor_t.
type pdFactor uint8

const (
	fZero pdFactor = iota
	fOne
	fSrcAlpha
	fDestAlpha
	fInvSA
	fInvDA
	fSAOverDA
	fDAOverSA
	fInvSAOverDA
	fInvDAOverSA
	fOneMinusSAOverDA
	fOneMinusDAOverSA
	fOneMinusInvDAOverSA
	fOneMinusInvSAOverDA
)

// isZero is pixman's FLOAT_IS_ZERO: |f| below FLT_MIN.
func isZero(f float32) bool { return -0x1p-126 < f && f < 0x1p-126 }

func clamp01(f float32) float32 {
	if f < 0 {
		return 0
	}
	if f > 1 {
		return 1
	}
	return f
}

func factor(f pdFactor, sa, da float32) float32 {
	switch f {
	case fZero:
		return 0
	case fOne:
		return 1
	case fSrcAlpha:
		return sa
	case fDestAlpha:
		return da
	case fInvSA:
		return 1 - sa
	case fInvDA:
		return 1 - da
	case fSAOverDA:
		if isZero(da) {
			return 1
		}
		return clamp01(sa / da)
	case fDAOverSA:
		if isZero(sa) {
			return 1
		}
		return clamp01(da / sa)
	case fInvSAOverDA:
		if isZero(da) {
			return 1
		}
		return clamp01((1 - sa) / da)
	case fInvDAOverSA:
		if isZero(sa) {
			return 1
		}
		return clamp01((1 - da) / sa)
	case fOneMinusSAOverDA:
		if isZero(da) {
			return 0
		}
		return clamp01(1 - sa/da)
	case fOneMinusDAOverSA:
		if isZero(sa) {
			return 0
		}
		return clamp01(1 - da/sa)
	case fOneMinusInvDAOverSA:
		if isZero(sa) {
			return 0
		}
		return clamp01(1 - (1-da)/sa)
	case fOneMinusInvSAOverDA:
		if isZero(da) {
			return 0
		}
		return clamp01(1 - (1-sa)/da)
	}
	return -1
}

// pdFactors are the (source, destination) factors of SATURATE and of the
// disjoint and conjoint operators, in pixman's operator order.
var (
	saturateFactors = [2]pdFactor{fInvDAOverSA, fOne}
	disjointFactors = [12][2]pdFactor{
		{fZero, fZero}, {fOne, fZero}, {fZero, fOne}, {fOne, fInvSAOverDA}, {fInvDAOverSA, fOne},
		{fOneMinusInvDAOverSA, fZero}, {fZero, fOneMinusInvSAOverDA}, {fInvDAOverSA, fZero}, {fZero, fInvSAOverDA},
		{fOneMinusInvDAOverSA, fInvSAOverDA}, {fInvDAOverSA, fOneMinusInvSAOverDA}, {fInvDAOverSA, fInvSAOverDA},
	}
	conjointFactors = [12][2]pdFactor{
		{fZero, fZero}, {fOne, fZero}, {fZero, fOne}, {fOne, fOneMinusSAOverDA}, {fOneMinusDAOverSA, fOne},
		{fDAOverSA, fZero}, {fZero, fSAOverDA}, {fOneMinusDAOverSA, fZero}, {fZero, fOneMinusSAOverDA},
		{fDAOverSA, fOneMinusSAOverDA}, {fOneMinusDAOverSA, fSAOverDA}, {fOneMinusDAOverSA, fOneMinusSAOverDA},
	}
)

// channelFunc is combine_channel_t: (sa, s, da, d) -> result.
type channelFunc func(sa, s, da, d float32) float32

func pdCombiner(fs [2]pdFactor) channelFunc {
	return func(sa, s, da, d float32) float32 {
		fa, fb := factor(fs[0], sa, da), factor(fs[1], sa, da)
		return min(1, float32(s*fa)+float32(d*fb))
	}
}

func separableA(sa, s, da, d float32) float32 { return (da + sa) - float32(da*sa) }

func separableC(blend func(sa, s, da, d float32) float32) channelFunc {
	return func(sa, s, da, d float32) float32 {
		f := float32((1-sa)*d) + float32((1-da)*s)
		return f + blend(sa, s, da, d)
	}
}

func blendColorDodge(sa, s, da, d float32) float32 {
	switch {
	case isZero(d):
		return 0
	case float32(d*sa) >= float32(sa*da)-float32(s*da):
		return sa * da
	case isZero(sa - s):
		return sa * da
	}
	return sa * sa * d / (sa - s)
}

func blendColorBurn(sa, s, da, d float32) float32 {
	switch {
	case d >= da:
		return sa * da
	case sa*(da-d) >= s*da:
		return 0
	case isZero(s):
		return 0
	}
	return sa * (da - sa*(da-d)/s)
}

func blendSoftLight(sa, s, da, d float32) float32 {
	if 2*s <= sa {
		if isZero(da) {
			return d * sa
		}
		return float32(d*sa) - d*(da-d)*(sa-2*s)/da
	}
	if isZero(da) {
		return d * sa
	}
	if 4*d <= da {
		return float32(d*sa) + float32((2*s-sa)*d*(float32((float32(16*d/da)-12)*d/da)+3))
	}
	return float32(d*sa) + float32((float32(math.Sqrt(float64(d*da)))-d)*(2*s-sa))
}

// combineFloat composites dw (stored words of the surface format f) with
// the float samples.
func combineFloat(op CompositeOp, ca bool, d []argbF, s, m []argbF) {
	if op >= OpHSLHue && op <= OpHSLLuminosity {
		if ca {
			return // pixman's component-alpha HSL combiners are DST
		}
		combineHSL(op, d, s, m)
		return
	}
	var fa, fc channelFunc
	switch {
	case op == OpSaturate:
		fa = pdCombiner(saturateFactors)
		fc = fa
	case op >= OpDisjointClear && op <= OpDisjointClear+0x0b:
		fa = pdCombiner(disjointFactors[op-OpDisjointClear])
		fc = fa
	case op >= OpConjointClear && op <= OpConjointClear+0x0b:
		fa = pdCombiner(conjointFactors[op-OpConjointClear])
		fc = fa
	case op == OpColorDodge:
		fa, fc = separableA, separableC(blendColorDodge)
	case op == OpColorBurn:
		fa, fc = separableA, separableC(blendColorBurn)
	case op == OpSoftLight:
		fa, fc = separableA, separableC(blendSoftLight)
	default:
		return
	}
	for k := range d {
		sp, dp := s[k], d[k]
		ma, mr, mg, mb := sp.a, sp.a, sp.a, sp.a
		if m != nil {
			mp := m[k]
			if ca {
				sp.r *= mp.r
				sp.g *= mp.g
				sp.b *= mp.b
				ma, mr, mg, mb = mp.a*sp.a, mp.r*sp.a, mp.g*sp.a, mp.b*sp.a
				sp.a = ma
			} else {
				sp.a *= mp.a
				sp.r *= mp.a
				sp.g *= mp.a
				sp.b *= mp.a
				ma, mr, mg, mb = sp.a, sp.a, sp.a, sp.a
			}
		}
		d[k] = argbF{fa(ma, sp.a, dp.a, dp.a), fc(mr, sp.r, dp.a, dp.r), fc(mg, sp.g, dp.a, dp.g), fc(mb, sp.b, dp.a, dp.b)}
	}
}

// The HSL modes (pixman-combine-float.c, non-separable): colours as
// (r, g, b) with R the stored low byte, which is pixman's red.
type rgbF struct{ r, g, b float32 }

func (c rgbF) min() float32 { return min(min(c.r, c.g), c.b) }
func (c rgbF) max() float32 { return max(max(c.r, c.g), c.b) }
func (c rgbF) lum() float32 {
	return float32(float32(c.r*0.3)+float32(c.g*0.59)) + float32(c.b*0.11)
}
func (c rgbF) sat() float32 { return c.max() - c.min() }

func clipColor(c *rgbF, a float32) {
	l, n, x := c.lum(), c.min(), c.max()
	if n < 0 {
		if t := l - n; isZero(t) {
			*c = rgbF{}
		} else {
			c.r = l + float32((c.r-l)*l)/t
			c.g = l + float32((c.g-l)*l)/t
			c.b = l + float32((c.b-l)*l)/t
		}
	}
	if x > a {
		if t := x - l; isZero(t) {
			*c = rgbF{a, a, a}
		} else {
			c.r = l + float32((c.r-l)*(a-l))/t
			c.g = l + float32((c.g-l)*(a-l))/t
			c.b = l + float32((c.b-l)*(a-l))/t
		}
	}
}

func setLum(c *rgbF, sa, l float32) {
	d := l - c.lum()
	c.r += d
	c.g += d
	c.b += d
	clipColor(c, sa)
}

func setSat(c *rgbF, sat float32) {
	var mx, md, mn *float32
	if c.r > c.g {
		if c.r > c.b {
			mx = &c.r
			if c.g > c.b {
				md, mn = &c.g, &c.b
			} else {
				md, mn = &c.b, &c.g
			}
		} else {
			mx, md, mn = &c.b, &c.r, &c.g
		}
	} else {
		if c.r > c.b {
			mx, md, mn = &c.g, &c.r, &c.b
		} else {
			mn = &c.r
			if c.g > c.b {
				mx, md = &c.g, &c.b
			} else {
				mx, md = &c.b, &c.g
			}
		}
	}
	if t := *mx - *mn; isZero(t) {
		*md, *mx = 0, 0
	} else {
		*md = float32((*md-*mn)*sat) / t
		*mx = sat
	}
	*mn = 0
}

func combineHSL(op CompositeOp, d, s, m []argbF) {
	for k := range d {
		sp, dp := s[k], d[k]
		sa, da := sp.a, dp.a
		sc, dc := rgbF{sp.r, sp.g, sp.b}, rgbF{dp.r, dp.g, dp.b}
		if m != nil {
			ma := m[k].a
			sa *= ma
			sc.r *= ma
			// pixman scales green twice and blue not at all here
			sc.g *= ma
			sc.g *= ma
		}
		var rc rgbF
		switch op {
		case OpHSLHue:
			rc = rgbF{sc.r * da, sc.g * da, sc.b * da}
			setSat(&rc, dc.sat()*sa)
			setLum(&rc, sa*da, dc.lum()*sa)
		case OpHSLSaturation:
			rc = rgbF{dc.r * sa, dc.g * sa, dc.b * sa}
			setSat(&rc, sc.sat()*da)
			setLum(&rc, sa*da, dc.lum()*sa)
		case OpHSLColor:
			rc = rgbF{sc.r * da, sc.g * da, sc.b * da}
			setLum(&rc, sa*da, dc.lum()*sa)
		case OpHSLLuminosity:
			rc = rgbF{dc.r * sa, dc.g * sa, dc.b * sa}
			setLum(&rc, sa*da, sc.lum()*da)
		}
		ch := func(dcc, scc, rcc float32) float32 {
			return float32(float32((1-sa)*dcc)+float32((1-da)*scc)) + rcc
		}
		d[k] = argbF{(sa + da) - float32(sa*da), ch(dc.r, sc.r, rc.r), ch(dc.g, sc.g, rc.g), ch(dc.b, sc.b, rc.b)}
	}
}
