package raster

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// fuzzReader hands out the fuzz input field by field, then zeros.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) u8() int {
	if len(r.b) == 0 {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return int(v)
}

// coord is a coordinate around the surface, now and then far outside.
func (r *fuzzReader) coord() int {
	v := int(int8(r.u8())) / 8
	switch r.u8() % 32 {
	case 0:
		return v << 27
	case 1:
		return v * 1000
	}
	return v
}

// rect is mostly a small rect near the surface, sometimes inverted or
// far away.
func (r *fuzzReader) rect() Rect {
	x, y := r.coord(), r.coord()
	return Rect{x, y, x + r.u8()%32 - 2, y + r.u8()%32 - 2}
}

func (r *fuzzReader) image(maxSide int) *Image {
	w, h := r.u8()%maxSide, r.u8()%maxSide
	m, _ := NewImage(w, h)
	for i := range m.Pix {
		m.Pix[i] = byte(r.u8())
	}
	return m
}

// fuzzDraw decodes one draw from data and runs it, returning the surface
// before and after, the area the draw may touch and the op's name.
func fuzzDraw(data []byte) (before, after *Surface, a Area, op int) {
	r := &fuzzReader{data}
	op = r.u8() % 12
	f := allFormats[r.u8()%len(allFormats)]
	s, _ := NewSurface(1+r.u8()%24, 1+r.u8()%24, f)
	for i := range s.Pix {
		s.Pix[i] = byte(i*7 + 3)
	}
	fixSpan(f, s.Pix)
	arg := r.u8()
	mode := ScaleMode(r.u8() % 3)
	a.Box = r.rect()
	if n := r.u8(); n%3 == 0 {
		a.Clip = make([]Rect, n%5)
		for i := range a.Clip {
			a.Clip[i] = r.rect()
		}
	}
	sr := r.rect()
	if r.u8()%2 == 0 { // mostly same-size sources inside the image, as servers send
		sr.X0, sr.Y0 = r.u8()%8-1, r.u8()%8-1
		sr.X1, sr.Y1 = sr.X0+a.Box.Dx(), sr.Y0+a.Box.Dy()
	}
	brush := Brush{Color: uint32(r.u8()) * 0x01030507}
	hasPattern := r.u8()%3 == 1
	if hasPattern {
		brush.Pos = Point{r.coord(), r.coord()}
	}
	bitsSrc := Point{r.coord(), r.coord()}
	hasMask := r.u8()%4 == 1
	if hasMask {
		a.Mask = Mask{Pos: Point{r.coord(), r.coord()}, Invert: r.u8()%2 == 1}
	}
	// variable-length parts last, so that running out of input leaves
	// the fields above as decoded
	src := r.image(20)
	if hasPattern {
		brush.Pattern = r.image(6)
	}
	if hasMask {
		bm := &Bitmap{W: r.u8() % 20, H: r.u8() % 20}
		bm.Stride = (bm.W+7)/8 + r.u8()%2
		bm.Bits = make([]byte, bm.Stride*bm.H)
		for i := range bm.Bits {
			bm.Bits[i] = byte(r.u8())
		}
		a.Mask.Bitmap = bm
	}
	before = &Surface{Image: *s.cloneImage(), Format: f}
	rop := ROP(arg % 16)
	switch op {
	case 0:
		s.Fill(a, brush, rop)
	case 1:
		s.Copy(a, src, sr, rop, mode)
	case 2:
		s.Opaque(a, src, sr, brush, rop, mode)
	case 3:
		s.AlphaBlend(a, src, sr, uint8(arg))
	case 4:
		s.Transparent(a, src, sr, uint32(arg)*0x010101)
	case 5:
		s.Rop3(a, src, sr, brush, uint8(arg), mode)
	case 6:
		s.CopyBits(a, bitsSrc)
	case 7:
		s.Blackness(a)
	case 8:
		s.Whiteness(a)
	case 9:
		s.Invert(a)
	case 10:
		s.Clear()
		a = Area{Box: s.Bounds()}
	case 11: // a source that is the surface itself
		s.Copy(a, &s.Image, sr, rop, mode)
	}
	return before, s, a, op
}

func (m *Image) cloneImage() *Image {
	c := *m
	c.Pix = append([]byte(nil), m.Pix...)
	return &c
}

// FuzzDraw runs random draws with random rects, clips and masks and
// checks that nothing panics, that only pixels of the area change, that
// the damage covers every change and that pixels stay valid for the
// surface's format.
func FuzzDraw(f *testing.F) {
	f.Add([]byte{0, 0, 10, 8, 3, 0, 0, 0, 0, 0, 20, 0, 20, 0, 255})
	f.Add([]byte{1, 1, 16, 16, 6, 1, 2, 0, 2, 0, 14, 0, 14, 0, 3, 1, 0, 1, 0, 9, 0, 9, 0, 5, 0, 5, 0, 12, 0, 12, 0})
	f.Add([]byte{2, 2, 9, 9, 0x88, 0, 250, 0, 250, 0, 30, 0, 30, 0, 255, 0, 5, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{3, 1, 20, 20, 128, 1, 0, 0, 0, 0, 20, 0, 20, 0, 255, 1, 10, 10, 9, 8, 7, 6, 5})
	f.Add([]byte{5, 0, 12, 12, 0xca, 0, 1, 0, 1, 0, 11, 0, 11, 0, 255, 1, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0})
	f.Add([]byte{6, 0, 16, 16, 0, 0, 0, 0, 0, 0, 16, 0, 16, 0, 1, 2, 0, 2, 0, 9, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 1, 0})
	f.Add([]byte{9, 3, 7, 7, 0, 0, 1, 0, 1, 0, 6, 0, 6, 0, 255, 0, 8, 8, 2, 0xff, 0x0f, 0xf0, 0x55, 0xaa, 0, 0, 0, 0, 1})
	f.Add([]byte{11, 0, 20, 20, 3, 1, 0, 0, 0, 0, 20, 0, 20, 0, 255, 0, 0, 0, 0, 0, 2, 0, 2, 0, 18, 0, 18, 0})
	f.Fuzz(checkDraw)
}

// TestDrawRandom runs FuzzDraw's checks on random inputs, so that plain
// go test covers more than the seeds.
func TestDrawRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	b := make([]byte, 200)
	for range 5000 {
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		checkDraw(t, b)
	}
}

func checkDraw(t *testing.T, data []byte) {
	t.Helper()
	before, after, a, op := fuzzDraw(data)
	checkChange(t, before, after, a, op)
}

// checkChange checks a draw's effect: every pixel valid for the format,
// changes only inside the area and inside the damage.
func checkChange(t *testing.T, before, after *Surface, a Area, op int) {
	t.Helper()
	dmg := after.Damage.Rects()
	for y := 0; y < after.H; y++ {
		for x := 0; x < after.W; x++ {
			o := y*after.Stride + x*4
			old, now := binary.LittleEndian.Uint32(before.Pix[o:]), binary.LittleEndian.Uint32(after.Pix[o:])
			if fixWord(after.Format, now) != now {
				t.Fatalf("op %d: pixel (%d,%d) = %08x is not a valid %v value", op, x, y, now, after.Format)
			}
			if old == now {
				continue
			}
			if !inArea(after.Bounds(), &a, x, y) {
				t.Fatalf("op %d: pixel (%d,%d) changed outside the area %+v", op, x, y, a)
			}
			covered := false
			for _, d := range dmg {
				covered = covered || (Rect{x, y, x + 1, y + 1}).In(d)
			}
			if !covered {
				t.Fatalf("op %d: pixel (%d,%d) changed outside the damage %v", op, x, y, dmg)
			}
		}
	}
}

var allFormats = []Format{FormatXRGB32, FormatARGB32, FormatRGB16_565, FormatRGB16_555, FormatA8, FormatA1}
