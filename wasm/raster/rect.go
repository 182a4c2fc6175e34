package raster

import "image"

// Point is a pixel position.
type Point struct{ X, Y int }

// Rect is the half-open rectangle [X0,X1) x [Y0,Y1). SPICE sends rects as
// (top, left, bottom, right), signed; the caller reorders the fields. A
// rect with X1 <= X0 or Y1 <= Y0 is empty, as pixman's
// pixman_region32_init_rect treats a non-positive width or height.
type Rect struct{ X0, Y0, X1, Y1 int }

// R is shorthand for Rect{x0, y0, x1, y1}.
func R(x0, y0, x1, y1 int) Rect { return Rect{x0, y0, x1, y1} }

// Empty reports whether r holds no pixel.
func (r Rect) Empty() bool { return r.X1 <= r.X0 || r.Y1 <= r.Y0 }

// Dx is r's width; negative for inverted rects.
func (r Rect) Dx() int { return r.X1 - r.X0 }

// Dy is r's height; negative for inverted rects.
func (r Rect) Dy() int { return r.Y1 - r.Y0 }

// Intersect returns r ∩ s; the result is Empty when they do not overlap
// (its fields are then meaningless).
func (r Rect) Intersect(s Rect) Rect {
	r.X0 = max(r.X0, s.X0)
	r.Y0 = max(r.Y0, s.Y0)
	r.X1 = min(r.X1, s.X1)
	r.Y1 = min(r.Y1, s.Y1)
	return r
}

// Union returns the smallest rect holding both; an empty operand is
// ignored.
func (r Rect) Union(s Rect) Rect {
	if r.Empty() {
		return s
	}
	if s.Empty() {
		return r
	}
	return Rect{min(r.X0, s.X0), min(r.Y0, s.Y0), max(r.X1, s.X1), max(r.Y1, s.Y1)}
}

// In reports whether every pixel of r is inside s (true for empty r).
func (r Rect) In(s Rect) bool {
	return r.Empty() || (s.X0 <= r.X0 && r.X1 <= s.X1 && s.Y0 <= r.Y0 && r.Y1 <= s.Y1)
}

// Add translates r by p.
func (r Rect) Add(p Point) Rect { return Rect{r.X0 + p.X, r.Y0 + p.Y, r.X1 + p.X, r.Y1 + p.Y} }

// area is r's pixel count (0 when empty), in int64 so that rects built
// from wire int32 values cannot overflow it.
func (r Rect) area() int64 {
	if r.Empty() {
		return 0
	}
	return int64(r.Dx()) * int64(r.Dy())
}

// Rectangle converts r to an image.Rectangle.
func (r Rect) Rectangle() image.Rectangle { return image.Rect(r.X0, r.Y0, r.X1, r.Y1) }

// Bounds is the rect covering all of m.
func (m *Image) Bounds() Rect { return Rect{0, 0, m.W, m.H} }
