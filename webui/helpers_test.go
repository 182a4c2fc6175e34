//go:build !js

package webui

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

var screenshots = flag.String("screenshots", "", "directory to save the browser tests' screenshots in")

// The smallest valid WebAssembly module: magic and version, no sections.
// The fake Go runtime only needs an instance to exist.
var emptyWasm = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// chromium returns the browser to drive, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (set CHROMIUM or install the chromium package): skipping the page tests in a browser")
	return ""
}

// site serves the page as the build tool lays it out, with testdata/fake-go.js
// in place of wasm_exec.js. Paths are /<variant>[;knob=value…]/<file>; the
// knobs are fake-go.js's, the variant says how app.wasm.gz is served:
//
//	plain:   gzip bytes as a file server sends them (application/gzip)
//	decoded: gzip bytes with Content-Encoding: gzip, so the browser inflates them
//	raw:     the module itself, not compressed
//	missing: 404
//	html:    200 with an HTML page (a server's catch-all route)
func site(t *testing.T) *httptest.Server {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(emptyWasm)
	zw.Close()
	files := map[string][]byte{
		"spice_auto.html": []byte(readFile(t, "../static/spice_auto.html")),
		"app.js":          bundlePage(t),
		"wasm_exec.js":    []byte(readFile(t, "testdata/fake-go.js")),
		"frame.html": []byte(`<!doctype html><body style="margin:0;background:#ddd">` +
			`<iframe id="f" style="width:360px;height:240px;border:1px solid #888;margin:20px"` +
			` src="spice_auto.html?host=127.0.0.1&port=6082&title=tiny"></iframe></body>`),
		// A frame whose src and allow attribute come from the fragment
		// (#src=URL&allow=…), for cross-origin embedding.
		"xframe.html": []byte(`<!doctype html><body style="margin:0"><iframe id="f" style="width:780px;height:560px;border:0"></iframe>` +
			`<script>const q = new URLSearchParams(location.hash.slice(1)), f = document.getElementById("f");` +
			`if (q.get("allow")) f.allow = q.get("allow"); f.src = q.get("src");</script></body>`),
		// An embedder: app.js for the API only, no page markup.
		"embed.html": []byte(`<!doctype html><body style="margin:0">` +
			`<div id="box" style="width:640px;height:480px"></div>` +
			`<script src="wasm_exec.js"></script><script src="app.js"></script></body>`),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{variant}/{file}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		// ";knob=value" after the variant is for fake-go.js.
		variant, _, _ := strings.Cut(r.PathValue("variant"), ";")
		if name == "app.wasm.gz" {
			switch variant {
			case "plain":
				w.Header().Set("Content-Type", "application/gzip")
				w.Write(gz.Bytes())
			case "decoded":
				w.Header().Set("Content-Type", "application/wasm")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write(gz.Bytes())
			case "raw":
				w.Header().Set("Content-Type", "application/octet-stream")
				w.Write(emptyWasm)
			case "html":
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<!doctype html><title>Console</title><p>Not here")
			default:
				http.NotFound(w, r)
			}
			return
		}
		b, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
	srv := httptest.NewServer(mux) // loopback only
	t.Cleanup(srv.Close)
	return srv
}

// browser starts headless Chromium for the test and returns a context for
// one tab of an 800×600 window.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		// A name that is not loopback makes an insecure context (see insecureURL).
		chromedp.Flag("host-resolver-rules", "MAP console.test 127.0.0.1"),
		chromedp.WindowSize(800, 600),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 600)); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// tab opens a fresh tab of the browser, so scenarios share no state.
func tab(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 600)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates expr, awaiting it if it is a promise, and decodes its JSON
// value into a T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls the expression until it is truthy.
func waitFor(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		state := eval[string](t, ctx, `document.body.dataset.state + ": " + document.getElementById("status").textContent`)
		t.Fatalf("waiting for %s: %v (page: %s)", expr, err, state)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// calls returns the input calls the fake session recorded since the last
// call to calls, as JSON arrays.
func calls(t *testing.T, ctx context.Context) []string {
	t.Helper()
	raw := eval[[]json.RawMessage](t, ctx, `fakeSpice.calls.splice(0)`)
	out := make([]string, len(raw))
	for i, r := range raw {
		out[i] = string(r)
	}
	return out
}

func wantCalls(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	got := calls(t, ctx)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("calls:\n got %v\nwant %v", got, want)
	}
}

type rect struct{ Left, Top, Width, Height float64 }

func canvasRect(t *testing.T, ctx context.Context) rect {
	return eval[rect](t, ctx, `(() => { const r = SpiceWeb.pageConsole.canvas.getBoundingClientRect();
		return {Left: r.left, Top: r.top, Width: r.width, Height: r.height}; })()`)
}

// mouse sends one mouse event the way a real mouse does, with the buttons
// mask that Chromium's automation does not fill in by itself.
func mouse(typ input.DispatchMouseEventType, x, y float64, button input.MouseButton, buttons int64) chromedp.Action[chromedp.Void] {
	return chromedp.MouseEvent(typ, x, y, func(p *input.DispatchMouseEventParams) {
		p.Button = button
		p.Buttons = buttons
		if typ == chromedp.MousePressed || typ == chromedp.MouseReleased {
			p.ClickCount = 1
		}
	})
}

// wheelParams is Input.dispatchMouseEvent for a wheel: the protocol wants
// deltaX and deltaY both present, and cdproto's type omits zeros.
type wheelParams struct {
	Type   string  `json:"type"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	DeltaX float64 `json:"deltaX"`
	DeltaY float64 `json:"deltaY"`
}

func wheel(x, y, deltaY float64) chromedp.Action[chromedp.Void] {
	cmd := cdp.Command[wheelParams, cdp.Empty]{Method: input.CommandDispatchMouseEvent}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, wheelParams{Type: "mouseWheel", X: x, Y: y, DeltaY: deltaY})
		return err
	})
}

func key(typ input.DispatchKeyEventType, code, key string, vk int64, repeat bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		p := input.DispatchKeyEventParams{Type: typ, Code: code, Key: key, WindowsVirtualKeyCode: vk}
		if repeat {
			p.AutoRepeat = &repeat
		}
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p)
		return err
	})
}

func containsCall(calls []string, want string) bool {
	for _, c := range calls {
		if c == want {
			return true
		}
	}
	return false
}
