import assert from "node:assert/strict";
import { test } from "node:test";
import { runInNewContext } from "node:vm";
import { PlayQueue, Resampler } from "./audio/dsp";
import { fadeIn } from "./audio/output";
import { workletSource } from "./audio/worklet";

// A sine of hz at rate, n frames, interleaved into ch channels.
function sine(rate: number, hz: number, n: number, ch = 1, amp = 0.5): Float32Array {
  const out = new Float32Array(n * ch);
  for (let i = 0; i < n; i++) for (let c = 0; c < ch; c++) out[i * ch + c] = amp * Math.sin((2 * Math.PI * hz * i) / rate);
  return out;
}

// The power of frequency hz in x (one channel of ch), Goertzel.
function power(x: Float32Array, rate: number, hz: number, ch = 1, c = 0): number {
  const w = (2 * Math.PI * hz) / rate;
  const k = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  const n = x.length / ch;
  for (let i = 0; i < n; i++) {
    const s0 = x[i * ch + c]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (n * n);
}

// Resamples x through r in pieces of the given sizes.
function run(r: Resampler, x: Float32Array, pieces: number[]): Float32Array {
  const ch = r.channels;
  const out: number[] = [];
  let at = 0;
  let i = 0;
  while (at < x.length / ch) {
    const n = Math.min(pieces[i++ % pieces.length]!, x.length / ch - at);
    const buf = new Float32Array(r.maxOutput(n) * ch);
    const got = r.process(x.subarray(at * ch), n, buf);
    out.push(...buf.subarray(0, got * ch));
    at += n;
  }
  return Float32Array.from(out);
}

test("the resampler keeps a tone's frequency and level, 44.1 to 48 kHz and back, in any piece sizes", () => {
  for (const [from, to] of [
    [44100, 48000],
    [48000, 44100],
    [48000, 16000],
  ] as const) {
    const x = sine(from, 1000, from, 2);
    const y = run(new Resampler(from, to, 2), x, [128, 37, 441, 1]);
    const frames = y.length / 2;
    // One second in, one second out, less the filter's delay: 8 input
    // frames upsampling, 8 output frames downsampling.
    const delay = Math.ceil(8 * Math.max(1, to / from));
    assert.ok(Math.abs(frames - (to - delay)) <= 2, `${from}->${to}: ${frames} frames for 1 s`);
    // Skip the filter's start; compare the steady part.
    const steady = y.subarray(2 * 200, 2 * (frames - 200));
    const p1k = power(steady, to, 1000, 2);
    assert.ok(Math.abs(p1k - 0.0625) < 0.003, `${from}->${to}: 1 kHz power ${p1k}, want 0.0625 (amplitude 0.5)`);
    assert.ok(power(steady, to, 1100, 2) < p1k / 1000, `${from}->${to}: energy leaked to 1.1 kHz`);
    // Channels stay apart and equal here.
    assert.ok(Math.abs(power(steady, to, 1000, 2, 1) - p1k) < 1e-4);
  }
});

test("downsampling removes what the new rate cannot carry instead of aliasing it", () => {
  // 10 kHz at 48 kHz, to 16 kHz (Nyquist 8 kHz): it would alias to 6 kHz.
  const y = run(new Resampler(48000, 16000, 1), sine(48000, 10000, 48000), [128]);
  const steady = y.subarray(200, y.length - 200);
  assert.ok(power(steady, 16000, 6000) < 0.0625 / 100, `alias at 6 kHz: power ${power(steady, 16000, 6000)}`);
});

test("the queue waits for its refill level, plays exactly, fades out when dry and counts an underrun", () => {
  const q = new PlayQueue(2, 1000, 4);
  q.refill = 300;
  const out = [new Float32Array(128), new Float32Array(128)];
  const pcm = new Float32Array(2 * 256);
  for (let i = 0; i < 256; i++) {
    pcm[2 * i] = (i + 1) / 1000;
    pcm[2 * i + 1] = -(i + 1) / 1000;
  }
  q.push(pcm, 256);
  q.pull(out, 128);
  assert.ok(out[0]!.every((v) => v === 0), "played before the refill level");
  assert.equal(q.played, 0);
  q.push(pcm, 256); // 512 queued now
  q.pull(out, 128);
  // Fade-in over 4 frames, then the samples as they are.
  // (Samples are float32: compare with float32 arithmetic.)
  const f = Math.fround;
  assert.equal(out[0]![0], f(f(1 / 1000) * f(1 - 4 / 5)));
  assert.equal(out[0]![10], f(11 / 1000));
  assert.equal(out[1]![10], f(-11 / 1000));
  q.pull(out, 128);
  q.pull(out, 128);
  q.pull(out, 128); // 512 played
  assert.equal(q.played, 512);
  assert.equal(q.underruns, 0);
  q.pull(out, 128); // dry
  assert.equal(q.underruns, 1);
  assert.ok(q.waiting);
  // The fade-out starts from the last frame played, then silence.
  const last = 256 / 1000;
  assert.ok(Math.abs(out[0]![0]! - last * (4 / 5)) < 1e-6, `fade-out starts at ${out[0]![0]}`);
  assert.ok(Math.abs(out[0]![3]! - last * (1 / 5)) < 1e-6);
  assert.ok(out[0]!.subarray(4).every((v) => v === 0));
});

test("the queue drops the oldest when full, discards on request, and plays out at the end", () => {
  const q = new PlayQueue(1, 100, 2);
  const ramp = Float32Array.from({ length: 150 }, (_, i) => i);
  q.push(ramp, 150);
  assert.equal(q.length, 100);
  assert.equal(q.dropped, 50);
  q.discard(30);
  assert.equal(q.length, 70);
  assert.equal(q.dropped, 80);
  q.refill = 1000; // more than it can ever hold...
  q.ending = true; // ...but the stream ended: play what is left
  const out = [new Float32Array(128)];
  q.pull(out, 128);
  assert.equal(out[0]![2], 82);
  assert.equal(out[0]![69], 149);
  assert.equal(q.played, 70);
  assert.equal(q.underruns, 0, "running out at the end is not an underrun");
  assert.equal(q.received, 150);
  assert.equal(q.received, q.played + q.dropped + q.length);
});

test("the queue's counters stay consistent under random use", () => {
  // A seeded generator, so a failure repeats.
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const ch = 1 + rnd(3);
    const q = new PlayQueue(ch, 1 + rnd(2000), rnd(64));
    const outs = Array.from({ length: 1 + rnd(3) }, () => new Float32Array(128));
    for (let step = 0; step < 400; step++) {
      switch (rnd(5)) {
        case 0: {
          const n = rnd(3000);
          q.push(new Float32Array(n * ch).fill(0.25), n);
          break;
        }
        case 1:
          q.discard(rnd(500) - 100);
          break;
        case 2:
          q.refill = rnd(3000);
          break;
        default:
          q.pull(outs, 128);
          for (const o of outs) assert.ok(o.every((v) => Number.isFinite(v) && Math.abs(v) <= 0.25 + 1e-6));
      }
      assert.ok(q.length >= 0 && q.length <= q.capacity);
      assert.equal(q.received, q.played + q.dropped + q.length);
    }
  }
});

test("fadeIn ramps the first frames of every channel", () => {
  const b = new Float32Array([1, 2, 1, 2, 1, 2]);
  fadeIn(b, 2, 2);
  const f = Math.fround;
  assert.deepEqual(Array.from(b), [f(1 / 3), f(2 / 3), f(2 / 3), f(4 / 3), 1, 2]);
});

// A stand-in for the AudioWorkletGlobalScope, enough to load the module.
function workletScope(rate: number) {
  const processors = new Map<string, new (o: unknown) => { port: FakePort; process: (i: Float32Array[][], o: Float32Array[][]) => boolean }>();
  class FakePort {
    onmessage: ((e: { data: unknown }) => void) | null = null;
    sent: unknown[] = [];
    postMessage(m: unknown): void {
      this.sent.push(m);
    }
  }
  class AudioWorkletProcessor {
    port = new FakePort();
  }
  const scope = {
    sampleRate: rate,
    AudioWorkletProcessor,
    registerProcessor: (name: string, ctor: never) => processors.set(name, ctor),
    Float32Array,
    Int16Array,
    Math,
  };
  return { scope, processors, FakePort };
}

test("the worklet module runs on its own and plays what its port brings, reporting back", () => {
  const { scope, processors, FakePort } = workletScope(48000);
  runInNewContext(workletSource(), scope);
  assert.deepEqual([...processors.keys()], ["spiceweb-playback", "spiceweb-capture"]);
  const P = processors.get("spiceweb-playback")!;
  const p = new P({ processorOptions: { rate: 48000, channels: 2, capacity: 4320 } });
  const go = new FakePort();
  p.port.onmessage!({ data: { t: "go", port: go } });
  go.onmessage!({ data: { t: "refill", n: 256 } });
  const pcm = new Float32Array(2 * 512).map((_, i) => (i % 2 ? -1 : 1) * 0.5);
  go.onmessage!({ data: { t: "pcm", data: pcm } });
  const out = [[new Float32Array(128), new Float32Array(128)]];
  for (let i = 0; i < 16; i++) p.process([], out);
  assert.equal(out[0]![0]![100], 0, "played past the end of what came");
  const reports = go.sent as Array<{ t: string; received: number; played: number; queued: number; underruns: number }>;
  assert.ok(reports.length >= 1, "no report after 16 quanta (43 ms)");
  const r = reports[reports.length - 1]!;
  assert.equal(r.t, "report");
  assert.equal(r.received, 512);
  assert.equal(r.played, 512);
  assert.equal(r.underruns, 1);

  // Capture: a 1 kHz tone at 48 kHz becomes 20 ms batches of 16-bit
  // frames at 16 kHz mono.
  const C = processors.get("spiceweb-capture")!;
  const c = new C({ processorOptions: { rate: 16000, channels: 1 } });
  const cgo = new FakePort();
  c.port.onmessage!({ data: { t: "go", port: cgo } });
  const tone = sine(48000, 1000, 48000);
  for (let i = 0; i < 375; i++) c.process([[tone.subarray(i * 128, (i + 1) * 128)]], []);
  const batches = cgo.sent as Array<{ t: string; data: Int16Array }>;
  assert.ok(batches.length >= 48 && batches.length <= 50, `${batches.length} batches for 1 s`);
  for (const b of batches) assert.equal(b.data.length, 320);
  const joined = new Float32Array(batches.length * 320);
  batches.forEach((b, i) => joined.set(Array.from(b.data, (v) => v / 32767), i * 320));
  const steady = joined.subarray(100);
  assert.ok(Math.abs(power(steady, 16000, 1000) - 0.0625) < 0.003, `captured 1 kHz power ${power(steady, 16000, 1000)}`);
});

test("the playback worklet resamples a stream whose rate the context does not run at", () => {
  const { scope, processors, FakePort } = workletScope(48000);
  runInNewContext(workletSource(), scope);
  const P = processors.get("spiceweb-playback")!;
  // 44.1 kHz stereo in a 48 kHz context.
  const p = new P({ processorOptions: { rate: 44100, channels: 2, capacity: 3969 } });
  const go = new FakePort();
  p.port.onmessage!({ data: { t: "go", port: go } });
  go.onmessage!({ data: { t: "refill", n: 441 } });
  const out = [[new Float32Array(128), new Float32Array(128)]];
  const heard: number[] = [];
  // 20 ms batches at 44.1 kHz, one per 20 ms of 48 kHz quanta.
  const tone = sine(44100, 1000, 44100, 2);
  let q = 0;
  for (let b = 0; b < 50; b++) {
    go.onmessage!({ data: { t: "pcm", data: tone.slice(b * 882 * 2, (b + 1) * 882 * 2) } });
    for (; q < ((b + 1) * 48000 * 0.02) / 128; q++) {
      p.process([], out);
      heard.push(...out[0]![0]!);
    }
  }
  const steady = Float32Array.from(heard.slice(4800, 40000));
  assert.ok(Math.abs(power(steady, 48000, 1000) - 0.0625) < 0.004, `1 kHz power ${power(steady, 48000, 1000)}`);
  const reports = go.sent as Array<{ received: number; played: number; queued: number; dropped: number; underruns: number }>;
  const r = reports[reports.length - 1]!;
  // Reports count frames of the stream, not of the context (the last one
  // came before the last batch or two).
  assert.ok(r.received <= 44100 && r.received >= 44100 - 2 * 882, `received ${r.received}`);
  assert.ok(Math.abs(r.received - r.played - r.queued - r.dropped) <= 2, JSON.stringify(r));
  assert.ok(r.queued < 882 * 2, `queued ${r.queued} stream frames`);
});
