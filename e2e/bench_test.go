//go:build linux

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"

	"spiceweb/bench"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// Benchmarks in a real browser. They are benchmarks, not tests, so plain
// go test never runs them; each runs its whole protocol once:
//
//	go test ./e2e -run '^$' -bench BrowserDecode -benchtime 1x
//	go test ./e2e -run '^$' -bench PageLoad -benchtime 1x
//
// and prints a table (b.Log). See bench/doc.go for the protocol.

// benchCase is one fixture as the three implementations see it.
type benchCase struct {
	native *bench.Case
	page   pageCase
	meters []*bench.Meter // native, wasm, js (nil when spice-html5 has none)
}

// pageCase is what bench.js's init reports per fixture.
type pageCase struct {
	ID     string `json:"id"`
	Bytes  int64  `json:"bytes"`
	Shape  string `json:"shape"`
	Sum    string `json:"sum"`
	JSNote string `json:"jsNote"`
}

// BenchmarkBrowserDecode measures every codec fixture natively, as Go
// compiled to wasm in headless Chromium, and, where it can, with
// spice-html5's JavaScript decoders in the same page; all interleaved
// case by case, so that load on the machine hits all three alike.
func BenchmarkBrowserDecode(b *testing.B) {
	Require(b, ToolChromium, ToolSpiceHTML5)
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	fixtures, err := bench.Load(filepath.Join(root, "wasm", "codec"))
	if err != nil {
		b.Fatal(err)
	}
	// By default the fixtures recorded from servers; a filter picks among
	// all, the reference encoders' streams included ("." for all).
	keep := func(f *bench.Fixture) bool { return f.Recorded }
	if pat := os.Getenv("SPICEWEB_BENCH_FILTER"); pat != "" {
		re, err := regexp.Compile(pat)
		if err != nil {
			b.Fatalf("SPICEWEB_BENCH_FILTER: %v", err)
		}
		keep = func(f *bench.Fixture) bool { return re.MatchString(f.ID()) }
	}
	fixtures = slices.DeleteFunc(fixtures, func(f *bench.Fixture) bool { return !keep(f) })
	if len(fixtures) == 0 {
		b.Fatal("no fixtures (SPICEWEB_BENCH_FILTER matches none?)")
	}
	srv := decodeServer(b, root, fixtures)
	br := StartBrowser(b, BrowserOptions{})
	br.Navigate(srv.URL + "/index.html")
	init, err := EvalErr[[]pageCase](b.Context(), br, "window.bench.init()")
	if err != nil {
		b.Fatalf("bench page init: %v", err)
	}
	if len(init) != len(fixtures) {
		b.Fatalf("page loaded %d cases, want %d", len(init), len(fixtures))
	}

	cases := make([]*benchCase, len(fixtures))
	for i, f := range fixtures {
		c, err := bench.NewCase(f)
		if err != nil {
			b.Fatal(err)
		}
		p := init[i]
		if want := fmt.Sprintf("%08x", c.Sum()); p.ID != f.ID() || p.Sum != want || p.Bytes != c.Bytes {
			b.Fatalf("%s: wasm decoded %s (crc %s, %d bytes), native %s (crc %s, %d bytes)",
				f.ID(), p.ID, p.Sum, p.Bytes, f.ID(), want, c.Bytes)
		}
		bc := &benchCase{native: c, page: p}
		bc.meters = []*bench.Meter{{Timer: func(n int) (time.Duration, error) {
			t0 := time.Now()
			err := c.Run(n)
			return time.Since(t0), err
		}}, {Timer: pageTimer(b, br, i, "wasm")}, nil}
		if p.JSNote == "" {
			bc.meters[2] = &bench.Meter{Timer: pageTimer(b, br, i, "js")}
		}
		cases[i] = bc
	}

	start := time.Now()
	for _, c := range cases {
		for _, m := range c.meters {
			if m != nil {
				if err := m.Calibrate(); err != nil {
					b.Fatalf("%s: %v", c.page.ID, err)
				}
			}
		}
	}
	for range bench.Reps {
		for _, c := range cases {
			for _, m := range c.meters {
				if m != nil {
					if err := m.Sample(); err != nil {
						b.Fatalf("%s: %v", c.page.ID, err)
					}
				}
			}
		}
	}
	b.Logf("measured %d cases in %v (%d samples of >= %v each, after calibration)",
		len(cases), time.Since(start).Round(time.Second), bench.Reps, bench.MinDuration)

	results := make([]bench.Result, len(cases))
	for i, c := range cases {
		if msg := Eval[string](br, fmt.Sprintf("window.bench.check(%d)", i)); msg != "" {
			b.Errorf("%s: wasm: %s", c.page.ID, msg)
		}
		r := bench.Result{Fixture: c.native.Fixture, Bytes: c.native.Bytes, Pixels: c.native.Shape, Note: c.page.JSNote}
		native, wasm, js := c.meters[0], c.meters[1], c.meters[2]
		r.Native, r.NativeSpread = native.Median(), bench.Spread(native.PerOp)
		r.Wasm, r.WasmSpread = wasm.Median(), bench.Spread(wasm.PerOp)
		r.PairedRatio = bench.Paired(native.PerOp, wasm.PerOp)
		if js != nil {
			r.JS, r.JSSpread = js.Median(), bench.Spread(js.PerOp)
			r.PairedSpeedup = bench.Paired(js.PerOp, wasm.PerOp)
			r.Note = checkHTML5(b, br, i, root, c.native.Fixture)
		}
		results[i] = r
	}
	// Printed rather than logged: go test cuts a benchmark's log short
	// without -v.
	fmt.Printf("\nDecode throughput in MB/s of RGBA output, median of %d samples of >= %v; ratios are medians of the "+
		"per-round ratios; spread is (max-min)/median of the samples; %s, GOMAXPROCS %d:\n%s\nPer codec, geometric means:\n%s\n",
		bench.Reps, bench.MinDuration, chromiumVersion(br), runtime.GOMAXPROCS(0), bench.Table(results), bench.Summary(results))
	if dir := os.Getenv("SPICEWEB_BENCH_PROFILE"); dir != "" {
		profileCases(b, br, cases, dir)
	}
	for _, codec := range bench.Codecs {
		var ratios []float64
		for _, r := range results {
			if r.Fixture.Codec == codec && r.Ratio() > 0 {
				ratios = append(ratios, r.Ratio())
			}
		}
		if len(ratios) > 0 {
			b.ReportMetric(bench.GeoMean(ratios), codec+"-wasm/native")
		}
	}
}

// profileCases records, for each case, a CPU profile of its wasm decode
// in Chromium (DevTools Profiler, 50 us sampling) and a pprof profile of
// its native decode, each over about a second, into dir, and prints the
// wasm profile's top functions by self time. Read the native ones with
// go tool pprof -top.
func profileCases(b *testing.B, br *Browser, cases []*benchCase, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	// Each case profiles for about two seconds (wasm and native): the
	// deadline grows with the number of cases.
	ctx, cancel := context.WithTimeout(br.Context(), actionTimeout+time.Duration(len(cases))*10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, profiler.Enable, cdp.Empty{}); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 50}); err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		base := filepath.Join(dir, strings.ReplaceAll(c.page.ID, "/", "-"))
		// About a second each: five times the calibrated >= 200 ms.
		if _, err := chromedp.Call(ctx, profiler.Start, cdp.Empty{}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.meters[1].Timer(5 * c.meters[1].N); err != nil {
			b.Fatal(err)
		}
		res, err := chromedp.Call(ctx, profiler.Stop, cdp.Empty{})
		if err != nil {
			b.Fatal(err)
		}
		raw, err := json.Marshal(res.Profile)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(base+".wasm.cpuprofile", raw, 0o644); err != nil {
			b.Fatal(err)
		}
		prof, err := bench.ParseCPUProfile(raw)
		if err != nil {
			b.Fatal(err)
		}

		f, err := os.Create(base + ".native.pprof")
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		_, err = c.meters[0].Timer(5 * c.meters[0].N)
		pprof.StopCPUProfile()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		fmt.Printf("\n%s: wasm self time (%s.wasm.cpuprofile; native: go tool pprof -top %s.native.pprof)\n%s",
			c.page.ID, base, base, bench.FormatShares(bench.TopSelf(prof, 12)))
	}
}

// decodeServer serves the decoder benchmark page on loopback: benchMux,
// the fixtures' descriptor list and spice-html5 from its Debian install,
// unchanged.
func decodeServer(b *testing.B, root string, fixtures []*bench.Fixture) *httptest.Server {
	b.Helper()
	index, err := json.Marshal(fixtures)
	if err != nil {
		b.Fatal(err)
	}
	mux := benchMux(b, root)
	mux.HandleFunc("/fixtures.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(index)
	})
	mux.Handle("/spice-html5/", http.StripPrefix("/spice-html5/", http.FileServer(http.Dir(SpiceHTML5Dir))))
	srv := httptest.NewServer(mux) // 127.0.0.1
	b.Cleanup(srv.Close)
	return srv
}

// benchMux serves what every benchmark page needs: bench/web, the
// benchmark compiled to wasm, Go's wasm_exec.js and the codec fixtures.
func benchMux(b testing.TB, root string) *http.ServeMux {
	b.Helper()
	wasm := filepath.Join(b.TempDir(), "bench.wasm")
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	// The flags of build.go's client build, so the code is compiled alike;
	// when profiling, without -s, which would drop the name section the
	// profiler names functions by (the code is the same).
	ldflags := "-ldflags=-s"
	if os.Getenv("SPICEWEB_BENCH_PROFILE") != "" {
		ldflags = "-ldflags="
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", ldflags, "-o", wasm, "./bench/wasm")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building bench/wasm: %v\n%s", err, out)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Fatalf("go env GOROOT: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(filepath.Join(root, "bench", "web"))))
	mux.HandleFunc("/bench.wasm", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, wasm) })
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	})
	mux.Handle("/fixtures/", http.StripPrefix("/fixtures/", http.FileServer(http.Dir(filepath.Join(root, "wasm", "codec")))))
	return mux
}

// pageTimer times n decodes of case i in the page; the page reads
// performance.now, so the DevTools round trip is not counted.
func pageTimer(b *testing.B, br *Browser, i int, impl string) bench.Timer {
	return func(n int) (time.Duration, error) {
		ms, err := EvalErr[float64](b.Context(), br, fmt.Sprintf("window.bench.time(%d, %q, %d)", i, impl, n))
		return time.Duration(ms * float64(time.Millisecond)), err
	}
}

// checkHTML5 compares spice-html5's output for case i with the codec's
// golden PNG, colour only: spice-html5 handles alpha its own way (QUIC
// RGBA inverted, LZ bottom-up alpha unflipped, BITMAP RGBA alpha from the
// blue byte), which is not what is being timed. It returns a note for the
// table: empty when the colours are exact.
func checkHTML5(b *testing.B, br *Browser, i int, root string, f *bench.Fixture) string {
	type imageData struct {
		W    int    `json:"w"`
		H    int    `json:"h"`
		Data string `json:"data"`
	}
	got := Eval[imageData](br, fmt.Sprintf("window.bench.jsImage(%d)", i))
	pix, err := base64.StdEncoding.DecodeString(got.Data)
	if err != nil {
		b.Fatal(err)
	}
	want, err := rastertest.LoadPNG(filepath.Join(root, "wasm", "codec", f.Codec, "testdata", filepath.FromSlash(f.Parts[0].Golden)))
	if err != nil {
		b.Fatal(err)
	}
	if got.W != want.W || got.H != want.H || len(pix) != got.W*got.H*4 {
		return fmt.Sprintf("spice-html5 output %dx%d, want %dx%d", got.W, got.H, want.W, want.H)
	}
	bad := 0
	for y := range want.H {
		row := want.Row(y)
		for x := 0; x < want.W*4; x += 4 {
			o := y*want.W*4 + x
			if pix[o] != row[x] || pix[o+1] != row[x+1] || pix[o+2] != row[x+2] {
				bad++
			}
		}
	}
	if bad > 0 {
		return fmt.Sprintf("spice-html5 colours wrong in %d of %d pixels", bad, want.W*want.H)
	}
	return ""
}

// chromiumVersion is the browser's product string, for the record.
func chromiumVersion(br *Browser) string {
	v, err := EvalErr[string](context.Background(), br, "navigator.userAgent.match(/Chrome\\/[0-9.]+/)?.[0] ?? navigator.userAgent")
	if err != nil {
		return "?"
	}
	return v
}

// loadPointer is where the X pointer waits during BenchmarkPageLoad; the
// probes leave a box around it out (Xspice may paint the pointer into what
// it sends, xwd never shows it).
var loadPointer = image.Pt(1000, 740)

// BenchmarkPageLoad opens our client and spice-html5, each served by
// Debian's websockify against the same Xspice, alternately
// SPICEWEB_BENCH_RUNS times (default 5), each first visit in a browser
// with a fresh profile (nothing cached, nothing compiled) and then a
// repeat visit in the same profile, and reports, from navigation start,
// when the screen canvas first shows the whole desktop, and the bytes each
// page downloads.
func BenchmarkPageLoad(b *testing.B) {
	Require(b, append(append(append(append([]Tool{}, xspiceTools...), xclientTools...), wsTools...), ToolChromium, ToolSpiceHTML5)...)
	runs := benchRuns(b, 5)
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	probe, err := os.ReadFile(filepath.Join(root, "bench", "web", "pageload.js"))
	if err != nil {
		b.Fatal(err)
	}

	x := StartXspice(b, XspiceOptions{})
	x.SetRootColor("#3366cc")
	img, _ := Plasma(b, 320, 240, 3)
	x.ShowImage(img, image.Pt(40, 30))
	x.XTerm(XTermOptions{Text: "The quick brown fox jumps over the lazy dog 0123456789", Cols: 60, Rows: 8, At: image.Pt(420, 420)})
	x.MouseMove(loadPointer)
	fb := stableFramebuffer(b, x)
	ignore := PointerBox(loadPointer, 24)

	// Our site as a deployment serves it: files a day old. The heuristic
	// freshness of files without Cache-Control (websockify sends only
	// Last-Modified) is a tenth of their age, so the copy the harness has
	// just built would be revalidated on the repeat visit where an
	// installed one (spice-html5's are months old) is not.
	clients := benchClients(b)
	clients[0].site = deployedCopy(b, clients[0].site, 24*time.Hour)
	for i, c := range clients {
		clients[i] = c.serve(b, x.Port)
	}
	results := make([]bench.LoadResult, len(clients))
	for i, c := range clients {
		results[i].Client = c.name
	}
	script := "(" + strings.TrimSuffix(strings.TrimSpace(string(probe)), ";") + ")(" + probeConfig(fb, ignore, clients) + ");"

	type loadTimes struct {
		Complete, LastMiss, Connected, FirstFrame float64
		Checks                                    int
		CheckMs                                   float64
	}
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	// load navigates to client c and waits for the probe's verdict. The
	// desktop was complete at the displayed frame that showed it
	// (bench.ChangeShown: the desktop stands still once complete).
	load := func(br *Browser, c *benchClient, what string) (loadTimes, error) {
		var v loadTimes
		var loadErr error
		ctx, cancel := context.WithTimeout(br.Context(), 2*actionTimeout)
		defer cancel()
		events, err := br.Trace(ctx, []string{frameDisplayedCategory}, func() error {
			br.Navigate(c.url())
			v, loadErr = EvalErr[loadTimes](ctx, br, "window.__spicewebLoad.done")
			return nil
		})
		if err != nil {
			b.Fatalf("%s, %s: %v", c.name, what, err)
		}
		if loadErr != nil {
			return v, fmt.Errorf("%s, %s: waiting for the desktop: %w", c.name, what, loadErr)
		}
		offset, _ := pageClock(b, br)
		if t, ok := refine(displayed(events), offset, v.LastMiss, v.Complete); ok {
			v.Complete = t
		} else {
			b.Logf("%s, %s: no displayed frame around the probe's last miss (%.0f ms) and its match (%.0f ms); timed at the match",
				c.name, what, v.LastMiss, v.Complete)
		}
		return v, nil
	}
	var version string
	first, repeat := make([][]float64, len(clients)), make([][]float64, len(clients)) // ms, per run
	retries := make([]int, len(clients))
	// visit makes client i's two visits of run run in a new browser.
	visit := func(i, run int) error {
		c, r := clients[i], &results[i]
		br := StartBrowser(b, BrowserOptions{AllowConsoleErrors: true})
		defer func() {
			br.Navigate("about:blank")
			br.Close()
			time.Sleep(500 * time.Millisecond) // let Xspice see the client go
		}()
		if version == "" {
			version = chromiumVersion(br)
		}
		// A new browser has start-up work of its own to finish.
		time.Sleep(time.Second)
		ctx, cancel := context.WithTimeout(br.Context(), actionTimeout)
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		v1, err := load(br, c, "first visit")
		if err != nil {
			return err
		}
		if r.Requests == 0 { // once (a retried visit may have counted already)
			// The probes said complete: the whole canvas must agree.
			WaitImagesMatch(b, c.name, 15*time.Second, CanvasSource(br, c.selector), Fixed(fb), ignore)
			pageBytes(b, br, r)
		}
		br.Navigate("about:blank")
		time.Sleep(500 * time.Millisecond) // let Xspice see the client go
		v2, err := load(br, c, "repeat visit")
		if err != nil {
			return err
		}
		r.Complete = append(r.Complete, ms(v1.Complete))
		r.Connected = append(r.Connected, ms(v1.Connected))
		r.FirstFrame = append(r.FirstFrame, ms(v1.FirstFrame))
		first[i] = append(first[i], v1.Complete)
		r.Repeat = append(r.Repeat, ms(v2.Complete))
		repeat[i] = append(repeat[i], v2.Complete)
		for _, e := range resources(br) {
			if strings.HasPrefix(e.Name, "http://") {
				r.RepeatCache.Add(e)
			}
		}
		return nil
	}
	machine := startLoadMeter(b)
	for run := range runs {
		for _, i := range inOrder(len(clients), run) {
			for try := 0; ; try++ {
				err := visit(i, run)
				if err == nil {
					break
				}
				if try == linkRetries {
					b.Fatalf("run %d: %v (after %d retries)", run+1, err, linkRetries)
				}
				retries[i]++
				b.Logf("run %d: %v; trying again in a new browser", run+1, err)
			}
		}
	}
	firstRatio := bench.MedianFloat(bench.PerRunRatios(first[0], first[1]))
	repeatRatio := bench.MedianFloat(bench.PerRunRatios(repeat[0], repeat[1]))
	fmt.Printf("\nPage load through websockify against Xspice 1024x768, %d runs each; first visit with a fresh browser profile, "+
		"repeat visit in the same profile (cached/304/fetched: the repeat visits' files, all runs); our site's files "+
		"dated a day back, as deployed; times from navigation start, median (min-max); spiceweb/spice-html5 per run, "+
		"median: first visit %.2fx, repeat visit %.2fx; %s; %v:\n%s"+
		"goals for spiceweb (issue 6): first visit <= 0.5x spice-html5's; repeat visit <= 250 ms\n\n",
		runs, firstRatio, repeatRatio, version, machine, bench.LoadTable(results)+retryReport(names(clients), retries))
	b.ReportMetric(float64(bench.Median(results[0].Complete).Milliseconds()), "spiceweb-ms")
	b.ReportMetric(float64(bench.Median(results[1].Complete).Milliseconds()), "html5-ms")
	b.ReportMetric(float64(bench.Median(results[0].Repeat).Milliseconds()), "spiceweb-repeat-ms")
	b.ReportMetric(float64(bench.Median(results[1].Repeat).Milliseconds()), "html5-repeat-ms")
}

// stableFramebuffer waits until two grabs of the X screen 300 ms apart
// are equal (the X clients have finished drawing) and returns it.
func stableFramebuffer(b *testing.B, x *Xspice) *raster.Image {
	b.Helper()
	var last *raster.Image
	return WaitFramebuffer(b, x.Display, 20*time.Second, func(fb *raster.Image) error {
		prev := last
		last = fb
		if prev == nil || !DiffImages(fb, prev, nil).Equal() {
			time.Sleep(300 * time.Millisecond)
			return fmt.Errorf("the screen is still changing")
		}
		return nil
	})
}

// probeConfig is pageload.js's configuration: the framebuffer's colours
// on an 8-pixel grid outside ignore, by row.
func probeConfig(fb *raster.Image, ignore image.Rectangle, clients []*benchClient) string {
	type row struct {
		y   int
		xs  []int
		rgb []byte
	}
	var rows [][3]any
	for y := 4; y < fb.H; y += 8 {
		r := row{y: y}
		for x := 4; x < fb.W; x += 8 {
			if image.Pt(x, y).In(ignore) {
				continue
			}
			p := fb.Pix[y*fb.Stride+4*x:]
			r.xs = append(r.xs, x)
			r.rgb = append(r.rgb, p[0], p[1], p[2])
		}
		rgb := make([]int, len(r.rgb)) // JSON numbers, not base64
		for i, v := range r.rgb {
			rgb[i] = int(v)
		}
		rows = append(rows, [3]any{r.y, r.xs, rgb})
	}
	var sels []string
	for _, c := range clients {
		sels = append(sels, c.selector)
	}
	cfg, _ := json.Marshal(map[string]any{"w": fb.W, "h": fb.H, "selectors": sels, "rows": rows})
	return string(cfg)
}

// deployedCopy copies the site in dir to a new directory and dates its
// files age ago.
func deployedCopy(b *testing.B, dir string, age time.Duration) string {
	b.Helper()
	dst := filepath.Join(b.TempDir(), "site")
	if err := os.CopyFS(dst, os.DirFS(dir)); err != nil {
		b.Fatal(err)
	}
	then := time.Now().Add(-age)
	err := filepath.WalkDir(dst, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(path, then, then)
	})
	if err != nil {
		b.Fatal(err)
	}
	return dst
}

// resources is the page's Resource Timing, the navigation entry included.
func resources(br *Browser) []bench.Resource {
	return Eval[[]bench.Resource](br, `performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
		.map(e => ({name: e.name, initiatorType: e.initiatorType, transferSize: e.transferSize,
			encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize}))`)
}

// pageBytes fills r's request count and sizes from the page's Resource
// Timing entries, fetching each file again to size it raw and gzipped.
func pageBytes(b *testing.B, br *Browser, r *bench.LoadResult) {
	b.Helper()
	var names []string
	for _, e := range resources(br) {
		if !strings.HasPrefix(e.Name, "http://") {
			continue
		}
		resp, err := http.Get(e.Name)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatalf("%s: %v", e.Name, err)
		}
		if resp.StatusCode != http.StatusOK {
			// spice-html5 has no icon; Chromium asks for /favicon.ico.
			b.Logf("%s: %s, not counted", e.Name, resp.Status)
			continue
		}
		s, err := bench.Sizes(body)
		if err != nil {
			b.Fatalf("%s: %v", e.Name, err)
		}
		r.Requests++
		r.Transfer += int64(e.TransferSize)
		r.Bytes.Served += s.Served
		r.Bytes.Raw += s.Raw
		r.Bytes.Gzip += s.Gzip
		name, _, _ := strings.Cut(e.Name[strings.LastIndex(e.Name, "/")+1:], "?")
		names = append(names, fmt.Sprintf("%s (%s, %d B)", name, e.Initiator, s.Served))
	}
	b.Logf("%s fetched %d files: %s", r.Client, len(names), strings.Join(names, ", "))
}
