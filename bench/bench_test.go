package bench

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/codec/jpeg"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

func loadAll(tb testing.TB) []*Fixture {
	tb.Helper()
	fs, err := Load(filepath.Join("..", "wasm", "codec"))
	if err != nil {
		tb.Fatal(err)
	}
	return fs
}

// TestLoad checks that every codec contributes fixtures with their bytes,
// and that the descriptors survive the JSON trip to the browser.
func TestLoad(t *testing.T) {
	fs := loadAll(t)
	per := map[string]int{}
	for _, f := range fs {
		per[f.Codec]++
		for _, p := range f.Parts {
			if len(p.Data) == 0 {
				t.Errorf("%s: %s: no data", f.ID(), p.File)
			}
		}
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		var back Fixture
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.ID() != f.ID() || len(back.Parts) != len(f.Parts) || back.Width != f.Width ||
			back.TopDown != f.TopDown || back.JPEGSize != f.JPEGSize || len(back.Palette) != len(f.Palette) {
			t.Errorf("%s: JSON round trip gave %+v", f.ID(), back)
		}
	}
	for _, c := range Codecs {
		if per[c] == 0 {
			t.Errorf("no %s fixtures", c)
		}
	}
	t.Logf("fixtures per codec: %v", per)
}

// TestGoldens decodes every part of every case the way Case does and
// compares it exactly with the codec's golden PNG: the benchmark must
// measure correct decodes, with the right palette, flags and sizes.
func TestGoldens(t *testing.T) {
	for _, f := range loadAll(t) {
		t.Run(f.ID(), func(t *testing.T) {
			c, err := NewCase(f)
			if err != nil {
				t.Fatal(err)
			}
			c.begin()
			for i := range f.Parts {
				p := &f.Parts[i]
				if err := c.decode(p); err != nil {
					t.Fatalf("%s: %v", p.File, err)
				}
				golden := filepath.Join("..", "wasm", "codec", f.Codec, "testdata", filepath.FromSlash(p.Golden))
				want, err := rastertest.LoadPNG(golden)
				if err != nil {
					t.Fatal(err)
				}
				if d := rastertest.Diff(c.Image(), want, 0); d != "" {
					t.Errorf("%s: %s", p.File, d)
				}
			}
			if err := c.Check(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestCaseErrors(t *testing.T) {
	for _, f := range []*Fixture{
		{Codec: "png", Name: "x", Parts: []Part{{File: "x", Data: []byte{1}}}},
		{Codec: CodecQUIC, Name: "empty"},
		{Codec: CodecQUIC, Name: "junk", Parts: []Part{{File: "junk.quic", Data: []byte("not quic")}}},
		{Codec: CodecLZ4, Name: "nosize", Parts: []Part{{File: "a.lz4", Data: []byte{1, 8, 0, 0, 0, 1, 0}}}},
	} {
		if _, err := NewCase(f); err == nil || !strings.HasPrefix(err.Error(), "bench: ") {
			t.Errorf("%s: error %v, want a bench: error", f.ID(), err)
		}
	}
}

// fakeTimer pretends each iteration takes per, except that the calls
// listed in slow take 10x less (a timer that ran on a fast moment).
type fakeTimer struct {
	per   time.Duration
	calls []int
}

func (f *fakeTimer) time(n int) (time.Duration, error) {
	f.calls = append(f.calls, n)
	return time.Duration(n) * f.per, nil
}

func TestMeter(t *testing.T) {
	ft := &fakeTimer{per: 3 * time.Millisecond}
	m := &Meter{Timer: ft.time}
	if err := m.Calibrate(); err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(m.N) * ft.per; got < MinDuration || got > 2*MinDuration {
		t.Errorf("calibrated to %d iterations = %v, want [%v, %v]", m.N, got, MinDuration, 2*MinDuration)
	}
	if len(ft.calls) > 4 {
		t.Errorf("calibration took %d runs: %v", len(ft.calls), ft.calls)
	}
	for range Reps {
		if err := m.Sample(); err != nil {
			t.Fatal(err)
		}
	}
	if m.Median() != ft.per || len(m.PerOp) != Reps {
		t.Errorf("median %v of %d samples, want %v of %d", m.Median(), len(m.PerOp), ft.per, Reps)
	}

	// A sample shorter than Min (the implementation sped up after
	// calibration) is retaken with more iterations.
	ft.per /= 10
	n := m.N
	if err := m.Sample(); err != nil {
		t.Fatal(err)
	}
	if m.N <= n || time.Duration(m.N)*ft.per < MinDuration {
		t.Errorf("after a short sample N = %d (was %d)", m.N, n)
	}

	// Zero durations (a coarse clock) still terminate.
	zero := &Meter{Timer: func(n int) (time.Duration, error) {
		if n < 1e6 {
			return 0, nil
		}
		return MinDuration, nil
	}}
	if err := zero.Calibrate(); err != nil || zero.N < 1e6 {
		t.Errorf("zero timer: N = %d, %v", zero.N, err)
	}

	boom := errors.New("boom")
	bad := &Meter{Timer: func(int) (time.Duration, error) { return 0, boom }}
	if err := bad.Calibrate(); !errors.Is(err, boom) {
		t.Errorf("failing timer: %v", err)
	}
	if err := (&Meter{Timer: ft.time}).Sample(); err == nil {
		t.Error("Sample before Calibrate succeeded")
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 2, 3}, 2},
		{[]time.Duration{7, 100, 6, 8, 1}, 7},
	} {
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if s := Spread([]time.Duration{90, 100, 110}); s != 20 {
		t.Errorf("Spread = %v, want 20", s)
	}
}

func TestReport(t *testing.T) {
	f := &Fixture{Codec: CodecQUIC, Name: "a", Recorded: true}
	g := &Fixture{Codec: CodecGLZ, Name: "seq"}
	rs := []Result{
		{Fixture: f, Bytes: 4e6, Pixels: "1000x1000", Native: 10 * time.Millisecond, Wasm: 20 * time.Millisecond, JS: 80 * time.Millisecond},
		{Fixture: g, Bytes: 1e6, Pixels: "3 images", Native: time.Millisecond, Wasm: 4 * time.Millisecond, Note: "no GLZ in spice-html5"},
	}
	if r := rs[0].Ratio(); r != 0.5 {
		t.Errorf("Ratio = %v", r)
	}
	if s := rs[0].Speedup(); s != 4 {
		t.Errorf("Speedup = %v", s)
	}
	tab := Table(rs)
	for _, want := range []string{"400", "200", "0.50x", "50.0", "4.00x", "1000", "250", "0.25x", "no GLZ in spice-html5"} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
	sum := Summary(rs)
	if !strings.Contains(sum, "0.50x (1)") || !strings.Contains(sum, "4.00x (1)") || !strings.Contains(sum, "0.25x (1)") {
		t.Errorf("summary:\n%s", sum)
	}
	if g := GeoMean([]float64{1, 4}); g != 2 {
		t.Errorf("GeoMean = %v", g)
	}
}

// BenchmarkDecode runs every Case natively: the same code the browser
// benchmark compiles to wasm, so its figures are the native column.
func BenchmarkDecode(b *testing.B) {
	for _, f := range loadAll(b) {
		b.Run(path.Join(f.Codec, f.Name), func(b *testing.B) {
			c, err := NewCase(f)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(c.Bytes)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Decode(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestPaired(t *testing.T) {
	a := []time.Duration{10, 20, 30}
	b := []time.Duration{20, 20, 60}
	if got := Paired(a, b); got != 0.5 {
		t.Errorf("Paired = %v, want 0.5", got)
	}
	if got := Paired(a, b[:2]); got != 0 {
		t.Errorf("Paired of unequal lengths = %v", got)
	}
	r := Result{Native: 1, Wasm: 4, PairedRatio: 0.5}
	if r.Ratio() != 0.5 {
		t.Errorf("Ratio ignores PairedRatio: %v", r.Ratio())
	}
}

func TestSizes(t *testing.T) {
	text := []byte(strings.Repeat("spice ", 1000))
	s, err := Sizes(text)
	if err != nil {
		t.Fatal(err)
	}
	if s.Served != len(text) || s.Raw != len(text) || s.Gzip <= 0 || s.Gzip >= len(text)/10 {
		t.Errorf("plain text: %+v", s)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(text)
	zw.Close()
	s, err = Sizes(gz.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if s.Served != gz.Len() || s.Gzip != gz.Len() || s.Raw != len(text) {
		t.Errorf("gzip file: %+v, want served = gzip = %d, raw = %d", s, gz.Len(), len(text))
	}
	if _, err := Sizes([]byte{0x1f, 0x8b, 0, 0}); err == nil {
		t.Error("a damaged gzip file gave no error")
	}
}

func TestLoadTable(t *testing.T) {
	ms := time.Millisecond
	tab := LoadTable([]LoadResult{
		{Client: "ours", Complete: []time.Duration{300 * ms, 100 * ms, 200 * ms}, Connected: []time.Duration{0, 50 * ms, 0},
			Repeat: []time.Duration{70 * ms, 90 * ms, 80 * ms}, RepeatCache: CacheUse{Cached: 3, Revalidated: 1},
			Requests: 4, Transfer: 2048, Bytes: BodySizes{Served: 1024, Raw: 4096, Gzip: 512}},
		{Client: "theirs"},
	})
	for _, want := range []string{"200 (100-300)", "50 (50-50) [1 of 3 runs]", "80 (70-90)", "3/1/0", "2.0", "1.0", "4.0", "0.5"} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
}

func TestCacheUse(t *testing.T) {
	var c CacheUse
	for _, r := range []Resource{
		{TransferSize: 0, EncodedBodySize: 5000},    // memory or disk cache
		{TransferSize: 300, EncodedBodySize: 5000},  // 304: headers only
		{TransferSize: 5300, EncodedBodySize: 5000}, // sent in full
		{TransferSize: 200, EncodedBodySize: 0},     // an empty body, sent
	} {
		c.Add(r)
	}
	if c != (CacheUse{Cached: 1, Revalidated: 1, Fetched: 2}) {
		t.Errorf("got %+v", c)
	}
}

func TestTopSelf(t *testing.T) {
	p, err := ParseCPUProfile([]byte(`{"nodes": [
		{"id": 1, "callFrame": {"functionName": "(root)"}},
		{"id": 2, "callFrame": {"functionName": "(idle)"}},
		{"id": 3, "callFrame": {"functionName": "pass", "url": "bench.wasm"}},
		{"id": 4, "callFrame": {"functionName": "", "url": "bench.js"}},
		{"id": 5, "callFrame": {"functionName": "pass", "url": "bench.wasm"}}],
		"samples": [2, 2, 3, 3, 5, 4, 2]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := TopSelf(p, 5)
	if len(got) != 2 || got[0].Name != "pass" || got[0].Share != 75 || got[1].Name != "(anonymous bench.js)" || got[1].Share != 25 {
		t.Errorf("TopSelf = %+v", got)
	}
	if s := FormatShares(got); !strings.Contains(s, " 75.0%  pass") {
		t.Errorf("FormatShares:\n%s", s)
	}
	if _, err := ParseCPUProfile([]byte("{")); err == nil {
		t.Error("bad JSON gave no error")
	}
}

// TestMJPEG loads the recorded streams and decodes them the way the
// browser benchmark does with Go's decoder: every frame, in order, as
// codec/jpeg's own Stream decodes it.
func TestMJPEG(t *testing.T) {
	seqs, err := LoadMJPEG(filepath.Join("..", "wasm", "codec"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range seqs {
		if len(s.Seeds) != len(s.Frames) || len(s.PictureCRC) == 0 {
			t.Errorf("%s: %d frames, %d seeds, %d picture checksums", s.Name, len(s.Frames), len(s.Seeds), len(s.PictureCRC))
		}
		for _, seed := range s.Seeds {
			if _, ok := s.PictureCRC[seed]; !ok {
				t.Errorf("%s: no checksum for picture %d", s.Name, seed)
			}
		}
		c := &MJPEGCase{Seq: s}
		var ref jpeg.Stream
		var want raster.Image
		for pass := range 2 { // a second pass starts the stream over
			for i, f := range s.Frames {
				got, err := c.Frame(t.Context(), i)
				if err != nil {
					t.Fatal(err)
				}
				if err := ref.Decode(f.Data, &want); err != nil {
					t.Fatal(err)
				}
				if got.W != s.Width || got.H != s.Height {
					t.Fatalf("%s frame %d: %dx%d, want %dx%d", s.Name, i, got.W, got.H, s.Width, s.Height)
				}
				if d := rastertest.Diff(got, &want, 0); d != "" {
					t.Fatalf("%s pass %d frame %d: %s", s.Name, pass, i, d)
				}
			}
		}
	}
}
