import assert from "node:assert/strict";
import { test } from "node:test";
import { DOM_DELTA_LINE, DOM_DELTA_PAGE, DOM_DELTA_PIXEL, WheelAccumulator } from "./wheel";

test("WheelAccumulator", async (t) => {
  const cases: Array<{ name: string; events: Array<[number, number]>; want: number[] }> = [
    { name: "Chromium notches (100 px)", events: [[100, DOM_DELTA_PIXEL], [100, DOM_DELTA_PIXEL], [-100, DOM_DELTA_PIXEL]], want: [1, 1, -1] },
    { name: "fast spin in one event", events: [[300, DOM_DELTA_PIXEL]], want: [3] },
    { name: "Firefox lines (3 per notch)", events: [[3, DOM_DELTA_LINE], [-3, DOM_DELTA_LINE], [6, DOM_DELTA_LINE]], want: [1, -1, 2] },
    { name: "pages", events: [[1, DOM_DELTA_PAGE], [-2, DOM_DELTA_PAGE]], want: [1, -2] },
    { name: "touchpad deltas add up", events: [[30, DOM_DELTA_PIXEL], [30, DOM_DELTA_PIXEL], [30, DOM_DELTA_PIXEL], [30, DOM_DELTA_PIXEL]], want: [0, 0, 0, 1] },
    { name: "remainder is kept", events: [[150, DOM_DELTA_PIXEL], [50, DOM_DELTA_PIXEL]], want: [1, 1] },
    { name: "reversing drops the remainder", events: [[90, DOM_DELTA_PIXEL], [-90, DOM_DELTA_PIXEL], [-10, DOM_DELTA_PIXEL]], want: [0, 0, -1] },
    { name: "tenths of a notch add up exactly", events: Array.from({ length: 20 }, () => [10, DOM_DELTA_PIXEL] as [number, number]), want: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] },
    { name: "thirds of a notch (single lines) add up exactly", events: Array.from({ length: 6 }, () => [-1, DOM_DELTA_LINE] as [number, number]), want: [0, 0, -1, 0, 0, -1] },
    { name: "zero, NaN and horizontal-only events send nothing", events: [[0, DOM_DELTA_PIXEL], [NaN, DOM_DELTA_PIXEL], [Infinity, DOM_DELTA_LINE]], want: [0, 0, 0] },
    { name: "unknown deltaMode is treated as pixels", events: [[200, 7]], want: [2] },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const w = new WheelAccumulator();
      assert.deepEqual(
        c.events.map(([d, m]) => w.add(d, m)),
        c.want,
      );
    });
  }
});

test("WheelAccumulator.reset forgets partial notches", () => {
  const w = new WheelAccumulator();
  assert.equal(w.add(60, DOM_DELTA_PIXEL), 0);
  w.reset();
  assert.equal(w.add(60, DOM_DELTA_PIXEL), 0);
  assert.equal(w.add(40, DOM_DELTA_PIXEL), 1);
});

// Firefox's WheelEvent for one notch of a mouse wheel: 3 lines to a page
// that reads deltaMode first, else the same converted to pixels.
class FirefoxNotch {
  private modeRead = false;
  get deltaMode(): number {
    this.modeRead = true;
    return DOM_DELTA_LINE;
  }
  get deltaY(): number {
    return this.modeRead ? 3 : 57;
  }
}

test("WheelAccumulator.addEvent: one step per notch from Firefox", () => {
  const w = new WheelAccumulator();
  assert.deepEqual(
    [1, 2, 3].map(() => w.addEvent(new FirefoxNotch())),
    [1, 1, 1],
  );
});
