// The page's sound: one AudioContext per console, the players of the
// playback streams and the microphone. Go (in the client's worker or on
// the page) feeds a player through a MessagePort; with an AudioWorklet
// (secure contexts) the samples never touch the page's thread, and
// elsewhere the main-thread fallback (ScheduledPlayer) schedules them.

import type { CaptureProcessorOptions, PlaybackMessage, PlaybackProcessorOptions, PlaybackReport } from "./worklet";
import { workletSource } from "./worklet";

/** The most sound a player holds, ms (session playoutOutputCap). */
export const playerCapacityMs = 90;

/** A playback stream's player on the page. */
export interface Player {
  readonly kind: "worklet" | "scheduled";
  /** Stops at once (the stream is over or the console goes). */
  close(): void;
}

interface AudioContextWithSink extends AudioContext {
  readonly outputLatency: number;
}

/**
 * AudioOut owns the console's AudioContext. The context is made when the
 * server has a playback channel, at 48 kHz (what spice-server streams
 * wherever it has Opus), so that the page knows early whether the browser
 * lets it play (autoplay policy: until the page has had a user gesture a
 * new context stays suspended, and resume() from a gesture handler starts
 * it). A stream at another rate gets a context at its rate when that is
 * free to make, so that it plays sample for sample; otherwise the
 * worklet resamples it.
 */
export class AudioOut {
  private ctx: AudioContextWithSink | null = null;
  private gain: GainNode | null = null;
  private module: Promise<boolean> | null = null;
  private moduleURL = "";
  private latencyTimer = 0;
  private readonly players = new Set<WorkletPlayer | ScheduledPlayer>();
  private volume = 1;
  private muted = false;
  /** The context is suspended because nothing plays, not by the browser. */
  private parked = false;
  private mic: Mic | null = null;

  constructor(private readonly onChange: () => void) {}

  /** The browser holds sound back until a user gesture (autoplay policy). */
  get blocked(): boolean {
    return this.ctx !== null && this.ctx.state !== "running" && this.ctx.state !== "closed" && !this.parked;
  }

  /**
   * Suspends the context while nothing plays or records: a running
   * context renders silence on the audio threads (about 1% of a core
   * here). Only a context the browser let run is parked, so that a park
   * is never mistaken for the autoplay policy's hold.
   */
  park(): void {
    const c = this.ctx;
    if (!c || c.state !== "running" || this.players.size > 0 || this.mic) return;
    this.parked = true;
    void c.suspend().catch(() => {});
  }

  /** Resumes a parked context (no gesture needed: it ran before). */
  private async unpark(): Promise<void> {
    if (!this.parked || !this.ctx) return;
    this.parked = false;
    await this.ctx.resume().catch(() => {});
  }

  /** "none" before any sound, else the context's state. */
  get state(): "none" | "suspended" | "running" | "closed" {
    const s = this.ctx?.state;
    if (s === undefined) return "none";
    // Safari's "interrupted" (a phone call) is suspended too.
    return s === "running" || s === "closed" ? s : "suspended";
  }

  /** Whether players run in an AudioWorklet (secure contexts) or on the page. */
  get worklets(): boolean {
    return typeof AudioWorkletNode === "function" && typeof AudioContext === "function" && "audioWorklet" in AudioContext.prototype;
  }

  /**
   * The context, made at rate if there is none yet. One at another rate is
   * made anew when that costs nothing: it plays nothing, and it runs
   * (autoplay is allowed, so the new one runs too).
   */
  context(rate?: number): AudioContextWithSink | null {
    const c = this.ctx;
    if (c && c.state !== "closed") {
      if (!rate || c.sampleRate === rate || this.players.size > 0 || c.state !== "running") return c;
      this.close();
    }
    if (typeof AudioContext !== "function") return null;
    let ctx: AudioContext;
    try {
      ctx = new AudioContext({ latencyHint: "interactive", ...(rate ? { sampleRate: rate } : {}) });
    } catch {
      // A rate the browser refuses: its own rate, and the worklet resamples.
      ctx = new AudioContext({ latencyHint: "interactive" });
    }
    this.ctx = ctx as AudioContextWithSink;
    this.gain = ctx.createGain();
    this.gain.connect(ctx.destination);
    this.applyGain();
    this.module = null;
    ctx.addEventListener("statechange", () => {
      // Allowed to run and nothing to play yet: park it until there is.
      if (ctx.state === "running" && this.players.size === 0 && !this.mic && !this.starting) this.park();
      this.onChange();
    });
    // The device's latency counts in the playback delay Go reports; it is
    // only known once the context runs, and may change.
    clearInterval(this.latencyTimer);
    this.latencyTimer = window.setInterval(() => {
      for (const p of this.players) p.latency(this.outputLatency());
    }, 2000);
    return this.ctx;
  }

  private outputLatency(): number {
    const c = this.ctx;
    if (!c) return 0;
    return (c.baseLatency || 0) + (c.outputLatency || 0);
  }

  /** Starts the context from a user gesture; resolves whether it runs. */
  async resume(): Promise<boolean> {
    const c = this.ctx;
    if (!c) return false;
    if (c.state === "running" || this.parked) return true;
    try {
      await c.resume();
    } catch {
      return false;
    }
    // resume() changed it (narrowing does not know).
    return (c.state as AudioContextState) === "running";
  }

  /** Volume 0..1 (the server's, cubic as spice-gtk applies it) and mutes. */
  setGain(volume: number, muted: boolean): void {
    this.volume = volume;
    this.muted = muted;
    this.applyGain();
  }

  private applyGain(): void {
    const g = this.gain;
    if (!g || !this.ctx) return;
    const v = this.muted ? 0 : Math.pow(Math.max(0, Math.min(1, this.volume)), 3);
    // A short glide: a step would click.
    g.gain.setTargetAtTime(v, this.ctx.currentTime, 0.01);
  }

  /** Loads the worklet module into the context once. */
  private loadModule(ctx: AudioContext): Promise<boolean> {
    if (!this.module) {
      if (!this.moduleURL) this.moduleURL = URL.createObjectURL(new Blob([workletSource()], { type: "text/javascript" }));
      this.module = ctx.audioWorklet.addModule(this.moduleURL).then(
        () => true,
        () => false,
      );
    }
    return this.module;
  }

  /**
   * Starts a player for a stream of rate and channels fed through port
   * (its other end is Go's). Resolves to the player, or null when the page
   * cannot play sound at all.
   */
  async play(rate: number, channels: number, port: MessagePort): Promise<Player | null> {
    const ctx = this.context(rate);
    if (!ctx || !this.gain) {
      port.close();
      return null;
    }
    this.starting = true;
    try {
      await this.unpark();
      return await this.startPlayer(ctx, rate, channels, port);
    } finally {
      this.starting = false;
    }
  }

  private starting = false;

  private async startPlayer(ctx: AudioContextWithSink, rate: number, channels: number, port: MessagePort): Promise<Player | null> {
    if (!this.gain) {
      port.close();
      return null;
    }
    let p: WorkletPlayer | ScheduledPlayer;
    if (this.worklets && (await this.loadModule(ctx))) {
      if (this.ctx !== ctx) {
        port.close();
        return null; // the console was closed meanwhile
      }
      p = new WorkletPlayer(ctx, this.gain, rate, channels, port);
    } else {
      p = new ScheduledPlayer(ctx, this.gain, rate, channels, port);
    }
    p.latency(this.outputLatency());
    this.players.add(p);
    p.onClose = () => this.players.delete(p);
    this.onChange();
    return p;
  }

  /**
   * Opens the microphone into a capture worklet that sends the server's
   * rate and channels through port. Rejects with the reason when it
   * cannot (no secure context, permission refused, no device).
   */
  async record(rate: number, channels: number, port: MessagePort): Promise<Mic> {
    const md = typeof navigator !== "undefined" ? navigator.mediaDevices : undefined;
    if (!md || typeof md.getUserMedia !== "function" || !this.worklets) {
      throw new Error("the microphone needs a secure (https) page");
    }
    const stream = await md.getUserMedia({
      audio: { channelCount: { ideal: channels }, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const ctx = this.context();
    if (!ctx || !(await this.loadModule(ctx))) {
      for (const t of stream.getTracks()) t.stop();
      throw new Error("this browser cannot process sound (no AudioWorklet)");
    }
    // The microphone's click was a gesture: the context may run now.
    await this.unpark();
    if (ctx.state !== "running") void this.resume();
    const mic = new Mic(ctx, stream, rate, channels, port);
    this.mic = mic;
    mic.onClose = () => {
      if (this.mic === mic) this.mic = null;
    };
    return mic;
  }

  /** Stops every player and closes the context. */
  close(): void {
    for (const p of [...this.players]) p.close();
    this.mic?.close();
    this.parked = false;
    clearInterval(this.latencyTimer);
    void this.ctx?.close().catch(() => {});
    this.ctx = null;
    this.gain = null;
    this.module = null;
    if (this.moduleURL) URL.revokeObjectURL(this.moduleURL);
    this.moduleURL = "";
  }
}

/** A stream played by the spiceweb-playback worklet; Go talks to it directly. */
class WorkletPlayer implements Player {
  readonly kind = "worklet";
  onClose: () => void = () => {};
  private readonly node: AudioWorkletNode;
  private closed = false;

  constructor(ctx: AudioContext, out: AudioNode, rate: number, channels: number, port: MessagePort) {
    const opts: PlaybackProcessorOptions = { rate, channels, capacity: Math.round((rate * playerCapacityMs) / 1000) };
    const outputs = Math.min(channels, ctx.destination.maxChannelCount || 2);
    this.node = new AudioWorkletNode(ctx, "spiceweb-playback", {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [outputs],
      processorOptions: opts,
    });
    this.node.connect(out);
    const go: PlaybackMessage = { t: "go", port };
    this.node.port.postMessage(go, [port]);
  }

  latency(s: number): void {
    if (!this.closed) this.node.port.postMessage({ t: "latency", s } satisfies PlaybackMessage);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.node.disconnect();
    this.node.port.close();
    this.onClose();
  }
}

/**
 * The fallback player where there is no AudioWorklet (plain-http pages):
 * the page's thread takes Go's batches and schedules each as an
 * AudioBufferSourceNode right after the one before, so that playback
 * itself stays on the audio thread and a busy page only delays
 * scheduling. An AudioBuffer at the stream's rate is resampled by the
 * browser. It keeps the worklet's rules: wait for the refill level, fade
 * in after a gap, cap what is queued, report every 40 ms.
 */
class ScheduledPlayer implements Player {
  readonly kind = "scheduled";
  onClose: () => void = () => {};
  private readonly capacity: number;
  private next = 0; // context time where the next batch starts
  private pending: Float32Array[] = []; // batches waiting for the refill level
  private pendingFrames = 0;
  private refill = 0;
  private waiting = true;
  private ending = false;
  private received = 0;
  private dropped = 0;
  private underruns = 0;
  private lat = 0;
  private readonly timer: number;
  private closed = false;
  private readonly sources = new Set<AudioBufferSourceNode>();

  constructor(
    private readonly ctx: AudioContext,
    private readonly out: AudioNode,
    private readonly rate: number,
    private readonly channels: number,
    private readonly port: MessagePort,
  ) {
    this.capacity = Math.round((rate * playerCapacityMs) / 1000);
    port.onmessage = (e: MessageEvent<PlaybackMessage>) => this.message(e.data);
    this.timer = window.setInterval(() => this.report(), 40);
  }

  latency(s: number): void {
    this.lat = s;
  }

  /** Frames scheduled but not yet played. */
  private ahead(): number {
    return Math.max(0, Math.round((this.next - this.ctx.currentTime) * this.rate));
  }

  private message(m: PlaybackMessage): void {
    switch (m.t) {
      case "pcm": {
        const n = Math.floor(m.data.length / this.channels);
        this.received += n;
        this.pending.push(m.data.subarray(0, n * this.channels));
        this.pendingFrames += n;
        // Over the cap: the oldest waiting sound goes.
        let over = this.ahead() + this.pendingFrames - this.capacity;
        while (over > 0 && this.pending.length > 0) {
          const b = this.pending[0]!;
          const f = b.length / this.channels;
          if (f <= over) {
            this.pending.shift();
            this.pendingFrames -= f;
            this.dropped += f;
            over -= f;
          } else {
            this.pending[0] = b.subarray(over * this.channels);
            this.pendingFrames -= over;
            this.dropped += over;
            over = 0;
          }
        }
        this.schedule();
        return;
      }
      case "refill":
        this.refill = m.n;
        return;
      case "discard": {
        let n = m.n;
        while (n > 0 && this.pending.length > 0) {
          const b = this.pending[0]!;
          const f = b.length / this.channels;
          const k = Math.min(f, n);
          if (k === f) this.pending.shift();
          else this.pending[0] = b.subarray(k * this.channels);
          this.pendingFrames -= k;
          this.dropped += k;
          n -= k;
        }
        return;
      }
      case "end":
        this.ending = true;
        this.schedule();
        return;
    }
  }

  private schedule(): void {
    if (this.closed) return;
    const now = this.ctx.currentTime;
    if (!this.waiting && this.next < now + 0.003) {
      // Ran dry: what comes next waits for the refill level.
      if (!this.ending) this.underruns++;
      this.waiting = true;
    }
    if (this.waiting) {
      if (this.pendingFrames < Math.max(this.refill, 1) && !(this.ending && this.pendingFrames > 0)) return;
      this.waiting = false;
      this.next = now + 0.005;
      if (this.pending[0]) fadeIn(this.pending[0], this.channels, Math.round(this.rate * 0.0015));
    }
    for (const b of this.pending) {
      const n = b.length / this.channels;
      const buf = this.ctx.createBuffer(this.channels, n, this.rate);
      for (let c = 0; c < this.channels; c++) {
        const plane = buf.getChannelData(c);
        for (let i = 0; i < n; i++) plane[i] = b[i * this.channels + c]!;
      }
      const src = this.ctx.createBufferSource();
      src.buffer = buf;
      src.connect(this.out);
      src.onended = () => this.sources.delete(src);
      src.start(this.next);
      this.sources.add(src);
      this.next += n / this.rate;
    }
    this.pending = [];
    this.pendingFrames = 0;
  }

  private report(): void {
    if (this.closed) return;
    if (!this.waiting && this.next < this.ctx.currentTime) this.schedule();
    // A suspended context plays nothing and so reports nothing: the
    // playout then holds its sound back (session playout.playing).
    if (this.ctx.state !== "running") return;
    const queued = this.ahead() + this.pendingFrames;
    const r: PlaybackReport = {
      t: "report",
      received: this.received,
      played: Math.max(0, this.received - queued - this.dropped),
      dropped: this.dropped,
      queued,
      underruns: this.underruns,
      latency: this.lat,
    };
    this.port.postMessage(r);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.port.onmessage = null;
    this.port.close();
    for (const s of this.sources) {
      try {
        s.stop();
      } catch {
        // not started yet
      }
      s.disconnect();
    }
    this.sources.clear();
    this.onClose();
  }
}

/** Ramps the first frames of an interleaved batch up from silence. */
export function fadeIn(b: Float32Array, channels: number, frames: number): void {
  const n = Math.min(frames, b.length / channels);
  for (let i = 0; i < n; i++) {
    const g = (i + 1) / (frames + 1);
    for (let c = 0; c < channels; c++) b[i * channels + c]! *= g;
  }
}

/** The open microphone: its stream, feeding the spiceweb-capture worklet. */
export class Mic {
  private readonly source: MediaStreamAudioSourceNode;
  private readonly node: AudioWorkletNode;
  private readonly sink: GainNode;
  private closed = false;
  /** Called when the device goes away (unplugged, or the browser's own stop). */
  onEnded: () => void = () => {};
  onClose: () => void = () => {};

  constructor(
    ctx: AudioContext,
    private readonly stream: MediaStream,
    rate: number,
    channels: number,
    port: MessagePort,
  ) {
    this.source = ctx.createMediaStreamSource(stream);
    const opts: CaptureProcessorOptions = { rate, channels };
    this.node = new AudioWorkletNode(ctx, "spiceweb-capture", {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: opts,
    });
    // Silent, but connected, so that the graph pulls the worklet.
    this.sink = ctx.createGain();
    this.sink.gain.value = 0;
    this.source.connect(this.node);
    this.node.connect(this.sink);
    this.sink.connect(ctx.destination);
    this.node.port.postMessage({ t: "go", port }, [port]);
    for (const t of stream.getAudioTracks()) t.addEventListener("ended", () => this.onEnded());
  }

  /** The server's record volume (0..1, cubic) and mute. */
  setGain(volume: number, muted: boolean): void {
    const g = muted ? 0 : Math.pow(Math.max(0, Math.min(1, volume)), 3);
    if (!this.closed) this.node.port.postMessage({ t: "gain", g });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.stream.getTracks()) t.stop();
    this.source.disconnect();
    this.node.disconnect();
    this.sink.disconnect();
    this.node.port.close();
    this.onClose();
  }
}
