//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall/js"
	"time"

	"spiceweb/bench"
	"spiceweb/wasm/jsbridge"
	"spiceweb/wasm/raster"
)

// The MJPEG benchmark's side of bench.wasm, driven by bench/web/mjpeg.js
// (on the main thread and in a worker alike):
//
//	mjpegLoad(descriptor JSON, [Uint8Array per frame]) -> {id, ways: [name...], width, height, frames} | {error}
//	mjpegSources(id, [Uint8Array RGBA per frame])    the pictures the frames show, for check
//	mjpegTime(id, way, n) -> Promise<ms>             n passes over the stream with way (an index into ways)
//	mjpegCheck(id, way) -> Promise<{...}>            one pass, each frame compared with Go's decode and the picture
//
// The ways are Go's decoder and the browser decoders jsbridge gives the
// client in this context, called exactly as the display channel calls
// them (bench.MJPEGCase). Decodes that wait for the browser run on a
// goroutine, so the calls return promises.

type mjpegEntry struct {
	seq     *bench.MJPEGSequence
	ways    []*bench.MJPEGCase
	sources []*raster.Image // per frame, or nil
}

func installMJPEG(api map[string]any) {
	var entries []*mjpegEntry
	// entry is the case named by a[0]; way, its way named by a[1].
	entry := func(a []js.Value) (*mjpegEntry, error) {
		if len(a) < 1 || a[0].Type() != js.TypeNumber || a[0].Int() < 0 || a[0].Int() >= len(entries) {
			return nil, fmt.Errorf("no MJPEG case")
		}
		return entries[a[0].Int()], nil
	}
	way := func(a []js.Value) (*mjpegEntry, *bench.MJPEGCase, error) {
		e, err := entry(a)
		if err != nil {
			return nil, nil, err
		}
		if len(a) < 2 || a[1].Type() != js.TypeNumber || a[1].Int() < 0 || a[1].Int() >= len(e.ways) {
			return nil, nil, fmt.Errorf("%s: no such way", e.seq.Name)
		}
		return e, e.ways[a[1].Int()], nil
	}
	api["mjpegLoad"] = js.FuncOf(func(_ js.Value, a []js.Value) any {
		if len(a) != 2 {
			return errorObject(fmt.Errorf("mjpegLoad wants (descriptor, frames)"))
		}
		var s bench.MJPEGSequence
		if err := json.Unmarshal([]byte(a[0].String()), &s); err != nil {
			return errorObject(err)
		}
		if a[1].Length() != len(s.Frames) {
			return errorObject(fmt.Errorf("%s: %d frames in the descriptor, %d arrays", s.Name, len(s.Frames), a[1].Length()))
		}
		for i := range s.Frames {
			s.Frames[i].Data = make([]byte, a[1].Index(i).Length())
			js.CopyBytesToGo(s.Frames[i].Data, a[1].Index(i))
		}
		e := &mjpegEntry{seq: &s, ways: []*bench.MJPEGCase{{Seq: &s}}}
		for _, d := range jsbridge.JPEGDecoders() {
			e.ways = append(e.ways, &bench.MJPEGCase{Seq: &s, Ext: d})
		}
		img, err := e.ways[0].Frame(context.Background(), 0)
		if err != nil {
			return errorObject(err)
		}
		s.Width, s.Height = img.W, img.H
		entries = append(entries, e)
		var names []any
		for _, w := range e.ways {
			names = append(names, w.Name())
		}
		return map[string]any{"id": len(entries) - 1, "ways": names, "width": s.Width, "height": s.Height, "frames": len(s.Frames)}
	})
	api["mjpegSources"] = js.FuncOf(func(_ js.Value, a []js.Value) any {
		e, err := entry(a)
		if err != nil {
			return err.Error()
		}
		if len(a) != 2 || a[1].Length() != len(e.seq.Frames) {
			return "mjpegSources wants (id, one RGBA array per frame)"
		}
		e.sources = make([]*raster.Image, len(e.seq.Frames))
		for i := range e.sources {
			m, err := raster.NewImage(e.seq.Width, e.seq.Height)
			if err != nil {
				return err.Error()
			}
			src := a[1].Index(i)
			if src.Length() != len(m.Pix) {
				return fmt.Sprintf("source %d: %d bytes, want %d", i, src.Length(), len(m.Pix))
			}
			js.CopyBytesToGo(m.Pix, src)
			e.sources[i] = m
		}
		return ""
	})
	api["mjpegTime"] = js.FuncOf(func(_ js.Value, a []js.Value) any {
		return promise(func() (any, error) {
			_, c, err := way(a)
			if err != nil {
				return nil, err
			}
			if len(a) != 3 || a[2].Type() != js.TypeNumber {
				return nil, fmt.Errorf("mjpegTime wants (id, way, n)")
			}
			t0 := time.Now()
			if err := c.Run(context.Background(), a[2].Int()); err != nil {
				return nil, err
			}
			return float64(time.Since(t0).Microseconds()) / 1000, nil
		})
	})
	api["mjpegCheck"] = js.FuncOf(func(_ js.Value, a []js.Value) any {
		return promise(func() (any, error) {
			e, c, err := way(a)
			if err != nil {
				return nil, err
			}
			return checkMJPEG(e, c)
		})
	})
}

// checkMJPEG decodes one pass with c and with Go and compares each frame with
// Go's decode and with its picture: means over frames of the mean absolute
// error per colour sample, maxima of the largest differences.
func checkMJPEG(e *mjpegEntry, c *bench.MJPEGCase) (map[string]any, error) {
	ref := &bench.MJPEGCase{Seq: e.seq}
	var goImg raster.Image
	var vsGo, vsSrc, goVsSrc float64
	var maxGo, maxSrc int
	for i := range e.seq.Frames {
		g, err := ref.Frame(context.Background(), i)
		if err != nil {
			return nil, err
		}
		goImg.Resize(g.W, g.H)
		copy(goImg.Pix, g.Pix)
		img, err := c.Frame(context.Background(), i)
		if err != nil {
			return nil, err
		}
		m, mx, err := bench.FrameError(img, &goImg)
		if err != nil {
			return nil, err
		}
		vsGo += m
		maxGo = max(maxGo, mx)
		if e.sources != nil {
			m, mx, err := bench.FrameError(img, e.sources[i])
			if err != nil {
				return nil, err
			}
			vsSrc += m
			maxSrc = max(maxSrc, mx)
			gm, _, _ := bench.FrameError(&goImg, e.sources[i])
			goVsSrc += gm
		}
	}
	n := float64(len(e.seq.Frames))
	out := map[string]any{"way": c.Name(), "vsGo": vsGo / n, "maxVsGo": maxGo, "sources": e.sources != nil}
	if e.sources != nil {
		out["vsSource"], out["maxVsSource"], out["goVsSource"] = vsSrc/n, maxSrc, goVsSrc/n
	}
	return out, nil
}

// promise runs f on a goroutine (it may wait for the browser, which a
// JavaScript callback must not) and settles a Promise with its outcome.
func promise(f func() (any, error)) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := f()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	// The constructor calls the executor at once; it is not needed after.
	defer executor.Release()
	return js.Global().Get("Promise").New(executor)
}
