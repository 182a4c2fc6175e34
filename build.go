//go:build buildtool

// Command build builds the browser client into dist/. Run it from the
// repository root:
//
//	go run build.go                    build dist/ (minified)
//	go run build.go -dev               readable app.js with a source map
//	go run build.go -check             type-check webui/ with tsc (after: cd webui && npm ci)
//	go run build.go serve              build, then serve dist/ with serve's built-in demo (a recording)
//	go run build.go serve -target 127.0.0.1:5900 [serve flags]
//	                                   build, then serve dist/ and proxy to the SPICE server
//
// dist/ then holds app.wasm.gz (the Go client, gzip-compressed; the page
// inflates it itself, so any static server works), wasm_exec.js (Go's
// loader), app.js (webui/src bundled by esbuild) and the files of static/.
//
// The buildtool constraint keeps this file out of the module's packages
// while go mod tidy still keeps its imports (golang/go#29598 drops those
// of "ignore"-tagged files); go run ignores constraints of files named on
// its command line.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/evanw/esbuild/pkg/api"

	"spiceweb/tools/wasmfile"
)

type options struct {
	out       string
	dev       bool
	sourcemap bool
}

func main() {
	var o options
	check := flag.Bool("check", false, "only type-check webui/ with webui/node_modules/.bin/tsc (skipped if not installed)")
	flag.StringVar(&o.out, "o", "dist", "output `directory`")
	flag.BoolVar(&o.dev, "dev", false, "do not minify app.js; implies -sourcemap")
	flag.BoolVar(&o.sourcemap, "sourcemap", false, "write app.js.map")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go run build.go [flags]\n       go run build.go [flags] serve [-target host:port] [serve flags]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	o.sourcemap = o.sourcemap || o.dev

	if _, err := os.Stat("go.mod"); err != nil {
		fail(errors.New("run me from the repository root (where go.mod is)"))
	}
	switch {
	case *check:
		if flag.NArg() > 0 {
			flag.Usage()
			os.Exit(2)
		}
		if err := typecheck(); err != nil {
			fail(err)
		}
	case flag.NArg() == 0:
		if err := build(o); err != nil {
			fail(err)
		}
	case flag.Arg(0) == "serve":
		if err := build(o); err != nil {
			fail(err)
		}
		os.Exit(serve(o.out, flag.Args()[1:]))
	default:
		flag.Usage()
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "build: %v\n", err)
	os.Exit(1)
}

func build(o options) error {
	start := time.Now()
	// Report every missing input at once rather than one per run.
	var missing []string
	for _, f := range []string{"wasm/main.go (the Go client's main package)", "webui/src/main.ts (the page's entry point)"} {
		if _, err := os.Stat(strings.Fields(f)[0]); err != nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, " and "))
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	raw, gz, version, err := buildWasm(o)
	if err != nil {
		return err
	}
	execJS, err := copyWasmExec(o.out)
	if err != nil {
		return err
	}
	appJS, err := bundle(o, version)
	if err != nil {
		return err
	}
	nstatic, err := copyStatic("static", o.out)
	if err != nil {
		return err
	}
	fmt.Printf("%s: app.wasm.gz %s (app.wasm %s, %.0f%%), app.js %s, wasm_exec.js %s, static files %d; %.1fs\n",
		o.out, size(gz), size(raw), 100*float64(gz)/float64(raw), size(appJS), size(execJS), nstatic,
		time.Since(start).Seconds())
	return nil
}

// buildWasm compiles ./wasm and writes it twice: gzipped, what a first
// visit downloads (browsers inflate it with DecompressionStream, so no
// server needs to know about Content-Encoding), and as it is, which the
// page fetches into the HTTP cache once a session runs: Chrome keeps the
// compiled code only for a module compiled straight from an HTTP response,
// so repeat visits start from that. version is a hash of the module, which
// the page puts in the uncompressed module's URL.
func buildWasm(o options) (raw, gz int, version string, err error) {
	wasm := filepath.Join(o.out, "app.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s", "-o", wasm, "./wasm")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, "", fmt.Errorf("GOOS=js GOARCH=wasm go build ./wasm failed (output above): %v", err)
	}
	b, err := os.ReadFile(wasm)
	if err != nil {
		return 0, 0, "", err
	}
	// Go's linker splits the initial memory into ~45,000 data segments
	// around runs of zeros; their headers gzip worse than the zeros.
	// Merging segments less than 4 KiB apart gives the same memory and
	// a gzipped module ~75 KB (7%) smaller, for ~450 KB more raw bytes
	// (tools/wasmfile).
	if b, err = wasmfile.PackData(b, 4096); err != nil {
		return 0, 0, "", fmt.Errorf("packing the data segments of %s: %v", wasm, err)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, 0, "", err
	}
	zw.Write(b) // writes to a bytes.Buffer cannot fail
	if err := zw.Close(); err != nil {
		return 0, 0, "", err
	}
	if err := writeFile(wasm+".gz", buf.Bytes()); err != nil {
		return 0, 0, "", err
	}
	if err := writeFile(wasm, b); err != nil { // the packed module, as served
		return 0, 0, "", err
	}
	sum := sha256.Sum256(b)
	return len(b), buf.Len(), hex.EncodeToString(sum[:8]), nil
}

// copyWasmExec copies the JS support file of the Go that builds the
// client: it must match the compiler, so it is never vendored.
func copyWasmExec(out string) (int, error) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return 0, fmt.Errorf("go env GOROOT: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return 0, err
	}
	return len(b), writeFile(filepath.Join(out, "wasm_exec.js"), b)
}

// bundle builds webui/src/main.ts into one classic script (IIFE), loaded
// by a plain <script src="app.js"> after wasm_exec.js.
func bundle(o options, wasmVersion string) (int, error) {
	opts := api.BuildOptions{
		EntryPoints:       []string{"webui/src/main.ts"},
		Outfile:           filepath.Join(o.out, "app.js"),
		Bundle:            true,
		Format:            api.FormatIIFE,
		Platform:          api.PlatformBrowser,
		Target:            api.ES2020,
		MinifyWhitespace:  !o.dev,
		MinifyIdentifiers: !o.dev,
		MinifySyntax:      !o.dev,
		LogLevel:          api.LogLevelSilent, // messages are printed below
		// The module's version goes into the uncompressed module's URL
		// (webui/src/load.ts cachedModuleURL).
		Define: map[string]string{"__SPICEWEB_WASM_VERSION__": strconv.Quote(wasmVersion)},
	}
	if o.sourcemap {
		opts.Sourcemap = api.SourceMapLinked
	}
	res := api.Build(opts)
	for _, m := range api.FormatMessages(res.Warnings, api.FormatMessagesOptions{Kind: api.WarningMessage}) {
		fmt.Fprint(os.Stderr, m)
	}
	if len(res.Errors) > 0 {
		for _, m := range api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage}) {
			fmt.Fprint(os.Stderr, m)
		}
		return 0, fmt.Errorf("esbuild: %d errors bundling webui/src/main.ts", len(res.Errors))
	}
	n := 0
	for _, f := range res.OutputFiles {
		if err := writeFile(f.Path, f.Contents); err != nil {
			return 0, err
		}
		if filepath.Ext(f.Path) == ".js" {
			n = len(f.Contents)
		}
	}
	if !o.sourcemap {
		// A map left by an earlier -dev build would describe other code.
		os.Remove(opts.Outfile + ".map")
	}
	return n, nil
}

// copyStatic copies the files under src (dot files excluded) into out.
func copyStatic(src, out string) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != src && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		return writeFile(filepath.Join(out, rel), b)
	})
	return n, err
}

// writeFile replaces name atomically, so a server running on dist/ never
// hands out a half-written file.
func writeFile(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), ".build-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func typecheck() error {
	tsc := filepath.Join("webui", "node_modules", ".bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		fmt.Println("check: skipped, no webui/node_modules/.bin/tsc (install it with: cd webui && npm ci)")
		return nil
	}
	cmd := exec.Command(tsc, "--noEmit", "-p", "webui")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("tsc --noEmit -p webui: %v", err)
	}
	fmt.Println("check: webui type-checks")
	return nil
}

// serve runs the server (./serve) on the built site and returns its exit
// code. It is compiled and run directly rather than through go run: go
// run does not pass SIGTERM on, which would orphan the server.
func serve(out string, args []string) int {
	tmp, err := os.MkdirTemp("", "spiceweb-serve-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	// Catch signals from here on so that an early one still lets the
	// temporary directory go; one that comes before the server starts is
	// passed on to it once it does.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	bin := filepath.Join(tmp, "serve")
	gobuild := exec.Command("go", "build", "-o", bin, "./serve")
	gobuild.Stdout, gobuild.Stderr = os.Stderr, os.Stderr
	if err := gobuild.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build: go build ./serve: %v\n", err)
		return 1
	}
	// -web comes first so that one given in args wins.
	cmd := exec.Command(bin, append([]string{"-web", out}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n", err)
		return 1
	}
	// A terminal's Ctrl-C reaches the server directly too; it shuts down
	// on the first signal and ignores the duplicate.
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: serve: %v\n", err)
		return 1
	}
	return 0
}
