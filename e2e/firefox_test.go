//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spiceweb/wasm/raster"
)

// The client in Firefox ESR (Debian's firefox-esr), driven over WebDriver
// BiDi (firefox.go). Everything else in e2e runs in Chromium only; these
// tests cover what differs: OffscreenCanvas in a worker, WebCodecs,
// secure contexts, input events, and what Firefox logs.

// TestFirefoxDriver checks the driver itself on a blank page: values and
// errors of evaluations, promises, canvas reads and what the console
// collects.
func TestFirefoxDriver(t *testing.T) {
	requireFirefox(t)
	t.Parallel()
	f := StartFirefox(t, FirefoxOptions{AllowConsoleErrors: true})
	f.Navigate("about:blank")
	if got := Eval[int](f, `new Promise((r) => setTimeout(() => r(6 * 7), 10))`); got != 42 {
		t.Errorf("awaited promise: %d, want 42", got)
	}
	if got := Eval[map[string]any](f, `({a: "x", b: [1, 2]})`); fmt.Sprint(got) != "map[a:x b:[1 2]]" {
		t.Errorf("object: %v", got)
	}
	if _, err := EvalErr[int](t.Context(), f, `undefined`); !errors.Is(err, chromedp.ErrJSUndefined) {
		t.Errorf("undefined as int: %v, want ErrJSUndefined", err)
	}
	if _, err := EvalErr[int](t.Context(), f, `null`); !errors.Is(err, chromedp.ErrJSNull) {
		t.Errorf("null as int: %v, want ErrJSNull", err)
	}
	if v, err := EvalErr[[]int](t.Context(), f, `null`); err != nil || v != nil {
		t.Errorf("null as slice: %v, %v", v, err)
	}
	if _, err := EvalErr[int](t.Context(), f, `Promise.reject(new Error("nope"))`); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("rejected promise: %v, want its error", err)
	}
	Eval[bool](f, `(() => {
		const c = document.createElement("canvas");
		c.id = "c"; c.width = 3; c.height = 2;
		document.body.appendChild(c);
		const g = c.getContext("2d");
		const d = g.createImageData(3, 2);
		d.data.set([255,0,0,255, 0,255,0,255, 0,0,255,255, 1,2,3,255, 250,251,252,255, 0,0,0,255]);
		g.putImageData(d, 0, 0);
		return true;
	})()`)
	want := &raster.Image{W: 3, H: 2, Stride: 12, Pix: []byte{
		255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255,
		1, 2, 3, 255, 250, 251, 252, 255, 0, 0, 0, 255,
	}}
	got, err := f.CanvasErr(t.Context(), "#c")
	if err != nil {
		t.Fatal(err)
	}
	CompareImages(t, "canvas", got, want)

	Eval[bool](f, `(console.info("firefox-driver info"), console.error("firefox-driver error"),
		setTimeout(() => { throw new Error("firefox-driver uncaught"); }), true)`)
	err = waitUntil(t.Context(), 10*time.Second, "the console messages", nil, func(ctx context.Context) error {
		var seen []string
		for _, m := range f.Console() {
			seen = append(seen, m.Type+" "+m.Text)
		}
		all := strings.Join(seen, "\n")
		for _, w := range []string{"info firefox-driver info", "error firefox-driver error", "exception Error: firefox-driver uncaught"} {
			if !strings.Contains(all, w) {
				return fmt.Errorf("no %q in:\n%s", w, all)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	if n := len(f.ConsoleErrors()); n != 2 {
		t.Errorf("%d console errors, want 2 (the error and the exception): %v", n, f.ConsoleErrors())
	}
}

// TestFirefoxConsole: behind Debian's websockify, the client in Firefox
// connects to Xspice, its canvas equals the X framebuffer, typing reaches
// an xterm, and nothing is logged as an error; once in the worker (where
// Firefox, like Chromium, runs it by default) and once on the page
// (?worker=0).
func TestFirefoxConsole(t *testing.T) {
	Require(t, clientTools...)
	requireFirefox(t)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	desktop(t, x)
	typed := filepath.Join(t.TempDir(), "typed.txt")
	// An xterm whose shell copies what is typed to a file, line by line.
	p := x.Start("xterm-cat", ToolXterm, "-title", "cat", "-geometry", "40x5+100+330", "-e", "sh", "-c", "stty -echo; cat > "+typed)
	win := &Window{ID: x.WaitWindow("cat", p), Title: "cat", Proc: p}
	rect := x.WindowRect(win)
	// X's own autorepeat would add letters when a release arrives late.
	x.Run(ToolXset, "r", "off")
	x.MouseMove(pointerAt)

	ws := StartWebsockify(t, Site(t), x.Port)
	f := StartFirefox(t, FirefoxOptions{})
	var want string
	for _, tc := range []struct{ mode, query, text string }{
		{"worker", "", "Hello from Firefox 42!"},
		{"page", "&worker=0", "And ~again~ (page)"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			// 1:1, so that page pixels are guest pixels for the click.
			openClient(t, f, ws.URL, ws.Port, "&scaling=down"+tc.query, "connected")
			wantMode(t, f, tc.mode)
			x.MouseMove(pointerAt)
			if !WaitImagesMatch(t, "firefox-"+tc.mode, 30*time.Second, CanvasSource(f, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24)) {
				return
			}
			// Without a window manager X sends keys to the window under
			// the pointer: put the guest's pointer there through the page.
			o := canvasOrigin(t, f)
			center := image.Pt((rect.Min.X+rect.Max.X)/2, (rect.Min.Y+rect.Max.Y)/2)
			if err := f.Click(float64(o.X+center.X), float64(o.Y+center.Y)); err != nil {
				t.Fatal(err)
			}
			if err := f.Focus(screen); err != nil {
				t.Fatal(err)
			}
			if err := f.TypeUS(tc.text + "\r"); err != nil {
				t.Fatal(err)
			}
			want += tc.text + "\n"
			var got []byte
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if got, _ = os.ReadFile(typed); string(got) == want {
					break
				}
			}
			if string(got) != want {
				t.Fatalf("the guest received %q, want %q", got, want)
			}
		})
	}
}
