import assert from "node:assert/strict";
import { test } from "node:test";
import { type Fit, type Scaling, fitScreen, parseScaling } from "./layout";

test("fitScreen", async (t) => {
  const cases: Array<{ name: string; c: [number, number]; g: [number, number]; s: Scaling; ratio?: number; want: Fit }> = [
    { name: "fits: 1:1", c: [1280, 800], g: [1024, 768], s: "down", want: { width: 1024, height: 768, scale: 1 } },
    { name: "too wide: shrink keeping aspect", c: [512, 800], g: [1024, 768], s: "down", want: { width: 512, height: 384, scale: 0.5 } },
    { name: "too tall: shrink keeping aspect", c: [2000, 384], g: [1024, 768], s: "down", want: { width: 512, height: 384, scale: 0.5 } },
    { name: "fit enlarges", c: [2048, 2000], g: [1024, 768], s: "fit", want: { width: 2048, height: 1536, scale: 2 } },
    { name: "fit also shrinks", c: [512, 2000], g: [1024, 768], s: "fit", want: { width: 512, height: 384, scale: 0.5 } },
    { name: "none stays 1:1 in a small box", c: [100, 100], g: [1024, 768], s: "none", want: { width: 1024, height: 768, scale: 1 } },
    { name: "remote: a guest that took the area is 1:1", c: [800, 568], g: [800, 568], s: "remote", want: { width: 800, height: 568, scale: 1 } },
    { name: "remote: a smaller guest is not enlarged", c: [1280, 800], g: [1024, 768], s: "remote", want: { width: 1024, height: 768, scale: 1 } },
    { name: "remote: a larger guest shrinks until it catches up", c: [512, 800], g: [1024, 768], s: "remote", want: { width: 512, height: 384, scale: 0.5 } },
    { name: "remote HiDPI: device pixels 1:1", c: [800, 600], g: [1600, 1200], s: "remote", ratio: 2, want: { width: 800, height: 600, scale: 0.5 } },
    { name: "remote HiDPI: smaller guest shown at device size", c: [800, 600], g: [800, 600], s: "remote", ratio: 2, want: { width: 400, height: 300, scale: 0.5 } },
    { name: "ratio only applies to remote", c: [2000, 2000], g: [800, 600], s: "down", ratio: 2, want: { width: 800, height: 600, scale: 1 } },
    { name: "no guest yet", c: [800, 600], g: [0, 0], s: "down", want: { width: 0, height: 0, scale: 1 } },
    { name: "hidden container keeps 1:1", c: [0, 0], g: [640, 480], s: "down", want: { width: 640, height: 480, scale: 1 } },
    { name: "tiny container never goes below one pixel", c: [1, 1], g: [4000, 10], s: "down", want: { width: 1, height: 1, scale: 1 / 4000 } },
  ];
  for (const c of cases) {
    await t.test(c.name, () => assert.deepEqual(fitScreen(c.c[0], c.c[1], c.g[0], c.g[1], c.s, c.ratio), c.want));
  }
});

test("parseScaling", () => {
  assert.equal(parseScaling("remote"), "remote");
  assert.equal(parseScaling(" FIT "), "fit");
  assert.equal(parseScaling("none"), "none");
  assert.equal(parseScaling("down"), "down");
  assert.equal(parseScaling("auto"), undefined);
  assert.equal(parseScaling("stretch"), undefined);
  assert.equal(parseScaling(undefined), undefined);
});
