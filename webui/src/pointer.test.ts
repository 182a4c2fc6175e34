import assert from "node:assert/strict";
import { test } from "node:test";
import { MotionAccumulator, bitOfButton, buttonChanges, buttonOfBit, toGuest } from "./pointer";

test("button numbering", () => {
  // MouseEvent.buttons bits: 1 left, 2 right, 4 middle, 8 back, 16 forward.
  assert.deepEqual([0, 1, 2, 3, 4].map(bitOfButton), [1, 4, 2, 8, 16]);
  assert.deepEqual([1, 2, 4, 8, 16].map(buttonOfBit), [0, 2, 1, 3, 4]);
  assert.equal(bitOfButton(5), 0);
  assert.equal(bitOfButton(-1), 0);
});

test("buttonChanges", async (t) => {
  const cases: Array<{ name: string; prev: number; next: number; want: Array<[number, boolean]> }> = [
    { name: "nothing", prev: 0, next: 0, want: [] },
    { name: "left down", prev: 0, next: 1, want: [[0, true]] },
    { name: "left up", prev: 1, next: 0, want: [[0, false]] },
    { name: "right down is button 2", prev: 0, next: 2, want: [[2, true]] },
    { name: "middle down is button 1", prev: 0, next: 4, want: [[1, true]] },
    { name: "right pressed during a left drag", prev: 1, next: 3, want: [[2, true]] },
    { name: "swap: releases come first", prev: 1, next: 4, want: [[0, false], [1, true]] },
    { name: "back and forward", prev: 0, next: 24, want: [[3, true], [4, true]] },
    { name: "all released", prev: 31, next: 0, want: [[0, false], [1, false], [2, false], [3, false], [4, false]] },
    { name: "unknown high bits ignored", prev: 0, next: 32, want: [] },
  ];
  for (const c of cases) {
    await t.test(c.name, () =>
      assert.deepEqual(
        buttonChanges(c.prev, c.next).map((x) => [x.button, x.down]),
        c.want,
      ),
    );
  }
});

test("toGuest", async (t) => {
  const cases: Array<{ name: string; x: number; y: number; box: { left: number; top: number; width: number; height: number }; gw: number; gh: number; want: { x: number; y: number } }> = [
    { name: "1:1 at origin", x: 10, y: 20, box: { left: 10, top: 20, width: 1024, height: 768 }, gw: 1024, gh: 768, want: { x: 0, y: 0 } },
    { name: "1:1 inside", x: 110.5, y: 220.9, box: { left: 10, top: 20, width: 1024, height: 768 }, gw: 1024, gh: 768, want: { x: 100, y: 200 } },
    { name: "scaled down by 2", x: 100, y: 50, box: { left: 0, top: 0, width: 512, height: 384 }, gw: 1024, gh: 768, want: { x: 200, y: 100 } },
    { name: "scaled up by 2", x: 101, y: 51, box: { left: 0, top: 0, width: 2048, height: 1536 }, gw: 1024, gh: 768, want: { x: 50, y: 25 } },
    { name: "bottom-right edge maps to the last pixel", x: 512, y: 384, box: { left: 0, top: 0, width: 512, height: 384 }, gw: 1024, gh: 768, want: { x: 1023, y: 767 } },
    { name: "outside is clamped", x: -50, y: 9999, box: { left: 0, top: 0, width: 512, height: 384 }, gw: 1024, gh: 768, want: { x: 0, y: 767 } },
    { name: "empty canvas", x: 5, y: 5, box: { left: 0, top: 0, width: 0, height: 0 }, gw: 0, gh: 0, want: { x: 0, y: 0 } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(toGuest(c.x, c.y, c.box, c.gw, c.gh), c.want));
  }
});

test("MotionAccumulator", () => {
  const m = new MotionAccumulator();
  assert.deepEqual(m.add(3, -4, 1), { dx: 3, dy: -4 });
  // At half size each CSS pixel is two guest pixels.
  assert.deepEqual(m.add(3, -4, 2), { dx: 6, dy: -8 });
  // Shown at double size, single-pixel moves add up over two events.
  assert.deepEqual(m.add(1, 1, 0.5), { dx: 0, dy: 0 });
  assert.deepEqual(m.add(1, 1, 0.5), { dx: 1, dy: 1 });
  assert.deepEqual(m.add(NaN, 2, 0), { dx: 0, dy: 2 });
  m.add(1, 1, 0.5);
  m.reset();
  assert.deepEqual(m.add(1, 1, 0.5), { dx: 0, dy: 0 });
});
