// Package jsbridge is the only package that touches syscall/js: the
// websockets the page hands over, the canvas presenter, and the API object
// the page calls (described in webui/src/goapi.ts). It runs wherever the
// page starts the module: in a dedicated Worker drawing into an
// OffscreenCanvas, or on the page itself.
package jsbridge

import (
	"context"
	"image"
	"io"
	"syscall/js"

	"spiceweb/wasm/input"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/session"
	"spiceweb/wasm/spice"
)

// Version is shown by the page; build.go may set it with -ldflags -X.
var Version = "dev"

// Install sets globalThis.spicewebGo. The functions it holds live as long
// as the module, so they are never released.
func Install() {
	api := js.Global().Get("Object").New()
	api.Set("version", Version)
	api.Set("keyCodes", js.FuncOf(func(js.Value, []js.Value) any {
		codes := input.Codes()
		out := make([]any, len(codes))
		for i, c := range codes {
			out[i] = c
		}
		return js.ValueOf(out)
	}))
	api.Set("connect", js.FuncOf(safe(func(this js.Value, args []js.Value) any {
		if len(args) < 2 || args[0].Type() != js.TypeObject || args[1].Type() != js.TypeObject {
			js.Global().Get("console").Call("error", "spicewebGo.connect(opts, events): two objects are required")
			return js.Null()
		}
		return connect(args[0], args[1])
	})))
	js.Global().Set("spicewebGo", api)
}

// connect starts a session and returns its handle object.
func connect(opts, events js.Value) js.Value {
	password := ""
	if p := opts.Get("password"); p.Type() == js.TypeString {
		password = p.String()
	}
	var compression spice.ImageCompression
	if c := opts.Get("compression"); c.Type() == js.TypeString {
		compression = spice.ParseImageCompression(c.String())
	}
	pool := opts.Get("sockets")
	scr := newScreen(opts.Get("canvas"), events)
	// Sound only when the page asks for it (audio_js.go); a nil
	// *audioDevice must not become a non-nil session.AudioDevice.
	var audio *audioDevice
	var audioDev session.AudioDevice
	if opts.Get("audio").Truthy() {
		audio = newAudioDevice(events)
		audioDev = audio
	}
	ctx, cancel := context.WithCancel(context.Background())
	client := session.New(session.Config{
		Audio:                audioDev,
		Password:             password,
		Sink:                 scr,
		PreferredCompression: compression,
		Random:               cryptoRandom{},
		JPEGDecoders:         JPEGDecoders(), // MJPEG frames: the browser's decoders too (jpeg_js.go)
		VideoDecoder:         VideoDecoder(), // VP8, VP9, H.264, H.265 through WebCodecs (video_js.go)
		VideoCodecs:          videoCodecsOption(opts.Get("videoCodecs")),
		Dial: func(ctx context.Context) (io.ReadWriteCloser, error) {
			return dialSocket(ctx, pool)
		},
		Prepare: func(n int) { pool.Call("prepare", n) },
	})
	scr.client = client
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		_ = client.Run(ctx) // the outcome reaches the page through Sink.State
	}()

	h := js.Global().Get("Object").New()
	var fns []js.Func
	var names []string
	method := func(name string, f func(args []js.Value) any) {
		fn := js.FuncOf(safe(func(this js.Value, args []js.Value) any {
			counters.callbacks++
			return f(args)
		}))
		fns = append(fns, fn)
		names = append(names, name)
		h.Set(name, fn)
	}
	method("key", func(a []js.Value) any { return client.Key(arg(a, 0).String(), arg(a, 1).Truthy()) })
	method("mousePosition", func(a []js.Value) any { client.MousePosition(argInt(a, 0), argInt(a, 1)); return nil })
	method("mouseMotion", func(a []js.Value) any { client.MouseMotion(argInt(a, 0), argInt(a, 1)); return nil })
	method("mouseButton", func(a []js.Value) any { client.MouseButton(argInt(a, 0), arg(a, 1).Truthy()); return nil })
	method("wheel", func(a []js.Value) any { client.Wheel(argInt(a, 0)); return nil })
	method("releaseAll", func(a []js.Value) any { client.ReleaseAll(); return nil })
	method("ctrlAltDel", func(a []js.Value) any { client.CtrlAltDel(); return nil })
	agentMethods(method, client) // typeText, setClipboard, setDisplaySize, sendFile, cancelFile (agent_js.go)
	// Several monitors: a monitor's window shows while this page is hidden (monitors_js.go).
	method("presentByTimer", func(a []js.Value) any { scr.presentByTimer(arg(a, 0).Truthy()); return nil })
	method("reportFrames", func(a []js.Value) any { scr.setReportFrames(arg(a, 0).Truthy()); return nil })
	method("monitorCanvas", func(a []js.Value) any {
		return scr.monitorCanvas(argInt(a, 0), image.Rect(argInt(a, 1), argInt(a, 2), argInt(a, 1)+argInt(a, 3), argInt(a, 2)+argInt(a, 4)), arg(a, 5))
	})
	method("removeMonitorCanvas", func(a []js.Value) any { scr.removeMonitorCanvas(argInt(a, 0)); return nil })
	method("disconnect", func(a []js.Value) any { cancel(); return nil })
	method("audioPort", func(a []js.Value) any {
		if audio != nil {
			audio.setPort(arg(a, 0).String(), argInt(a, 1), arg(a, 2))
		} else if p := arg(a, 2); p.Type() == js.TypeObject {
			p.Call("close")
		}
		return nil
	})
	method("stats", func(a []js.Value) any {
		st := map[string]any{
			"callbacks":      counters.callbacks,
			"calls":          counters.calls,
			"frames":         counters.frames,
			"rects":          counters.rects,
			"presentedBytes": counters.presentedBytes,
		}
		if audio != nil {
			st["audio"] = audio.stats(client.AudioStats())
		}
		st["video"] = videoStats(client)
		return st
	})
	go func() {
		<-done
		scr.end()
		// The handle is dead once the session ends: later calls hit a
		// shared no-op instead of a released function.
		for i, fn := range fns {
			h.Set(names[i], noop)
			fn.Release()
		}
	}()
	return h
}

// noop replaces a session's methods after it ends; it lives as long as the module.
var noop = js.FuncOf(func(js.Value, []js.Value) any { return nil })

// safe wraps a callback so that a panic (a JavaScript exception from a
// bad argument, or a bug) is logged instead of killing the Go program and
// with it every session of the module.
func safe(f func(js.Value, []js.Value) any) func(js.Value, []js.Value) any {
	return func(this js.Value, args []js.Value) (ret any) {
		defer func() {
			if r := recover(); r != nil {
				js.Global().Get("console").Call("error", "spiceweb: internal error:", errfmt.Value(r))
				ret = nil
			}
		}()
		return f(this, args)
	}
}

func arg(a []js.Value, i int) js.Value {
	if i < len(a) {
		return a[i]
	}
	return js.Undefined()
}

func argInt(a []js.Value, i int) int {
	v := arg(a, i)
	if v.Type() != js.TypeNumber {
		return 0
	}
	return v.Int()
}
