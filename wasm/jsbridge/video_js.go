package jsbridge

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/session"
	"spiceweb/wasm/spice"
)

// WebCodecs' VideoDecoder as session.VideoDecoder. It exists in secure
// contexts only (https, loopback), in workers and on the page alike;
// elsewhere VideoDecoder returns nil and the session advertises MJPEG
// alone. Pictures come back into the Go surface (VideoFrame.copyTo as
// RGBA), where later draws read them.

// videoCodecStrings are the WebCodecs codec strings each SPICE codec is
// probed and configured with, cheapest to decode first. The H.264 and
// H.265 streams are Annex B with their parameter sets in band, so no
// description is given; the profiles named are the highest a SPICE
// server's encoders use (a decoder of High decodes the constrained
// baseline x264 sends too).
var videoCodecStrings = []struct {
	codec uint8
	str   string
}{
	{spice.VideoCodecVP8, "vp8"},
	{spice.VideoCodecH264, "avc1.640028"},
	{spice.VideoCodecVP9, "vp09.00.40.08"},
	{spice.VideoCodecH265, "hev1.1.6.L120.90"},
}

// videoProbeTimeout bounds the isConfigSupported probes at connect.
const videoProbeTimeout = 3 * time.Second

// videoQueue bounds the decoded VideoFrames waiting for Next: a decoder
// holds a small pool of them, and beyond this the oldest are closed (their
// frames then count as dropped).
const videoQueue = 8

type webCodecs struct {
	once   sync.Once
	codecs []uint8
}

var theWebCodecs = &webCodecs{}

// VideoDecoder returns WebCodecs as a session.VideoDecoder, or nil where
// this context has no VideoDecoder (an insecure page).
func VideoDecoder() session.VideoDecoder {
	g := js.Global()
	if g.Get("VideoDecoder").Type() != js.TypeFunction || g.Get("EncodedVideoChunk").Type() != js.TypeFunction {
		return nil
	}
	return theWebCodecs
}

func (w *webCodecs) Name() string { return "WebCodecs" }

// Codecs asks VideoDecoder.isConfigSupported for each codec, once per
// page, from the session's goroutine.
func (w *webCodecs) Codecs() []uint8 {
	w.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), videoProbeTimeout)
		defer cancel()
		vd := js.Global().Get("VideoDecoder")
		for _, c := range videoCodecStrings {
			ok, err := func() (ok bool, err error) {
				defer func() {
					if r := recover(); r != nil {
						err = errors.New(errfmt.Value(r))
					}
				}()
				res, err := awaitCtx(ctx, vd.Call("isConfigSupported", videoConfig(c.str)))
				if err != nil {
					return false, err
				}
				return res.Get("supported").Truthy(), nil
			}()
			if err == nil && ok {
				w.codecs = append(w.codecs, c.codec)
			}
		}
	})
	return w.codecs
}

func videoConfig(codec string) map[string]any {
	// optimizeForLatency: a picture per chunk, as soon as it is decoded;
	// without it H.264 decoders may hold pictures back for reordering,
	// and the display waits for them before any later draw.
	return map[string]any{"codec": codec, "optimizeForLatency": true}
}

func (w *webCodecs) Open(codec uint8, width, height int) (session.VideoStream, error) {
	str := ""
	for _, c := range videoCodecStrings {
		if c.codec == codec {
			str = c.str
		}
	}
	if str == "" {
		return nil, errors.New("WebCodecs: no codec string for codec " + errfmt.Int(codec))
	}
	s := &webStream{out: make(chan webOutput, videoQueue), closed: make(chan struct{})}
	s.output = js.FuncOf(func(_ js.Value, a []js.Value) any {
		frame := arg(a, 0)
		select {
		case s.out <- webOutput{frame: frame}:
		default:
			closeValue(frame) // Next is far behind; this picture is dropped
		}
		return nil
	})
	s.errorFn = js.FuncOf(func(_ js.Value, a []js.Value) any {
		s.fail(errors.New("WebCodecs: " + jsString(arg(a, 0))))
		return nil
	})
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = errors.New("WebCodecs: " + errfmt.Value(r))
			}
		}()
		s.dec = js.Global().Get("VideoDecoder").New(map[string]any{"output": s.output, "error": s.errorFn})
		s.dec.Call("configure", videoConfig(str))
		return nil
	}()
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

type webOutput struct {
	frame js.Value
	err   error
}

// webStream is one stream's VideoDecoder.
type webStream struct {
	dec             js.Value
	output, errorFn js.Func
	out             chan webOutput
	closed          chan struct{}
	closeOnce       sync.Once
	failOnce        sync.Once
	input, rgba     js.Value // reused Uint8Arrays
}

func (s *webStream) fail(err error) {
	s.failOnce.Do(func() {
		go func() { // never block the event loop
			select {
			case s.out <- webOutput{err: err}:
			case <-s.closed:
			}
		}()
	})
}

// Decode implements session.VideoStream. The chunk's timestamp carries
// seq, so that each picture names its frame.
func (s *webStream) Decode(data []byte, key bool, seq int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("WebCodecs: " + errfmt.Value(r))
		}
	}()
	n := len(data)
	if s.input.IsUndefined() || s.input.Length() < n {
		s.input = js.Global().Get("Uint8Array").New(n + n/4)
	}
	src := s.input.Call("subarray", 0, n)
	js.CopyBytesToJS(src, data)
	typ := "delta"
	if key {
		typ = "key"
	}
	// The chunk copies src.
	chunk := js.Global().Get("EncodedVideoChunk").New(map[string]any{"type": typ, "timestamp": seq, "data": src})
	s.dec.Call("decode", chunk)
	return nil
}

// Next implements session.VideoStream.
func (s *webStream) Next(ctx context.Context, dst *raster.Image) (int64, error) {
	var o webOutput
	select {
	case o = <-s.out:
	case <-s.closed:
		return 0, errors.New("WebCodecs: stream closed")
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if o.err != nil {
		return 0, o.err
	}
	defer closeValue(o.frame)
	return s.read(ctx, o.frame, dst)
}

func (s *webStream) read(ctx context.Context, frame js.Value, dst *raster.Image) (seq int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("WebCodecs: " + errfmt.Value(r))
		}
	}()
	seq = int64(frame.Get("timestamp").Float())
	vr := frame.Get("visibleRect")
	w, h := vr.Get("width").Int(), vr.Get("height").Int()
	if err := dst.Resize(w, h); err != nil {
		return 0, errfmt.Wrap("WebCodecs", err)
	}
	n := w * h * 4
	if s.rgba.IsUndefined() || s.rgba.Length() < n {
		s.rgba = js.Global().Get("Uint8Array").New(n)
	}
	buf := s.rgba.Call("subarray", 0, n)
	opts := map[string]any{"format": "RGBA", "layout": []any{map[string]any{"offset": 0, "stride": w * 4}}}
	if _, err := awaitCtx(ctx, frame.Call("copyTo", buf, opts)); err != nil {
		return 0, err
	}
	js.CopyBytesToGo(dst.Pix[:n], buf)
	return seq, nil
}

// Close implements session.VideoStream.
func (s *webStream) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		func() {
			defer func() { _ = recover() }()
			if s.dec.Truthy() && s.dec.Get("state").String() != "closed" {
				s.dec.Call("close")
			}
		}()
		// Pictures still queued are released; the callbacks go once the
		// decoder cannot call them.
		for {
			select {
			case o := <-s.out:
				closeValue(o.frame)
			default:
				s.output.Release()
				s.errorFn.Release()
				return
			}
		}
	})
}

// awaitCtx waits on the calling goroutine (never the event loop) for a
// promise, or for ctx.
func awaitCtx(ctx context.Context, p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var then, catch js.Func
	release := func() { then.Release(); catch.Release() }
	then = js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- result{v: arg(a, 0)}
		release()
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- result{err: errors.New(jsString(arg(a, 0)))}
		release()
		return nil
	})
	p.Call("then", then, catch)
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Value{}, ctx.Err()
	}
}

// videoCodecsOption reads ConnectOptions.videoCodecs, "h264,vp8": names
// it does not know are skipped.
func videoCodecsOption(v js.Value) []uint8 {
	if v.Type() != js.TypeString {
		return nil
	}
	var out []uint8
	for _, name := range strings.Split(v.String(), ",") {
		if k, ok := session.VideoCodecNames[strings.ToLower(strings.TrimSpace(name))]; ok {
			out = append(out, k)
		}
	}
	return out
}

// videoStats are the display's video counters for GoStats.video; the
// pending peak restarts with each call.
func videoStats(c *session.Client) map[string]any {
	v := c.VideoStats()
	lat := make([]any, len(v.PresentLatency))
	for i, n := range v.PresentLatency {
		lat[i] = n
	}
	codec := ""
	for name, k := range session.VideoCodecNames {
		if k == v.Codec && v.Streams > 0 {
			codec = name
		}
	}
	margin := make([]any, len(v.Margin))
	for i, n := range v.Margin {
		margin[i] = n
	}
	return map[string]any{
		"noPicture": v.NoPicture, "decodedLate": v.DecodedLate, "marginMs": margin,
		"marginStepMs": session.MarginStep, "marginOffset": session.MarginOffset,
		"codec": codec, "streams": v.Streams, "frames": v.Frames, "shown": v.Shown, "dropped": v.Dropped,
		"late": v.Late, "failed": v.Failed, "presented": v.Presented, "presentLatencyMs": lat,
		"pendingPeak": c.TakeVideoPeak(),
	}
}
