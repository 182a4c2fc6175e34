package raster

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// fuzzOp decodes a COMPOSITE, TEXT or STROKE from data and runs it; the
// same checks as FuzzDraw apply, and the only errors allowed are the
// ones the operations document.
func fuzzOp(t *testing.T, data []byte) {
	r := &fuzzReader{data}
	op := r.u8() % 3
	f := allFormats[r.u8()%len(allFormats)]
	s, _ := NewSurface(1+r.u8()%24, 1+r.u8()%24, f)
	for i := range s.Pix {
		s.Pix[i] = byte(i*5 + 1)
	}
	fixSpan(f, s.Pix)
	var a Area
	a.Box = r.rect()
	if n := r.u8(); n%3 == 0 {
		a.Clip = make([]Rect, n%5)
		for i := range a.Clip {
			a.Clip[i] = r.rect()
		}
	}
	before := &Surface{Image: *s.cloneImage(), Format: f}
	var err error
	switch op {
	case 0:
		pic := func() Picture {
			p := Picture{Format: allFormats[r.u8()%len(allFormats)], Filter: Filter(r.u8() % 8), Repeat: Repeat(r.u8() % 5)}
			if r.u8()%2 == 0 {
				t := Transform{}
				for i := range t {
					t[i] = int32(int8(r.u8())) << uint(r.u8()%20)
				}
				p.Transform = &t
			}
			p.ComponentAlpha = r.u8()%3 == 0
			p.Image = r.image(12)
			return p
		}
		c := Composite{Op: CompositeOp(r.u8() % 0x40), SrcOrigin: Point{r.coord(), r.coord()}, MaskOrigin: Point{r.coord(), r.coord()}}
		hasMask := r.u8()%2 == 0
		c.Src = pic()
		if hasMask {
			m := pic()
			c.Mask = &m
		}
		err = s.Composite(a, &c)
		var ce CompositeError
		if err != nil && !errors.As(err, &ce) && !errors.Is(err, ErrCompositeTransform) {
			t.Fatalf("composite: unexpected error %v", err)
		}
	case 1:
		tx := Text{BPP: []int{0, 1, 4, 8, 3}[r.u8()%5], BackArea: r.rect(), Back: Brush{Color: uint32(r.u8()) * 0x010101},
			Fore: Brush{Color: uint32(r.u8()) * 0x030507}, ForeNone: r.u8()%5 == 0, ForePut: r.u8()%4 != 0, ForeFormat: Format(r.u8() % 40)}
		if r.u8()%3 == 0 {
			tx.Fore.Pattern = r.image(6)
			tx.Fore.Pos = Point{r.coord(), r.coord()}
		}
		for range r.u8() % 5 {
			g := Glyph{X: r.coord(), Y: r.coord(), W: r.u8() % 20, H: r.u8() % 20}
			g.Data = make([]byte, r.u8()%64)
			for i := range g.Data {
				g.Data[i] = byte(r.u8())
			}
			tx.Glyphs = append(tx.Glyphs, g)
		}
		err = s.DrawText(a, &tx)
		if err != nil && !errors.Is(err, ErrGlyph) && err.Error() != "raster: glyph depth must be 1, 4 or 8" {
			t.Fatalf("text: unexpected error %v", err)
		}
	case 2:
		st := Stroke{Brush: Brush{Color: uint32(r.u8()) * 0x050301}, Rop: ROP(r.u8() % 16), StartWithGap: r.u8()%2 == 0}
		if r.u8()%2 == 0 {
			st.Brush.Pattern = r.image(6)
		}
		if r.u8()%2 == 0 {
			st.Style = []int32{}
			for range r.u8() % 5 {
				st.Style = append(st.Style, int32(r.u8()))
			}
		}
		for range r.u8() % 4 {
			seg := PathSegment{Begin: r.u8()%2 == 0, End: r.u8()%2 == 0, Close: r.u8()%2 == 0, Bezier: r.u8()%3 == 0}
			for range r.u8() % 8 {
				seg.Points = append(seg.Points, PathPoint{int32(r.coord()) << 4 >> uint(r.u8()%3), int32(r.coord()) << 4})
			}
			st.Path = append(st.Path, seg)
		}
		err = s.DrawStroke(a, &st)
		if err != nil && !errors.Is(err, ErrStrokeTooLarge) && !errors.Is(err, ErrStrokeStyle) && !errors.Is(err, ErrStrokeRange) {
			t.Fatalf("stroke: unexpected error %v", err)
		}
	}
	checkChange(t, before, s, a, 100+op)
}

// FuzzDrawOps: no panic, no hang, changes only inside the area and the
// damage, valid pixels, only documented errors.
func FuzzDrawOps(f *testing.F) {
	f.Add([]byte{0, 0, 16, 16, 0, 0, 0, 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 4, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{1, 0, 16, 16, 0, 0, 16, 16, 3, 1, 0, 0, 20, 20, 9, 9, 0, 1, 0, 2, 1, 1, 2, 2, 8, 8, 16, 0xff, 0x81, 0x81, 0xff})
	f.Add([]byte{2, 0, 16, 16, 0, 0, 16, 16, 3, 7, 3, 0, 0, 1, 1, 1, 1, 3, 2, 0, 2, 0, 14, 0, 9, 1, 3, 0, 12})
	f.Fuzz(fuzzOp)
}

// TestDrawOpsRandom runs FuzzDrawOps's checks on random inputs.
func TestDrawOpsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	b := make([]byte, 300)
	for range 3000 {
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		fuzzOp(t, b)
	}
}
