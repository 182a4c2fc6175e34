// The AudioWorklet processors, on the audio rendering thread:
//
//   spiceweb-playback: plays one stream from the client's playout (Go, in
//     the client's worker or on the page), which posts batches of
//     interleaved float frames straight to it through a MessagePort of its
//     own: no sample crosses the page's main thread. It reports its queue
//     back on the same port about every 40 ms.
//   spiceweb-capture: resamples the microphone to the rate the server asks
//     for and posts 20 ms batches of 16-bit frames to the client's record
//     channel through its own port.
//
// workletSource() builds the module's text from install() and the classes
// of dsp.ts (passed in as arguments), so the module needs no file of its
// own: the page loads it from a Blob URL. install() may refer to nothing
// outside itself but its parameters and the worklet scope's globals.

import { PlayQueue, Resampler } from "./dsp";

// The AudioWorkletGlobalScope's globals (the DOM library does not
// describe that scope).
declare const sampleRate: number;
declare function registerProcessor(name: string, ctor: new (options: AudioWorkletNodeOptions) => WorkletProcessor): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
interface WorkletProcessor extends AudioWorkletProcessor {
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}

/** What the page passes to the playback processor (processorOptions). */
export interface PlaybackProcessorOptions {
  /** The stream's rate and channels; the context's rate may differ. */
  rate: number;
  channels: number;
  /** Most frames (of the stream) the queue holds: session playoutOutputCap. */
  capacity: number;
}

/** What the page passes to the capture processor. */
export interface CaptureProcessorOptions {
  rate: number;
  channels: number;
}

/**
 * Messages on the playback port, both ways. Go's playout sends pcm,
 * refill, discard and end; the processor answers with reports. The page
 * sends go (the port to Go) and latency on the node's own port.
 */
export type PlaybackMessage =
  | { t: "pcm"; data: Float32Array }
  | { t: "refill"; n: number }
  | { t: "discard"; n: number }
  | { t: "end" }
  | { t: "go"; port: MessagePort }
  | { t: "latency"; s: number };

/** A report to Go, in frames of the stream (session.OutputReport). */
export interface PlaybackReport {
  t: "report";
  received: number;
  played: number;
  dropped: number;
  queued: number;
  underruns: number;
  /** The device's own output latency, seconds. */
  latency: number;
}

/** A captured batch to Go: interleaved 16-bit frames at the server's rate. */
export interface CaptureMessage {
  t: "pcm";
  data: Int16Array;
}

function install(PlayQueueClass: typeof PlayQueue, ResamplerClass: typeof Resampler): void {
  const quantum = 128;
  const fadeFrames = Math.round(sampleRate * 0.0015);

  class PlaybackProcessor extends AudioWorkletProcessor implements WorkletProcessor {
    private readonly q: PlayQueue;
    /** Stream frames per context frame (1: the stream plays as it is). */
    private readonly ratio: number;
    private readonly resampler: Resampler | null;
    private scratch: Float32Array;
    private go: MessagePort | null;
    private latency: number;
    private readonly every: number;
    private quanta: number;
    private streamReceived: number;

    constructor(options: AudioWorkletNodeOptions) {
      super();
      const o = options.processorOptions as PlaybackProcessorOptions;
      this.ratio = o.rate / sampleRate;
      this.resampler = this.ratio === 1 ? null : new ResamplerClass(o.rate, sampleRate, o.channels);
      // The queue counts context frames; reports convert back.
      this.q = new PlayQueueClass(o.channels, Math.ceil(o.capacity / this.ratio) + quantum, fadeFrames);
      this.scratch = new Float32Array(0);
      this.go = null;
      this.latency = 0;
      // About every 40 ms: often enough for the playout's level, and
      // each report wakes the client's thread.
      this.every = Math.max(1, Math.round((0.04 * sampleRate) / quantum));
      this.quanta = 0;
      this.streamReceived = 0;
      this.port.onmessage = (e: MessageEvent<PlaybackMessage>) => this.message(e.data);
    }

    private message(m: PlaybackMessage): void {
      switch (m.t) {
        case "go":
          this.go = m.port;
          this.go.onmessage = (e: MessageEvent<PlaybackMessage>) => this.message(e.data);
          return;
        case "latency":
          this.latency = m.s;
          return;
        case "pcm": {
          const ch = this.q.channels;
          const n = Math.floor(m.data.length / ch);
          this.streamReceived += n;
          if (!this.resampler) {
            this.q.push(m.data, n);
            return;
          }
          const max = this.resampler.maxOutput(n) * ch;
          if (this.scratch.length < max) this.scratch = new Float32Array(max);
          this.q.push(this.scratch, this.resampler.process(m.data, n, this.scratch));
          return;
        }
        case "refill":
          this.q.refill = Math.round(m.n / this.ratio);
          return;
        case "discard":
          this.q.discard(Math.round(m.n / this.ratio));
          return;
        case "end":
          this.q.ending = true;
          return;
      }
    }

    process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
      const out = outputs[0]!;
      this.q.pull(out, out[0]!.length);
      if (++this.quanta % this.every === 0 && this.go) {
        const r = this.ratio;
        const queued = Math.round(this.q.length * r);
        const dropped = Math.round(this.q.dropped * r);
        const report: PlaybackReport = {
          t: "report",
          received: this.streamReceived,
          played: Math.max(0, this.streamReceived - queued - dropped),
          dropped,
          queued,
          underruns: this.q.underruns,
          latency: this.latency,
        };
        this.go.postMessage(report);
      }
      // Keep running after the end too: the page disconnects the node.
      return true;
    }
  }

  class CaptureProcessor extends AudioWorkletProcessor implements WorkletProcessor {
    private readonly channels: number;
    private readonly resampler: Resampler | null;
    private readonly batch: Int16Array;
    private filled: number; // frames in batch
    private inter: Float32Array; // one quantum, interleaved at the output's channels
    private res: Float32Array;
    private go: MessagePort | null;
    private gain: number;

    constructor(options: AudioWorkletNodeOptions) {
      super();
      const o = options.processorOptions as CaptureProcessorOptions;
      this.channels = o.channels;
      this.resampler = o.rate === sampleRate ? null : new ResamplerClass(sampleRate, o.rate, o.channels);
      this.batch = new Int16Array(Math.round(o.rate * 0.02) * o.channels);
      this.filled = 0;
      this.inter = new Float32Array(quantum * o.channels);
      this.res = new Float32Array((this.resampler ? this.resampler.maxOutput(quantum) : quantum) * o.channels);
      this.go = null;
      this.gain = 1;
      this.port.onmessage = (e: MessageEvent<{ t: "go"; port: MessagePort } | { t: "gain"; g: number }>) => {
        const m = e.data;
        if (m.t === "go") this.go = m.port;
        else this.gain = m.g;
      };
    }

    process(inputs: Float32Array[][]): boolean {
      const inp = inputs[0];
      // No channels: the track is muted or ended; nothing to send.
      if (!inp || inp.length === 0 || !this.go) return true;
      const n = inp[0]!.length;
      const ch = this.channels;
      if (this.inter.length < n * ch) this.inter = new Float32Array(n * ch);
      // Mono microphones feed every channel; more channels than wanted
      // are averaged into the last one wanted.
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < ch; c++) {
          let v: number;
          if (c < ch - 1 || inp.length <= ch) {
            v = inp[Math.min(c, inp.length - 1)]![i]!;
          } else {
            v = 0;
            for (let k = c; k < inp.length; k++) v += inp[k]![i]!;
            v /= inp.length - c;
          }
          this.inter[i * ch + c] = v * this.gain;
        }
      }
      let src = this.inter;
      let frames = n;
      if (this.resampler) {
        const max = this.resampler.maxOutput(n) * ch;
        if (this.res.length < max) this.res = new Float32Array(max);
        frames = this.resampler.process(this.inter, n, this.res);
        src = this.res;
      }
      const per = this.batch.length / ch;
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < ch; c++) {
          const v = Math.max(-1, Math.min(1, src[i * ch + c]!));
          this.batch[this.filled * ch + c] = Math.round(v * 32767);
        }
        if (++this.filled === per) {
          const msg: CaptureMessage = { t: "pcm", data: this.batch.slice() };
          this.go.postMessage(msg, [msg.data.buffer]);
          this.filled = 0;
        }
      }
      return true;
    }
  }

  registerProcessor("spiceweb-playback", PlaybackProcessor);
  registerProcessor("spiceweb-capture", CaptureProcessor);
}

/** The worklet module's source text. */
export function workletSource(): string {
  return `(${install.toString()})(${PlayQueue.toString()}, ${Resampler.toString()});`;
}
