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

// Pictures leave the decoder as soon as it outputs them: a copier
// goroutine copies each VideoFrame into a buffer (copyTo, RGBA) and closes
// it at once. Frames wait for their mm-time for as long as the server's
// latency (400 ms with spice-server's defaults, 10 frames at 25 fps);
// holding that many VideoFrames open starves a decoder's frame pool (a
// hardware decoder stalls), and an earlier queue of 8 open frames dropped
// a tenth of a 25 fps VP8 stream here. The copies live in JavaScript
// buffers, reused, not in Go's heap, which never shrinks.
const (
	// videoFramesQueued bounds VideoFrames output and not yet copied.
	videoFramesQueued = 16
	// videoHeldBytes bounds the copies waiting for Next (a 640x480
	// picture is 1.2 MB, 1920x1080 8.3 MB); past it pictures are dropped
	// (their frames count as without a picture), unless fewer than
	// videoHeldMin wait.
	videoHeldBytes = 96 << 20
	videoHeldMin   = 4
	// videoFreeBuffers is how many spent buffers are kept for reuse.
	videoFreeBuffers = 3
	// videoQueue bounds the copies waiting for Next; the session hands a
	// decoder at most 32 frames at once (session.videoMaxPending).
	videoQueue = 40
)

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
	s := &webStream{frames: make(chan js.Value, videoFramesQueued), out: make(chan webOutput, videoQueue), closed: make(chan struct{})}
	s.output = js.FuncOf(func(_ js.Value, a []js.Value) any {
		frame := arg(a, 0)
		select {
		case s.frames <- frame:
		default:
			// The copier is far behind; this picture is dropped.
			s.lost(int64(frame.Get("timestamp").Float()))
			closeValue(frame)
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
	go s.copier()
	return s, nil
}

// webOutput is a picture copied out of its VideoFrame, or word that the
// frames up to seq give none (noPicture), or the decoder's error.
type webOutput struct {
	seq       int64
	w, h      int
	buf       js.Value // Uint8Array, at least w*h*4 long
	noPicture bool
	err       error
}

// webStream is one stream's VideoDecoder.
type webStream struct {
	dec             js.Value
	output, errorFn js.Func
	frames          chan js.Value // output VideoFrames, to the copier
	out             chan webOutput
	closed          chan struct{}
	closeOnce       sync.Once
	failOnce        sync.Once
	input           js.Value // reused Uint8Array

	mu   sync.Mutex
	held int        // bytes of the pictures in out
	free []js.Value // spent picture buffers
	// lostSeq is the latest frame whose picture was dropped, told to
	// Next once the copier has nothing after it to send (the session
	// must not wait for it); sentSeq the latest frame told.
	lostSeq, sentSeq int64
}

// lost notes that the picture of frame seq was dropped.
func (s *webStream) lost(seq int64) {
	s.mu.Lock()
	s.lostSeq = max(s.lostSeq, seq)
	s.mu.Unlock()
}

// unsentLoss returns the latest dropped picture's frame not yet told.
func (s *webStream) unsentLoss() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lostSeq > s.sentSeq {
		s.sentSeq = s.lostSeq
		return s.lostSeq, true
	}
	return 0, false
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
	if o.noPicture {
		return o.seq, session.ErrNoPicture
	}
	n := o.w * o.h * 4
	defer s.release(o.buf, n)
	if err := dst.Resize(o.w, o.h); err != nil {
		return 0, errfmt.Wrap("WebCodecs", err)
	}
	js.CopyBytesToGo(dst.Pix[:n], o.buf.Call("subarray", 0, n))
	return o.seq, nil
}

// release gives a picture's buffer back once Next copied it.
func (s *webStream) release(buf js.Value, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held -= n
	if len(s.free) < videoFreeBuffers {
		s.free = append(s.free, buf)
	}
}

// copier copies each VideoFrame the decoder outputs into a buffer for
// Next, in order, and closes it.
func (s *webStream) copier() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-s.closed
		cancel()
	}()
	send := func(o webOutput) bool {
		select {
		case s.out <- o:
			return true
		case <-s.closed:
			return false
		}
	}
	for {
		var frame js.Value
		select {
		case frame = <-s.frames:
		default:
			// Nothing to copy: a dropped picture with nothing after it
			// is said now, or a settle would wait for it.
			if seq, ok := s.unsentLoss(); ok && !send(webOutput{seq: seq, noPicture: true}) {
				return
			}
			select {
			case frame = <-s.frames:
			case <-s.closed:
				return
			}
		}
		o, ok, err := s.copyOut(ctx, frame)
		closeValue(frame)
		if err != nil {
			if ctx.Err() == nil {
				s.fail(err)
			}
			return
		}
		if !ok {
			s.lost(o.seq) // too much waits already
			continue
		}
		s.mu.Lock()
		s.sentSeq = max(s.sentSeq, o.seq)
		s.mu.Unlock()
		if !send(o) {
			return
		}
	}
}

// copyOut copies frame into a buffer; false when the pictures waiting
// already hold videoHeldBytes.
func (s *webStream) copyOut(ctx context.Context, frame js.Value) (o webOutput, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("WebCodecs: " + errfmt.Value(r))
		}
	}()
	o.seq = int64(frame.Get("timestamp").Float())
	vr := frame.Get("visibleRect")
	o.w, o.h = vr.Get("width").Int(), vr.Get("height").Int()
	if err := raster.CheckSize(o.w, o.h); err != nil {
		return o, false, errfmt.Wrap("WebCodecs", err)
	}
	n := o.w * o.h * 4
	s.mu.Lock()
	if s.held+n > videoHeldBytes && len(s.out) >= videoHeldMin {
		s.mu.Unlock()
		return o, false, nil
	}
	s.held += n
	for i, b := range s.free {
		if b.Length() >= n {
			o.buf = b
			s.free = append(s.free[:i], s.free[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	if o.buf.IsUndefined() {
		o.buf = js.Global().Get("Uint8Array").New(n)
	}
	opts := map[string]any{"format": "RGBA", "layout": []any{map[string]any{"offset": 0, "stride": o.w * 4}}}
	if _, err := awaitCtx(ctx, frame.Call("copyTo", o.buf.Call("subarray", 0, n), opts)); err != nil {
		s.mu.Lock()
		s.held -= n
		s.mu.Unlock()
		return o, false, err
	}
	return o, true, nil
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
		// Frames not copied yet are released; the callbacks go once the
		// decoder cannot call them.
		for {
			select {
			case f := <-s.frames:
				closeValue(f)
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
// peaks restart with each call.
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
	pending, gap := c.TakeVideoPeak()
	margin := make([]any, len(v.Margin))
	for i, n := range v.Margin {
		margin[i] = n
	}
	return map[string]any{
		"noPicture": v.NoPicture, "decodedLate": v.DecodedLate, "marginMs": margin,
		"marginStepMs": session.MarginStep, "marginOffset": session.MarginOffset,
		"codec": codec, "streams": v.Streams, "frames": v.Frames, "shown": v.Shown, "dropped": v.Dropped,
		"late": v.Late, "failed": v.Failed, "presented": v.Presented, "presentLatencyMs": lat,
		"pendingPeak": pending, "gapPeakMs": gap,
	}
}
