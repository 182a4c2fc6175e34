package jsbridge

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
)

// The browser's JPEG decoders as session.JPEGDecoder: WebCodecs'
// ImageDecoder (secure contexts only) and createImageBitmap on a Blob (any
// context). Both decode off the JavaScript thread in Chromium. The pixels
// come back into the Go surface, where later draws read them, not only to
// the screen. Only APIs that exist both in a dedicated worker and on the
// main thread are used.

// jpegTimeout bounds one decode; a browser that has not answered by then
// is not going to, and the frame is decoded with Go instead. It is far
// above a decode's few milliseconds: on the 2-core test machine under a
// load average of 25, one ImageDecoder decode took more than 2 s.
const jpegTimeout = 5 * time.Second

// browserJPEG is one of the browser's decoders. The decoders live as long
// as the page and are shared by every session on it, one decode at a time.
type browserJPEG struct {
	name string
	// start begins decoding src (a Uint8Array) and returns a promise of
	// the decoded image and a value to close once it has settled (or
	// undefined). It may throw.
	start func(src js.Value) (promise, closer js.Value)
	// read brings the decoded image's pixels into dst.
	read func(d *browserJPEG, ctx context.Context, img js.Value, dst *raster.Image) error

	mu       sync.Mutex // one decode at a time
	input    js.Value   // Uint8Array for the JPEG, grown as needed
	out      js.Value   // Uint8Array the pixels are copied into, grown as needed
	canvas   js.Value   // OffscreenCanvas for canvas reads
	ctx2d    js.Value
	deadline <-chan time.Time // of the decode under way
	waited   time.Duration    // of the decode under way: time in await
	lastBusy time.Duration    // the last decode's time minus its waits

	seq     int64
	waiting atomic.Int64 // seq of the promise being waited for, 0 for none
	results chan js.Value
	settled js.Func // Promise.allSettled([seq, promise, closer]) lands here
}

var (
	jpegOnce     sync.Once
	jpegDecoders []session.JPEGDecoder
)

// JPEGDecoders returns the browser's JPEG decoders this context has, for
// session.Config.JPEGDecoders: ImageDecoder where WebCodecs exists (secure
// contexts), createImageBitmap where OffscreenCanvas has a 2D context.
//
// How each reads the pixels back was chosen by measuring variants with
// e2e BenchmarkBrowserMJPEG (Chromium 156, the recorded 320x240 and
// 640x480 Xspice streams, main thread and worker): ImageDecoder's
// VideoFrame copied out as RGBA by the browser took 3 to 5 times less per
// frame than drawing it into a canvas and reading that back, and 2 to 3
// times less than copying its I420 planes and converting them in Go. A
// browser whose VideoFrame.copyTo cannot convert to RGBA (Chromium before
// 127) fails these decodes, and the session turns ImageDecoder off after
// three. createImageBitmap alone took about half as long with its default
// options as with colorSpaceConversion and premultiplyAlpha "none", for
// the same pixels (a JPEG from the server has no colour profile and no
// alpha).
func JPEGDecoders() []session.JPEGDecoder {
	jpegOnce.Do(func() {
		g := js.Global()
		if g.Get("ImageDecoder").Type() == js.TypeFunction && g.Get("VideoFrame").Type() == js.TypeFunction {
			jpegDecoders = append(jpegDecoders, newBrowserJPEG("ImageDecoder", func(src js.Value) (js.Value, js.Value) {
				// The constructor copies data.
				dec := g.Get("ImageDecoder").New(map[string]any{"data": src, "type": "image/jpeg",
					"colorSpaceConversion": "none", "preferAnimation": false})
				return dec.Call("decode"), dec
			}, readRGBA))
		}
		if g.Get("createImageBitmap").Type() == js.TypeFunction && g.Get("Blob").Type() == js.TypeFunction && hasCanvas2D() {
			blobType := map[string]any{"type": "image/jpeg"}
			jpegDecoders = append(jpegDecoders, newBrowserJPEG("createImageBitmap", func(src js.Value) (js.Value, js.Value) {
				blob := g.Get("Blob").New([]any{src}, blobType) // copies src
				return g.Call("createImageBitmap", blob), js.Undefined()
			}, readCanvas))
		}
	})
	return jpegDecoders
}

// hasCanvas2D reports whether OffscreenCanvas gives a 2D context (Safari
// before 16.4 has OffscreenCanvas without one).
func hasCanvas2D() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	oc := js.Global().Get("OffscreenCanvas")
	if oc.Type() != js.TypeFunction {
		return false
	}
	return oc.New(1, 1).Call("getContext", "2d").Truthy()
}

func newBrowserJPEG(name string, start func(js.Value) (js.Value, js.Value),
	read func(*browserJPEG, context.Context, js.Value, *raster.Image) error) *browserJPEG {
	d := &browserJPEG{name: name, start: start, read: read, results: make(chan js.Value, 1)}
	d.settled = js.FuncOf(func(this js.Value, args []js.Value) any {
		r := args[0]
		out := r.Index(1)
		closeValue(r.Index(2).Get("value"))
		if int64(r.Index(0).Get("value").Float()) != d.waiting.Load() {
			closeResult(out) // given up on
			return nil
		}
		select {
		case d.results <- out:
		default:
			closeResult(out)
		}
		return nil
	})
	return d
}

func (d *browserJPEG) Name() string { return d.name }

// ThreadTime implements session.JPEGThreadTime: how long the last decode
// kept this thread busy, without the waits while the browser decoded
// (when this thread ran the session's other work).
func (d *browserJPEG) ThreadTime() time.Duration { return d.lastBusy }

// DecodeJPEG implements session.JPEGDecoder. It blocks the calling
// goroutine, never the JavaScript event loop, until the browser answers.
func (d *browserJPEG) DecodeJPEG(ctx context.Context, jfif []byte, dst *raster.Image) (err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	start := time.Now()
	d.waited = 0
	defer func() { d.lastBusy = time.Since(start) - d.waited }()
	// A JavaScript exception (a constructor or method that throws) arrives
	// as a panic: it is this frame's error, and Go decodes it instead.
	defer func() {
		if r := recover(); r != nil {
			err = errors.New(d.name + ": " + errfmt.Value(r))
		}
	}()
	if dst.Stride != dst.W*4 || len(dst.Pix) != dst.W*dst.H*4 {
		return errors.New("jsbridge: JPEG destination rows are not packed")
	}
	timer := time.NewTimer(jpegTimeout)
	defer timer.Stop()
	d.deadline = timer.C

	n := len(jfif)
	if d.input.IsUndefined() || d.input.Length() < n {
		d.input = js.Global().Get("Uint8Array").New(n + n/4)
	}
	src := d.input.Call("subarray", 0, n)
	js.CopyBytesToJS(src, jfif)
	promise, closer := d.start(src)
	img, err := d.await(ctx, promise, closer)
	if err != nil {
		return err
	}
	if v := img.Get("image"); v.Truthy() { // ImageDecoder's {image: VideoFrame}
		img = v
	}
	defer closeValue(img)
	w, h := imageSize(img)
	if w != dst.W || h != dst.H {
		return errors.New(d.name + ": decoded " + errfmt.Int(w) + "x" + errfmt.Int(h) + " for a " +
			errfmt.Int(dst.W) + "x" + errfmt.Int(dst.H) + " JPEG")
	}
	return d.read(d, ctx, img, dst)
}

// await waits for promise to settle and returns its value or its
// rejection as an error; closer is closed once it has settled.
func (d *browserJPEG) await(ctx context.Context, promise, closer js.Value) (js.Value, error) {
	d.seq++
	d.waiting.Store(d.seq)
	defer d.waiting.Store(0)
	js.Global().Get("Promise").Call("allSettled", []any{d.seq, promise, closer}).Call("then", d.settled)
	var out js.Value
	var err error
	waitFrom := time.Now()
	select {
	case out = <-d.results:
	case <-ctx.Done():
		err = ctx.Err()
	case <-d.deadline:
		err = errors.New(d.name + ": no answer in " + jpegTimeout.String())
	}
	d.waited += time.Since(waitFrom)
	if err != nil {
		// A result that came with the deadline must not be taken for the
		// next one's, and a late copy must not land in the next frame.
		select {
		case late := <-d.results:
			closeResult(late)
		default:
		}
		d.out = js.Undefined()
		return js.Value{}, err
	}
	if out.Get("status").String() != "fulfilled" {
		return js.Value{}, errors.New(d.name + ": " + jsString(out.Get("reason")))
	}
	return out.Get("value"), nil
}

// outBuffer returns a Uint8Array view of n bytes of the reused buffer.
func (d *browserJPEG) outBuffer(n int) js.Value {
	if d.out.IsUndefined() || d.out.Length() < n {
		d.out = js.Global().Get("Uint8Array").New(n + n/4)
	}
	return d.out.Call("subarray", 0, n)
}

// readRGBA has the browser convert a VideoFrame to RGBA into the reused
// buffer and copies that into dst.
func readRGBA(d *browserJPEG, ctx context.Context, frame js.Value, dst *raster.Image) error {
	buf := d.outBuffer(len(dst.Pix))
	opts := map[string]any{"format": "RGBA", "layout": []any{map[string]any{"offset": 0, "stride": dst.W * 4}}}
	if _, err := d.await(ctx, frame.Call("copyTo", buf, opts), js.Undefined()); err != nil {
		return err
	}
	js.CopyBytesToGo(dst.Pix, buf)
	return nil
}

// readCanvas draws the image (ImageBitmap or VideoFrame) into a reused
// opaque OffscreenCanvas meant for reading back and copies its pixels
// into dst.
func readCanvas(d *browserJPEG, ctx context.Context, img js.Value, dst *raster.Image) error {
	w, h := dst.W, dst.H
	if d.canvas.IsUndefined() {
		d.canvas = js.Global().Get("OffscreenCanvas").New(w, h)
		d.ctx2d = d.canvas.Call("getContext", "2d", map[string]any{"alpha": false, "willReadFrequently": true})
	} else if d.canvas.Get("width").Int() != w || d.canvas.Get("height").Int() != h {
		d.canvas.Set("width", w)
		d.canvas.Set("height", h)
	}
	d.ctx2d.Call("drawImage", img, 0, 0)
	js.CopyBytesToGo(dst.Pix, d.ctx2d.Call("getImageData", 0, 0, w, h).Get("data"))
	return nil
}

// imageSize is an ImageBitmap's or a VideoFrame's size.
func imageSize(img js.Value) (w, h int) {
	if dw := img.Get("displayWidth"); dw.Type() == js.TypeNumber {
		return dw.Int(), img.Get("displayHeight").Int()
	}
	return img.Get("width").Int(), img.Get("height").Int()
}

// closeResult releases what a settled promise left that nobody will
// use: a decoded image.
func closeResult(out js.Value) {
	if out.Get("status").String() != "fulfilled" {
		return
	}
	v := out.Get("value")
	if v.Type() != js.TypeObject {
		return
	}
	if img := v.Get("image"); img.Truthy() {
		v = img
	}
	closeValue(v)
}

// closeValue calls v.close() when v has one (ImageBitmap, VideoFrame,
// ImageDecoder), ignoring a throw: it is cleanup.
func closeValue(v js.Value) {
	defer func() { _ = recover() }()
	if v.Type() == js.TypeObject && v.Get("close").Type() == js.TypeFunction {
		v.Call("close")
	}
}

// jsString describes a JavaScript value (an exception) for an error.
func jsString(v js.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "unknown error"
		}
	}()
	if v.Type() == js.TypeObject {
		return v.Call("toString").String()
	}
	return v.String()
}
