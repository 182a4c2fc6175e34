//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"spiceweb/bench"
)

// BenchmarkBrowserMJPEG measures the ways the client can decode MJPEG
// video frames, on the recorded Xspice streams of codec/jpeg's testdata:
// Go's decoder compiled to wasm, and the browser's createImageBitmap and
// ImageDecoder as jsbridge calls them for the client (pixels read back into
// Go), each called from Go exactly as the display channel calls it. It
// runs them on the page's main thread and in a dedicated worker, in a
// secure context (http://127.0.0.1) and an insecure one (a name mapped to
// loopback, where ImageDecoder does not exist), all ways of a context
// interleaved, and reports the median time per frame and each way's error
// against Go's decode and against the pictures the server encoded.
//
//	go test ./e2e -run '^$' -bench BrowserMJPEG -benchtime 1x
func BenchmarkBrowserMJPEG(b *testing.B) {
	Require(b, ToolChromium, ToolConvert)
	secure, insecure := mjpegServer(b)
	br := StartBrowser(b, BrowserOptions{Flags: mjpegBrowserFlags})

	var rows []mjpegRow
	start := time.Now()
	for _, ctx := range []struct{ name, url string }{
		{"secure", secure},
		{"insecure", insecure},
	} {
		rows = append(rows, mjpegContext(b, br, ctx.name, ctx.url)...)
	}
	b.Logf("measured in %v", time.Since(start).Round(time.Second))
	fmt.Printf("\nMJPEG decode per frame in ms (Xspice streams, each frame made complete and decoded as the display channel does, "+
		"pixels back in Go), median of %d samples of >= %v; (spread %%); xN = Go's time over the way's, median of the per-round ratios; "+
		"%s, GOMAXPROCS %d:\n%s\nErrors per colour sample, mean over frames (max): against Go's decode, and against the pictures "+
		"the server encoded:\n%s\n", bench.Reps, bench.MinDuration, chromiumVersion(br), runtime.GOMAXPROCS(0),
		mjpegTimeTable(rows), mjpegErrorTable(rows))
}

// mjpegRow is one context, thread and stream, with each way's figures.
type mjpegRow struct {
	context, thread, name string
	secure                bool
	frames                int
	ways                  []string
	meters                []*bench.Meter
	checks                []mjpegCheck
}

// mjpegCase is what mjpeg.js's init reports per case.
type mjpegCase struct {
	Thread string   `json:"thread"`
	Secure bool     `json:"secure"`
	Name   string   `json:"name"`
	Ways   []string `json:"ways"`
	Width  int      `json:"width"`
	Height int      `json:"height"`
	Frames int      `json:"frames"`
}

// mjpegCheck is mjpegCheck's result in bench/wasm/mjpeg.go.
type mjpegCheck struct {
	Way         string  `json:"way"`
	VsGo        float64 `json:"vsGo"`
	MaxVsGo     int     `json:"maxVsGo"`
	Sources     bool    `json:"sources"`
	VsSource    float64 `json:"vsSource"`
	MaxVsSource int     `json:"maxVsSource"`
	GoVsSource  float64 `json:"goVsSource"`
}

// mjpegContext loads the page at pageURL and measures every case and way
// in it, interleaved.
func mjpegContext(b *testing.B, br *Browser, context, pageURL string) []mjpegRow {
	init := mjpegInit(b, br, context, pageURL)
	rows := make([]mjpegRow, len(init))
	for i, c := range init {
		if want := context == "secure"; c.Secure != want {
			b.Fatalf("%s %s: isSecureContext is %v", context, c.Thread, c.Secure)
		}
		r := mjpegRow{context: context, thread: c.Thread, name: c.Name, secure: c.Secure, frames: c.Frames, ways: c.Ways}
		for w := range c.Ways {
			r.meters = append(r.meters, &bench.Meter{Timer: func(n int) (time.Duration, error) {
				ms, err := EvalErr[float64](b.Context(), br, fmt.Sprintf("window.mjpeg.time(%d, %d, %d)", i, w, n))
				return time.Duration(ms * float64(time.Millisecond)), err
			}})
		}
		rows[i] = r
	}
	for _, r := range rows {
		for _, m := range r.meters {
			if err := m.Calibrate(); err != nil {
				b.Fatalf("%s %s %s: %v", context, r.thread, r.name, err)
			}
		}
	}
	for range bench.Reps {
		for _, r := range rows {
			for _, m := range r.meters {
				if err := m.Sample(); err != nil {
					b.Fatalf("%s %s %s: %v", context, r.thread, r.name, err)
				}
			}
		}
	}
	for i := range rows {
		r := &rows[i]
		for w := range r.ways {
			c, err := EvalErr[mjpegCheck](b.Context(), br, fmt.Sprintf("window.mjpeg.check(%d, %d)", i, w))
			if err != nil {
				b.Fatalf("%s %s %s %s: %v", context, r.thread, r.name, r.ways[w], err)
			}
			r.checks = append(r.checks, c)
		}
	}
	return rows
}

// mjpegInit loads the benchmark page at pageURL and returns its cases.
func mjpegInit(t testing.TB, br *Browser, context, pageURL string) []mjpegCase {
	t.Helper()
	br.Navigate(pageURL)
	init, err := EvalErr[[]mjpegCase](t.Context(), br, "window.mjpeg.init()")
	if err != nil {
		t.Fatalf("%s: page init: %v", context, err)
	}
	return init
}

// mjpegServer serves the MJPEG benchmark page (see benchMux and
// mjpegSources) on 127.0.0.1, and the same on console.test, an insecure
// context for a browser started with mjpegBrowserFlags.
func mjpegServer(t testing.TB) (secure, insecure string) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	seqs, err := bench.LoadMJPEG(filepath.Join(root, "wasm", "codec"))
	if err != nil {
		t.Fatal(err)
	}
	mux := benchMux(t, root)
	index := mjpegSources(t, mux, seqs)
	mux.HandleFunc("/mjpeg.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(index)
	})
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL + "/mjpeg.html", "http://console.test:" + u.Port() + "/mjpeg.html"
}

// mjpegBrowserFlags map console.test to loopback: a page from there is not
// a secure context.
var mjpegBrowserFlags = []string{"host-resolver-rules=MAP console.test 127.0.0.1"}

// mjpegSources regenerates the pictures the recorded frames show, serves
// the ones this ImageMagick draws as recorded (same CRC-32) as raw RGBA
// under /sources/, and returns the sequences' descriptor list for the
// page, with each frame's picture URL where all of them matched.
func mjpegSources(b testing.TB, mux *http.ServeMux, seqs []*bench.MJPEGSequence) []byte {
	type seqJSON struct {
		*bench.MJPEGSequence
		Sources []string `json:"sources,omitempty"`
	}
	var out []seqJSON
	for _, s := range seqs {
		pics := map[int][]byte{}
		ok := true
		for _, seed := range s.Seeds {
			if pics[seed] != nil {
				continue
			}
			_, img := Plasma(b, s.Width, s.Height, seed)
			if crc32.ChecksumIEEE(img.Pix) != s.PictureCRC[seed] {
				b.Logf("%s: this ImageMagick draws picture %d unlike the recording's; no errors against the pictures", s.Name, seed)
				ok = false
				break
			}
			pics[seed] = img.Pix
		}
		j := seqJSON{MJPEGSequence: s}
		if ok {
			for _, seed := range s.Seeds {
				j.Sources = append(j.Sources, fmt.Sprintf("sources/%s/%d.rgba", s.Name, seed))
			}
			for seed, pix := range pics {
				mux.HandleFunc(fmt.Sprintf("/sources/%s/%d.rgba", s.Name, seed), func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/octet-stream")
					w.Write(pix)
				})
			}
		}
		out = append(out, j)
	}
	index, err := json.Marshal(out)
	if err != nil {
		b.Fatal(err)
	}
	return index
}

// allWays lists the ways over every row, Go first, in first-seen order.
func allWays(rows []mjpegRow) []string {
	var ways []string
	for _, r := range rows {
		for _, w := range r.ways {
			if !slices.Contains(ways, w) {
				ways = append(ways, w)
			}
		}
	}
	return ways
}

func mjpegTimeTable(rows []mjpegRow) string {
	ways := allWays(rows)
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "context\tthread\tstream\t")
	for _, w := range ways {
		fmt.Fprintf(tw, "%s\t", w)
	}
	fmt.Fprint(tw, "fastest\t\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t", r.context, r.thread, strings.TrimPrefix(r.name, "mjpeg-xspice-"))
		goPer := r.meters[0].PerOp
		best, bestMed := "", time.Duration(0)
		for _, w := range ways {
			k := slices.Index(r.ways, w)
			if k < 0 {
				fmt.Fprint(tw, "n/a\t")
				continue
			}
			m := r.meters[k]
			med := m.Median() / time.Duration(r.frames)
			cell := fmt.Sprintf("%.2f (%.0f%%)", ms(med), bench.Spread(m.PerOp))
			if k > 0 {
				cell += fmt.Sprintf(" x%.2f", bench.Paired(goPer, m.PerOp))
			}
			fmt.Fprintf(tw, "%s\t", cell)
			if best == "" || med < bestMed {
				best, bestMed = w, med
			}
		}
		fmt.Fprintf(tw, "%s\t\n", best)
	}
	tw.Flush()
	return sb.String()
}

func mjpegErrorTable(rows []mjpegRow) string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "context\tthread\tstream\tway\tvs Go\tvs picture\tGo vs picture\t\n")
	for _, r := range rows {
		for _, c := range r.checks {
			src, goSrc := "-", "-"
			if c.Sources {
				src = fmt.Sprintf("%.3f (%d)", c.VsSource, c.MaxVsSource)
				goSrc = fmt.Sprintf("%.3f", c.GoVsSource)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.3f (%d)\t%s\t%s\t\n", r.context, r.thread, strings.TrimPrefix(r.name, "mjpeg-xspice-"),
				c.Way, c.VsGo, c.MaxVsGo, src, goSrc)
		}
	}
	tw.Flush()
	return sb.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// TestBrowserJPEGDecoders checks the browser decoders the client gets
// (wasm/jsbridge/jpeg_js.go) on the recorded MJPEG streams, on the main
// thread and in a worker: ImageDecoder and createImageBitmap in a secure
// context, createImageBitmap alone in an insecure one, and every frame
// each of them decodes, read back into Go, within a small error of Go's
// own decode (JPEG decoders may round differently, nothing more) and no
// farther from the pictures the server encoded than Go's decode is, give
// or take that rounding.
func TestBrowserJPEGDecoders(t *testing.T) {
	Require(t, ToolChromium, ToolConvert)
	t.Parallel()
	secure, insecure := mjpegServer(t)
	br := StartBrowser(t, BrowserOptions{Flags: mjpegBrowserFlags})
	// The largest differences from Go's decode seen (Chromium 156): mean
	// 1.14 and max 18 for createImageBitmap, which upsamples chroma
	// smoothly where Go repeats it; 0.24 and 4 for ImageDecoder.
	const maxMean, maxMax = 2.0, 40
	for _, ctx := range []struct {
		name, url string
		ways      []string
	}{
		{"secure", secure, []string{"Go", "ImageDecoder", "createImageBitmap"}},
		{"insecure", insecure, []string{"Go", "createImageBitmap"}},
	} {
		cases := mjpegInit(t, br, ctx.name, ctx.url)
		if len(cases) != 4 {
			t.Fatalf("%s: %d cases, want 2 streams on 2 threads", ctx.name, len(cases))
		}
		for i, c := range cases {
			if !slices.Equal(c.Ways, ctx.ways) {
				t.Errorf("%s %s: ways %v, want %v", ctx.name, c.Thread, c.Ways, ctx.ways)
			}
			for w := range c.Ways {
				r, err := EvalErr[mjpegCheck](t.Context(), br, fmt.Sprintf("window.mjpeg.check(%d, %d)", i, w))
				if err != nil {
					t.Fatalf("%s %s %s %s: %v", ctx.name, c.Thread, c.Name, c.Ways[w], err)
				}
				t.Logf("%s %s %s %s: vs Go %.3f (max %d), vs picture %.3f (Go %.3f)",
					ctx.name, c.Thread, c.Name, r.Way, r.VsGo, r.MaxVsGo, r.VsSource, r.GoVsSource)
				if r.VsGo > maxMean || r.MaxVsGo > maxMax {
					t.Errorf("%s %s %s %s: differs from Go's decode by %.3f on average, %d at most; want <= %v, %v",
						ctx.name, c.Thread, c.Name, r.Way, r.VsGo, r.MaxVsGo, maxMean, maxMax)
				}
				if !r.Sources {
					continue
				}
				if r.VsSource > r.GoVsSource+maxMean {
					t.Errorf("%s %s %s %s: mean error %.3f against the pictures, Go's decode %.3f",
						ctx.name, c.Thread, c.Name, r.Way, r.VsSource, r.GoVsSource)
				}
			}
		}
	}
}
