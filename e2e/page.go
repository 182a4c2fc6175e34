//go:build linux

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spiceweb/wasm/raster"
)

// Page is the one tab of a browser the helpers drive: Chromium's (Browser)
// or Firefox's (Firefox). Helpers and test bodies written against it
// (Eval, CanvasSource, openClient, wantMode, codecPrefs) serve both
// browsers; input and anything browser-specific stay on the concrete types.
type Page interface {
	// NavigateErr loads url and waits for its load event.
	NavigateErr(url string) error
	// WaitJSErr polls a JavaScript expression until it is truthy.
	WaitJSErr(ctx context.Context, expr string, timeout time.Duration) error
	// CanvasErr reads the pixels of the canvas matched by a CSS selector.
	CanvasErr(ctx context.Context, selector string) (*raster.Image, error)
	// ConsoleTexts returns the text of every console message so far.
	ConsoleTexts() []string

	// evalJSON evaluates expr in the page, awaiting a promise, and returns
	// the JSON of its value: nil for undefined.
	evalJSON(ctx context.Context, expr string) ([]byte, error)
	// tb is the test the browser was started for.
	tb() testing.TB
}

var (
	_ Page = (*Browser)(nil)
	_ Page = (*Firefox)(nil)
)

// EvalErr evaluates a JavaScript expression in the page and decodes its
// JSON value into T. A promise is awaited. ctx only adds a deadline or
// cancellation; the call always runs in p's tab. As chromedp's Evaluate,
// null or undefined is an error (chromedp.ErrJSNull, ErrJSUndefined)
// unless T can be nil, and a []byte T gets the value's JSON.
func EvalErr[T any](ctx context.Context, p Page, expr string) (T, error) {
	var v T
	raw, err := p.evalJSON(ctx, expr)
	if err != nil {
		return v, err
	}
	if b, ok := any(&v).(*[]byte); ok {
		*b = raw // the JSON itself, as chromedp.Evaluate[[]byte] gives it
		return v, nil
	}
	if raw == nil || string(raw) == "null" {
		switch reflect.TypeFor[T]().Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Chan, reflect.Func:
			raw = []byte("null")
		default:
			if raw == nil {
				return v, chromedp.ErrJSUndefined
			}
			return v, chromedp.ErrJSNull
		}
	}
	err = json.Unmarshal(raw, &v)
	return v, err
}

// Eval is EvalErr that fails the test on error.
func Eval[T any](p Page, expr string) T {
	t := p.tb()
	t.Helper()
	v, err := EvalErr[T](t.Context(), p, expr)
	if err != nil {
		t.Fatalf("e2e: eval %q: %v", expr, err)
	}
	return v
}

// waitJS is WaitJSErr for either browser.
func waitJS(ctx context.Context, p Page, expr string, timeout time.Duration) error {
	err := waitUntil(ctx, timeout, expr, nil, func(ctx context.Context) error {
		ok, err := EvalErr[bool](ctx, p, "(async () => !!(await ("+expr+")))()")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("false")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("e2e: %v", err)
	}
	return nil
}

// canvasJS reads as base64 RGBA the canvas that the JavaScript expression
// elem evaluates to (null for none); name says which canvas in errors. It
// always goes through drawImage into a 2d canvas of its own: the client's
// screen is the placeholder of a worker's OffscreenCanvas (getContext on it
// throws) and other canvases may be webgl or bitmaprenderer. getImageData
// gives unpremultiplied bytes, equal to the stored ones for an opaque
// canvas. The canvas check is by name, not instanceof HTMLCanvasElement: a
// canvas in another window (a monitor's) is an instance of that window's.
func canvasJS(elem, name string) string {
	return fmt.Sprintf(`(() => {
	const c = %s;
	if (!c) throw new Error("no element matches " + %q);
	if (c.localName !== "canvas") throw new Error(%q + " is not a canvas");
	const copy = document.createElement("canvas");
	copy.width = c.width; copy.height = c.height;
	const g = copy.getContext("2d", {willReadFrequently: true});
	g.drawImage(c, 0, 0);
	const d = g.getImageData(0, 0, c.width, c.height).data;
	let s = "";
	for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
	return {w: c.width, h: c.height, data: btoa(s)};
})()`, elem, name, name)
}

// readCanvas reads the pixels of the canvas that the JavaScript
// expression elem evaluates to (see canvasJS).
func readCanvas(ctx context.Context, p Page, elem, name string) (*raster.Image, error) {
	type canvasData struct {
		W    int    `json:"w"`
		H    int    `json:"h"`
		Data string `json:"data"`
	}
	v, err := EvalErr[canvasData](ctx, p, canvasJS(elem, name))
	if err != nil {
		return nil, fmt.Errorf("e2e: canvas %s: %w", name, err)
	}
	img := &raster.Image{}
	if err := img.Resize(v.W, v.H); err != nil {
		return nil, fmt.Errorf("e2e: canvas %s: %w", name, err)
	}
	n, err := base64.StdEncoding.Decode(img.Pix, []byte(v.Data))
	if err != nil || n != len(img.Pix) {
		return nil, fmt.Errorf("e2e: canvas %s: %d bytes of pixels for %dx%d (%v)", name, n, v.W, v.H, err)
	}
	return img, nil
}
