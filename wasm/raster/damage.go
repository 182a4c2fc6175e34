package raster

import "image"

// maxDamage bounds how many rects Damage keeps. A few rects keep two
// small changes far apart (a clock and a cursor trail) from becoming one
// screen-sized copy, while the bookkeeping stays trivial.
const maxDamage = 4

// Damage accumulates the parts of a surface that changed since the last
// Reset, as at most maxDamage rects that may overlap. The presenter
// copies only those rows to the browser.
type Damage struct {
	rects [maxDamage]Rect
	n     int
}

// Add records that r changed. A rect inside a recorded one is dropped,
// recorded rects inside r are replaced by it, and when all slots are full
// r is merged with the rect whose bounding box grows the least.
func (d *Damage) Add(r Rect) {
	if r.Empty() {
		return
	}
	n := 0
	for _, e := range d.rects[:d.n] {
		if r.In(e) {
			return
		}
		if !e.In(r) {
			d.rects[n] = e
			n++
		}
	}
	d.n = n
	if d.n < maxDamage {
		d.rects[d.n] = r
		d.n++
		return
	}
	best, bestGrowth := 0, int64(-1)
	for i, e := range d.rects[:d.n] {
		g := e.Union(r).area() - e.area()
		if bestGrowth < 0 || g < bestGrowth {
			best, bestGrowth = i, g
		}
	}
	d.rects[best] = d.rects[best].Union(r)
}

// Empty reports whether nothing changed.
func (d *Damage) Empty() bool { return d.n == 0 }

// Rects returns the recorded rects; the slice is only valid until the
// next Add or Reset.
func (d *Damage) Rects() []Rect { return d.rects[:d.n] }

// Bounds is the bounding box of all recorded rects.
func (d *Damage) Bounds() Rect {
	var b Rect
	for _, r := range d.rects[:d.n] {
		b = b.Union(r)
	}
	return b
}

// AppendRectangles appends the recorded rects as image.Rectangles.
func (d *Damage) AppendRectangles(dst []image.Rectangle) []image.Rectangle {
	for _, r := range d.rects[:d.n] {
		dst = append(dst, r.Rectangle())
	}
	return dst
}

// Reset forgets all damage.
func (d *Damage) Reset() { d.n = 0 }
