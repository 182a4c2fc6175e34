package raster

import (
	"encoding/binary"
	"errors"
	"math"

	"spiceweb/wasm/internal/errfmt"
)

// CompositeOp is a pixman operator (pixman_op_t), as DRAW_COMPOSITE
// carries it in the low byte of its flags.
type CompositeOp uint8

// The Porter-Duff operators, pixman's SATURATE, the disjoint and
// conjoint families and the PDF blend modes, with pixman's values.
const (
	OpClear       CompositeOp = 0x00
	OpSrc         CompositeOp = 0x01
	OpDst         CompositeOp = 0x02
	OpOver        CompositeOp = 0x03
	OpOverReverse CompositeOp = 0x04
	OpIn          CompositeOp = 0x05
	OpInReverse   CompositeOp = 0x06
	OpOut         CompositeOp = 0x07
	OpOutReverse  CompositeOp = 0x08
	OpAtop        CompositeOp = 0x09
	OpAtopReverse CompositeOp = 0x0a
	OpXor         CompositeOp = 0x0b
	OpAdd         CompositeOp = 0x0c
	OpSaturate    CompositeOp = 0x0d

	OpDisjointClear CompositeOp = 0x10 // through 0x1b, in Porter-Duff order
	OpConjointClear CompositeOp = 0x20 // through 0x2b

	OpMultiply      CompositeOp = 0x30
	OpScreen        CompositeOp = 0x31
	OpOverlay       CompositeOp = 0x32
	OpDarken        CompositeOp = 0x33
	OpLighten       CompositeOp = 0x34
	OpColorDodge    CompositeOp = 0x35
	OpColorBurn     CompositeOp = 0x36
	OpHardLight     CompositeOp = 0x37
	OpSoftLight     CompositeOp = 0x38
	OpDifference    CompositeOp = 0x39
	OpExclusion     CompositeOp = 0x3a
	OpHSLHue        CompositeOp = 0x3b
	OpHSLSaturation CompositeOp = 0x3c
	OpHSLColor      CompositeOp = 0x3d
	OpHSLLuminosity CompositeOp = 0x3e
)

// Valid reports whether op is one of pixman's operators.
func (op CompositeOp) Valid() bool {
	switch {
	case op <= OpSaturate:
		return true
	case op >= OpDisjointClear && op <= OpDisjointClear+0x0b:
		return true
	case op >= OpConjointClear && op <= OpConjointClear+0x0b:
		return true
	case op >= OpMultiply && op <= OpHSLLuminosity:
		return true
	}
	return false
}

// narrow reports whether pixman computes op in 8-bit integers: every
// operator whose formula has no division. The others (SATURATE, the
// disjoint and conjoint families, COLOR_DODGE, COLOR_BURN, SOFT_LIGHT and
// the HSL modes) go through pixman's float pipeline
// (pixman-general.c operator_needs_division).
func (op CompositeOp) narrow() bool {
	switch {
	case op <= OpAdd:
		return true
	case op >= OpMultiply && op <= OpExclusion:
		return op != OpColorDodge && op != OpColorBurn && op != OpSoftLight
	}
	return false
}

// Filter is a pixman sampling filter (pixman_filter_t).
type Filter uint8

const (
	FilterFast                 Filter = 0
	FilterGood                 Filter = 1
	FilterBest                 Filter = 2
	FilterNearest              Filter = 3
	FilterBilinear             Filter = 4
	FilterConvolution          Filter = 5
	FilterSeparableConvolution Filter = 6
)

// bilinear reports whether f samples bilinearly; FAST is NEAREST, GOOD
// and BEST are BILINEAR in pixman (pixman-image.c compute_image_info).
func (f Filter) bilinear() bool { return f == FilterGood || f == FilterBest || f == FilterBilinear }

// Repeat is how a picture extends beyond its pixels (pixman_repeat_t).
type Repeat uint8

const (
	RepeatNone    Repeat = 0 // transparent black outside
	RepeatNormal  Repeat = 1 // tiled
	RepeatPad     Repeat = 2 // edge pixels extended
	RepeatReflect Repeat = 3 // mirrored tiles
)

// Transform is a pixman 16.16 affine matrix: rows (T[0], T[1], T[2]) and
// (T[3], T[4], T[5]), the third row 0 0 1. It maps destination pixel
// centres to source positions.
type Transform [6]int32

// Picture is a composite source or mask: pixman_image_t as spice-common
// sets it up for DRAW_COMPOSITE.
type Picture struct {
	Image *Image
	// Format says how pixman reads the pixels: XRGB32 forces alpha to
	// 255 (an image without alpha, or an ARGB32 surface sent with
	// SOURCE_OPAQUE/MASK_OPAQUE), A8 and A1 keep only alpha, the others
	// read the stored word as is.
	Format         Format
	Transform      *Transform // nil: identity
	Filter         Filter
	Repeat         Repeat
	ComponentAlpha bool // masks only: per-channel mask values
}

// Composite is a DRAW_COMPOSITE: dest = Src Op Dest through Mask, with
// destination pixel (box.X0+i, box.Y0+j) sampling Src at
// SrcOrigin+(i, j) and Mask at MaskOrigin+(i, j), each through its
// transform.
type Composite struct {
	Op         CompositeOp
	Src        Picture
	Mask       *Picture // nil: none
	SrcOrigin  Point
	MaskOrigin Point
}

// ErrCompositeTransform reports a transform whose source positions leave
// pixman's 16.16 range for this draw; pixman computes garbage there, so
// such a draw is refused.
var ErrCompositeTransform = errors.New("raster: composite transform out of range")

// CompositeError reports a composite the client cannot draw like the
// server's renderer (an operator or filter it does not implement).
type CompositeError string

func (e CompositeError) Error() string { return "raster: unsupported composite: " + string(e) }

// Composite draws c over the area (box ∩ clip; the area's mask is not
// used: DRAW_COMPOSITE has none). It returns an error, and draws nothing,
// for operators or filters outside what pixman does with spice-common's
// parameters; like pixman, it draws nothing without an error when a
// picture's samples leave pixman's 16-bit working range
// (composite_analyze.go). Every pixman operator is drawn: most in 8-bit
// integers (combine.go), those that divide in float32 (combine_float.go).
//
// Matches spice-common canvas_base.c canvas_draw_composite: the box is
// composited with pixman_image_composite32 and the clipped part copied
// back; the destination is read in the surface's own format
// (canvas_get_image_from_self ignores DEST_OPAQUE), so an xRGB32 surface
// has alpha 255 as pixman's x8r8g8b8 does.
func (s *Surface) Composite(a Area, c *Composite) error {
	if !c.Op.Valid() {
		return CompositeError("operator " + errfmt.Int(c.Op))
	}
	if err := c.Src.check("source"); err != nil {
		return err
	}
	if c.Mask != nil {
		if err := c.Mask.check("mask"); err != nil {
			return err
		}
	}
	a.Mask = Mask{}
	w, h := a.Box.Dx(), a.Box.Dy()
	if w <= 0 || h <= 0 {
		return nil
	}
	ok, covered := extentOK(&c.Src, c.SrcOrigin, w, h)
	if !ok {
		return nil // pixman gives up on the draw
	}
	srcOpaque := c.Src.opaque(covered)
	if c.Mask != nil {
		ok, mcovered := extentOK(c.Mask, c.MaskOrigin, w, h)
		if !ok {
			return nil
		}
		srcOpaque = srcOpaque && c.Mask.opaque(mcovered)
	}
	op := effectiveOp(c.Op, srcOpaque)
	if op != c.Op {
		cc := *c
		cc.Op = op
		return s.composite(s.region(&a), Point{a.Box.X0, a.Box.Y0}, &cc)
	}
	return s.composite(s.region(&a), Point{a.Box.X0, a.Box.Y0}, c)
}

// composite draws c over the region g, destination pixel (x, y) sampling
// the pictures at their origin + (x, y) - org.
func (s *Surface) composite(g *region, org Point, c *Composite) error {
	if g.empty() {
		return nil
	}
	cs := &s.scratch.comp
	i0, i1 := g.ext.X0-org.X, g.ext.X1-org.X
	j0, j1 := g.ext.Y0-org.Y, g.ext.Y1-org.Y
	if err := cs.src.setup(&c.Src, c.SrcOrigin, i0, i1, j0, j1); err != nil {
		return err
	}
	if c.Mask != nil {
		if err := cs.mask.setup(c.Mask, c.MaskOrigin, i0, i1, j0, j1); err != nil {
			return err
		}
	}
	ca := c.Mask != nil && c.Mask.ComponentAlpha
	if !c.Op.narrow() {
		s.compositeFloat(g, org, c, ca)
		s.Damage.Add(g.ext)
		return nil
	}
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			for _, sp := range g.spans[bd.lo:bd.hi] {
				n := sp.x1 - sp.x0
				i, j := sp.x0-org.X, y-org.Y
				sw := words(&cs.s, n)
				cs.src.row(sw, i, j)
				var mw []uint32
				if c.Mask != nil {
					mw = words(&cs.m, n)
					cs.mask.row(mw, i, j)
				}
				dst := s.span(y, sp.x0, sp.x1)
				dw := words(&cs.d, n)
				for k := range dw {
					dw[k] = binary.LittleEndian.Uint32(dst[k*4:])
				}
				switch {
				case ca:
					combineCA(c.Op, dw, sw, mw)
				default:
					combineU(c.Op, dw, sw, mw)
				}
				for k, w := range dw {
					binary.LittleEndian.PutUint32(dst[k*4:], w)
				}
				fixSpan(s.Format, dst)
			}
		}
	}
	s.Damage.Add(g.ext)
	return nil
}

// compScratch holds Composite's reused buffers.
type compScratch struct {
	src, mask  picSampler
	s, m, d    []uint32
	sf, mf, df []argbF
}

func floats(b *[]argbF, n int) []argbF {
	if cap(*b) < n {
		*b = make([]argbF, n)
	}
	return (*b)[:n]
}

// compositeFloat is composite's loop for the operators pixman computes
// in float (combine_float.go).
func (s *Surface) compositeFloat(g *region, org Point, c *Composite, ca bool) {
	cs := &s.scratch.comp
	for _, bd := range g.bands {
		for y := bd.y0; y < bd.y1; y++ {
			for _, sp := range g.spans[bd.lo:bd.hi] {
				n := sp.x1 - sp.x0
				i, j := sp.x0-org.X, y-org.Y
				sf := floats(&cs.sf, n)
				cs.src.rowFloat(sf, i, j)
				var mf []argbF
				if c.Mask != nil {
					mf = floats(&cs.mf, n)
					cs.mask.rowFloat(mf, i, j)
				}
				dst := s.span(y, sp.x0, sp.x1)
				df := floats(&cs.df, n)
				for k := range df {
					df[k] = expand(s.Format, binary.LittleEndian.Uint32(dst[k*4:]))
				}
				combineFloat(c.Op, ca, df, sf, mf)
				for k, p := range df {
					binary.LittleEndian.PutUint32(dst[k*4:], p.word())
				}
				fixSpan(s.Format, dst)
			}
		}
	}
}

func words(b *[]uint32, n int) []uint32 {
	if cap(*b) < n {
		*b = make([]uint32, n)
	}
	return (*b)[:n]
}

func (p *Picture) check(what string) error {
	if p.Image == nil || !p.Image.valid() {
		return errors.New("raster: composite " + what + " image is invalid")
	}
	if p.Filter > FilterBilinear {
		// spice-common sets a convolution filter without parameters,
		// which pixman cannot sample with.
		return CompositeError(what + " filter " + errfmt.Int(p.Filter))
	}
	if p.Repeat > RepeatReflect {
		return CompositeError(what + " repeat " + errfmt.Int(p.Repeat))
	}
	if !p.Format.Valid() {
		return CompositeError(what + " format " + errfmt.Int(p.Format))
	}
	return nil
}

// picSampler fetches a Picture's pixels for destination rows, as pixman's
// bits-image fetchers do: the 8-bit a8r8g8b8 value of each sample, in
// the stored word layout (R in the low byte).
type picSampler struct {
	p        *Picture
	orig     Point
	affine   bool
	bilinear bool
	t        [6]int64
	// the start of the row: the fixed-point position of (i, j) is
	// (t0*i + rowX, t3*i + rowY) with rowX, rowY from j
	force uint32 // OR-ed into fetched in-bound pixels (XRGB32's alpha)
	keep  uint32 // AND-ed into them (A8 and A1 keep alpha only)
}

func (ps *picSampler) setup(p *Picture, orig Point, i0, i1, j0, j1 int) error {
	ps.p, ps.orig = p, orig
	ps.force, ps.keep = 0, 0xffffffff
	switch p.Format {
	case FormatXRGB32:
		ps.force = 0xff000000
	case FormatA8, FormatA1:
		ps.keep = 0xff000000
	}
	ps.affine = p.Transform != nil
	ps.bilinear = false
	if !ps.affine {
		// pixman treats every filter as NEAREST under the identity
		// transform (FAST_PATH_ID_TRANSFORM), and so does this.
		return nil
	}
	ps.bilinear = p.Filter.bilinear()
	for k, v := range p.Transform {
		ps.t[k] = int64(v)
	}
	// Every position of the draw must fit pixman_fixed_t: pixman
	// computes positions in int32 and gives up (leaving stale samples)
	// when the transform overflows. Positions are affine in (i, j), so
	// the corners bound them.
	for _, j := range [2]int{j0, j1 - 1} {
		for _, i := range [2]int{i0, i1 - 1} {
			x, y := ps.pos(i, j)
			if x < math.MinInt32 || x > math.MaxInt32 || y < math.MinInt32 || y > math.MaxInt32 {
				return ErrCompositeTransform
			}
		}
	}
	return nil
}

// pos is pixman_transform_point_3d applied to the centre of source pixel
// orig+(i, j): its integer part is multiplied exactly and the 0.5 part is
// rounded once (pixman-matrix.c pixman_transform_point_31_16_3d). pixman
// then steps by t0/t3 per pixel, which gives the same values.
func (ps *picSampler) pos(i, j int) (x, y int64) {
	X, Y := int64(ps.orig.X+i), int64(ps.orig.Y+j)
	t := &ps.t
	x = t[0]*X + t[1]*Y + t[2] + (t[0]*0x8000+t[1]*0x8000+0x8000)>>16
	y = t[3]*X + t[4]*Y + t[5] + (t[3]*0x8000+t[4]*0x8000+0x8000)>>16
	return x, y
}

// row fetches the samples for destination pixels (i.., j).
func (ps *picSampler) row(dst []uint32, i, j int) {
	m := ps.p.Image
	if m.W == 0 || m.H == 0 {
		// nothing to repeat: every sample is outside
		clear(dst)
		return
	}
	if !ps.affine {
		y := ps.orig.Y + j
		x := ps.orig.X + i
		if ps.p.Repeat == RepeatNone {
			if y < 0 || y >= m.H {
				clear(dst)
				return
			}
			row := m.Row(y)
			// pixels [k0, k1) of dst are inside the image
			k0, k1 := min(max(-x, 0), len(dst)), min(max(m.W-x, 0), len(dst))
			clear(dst[:k0])
			for k := k0; k < k1; k++ {
				dst[k] = binary.LittleEndian.Uint32(row[(x+k)*4:])&ps.keep | ps.force
			}
			clear(dst[max(k1, k0):])
			return
		}
		if m.W == 1 && m.H == 1 {
			// a solid colour
			v := binary.LittleEndian.Uint32(m.Pix)&ps.keep | ps.force
			for k := range dst {
				dst[k] = v
			}
			return
		}
		row := m.Row(repeatCoord(ps.p.Repeat, y, m.H))
		for k := range dst {
			xx := repeatCoord(ps.p.Repeat, x+k, m.W)
			dst[k] = binary.LittleEndian.Uint32(row[xx*4:])&ps.keep | ps.force
		}
		return
	}
	x, y := ps.pos(i, j)
	ux, uy := ps.t[0], ps.t[3]
	for k := range dst {
		if ps.bilinear {
			dst[k] = ps.bilinearAt(x, y)
		} else {
			dst[k] = ps.pixel(int((x-1)>>16), int((y-1)>>16))
		}
		x += ux
		y += uy
	}
}

// pixel is the picture's pixel (x, y) after the repeat rule; 0 outside
// with REPEAT_NONE.
func (ps *picSampler) pixel(x, y int) uint32 {
	m := ps.p.Image
	if ps.p.Repeat == RepeatNone {
		if x < 0 || y < 0 || x >= m.W || y >= m.H {
			return 0
		}
	} else {
		x, y = repeatCoord(ps.p.Repeat, x, m.W), repeatCoord(ps.p.Repeat, y, m.H)
	}
	return binary.LittleEndian.Uint32(m.Pix[y*m.Stride+x*4:])&ps.keep | ps.force
}

// bilinearAt samples at the 16.16 position (x, y) with pixman's 7-bit
// bilinear weights (pixman-bits-image.c bits_image_fetch_pixel_bilinear).
func (ps *picSampler) bilinearAt(x, y int64) uint32 {
	x -= 0x8000
	y -= 0x8000
	wx, wy := uint32(x>>9)&0x7f, uint32(y>>9)&0x7f
	x0, y0 := int(x>>16), int(y>>16)
	tl, tr := ps.pixel(x0, y0), ps.pixel(x0+1, y0)
	bl, br := ps.pixel(x0, y0+1), ps.pixel(x0+1, y0+1)
	return bilerp(tl, tr, bl, br, wx, wy)
}

// repeatCoord maps c into [0, size) by the repeat rule (pixman-inlines.h
// repeat); size > 0.
func repeatCoord(r Repeat, c, size int) int {
	switch r {
	case RepeatNormal:
		return mod(c, size)
	case RepeatPad:
		return min(max(c, 0), size-1)
	case RepeatReflect:
		c = mod(c, 2*size)
		if c >= size {
			c = 2*size - c - 1
		}
		return c
	}
	return c
}

// ConvertTo sets dst to src brought to format f's values (pixman's SRC
// conversion into an image of that format, read back): how spice-common
// hands an image to a draw on a surface of another depth.
func ConvertTo(f Format, dst, src *Image) {
	if dst.Resize(src.W, src.H) != nil || !src.valid() {
		return
	}
	for y := 0; y < src.H; y++ {
		d := dst.Row(y)
		copy(d, src.Row(y))
		fixSpan(f, d)
	}
}
