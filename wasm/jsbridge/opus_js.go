package jsbridge

import (
	"errors"
	"syscall/js"
	"unsafe"
)

// opusDecoder decodes a playback stream's Opus packets with WebCodecs'
// AudioDecoder (secure contexts only; audioDevice.probeOpus checks). It
// is asynchronous: Decode queues a packet and the decoded frames come
// back through the output callback, in order, as AudioData, which is
// copied plane by plane into a reused Float32Array and from there into
// Go, interleaved.
//
// A packet the decoder rejects closes it (WebCodecs' rule); the error
// goes to fail, and the next packet gets a fresh decoder.
type opusDecoder struct {
	rate, channels int
	out            func([]float32)
	fail           func(error)

	dec            js.Value
	outFn, errFn   js.Func
	timestamp      float64 // µs; WebCodecs wants one, the stream has no use for it
	planes         js.Value
	planeBytes     js.Value
	pcm            []float32
	planar         []float32
	closed, broken bool
}

// maxDecodeQueue bounds packets waiting in the decoder: past it (a
// decoder that stalls) packets are dropped rather than queued. Seen on a
// loaded machine: queues of 20 (200 ms) that then drained.
const maxDecodeQueue = 50

// opusDropped counts packets dropped because the decoder was behind
// (GoStats.audio.opusDropped).
var opusDropped int

func newOpusDecoder(rate, channels int, out func([]float32), fail func(error)) (*opusDecoder, error) {
	if js.Global().Get("AudioDecoder").Type() != js.TypeFunction {
		return nil, errors.New("this browser has no AudioDecoder (WebCodecs needs a secure context)")
	}
	d := &opusDecoder{rate: rate, channels: channels, out: out, fail: fail}
	d.outFn = js.FuncOf(func(_ js.Value, a []js.Value) any {
		counters.callbacks++
		if len(a) > 0 {
			d.output(a[0])
		}
		return nil
	})
	d.errFn = js.FuncOf(func(_ js.Value, a []js.Value) any {
		counters.callbacks++
		msg := "decoding failed"
		if len(a) > 0 && a[0].Type() == js.TypeObject {
			msg = a[0].Get("message").String()
		}
		d.broken = true
		if !d.closed {
			d.fail(errors.New(msg))
		}
		return nil
	})
	if err := d.open(); err != nil {
		d.outFn.Release()
		d.errFn.Release()
		return nil, err
	}
	return d, nil
}

// open makes and configures a new AudioDecoder.
func (d *opusDecoder) open() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("AudioDecoder: " + jsErrorText(r))
		}
	}()
	d.dec = js.Global().Get("AudioDecoder").New(map[string]any{"output": d.outFn, "error": d.errFn})
	d.dec.Call("configure", map[string]any{"codec": "opus", "sampleRate": d.rate, "numberOfChannels": d.channels})
	d.broken = false
	return nil
}

// jsErrorText is the message of a recovered js.Error, or a fallback.
func jsErrorText(r any) string {
	if e, ok := r.(js.Error); ok {
		return e.Error()
	}
	return "call failed"
}

func (d *opusDecoder) Decode(packet []byte) (err error) {
	if d.closed {
		return errors.New("decoder closed")
	}
	if d.broken || d.dec.Get("state").String() == "closed" {
		if err := d.open(); err != nil {
			return err
		}
	}
	if d.dec.Get("decodeQueueSize").Int() > maxDecodeQueue {
		// The decoder is behind (its thread, or this one, was busy): a
		// late packet would only be discarded as stale by the playout.
		// Not a decoding failure.
		opusDropped++
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			d.broken = true
			err = errors.New(jsErrorText(r))
		}
	}()
	data := js.Global().Get("Uint8Array").New(len(packet))
	js.CopyBytesToJS(data, packet)
	chunk := js.Global().Get("EncodedAudioChunk").New(map[string]any{"type": "key", "timestamp": d.timestamp, "data": data})
	d.timestamp += 10000 // spice-server's packets are 10 ms
	d.dec.Call("decode", chunk)
	counters.calls += 4
	return nil
}

// output copies one AudioData into Go, interleaved, and hands it on.
func (d *opusDecoder) output(ad js.Value) {
	defer ad.Call("close")
	if d.closed {
		return
	}
	frames := ad.Get("numberOfFrames").Int()
	chans := min(ad.Get("numberOfChannels").Int(), d.channels)
	if frames <= 0 || chans <= 0 || frames > 1<<16 {
		return
	}
	n := frames * d.channels
	if d.planes.IsUndefined() || d.planes.Length() < n {
		d.planes = js.Global().Get("Float32Array").New(n)
		d.planeBytes = js.Global().Get("Uint8Array").New(d.planes.Get("buffer"))
	}
	for c := range chans {
		view := d.planes.Call("subarray", c*frames, (c+1)*frames)
		ad.Call("copyTo", view, map[string]any{"planeIndex": c, "format": "f32-planar"})
	}
	if cap(d.planar) < n {
		d.planar = make([]float32, n)
	}
	planar := d.planar[:chans*frames]
	js.CopyBytesToGo(unsafe.Slice((*byte)(unsafe.Pointer(&planar[0])), 4*len(planar)), d.planeBytes)
	if cap(d.pcm) < n {
		d.pcm = make([]float32, n)
	}
	pcm := d.pcm[:n]
	for i := range frames {
		for c := range d.channels {
			pcm[i*d.channels+c] = planar[min(c, chans-1)*frames+i]
		}
	}
	counters.calls += 3 + chans
	d.out(pcm)
}

func (d *opusDecoder) Close() {
	if d.closed {
		return
	}
	d.closed = true
	if !d.broken && d.dec.Get("state").String() != "closed" {
		d.dec.Call("close")
	}
	d.outFn.Release()
	d.errFn.Release()
}
