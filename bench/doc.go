// Package bench measures the image decoders of wasm/codec on their recorded
// fixtures, the same way natively and in the browser, and holds the
// figures and tables of the browser benchmarks in e2e: page load
// (pageload.go) and the console side by side with spice-html5
// (console.go: frames shown, per-run ratios).
//
// A Fixture is one testdata case of one codec (a GLZ fixture is a whole
// recorded sequence sharing one window); Load reads them all from the
// codec packages' testdata directories. NewCase turns a Fixture into a
// Case whose Decode runs exactly what a display channel runs for it, with
// a warm decoder and a reused destination image. The same Case code is
// compiled natively (e2e/bench_test.go, BenchmarkDecode here) and to
// WebAssembly (bench/wasm), so the two figures differ only by the
// compiler target.
//
// Measure is the timing protocol shared by every implementation: grow the
// iteration count until one measurement takes at least MinDuration, then
// repeat it and take the median. The browser harness (bench/web) only
// times batches of iterations; the Go driver in e2e/bench_test.go decides
// how many, with this package's Calibrate, for native Go, Go compiled to
// wasm and spice-html5's JavaScript alike.
//
// How to run (from the repository root):
//
//	go test ./bench -run '^$' -bench Decode       native, every fixture
//	go test ./e2e -run '^$' -bench BrowserDecode -benchtime 1x
//	                                              native vs wasm vs spice-html5 (about 2 min)
//	go test ./e2e -run '^$' -bench PageLoad -benchtime 1x
//	                                              page load, ours vs spice-html5: first visit
//	                                              with a fresh profile, repeat visit (about 1 min)
//	go test ./e2e -run '^$' -bench Console -benchtime 1x -timeout 30m
//	                                              scrolling xterm, MJPEG stream, latencies,
//	                                              ours vs spice-html5 on live Xspice (console.go)
//	go test ./e2e -run '^$' -bench BrowserMJPEG -benchtime 1x
//	                                              MJPEG frames: Go vs the browser's decoders, main
//	                                              thread and worker, secure and insecure (about 2 min)
//	GOOS=js GOARCH=wasm go test -exec "$(go env GOROOT)/lib/wasm/go_js_wasm_exec" ./bench -run '^$' -bench Decode
//	                                              wasm in Node, no browser: a quick check
//	                                              (Node's V8 is older than Chromium's)
//
// The e2e benchmarks need the Debian packages of scripts/install-deps.sh
// (chromium, spice-html5, xserver-xspice, websockify) and skip without
// them like the e2e tests do.
//
// BrowserDecode measures the fixtures recorded from real servers;
// SPICEWEB_BENCH_FILTER, a regular expression on "codec/fixture", picks
// among all of them instead, reference-encoder streams included ("." for
// every one). SPICEWEB_BENCH_PROFILE=DIR also writes, per case, a
// DevTools CPU profile of the wasm decode and a pprof profile of the
// native one into DIR and prints the wasm profile's top functions.
// SPICEWEB_BENCH_RUNS sets the number of runs per client of PageLoad and
// the console benchmarks (default 5; 3 for ConsoleVideo/640x480 and
// ConsoleLatency).
//
// BrowserMJPEG decodes the recorded MJPEG streams (MJPEGSequence,
// LoadMJPEG) frame by frame as a display channel does (MJPEGCase), with
// Go's decoder and with each browser decoder jsbridge gives the client,
// from Go compiled to wasm, so that each figure includes what the client
// pays to hand the frame to the browser and to copy the pixels back.
package bench
