//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// Window is a top-level X window an X client of the harness mapped.
type Window struct {
	ID    string // X window id, as xdotool prints it
	Title string
	Proc  *Proc // the client that owns it
}

// windowSeq makes window titles unique within the test binary, so that
// xdotool search finds exactly the window we started.
var windowSeq atomic.Int64

func uniqueTitle(prefix string) string {
	return fmt.Sprintf("%s-%d", prefix, windowSeq.Add(1))
}

// Run runs an X client to completion against this display and returns its
// stdout, failing the test on error or after a timeout.
func (x *Xspice) Run(tool Tool, args ...string) string {
	x.t.Helper()
	Require(x.t, tool)
	out, err := runCmd(x.t.Context(), x.Env(), tool.Path, args...)
	if err != nil {
		x.t.Fatalf("e2e: %v", err)
	}
	return string(out)
}

// Start starts a long-running X client against this display. It is
// stopped when the test ends, before the X server.
func (x *Xspice) Start(name string, tool Tool, args ...string) *Proc {
	x.t.Helper()
	Require(x.t, tool)
	p, err := startProc(x.t, procSpec{name: name, path: tool.Path, args: args, env: x.Env()})
	if err != nil {
		x.t.Fatalf("e2e: %v", err)
	}
	return p
}

// SetRootColor paints the root window one colour (xsetroot -solid), for
// example "#3366cc".
func (x *Xspice) SetRootColor(color string) {
	x.t.Helper()
	x.Run(ToolXsetroot, "-solid", color)
}

// Xdotool runs xdotool with args against this display.
func (x *Xspice) Xdotool(args ...string) string {
	x.t.Helper()
	return x.Run(ToolXdotool, args...)
}

// WaitWindow waits until a viewable window titled exactly title exists and
// returns its id. It fails early, with p's log, if p (the client expected
// to map the window; may be nil) exits first.
func (x *Xspice) WaitWindow(title string, p *Proc) string {
	x.t.Helper()
	Require(x.t, ToolXdotool)
	var id string
	err := waitUntil(x.t.Context(), startTimeout, "window "+title, p, func(ctx context.Context) error {
		// xdotool search exits 1 when nothing matches.
		out, err := runCmd(ctx, x.Env(), ToolXdotool.Path, "search", "--onlyvisible", "--name", "^"+regexp.QuoteMeta(title)+"$")
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			id = ids[0]
			return nil
		}
		if err == nil {
			err = errors.New("no such window yet")
		}
		return err
	})
	if err != nil {
		x.t.Fatalf("e2e: %v", err)
	}
	return id
}

// MoveWindow places w's top-left corner at p. With no window manager
// running, this is the exact position of the window's contents.
func (x *Xspice) MoveWindow(w *Window, p image.Point) {
	x.t.Helper()
	x.Xdotool("windowmove", "--sync", w.ID, strconv.Itoa(p.X), strconv.Itoa(p.Y))
}

// WindowRect returns w's position and size on the screen.
func (x *Xspice) WindowRect(w *Window) image.Rectangle {
	x.t.Helper()
	out := x.Xdotool("getwindowgeometry", "--shell", w.ID)
	v := map[string]int{}
	for _, line := range strings.Fields(out) {
		k, val, ok := strings.Cut(line, "=")
		if n, err := strconv.Atoi(val); ok && err == nil {
			v[k] = n
		}
	}
	return image.Rect(v["X"], v["Y"], v["X"]+v["WIDTH"], v["Y"]+v["HEIGHT"])
}

// MouseMove moves the X pointer to p.
func (x *Xspice) MouseMove(p image.Point) {
	x.t.Helper()
	x.Xdotool("mousemove", "--sync", strconv.Itoa(p.X), strconv.Itoa(p.Y))
}

// Focus gives w the keyboard focus (there is no window manager to do it).
func (x *Xspice) Focus(w *Window) {
	x.t.Helper()
	x.Xdotool("windowfocus", "--sync", w.ID)
}

// Type types text into the focused window.
func (x *Xspice) Type(text string) {
	x.t.Helper()
	x.Xdotool("type", "--delay", "10", text)
}

// XTermOptions configures XTerm. Zero fields get the defaults noted.
type XTermOptions struct {
	Title      string      // default "xterm-N", unique
	Text       string      // printed once; the cursor is then hidden
	Command    []string    // run instead of printing Text (xterm -e), e.g. seq 1 inf
	Font       string      // core X font, default "fixed" (built into Xorg)
	FG, BG     string      // default "black" on "white"
	Cols, Rows int         // default 40x10
	At         image.Point // top-left corner on the screen
	Resources  []string    // extra X resources (xterm -xrm), e.g. "XTerm*pointerMode: 0"
}

// XTerm starts an xterm showing opts.Text with a fixed font and no
// scrollbar, border or cursor, so that its pixels are reproducible, and
// waits until its window is mapped at opts.At. With opts.Command it runs
// that instead, with a steady (not blinking) cursor.
func (x *Xspice) XTerm(opts XTermOptions) *Window {
	x.t.Helper()
	if opts.Title == "" {
		opts.Title = uniqueTitle("xterm")
	}
	if opts.Font == "" {
		opts.Font = "fixed"
	}
	if opts.FG == "" {
		opts.FG = "black"
	}
	if opts.BG == "" {
		opts.BG = "white"
	}
	if opts.Cols == 0 || opts.Rows == 0 {
		opts.Cols, opts.Rows = 40, 10
	}
	geom := fmt.Sprintf("%dx%d+%d+%d", opts.Cols, opts.Rows, opts.At.X, opts.At.Y)
	// The shell prints the text, hides the cursor (DECTCEM) and then idles,
	// so nothing on screen changes afterwards.
	script := `printf '%s' "$1"; printf '\033[?25l'; exec sleep infinity`
	run := []string{"sh", "-c", script, "sh", opts.Text}
	if len(opts.Command) > 0 {
		run = opts.Command
	}
	args := []string{"-title", opts.Title, "-geometry", geom, "-fn", opts.Font,
		"-fg", opts.FG, "-bg", opts.BG, "-bw", "0", "+sb", "-xrm", "XTerm*cursorBlink: false"}
	for _, r := range opts.Resources {
		args = append(args, "-xrm", r)
	}
	p := x.Start("xterm", ToolXterm, append(append(args, "-e"), run...)...)
	w := &Window{ID: x.WaitWindow(opts.Title, p), Title: opts.Title, Proc: p}
	x.MoveWindow(w, opts.At)
	return w
}

// ShowImage shows the image file at path in an ImageMagick display window
// without border, at p, and waits until the window is mapped there.
func (x *Xspice) ShowImage(path string, p image.Point) *Window {
	x.t.Helper()
	title := uniqueTitle("image")
	proc := x.Start("display", ToolDisplay, "-title", title, "-borderwidth", "0", "-immutable",
		"-geometry", fmt.Sprintf("+%d+%d", p.X, p.Y), path)
	w := &Window{ID: x.WaitWindow(title, proc), Title: title, Proc: proc}
	x.MoveWindow(w, p)
	return w
}

// Plasma generates a photo-like w x h image with ImageMagick's plasma
// fractal (seeded, so each seed gives the same image), writes it as 8-bit
// RGB PNG in t.TempDir() and returns the path and its pixels (alpha 255).
func Plasma(t testing.TB, w, h int, seed int) (string, *raster.Image) {
	t.Helper()
	Require(t, ToolConvert)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("plasma-%dx%d-%d.png", w, h, seed))
	_, err := runCmd(t.Context(), nil, ToolConvert.Path, "-seed", strconv.Itoa(seed),
		"-size", fmt.Sprintf("%dx%d", w, h), "plasma:fractal", "-depth", "8", "PNG24:"+path)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	img, err := rastertest.LoadPNG(path)
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	if img.W != w || img.H != h {
		t.Fatalf("e2e: plasma image is %dx%d, want %dx%d", img.W, img.H, w, h)
	}
	return path, img
}
