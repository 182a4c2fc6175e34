// Sound processing that runs in the audio worklet (worklet.ts) and so must
// be self-contained: worklet.ts sends these classes' source text to the
// AudioWorkletGlobalScope, where nothing else of app.js exists. So: no
// imports, no references to anything outside the class body, and no class
// field initialisers (esbuild might lower them with a helper function that
// would not come along); fields are set in the constructor.

/**
 * A streaming resampler for interleaved frames: windowed-sinc
 * interpolation (16 taps, Blackman window; more when downsampling) from a
 * table of 64 phases, low-passed below the lower of the two Nyquist
 * frequencies so that downsampling does not alias. It delays the signal
 * by 8 output frames' worth of input (8 input frames when upsampling).
 */
export class Resampler {
  readonly channels: number;
  /** Input frames per output frame. */
  readonly step: number;
  private readonly half: number;
  private readonly phases: number;
  private readonly table: Float32Array;
  private buf: Float32Array;
  private frames: number; // input frames in buf
  private pos: number; // where in buf (input frames) the next output frame is centred

  constructor(inRate: number, outRate: number, channels: number) {
    this.channels = channels;
    this.step = inRate / outRate;
    // Downsampling stretches the kernel by the ratio, so that its
    // transition band stays as narrow relative to the output's rate.
    this.half = Math.ceil(8 * Math.max(1, this.step));
    this.phases = 64;
    const taps = 2 * this.half;
    // Cut-off relative to the input's Nyquist frequency, a little under
    // the output's when that is lower.
    const fc = Math.min(1, outRate / inRate) * 0.92;
    this.table = new Float32Array((this.phases + 1) * taps);
    for (let p = 0; p <= this.phases; p++) {
      let sum = 0;
      for (let k = 0; k < taps; k++) {
        // Tap k weighs input frame floor(pos) - half + 1 + k, at distance t.
        const t = k - this.half + 1 - p / this.phases;
        const x = Math.PI * fc * t;
        // (fc * sinc(fc t) is the ideal low-pass; the sum normalises below.)
        const sinc = t === 0 ? 1 : Math.sin(x) / x;
        const u = (t + this.half) / (2 * this.half); // 0..1 across the window
        const w = u <= 0 || u >= 1 ? 0 : 0.42 - 0.5 * Math.cos(2 * Math.PI * u) + 0.08 * Math.cos(4 * Math.PI * u);
        const v = sinc * w;
        this.table[p * taps + k] = v;
        sum += v;
      }
      for (let k = 0; k < taps; k++) this.table[p * taps + k]! /= sum;
    }
    this.buf = new Float32Array(256 * channels);
    // Start with half a window of silence so the first output needs no
    // input from before the stream.
    this.frames = this.half;
    this.pos = this.half - 1;
  }

  /** The most output frames an input of n frames can produce. */
  maxOutput(n: number): number {
    return Math.ceil(n / this.step) + 2;
  }

  /**
   * Takes n interleaved input frames and writes the output frames they
   * complete into out (at least maxOutput(n) frames long); returns how many.
   */
  process(input: Float32Array, n: number, out: Float32Array): number {
    const ch = this.channels;
    const need = (this.frames + n) * ch;
    if (need > this.buf.length) {
      let size = this.buf.length;
      while (size < need) size *= 2;
      const b = new Float32Array(size);
      b.set(this.buf.subarray(0, this.frames * ch));
      this.buf = b;
    }
    this.buf.set(input.subarray(0, n * ch), this.frames * ch);
    this.frames += n;
    const taps = 2 * this.half;
    let produced = 0;
    while (Math.floor(this.pos) + this.half < this.frames) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const pf = frac * this.phases;
      const p = Math.floor(pf);
      const pw = pf - p; // between phase p and p+1
      const t0 = p * taps;
      const t1 = t0 + taps;
      const first = i - this.half + 1;
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let k = 0; k < taps; k++) {
          const w = this.table[t0 + k]! + (this.table[t1 + k]! - this.table[t0 + k]!) * pw;
          acc += w * this.buf[(first + k) * ch + c]!;
        }
        out[produced * ch + c] = acc;
      }
      produced++;
      this.pos += this.step;
    }
    // Keep what the next outputs still need.
    const drop = Math.max(0, Math.floor(this.pos) - this.half + 1);
    if (drop > 0) {
      this.buf.copyWithin(0, drop * ch, this.frames * ch);
      this.frames -= drop;
      this.pos -= drop;
    }
    return produced;
  }
}

/**
 * The playback queue of the worklet: interleaved float frames in a ring of
 * fixed capacity. It plays silence until it holds `refill` frames (at the
 * start and after running dry), fades out over `fade` frames when it runs
 * dry instead of stopping dead, fades back in when it resumes, and drops
 * the oldest frames when full. The counters are what the worklet reports
 * to the client (session.OutputReport).
 */
export class PlayQueue {
  readonly channels: number;
  readonly capacity: number;
  private readonly ring: Float32Array;
  private head: number; // frame index of the oldest queued frame
  length: number; // frames queued
  refill: number;
  waiting: boolean;
  ending: boolean; // the stream ended: play out what is left, no refill
  received: number;
  played: number;
  dropped: number;
  underruns: number;
  private readonly fade: number;
  private fadeIn: number; // frames of fade-in still to apply
  private readonly last: Float32Array; // the last frame played, for the fade-out
  private tail: number; // frames of fade-out still to play

  constructor(channels: number, capacity: number, fade: number) {
    this.channels = channels;
    this.capacity = capacity;
    this.ring = new Float32Array(capacity * channels);
    this.head = 0;
    this.length = 0;
    this.refill = 0;
    this.waiting = true;
    this.ending = false;
    this.received = 0;
    this.played = 0;
    this.dropped = 0;
    this.underruns = 0;
    this.fade = fade;
    this.fadeIn = 0;
    this.last = new Float32Array(channels);
    this.tail = 0;
  }

  /** Queues n interleaved frames, dropping the oldest if it would overflow. */
  push(pcm: Float32Array, n: number): void {
    const ch = this.channels;
    this.received += n;
    let src = 0;
    if (n > this.capacity) {
      // More than fits at all: only the newest capacity frames can stay.
      src = n - this.capacity;
      this.dropped += src;
      n = this.capacity;
    }
    const over = this.length + n - this.capacity;
    if (over > 0) this.discard(over);
    let at = (this.head + this.length) % this.capacity;
    for (let i = 0; i < n; ) {
      const run = Math.min(n - i, this.capacity - at);
      this.ring.set(pcm.subarray((src + i) * ch, (src + i + run) * ch), at * ch);
      i += run;
      at = (at + run) % this.capacity;
    }
    this.length += n;
  }

  /** Drops the n oldest queued frames (fewer if fewer are queued). */
  discard(n: number): void {
    n = Math.max(0, Math.min(n, this.length));
    this.head = (this.head + n) % this.capacity;
    this.length -= n;
    this.dropped += n;
  }

  /**
   * Writes the next n frames into the planar outputs (one array per
   * output channel, n long). Stream channels beyond the outputs are
   * dropped; outputs beyond the stream's take its last channel.
   */
  pull(out: Float32Array[], n: number): void {
    const ch = this.channels;
    if (this.waiting && (this.length >= Math.max(this.refill, 1) || (this.ending && this.length > 0))) {
      this.waiting = false;
      this.fadeIn = this.fade;
    }
    let i = 0;
    if (!this.waiting) {
      const take = Math.min(n, this.length);
      for (; i < take; i++) {
        const f = (this.head + i) % this.capacity;
        let g = 1;
        if (this.fadeIn > 0) {
          g = 1 - this.fadeIn / (this.fade + 1);
          this.fadeIn--;
        }
        for (let c = 0; c < out.length; c++) {
          out[c]![i] = this.ring[f * ch + Math.min(c, ch - 1)]! * g;
        }
        for (let c = 0; c < ch; c++) this.last[c] = this.ring[f * ch + c]! * g;
      }
      this.head = (this.head + take) % this.capacity;
      this.length -= take;
      this.played += take;
      if (take < n) {
        // Ran dry: fade out from the last frame, then silence until refilled.
        if (!this.ending) this.underruns++;
        this.waiting = true;
        this.tail = this.fade;
      }
    }
    for (; i < n; i++) {
      let g = 0;
      if (this.tail > 0) {
        g = this.tail / (this.fade + 1);
        this.tail--;
      }
      for (let c = 0; c < out.length; c++) out[c]![i] = this.last[Math.min(c, ch - 1)]! * g;
    }
  }
}
