package raster_test

import (
	"errors"
	"flag"
	"fmt"
	"testing"
	"time"

	"spiceweb/wasm/raster"
)

// The stroke reference is spice-common's own line code (lines.c), which
// this repository does not hold: testdata/linesref/linesref.c says how to
// build it against a spice-common checkout. With -linesref=BINARY the
// cases are compared with it and testdata/pixman/stroke.txt rewritten;
// otherwise they are compared with those digests.
var linesRef = flag.String("linesref", "", "a built testdata/linesref program: compare strokes with it and rewrite the stroke digests")

type strokeCase struct {
	w, h  int
	box   raster.Rect
	clip  []raster.Rect
	rop   raster.ROP
	color uint32
	style []int32 // 28.4, nil: solid
	gap   bool    // start with a gap
	polys [][]raster.Point
	seed  uint64
}

func (c *strokeCase) String() string {
	return fmt.Sprintf("stroke %dx%d box %v clip %v rop %v color %06x style %v gap %v polys %v", c.w, c.h, c.box, c.clip, c.rop, c.color, c.style, c.gap, c.polys)
}

func (c *strokeCase) size() (int, int) { return c.w, c.h }

func (c *strokeCase) dest() rawImage {
	rng := splitmix(c.seed)
	return randomRaw(&rng, raster.FormatXRGB32, c.w, c.h, false)
}

// dashes is the lineGC dash list canvas_draw_stroke makes of the style:
// whole pixels in unsigned chars, rotated left by one with the offset
// set to the new first length when the line starts with a gap.
func (c *strokeCase) dashes() (d []int, offset int) {
	for _, v := range c.style {
		r := int(v >> 4)
		if v&15 > 8 {
			r++
		}
		d = append(d, r&0xff)
	}
	if c.gap && len(d) > 0 {
		d = append(d[1:], d[0])
		offset = d[0]
	}
	return d, offset
}

func (c *strokeCase) encode(e *enc) {
	dst := c.dest()
	e.i(c.w, c.h)
	for _, v := range dst.px {
		e.i(int(v))
	}
	e.region(c.box, c.clip)
	e.i(int(c.rop), int(c.color))
	d, off := c.dashes()
	e.i(len(d))
	e.i(d...)
	e.i(off)
	e.i(len(c.polys))
	for _, p := range c.polys {
		e.i(len(p))
		for _, q := range p {
			e.i(q.X, q.Y)
		}
	}
}

func (c *strokeCase) stroke() *raster.Stroke {
	st := &raster.Stroke{Brush: raster.Brush{Color: c.color}, Rop: c.rop, Style: c.style, StartWithGap: c.gap}
	for _, p := range c.polys {
		seg := raster.PathSegment{Begin: true, End: true}
		for _, q := range p {
			seg.Points = append(seg.Points, raster.PathPoint{X: int32(q.X) << 4, Y: int32(q.Y) << 4})
		}
		st.Path = append(st.Path, seg)
	}
	return st
}

func (c *strokeCase) run(t testing.TB) *raster.Image {
	s := c.dest().surface(t)
	if err := s.DrawStroke(raster.Area{Box: c.box, Clip: c.clip}, c.stroke()); err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	return &s.Image
}

func sweepStrokeCases(n int, dashed bool, seed uint64) []refCase {
	rng := splitmix(seed)
	var cs []refCase
	rops := []raster.ROP{raster.RopCopy, raster.RopCopy, raster.ROP(6) /* xor */, raster.ROP(rng.intn(16))}
	for range n {
		c := &strokeCase{w: 8 + rng.intn(40), h: 8 + rng.intn(40), seed: rng.next(), color: uint32(rng.next()) & 0xffffff}
		c.rop = rops[rng.intn(len(rops))]
		if rng.intn(4) == 0 {
			c.rop = raster.ROP(rng.intn(16))
		}
		c.box = raster.R(rng.intn(8)-4, rng.intn(8)-4, c.w-rng.intn(8)+4, c.h-rng.intn(8)+4)
		if rng.intn(4) == 0 {
			c.clip = []raster.Rect{raster.R(rng.intn(c.w), rng.intn(c.h), c.w, c.h), raster.R(0, 0, rng.intn(c.w), rng.intn(c.h))}
		}
		for range 1 + rng.intn(3) {
			var p []raster.Point
			far := rng.intn(6) == 0
			for range 1 + rng.intn(6) {
				q := raster.Point{X: rng.intn(c.w+16) - 8, Y: rng.intn(c.h+16) - 8}
				if far {
					q.X, q.Y = q.X*50-1000, q.Y*37+500 // mostly outside: the clipper's job
				}
				if rng.intn(8) == 0 && len(p) > 0 {
					q = p[len(p)-1] // a degenerate segment
				}
				p = append(p, q)
			}
			c.polys = append(c.polys, p)
		}
		if dashed {
			for range 1 + rng.intn(4) {
				c.style = append(c.style, int32(16+rng.intn(7*16)))
			}
			c.gap = rng.intn(2) == 0
		}
		cs = append(cs, c)
	}
	return cs
}

// namedStrokeCases are drawn by hand in the test names' shapes.
var namedStrokeCases = []struct {
	name string
	c    strokeCase
}{
	{"stroke-star-copy", strokeCase{w: 32, h: 24, box: raster.R(0, 0, 32, 24), rop: raster.RopCopy, color: 0xff8000, seed: 1,
		polys: [][]raster.Point{{{16, 2}, {22, 21}, {4, 9}, {28, 9}, {10, 21}, {16, 2}}}}},
	{"stroke-xor-crossing", strokeCase{w: 32, h: 24, box: raster.R(0, 0, 32, 24), rop: raster.ROP(6), color: 0xffffff, seed: 2,
		polys: [][]raster.Point{{{0, 0}, {31, 23}, {31, 0}, {0, 23}}}}},
	{"stroke-clipped-far", strokeCase{w: 32, h: 24, box: raster.R(2, 2, 30, 22), clip: []raster.Rect{raster.R(0, 0, 16, 24), raster.R(16, 8, 32, 16)},
		rop: raster.RopCopy, color: 0x00ff00, seed: 3, polys: [][]raster.Point{{{-5000, -3000}, {5000, 3100}}, {{40, -7}, {-9, 30}}}}},
}

func TestStrokeLines(t *testing.T) {
	var cases []refCase
	var names []string
	for _, nc := range namedStrokeCases {
		cases = append(cases, &nc.c)
		names = append(names, nc.name)
	}
	cases = append(cases, sweepStrokeCases(600, false, 0x5712)...)
	checkRefWith(t, "stroke", cases, names, *linesRef, *linesRef != "", "")
}

// TestStrokeBezier checks the flattening rules: a straight cubic is its
// chord, rounding of 28.4 points halves down, and a curve gets points
// along it that end on its last control point.
func TestStrokeBezier(t *testing.T) {
	s := newSurface(t, 40, 40, raster.FormatXRGB32)
	pp := func(x, y float64) raster.PathPoint { return raster.PathPoint{X: int32(x * 16), Y: int32(y * 16)} }
	// A straight "curve" from (2,2) through control points on the line
	// to (30,2) draws what the plain line does.
	line := newSurface(t, 40, 40, raster.FormatXRGB32)
	must(t, line.DrawStroke(raster.Area{Box: line.Bounds()}, &raster.Stroke{Brush: raster.Brush{Color: 0xffffff}, Rop: raster.RopCopy,
		Path: []raster.PathSegment{{Begin: true, End: true, Points: []raster.PathPoint{pp(2, 2), pp(30, 2)}}}}))
	must(t, s.DrawStroke(raster.Area{Box: s.Bounds()}, &raster.Stroke{Brush: raster.Brush{Color: 0xffffff}, Rop: raster.RopCopy,
		Path: []raster.PathSegment{{Begin: true, Points: []raster.PathPoint{pp(2, 2)}}, {Bezier: true, End: true, Points: []raster.PathPoint{pp(10, 2), pp(20, 2), pp(30, 2)}}}}))
	if string(s.Pix) != string(line.Pix) {
		t.Error("a straight cubic differs from its chord")
	}
	// 2.5 rounds down to 2, 2.5625 up to 3 (fix_to_int).
	r := newSurface(t, 8, 8, raster.FormatXRGB32)
	must(t, r.DrawStroke(raster.Area{Box: r.Bounds()}, &raster.Stroke{Brush: raster.Brush{Color: 0xffffff}, Rop: raster.RopCopy,
		Path: []raster.PathSegment{{Begin: true, End: true, Points: []raster.PathPoint{pp(2.5, 2.5625), pp(6, 2.5625)}}}}))
	if px(&r.Image, 2, 3) != 0xffffffff || px(&r.Image, 2, 2) == 0xffffffff {
		t.Errorf("(2.5, 2.5625) did not round to (2, 3)")
	}
	// A quarter circle: every drawn pixel lies near the arc, and there
	// are enough of them to be a curve, not a chord.
	c := newSurface(t, 40, 40, raster.FormatXRGB32)
	const k = 0.5523 * 30
	must(t, c.DrawStroke(raster.Area{Box: c.Bounds()}, &raster.Stroke{Brush: raster.Brush{Color: 0xffffff}, Rop: raster.RopCopy,
		Path: []raster.PathSegment{{Begin: true, Points: []raster.PathPoint{pp(32, 2)}}, {Bezier: true, End: true, Points: []raster.PathPoint{pp(32, 2+k), pp(2+k, 32), pp(2, 32)}}}}))
	n := 0
	for y := 0; y < 40; y++ {
		for x := 0; x < 40; x++ {
			if px(&c.Image, x, y) != 0xffffffff {
				continue
			}
			n++
			dx, dy := float64(x-2), float64(y-2)
			if d := dx*dx + dy*dy; d < 28*28 || d > 32*32 {
				t.Errorf("pixel (%d,%d) is %.1f from the arc's centre, radius 30", x, y, d)
			}
		}
	}
	if n < 40 {
		t.Errorf("%d pixels on a 47-pixel arc", n)
	}
	// A curve that comes back to its start never passes the flatness
	// test; spice-common recurses forever there, this stops.
	loop := newSurface(t, 40, 40, raster.FormatXRGB32)
	done := make(chan error, 1)
	go func() {
		done <- loop.DrawStroke(raster.Area{Box: loop.Bounds()}, &raster.Stroke{Brush: raster.Brush{Color: 0xffffff}, Rop: raster.RopCopy,
			Path: []raster.PathSegment{{Begin: true, Points: []raster.PathPoint{pp(5, 5)}}, {Bezier: true, End: true, Points: []raster.PathPoint{pp(30, 5), pp(30, 30), pp(5, 5)}}}})
	}()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, raster.ErrStrokeTooLarge) {
			t.Errorf("looping curve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a curve back to its start did not finish")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestStrokeLimits: a hostile path costs bounded work and says so.
func TestStrokeLimits(t *testing.T) {
	s := newSurface(t, 64, 64, raster.FormatXRGB32)
	seg := raster.PathSegment{Begin: true, End: true}
	for i := range 300000 {
		// every segment crosses the surface
		y := int32(i%2) * 63 << 4
		seg.Points = append(seg.Points, raster.PathPoint{X: 0, Y: y}, raster.PathPoint{X: 63 << 4, Y: 63<<4 - y})
	}
	err := s.DrawStroke(raster.Area{Box: s.Bounds()}, &raster.Stroke{Brush: raster.Brush{Color: 1}, Rop: raster.RopCopy, Path: []raster.PathSegment{seg}})
	if !errors.Is(err, raster.ErrStrokeTooLarge) {
		t.Errorf("error %v, want ErrStrokeTooLarge", err)
	}
}

// namedDashCases show dashes, joins and gaps.
var namedDashCases = []struct {
	name string
	c    strokeCase
}{
	{"stroke-dash-polyline", strokeCase{w: 32, h: 24, box: raster.R(0, 0, 32, 24), rop: raster.RopCopy, color: 0xffff00, seed: 4,
		style: []int32{5 << 4, 2 << 4}, polys: [][]raster.Point{{{2, 2}, {29, 4}, {20, 21}, {3, 12}}}}},
	{"stroke-dash-closed-xor", strokeCase{w: 32, h: 24, box: raster.R(0, 0, 32, 24), rop: raster.ROP(6), color: 0xffffff, seed: 5,
		style: []int32{3 << 4, 1 << 4, 1 << 4, 1 << 4}, gap: true, polys: [][]raster.Point{{{4, 4}, {27, 4}, {27, 19}, {4, 19}, {4, 4}}}}},
}

func TestStrokeDashes(t *testing.T) {
	var cases []refCase
	var names []string
	for _, nc := range namedDashCases {
		cases = append(cases, &nc.c)
		names = append(names, nc.name)
	}
	cases = append(cases, sweepStrokeCases(800, true, 0xda54)...)
	checkRefWith(t, "stroke-dash", cases, names, *linesRef, *linesRef != "", "")
}
