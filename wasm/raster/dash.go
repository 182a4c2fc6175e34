package raster

import (
	"errors"
	"math"
	"sort"
)

// Dashed strokes. spice-common draws them with X's wide-line code at
// width 1 (lines.c miZeroDashLine calls miWideDash): every dash is a
// one-pixel-wide quadrilateral along the line, filled by mi's polygon
// rules, and consecutive dashes that meet at a vertex get a miter join.
// This is that algorithm, rederived for the one case spice-common uses:
// LineOnOffDash, CapNotLast (no caps), JoinMiter, width 1. Its arithmetic
// is mi's: doubles where mi uses doubles (Go's float64 operations round
// like C's on every platform the client runs on; products are converted
// explicitly so that no compiler fuses them), ints where mi uses ints.

// ErrStrokeStyle reports a dash style spice-common cannot draw either:
// no dashes, or dashes that all round to 0 pixels (mi loops forever).
var ErrStrokeStyle = errors.New("raster: stroke style has no drawable dash")

// ErrStrokeRange reports a dashed stroke with a coordinate beyond X's
// 16-bit range, where mi's int arithmetic overflows.
var ErrStrokeRange = errors.New("raster: dashed stroke coordinates out of range")

type dashState struct {
	dash   []int // lengths in pixels, 0..255 as the unsigned chars mi gets
	offset int
	err    error
	spans  []lineRun // the polyline's spans when they are painted once
	left   []polyEdge
	right  []polyEdge
}

// setDash makes the lineGC dash list canvas_draw_stroke does: each
// length rounded to pixels and truncated to a byte; a line starting with
// a gap has the list rotated left by one and starts that far into it.
func (sk *strokeScratch) setDash(style []int32, gap bool) {
	ds := &sk.dash
	ds.dash, ds.offset, ds.err = ds.dash[:0], 0, nil
	total := 0
	for _, v := range style {
		d := fixToInt(v) & 0xff
		ds.dash = append(ds.dash, d)
		total += d
	}
	if total == 0 {
		ds.err = ErrStrokeStyle
		return
	}
	if gap {
		first := ds.dash[0]
		copy(ds.dash, ds.dash[1:])
		ds.dash[len(ds.dash)-1] = first
		ds.offset = ds.dash[0]
	}
}

// stepDash advances (index, offset) by dist along the dash list
// (lines.c miStepDash).
func (ds *dashState) stepDash(dist int, index, offset *int) {
	d := ds.dash
	if dist < d[*index]-*offset {
		*offset += dist
		return
	}
	dist -= d[*index] - *offset
	i := (*index + 1) % len(d)
	total := 0
	for _, v := range d {
		total += v
	}
	if total > 0 && total <= dist {
		dist %= total
	}
	for dist >= d[i] {
		dist -= d[i]
		i = (i + 1) % len(d)
	}
	*index, *offset = i, dist
}

// lineFace is one end of a dashed segment, for joins (mi's LineFace).
type lineFace struct {
	xa, ya float64
	dx, dy int
	x, y   int
	k      float64
}

// polyVertex and polySlope describe a polygon by its corners (relative
// to an integer origin) and its edges' directions, with k = x0*dy - y0*dx
// of the edge through its first corner.
type polyVertex struct{ x, y float64 }

type polySlope struct {
	dx, dy int
	k      float64
}

// polyEdge is an edge ready for scan conversion (mi's PolyEdgeRec).
type polyEdge struct {
	height, x, stepx, signdx, e, dy, dx int
}

// dashLine draws the polyline pts dashed (miWideDash with
// LineOnOffDash, CapNotLast, JoinMiter, width 1).
func (sk *strokeScratch) dashLine(pts []Point) error {
	ds := &sk.dash
	if ds.err != nil {
		return ds.err
	}
	if len(pts) == 0 {
		return nil
	}
	for _, p := range pts {
		if p.X < -32768 || p.X > 32767 || p.Y < -32768 || p.Y > 32767 {
			return ErrStrokeRange
		}
	}
	// Raster ops that are not idempotent hit each pixel of a polyline
	// of three points or more once (mi's span groups); the others paint
	// dash by dash, which comes to the same for them.
	once := carefulRop(sk.rop) && len(pts) >= 3
	ds.spans = ds.spans[:0]
	selfJoin := pts[0] == pts[len(pts)-1]
	index, offset := 0, 0
	ds.stepDash(ds.offset, &index, &offset)
	var leftFace, rightFace, prevRight, firstFace lineFace
	first, drawn := true, false
	var prevFg, firstFg, endFg bool
	for i := 1; i < len(pts); i++ {
		p, q := pts[i-1], pts[i]
		last := i == len(pts)-1
		if p != q {
			drawn = true
			prevIndex := index
			if err := sk.dashSegment(&offset, &index, p, q, &leftFace, &rightFace, once); err != nil {
				return err
			}
			startFg := prevIndex&1 == 0
			endFg = (index&1 != 0) != (offset != 0)
			if startFg {
				if first || !prevFg {
					if first && selfJoin {
						firstFace, firstFg = leftFace, startFg
					}
				} else if err := sk.lineJoin(&leftFace, &prevRight, once); err != nil {
					return err
				}
			}
			prevRight, prevFg = rightFace, endFg
			first = false
		}
		if last && drawn && endFg && selfJoin && firstFg {
			if err := sk.lineJoin(&firstFace, &rightFace, once); err != nil {
				return err
			}
		}
	}
	if once && len(ds.spans) > 0 {
		return sk.paintUnion()
	}
	return nil
}

// carefulRop is mi's miSpansCarefulRop: the ops for which painting a
// pixel twice differs from once.
func carefulRop(r ROP) bool { return r&0xc == 0x8 || r&0x3 == 0x2 }

// Vertex and slope slots of a dash quadrilateral (lines.c V_TOP...).
const (
	vTop = iota
	vRight
	vBottom
	vLeft
)

// dashSegment draws the dashes of p -> q and advances the dash state
// (lines.c miWideDashSegment for width 1, LineOnOffDash, no caps).
func (sk *strokeScratch) dashSegment(pOffset, pIndex *int, p, q Point, leftFace, rightFace *lineFace, once bool) error {
	ds := &sk.dash
	dx, dy := q.X-p.X, q.Y-p.Y
	index := *pIndex
	remain := ds.dash[index] - *pOffset
	const l = 0.5
	var L, rdx, rdy float64
	switch {
	case dx == 0:
		L, rdx, rdy = float64(dy), 0, l
		if dy < 0 {
			L, rdy = float64(-dy), -l
		}
	case dy == 0:
		L, rdx, rdy = float64(dx), l, 0
		if dx < 0 {
			L, rdx = float64(-dx), -l
		}
	default:
		L = hypot(dx, dy)
		r := l / L
		rdx, rdy = float64(r*float64(dx)), float64(r*float64(dy))
	}
	k := float64(l * L)
	lRemain := L
	var slopes [4]polySlope
	slopes[vTop] = polySlope{dx, dy, k}
	slopes[vRight] = polySlope{-dy, dx, 0}
	slopes[vBottom] = polySlope{-dx, -dy, k}
	slopes[vLeft] = polySlope{dy, -dx, 0}
	var v [4]polyVertex
	v[vRight], v[vTop] = polyVertex{rdy, -rdx}, polyVertex{rdy, -rdx}
	v[vBottom], v[vLeft] = polyVertex{-rdy, rdx}, polyVertex{-rdy, rdx}
	for lRemain > float64(remain) {
		dashDx := float64(remain*dx) / L
		dashDy := float64(remain*dy) / L
		v[vRight].x += dashDx
		v[vRight].y += dashDy
		v[vBottom].x += dashDx
		v[vBottom].y += dashDy
		slopes[vRight].k = float64(v[vRight].x*float64(dx)) + float64(v[vRight].y*float64(dy))
		if index&1 == 0 {
			if err := sk.fillPoly(v[:], slopes[:], p.X, p.Y, once); err != nil {
				return err
			}
		}
		lRemain -= float64(remain)
		index = (index + 1) % len(ds.dash)
		remain = ds.dash[index]
		v[vTop], v[vLeft] = v[vRight], v[vBottom]
		slopes[vLeft].k = -slopes[vRight].k
	}
	if index&1 == 0 {
		v[vTop].x -= float64(dx)
		v[vTop].y -= float64(dy)
		v[vLeft].x -= float64(dx)
		v[vLeft].y -= float64(dy)
		v[vRight] = polyVertex{rdy, -rdx}
		v[vBottom] = polyVertex{-rdy, rdx}
		slopes[vRight].k = 0
		slopes[vLeft].k += float64(dx*dx + dy*dy)
		if err := sk.fillPoly(v[:], slopes[:], q.X, q.Y, once); err != nil {
			return err
		}
	}
	remain = int(float64(remain) - lRemain)
	if remain == 0 {
		index = (index + 1) % len(ds.dash)
		remain = ds.dash[index]
	}
	*leftFace = lineFace{x: p.X, y: p.Y, dx: dx, dy: dy, xa: rdy, ya: -rdx, k: k}
	*rightFace = lineFace{x: q.X, y: q.Y, dx: -dx, dy: -dy, xa: -rdy, ya: rdx, k: k}
	*pIndex = index
	*pOffset = ds.dash[index] - remain
	return nil
}

// hypot is the length of (dx, dy). For the 16-bit coordinates dashed
// strokes allow, dx*dx+dy*dy is exact, and its square root correctly
// rounded, as glibc's hypot is.
func hypot(dx, dy int) float64 { return math.Sqrt(float64(dx*dx + dy*dy)) }

// sqSecant is mi's miter limit constant, 1/sin^2(11/2 degrees).
const sqSecant = 108.856472512142

// lineJoin draws the miter join between two dashed segments meeting at
// pLeft's start (lines.c miLineJoin for width 1 and JoinMiter). It may
// negate the faces, as mi does.
func (sk *strokeScratch) lineJoin(pLeft, pRight *lineFace, once bool) error {
	var denom float64
	if !once {
		// One of the lines draws the joining pixel.
		if pLeft.dx > 0 || (pLeft.dx == 0 && pLeft.dy > 0) {
			return nil
		}
		if pRight.dx > 0 || (pRight.dx == 0 && pRight.dy > 0) {
			return nil
		}
	}
	denom = float64(float64(-pLeft.dx)*float64(pRight.dy)) + float64(float64(pRight.dx)*float64(pLeft.dy))
	if denom == 0 {
		return nil
	}
	swap := false
	if denom > 0 {
		pLeft.xa, pLeft.ya, pLeft.dx, pLeft.dy = -pLeft.xa, -pLeft.ya, -pLeft.dx, -pLeft.dy
	} else {
		swap = true
		pRight.xa, pRight.ya, pRight.dx, pRight.dy = -pRight.xa, -pRight.ya, -pRight.dx, -pRight.dy
	}
	var v [4]polyVertex
	var slopes [4]polySlope
	v[0] = polyVertex{pRight.xa, pRight.ya}
	slopes[0] = polySlope{-pRight.dy, pRight.dx, 0}
	v[1] = polyVertex{0, 0}
	slopes[1] = polySlope{pLeft.dy, -pLeft.dx, 0}
	v[2] = polyVertex{pLeft.xa, pLeft.ya}

	ldx, ldy, rdx, rdy := float64(pLeft.dx), float64(pLeft.dy), float64(pRight.dx), float64(pRight.dy)
	my := (float64(ldy*(float64(pRight.xa*rdy)-float64(pRight.ya*rdx))) - float64(rdy*(float64(pLeft.xa*ldy)-float64(pLeft.ya*ldx)))) / denom
	var mx float64
	if pLeft.dy != 0 {
		mx = pLeft.xa + float64((my-pLeft.ya)*ldx)/ldy
	} else {
		mx = pRight.xa + float64((my-pRight.ya)*rdx)/rdy
	}
	n := 4
	if float64(float64(mx*mx)+float64(my*my))*4 > sqSecant {
		// bevel: the miter would be too long
		bdx, bdy := pRight.xa-pLeft.xa, pRight.ya-pLeft.ya
		scale := math.Max(math.Abs(bdx), math.Abs(bdy))
		if scale == 0 {
			return nil
		}
		slopes[2].dx = int(float64(bdx*65536) / scale)
		slopes[2].dy = int(float64(bdy*65536) / scale)
		slopes[2].k = (float64((pLeft.xa+pRight.xa)*float64(slopes[2].dy)) - float64((pLeft.ya+pRight.ya)*float64(slopes[2].dx))) / 2.0
		n = 3
	} else {
		slopes[2] = polySlope{pLeft.dx, pLeft.dy, pLeft.k}
		if swap {
			slopes[2] = polySlope{-slopes[2].dx, -slopes[2].dy, -slopes[2].k}
		}
		v[3] = polyVertex{mx, my}
		slopes[3] = polySlope{pRight.dx, pRight.dy, pRight.k}
		if swap {
			slopes[3] = polySlope{-slopes[3].dx, -slopes[3].dy, -slopes[3].k}
		}
	}
	return sk.fillPoly(v[:n], slopes[:n], pLeft.x, pLeft.y, once)
}

// iceil is mi's ICEIL: the ceiling of a double in int range.
func iceil(x float64) int {
	t := int(x)
	if x == float64(t) || x < 0 {
		return t
	}
	return t + 1
}

// buildEdge sets up the scan conversion of the edge through (x0, y0)
// with direction (dx, dy) and constant k (lines.c miPolyBuildEdge) and
// returns its first scanline.
func buildEdge(y0, k float64, dx, dy, xi, yi, left int, e *polyEdge) int {
	if dy < 0 {
		dy, dx, k = -dy, -dx, -k
	}
	y := iceil(y0)
	// mi's ints are 32 bits; a bevel's 16.16 slopes can overflow them
	// there, and wrap the same way here
	xady := int(int32(iceil(k)) + int32(y)*int32(dx))
	var x int
	if xady <= 0 {
		x = -(-xady / dy) - 1
	} else {
		x = (xady - 1) / dy
	}
	er := xady - x*dy
	if dx >= 0 {
		e.signdx, e.stepx, e.dx = 1, dx/dy, dx%dy
	} else {
		e.signdx, e.stepx, e.dx = -1, -(-dx / dy), -dx%dy
		er = dy - er + 1
	}
	e.dy = dy
	e.x = x + left + xi
	e.e = er - dy
	return y + yi
}

func stepAround(v, incr, n int) int {
	switch {
	case v+incr < 0:
		return n - 1
	case v+incr == n:
		return 0
	}
	return v + incr
}

// fillPoly scan-converts the convex polygon (vertices relative to
// (xi, yi)) with mi's rules (miPolyBuildPoly, miFillPolyHelper) and
// paints its spans, or keeps them for one union paint when once is set.
func (sk *strokeScratch) fillPoly(v []polyVertex, slopes []polySlope, xi, yi int, once bool) error {
	ds := &sk.dash
	n := len(v)
	top, bottom := 0, 0
	miny, maxy := v[0].y, v[0].y
	for i := 1; i < n; i++ {
		if v[i].y < miny {
			top, miny = i, v[i].y
		}
		if v[i].y >= maxy {
			bottom, maxy = i, v[i].y
		}
	}
	clockwise, slopeoff := 1, 0
	i, j := top, stepAround(top, -1, n)
	if int32(slopes[j].dy)*int32(slopes[i].dx) > int32(slopes[i].dy)*int32(slopes[j].dx) {
		clockwise, slopeoff = -1, -1
	}
	bottomy := iceil(maxy) + yi
	ds.right, ds.left = ds.right[:0], ds.left[:0]
	lasty, topy := 0, 0
	s := stepAround(top, slopeoff, n)
	for i = top; i != bottom; {
		if slopes[s].dy != 0 {
			var e polyEdge
			y := buildEdge(v[i].y, slopes[s].k, slopes[s].dx, slopes[s].dy, xi, yi, 0, &e)
			if len(ds.right) != 0 {
				ds.right[len(ds.right)-1].height = y - lasty
			} else {
				topy = y
			}
			ds.right = append(ds.right, e)
			lasty = y
		}
		i, s = stepAround(i, clockwise, n), stepAround(s, clockwise, n)
	}
	if len(ds.right) != 0 {
		ds.right[len(ds.right)-1].height = bottomy - lasty
	}
	if slopeoff == 0 {
		slopeoff = -1
	} else {
		slopeoff = 0
	}
	s = stepAround(top, slopeoff, n)
	for i = top; i != bottom; {
		if slopes[s].dy != 0 {
			var e polyEdge
			y := buildEdge(v[i].y, slopes[s].k, slopes[s].dx, slopes[s].dy, xi, yi, 1, &e)
			if len(ds.left) != 0 {
				ds.left[len(ds.left)-1].height = y - lasty
			}
			ds.left = append(ds.left, e)
			lasty = y
		}
		i, s = stepAround(i, -clockwise, n), stepAround(s, -clockwise, n)
	}
	if len(ds.left) != 0 {
		ds.left[len(ds.left)-1].height = bottomy - lasty
	}
	return sk.fillEdges(topy, ds.left, ds.right, once)
}

// fillEdges walks the left and right edges down from scanline y, one
// span per scanline where right >= left (miFillPolyHelper).
func (sk *strokeScratch) fillEdges(y int, left, right []polyEdge, once bool) error {
	sk.runs = sk.runs[:0]
	var l, r polyEdge
	lh, rh := 0, 0
	for (len(left) > 0 || lh != 0) && (len(right) > 0 || rh != 0) {
		if lh == 0 && len(left) > 0 {
			l, left = left[0], left[1:]
			lh = l.height
		}
		if rh == 0 && len(right) > 0 {
			r, right = right[0], right[1:]
			rh = r.height
		}
		h := min(lh, rh)
		lh -= h
		rh -= h
		for h--; h >= 0; h-- {
			if r.x >= l.x {
				sk.runs = append(sk.runs, lineRun{y, l.x, r.x + 1})
			}
			if sk.budget -= max(r.x-l.x+1, 1); sk.budget < 0 {
				return ErrStrokeTooLarge
			}
			y++
			l.x += l.stepx
			if l.e += l.dx; l.e > 0 {
				l.x += l.signdx
				l.e -= l.dy
			}
			r.x += r.stepx
			if r.e += r.dx; r.e > 0 {
				r.x += r.signdx
				r.e -= r.dy
			}
		}
	}
	if once {
		sk.dash.spans = append(sk.dash.spans, sk.runs...)
		return nil
	}
	budget := sk.budget
	err := sk.paint()
	sk.budget = budget // counted above
	return err
}

// paintUnion paints the union of the polyline's spans once (mi's
// miFillUniqueSpanGroup).
func (sk *strokeScratch) paintUnion() error {
	sp := sk.dash.spans
	// sort.Sort rather than a generic sort: its code is already in the
	// client (region.go), an instantiation for lineRun would add ~10 KB
	sort.Sort((*runsByYX)(&sp))
	sk.runs = sk.runs[:0]
	for _, r := range sp {
		if n := len(sk.runs); n > 0 && sk.runs[n-1].y == r.y && r.x0 <= sk.runs[n-1].x1 {
			sk.runs[n-1].x1 = max(sk.runs[n-1].x1, r.x1)
			continue
		}
		sk.runs = append(sk.runs, r)
	}
	budget := sk.budget
	err := sk.paint()
	sk.budget = budget
	return err
}

type runsByYX []lineRun

func (p *runsByYX) Len() int { return len(*p) }
func (p *runsByYX) Less(i, j int) bool {
	a, b := (*p)[i], (*p)[j]
	return a.y < b.y || (a.y == b.y && a.x0 < b.x0)
}
func (p *runsByYX) Swap(i, j int) { (*p)[i], (*p)[j] = (*p)[j], (*p)[i] }
