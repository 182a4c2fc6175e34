package raster

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// inArea is the brute-force definition of a region pixel.
func inArea(bounds Rect, a *Area, x, y int) bool {
	p := Rect{x, y, x + 1, y + 1}
	if !p.In(bounds) || !p.In(a.Box) {
		return false
	}
	if a.Clip != nil {
		in := false
		for _, r := range a.Clip {
			if p.In(r) {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	if m := a.Mask.Bitmap; m != nil {
		mx, my := x-a.Box.X0+a.Mask.Pos.X, y-a.Box.Y0+a.Mask.Pos.Y
		if mx < 0 || my < 0 || mx >= m.W || my >= m.H {
			return false
		}
		bit := m.Bits[my*m.Stride+mx>>3]>>(mx&7)&1 == 1
		return bit != a.Mask.Invert
	}
	return true
}

// checkRegion verifies g's invariants and that it holds exactly the
// pixels inArea accepts.
func checkRegion(t *testing.T, g *region, bounds Rect, a *Area) {
	t.Helper()
	count := map[[2]int]int{}
	prevY1 := -1 << 62
	for bi, b := range g.bands {
		if b.y0 >= b.y1 || b.y0 < prevY1 || b.lo >= b.hi {
			t.Fatalf("band %d %+v malformed after y1=%d", bi, b, prevY1)
		}
		if bi > 0 {
			p := g.bands[bi-1]
			if p.y1 == b.y0 && fmt.Sprint(g.spans[p.lo:p.hi]) == fmt.Sprint(g.spans[b.lo:b.hi]) {
				t.Errorf("bands %d and %d not coalesced", bi-1, bi)
			}
		}
		prevY1 = b.y1
		for i, s := range g.spans[b.lo:b.hi] {
			if s.x0 >= s.x1 || (i > 0 && g.spans[b.lo+i-1].x1 >= s.x0) {
				t.Fatalf("band %d spans %v not sorted/disjoint", bi, g.spans[b.lo:b.hi])
			}
			for y := b.y0; y < b.y1; y++ {
				for x := s.x0; x < s.x1; x++ {
					count[[2]int{x, y}]++
				}
			}
		}
	}
	ext := Rect{}
	for y := bounds.Y0 - 1; y <= bounds.Y1; y++ {
		for x := bounds.X0 - 1; x <= bounds.X1; x++ {
			want := 0
			if inArea(bounds, a, x, y) {
				want = 1
				ext = ext.Union(Rect{x, y, x + 1, y + 1})
			}
			if got := count[[2]int{x, y}]; got != want {
				t.Fatalf("pixel (%d,%d) in region %d times, want %d (area %+v)", x, y, got, want, a)
			}
		}
	}
	if ext != g.ext && !(ext.Empty() && g.empty()) {
		t.Errorf("extents %+v, want %+v", g.ext, ext)
	}
}

func TestRegionTable(t *testing.T) {
	bounds := R(0, 0, 20, 16)
	tests := []struct {
		name string
		a    Area
	}{
		{"box only", Area{Box: R(2, 3, 10, 9)}},
		{"box outside", Area{Box: R(30, 3, 40, 9)}},
		{"box inverted", Area{Box: R(10, 3, 2, 9)}},
		{"box over edges", Area{Box: R(-5, -5, 50, 50)}},
		{"empty clip list", Area{Box: R(0, 0, 20, 16), Clip: []Rect{}}},
		{"clip outside box", Area{Box: R(0, 0, 5, 5), Clip: []Rect{R(6, 6, 9, 9)}}},
		{"banded clip", Area{Box: R(0, 0, 20, 16), Clip: []Rect{R(1, 1, 4, 3), R(6, 1, 9, 3), R(2, 3, 12, 5), R(0, 7, 20, 8)}}},
		{"overlapping clip", Area{Box: R(0, 0, 20, 16), Clip: []Rect{R(1, 1, 10, 10), R(5, 5, 15, 15), R(5, 5, 15, 15), R(0, 0, 3, 20)}}},
		{"touching clip merges", Area{Box: R(0, 0, 20, 16), Clip: []Rect{R(0, 0, 5, 5), R(5, 0, 10, 5), R(0, 5, 10, 10)}}},
		{"negative and huge rects", Area{Box: R(-1<<31, -1<<31, 1<<31, 1<<31), Clip: []Rect{R(-1<<40, 2, 3, 1<<40)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g region
			g.build(bounds, &tt.a)
			checkRegion(t, &g, bounds, &tt.a)
		})
	}
}

func TestRegionBandedSingleBand(t *testing.T) {
	var g region
	a := Area{Box: R(0, 0, 20, 20), Clip: []Rect{R(0, 0, 5, 5), R(5, 0, 10, 5), R(0, 5, 10, 10)}}
	g.build(R(0, 0, 20, 20), &a)
	if len(g.bands) != 1 || len(g.spans) != 1 || g.spans[0] != (span{0, 10}) || g.bands[0].y1 != 10 {
		t.Errorf("got bands %v spans %v, want one 10x10 band", g.bands, g.spans)
	}
}

func randomArea(rng *rand.Rand, bounds Rect) Area {
	r := func() Rect {
		x, y := rng.IntN(bounds.X1+10)-5, rng.IntN(bounds.Y1+10)-5
		return R(x, y, x+rng.IntN(bounds.X1+4)-1, y+rng.IntN(bounds.Y1+4)-1)
	}
	a := Area{Box: r()}
	if rng.IntN(4) != 0 {
		a.Clip = make([]Rect, rng.IntN(8))
		for i := range a.Clip {
			a.Clip[i] = r()
		}
	}
	if rng.IntN(3) == 0 {
		bm := &Bitmap{W: rng.IntN(30), H: rng.IntN(30)}
		bm.Stride = (bm.W+7)/8 + rng.IntN(3)
		bm.Bits = make([]byte, bm.Stride*bm.H)
		for i := range bm.Bits {
			switch rng.IntN(3) {
			case 0:
				bm.Bits[i] = 0xff
			case 1:
				bm.Bits[i] = byte(rng.Uint32())
			}
		}
		a.Mask = Mask{Bitmap: bm, Pos: Point{rng.IntN(10) - 5, rng.IntN(10) - 5}, Invert: rng.IntN(2) == 0}
	}
	return a
}

func TestRegionRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	bounds := R(0, 0, 24, 18)
	var g region // reused, as surfaces do
	for i := 0; i < 3000; i++ {
		a := randomArea(rng, bounds)
		g.build(bounds, &a)
		checkRegion(t, &g, bounds, &a)
	}
}

func TestRegionMalformedMask(t *testing.T) {
	var g region
	a := Area{Box: R(0, 0, 10, 10), Mask: Mask{Bitmap: &Bitmap{Bits: make([]byte, 3), Stride: 2, W: 16, H: 4}}}
	g.build(R(0, 0, 10, 10), &a)
	if !g.empty() {
		t.Errorf("malformed mask: region not empty")
	}
}

func BenchmarkRegionSweep(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := Area{Box: R(0, 0, 1920, 1080)}
	for range 64 {
		x, y := rng.IntN(1800), rng.IntN(1000)
		a.Clip = append(a.Clip, R(x, y, x+rng.IntN(300), y+rng.IntN(300)))
	}
	var g region
	b.ReportAllocs()
	for b.Loop() {
		g.build(R(0, 0, 1920, 1080), &a)
	}
}
