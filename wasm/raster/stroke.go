package raster

import "errors"

// PathPoint is a path position in 28.4 fixed point (SPICE's PointFix).
type PathPoint struct{ X, Y int32 }

// PathSegment is a run of path points (SPICE's PathSeg): Begin starts a
// new polyline at its first point, Bezier makes its points cubic Bézier
// control triples, End ends the polyline, closing it back to its first
// point when Close is set.
type PathSegment struct {
	Begin, End, Close, Bezier bool
	Points                    []PathPoint
}

// Stroke is a DRAW_STROKE: one-pixel-wide lines along Path.
type Stroke struct {
	Path  []PathSegment
	Brush Brush
	Rop   ROP // from fore_mode, with brush = src
	// Style, when not nil, is the dash pattern in 28.4 (SPICE's
	// LINE_FLAGS_STYLED), on first unless StartWithGap.
	Style        []int32
	StartWithGap bool
}

// Limits on the work one stroke may ask for. A Windows polyline has
// thousands of points at most; these only stop a hostile message from
// taking the client's time (the wire alone allows millions of segments,
// each crossing the screen).
const (
	maxStrokePoints = 1 << 18  // after Bézier flattening
	maxStrokePixels = 16 << 20 // pixels painted, counted before clipping to the area
	maxBezierDepth  = 24       // subdivision depth; a curve needing more is cut there
)

// ErrStrokeTooLarge reports a stroke beyond the limits above; what was
// drawn before the limit stays.
var ErrStrokeTooLarge = errors.New("raster: stroke too large")

// DrawStroke draws s over the area (box ∩ clip; the area's mask is not
// used). Matches spice-common canvas_base.c canvas_draw_stroke: path
// points are rounded to pixels (fix_to_int rounds halves down), Béziers
// are flattened by its midpoint subdivision, and each polyline is drawn
// with X11's zero-width line rules (lines.c, from the X server's mi):
// Bresenham with the default octant bias, each segment without its last
// point (CapNotLast, as Windows cosmetic lines are), and the raster op
// applied segment by segment, so a pixel two segments cross is hit twice.
func (s *Surface) DrawStroke(a Area, st *Stroke) error {
	a.Mask = Mask{}
	g := s.region(&a)
	if g.empty() {
		return nil
	}
	if st.Brush.Pattern != nil && (!st.Brush.Pattern.valid() || st.Brush.Pattern.W == 0 || st.Brush.Pattern.H == 0) {
		return nil
	}
	sk := &s.scratch.stroke
	sk.s, sk.g, sk.brush, sk.rop = s, g, &st.Brush, st.Rop
	if st.Brush.Pattern == nil {
		// one row of the colour for every run of the stroke
		sk.solid = s.scratch.solidRow(s.Format.Pixel(st.Brush.Color), s.W)
	}
	sk.budget = maxStrokePixels
	sk.damaged = false
	defer func() {
		if sk.damaged {
			s.Damage.Add(g.ext)
		}
		sk.s, sk.g, sk.brush, sk.solid = nil, nil, nil, nil
	}()
	if st.Style != nil {
		sk.setDash(st.Style, st.StartWithGap)
	}
	pts := sk.pts[:0]
	draw := func() error {
		var err error
		if st.Style != nil {
			err = sk.dashLine(pts)
		} else {
			err = sk.zeroLine(pts)
		}
		pts = pts[:0]
		return err
	}
	add := func(p Point) error {
		if len(pts) >= maxStrokePoints {
			return ErrStrokeTooLarge
		}
		pts = append(pts, p)
		return nil
	}
	defer func() { sk.pts = pts[:0] }()
	for i := range st.Path {
		seg := &st.Path[i]
		p := seg.Points
		if seg.Begin && len(p) > 0 {
			if err := draw(); err != nil {
				return err
			}
			if err := add(fixPoint(p[0])); err != nil {
				return err
			}
			p = p[1:]
		}
		if seg.Bezier {
			if len(p)%3 != 0 {
				// spice-common gives up on the whole stroke here
				return nil
			}
			for ; len(p) >= 3; p = p[3:] {
				if len(pts) == 0 {
					continue // no current point to start from
				}
				last := pts[len(pts)-1]
				p0 := PathPoint{int32(last.X) << 4, int32(last.Y) << 4}
				var err error
				pts, err = bezier(pts, p0, p[0], p[1], p[2], 0)
				if err != nil {
					return err
				}
			}
		} else {
			for _, q := range p {
				if err := add(fixPoint(q)); err != nil {
					return err
				}
			}
		}
		if seg.End {
			if seg.Close && len(pts) > 0 {
				if err := add(pts[0]); err != nil {
					return err
				}
			}
			if err := draw(); err != nil {
				return err
			}
		}
	}
	return draw()
}

// fixPoint rounds a 28.4 point to a pixel, halves down (canvas_base.c
// fix_to_int).
func fixPoint(p PathPoint) Point { return Point{fixToInt(p.X), fixToInt(p.Y)} }

func fixToInt(v int32) int {
	r := int(v >> 4)
	if v&15 > 8 {
		r++
	}
	return r
}

// bezier appends the flattened cubic p0..p3 (28.4) to pts by midpoint
// subdivision until both inner control points lie within about half a
// pixel of the chord, the test canvas_base.c subdivide_bezier makes in
// integer arithmetic.
func bezier(pts []Point, p0, p1, p2, p3 PathPoint, depth int) ([]Point, error) {
	dot := func(ax, ay, bx, by int32) int64 { return (int64(ax)*int64(bx) + int64(ay)*int64(by)) >> 4 }
	a2 := dot(p1.X-p0.X, p1.Y-p0.Y, p1.X-p0.X, p1.Y-p0.Y)
	b2 := dot(p3.X-p0.X, p3.Y-p0.Y, p3.X-p0.X, p3.Y-p0.Y)
	c2 := dot(p2.X-p3.X, p2.Y-p3.Y, p2.X-p3.X, p2.Y-p3.Y)
	ab := dot(p1.X-p0.X, p1.Y-p0.Y, p3.X-p0.X, p3.Y-p0.Y)
	cb := dot(p2.X-p3.X, p2.Y-p3.Y, p0.X-p3.X, p0.Y-p3.Y)
	h1 := (a2*b2 - ab*ab) >> 3
	h2 := (c2*b2 - cb*cb) >> 3
	if (h1 < b2 && h2 < b2) || depth >= maxBezierDepth {
		// spice-common recurses without a bound (a curve back to its
		// own start never passes the test there); past the depth limit
		// the chord is taken.
		if len(pts) >= maxStrokePoints {
			return pts, ErrStrokeTooLarge
		}
		return append(pts, fixPoint(p3)), nil
	}
	// C's division truncates toward zero, as Go's does.
	mid := func(a, b PathPoint) PathPoint { return PathPoint{(a.X + b.X) / 2, (a.Y + b.Y) / 2} }
	p01, p12, p23 := mid(p0, p1), mid(p1, p2), mid(p2, p3)
	p012, p123 := mid(p01, p12), mid(p12, p23)
	p0123 := mid(p012, p123)
	pts, err := bezier(pts, p0, p01, p012, p0123, depth+1)
	if err != nil {
		return pts, err
	}
	return bezier(pts, p0123, p123, p23, p3, depth+1)
}

// strokeScratch is the state of one DrawStroke and its reused buffers.
type strokeScratch struct {
	s       *Surface
	g       *region
	brush   *Brush
	rop     ROP
	budget  int
	damaged bool
	pts     []Point
	solid   []byte    // a row of the solid colour, the surface's width
	runs    []lineRun // one segment's pixels, as horizontal runs
	dash    dashState
}

// lineRun is pixels [x0, x1) of row y.
type lineRun struct{ y, x0, x1 int }

// zeroLine draws the polyline pts with CapNotLast: miZeroLine.
func (sk *strokeScratch) zeroLine(pts []Point) error {
	for i := 1; i < len(pts); i++ {
		sk.runs = sk.runs[:0]
		sk.segment(pts[i-1], pts[i], func(x, y int) { sk.addPixel(x, y) })
		if err := sk.paint(); err != nil {
			return err
		}
	}
	return nil
}

// The octants in which X's default zero-line bias prefers the axial step
// when the Bresenham error is exactly zero (mi's DEFAULTZEROLINEBIAS:
// octants 2, 3, 4 and 5).
const (
	octYMajor = 1
	octYDec   = 2
	octXDec   = 4
)

func zeroLineBias(octant int) int64 {
	switch octant {
	case octYDec | octYMajor, octXDec | octYDec | octYMajor, octXDec | octYDec, octXDec:
		return 1
	}
	return 0
}

// segment calls put for the pixels of the line p -> q without q, in
// order, as mi's Bresenham loop visits them, but only for those inside
// the surface: the pixel at major step k is found in closed form, so a
// line reaching far outside costs no more than its visible part.
func (sk *strokeScratch) segment(p, q Point, put func(x, y int)) {
	W, H := sk.s.W, sk.s.H
	dx, dy := int64(q.X-p.X), int64(q.Y-p.Y)
	sx, sy := int64(1), int64(1)
	oct := 0
	if dx < 0 {
		dx, sx, oct = -dx, -1, oct|octXDec
	}
	if dy < 0 {
		dy, sy, oct = -dy, -1, oct|octYDec
	}
	// major, minor: the axes' start, sign and extent
	ma0, mi0, sma, smi, dma, dmi, maLim, miLim := int64(p.X), int64(p.Y), sx, sy, dx, dy, int64(W), int64(H)
	xMajor := dx > dy
	if !xMajor {
		oct |= octYMajor
		ma0, mi0, sma, smi, dma, dmi, maLim, miLim = int64(p.Y), int64(p.X), sy, sx, dy, dx, int64(H), int64(W)
	}
	if dma == 0 {
		return
	}
	b := zeroLineBias(oct)
	// Steps whose major coordinate is inside the surface.
	k0, k1 := int64(0), dma // [k0, k1)
	if sma > 0 {
		k0 = max(k0, -ma0)
		k1 = min(k1, maLim-ma0)
	} else {
		k0 = max(k0, ma0-maLim+1)
		k1 = min(k1, ma0+1)
	}
	for k := k0; k < k1; k++ {
		// minor steps taken before step k: floor((2*dmi*k + dma - b) / (2*dma))
		m := (2*dmi*k + dma - b) / (2 * dma)
		mi := mi0 + smi*m
		if mi < 0 || mi >= miLim {
			continue
		}
		ma := ma0 + sma*k
		if xMajor {
			put(int(ma), int(mi))
		} else {
			put(int(mi), int(ma))
		}
	}
}

// addPixel appends (x, y) to the segment's runs, extending the last run
// when it continues it.
func (sk *strokeScratch) addPixel(x, y int) {
	if n := len(sk.runs); n > 0 {
		r := &sk.runs[n-1]
		if r.y == y && r.x1 == x {
			r.x1++
			return
		}
		if r.y == y && r.x0 == x+1 {
			r.x0--
			return
		}
	}
	sk.runs = append(sk.runs, lineRun{y, x, x + 1})
}

// paint applies the brush with the stroke's raster op to the collected
// runs, clipped to the draw's region: each pixel once per call, as
// spice_canvas_clip_spans and the span fills do.
func (sk *strokeScratch) paint() error {
	g := sk.g
	for _, r := range sk.runs {
		if sk.budget -= r.x1 - r.x0; sk.budget < 0 {
			return ErrStrokeTooLarge
		}
		if r.y < g.ext.Y0 || r.y >= g.ext.Y1 {
			continue
		}
		for _, bd := range g.bands {
			if r.y < bd.y0 || r.y >= bd.y1 {
				continue
			}
			for _, sp := range g.spans[bd.lo:bd.hi] {
				x0, x1 := max(r.x0, sp.x0), min(r.x1, sp.x1)
				if x0 < x1 {
					sk.paintRun(r.y, x0, x1)
					sk.damaged = true
				}
			}
			break
		}
	}
	return nil
}

// paintRun fills pixels [x0, x1) of row y with the brush under the
// stroke's rop, as drawBrush does for a region.
func (sk *strokeScratch) paintRun(y, x0, x1 int) {
	s, b := sk.s, sk.brush
	dst := s.span(y, x0, x1)
	if p := b.Pattern; p != nil {
		trow := p.Row(mod(y-b.Pos.Y, p.H))
		src := buf(&s.scratch.row, len(dst))
		tileInto(src, trow, mod(x0-b.Pos.X, p.W))
		combine(s.Format, sk.rop, dst, src)
		return
	}
	combine(s.Format, sk.rop, dst, sk.solid[:len(dst)])
}
