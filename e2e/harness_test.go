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

func pixel(m *raster.Image, p image.Point) [4]byte {
	var c [4]byte
	copy(c[:], m.Row(p.Y)[p.X*4:])
	return c
}
