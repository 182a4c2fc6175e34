import assert from "node:assert/strict";
import { test } from "node:test";
import { Debouncer, type GuestSize, RemoteSizer, type Timers, remoteSize } from "./resize";

// Timers that run when the test advances the clock.
class FakeTimers implements Timers {
  t = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.t + ms, fn });
    return id;
  }
  clear(h: unknown): void {
    this.due.delete(h as number);
  }
  now(): number {
    return this.t;
  }
  /** Moves the clock forward by ms, running what falls due in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.due) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
      if (!first) break;
      this.due.delete(first[0]);
      this.t = first[1].at;
      first[1].fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.due.size;
  }
}

test("remoteSize", async (t) => {
  const cases: Array<{ name: string; css: [number, number]; dpr: number; hidpi: boolean; want: GuestSize | null }> = [
    { name: "multiples of 8 stay", css: [1024, 768], dpr: 1, hidpi: false, want: { width: 1024, height: 768 } },
    { name: "rounded down to 8", css: [1023, 575], dpr: 1, hidpi: false, want: { width: 1016, height: 568 } },
    { name: "dpr ignored without hidpi", css: [800, 600], dpr: 2, hidpi: false, want: { width: 800, height: 600 } },
    { name: "hidpi: device pixels", css: [800, 600], dpr: 2, hidpi: true, want: { width: 1600, height: 1200 } },
    { name: "hidpi: fractional ratio", css: [801, 567], dpr: 1.25, hidpi: true, want: { width: 1000, height: 704 } },
    { name: "hidpi: 1.5 of an odd size lands on a whole pixel", css: [1366, 768], dpr: 1.5, hidpi: true, want: { width: 2048, height: 1152 } },
    { name: "tiny area: the minimum", css: [100, 50], dpr: 1, hidpi: false, want: { width: 320, height: 200 } },
    { name: "huge area: the maximum", css: [9000, 5000], dpr: 2, hidpi: true, want: { width: 8192, height: 8192 } },
    { name: "hidden console: nothing", css: [0, 600], dpr: 1, hidpi: false, want: null },
    { name: "bad ratio counts as 1", css: [640, 480], dpr: Number.NaN, hidpi: true, want: { width: 640, height: 480 } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(remoteSize(c.css[0], c.css[1], c.dpr, c.hidpi), c.want));
  }
});

test("Debouncer: fires once after the triggers stop", () => {
  const timers = new FakeTimers();
  let fired = 0;
  const d = new Debouncer(() => fired++, 200, 1000, timers);
  d.trigger();
  timers.advance(150);
  d.trigger();
  timers.advance(150);
  assert.equal(fired, 0, "fired while triggers kept coming");
  timers.advance(50);
  assert.equal(fired, 1);
  timers.advance(1000);
  assert.equal(fired, 1, "fired again without a trigger");
});

test("Debouncer: a run of triggers longer than maxWait still fires", () => {
  const timers = new FakeTimers();
  const at: number[] = [];
  const d = new Debouncer(() => at.push(timers.now()), 200, 1000, timers);
  for (let i = 0; i < 30; i++) {
    d.trigger();
    timers.advance(100);
  }
  // Triggers every 100 ms for 3 s: the first fires at 1000, the next run
  // starts at 1000 and fires at 2000 (then 3000, pending at the end).
  assert.deepEqual(at, [1000, 2000, 3000]);
});

test("Debouncer: flush and cancel", () => {
  const timers = new FakeTimers();
  let fired = 0;
  const d = new Debouncer(() => fired++, 200, 1000, timers);
  d.trigger();
  d.flush();
  assert.equal(fired, 1);
  assert.equal(d.pending, false);
  d.flush();
  assert.equal(fired, 1, "flush without a pending call fired");
  d.trigger();
  d.cancel();
  timers.advance(1000);
  assert.equal(fired, 1, "cancelled call fired");
  assert.equal(timers.pending, 0);
});

test("RemoteSizer", async (t) => {
  const setup = () => {
    const timers = new FakeTimers();
    const sent: string[] = [];
    const r = new RemoteSizer((s) => sent.push(`${s.width}x${s.height}`), { delayMs: 200, maxWaitMs: 1000, timers });
    return { timers, sent, r };
  };

  await t.test("nothing is asked while disabled", () => {
    const { timers, sent, r } = setup();
    r.area(800, 600, 1, false);
    timers.advance(1000);
    assert.deepEqual(sent, []);
    assert.deepEqual(r.target, { width: 800, height: 600 });
  });

  await t.test("enabling asks for the area at once", () => {
    const { sent, r } = setup();
    r.area(800, 600, 1, false);
    r.setEnabled(true);
    assert.deepEqual(sent, ["800x600"]);
  });

  await t.test("a guest already at the size is not asked", () => {
    const { sent, r } = setup();
    r.guest(800, 600);
    r.area(800, 600, 1, false);
    r.setEnabled(true);
    assert.deepEqual(sent, []);
  });

  await t.test("resizing is debounced to the last size", () => {
    const { timers, sent, r } = setup();
    r.area(800, 600, 1, false);
    r.setEnabled(true);
    r.guest(800, 600);
    for (const w of [810, 830, 850, 870]) {
      r.area(w, 600, 1, false);
      timers.advance(50);
    }
    assert.deepEqual(sent, ["800x600"]);
    timers.advance(200);
    assert.deepEqual(sent, ["800x600", "864x600"]);
  });

  await t.test("the same size is asked once, even if the guest keeps another", () => {
    const { timers, sent, r } = setup();
    r.area(800, 600, 1, false);
    r.setEnabled(true);
    r.guest(1024, 768); // the guest refused
    r.area(801, 601, 1, false); // rounds to the same size
    timers.advance(500);
    r.setEnabled(false);
    r.setEnabled(true);
    assert.deepEqual(sent, ["800x600"]);
    r.area(640, 480, 1, false);
    timers.advance(500);
    assert.deepEqual(sent, ["800x600", "640x480"]);
  });

  await t.test("disabling drops a pending request", () => {
    const { timers, sent, r } = setup();
    r.setEnabled(true);
    r.area(800, 600, 1, false);
    r.setEnabled(false);
    timers.advance(1000);
    assert.deepEqual(sent, []);
  });

  await t.test("a new session is asked again", () => {
    const { sent, r } = setup();
    r.area(800, 600, 1, false);
    r.setEnabled(true);
    r.setEnabled(false);
    r.reset();
    r.setEnabled(true);
    assert.deepEqual(sent, ["800x600", "800x600"]);
  });

  await t.test("HiDPI and the pixel ratio", () => {
    const { timers, sent, r } = setup();
    r.setEnabled(true);
    r.area(800, 600, 2, true);
    timers.advance(200);
    r.area(800, 600, 1.5, true); // moved to another monitor
    timers.advance(200);
    assert.deepEqual(sent, ["1600x1200", "1200x896"]);
  });

  await t.test("a hidden console asks nothing", () => {
    const { timers, sent, r } = setup();
    r.setEnabled(true);
    r.area(0, 0, 1, false);
    timers.advance(1000);
    assert.deepEqual(sent, []);
  });
});
