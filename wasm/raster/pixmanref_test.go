package raster_test

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// The pixmanref harness (testdata/pixmanref/pixmanref.c) runs composite
// and text cases through libpixman itself. When a C compiler and
// libpixman-1-dev are installed (scripts/install-deps.sh installs them),
// the tests build it and compare every case with it directly; without
// them they compare with the digests it produced, committed in
// testdata/pixman. -update-pixmanref rewrites those digests.
var updatePixmanRef = flag.Bool("update-pixmanref", false, "rewrite testdata/pixman/*.txt digests from the pixmanref harness")

// pixman_format_code_t values of the formats the cases use.
const (
	pixA8R8G8B8 = 0x20028888
	pixX8R8G8B8 = 0x20020888
	pixA8       = 0x08018000
	pixR5G6B5   = 0x10020565
	pixX1R5G5B5 = 0x10020555
	pixA1       = 0x01011000
)

// pixmanCode is the pixman format of a surface format.
func pixmanCode(f raster.Format) int32 {
	switch f {
	case raster.FormatARGB32:
		return pixA8R8G8B8
	case raster.FormatA8:
		return pixA8
	case raster.FormatRGB16_565:
		return pixR5G6B5
	case raster.FormatRGB16_555:
		return pixX1R5G5B5
	case raster.FormatA1:
		return pixA1
	}
	return pixX8R8G8B8
}

// rawImage is an image as raw pixel values of a pixman format, the form
// both the harness and the Go side are built from.
type rawImage struct {
	format raster.Format // the format whose Pixel() gives the stored word
	w, h   int
	px     []uint32
}

// randomRaw fills a w x h image of format f from rng: premultiplied for
// ARGB32 unless loose, values of the format's depth otherwise.
func randomRaw(rng *splitmix, f raster.Format, w, h int, loose bool) rawImage {
	m := rawImage{format: f, w: w, h: h, px: make([]uint32, w*h)}
	for i := range m.px {
		v := uint32(rng.next())
		switch f {
		case raster.FormatARGB32:
			if !loose {
				a := v >> 24
				v = a<<24 | (v>>16&255)%(a+1)<<16 | (v>>8&255)%(a+1)<<8 | (v&255)%(a+1)
			}
		case raster.FormatA8:
			v &= 0xff
		case raster.FormatRGB16_565:
			v &= 0xffff
		case raster.FormatRGB16_555:
			v &= 0x7fff
		case raster.FormatA1:
			v &= 1
		}
		m.px[i] = v
	}
	return m
}

// image converts to the stored layout; stored is the format whose store
// rules apply (an xRGB32 picture's pixels keep their top byte: the
// picture's format, not the storage, forces alpha).
func (m rawImage) image(t testing.TB, stored raster.Format) *raster.Image {
	img, err := raster.NewImage(m.w, m.h)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range m.px {
		binary.LittleEndian.PutUint32(img.Pix[i*4:], stored.Pixel(v))
	}
	return img
}

func (m rawImage) surface(t testing.TB) *raster.Surface {
	s, err := raster.NewSurface(m.w, m.h, m.format)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range m.px {
		binary.LittleEndian.PutUint32(s.Pix[i*4:], m.format.Pixel(v))
	}
	return s
}

// enc writes harness records.
type enc struct{ b bytes.Buffer }

func (e *enc) i(vs ...int) {
	for _, v := range vs {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(int32(v)))
		e.b.Write(b[:])
	}
}

func (e *enc) image(code int32, m rawImage) {
	e.i(int(code), m.w, m.h)
	for _, v := range m.px {
		e.i(int(v))
	}
}

func (e *enc) region(box raster.Rect, clip []raster.Rect) {
	e.i(box.X0, box.Y0, box.X1, box.Y1)
	if clip == nil {
		e.i(-1)
		return
	}
	e.i(len(clip))
	for _, r := range clip {
		e.i(r.X0, r.Y0, r.X1, r.Y1)
	}
}

// refCase is a case the harness can run: its record, and the size of the
// surface it prints.
type refCase interface {
	encode(e *enc)
	size() (w, h int)
	run(t testing.TB) *raster.Image
	String() string
}

// pixmanref builds the harness, or returns "" when this machine cannot.
func pixmanref(t testing.TB) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		return ""
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "pixman-1").Output()
	if err != nil {
		return ""
	}
	bin := filepath.Join(t.TempDir(), "pixmanref")
	args := append([]string{"-O2", "-o", bin, "testdata/pixmanref/pixmanref.c"}, strings.Fields(string(flags))...)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("building pixmanref: %v\n%s", err, out)
	}
	return bin
}

// runRef runs cases through the harness and returns its surfaces.
func runRef(t testing.TB, bin string, cases []refCase) []*raster.Image {
	t.Helper()
	var e enc
	for _, c := range cases {
		c.encode(&e)
	}
	cmd := exec.Command(bin)
	cmd.Stdin = &e.b
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pixmanref: %v\n%s", err, stderr.String())
	}
	imgs := make([]*raster.Image, len(cases))
	for i, c := range cases {
		w, h := c.size()
		n := w * h * 4
		if len(out) < n {
			t.Fatalf("pixmanref printed too little for case %d", i)
		}
		imgs[i] = &raster.Image{Pix: out[:n:n], Stride: w * 4, W: w, H: h}
		out = out[n:]
	}
	if len(out) != 0 {
		t.Fatalf("pixmanref printed %d bytes too many", len(out))
	}
	return imgs
}

// checkRef compares every case with pixman: live when the harness builds
// here, else with the committed digests in testdata/pixman/<name>.txt.
// The first len(pngs) cases are also kept as testdata/pixman/<png>.png,
// so that their pixels can be seen.
func checkRef(t *testing.T, name string, cases []refCase, pngs []string) {
	checkRefWith(t, name, cases, pngs, pixmanref(t), *updatePixmanRef, "-update-pixmanref needs cc and libpixman-1-dev")
}

// checkRefWith is checkRef with another reference program: bin ("" when
// there is none here) and whether to rewrite the digests from it.
func checkRefWith(t *testing.T, name string, cases []refCase, pngs []string, bin string, update bool, cannot string) {
	digestFile := filepath.Join(pixmanDir, name+".txt")
	if update {
		if bin == "" {
			t.Fatal(cannot)
		}
		var b strings.Builder
		b.WriteString("# sha256[:12] of the surface the reference (" + filepath.Base(bin) + ") produced for each " + name + " case, in order\n")
		for i, img := range runRef(t, bin, cases) {
			b.WriteString(digest(img) + "\n")
			if i < len(pngs) {
				if err := rastertest.SavePNG(filepath.Join(pixmanDir, pngs[i]+".png"), img); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := os.WriteFile(digestFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readDigestFile(t, digestFile)
	if len(want) != len(cases) {
		t.Fatalf("%s: %d digests for %d cases (run with -update-pixmanref)", digestFile, len(want), len(cases))
	}
	var ref []*raster.Image
	if bin != "" {
		ref = runRef(t, bin, cases)
	} else {
		t.Logf("no reference program here: comparing with %s only", digestFile)
	}
	bad := 0
	for i, c := range cases {
		got := c.run(t)
		if ref != nil {
			if d := diffImages(got, ref[i]); d != "" {
				if bad++; bad <= 8 {
					t.Errorf("case %d (%s) differs from pixman: %s", i, c, d)
				}
				continue
			}
			if digest(ref[i]) != want[i] {
				t.Errorf("case %d: pixman here gives digest %s, %s says %s", i, digest(ref[i]), digestFile, want[i])
			}
			continue
		}
		if g := digest(got); g != want[i] {
			if bad++; bad <= 8 {
				t.Errorf("case %d (%s): digest %s, pixman's %s", i, c, g, want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d %s cases differ from pixman", bad, len(cases), name)
		return
	}
	for i, p := range pngs {
		rastertest.CheckGolden(t, filepath.Join(pixmanDir, p+".png"), cases[i].run(t), 0)
	}
}

func readDigestFile(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-pixmanref)", err)
	}
	var ds []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			ds = append(ds, l)
		}
	}
	return ds
}

// diffImages describes the first differing pixel, or "".
func diffImages(got, want *raster.Image) string {
	if got.W != want.W || got.H != want.H {
		return "size differs"
	}
	for y := 0; y < got.H; y++ {
		g, w := got.Row(y), want.Row(y)
		for x := 0; x < got.W; x++ {
			if !bytes.Equal(g[x*4:x*4+4], w[x*4:x*4+4]) {
				return fmt.Sprintf("pixel (%d,%d) RGBA %x, pixman %x", x, y, g[x*4:x*4+4], w[x*4:x*4+4])
			}
		}
	}
	return ""
}
