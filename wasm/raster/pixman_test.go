package raster_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// The pixman reference cases: each draws one operation whose arithmetic
// comes from pixman (scaling, OVER) on deterministic pseudo-random
// pixels, and compares the result with what libpixman 0.42.2 produced for
// the same inputs through the same calls spice-common's sw_canvas makes.
// testdata/pixman/README says how the references were made.
var (
	pixmanCases = flag.String("pixman-cases", "", "write the pixman reference case list to this file")
	pixmanRef   = flag.String("pixman-ref", "", "rewrite testdata/pixman from the reference harness output in this directory")
)

// pixOp is the operation of a reference case.
type pixOp int

const (
	opScale      pixOp = iota // Copy, COPY rop, sizes differ (sw_canvas __scale_image)
	opScaleRop                // Copy with another rop (__scale_image_rop)
	opBlend                   // AlphaBlend, same size (__blend_image)
	opBlendScale              // AlphaBlend, scaled (__blend_scale_image)
	opRop3Scale               // Rop3 0xCC (= source), scaled (canvas_scale_surface)
	opKeyScale                // Transparent, scaled (__colorkey_scale_image)
)

type pixCase struct {
	op       pixOp
	format   raster.Format
	dw, dh   int
	sw, sh   int
	srcAlpha bool
	sr, box  raster.Rect
	mode     raster.ScaleMode
	rop      raster.ROP
	alpha    int
	seed     uint64
	clip     []raster.Rect // nil: no clip
}

func (c pixCase) line() string {
	b2i := map[bool]int{false: 0, true: 1}
	nclip := -1
	if c.clip != nil {
		nclip = len(c.clip)
	}
	s := fmt.Sprintf("%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d",
		c.op, c.format, c.dw, c.dh, c.sw, c.sh, b2i[c.srcAlpha],
		c.sr.X0, c.sr.Y0, c.sr.X1, c.sr.Y1, c.box.X0, c.box.Y0, c.box.X1, c.box.Y1,
		c.mode, c.rop, c.alpha, c.seed, nclip)
	for _, r := range c.clip {
		s += fmt.Sprintf(" %d %d %d %d", r.X0, r.Y0, r.X1, r.Y1)
	}
	return s
}

// splitmix64, the generator the harness shares.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (s *splitmix) intn(n int) int { return int(s.next() % uint64(n)) }

// inputs builds the case's source image and surface exactly as the
// harness does: the same generator calls in the same order.
func (c pixCase) inputs(t testing.TB) (*raster.Image, *raster.Surface) {
	rng := splitmix(c.seed)
	src, err := raster.NewImage(c.sw, c.sh)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < c.sw*c.sh; i++ {
		w := uint32(rng.next())
		a, r, g, b := uint32(255), w>>16&255, w>>8&255, w&255
		if c.srcAlpha {
			a = w >> 24
			r, g, b = r%(a+1), g%(a+1), b%(a+1)
		}
		copy(src.Pix[i*4:], []byte{byte(r), byte(g), byte(b), byte(a)})
	}
	s, err := raster.NewSurface(c.dw, c.dh, c.format)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < c.dw*c.dh; i++ {
		v := uint32(rng.next())
		switch c.format {
		case raster.FormatARGB32:
			a := v >> 24
			v = a<<24 | (v>>16&255)%(a+1)<<16 | (v>>8&255)%(a+1)<<8 | (v&255)%(a+1)
		case raster.FormatRGB16_565:
			v &= 0xffff
		case raster.FormatRGB16_555:
			v &= 0x7fff
		}
		w := c.format.Pixel(v)
		copy(s.Pix[i*4:], []byte{byte(w), byte(w >> 8), byte(w >> 16), byte(w >> 24)})
	}
	return src, s
}

func (c pixCase) run(t testing.TB) *raster.Image {
	src, s := c.inputs(t)
	a := raster.Area{Box: c.box, Clip: c.clip}
	switch c.op {
	case opScale:
		s.Copy(a, src, c.sr, raster.RopCopy, c.mode)
	case opScaleRop:
		s.Copy(a, src, c.sr, c.rop, c.mode)
	case opBlend, opBlendScale:
		s.AlphaBlend(a, src, c.sr, uint8(c.alpha))
	case opRop3Scale:
		s.Rop3(a, src, c.sr, raster.Brush{}, 0xcc, c.mode)
	case opKeyScale:
		key := uint32(src.Pix[0])<<16 | uint32(src.Pix[1])<<8 | uint32(src.Pix[2])
		s.Transparent(a, src, c.sr, key)
	}
	return &s.Image
}

// namedPixCases are kept as PNGs so that a failure shows pixels.
var namedPixCases = []struct {
	name string
	c    pixCase
}{
	{"scale-up-bilinear-xrgb", pixCase{op: opScale, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 9, sh: 7, sr: raster.R(0, 0, 9, 7), box: raster.R(3, 2, 29, 22), mode: raster.ScaleInterpolate, seed: 1}},
	{"scale-down-bilinear-xrgb", pixCase{op: opScale, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 40, sh: 33, sr: raster.R(2, 1, 39, 30), box: raster.R(1, 1, 30, 20), mode: raster.ScaleInterpolate, seed: 2}},
	{"scale-up-nearest-xrgb", pixCase{op: opScale, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 7, sh: 5, sr: raster.R(0, 0, 7, 5), box: raster.R(0, 0, 32, 24), mode: raster.ScaleNearest, seed: 3}},
	{"scale-bilinear-argb-alpha", pixCase{op: opScale, format: raster.FormatARGB32, dw: 32, dh: 24, sw: 12, sh: 10, srcAlpha: true, sr: raster.R(1, 1, 11, 9), box: raster.R(-3, 2, 30, 26), mode: raster.ScaleInterpolate, seed: 4}},
	{"scale-bilinear-argb-opaque", pixCase{op: opScale, format: raster.FormatARGB32, dw: 32, dh: 24, sw: 8, sh: 6, sr: raster.R(0, 0, 8, 6), box: raster.R(1, 1, 31, 23), mode: raster.ScaleInterpolate, seed: 13}},
	{"scale-bilinear-565", pixCase{op: opScale, format: raster.FormatRGB16_565, dw: 32, dh: 24, sw: 10, sh: 9, sr: raster.R(0, 0, 10, 9), box: raster.R(2, 2, 31, 23), mode: raster.ScaleInterpolate, seed: 5}},
	{"scale-clip-overlap-xrgb", pixCase{op: opScale, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 16, sh: 16, sr: raster.R(0, 0, 16, 16), box: raster.R(0, 0, 32, 24), mode: raster.ScaleInterpolate, seed: 6,
		clip: []raster.Rect{raster.R(2, 2, 20, 12), raster.R(10, 5, 30, 20), raster.R(0, 18, 8, 30)}}},
	{"blend-alpha-xrgb", pixCase{op: opBlend, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 30, sh: 20, srcAlpha: true, sr: raster.R(-2, 3, 30, 23), box: raster.R(0, 2, 32, 22), alpha: 255, seed: 7}},
	{"blend-const-alpha-argb", pixCase{op: opBlend, format: raster.FormatARGB32, dw: 32, dh: 24, sw: 30, sh: 20, srcAlpha: true, sr: raster.R(0, 0, 30, 20), box: raster.R(1, 1, 31, 21), alpha: 100, seed: 8}},
	{"blend-const-alpha-565", pixCase{op: opBlend, format: raster.FormatRGB16_565, dw: 32, dh: 24, sw: 30, sh: 20, srcAlpha: true, sr: raster.R(0, 0, 30, 20), box: raster.R(1, 1, 31, 21), alpha: 200, seed: 9}},
	{"blend-scale-xrgb", pixCase{op: opBlendScale, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 11, sh: 13, srcAlpha: true, sr: raster.R(0, 0, 11, 13), box: raster.R(0, 0, 30, 22), alpha: 180, seed: 10}},
	{"rop3-scale-bilinear", pixCase{op: opRop3Scale, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 20, sh: 20, sr: raster.R(3, 3, 17, 15), box: raster.R(2, 1, 31, 23), mode: raster.ScaleInterpolate, seed: 11}},
	{"key-scale-xrgb", pixCase{op: opKeyScale, format: raster.FormatXRGB32, dw: 32, dh: 24, sw: 6, sh: 5, sr: raster.R(0, 0, 7, 5), box: raster.R(0, 0, 32, 24), seed: 12}},
}

// sweepPixCases is a broad random sweep, checked by digest.
func sweepPixCases() []pixCase {
	rng := splitmix(20240601)
	formats := []raster.Format{raster.FormatXRGB32, raster.FormatARGB32, raster.FormatRGB16_565, raster.FormatRGB16_555, raster.FormatA8}
	var cs []pixCase
	for i := 0; i < 800; i++ {
		c := pixCase{op: pixOp(rng.intn(6)), dw: 8 + rng.intn(40), dh: 8 + rng.intn(40), seed: rng.next()}
		c.format = formats[rng.intn(len(formats))]
		if c.op == opScaleRop || c.op == opKeyScale {
			c.format = formats[rng.intn(2)] // the harness does these on 32-bit words
		}
		c.sw, c.sh = 1+rng.intn(48), 1+rng.intn(48)
		c.srcAlpha = rng.intn(2) == 0
		if c.op == opRop3Scale && c.format == raster.FormatARGB32 {
			// spice-common scales through an image of the source's
			// format: without alpha, its samples reach an ARGB32
			// surface opaque even where REPEAT_NONE faded them; Image
			// does not record whether it has alpha (see Rop3).
			c.srcAlpha = true
		}
		c.mode = raster.ScaleMode(rng.intn(2))
		c.rop = raster.ROP(rng.intn(16))
		c.alpha = rng.intn(256)
		if rng.intn(4) == 0 {
			c.alpha = 255
		}
		bx, by := rng.intn(c.dw+8)-6, rng.intn(c.dh+8)-6
		c.box = raster.R(bx, by, bx+1+rng.intn(c.dw+4), by+1+rng.intn(c.dh+4))
		if c.op == opBlend {
			sx, sy := rng.intn(c.sw+4)-3, rng.intn(c.sh+4)-3
			c.sr = raster.R(sx, sy, sx+c.box.Dx(), sy+c.box.Dy())
		} else {
			// mostly inside the image, as servers send, sometimes not
			sx, sy := rng.intn(c.sw), rng.intn(c.sh)
			c.sr = raster.R(sx, sy, sx+1+rng.intn(c.sw-sx), sy+1+rng.intn(c.sh-sy))
			if rng.intn(5) == 0 {
				c.sr = c.sr.Add(raster.Point{X: rng.intn(7) - 3, Y: rng.intn(7) - 3})
			}
			if c.sr.Dx() == c.box.Dx() && c.sr.Dy() == c.box.Dy() {
				c.box.X1++
			}
		}
		if rng.intn(3) == 0 {
			n := rng.intn(5)
			c.clip = make([]raster.Rect, 0, n)
			for range n {
				x, y := rng.intn(c.dw+4)-2, rng.intn(c.dh+4)-2
				c.clip = append(c.clip, raster.R(x, y, x+1+rng.intn(c.dw), y+1+rng.intn(c.dh)))
			}
		}
		cs = append(cs, c)
	}
	return cs
}

func digest(m *raster.Image) string {
	h := sha256.New()
	for y := 0; y < m.H; y++ {
		h.Write(m.Row(y))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

const pixmanDir = "testdata/pixman"

func TestPixmanReference(t *testing.T) {
	sweep := sweepPixCases()
	if *pixmanCases != "" {
		var b strings.Builder
		for _, nc := range namedPixCases {
			b.WriteString(nc.c.line() + "\n")
		}
		for _, c := range sweep {
			b.WriteString(c.line() + "\n")
		}
		if err := os.WriteFile(*pixmanCases, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if *pixmanRef != "" {
		writePixmanGoldens(t, sweep)
		return
	}
	for _, nc := range namedPixCases {
		t.Run(nc.name, func(t *testing.T) {
			rastertest.CheckGolden(t, filepath.Join(pixmanDir, nc.name+".png"), nc.c.run(t), 0)
		})
	}
	want := readDigests(t)
	if len(want) != len(sweep) {
		t.Fatalf("%d digests for %d sweep cases", len(want), len(sweep))
	}
	bad := 0
	for i, c := range sweep {
		if got := digest(c.run(t)); got != want[i] {
			if bad++; bad <= 10 {
				t.Errorf("sweep case %d (%s): digest %s, want %s", i, c.line(), got, want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d sweep cases differ from pixman", bad, len(sweep))
	}
}

// writePixmanGoldens turns the harness output (<dir>/<n>.rgba, one per
// case line, named cases first) into the committed goldens.
func writePixmanGoldens(t *testing.T, sweep []pixCase) {
	load := func(i int, w, h int) *raster.Image {
		b, err := os.ReadFile(filepath.Join(*pixmanRef, strconv.Itoa(i)+".rgba"))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != w*h*4 {
			t.Fatalf("case %d: %d bytes, want %d", i, len(b), w*h*4)
		}
		return &raster.Image{Pix: b, Stride: w * 4, W: w, H: h}
	}
	for i, nc := range namedPixCases {
		if err := rastertest.SavePNG(filepath.Join(pixmanDir, nc.name+".png"), load(i, nc.c.dw, nc.c.dh)); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	b.WriteString("# sha256[:12] of the pixels pixman produced for each sweepPixCases case, in order\n")
	for i, c := range sweep {
		b.WriteString(digest(load(len(namedPixCases)+i, c.dw, c.dh)) + "\n")
	}
	if err := os.WriteFile(filepath.Join(pixmanDir, "sweep.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readDigests(t *testing.T) []string {
	f, err := os.Open(filepath.Join(pixmanDir, "sweep.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			ds = append(ds, l)
		}
	}
	return ds
}
