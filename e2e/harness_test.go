//go:build linux

package e2e

import (
	"fmt"
	"image"
	"testing"
	"time"

	"spiceweb/wasm/raster"
)

// TestHarnessXspice proves the X side of the harness: Xspice starts, X
// clients draw where we put them, and the xwd reader returns exactly the
// pixels they drew.
func TestHarnessXspice(t *testing.T) {
	Require(t, append(xspiceTools, xclientTools...)...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	x.SetRootColor("#3366cc")
	root := [4]byte{0x33, 0x66, 0xcc, 0xff}

	plasmaPath, plasma := Plasma(t, 160, 120, 7)
	at := image.Pt(300, 200)
	win := x.ShowImage(plasmaPath, at)
	if r := x.WindowRect(win); r != image.Rect(at.X, at.Y, at.X+160, at.Y+120) {
		t.Errorf("image window at %v, want %v", r, image.Rect(at.X, at.Y, at.X+160, at.Y+120))
	}
	term := x.XTerm(XTermOptions{Text: "spiceweb e2e", At: image.Pt(20, 400)})
	termRect := x.WindowRect(term)

	fb := WaitFramebuffer(t, x.Display, 20*time.Second, func(fb *raster.Image) error {
		if fb.W != x.Width || fb.H != x.Height {
			return fmt.Errorf("framebuffer %dx%d, want %dx%d", fb.W, fb.H, x.Width, x.Height)
		}
		if d := DiffImages(SubImage(fb, image.Rect(at.X, at.Y, at.X+160, at.Y+120)), plasma, nil); !d.Equal() {
			return fmt.Errorf("image window: %v", d)
		}
		return nil
	})
	for _, p := range []image.Point{{0, 0}, {x.Width - 1, 0}, {0, x.Height - 1}, {x.Width - 1, x.Height - 1}} {
		if got := pixel(fb, p); got != root {
			t.Errorf("root pixel at %v = %x, want %x", p, got, root)
		}
	}
	// The xterm shows black text on white and nothing else.
	counts := map[[4]byte]int{}
	area := SubImage(fb, termRect)
	for y := range area.H {
		for xx := range area.W {
			counts[pixel(area, image.Pt(xx, y))]++
		}
	}
	black, white := [4]byte{0, 0, 0, 255}, [4]byte{255, 255, 255, 255}
	if len(counts) != 2 || counts[black] == 0 || counts[white] < 10*counts[black] {
		t.Errorf("xterm at %v: colours %v, want mostly white with some black", termRect, counts)
	}
}

// TestHarnessQEMU proves QEMU starts with a QXL card, its SPICE port
// listens, and QMP screendump returns the firmware screen.
func TestHarnessQEMU(t *testing.T) {
	Require(t, qemuTools...)
	t.Parallel()
	q := StartQEMU(t, QEMUOptions{})
	if err := listening(t.Context(), q.Port); err != nil {
		t.Fatal(err)
	}
	img := q.Screendump()
	if img.W < 320 || img.H < 200 {
		t.Errorf("screendump %dx%d, want at least 320x200", img.W, img.H)
	}
}

// TestHarnessCanvasReader checks Browser.Canvas against pixels drawn by
// the page itself.
func TestHarnessCanvasReader(t *testing.T) {
	Require(t, browserTools...)
	t.Parallel()
	b := StartBrowser(t, BrowserOptions{})
	b.Navigate("about:blank")
	checkCanvasReader(t, b)
}

// checkCanvasReader puts six known pixels into a new canvas on p's page
// and reads them back with p.CanvasErr.
func checkCanvasReader(t *testing.T, p Page) {
	t.Helper()
	Eval[bool](p, `(() => {
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
	got, err := p.CanvasErr(t.Context(), "#c")
	if err != nil {
		t.Fatal(err)
	}
	CompareImages(t, "canvas", got, want)
}

// TestHarnessSpiceHTML5 proves the browser, proxy and server chain with
// the client we replace: spice-html5, served by websockify, shows Xspice's
// screen, which must equal the X framebuffer.
func TestHarnessSpiceHTML5(t *testing.T) {
	Require(t, append(append(append(xspiceTools, wsTools...), browserTools...), ToolSpiceHTML5, ToolXsetroot, ToolXwd)...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{})
	x.SetRootColor("#3366cc")
	ws := StartWebsockify(t, SpiceHTML5Dir, x.Port)
	b := StartBrowser(t, BrowserOptions{})
	b.Navigate(fmt.Sprintf("%sspice_auto.html?host=127.0.0.1&port=%d", ws.URL, ws.Port))
	const screen = "#spice-screen canvas"
	b.WaitJS(fmt.Sprintf("document.querySelector(%q)", screen), 20*time.Second)
	WaitImagesMatch(t, "spice-html5", 20*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display))
	img := b.Canvas(screen)
	if got := pixel(img, image.Pt(0, 0)); got != [4]byte{0x33, 0x66, 0xcc, 0xff} {
		t.Errorf("spice-html5 canvas corner %x, want the root colour 3366ccff", got)
	}
}

// TestHarnessSpiceHTML5Password runs the same chain with SPICE ticketing:
// the password reaches Xspice and spice-html5 logs in with it.
func TestHarnessSpiceHTML5Password(t *testing.T) {
	Require(t, append(append(append(xspiceTools, wsTools...), browserTools...), ToolSpiceHTML5, ToolXsetroot, ToolXwd)...)
	t.Parallel()
	x := StartXspice(t, XspiceOptions{Password: "s3cret"})
	x.SetRootColor("#cc6633")
	ws := StartWebsockify(t, SpiceHTML5Dir, x.Port)
	b := StartBrowser(t, BrowserOptions{})
	b.Navigate(fmt.Sprintf("%sspice_auto.html?host=127.0.0.1&port=%d&password=%s", ws.URL, ws.Port, x.Password))
	const screen = "#spice-screen canvas"
	b.WaitJS(fmt.Sprintf("document.querySelector(%q)", screen), 20*time.Second)
	WaitImagesMatch(t, "spice-html5", 20*time.Second, CanvasSource(b, screen), FramebufferSource(x.Display))
}
