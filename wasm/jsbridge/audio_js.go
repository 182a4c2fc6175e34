package jsbridge

import (
	"errors"
	"sync"
	"syscall/js"
	"time"
	"unsafe"

	"spiceweb/wasm/session"
)

// audioDevice is the session.AudioDevice of one connection: the page's
// sound, reached through SessionEvents (state) and MessagePorts (samples).
//
// Go runs in the client's worker (or on the page); AudioContext and
// getUserMedia exist only on the page. For each stream the page makes a
// MessageChannel, gives one end to its player (an AudioWorklet, or its
// main-thread fallback) or microphone worklet, and hands the other to Go
// (GoSession.audioPort). Samples then travel as transferred ArrayBuffers
// between Go and the audio thread directly, in batches of about 20 ms.
type audioDevice struct {
	events js.Value

	opusOnce sync.Once
	opus     chan bool // the probe's answer, once

	mu       sync.Mutex
	epoch    int // numbers playback streams and recordings, from 1
	playback *portOutput
	record   *portInput

	// Counters (GoStats.audio); touched from JS callbacks and channel
	// goroutines, which in wasm share one thread, but natively-minded
	// code keeps them under mu.
	batches, bytes, reports int
}

func newAudioDevice(events js.Value) *audioDevice {
	d := &audioDevice{events: events, opus: make(chan bool, 1)}
	d.probeOpus()
	return d
}

// call invokes an event callback of the page; like screen.call, a
// throwing handler must not unwind into Go.
func (d *audioDevice) call(name string, args ...any) {
	defer func() { _ = recover() }()
	if f := d.events.Get(name); f.Type() == js.TypeFunction {
		d.events.Call(name, args...)
	}
}

// probeOpus asks WebCodecs whether it decodes SPICE's Opus (48 kHz
// stereo). AudioDecoder exists only in secure contexts, where it then
// answers through a promise; elsewhere the answer is no at once.
func (d *audioDevice) probeOpus() {
	dec := js.Global().Get("AudioDecoder")
	if dec.Type() != js.TypeFunction || dec.Get("isConfigSupported").Type() != js.TypeFunction {
		d.opus <- false
		return
	}
	var then, fail js.Func
	answer := func(ok bool) {
		d.opusOnce.Do(func() { d.opus <- ok })
		then.Release()
		fail.Release()
	}
	then = js.FuncOf(func(_ js.Value, a []js.Value) any {
		answer(len(a) > 0 && a[0].Type() == js.TypeObject && a[0].Get("supported").Truthy())
		return nil
	})
	fail = js.FuncOf(func(js.Value, []js.Value) any { answer(false); return nil })
	func() {
		defer func() {
			if recover() != nil {
				answer(false)
			}
		}()
		cfg := map[string]any{"codec": "opus", "sampleRate": 48000, "numberOfChannels": 2}
		dec.Call("isConfigSupported", cfg).Call("then", then, fail)
	}()
}

// CanDecodeOpus waits (briefly: the probe started with the session) for
// the probe's answer.
func (d *audioDevice) CanDecodeOpus() bool {
	select {
	case ok := <-d.opus:
		d.opus <- ok // for the next caller
		return ok
	case <-time.After(2 * time.Second):
		return false
	}
}

func (d *audioDevice) NewOpusDecoder(rate, channels int, out func([]float32), fail func(error)) (session.AudioDecoder, error) {
	return newOpusDecoder(rate, channels, out, fail)
}

func volumes(v []uint16) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = float64(x) / 65535
	}
	return out
}

// Playback tells the page; epoch names the current stream, so the page
// knows when to make a new player.
func (d *audioDevice) Playback(s session.PlaybackState) {
	d.mu.Lock()
	epoch := 0
	if d.playback != nil {
		epoch = d.playback.epoch
	}
	d.mu.Unlock()
	d.call("playback", map[string]any{
		"linked": s.Linked, "active": s.Active, "epoch": epoch,
		"rate": s.Format.Rate, "channels": s.Format.Channels, "codec": s.Format.Codec,
		"volume": volumes(s.Volume), "mute": s.Mute, "latencyMs": s.Latency.Milliseconds(),
	})
}

func (d *audioDevice) Record(s session.RecordState) {
	d.mu.Lock()
	epoch := 0
	if d.record != nil {
		epoch = d.record.epoch
	}
	d.mu.Unlock()
	d.call("record", map[string]any{
		"linked": s.Linked, "active": s.Active, "epoch": epoch,
		"rate": s.Format.Rate, "channels": s.Format.Channels,
		"volume": volumes(s.Volume), "mute": s.Mute,
	})
}

// OpenPlayback starts a stream; the page learns of it from the Playback
// call that follows and answers with its port (setPort).
func (d *audioDevice) OpenPlayback(f session.AudioFormat, report func(session.OutputReport)) (session.AudioOutput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.epoch++
	o := &portOutput{dev: d, epoch: d.epoch, format: f, report: report}
	d.playback = o
	return o, nil
}

func (d *audioDevice) OpenRecord(f session.AudioFormat, capture func([]int16)) (session.AudioInput, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.epoch++
	in := &portInput{dev: d, epoch: d.epoch, format: f, capture: capture}
	d.record = in
	return in, nil
}

// setPort takes a port from the page (GoSession.audioPort).
func (d *audioDevice) setPort(kind string, epoch int, port js.Value) {
	d.mu.Lock()
	var err error
	switch kind {
	case "playback":
		if o := d.playback; o != nil && o.epoch == epoch {
			err = o.attach(port)
		} else {
			err = errStaleEpoch
		}
	case "record":
		if in := d.record; in != nil && in.epoch == epoch {
			err = in.attach(port)
		} else {
			err = errStaleEpoch
		}
	default:
		err = errors.New("unknown kind")
	}
	d.mu.Unlock()
	if err != nil && port.Type() == js.TypeObject {
		port.Call("close")
	}
}

var errStaleEpoch = errors.New("stream is over")

// stats are the device's counters for GoStats.audio.
func (d *audioDevice) stats(s session.AudioStats) map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	return map[string]any{
		"pushed": s.Pushed, "cut": s.Cut, "repeated": s.Repeated, "discarded": s.Discarded, "stale": s.Stale,
		"batches": d.batches, "bytes": d.bytes, "underruns": s.Underruns, "reports": d.reports,
		"delayMs": s.Delay.Milliseconds(), "recordFrames": s.RecordFrames, "opusDropped": opusDropped,
		"maxReportGapMs": s.MaxReportGap.Milliseconds(),
	}
}

// portOutput is a playback stream's output: the port to the page's player.
type portOutput struct {
	dev    *audioDevice
	epoch  int
	format session.AudioFormat
	report func(session.OutputReport)

	port      js.Value
	post      js.Value // port.postMessage, bound
	onMessage js.Func
	closed    bool
	refill    int // the playout's level, sent once the port comes
}

// attach takes the player's port. Called with dev.mu held.
func (o *portOutput) attach(port js.Value) error {
	if o.closed || !o.port.IsUndefined() || port.Type() != js.TypeObject {
		return errStaleEpoch
	}
	o.port = port
	o.post = port.Get("postMessage").Call("bind", port)
	o.onMessage = js.FuncOf(func(_ js.Value, a []js.Value) any {
		counters.callbacks++
		if len(a) > 0 {
			o.received(a[0].Get("data"))
		}
		return nil
	})
	port.Set("onmessage", o.onMessage)
	if o.refill > 0 {
		o.post.Invoke(map[string]any{"t": "refill", "n": o.refill})
	}
	return nil
}

// received handles a report from the player. Its numbers are checked:
// the page is not trusted to send sane ones.
func (o *portOutput) received(m js.Value) {
	if m.Type() != js.TypeObject || m.Get("t").String() != "report" {
		return
	}
	num := func(name string) int64 {
		v := m.Get(name)
		if v.Type() != js.TypeNumber {
			return 0
		}
		f := v.Float()
		if f != f || f < 0 || f > 1<<50 {
			return 0
		}
		return int64(f)
	}
	lat := m.Get("latency")
	var latency time.Duration
	if lat.Type() == js.TypeNumber && lat.Float() > 0 && lat.Float() < 10 {
		latency = time.Duration(lat.Float() * float64(time.Second))
	}
	r := session.OutputReport{Received: num("received"), Played: num("played"), Dropped: num("dropped"),
		Queued: int(num("queued")), Underruns: int(num("underruns")), Latency: latency}
	o.dev.mu.Lock()
	o.dev.reports++
	o.dev.mu.Unlock()
	o.report(r)
}

// Write posts one batch, its buffer transferred (not copied again).
func (o *portOutput) Write(pcm []float32) {
	if o.post.IsUndefined() || o.closed || len(pcm) == 0 {
		return
	}
	arr := js.Global().Get("Float32Array").New(len(pcm))
	bytes := js.Global().Get("Uint8Array").New(arr.Get("buffer"))
	js.CopyBytesToJS(bytes, unsafe.Slice((*byte)(unsafe.Pointer(&pcm[0])), 4*len(pcm)))
	o.post.Invoke(map[string]any{"t": "pcm", "data": arr}, []any{arr.Get("buffer")})
	counters.calls += 4
	o.dev.mu.Lock()
	o.dev.batches++
	o.dev.bytes += 4 * len(pcm)
	o.dev.mu.Unlock()
}

// Refill passes the level on, or keeps it until the port comes.
func (o *portOutput) Refill(n int) {
	o.refill = n
	if !o.post.IsUndefined() && !o.closed {
		o.post.Invoke(map[string]any{"t": "refill", "n": n})
	}
}

func (o *portOutput) Discard(n int) {
	if !o.post.IsUndefined() && !o.closed {
		o.post.Invoke(map[string]any{"t": "discard", "n": n})
	}
}

// Close tells the player the stream ended (it plays out what it holds)
// and lets go of the port.
func (o *portOutput) Close() {
	o.dev.mu.Lock()
	defer o.dev.mu.Unlock()
	if o.closed {
		return
	}
	o.closed = true
	if !o.port.IsUndefined() {
		o.post.Invoke(map[string]any{"t": "end"})
		o.port.Set("onmessage", js.Null())
		o.port.Call("close")
		o.onMessage.Release()
	}
	if o.dev.playback == o {
		o.dev.playback = nil
	}
}

// portInput is a recording: the port from the page's capture worklet.
type portInput struct {
	dev     *audioDevice
	epoch   int
	format  session.AudioFormat
	capture func([]int16)

	port      js.Value
	onMessage js.Func
	closed    bool
	buf       []int16
}

// maxCaptureBatch bounds one batch from the page: the worklet sends 20 ms.
const maxCaptureBatch = 1 << 16

// attach takes the microphone's port, or null when the microphone closed.
// Called with dev.mu held.
func (in *portInput) attach(port js.Value) error {
	in.detach()
	if in.closed || port.Type() != js.TypeObject {
		return nil
	}
	in.port = port
	in.onMessage = js.FuncOf(func(_ js.Value, a []js.Value) any {
		counters.callbacks++
		if len(a) == 0 {
			return nil
		}
		m := a[0].Get("data")
		if m.Type() != js.TypeObject || m.Get("t").String() != "pcm" {
			return nil
		}
		data := m.Get("data")
		if !data.InstanceOf(js.Global().Get("Int16Array")) {
			return nil
		}
		n := data.Length()
		if n == 0 || n > maxCaptureBatch {
			return nil
		}
		if cap(in.buf) < n {
			in.buf = make([]int16, n)
		}
		buf := in.buf[:n]
		bytes := js.Global().Get("Uint8Array").New(data.Get("buffer"), data.Get("byteOffset"), 2*n)
		js.CopyBytesToGo(unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 2*n), bytes)
		in.capture(buf)
		return nil
	})
	port.Set("onmessage", in.onMessage)
	return nil
}

func (in *portInput) detach() {
	if in.port.IsUndefined() {
		return
	}
	in.port.Set("onmessage", js.Null())
	in.port.Call("close")
	in.onMessage.Release()
	in.port = js.Undefined()
}

func (in *portInput) Close() {
	in.dev.mu.Lock()
	defer in.dev.mu.Unlock()
	in.closed = true
	in.detach()
	if in.dev.record == in {
		in.dev.record = nil
	}
}
