package glz

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// recordedWindow is the window size spicerec announces in DISPLAY_INIT.
const recordedWindow = 4 << 20

// image is one entry of a recorded sequence: a GLZ_RGB payload, or a
// ZLIB_GLZ_RGB one with its inflated size.
type image struct {
	name    string
	src     []byte
	glzSize int // 0 for GLZ_RGB
}

func (m image) decode(ctx context.Context, w *Window, dst *raster.Image) error {
	if m.glzSize > 0 {
		return w.DecodeZlib(ctx, m.src, m.glzSize, dst)
	}
	return w.Decode(ctx, m.src, dst)
}

// sequences reads every testdata/<dir>/manifest: the payloads of one
// recording in the order the server sent them.
func sequences(t testing.TB) map[string][]image {
	t.Helper()
	mans, err := filepath.Glob("testdata/*/manifest")
	if err != nil || len(mans) == 0 {
		t.Fatalf("no sequences: %v", err)
	}
	seqs := map[string][]image{}
	for _, man := range mans {
		dir := filepath.Dir(man)
		f, err := os.Open(man)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var m image
			fields := strings.Fields(sc.Text())
			m.name = strings.TrimSuffix(fields[0], filepath.Ext(fields[0]))
			if len(fields) > 1 {
				fmt.Sscan(fields[1], &m.glzSize)
			}
			if m.src, err = os.ReadFile(filepath.Join(dir, fields[0])); err != nil {
				t.Fatal(err)
			}
			seqs[filepath.Base(dir)] = append(seqs[filepath.Base(dir)], m)
		}
		f.Close()
	}
	return seqs
}

// TestGolden decodes each recorded sequence in order through one window
// and compares every image exactly with its PNG (testdata/README says
// how they were checked).
func TestGolden(t *testing.T) {
	for name, seq := range sequences(t) {
		t.Run(name, func(t *testing.T) {
			w := NewWindow(recordedWindow)
			for _, m := range seq {
				var dst raster.Image
				if err := m.decode(done, w, &dst); err != nil {
					t.Fatalf("%s: %v", m.name, err)
				}
				rastertest.CheckGolden(t, filepath.Join("testdata", name, m.name+".png"), &dst, 0)
			}
		})
	}
}

// TestGoldenTwoChannels splits each recorded sequence between two
// goroutines, as two display channels sharing the window would receive
// it, each handling its images in a shuffled order with small delays, so
// that images arrive out of order and references wait for the other
// goroutine. Every image must still equal its PNG.
func TestGoldenTwoChannels(t *testing.T) {
	if *rastertest.Update {
		t.Skip("goldens are written by TestGolden")
	}
	for name, seq := range sequences(t) {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(len(seq)), 5))
			var parts [2][]int
			for i := range seq {
				c := rng.IntN(2)
				parts[c] = append(parts[c], i)
			}
			// Within a channel images stay in order, as on one socket;
			// channels interleave arbitrarily.
			w := NewWindow(recordedWindow)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			errs := make(chan error, len(seq))
			for c := range parts {
				wg.Add(1)
				go func(order []int, seed uint64) {
					defer wg.Done()
					r := rand.New(rand.NewPCG(seed, 1))
					var dst raster.Image
					for _, i := range order {
						if r.IntN(4) == 0 {
							time.Sleep(time.Duration(r.IntN(300)) * time.Microsecond)
						}
						m := seq[i]
						if err := m.decode(ctx, w, &dst); err != nil {
							errs <- fmt.Errorf("%s: %w", m.name, err)
							return
						}
						want, err := rastertest.LoadPNG(filepath.Join("testdata", name, m.name+".png"))
						if err != nil {
							errs <- err
							return
						}
						if d := rastertest.Diff(&dst, want, 0); d != "" {
							errs <- fmt.Errorf("%s: %s", m.name, d)
							return
						}
					}
				}(parts[c], uint64(c))
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for name, seq := range sequences(b) {
		b.Run(name, func(b *testing.B) {
			w := NewWindow(recordedWindow)
			var dst raster.Image
			pixels := 0
			run := func() {
				w.Reset()
				for _, m := range seq {
					if err := m.decode(done, w, &dst); err != nil {
						b.Fatal(err)
					}
				}
			}
			for _, m := range seq {
				var h Header
				if m.glzSize > 0 {
					var z inflater
					glz, err := z.inflate(m.src, m.glzSize, recordedWindow)
					if err != nil {
						b.Fatal(err)
					}
					h, err = DecodeConfig(glz)
				} else {
					h, _ = DecodeConfig(m.src)
				}
				pixels += h.Width * h.Height
			}
			run()
			b.SetBytes(int64(pixels * 4))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				run()
			}
		})
	}
}
