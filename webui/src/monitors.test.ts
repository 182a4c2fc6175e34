import assert from "node:assert/strict";
import { test } from "node:test";
import type { MonitorInfo } from "./goapi";
import { intersect, parseMonitorsMode, shownArea, union } from "./monitors";

test("parseMonitorsMode", () => {
  assert.equal(parseMonitorsMode("side"), "side");
  assert.equal(parseMonitorsMode(" Windows "), "windows");
  assert.equal(parseMonitorsMode("window"), "windows");
  for (const bad of ["", "tiles", "1", null, undefined]) assert.equal(parseMonitorsMode(bad), undefined, String(bad));
});

test("shownArea: the console shows the whole canvas, or the first monitor in windows mode", () => {
  const two: MonitorInfo[] = [
    { channel: 0, id: 0, x: 0, y: 0, width: 1024, height: 768 },
    { channel: 0, id: 1, x: 1024, y: 0, width: 800, height: 600 },
  ];
  const whole = { channel: 0, id: 0, x: 0, y: 0, width: 1824, height: 768 };
  assert.deepEqual(shownArea("side", two, 1824, 768), whole);
  assert.deepEqual(shownArea("windows", two, 1824, 768), two[0]);
  // One monitor, or none reported yet: the whole canvas in either mode.
  assert.deepEqual(shownArea("windows", two.slice(0, 1), 1024, 768), { channel: 0, id: 0, x: 0, y: 0, width: 1024, height: 768 });
  assert.deepEqual(shownArea("windows", [], 640, 480), { channel: 0, id: 0, x: 0, y: 0, width: 640, height: 480 });
});

test("intersect and union", () => {
  const a = { x: 0, y: 0, width: 1024, height: 768 };
  const b = { x: 1024, y: 0, width: 1024, height: 768 };
  assert.equal(intersect(a, b), null, "touching is not overlapping");
  assert.deepEqual(intersect({ x: 1000, y: 700, width: 100, height: 100 }, b), { x: 1024, y: 700, width: 76, height: 68 });
  assert.deepEqual(intersect({ x: 5, y: 6, width: 7, height: 8 }, a), { x: 5, y: 6, width: 7, height: 8 });
  assert.deepEqual(union({ x: 5, y: 6, width: 10, height: 10 }, { x: 0, y: 20, width: 2, height: 2 }), { x: 0, y: 6, width: 15, height: 16 });
});
