import assert from "node:assert/strict";
import { test } from "node:test";
import { type KeyLike, PasteKeys, type PasteTimers, isPasteKey, pasteForScreen } from "./paste";

class Timers implements PasteTimers {
  private next = 1;
  fns = new Map<number, () => void>();
  set(fn: () => void): unknown {
    const id = this.next++;
    this.fns.set(id, fn);
    return id;
  }
  clear(h: unknown): void {
    this.fns.delete(h as number);
  }
  runAll(): void {
    const fns = [...this.fns.values()];
    this.fns.clear();
    for (const f of fns) f();
  }
}

const k = (code: string, mods: Partial<KeyLike> = {}): KeyLike => ({ code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, repeat: false, ...mods });
const ctrlV = k("KeyV", { ctrlKey: true });
const dt = {} as DataTransfer;
const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(opts: { active?: boolean; sends?: boolean } = {}) {
  const timers = new Timers();
  const log: string[] = [];
  const p = new PasteKeys(
    {
      active: () => opts.active ?? true,
      key: (code, down) => log.push(`${code}${down ? "↓" : "↑"}`),
      paste: async () => {
        log.push("data");
        return opts.sends ?? true;
      },
    },
    { timers, waitMs: 250, settleMs: 100 },
  );
  return { timers, log, p };
}

test("pasteForScreen: Chrome's target, and Firefox's", () => {
  const screen = { n: "canvas" };
  const body = { n: "body" };
  const other = { n: "input" };
  assert.equal(pasteForScreen(screen, screen, screen, body), true, "Chrome: at the focused canvas");
  assert.equal(pasteForScreen(body, screen, screen, body), true, "Firefox: at the body, the canvas focused");
  assert.equal(pasteForScreen(body, screen, other, body), false, "at the body, another element focused");
  assert.equal(pasteForScreen(other, screen, other, body), false, "into another element");
  assert.equal(pasteForScreen(body, null, null, body), false, "no screen");
});

test("isPasteKey", () => {
  assert.equal(isPasteKey(ctrlV), true);
  assert.equal(isPasteKey(k("KeyV", { metaKey: true })), true);
  assert.equal(isPasteKey(k("KeyV", { ctrlKey: true, shiftKey: true })), true, "Ctrl+Shift+V (terminals)");
  assert.equal(isPasteKey(k("Insert", { shiftKey: true })), true);
  assert.equal(isPasteKey(k("KeyV")), false);
  assert.equal(isPasteKey(k("KeyV", { ctrlKey: true, altKey: true })), false, "AltGr combinations");
  assert.equal(isPasteKey(k("Insert", { ctrlKey: true })), false, "Ctrl+Insert is copy");
});

test("Ctrl+V: the data goes first, then the key", async () => {
  const { timers, log, p } = setup();
  assert.equal(p.key(ctrlV, true), "browser", "the browser must get the key to fire its paste event");
  assert.deepEqual(log, []);
  assert.equal(p.paste(dt), true);
  await settle();
  assert.deepEqual(log, ["data"], "the key went before the agent had time to take the data");
  timers.runAll();
  assert.deepEqual(log, ["data", "KeyV↓"]);
  assert.equal(p.key(ctrlV, false), "pass");
});

test("keys released while the data is on its way follow the paste key, in order", async () => {
  const { timers, log, p } = setup();
  p.key(ctrlV, true);
  p.paste(dt);
  assert.equal(p.key(ctrlV, false), "drop");
  assert.equal(p.key(k("ControlLeft"), false), "drop", "Ctrl released before the V went: the guest would type a v");
  await settle();
  assert.deepEqual(log, ["data"]);
  timers.runAll();
  assert.deepEqual(log, ["data", "KeyV↓", "KeyV↑", "ControlLeft↑"]);
  // Back to normal.
  assert.equal(p.key(k("KeyA"), true), "pass");
});

test("unchanged data: the key follows at once", async () => {
  const { log, p } = setup({ sends: false });
  p.key(ctrlV, true);
  p.paste(dt);
  await settle();
  assert.deepEqual(log, ["data", "KeyV↓"]);
});

test("no paste event: the key goes after the wait, or on release", () => {
  const a = setup();
  a.p.key(ctrlV, true);
  a.timers.runAll();
  assert.deepEqual(a.log, ["KeyV↓"]);
  assert.equal(a.p.key(ctrlV, false), "pass");

  const b = setup();
  b.p.key(ctrlV, true);
  assert.equal(b.p.key(ctrlV, false), "drop");
  assert.deepEqual(b.log, ["KeyV↓", "KeyV↑"]);
  assert.equal(b.timers.fns.size, 0, "the wait's timer was left running");
  // A late paste event brings the data only.
  b.p.paste(dt);
  assert.deepEqual(b.log, ["KeyV↓", "KeyV↑", "data"]);
});

test("repeats: held back before the key is down, passed after", async () => {
  const { timers, log, p } = setup();
  p.key(ctrlV, true);
  assert.equal(p.key({ ...ctrlV, repeat: true }, true), "drop", "a repeat would fire another browser paste");
  p.paste(dt);
  await settle();
  timers.runAll();
  assert.equal(p.key({ ...ctrlV, repeat: true }, true), "pass");
  assert.deepEqual(log, ["data", "KeyV↓"]);
});

test("without an agent's clipboard, keys are untouched", () => {
  const { log, p } = setup({ active: false });
  assert.equal(p.key(ctrlV, true), "pass");
  assert.equal(p.paste(dt), false);
  assert.deepEqual(log, []);
});

test("a paste without the key (the browser's menu) sends data only", async () => {
  const { log, p } = setup();
  assert.equal(p.paste(dt), true);
  await settle();
  assert.deepEqual(log, ["data"]);
});

test("reset forgets what was held back", async () => {
  const { timers, log, p } = setup();
  p.key(ctrlV, true);
  p.key(k("ControlLeft"), false);
  p.reset();
  timers.runAll();
  p.paste(dt);
  await settle();
  timers.runAll();
  assert.deepEqual(log, ["data"], "a key held back before the reset reached the guest");
  assert.equal(p.key(ctrlV, false), "pass");
});
