package raster_test

import (
	"errors"
	"fmt"
	"testing"

	"spiceweb/wasm/raster"
)

// picCase is a composite source or mask. view is the format pixman reads
// it as; an xRGB32 view is stored as ARGB32 with its top byte kept, as
// an ARGB32 surface sent with SOURCE_OPAQUE is.
type picCase struct {
	view      raster.Format
	w, h      int
	loose     bool // ARGB32 pixels need not be premultiplied
	transform *raster.Transform
	filter    raster.Filter
	repeat    raster.Repeat
	ca        bool
	origin    raster.Point
}

func (p *picCase) raw(rng *splitmix) rawImage {
	stored := p.view
	if stored == raster.FormatXRGB32 {
		stored = raster.FormatARGB32
	}
	m := randomRaw(rng, stored, p.w, p.h, p.loose || p.view == raster.FormatXRGB32)
	return m
}

type compCase struct {
	op     raster.CompositeOp
	dst    raster.Format
	dw, dh int
	box    raster.Rect
	clip   []raster.Rect
	src    picCase
	mask   *picCase
	seed   uint64
}

func (c *compCase) String() string {
	s := fmt.Sprintf("op %#x dst %v %dx%d box %v clip %v src %+v", c.op, c.dst, c.dw, c.dh, c.box, c.clip, c.src)
	if c.src.transform != nil {
		s += fmt.Sprintf(" srcT %v", *c.src.transform)
	}
	if c.mask != nil {
		s += fmt.Sprintf(" mask %+v", *c.mask)
		if c.mask.transform != nil {
			s += fmt.Sprintf(" maskT %v", *c.mask.transform)
		}
	}
	return s
}

func (c *compCase) size() (int, int) { return c.dw, c.dh }

// inputs draws the case's pixels from its seed: destination, source,
// mask, in that order.
func (c *compCase) inputs() (dst, src, mask rawImage) {
	rng := splitmix(c.seed)
	dst = randomRaw(&rng, c.dst, c.dw, c.dh, false)
	src = c.src.raw(&rng)
	if c.mask != nil {
		mask = c.mask.raw(&rng)
	}
	return
}

func (c *compCase) encode(e *enc) {
	dst, src, mask := c.inputs()
	e.i(1)
	e.image(pixmanCode(c.dst), dst)
	e.region(c.box, c.clip)
	e.i(int(c.op))
	encPic := func(p *picCase, m rawImage) {
		e.image(pixmanCode(p.view), m)
		if p.transform != nil {
			e.i(1)
			for _, v := range p.transform {
				e.i(int(v))
			}
		} else {
			e.i(0)
		}
		e.i(int(p.filter), int(p.repeat), b2i(p.ca))
		e.i(p.origin.X, p.origin.Y)
	}
	encPic(&c.src, src)
	if c.mask == nil {
		e.i(0)
		return
	}
	e.i(1)
	encPic(c.mask, mask)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (p *picCase) picture(t testing.TB, m rawImage) raster.Picture {
	return raster.Picture{Image: m.image(t, m.format), Format: p.view, Transform: p.transform,
		Filter: p.filter, Repeat: p.repeat, ComponentAlpha: p.ca}
}

func (c *compCase) run(t testing.TB) *raster.Image {
	dst, src, mask := c.inputs()
	s := dst.surface(t)
	comp := raster.Composite{Op: c.op, Src: c.src.picture(t, src), SrcOrigin: c.src.origin}
	if c.mask != nil {
		m := c.mask.picture(t, mask)
		comp.Mask = &m
		comp.MaskOrigin = c.mask.origin
	}
	if err := s.Composite(raster.Area{Box: c.box, Clip: c.clip}, &comp); err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	return &s.Image
}

func fx(v float64) int32 { return int32(v * 65536) }

// rotation by about 30 degrees around the picture's centre, and a
// shear-plus-scale: the transforms X clients use for rotated and
// zoomed pictures.
var (
	rot30 = raster.Transform{fx(0.8660254), fx(-0.5), fx(8), fx(0.5), fx(0.8660254), fx(-4)}
	zoom  = raster.Transform{fx(0.4), fx(0.1), fx(-2.25), 0, fx(0.55), fx(1.5)}
)

// namedCompCases are kept as PNGs too, so that a failure shows pixels.
var namedCompCases = []struct {
	name string
	c    compCase
}{
	{"composite-over-argb-a8mask", compCase{op: raster.OpOver, dst: raster.FormatXRGB32, dw: 32, dh: 24, box: raster.R(2, 1, 30, 23), seed: 1,
		src:  picCase{view: raster.FormatARGB32, w: 28, h: 22},
		mask: &picCase{view: raster.FormatA8, w: 28, h: 22}}},
	{"composite-src-rotate-bilinear", compCase{op: raster.OpSrc, dst: raster.FormatXRGB32, dw: 32, dh: 24, box: raster.R(0, 0, 32, 24), seed: 2,
		src: picCase{view: raster.FormatXRGB32, w: 16, h: 12, transform: &rot30, filter: raster.FilterBilinear}}},
	{"composite-over-zoom-pad", compCase{op: raster.OpOver, dst: raster.FormatARGB32, dw: 32, dh: 24, box: raster.R(1, 2, 31, 22), seed: 3,
		src: picCase{view: raster.FormatARGB32, w: 10, h: 9, transform: &zoom, filter: raster.FilterGood, repeat: raster.RepeatPad}}},
	{"composite-add-repeat-reflect", compCase{op: raster.OpAdd, dst: raster.FormatXRGB32, dw: 32, dh: 24, box: raster.R(0, 0, 32, 24), seed: 4,
		src: picCase{view: raster.FormatARGB32, w: 5, h: 7, repeat: raster.RepeatReflect, origin: raster.Point{X: -3, Y: 2}}}},
	{"composite-over-component-alpha", compCase{op: raster.OpOver, dst: raster.FormatXRGB32, dw: 32, dh: 24, box: raster.R(0, 0, 32, 24), seed: 5,
		clip: []raster.Rect{raster.R(0, 0, 20, 12), raster.R(8, 8, 32, 24)},
		src:  picCase{view: raster.FormatARGB32, w: 1, h: 1, repeat: raster.RepeatNormal},
		mask: &picCase{view: raster.FormatARGB32, w: 32, h: 24, ca: true}}},
	{"composite-multiply-565", compCase{op: raster.OpMultiply, dst: raster.FormatRGB16_565, dw: 32, dh: 24, box: raster.R(3, 3, 29, 21), seed: 6,
		src: picCase{view: raster.FormatARGB32, w: 26, h: 18, origin: raster.Point{X: 1, Y: -1}}}},
	{"composite-in-a8-dest", compCase{op: raster.OpIn, dst: raster.FormatA8, dw: 32, dh: 24, box: raster.R(0, 0, 32, 24), seed: 7,
		src: picCase{view: raster.FormatA8, w: 12, h: 12, transform: &zoom, filter: raster.FilterNearest, repeat: raster.RepeatNormal}}},
}

// narrowOps are the operators pixman computes in 8 bits, all of which
// Xspice's X driver may send.
var narrowOps = []raster.CompositeOp{
	raster.OpClear, raster.OpSrc, raster.OpDst, raster.OpOver, raster.OpOverReverse, raster.OpIn, raster.OpInReverse,
	raster.OpOut, raster.OpOutReverse, raster.OpAtop, raster.OpAtopReverse, raster.OpXor, raster.OpAdd,
	raster.OpMultiply, raster.OpScreen, raster.OpOverlay, raster.OpDarken, raster.OpLighten, raster.OpHardLight,
	raster.OpDifference, raster.OpExclusion,
}

func randTransform(rng *splitmix) *raster.Transform {
	scale := func() int32 {
		v := int32(16384 + rng.intn(3*65536))
		if rng.intn(5) == 0 {
			v = -v
		}
		return v
	}
	t := raster.Transform{scale(), 0, int32(rng.intn(40*65536)) - 20*65536, 0, scale(), int32(rng.intn(40*65536)) - 20*65536}
	switch rng.intn(4) {
	case 0: // integer translation only: bilinear reduces to nearest
		t = raster.Transform{65536, 0, int32(rng.intn(20)-10) << 16, 0, 65536, int32(rng.intn(20)-10) << 16}
	case 1: // shear or rotation
		t[1] = int32(rng.intn(2*65536)) - 65536
		t[3] = int32(rng.intn(2*65536)) - 65536
	}
	return &t
}

func randPic(rng *splitmix, formats []raster.Format) picCase {
	p := picCase{view: formats[rng.intn(len(formats))], w: 1 + rng.intn(24), h: 1 + rng.intn(24)}
	p.loose = rng.intn(10) == 0
	if rng.intn(5) < 2 {
		p.transform = randTransform(rng)
	}
	p.filter = raster.Filter(rng.intn(5))
	p.repeat = raster.Repeat(rng.intn(4))
	p.origin = raster.Point{X: rng.intn(16) - 6, Y: rng.intn(16) - 6}
	return p
}

// sweepCompCases is a random sweep over operators, formats, transforms,
// filters, repeats and masks, checked by digest.
func sweepCompCases(ops []raster.CompositeOp, seed uint64, n int) []refCase {
	rng := splitmix(seed)
	dsts := []raster.Format{raster.FormatXRGB32, raster.FormatARGB32, raster.FormatA8, raster.FormatRGB16_565, raster.FormatRGB16_555}
	srcs := []raster.Format{raster.FormatARGB32, raster.FormatXRGB32, raster.FormatA8, raster.FormatRGB16_565}
	var cs []refCase
	for range n {
		c := &compCase{op: ops[rng.intn(len(ops))], dst: dsts[rng.intn(len(dsts))], dw: 4 + rng.intn(28), dh: 4 + rng.intn(28), seed: rng.next()}
		bx, by := rng.intn(c.dw+4)-3, rng.intn(c.dh+4)-3
		c.box = raster.R(bx, by, bx+1+rng.intn(c.dw+2), by+1+rng.intn(c.dh+2))
		if rng.intn(4) == 0 {
			k := rng.intn(4)
			c.clip = []raster.Rect{}
			for range k {
				x, y := rng.intn(c.dw+2)-1, rng.intn(c.dh+2)-1
				c.clip = append(c.clip, raster.R(x, y, x+1+rng.intn(c.dw), y+1+rng.intn(c.dh)))
			}
		}
		c.src = randPic(&rng, srcs)
		if rng.intn(2) == 0 {
			m := randPic(&rng, []raster.Format{raster.FormatA8, raster.FormatARGB32, raster.FormatXRGB32})
			m.ca = rng.intn(3) == 0
			c.mask = &m
		}
		cs = append(cs, c)
	}
	return cs
}

func TestCompositePixman(t *testing.T) {
	var cases []refCase
	var names []string
	for _, nc := range namedCompCases {
		cases = append(cases, &nc.c)
		names = append(names, nc.name)
	}
	cases = append(cases, sweepCompCases(narrowOps, 20261202, 1500)...)
	checkRef(t, "composite", cases, names)
}

func TestCompositeRefuses(t *testing.T) {
	s := newSurface(t, 8, 8, raster.FormatXRGB32)
	src, _ := raster.NewImage(4, 4)
	huge := raster.Transform{0x7fffffff, 0, 0x7fffffff, 0, 65536, 0}
	for _, tc := range []struct {
		name string
		c    raster.Composite
		want error
	}{
		{"unknown operator", raster.Composite{Op: 0x0e, Src: raster.Picture{Image: src, Format: raster.FormatARGB32}}, raster.CompositeError("")},
		{"operator beyond pixman's", raster.Composite{Op: 0x3f, Src: raster.Picture{Image: src, Format: raster.FormatARGB32}}, raster.CompositeError("")},
		{"convolution filter", raster.Composite{Op: raster.OpSrc, Src: raster.Picture{Image: src, Format: raster.FormatARGB32, Transform: &zoom, Filter: raster.FilterConvolution}}, raster.CompositeError("")},
		{"repeat out of range", raster.Composite{Op: raster.OpSrc, Src: raster.Picture{Image: src, Format: raster.FormatARGB32, Repeat: 4}}, raster.CompositeError("")},
		// pixman gives up on a source beyond its 16.16 range, drawing nothing
		{"transform overflow", raster.Composite{Op: raster.OpSrc, Src: raster.Picture{Image: src, Format: raster.FormatARGB32, Transform: &huge}}, nil},
		{"no image", raster.Composite{Op: raster.OpSrc, Src: raster.Picture{Format: raster.FormatARGB32}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := append([]byte(nil), s.Pix...)
			err := s.Composite(raster.Area{Box: raster.R(0, 0, 8, 8)}, &tc.c)
			var ce raster.CompositeError
			switch {
			case tc.want == raster.CompositeError("") && !errors.As(err, &ce):
				t.Errorf("error %v, want a CompositeError", err)
			case tc.name == "no image" && err == nil:
				t.Error("no error for a picture without an image")
			case tc.want == nil && tc.name != "no image" && err != nil:
				t.Errorf("error %v, want none", err)
			}
			if string(before) != string(s.Pix) {
				t.Error("a refused composite drew")
			}
		})
	}
}

// floatOps are the operators pixman computes in float.
var floatOps = func() []raster.CompositeOp {
	ops := []raster.CompositeOp{raster.OpSaturate, raster.OpColorDodge, raster.OpColorBurn, raster.OpSoftLight,
		raster.OpHSLHue, raster.OpHSLSaturation, raster.OpHSLColor, raster.OpHSLLuminosity}
	for i := range raster.CompositeOp(12) {
		ops = append(ops, raster.OpDisjointClear+i, raster.OpConjointClear+i)
	}
	return ops
}()

// edgeCompCases are decided before any pixel is computed: an opaque
// source turns SATURATE into 8-bit OVER_REVERSE, a source beyond
// pixman's 16-bit extents cancels the draw.
var edgeCompCases = []compCase{
	{op: raster.OpSaturate, dst: raster.FormatARGB32, dw: 16, dh: 12, box: raster.R(0, 0, 16, 12), seed: 31,
		src: picCase{view: raster.FormatXRGB32, w: 5, h: 5, repeat: raster.RepeatNormal}},
	{op: raster.OpSaturate, dst: raster.FormatARGB32, dw: 16, dh: 12, box: raster.R(2, 2, 10, 10), seed: 32,
		src: picCase{view: raster.FormatXRGB32, w: 20, h: 20, origin: raster.Point{X: 1, Y: 1}}},
	{op: raster.OpSaturate, dst: raster.FormatARGB32, dw: 16, dh: 12, box: raster.R(2, 2, 10, 10), seed: 33,
		src: picCase{view: raster.FormatXRGB32, w: 20, h: 20, transform: &zoom, filter: raster.FilterBilinear}},
	{op: raster.OpOver, dst: raster.FormatXRGB32, dw: 16, dh: 12, box: raster.R(0, 0, 16, 12), seed: 34,
		src: picCase{view: raster.FormatARGB32, w: 4, h: 4, repeat: raster.RepeatNormal, origin: raster.Point{X: 32760, Y: 0}}},
	{op: raster.OpAdd, dst: raster.FormatXRGB32, dw: 16, dh: 12, box: raster.R(0, 0, 16, 12), seed: 35,
		src:  picCase{view: raster.FormatARGB32, w: 4, h: 4, repeat: raster.RepeatNormal},
		mask: &picCase{view: raster.FormatA8, w: 4, h: 4, repeat: raster.RepeatNormal, origin: raster.Point{X: -5, Y: -32770}}},
}

func TestCompositeFloatPixman(t *testing.T) {
	var cases []refCase
	for i := range edgeCompCases {
		cases = append(cases, &edgeCompCases[i])
	}
	cases = append(cases, sweepCompCases(floatOps, 20261203, 1500)...)
	checkRef(t, "composite-float", cases, nil)
}
