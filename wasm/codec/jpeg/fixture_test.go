package jpeg

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"spiceweb/wasm/codec/codectest"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// fixture is one recorded image. testdata/<Name>.jpeg or .jpeg_alpha is
// the image data exactly as sent (data_size bytes), <Name>.png the
// expected decode (compared exactly, to catch any change in what we
// produce), and <Orig>.orig.png the pixels the server encoded, taken from
// the X framebuffer, against which the lossy result must stay within
// maxMAE. testdata/fixtures.txt lists them:
// "name kind=jpeg|jpeg_alpha [jpeg_size=N flags=N] orig=name".
type fixture struct {
	Name     string
	Alpha    bool // JPEG_ALPHA rather than JPEG
	JPEGSize int
	TopDown  bool
	Data     []byte
	Golden   string
	Orig     string
}

func loadFixtures(tb testing.TB) []fixture {
	tb.Helper()
	list, err := codectest.ReadList(filepath.Join("testdata", "fixtures.txt"), "kind", "orig", "jpeg_size", "flags")
	if err != nil {
		tb.Fatal(err)
	}
	var out []fixture
	for _, e := range list {
		kind := e.Fields["kind"]
		if kind != "jpeg" && kind != "jpeg_alpha" {
			tb.Fatalf("fixture %s: kind %q", e.Name, kind)
		}
		fx := fixture{Name: e.Name, Alpha: kind == "jpeg_alpha", Orig: filepath.Join("testdata", e.Fields["orig"]+".orig.png")}
		var flags int
		if fx.JPEGSize, _, err = e.Int("jpeg_size"); err != nil {
			tb.Fatal(err)
		}
		if flags, _, err = e.Int("flags"); err != nil {
			tb.Fatal(err)
		}
		fx.TopDown = flags&1 != 0 // SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN
		base := filepath.Join("testdata", fx.Name)
		if fx.Data, err = os.ReadFile(base + "." + kind); err != nil {
			tb.Fatal(err)
		}
		fx.Golden = base + ".png"
		out = append(out, fx)
	}
	return out
}

func (fx fixture) decode(dst *raster.Image) error {
	if fx.Alpha {
		return DecodeAlpha(fx.Data, fx.JPEGSize, fx.TopDown, dst)
	}
	return Decode(fx.Data, dst)
}

// maxMAE bounds the mean absolute error per R, G, B sample (0..255)
// between our decode and the pixels the server encoded. For the recorded
// photo (noisy plasma, the server's default quality 85, 4:2:0 chroma)
// libjpeg via ImageMagick gets 6.18 and image/jpeg 6.36 (they differ from
// each other by 1.51, mostly from chroma upsampling). The bound leaves a
// little room for decoder changes but fails on a wrong colour conversion,
// channel order or orientation, which cost tens of levels.
const maxMAE = 7.0

func TestFixtures(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.Name, func(t *testing.T) {
			var dst raster.Image
			if err := fx.decode(&dst); err != nil {
				t.Fatal(err)
			}
			rastertest.CheckGolden(t, fx.Golden, &dst, 0)
			orig, err := rastertest.LoadPNG(fx.Orig)
			if err != nil {
				t.Fatal(err)
			}
			mae, maxd := rgbError(&dst, orig)
			t.Logf("vs %s: mean abs error %.2f, max %d", fx.Orig, mae, maxd)
			if mae > maxMAE {
				t.Errorf("mean abs error %.2f over %v", mae, maxMAE)
			}
		})
	}
}

// rgbError compares the colour channels of two same-sized images.
func rgbError(got, want *raster.Image) (mae float64, maxd int) {
	if got.W != want.W || got.H != want.H {
		return 255, 255
	}
	var sum int
	for y := 0; y < got.H; y++ {
		g, w := got.Row(y), want.Row(y)
		for i := range g {
			if i%4 == 3 {
				continue
			}
			d := int(g[i]) - int(w[i])
			if d < 0 {
				d = -d
			}
			sum += d
			maxd = max(maxd, d)
		}
	}
	return float64(sum) / float64(3*got.W*got.H), maxd
}

func BenchmarkDecode(b *testing.B) {
	for _, fx := range loadFixtures(b) {
		b.Run(fx.Name, func(b *testing.B) {
			var dst raster.Image
			if err := fx.decode(&dst); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(dst.W * dst.H * 4))
			b.ReportAllocs()
			for b.Loop() {
				if err := fx.decode(&dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// mjpegSeq is a recorded MJPEG stream: testdata/<Name>/NNNN.mjpeg in
// order, listed by its manifest (see testdata/README).
type mjpegSeq struct {
	Name   string
	Frames [][]byte
}

func loadMJPEG(tb testing.TB) []mjpegSeq {
	tb.Helper()
	mans, err := filepath.Glob(filepath.Join("testdata", "mjpeg-*", "manifest"))
	if err != nil || len(mans) == 0 {
		tb.Fatalf("no MJPEG fixtures (%v)", err)
	}
	var out []mjpegSeq
	for _, man := range mans {
		list, err := codectest.ReadList(man, "seed", "mae")
		if err != nil {
			tb.Fatal(err)
		}
		seq := mjpegSeq{Name: filepath.Base(filepath.Dir(man))}
		for _, e := range list {
			b, err := os.ReadFile(filepath.Join(filepath.Dir(man), e.Name))
			if err != nil {
				tb.Fatal(err)
			}
			seq.Frames = append(seq.Frames, b)
		}
		if len(seq.Frames) < 2 {
			tb.Fatalf("%s lists %d frames", man, len(seq.Frames))
		}
		out = append(out, seq)
	}
	return out
}

// TestMJPEGFixtures decodes the recorded streams: every frame after the
// first lacks tables and fails on its own, decodes in the stream, and
// made standalone by Complete gives exactly what the stream decodes.
func TestMJPEGFixtures(t *testing.T) {
	for _, seq := range loadMJPEG(t) {
		t.Run(seq.Name, func(t *testing.T) {
			var s Stream
			var prev Tables
			var got, alone raster.Image
			for i, f := range seq.Frames {
				if err := Decode(f, &alone); (err == nil) != (i == 0) {
					t.Errorf("frame %d decoded alone: error %v; want only the first to decode alone", i, err)
				}
				jpg, next, err := Complete(nil, f, prev)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				prev = Tables{DQT: bytes.Clone(next.DQT), DHT: bytes.Clone(next.DHT)}
				if err := s.Decode(f, &got); err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if err := Decode(jpg, &alone); err != nil {
					t.Fatalf("frame %d made standalone: %v", i, err)
				}
				if d := rastertest.Diff(&alone, &got, 0); d != "" {
					t.Errorf("frame %d: standalone decode differs from the stream's: %s", i, d)
				}
			}
		})
	}
}

// BenchmarkDecodeMJPEG decodes a recorded stream frame by frame, as the
// display channel does without a browser decoder; ns/op is per frame.
func BenchmarkDecodeMJPEG(b *testing.B) {
	for _, seq := range loadMJPEG(b) {
		b.Run(seq.Name, func(b *testing.B) {
			var s Stream
			var dst raster.Image
			if err := s.Decode(seq.Frames[0], &dst); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(dst.W * dst.H * 4))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.Decode(seq.Frames[i], &dst); err != nil {
					b.Fatal(err)
				}
				i = (i + 1) % len(seq.Frames)
			}
		})
	}
}
