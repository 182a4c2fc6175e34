//go:build linux

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"spiceweb/spicecap"
	"spiceweb/wasm/spice"
)

// The audio tap: a script the browser runs before any of the page's, which
// listens to what the page's audio graph plays. It wraps
// AudioNode.prototype.connect: the first node a context connects to its
// destination (the console's output gain) also feeds a tap, an
// AudioWorklet (loaded ahead of the page's own module through a wrapped
// AudioWorklet.addModule) that copies every render quantum with its
// context time. Where there is no AudioWorklet (insecure contexts) a
// ScriptProcessorNode taps instead, with its largest buffer; its times are
// those of its buffers, good for the content, not for timing.
//
// window.__audioTap holds the chunks; clock() pairs the context's time
// with the page's clock (Unix ms), for latency.
const audioTapJS = `(() => {
	const tap = { chunks: [], onsets: [], ctx: null, kind: "", node: null };
	window.__audioTap = tap;
	// mode "full" keeps every quantum; "onsets" only the context time of
	// each burst's first loud sample (above 0.3, none in the 150 ms
	// before), for long runs of clicks.
	const src = "class T extends AudioWorkletProcessor { constructor(o) { super(); this.mode = o.processorOptions.mode;" +
		" this.on = this.mode === 'full'; this.since = 0; this.port.onmessage = (e) => { this.on = e.data.on; }; }" +
		" process(inputs) { const i = inputs[0]; if (!this.on || !i || !i.length) return true;" +
		" if (this.mode === 'full') { const ch = i.map((a) => a.slice()); this.port.postMessage({ t: currentTime, ch }, ch.map((a) => a.buffer)); return true; }" +
		// An onset is a sample above 0.3 after 150 ms without one: a lossy
		// codec's ringing around a click stays below that.
		" const x = i[0]; for (let k = 0; k < x.length; k++) { this.since++;" +
		" if (Math.abs(x[k]) > 0.3) { if (this.since > sampleRate * 0.15) this.port.postMessage({ onset: currentTime + k / sampleRate }); this.since = 0; } }" +
		" return true; } } registerProcessor('e2e-tap', T);";
	const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
	const loaded = new WeakMap();
	if (typeof AudioWorklet === "function") {
		const add = AudioWorklet.prototype.addModule;
		AudioWorklet.prototype.addModule = function (u, o) {
			if (!loaded.has(this)) loaded.set(this, add.call(this, url));
			return loaded.get(this).then(() => add.call(this, u, o));
		};
	}
	const connect = AudioNode.prototype.connect;
	const tapped = new WeakSet();
	AudioNode.prototype.connect = function (dest, ...rest) {
		const r = connect.call(this, dest, ...rest);
		if (dest instanceof AudioDestinationNode && !tapped.has(dest.context)) {
			tapped.add(dest.context);
			attach(this, dest.context);
		}
		return r;
	};
	function keep(t, ch) { tap.chunks.push({ t, ch }); }
	function attach(node, ctx) {
		tap.ctx = ctx;
		const sink = ctx.createGain();
		sink.gain.value = 0;
		connect.call(sink, ctx.destination);
		if (ctx.audioWorklet) {
			tap.kind = "worklet";
			// The page's addModule loads the tap first; wait for it.
			const wait = () => {
				const p = loaded.get(ctx.audioWorklet);
				if (!p) { setTimeout(wait, 5); return; }
				p.then(() => {
					const n = new AudioWorkletNode(ctx, "e2e-tap", { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
						processorOptions: { mode: tapMode } });
					n.port.onmessage = (e) => {
						if (e.data.ch) keep(e.data.t, e.data.ch);
						else tap.onsets.push(e.data.onset);
					};
					n.onprocessorerror = (e) => { tap.error = String(e.message || e); };
					tap.node = n;
					connect.call(node, n);
					connect.call(n, sink);
				});
			};
			wait();
			return;
		}
		tap.kind = "scriptprocessor";
		// The largest buffer: the page's thread may be busy for a while.
		const sp = ctx.createScriptProcessor(16384, 2, 1);
		sp.onaudioprocess = (e) => {
			const b = e.inputBuffer;
			const ch = [];
			for (let c = 0; c < b.numberOfChannels; c++) ch.push(b.getChannelData(c).slice());
			keep(e.playbackTime - b.duration, ch);
		};
		connect.call(node, sp);
		connect.call(sp, sink);
	}
	// Onsets mode starts off: enable(true) when the clicks come.
	tap.enable = (on) => { if (tap.node) tap.node.port.postMessage({ on }); return !!tap.node; };
	tap.clock = () => {
		const c = tap.ctx;
		if (!c) return null;
		const o = c.getOutputTimestamp ? c.getOutputTimestamp() : {};
		return { ctxTime: c.currentTime, rate: c.sampleRate, state: c.state, now: performance.timeOrigin + performance.now(),
			outCtx: o.contextTime || 0, outPerf: o.performanceTime ? performance.timeOrigin + o.performanceTime : 0,
			base: c.baseLatency || 0, out: c.outputLatency || 0 };
	};
	// The chunks from index from on, as base64 float32 per channel.
	tap.take = (from) => {
		const part = tap.chunks.slice(from);
		const out = { n: tap.chunks.length, t: part.length ? part[0].t : 0, times: [], ch: [] };
		if (!part.length) return out;
		// A node with nothing connected yet renders one silent channel.
		const channels = Math.max(...part.map((p) => p.ch.length));
		for (let c = 0; c < channels; c++) {
			const len = part.reduce((s, p) => s + p.ch[0].length, 0);
			const all = new Float32Array(len);
			let at = 0;
			for (const p of part) { if (c < p.ch.length) all.set(p.ch[c], at); at += p.ch[0].length; }
			const bytes = new Uint8Array(all.buffer);
			let s = "";
			for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
			out.ch.push(btoa(s));
		}
		for (const p of part) out.times.push(p.t);
		return out;
	};
})();`

// InstallAudioTap makes every page the browser loads from now on tap its
// audio graph (audioTapJS): every sample (TakeAudio), or, onsetsOnly,
// just the times of click onsets once enabled (AudioOnsets).
func (b *Browser) InstallAudioTap(onsetsOnly bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	mode := "full"
	if onsetsOnly {
		mode = "onsets"
	}
	src := "const tapMode = " + strconv.Quote(mode) + ";\n" + audioTapJS
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
	if err != nil {
		b.t.Fatalf("e2e: installing the audio tap: %v", err)
	}
}

// TappedAudio is what the tap heard: per channel, the samples; Times are
// the context times of each render quantum's first frame (128 frames
// each; 1024 for the ScriptProcessor tap).
type TappedAudio struct {
	Rate     int
	Channels [][]float64
	Times    []float64
	Quantum  int
}

// AudioClock pairs the page's audio context time with the page's clock.
type AudioClock struct {
	CtxTime float64 `json:"ctxTime"`
	Rate    float64 `json:"rate"`
	State   string  `json:"state"`
	Now     float64 `json:"now"` // Unix ms
	OutCtx  float64 `json:"outCtx"`
	OutPerf float64 `json:"outPerf"` // Unix ms
	Base    float64 `json:"base"`
	Out     float64 `json:"out"`
}

// Clock reads the tap's clock pairing; ok is false before the page made an
// AudioContext.
func (b *Browser) AudioClock() (AudioClock, bool) {
	b.t.Helper()
	v := Eval[*AudioClock](b, `window.__audioTap ? window.__audioTap.clock() : null`)
	if v == nil {
		return AudioClock{}, false
	}
	return *v, true
}

// TakeAudio returns what the tap heard from chunk index from on, and the
// index to continue from.
func (b *Browser) TakeAudio(from int) (TappedAudio, int) {
	b.t.Helper()
	type taken struct {
		N     int       `json:"n"`
		Times []float64 `json:"times"`
		Ch    []string  `json:"ch"`
	}
	v := Eval[taken](b, fmt.Sprintf(`window.__audioTap.take(%d)`, from))
	clk, _ := b.AudioClock()
	a := TappedAudio{Rate: int(clk.Rate), Times: v.Times}
	for _, s := range v.Ch {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			b.t.Fatalf("e2e: tapped audio: %v", err)
		}
		ch := make([]float64, len(raw)/4)
		for i := range ch {
			ch[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
		}
		a.Channels = append(a.Channels, ch)
	}
	if len(a.Times) > 0 && len(a.Channels) > 0 {
		a.Quantum = len(a.Channels[0]) / len(a.Times)
	}
	return a, v.N
}

// TimeOf is the context time of frame i of what was tapped.
func (a TappedAudio) TimeOf(i int) float64 {
	if a.Quantum == 0 || len(a.Times) == 0 {
		return 0
	}
	q := min(i/a.Quantum, len(a.Times)-1)
	return a.Times[q] + float64(i-q*a.Quantum)/float64(a.Rate)
}

// WallTime maps a context time to the Unix time its sound was rendered
// (the graph computed it), using a clock pairing.
func (c AudioClock) WallTime(ctxTime float64) time.Time {
	ms := c.Now + (ctxTime-c.CtxTime)*1000
	return time.UnixMilli(0).Add(time.Duration(ms * float64(time.Millisecond)))
}

// CapturedPlayback is one playback-channel message as serve -record saw
// it: when its last byte reached the proxy from the server, its type and
// body.
type CapturedPlayback struct {
	At   time.Time
	Type spice.MsgType
	Body []byte
}

// PlaybackCapture reads the playback channel's capture among serve
// -record's files in dir: every server message with the time it passed
// the proxy.
func PlaybackCapture(t testing.TB, dir string) []CapturedPlayback {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*"+spicecap.Ext))
	for _, name := range names {
		// <seq>-<unixnano>.spicecap: the stamps count from then.
		var seq int
		var start int64
		if _, err := fmt.Sscanf(filepath.Base(name), "%d-%d.spicecap", &seq, &start); err != nil {
			continue
		}
		c, err := spicecap.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		var client, server []byte
		var msgs []CapturedPlayback
		off := -1 // where the next message starts in server, once linked
		for {
			dir, at, data, err := c.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				c.Close()
				t.Fatal(err)
			}
			if dir == spicecap.ClientToServer {
				client = append(client, data...)
				continue
			}
			server = append(server, data...)
			if len(client) < 22 || spice.ChannelType(client[20]) != spice.ChannelPlayback {
				continue
			}
			if off < 0 && len(server) >= 16 {
				off = 16 + int(binary.LittleEndian.Uint32(server[12:])) + 4
			}
			// Messages completed by this record.
			for off >= 0 && off+6 <= len(server) {
				size := int(binary.LittleEndian.Uint32(server[off+2:]))
				if off+6+size > len(server) {
					break
				}
				msgs = append(msgs, CapturedPlayback{At: time.Unix(0, start).Add(at),
					Type: spice.MsgType(binary.LittleEndian.Uint16(server[off:])), Body: server[off+6 : off+6+size]})
				off += 6 + size
			}
		}
		c.Close()
		if len(client) >= 22 && spice.ChannelType(client[20]) == spice.ChannelPlayback {
			return msgs
		}
	}
	t.Fatalf("e2e: no playback channel among the captures in %s", dir)
	return nil
}

// SaveWAV writes what the tap heard as a 32-bit float WAV file, for
// listening to a failure.
func (a TappedAudio) SaveWAV(path string) error {
	if len(a.Channels) == 0 {
		return nil
	}
	ch, n := len(a.Channels), len(a.Channels[0])
	b := make([]byte, 0, 44+4*ch*n)
	le := binary.LittleEndian
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, uint32(36+4*ch*n))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 3) // IEEE float
	b = le.AppendUint16(b, uint16(ch))
	b = le.AppendUint32(b, uint32(a.Rate))
	b = le.AppendUint32(b, uint32(a.Rate*4*ch))
	b = le.AppendUint16(b, uint16(4*ch))
	b = le.AppendUint16(b, 32)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(4*ch*n))
	for i := range n {
		for c := range ch {
			b = le.AppendUint32(b, math.Float32bits(float32(a.Channels[c][i])))
		}
	}
	return os.WriteFile(path, b, 0o644)
}

// EnableOnsets starts (or stops) an onsets-only tap.
func (b *Browser) EnableOnsets(on bool) {
	b.t.Helper()
	if !Eval[bool](b, fmt.Sprintf(`window.__audioTap.enable(%t)`, on)) {
		b.t.Fatal("e2e: the audio tap is not in the page's graph yet")
	}
}

// AudioOnsets returns the context times of the click onsets the tap heard
// from index from on, and the index to continue from.
func (b *Browser) AudioOnsets(from int) ([]float64, int) {
	b.t.Helper()
	v := Eval[[]float64](b, fmt.Sprintf(`window.__audioTap.onsets.slice(%d)`, from))
	return v, from + len(v)
}
