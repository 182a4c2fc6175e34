import assert from "node:assert/strict";
import { test } from "node:test";
import { Transfers, describeTransfer, formatBytes, transferRate } from "./transfers";

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test("a file's life: queued, sending, done", () => {
  const c = clock();
  const ts = new Transfers(c.now);
  const a = ts.add("a.iso", 2_000_000);
  assert.equal(a.state, "queued");
  assert.equal(describeTransfer(a, c.now()), "Waiting · 2.0 MB");
  ts.update(a.id, "queued", 0, 2_000_000, "");
  c.advance(10);
  ts.update(a.id, "sending", 0, 2_000_000, "");
  c.advance(1000);
  const mid = ts.update(a.id, "sending", 1_000_000, 2_000_000, "");
  assert.ok(mid);
  assert.equal(transferRate(mid, c.now()), 1_000_000);
  assert.equal(describeTransfer(mid, c.now()), "1.0 MB of 2.0 MB · 1.0 MB/s");
  c.advance(1000);
  const done = ts.update(a.id, "done", 1_999_000, 2_000_000, "");
  assert.ok(done);
  assert.equal(done.sent, 2_000_000, "done means every byte");
  assert.equal(describeTransfer(done, c.now()), "Sent · 2.0 MB");
  assert.equal(ts.active().length, 0);
});

test("reports that would move a transfer backwards are dropped", () => {
  const ts = new Transfers(clock().now);
  const a = ts.add("a", 100);
  ts.update(a.id, "sending", 50, 100, "");
  assert.equal(ts.update(a.id, "queued", 0, 100, ""), undefined, "sending → queued");
  assert.equal(ts.update(a.id, "sending", 20, 100, "")?.sent, 50, "progress went back");
  assert.equal(ts.update(a.id, "sending", 500, 100, "")?.sent, 100, "progress past the size");
  ts.update(a.id, "cancelled", 0, 0, "");
  assert.equal(ts.update(a.id, "done", 100, 100, ""), undefined, "a report after the end");
  assert.equal(ts.get(a.id)?.state, "cancelled");
  assert.equal(ts.update(99, "sending", 1, 1, ""), undefined, "unknown id");
});

test("failures keep the agent's words; the session's end fails the rest", () => {
  const c = clock();
  const ts = new Transfers(c.now);
  const a = ts.add("big.bin", 5e9);
  ts.add("b.txt", 10);
  const d = ts.add("d.txt", 10);
  ts.update(d.id, "done", 10, 10, "");
  const f = ts.update(a.id, "failed", 0, 5e9, "not enough space in the guest");
  assert.ok(f);
  assert.equal(describeTransfer(f, c.now()), "Failed: not enough space in the guest");
  const ended = ts.endAll("failed", "the session ended");
  assert.deepEqual(
    ended.map((t) => [t.name, t.state, t.message]),
    [["b.txt", "failed", "the session ended"]],
  );
  assert.equal(ts.get(d.id)?.state, "done", "a finished transfer was ended again");
  ts.clearFinished();
  assert.equal(ts.list().length, 0);
  const e = ts.add("e", 1);
  assert.ok(e.id > d.id, "ids are reused after clearing");
});

test("formatBytes", () => {
  const cases: Array<[number, string]> = [
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 KB"],
    [1536, "1.5 KB"],
    [200e6, "200 MB"],
    [1.2e9, "1.2 GB"],
    [5e15, "5000 TB"],
    [Number.NaN, "?"],
  ];
  for (const [n, want] of cases) assert.equal(formatBytes(n), want, String(n));
});
