//go:build linux

package e2e

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) {
	code := m.Run()
	CleanupBuilds()
	os.Exit(code)
}

// screen is the client's canvas in spice_auto.html.
const screen = "canvas.spiceweb-screen"

var clientTools = append(append(append(append([]Tool{}, xspiceTools...), xclientTools...), browserTools...), wsTools...)

// pointerAt parks the X pointer where the comparisons ignore it: Xspice may
// paint it into the images it sends while xwd never shows it.
var pointerAt = image.Pt(1000, 740)

// desktop fills an Xspice screen with lossless content: flat colour, a
// photo-like image and text.
func desktop(t *testing.T, x *Xspice) {
	x.SetRootColor("#3366cc")
	img, _ := Plasma(t, 320, 240, 3)
	x.ShowImage(img, image.Pt(40, 30))
	x.XTerm(XTermOptions{Text: "The quick brown fox jumps over the lazy dog 0123456789", Cols: 60, Rows: 8, At: image.Pt(420, 420)})
	x.MouseMove(pointerAt)
}

// openClient loads spice_auto.html from base (a proxy serving the site)
// and waits for the given page state.
func openClient(t *testing.T, b Page, base string, port int, query, state string) {
	t.Helper()
	if err := b.NavigateErr(fmt.Sprintf("%sspice_auto.html?host=127.0.0.1&port=%d%s", base, port, query)); err != nil {
		t.Fatal(err)
	}
	waitState(t, b, state)
}

// waitState fails t, not the browser's test: subtests share a browser.
func waitState(t *testing.T, b Page, state string) {
	t.Helper()
	if err := b.WaitJSErr(t.Context(), fmt.Sprintf("document.body.dataset.state === %q", state), 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

// canvasOrigin returns where the screen canvas's top-left pixel is in the
// page, checking that it is shown 1:1 so guest pixels map to page pixels.
func canvasOrigin(t *testing.T, b Page) image.Point {
	t.Helper()
	r := Eval[[]float64](b, `(() => { const c = document.querySelector("canvas.spiceweb-screen");
		const r = c.getBoundingClientRect(); return [r.left, r.top, r.width, c.width]; })()`)
	if r[2] != r[3] {
		t.Fatalf("canvas shown %v CSS pixels wide for %v guest pixels; the test needs 1:1", r[2], r[3])
	}
	return image.Pt(int(r[0]), int(r[1]))
}

// TestClientXspiceLossless: through our own proxy, with the server's
// default compression (GLZ), the canvas equals the X framebuffer.
func TestClientXspiceLossless(t *testing.T) {
	Require(t, clientTools...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	desktop(t, x)
	s := StartServe(t, x.Port)
	b := StartBrowser(t, BrowserOptions{})
	openClient(t, b, s.URL, s.Port, "", "connected")
	WaitImagesMatch(t, "xspice-serve", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
}

// TestClientInput types into an xterm and clicks into a window through the
// page, and checks what the X clients received.
func TestClientInput(t *testing.T) {
	Require(t, clientTools...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	x.SetRootColor("#204060")
	dir := t.TempDir()
	typed := filepath.Join(dir, "typed.txt")
	// An xterm whose shell copies what is typed to a file, line by line.
	p := x.Start("xterm-cat", ToolXterm, "-title", "cat", "-geometry", "40x5+100+100", "-e", "sh", "-c", "stty -echo; cat > "+typed)
	win := &Window{ID: x.WaitWindow("cat", p), Title: "cat", Proc: p}
	rect := x.WindowRect(win)

	s := StartServe(t, x.Port)
	b := StartBrowser(t, BrowserOptions{})
	// 1:1, so that page pixels are guest pixels (without an agent the
	// page's default scales the guest to fit the window).
	openClient(t, b, s.URL, s.Port, "&scaling=down", "connected")
	b.WaitJS(`document.body.dataset.state === "connected" && document.querySelector("canvas.spiceweb-screen").width > 0`, 20*time.Second)
	o := canvasOrigin(t, b)

	// X's own autorepeat would add letters whenever a key's release
	// reaches the server late (seen under CI load): keys are what the
	// page sent, not how long they were held.
	x.Run(ToolXset, "r", "off")

	// Without a window manager, X sends keys to the window under the
	// pointer: move the guest pointer there through the page first.
	center := image.Pt((rect.Min.X+rect.Max.X)/2, (rect.Min.Y+rect.Max.Y)/2)
	if err := chromedp.Do(b.Context(),
		chromedp.MouseClickXY(float64(o.X+center.X), float64(o.Y+center.Y)),
		chromedp.Focus(chromedp.CSS(screen)),
		typeUS("Hello, SPICE 42!\r"),
	); err != nil {
		t.Fatal(err)
	}
	const want = "Hello, SPICE 42!\n"
	var got []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, _ = os.ReadFile(typed)
		if string(got) == want {
			break
		}
	}
	if string(got) != want {
		t.Fatalf("the guest received %q, want %q", got, want)
	}

	// A click lands on the guest pixel under the page pixel (xev prints
	// root coordinates too).
	events := filepath.Join(dir, "xev.txt")
	xp := x.Start("xev", Tool{"sh", "/bin/sh", "dash"}, "-c", "exec xev -geometry 200x150+500+300 -name clicks -event button > "+events)
	x.WaitWindow("clicks", xp)
	if err := chromedp.Do(b.Context(), chromedp.MouseClickXY(float64(o.X+537), float64(o.Y+341))); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, _ := os.ReadFile(events)
		if strings.Contains(string(out), "ButtonRelease") {
			if !strings.Contains(string(out), "root:(537,341)") || !strings.Contains(string(out), "button 1") {
				t.Fatalf("xev saw:\n%s\nwant button 1 at root:(537,341)", out)
			}
			return
		}
	}
	out, _ := os.ReadFile(events)
	t.Fatalf("no click reached the guest; xev saw:\n%s", out)
}

// typeUS types text as a US keyboard would: chromedp's KeyEvent only sets
// a modifier flag on shifted characters, but the client forwards physical
// keys, so Shift must go down and up as a key of its own.
func typeUS(text string) chromedp.Action[chromedp.Void] {
	shift := func(typ input.DispatchKeyEventType) input.DispatchKeyEventParams {
		return input.DispatchKeyEventParams{Type: typ, Key: "Shift", Code: "ShiftLeft", WindowsVirtualKeyCode: 16, Location: 1}
	}
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range text {
			shifted := unicode.IsUpper(r) || strings.ContainsRune(`~!@#$%^&*()_+{}|:"<>?`, r)
			if shifted {
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, shift(input.DispatchKeyEventTypeRawKeyDown)); err != nil {
					return err
				}
			}
			if _, err := chromedp.KeyEvent(string(r))(ctx, t); err != nil {
				return err
			}
			if shifted {
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, shift(input.DispatchKeyEventTypeKeyUp)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// TestClientWebsockifyPassword: behind Debian's websockify, a wrong
// password ends in the password form (no retry loop), the right one
// connects, and the canvas equals the framebuffer.
func TestClientWebsockifyPassword(t *testing.T) {
	Require(t, clientTools...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{Password: "corr3ct horse"})
	desktop(t, x)
	ws := StartWebsockify(t, Site(t), x.Port)
	b := StartBrowser(t, BrowserOptions{})
	openClient(t, b, ws.URL, ws.Port, "&password=wrong&title=vm-1%20(1234)", "auth-failed")
	wantPasswordForm(t, b)
	// Enter in the field, as a user would (form.submit() would bypass the
	// page's submit handler).
	if err := chromedp.Do(b.Context(), chromedp.SendKeys(chromedp.ID("password"), x.Password+"\r")); err != nil {
		t.Fatal(err)
	}
	waitState(t, b, "connected")
	WaitImagesMatch(t, "xspice-websockify", 30*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display), PointerBox(pointerAt, 24))
}

// TestClientQEMU: QEMU's QXL firmware screen through our proxy equals its
// own screendump.
func TestClientQEMU(t *testing.T) {
	Require(t, append(append([]Tool{}, qemuTools...), browserTools...)...)
	t.Parallel()
	q := StartQEMU(t, QEMUOptions{})
	s := StartServe(t, q.Port)
	b := StartBrowser(t, BrowserOptions{})
	openClient(t, b, s.URL, s.Port, "", "connected")
	WaitImagesMatch(t, "qemu", 60*time.Second, CanvasSource(b, screen), q.ScreendumpErr)
	wantMode(t, b, "worker")

	// Once the session runs the page fetches the uncompressed module into
	// the cache; a repeat visit compiles it from there (where Chrome keeps
	// the compiled code) and shows the screen again.
	b.WaitJS(`/app\.wasm\?v=/.test(localStorage.getItem("spiceweb.cachedModule") || "")`, 30*time.Second)
	openClient(t, b, s.URL, s.Port, "", "connected")
	WaitImagesMatch(t, "qemu-repeat", 60*time.Second, CanvasSource(b, screen), q.ScreendumpErr)
	if !Eval[bool](b, `SpiceWeb.pageConsole.stats().then((s) => s.load.fromCache === true)`) {
		t.Error("the repeat visit did not compile the cached module")
	}
}

// wantPasswordForm checks, after a refused password, that the page shows
// the password form and stays refused: no reconnect loop.
func wantPasswordForm(t *testing.T, p Page) {
	t.Helper()
	if !Eval[bool](p, `!document.getElementById("password-form").hidden`) {
		t.Fatal("no password form after a refused password")
	}
	time.Sleep(1500 * time.Millisecond)
	if st := Eval[string](p, `document.body.dataset.state`); st != "auth-failed" {
		t.Fatalf("state %q after a refused password, want it to stay auth-failed", st)
	}
}

// wantMode checks where the page runs the client: "worker" (the default
// in Chromium) or "page" (?worker=0, and browsers without OffscreenCanvas).
func wantMode(t *testing.T, b Page, want string) {
	t.Helper()
	if got := Eval[string](b, `SpiceWeb.pageConsole.stats().then((s) => s ? s.mode : "no session")`); got != want {
		t.Errorf("client runs in %q, want %q", got, want)
	}
}

// TestClientQEMUPassword: QEMU with a SPICE password, the password given
// in the page URL as nova's spice-html5 setups do; the client runs on the
// page (?worker=0), as in browsers without OffscreenCanvas.
func TestClientQEMUPassword(t *testing.T) {
	Require(t, append(append(append([]Tool{}, qemuTools...), browserTools...), wsTools...)...)
	t.Parallel()
	q := StartQEMU(t, QEMUOptions{Password: "qemu-s3cret"})
	ws := StartWebsockify(t, Site(t), q.Port)
	b := StartBrowser(t, BrowserOptions{})
	openClient(t, b, ws.URL, ws.Port, "&password=qemu-s3cret&worker=0", "connected")
	WaitImagesMatch(t, "qemu-password", 60*time.Second, CanvasSource(b, screen), q.ScreendumpErr)
	wantMode(t, b, "page")
}
