import assert from "node:assert/strict";
import { test } from "node:test";
import { type StorageLike, loadSettings, saveSettings, settingsKey } from "./settings";

class MemStorage implements StorageLike {
  m = new Map<string, string>();
  refuse = false;
  getItem(k: string): string | null {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    if (this.refuse) throw new Error("QuotaExceededError");
    this.m.set(k, v);
  }
}

test("settings round-trip", () => {
  const st = new MemStorage();
  assert.deepEqual(loadSettings(st), {});
  assert.equal(saveSettings(st, { scaling: "remote", hidpi: true }), true);
  assert.deepEqual(loadSettings(st), { scaling: "remote", hidpi: true });
  assert.equal(saveSettings(st, { hidpi: false }), true);
  assert.deepEqual(loadSettings(st), { hidpi: false });
  assert.equal(saveSettings(st, { hidpi: false, monitors: "windows" }), true);
  assert.deepEqual(loadSettings(st), { hidpi: false, monitors: "windows" });
  st.m.set(settingsKey, '{"monitors":"grid","scaling":"fit"}');
  assert.deepEqual(loadSettings(st), { scaling: "fit" });
});

test("unreadable settings count as unset", () => {
  const st = new MemStorage();
  for (const raw of ["{", "null", "42", '"fit"', '{"scaling":"stretch","hidpi":"yes"}', '{"scaling":7}']) {
    st.m.set(settingsKey, raw);
    assert.deepEqual(loadSettings(st), {}, raw);
  }
  st.m.set(settingsKey, '{"scaling":"none","future":1}');
  assert.deepEqual(loadSettings(st), { scaling: "none" });
  assert.deepEqual(loadSettings(null), {});
});

test("a storage that refuses", () => {
  const st = new MemStorage();
  st.refuse = true;
  assert.equal(saveSettings(st, { scaling: "fit" }), false);
  assert.equal(saveSettings(null, { scaling: "fit" }), false);
});
