package raster

import (
	"slices"
	"sort"
)

// Area selects the pixels a draw may change: Box ∩ union(Clip) ∩ Mask,
// within the surface. It is SPICE's DisplayBase (box and clip) plus the
// draw's QMask.
type Area struct {
	Box Rect
	// Clip is nil for SPICE_CLIP_TYPE_NONE. A non-nil slice is a
	// SPICE_CLIP_TYPE_RECTS list, possibly overlapping, and a non-nil
	// empty slice clips everything away, as pixman does with an empty
	// region; decoders must keep that distinction.
	Clip []Rect
	// Mask is optional (Mask.Bitmap nil: none).
	Mask Mask
}

// span is a run of pixels [x0,x1) in a band.
type span struct{ x0, x1 int }

// band is the rows [y0,y1) sharing the spans spans[lo:hi], sorted,
// disjoint and not touching.
type band struct{ y0, y1, lo, hi int }

// region is a set of pixels in pixman's y-x banded form: every pixel
// appears in exactly one span, so an operation applied span by span
// touches each pixel once (which matters for XOR and INVERT) whatever the
// overlaps in the clip list. The slices are reused between draws.
type region struct {
	bands []band
	spans []span
	ext   Rect // bounding box of all spans; empty when the region is

	// scratch for building
	rects  []Rect
	ys     []int
	active []Rect
	xs     []span
	bands2 []band
	spans2 []span
}

func (g *region) empty() bool { return len(g.bands) == 0 }

func (g *region) reset() {
	g.bands, g.spans, g.ext = g.bands[:0], g.spans[:0], Rect{}
}

// build sets g to bounds ∩ a.Box ∩ union(a.Clip) ∩ a.Mask, the region
// spice-common's canvas_clip_pixman and canvas_mask_pixman compute.
func (g *region) build(bounds Rect, a *Area) {
	g.reset()
	box := a.Box.Intersect(bounds)
	if box.Empty() {
		return
	}
	switch {
	case a.Clip == nil:
		g.addBand(box.Y0, box.Y1, []span{{box.X0, box.X1}})
	default:
		g.rects = g.rects[:0]
		for _, r := range a.Clip {
			if r = r.Intersect(box); !r.Empty() {
				g.rects = append(g.rects, r)
			}
		}
		switch {
		case len(g.rects) == 0:
		case banded(g.rects):
			g.fromBanded()
		default:
			g.sweep()
		}
	}
	if a.Mask.Bitmap != nil && !g.empty() {
		if !a.Mask.Bitmap.valid() {
			g.reset() // a malformed mask hides everything
			return
		}
		g.intersectMask(&a.Mask, a.Box.X0, a.Box.Y0)
	}
	g.extents()
}

// banded reports whether rs is already in pixman's order (sorted by band,
// then x, bands not overlapping, rects in a band of equal height and
// disjoint), which is what a server that keeps pixman regions sends.
func banded(rs []Rect) bool {
	for i := 1; i < len(rs); i++ {
		p, r := rs[i-1], rs[i]
		sameBand := r.Y0 == p.Y0 && r.Y1 == p.Y1 && r.X0 >= p.X1
		if !sameBand && r.Y0 < p.Y1 {
			return false
		}
	}
	return true
}

func (g *region) fromBanded() {
	for i := 0; i < len(g.rects); {
		j := i
		g.xs = g.xs[:0]
		for ; j < len(g.rects) && g.rects[j].Y0 == g.rects[i].Y0; j++ {
			g.xs = append(g.xs, span{g.rects[j].X0, g.rects[j].X1})
		}
		g.addBand(g.rects[i].Y0, g.rects[i].Y1, mergeSpans(g.xs))
		i = j
	}
}

// sweep builds the union of arbitrary rects: cut at every distinct y edge,
// merge the x intervals of the rects covering each slice. Quadratic in the
// worst case, which only a hostile server would reach; servers send
// pixman regions, which take the banded path.
func (g *region) sweep() {
	g.ys = g.ys[:0]
	for _, r := range g.rects {
		g.ys = append(g.ys, r.Y0, r.Y1)
	}
	sort.Sort((*intsAsc)(&g.ys))
	g.ys = slices.Compact(g.ys)
	sort.Sort((*rectsByY0)(&g.rects))
	// active holds the rects covering the current slice in X0 order, so
	// their spans come out ready to merge without a sort per slice.
	g.active = g.active[:0]
	next := 0
	for k := 0; k+1 < len(g.ys); k++ {
		ya, yb := g.ys[k], g.ys[k+1]
		for next < len(g.rects) && g.rects[next].Y0 <= ya {
			g.active = insertByX0(g.active, g.rects[next])
			next++
		}
		n := 0
		for _, r := range g.active {
			if r.Y1 > ya {
				g.active[n] = r
				n++
			}
		}
		g.active = g.active[:n]
		if n == 0 {
			continue
		}
		g.xs = g.xs[:0]
		for _, r := range g.active {
			g.xs = append(g.xs, span{r.X0, r.X1})
		}
		g.addBand(ya, yb, mergeSpans(g.xs))
	}
}

// insertByX0 inserts r into rs, which is in X0 order, keeping the order.
func insertByX0(rs []Rect, r Rect) []Rect {
	i := len(rs)
	for i > 0 && rs[i-1].X0 > r.X0 {
		i--
	}
	rs = append(rs, Rect{})
	copy(rs[i+1:], rs[i:])
	rs[i] = r
	return rs
}

// The sweep sorts through package sort, not slices: every element type
// given to slices.Sort or slices.SortFunc is another copy of pdqsort
// (about 15 KB) in the wasm binary, while sort.Sort is one copy for all.
// The pointer receivers let sort.Sort take the region's own slices
// without allocating.
type intsAsc []int

func (p *intsAsc) Len() int           { return len(*p) }
func (p *intsAsc) Less(i, j int) bool { return (*p)[i] < (*p)[j] }
func (p *intsAsc) Swap(i, j int)      { (*p)[i], (*p)[j] = (*p)[j], (*p)[i] }

type rectsByY0 []Rect

func (p *rectsByY0) Len() int           { return len(*p) }
func (p *rectsByY0) Less(i, j int) bool { return (*p)[i].Y0 < (*p)[j].Y0 }
func (p *rectsByY0) Swap(i, j int)      { (*p)[i], (*p)[j] = (*p)[j], (*p)[i] }

// mergeSpans merges overlapping and touching spans of a list sorted by x0,
// in place.
func mergeSpans(xs []span) []span {
	if len(xs) == 0 {
		return xs
	}
	n := 0
	for _, s := range xs[1:] {
		if s.x0 <= xs[n].x1 {
			xs[n].x1 = max(xs[n].x1, s.x1)
			continue
		}
		n++
		xs[n] = s
	}
	return xs[:n+1]
}

// addBand appends rows [y0,y1) with spans ss, extending the previous band
// instead when it ends at y0 with the same spans (pixman's coalescing).
func (g *region) addBand(y0, y1 int, ss []span) {
	if len(ss) == 0 || y1 <= y0 {
		return
	}
	if n := len(g.bands); n > 0 {
		p := &g.bands[n-1]
		if p.y1 == y0 && slices.Equal(g.spans[p.lo:p.hi], ss) {
			p.y1 = y1
			return
		}
	}
	lo := len(g.spans)
	g.spans = append(g.spans, ss...)
	g.bands = append(g.bands, band{y0, y1, lo, len(g.spans)})
}

func (g *region) extents() {
	if g.empty() {
		g.ext = Rect{}
		return
	}
	e := Rect{X0: g.spans[0].x0, Y0: g.bands[0].y0, X1: g.spans[0].x1, Y1: g.bands[len(g.bands)-1].y1}
	for _, s := range g.spans {
		e.X0 = min(e.X0, s.x0)
		e.X1 = max(e.X1, s.x1)
	}
	g.ext = e
}

// intersectMask keeps the pixels whose mask bit (xor Invert) is 1. The
// mask's pixel m.Pos lands on (ox, oy), the box's top-left corner, and
// pixels outside the bitmap are dropped even when inverting: spice-common
// canvas_mask_pixman inverts within the bitmap's rectangle only.
func (g *region) intersectMask(m *Mask, ox, oy int) {
	bm := m.Bitmap
	dx, dy := m.Pos.X-ox, m.Pos.Y-oy // mask coords = surface coords + (dx, dy)
	var inv byte
	if m.Invert {
		inv = 0xff
	}
	oldBands, oldSpans := g.bands, g.spans
	g.bands, g.spans = g.bands2[:0], g.spans2[:0]
	for _, b := range oldBands {
		for y := b.y0; y < b.y1; y++ {
			my := y + dy
			if my < 0 || my >= bm.H {
				continue
			}
			row := bm.Bits[my*bm.Stride:]
			g.xs = g.xs[:0]
			for _, s := range oldSpans[b.lo:b.hi] {
				x0 := max(s.x0+dx, 0)
				x1 := min(s.x1+dx, bm.W)
				g.xs = appendRuns(g.xs, row, inv, x0, x1, -dx)
			}
			g.addBand(y, y+1, g.xs)
		}
	}
	g.bands2, g.spans2 = oldBands, oldSpans
}

// appendRuns appends the runs of set bits (after xor with inv) of row in
// [x0,x1), shifted by off.
func appendRuns(xs []span, row []byte, inv byte, x0, x1, off int) []span {
	x := x0
	for x < x1 {
		// skip clear bits, a byte at a time when aligned
		for x < x1 {
			if x&7 == 0 && x+8 <= x1 && row[x>>3]^inv == 0 {
				x += 8
				continue
			}
			if (row[x>>3]^inv)>>(x&7)&1 != 0 {
				break
			}
			x++
		}
		if x >= x1 {
			break
		}
		start := x
		for x < x1 {
			if x&7 == 0 && x+8 <= x1 && row[x>>3]^inv == 0xff {
				x += 8
				continue
			}
			if (row[x>>3]^inv)>>(x&7)&1 == 0 {
				break
			}
			x++
		}
		xs = append(xs, span{start + off, x + off})
	}
	return xs
}
