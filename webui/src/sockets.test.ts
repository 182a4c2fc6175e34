import assert from "node:assert/strict";
import { test } from "node:test";
import { PooledSocket, SocketPool, type WebSocketLike, afterPostedTasks, concatChunks, maxSocketsPerSession, newSocketStats } from "./sockets";

// A WebSocket the test plays: it fires events when told.
class FakeWS implements WebSocketLike {
  binaryType: BinaryType = "blob";
  readyState = 0;
  sent: Uint8Array[] = [];
  closed = false;
  private readonly listeners = new Map<string, Array<(ev: Event) => void>>();
  addEventListener(type: string, fn: (ev: Event) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  fire(type: string, ev: object): void {
    for (const fn of this.listeners.get(type) ?? []) fn(ev as Event);
  }
  open(): void {
    this.readyState = 1;
    this.fire("open", {});
  }
  message(...bytes: number[]): void {
    this.fire("message", { data: Uint8Array.from(bytes).buffer });
  }
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  closeCode: number | undefined;
  close(code?: number): void {
    this.closed = true;
    this.closeCode = code;
  }
}

const bytes = (r: Uint8Array | null | false): number[] => (r ? Array.from(r) : []);

// Posted wakes have run.
const turn = afterPostedTasks;

test("messages that come while Go is busy are read in one batch and one wake", async () => {
  const ws = new FakeWS();
  const stats = newSocketStats();
  const s = new PooledSocket(ws, stats);
  let wakes = 0;
  s.attach(() => wakes++);
  assert.equal(ws.binaryType, "arraybuffer");
  assert.equal(s.read(), null); // Go waits: armed
  ws.open();
  await turn();
  assert.equal(wakes, 1, "open wakes the dialer");
  assert.equal(s.state, "open");
  assert.equal(s.read(), null);
  ws.message(1, 2);
  ws.message(3);
  ws.message(4, 5, 6);
  assert.equal(wakes, 1, "the wake comes after the message event, not during it");
  await turn();
  assert.equal(wakes, 2, "three messages, one wake");
  assert.deepEqual(bytes(s.read()), [1, 2, 3, 4, 5, 6]);
  assert.equal(s.read(), null);
  // Data while Go is not waiting does not wake it: it reads before waiting.
  const before = wakes;
  s.read(); // armed
  ws.message(7);
  const got = s.read(); // Go came back on its own before the wake ran
  assert.deepEqual(bytes(got), [7]);
  await turn();
  assert.equal(wakes, before, "a wake for data already read is dropped");
  assert.equal(stats.messages, 4);
  assert.equal(stats.bytesIn, 7);
});

test("close wakes a waiting reader and reports the code; nothing wakes after Go closes", async () => {
  const ws = new FakeWS();
  const s = new PooledSocket(ws, newSocketStats());
  let wakes = 0;
  s.attach(() => wakes++);
  ws.open();
  s.read();
  ws.fire("close", { code: 1011, reason: "server error" });
  await turn();
  assert.equal(wakes, 1);
  assert.equal(s.state, "closed");
  assert.equal(s.closeCode, 1011);
  assert.equal(s.closeReason, "server error");
  assert.equal(s.read(), false, "a closed socket with nothing left reads false");

  const ws2 = new FakeWS();
  const s2 = new PooledSocket(ws2, newSocketStats());
  let wakes2 = 0;
  s2.attach(() => wakes2++);
  ws2.open();
  s2.read();
  ws2.message(1);
  s2.close(); // Go closes before the posted wake runs
  await turn();
  assert.equal(wakes2, 0, "no call into Go after close");
  assert.equal(ws2.closed, true);
  assert.equal(ws2.closeCode, 1000, "closed with a code (websockify echoes a bare close as reserved 1005)");
  s2.send(Uint8Array.of(1));
  assert.equal(ws2.sent.length, 0, "nothing is sent on a closed socket");
});

test("a text frame is not SPICE and is dropped", async () => {
  const ws = new FakeWS();
  const s = new PooledSocket(ws, newSocketStats());
  s.attach(() => {});
  ws.open();
  ws.fire("message", { data: "hello" });
  assert.equal(s.read(), null);
});

test("concatChunks joins in order and does not copy a single chunk", () => {
  const a = Uint8Array.of(1, 2).buffer;
  assert.equal(concatChunks([a], 2).buffer, a);
  assert.deepEqual(Array.from(concatChunks([a, Uint8Array.of(3).buffer], 3)), [1, 2, 3]);
});

test("the pool hands out prepared sockets first and never opens more than its limit", async () => {
  const opened: FakeWS[] = [];
  const pool = new SocketPool("ws://h/x", "binary", () => {
    const ws = new FakeWS();
    opened.push(ws);
    return ws;
  });
  pool.prepare(1);
  assert.equal(opened.length, 1, "prepare opens at once");
  const main = pool.take(() => {});
  assert.equal(opened.length, 1, "take used the prepared socket");
  opened[0]!.open();
  assert.equal(main.state, "open");
  pool.prepare(100);
  assert.equal(opened.length, maxSocketsPerSession, `a server listing many channels gets at most ${maxSocketsPerSession} sockets`);
  for (let i = 1; i < maxSocketsPerSession; i++) pool.take(() => {});
  const over = pool.take(() => {});
  assert.equal(over.state, "closed");
  assert.match(over.closeReason, /more than 16 websockets/);
  assert.equal(pool.stats.opened, maxSocketsPerSession);
  pool.close();
});

test("spares the session never takes are closed", async () => {
  const opened: FakeWS[] = [];
  const pool = new SocketPool("ws://h/x", "", () => {
    const ws = new FakeWS();
    opened.push(ws);
    return ws;
  }, 16, 5);
  pool.prepare(2);
  pool.take(() => {});
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(opened.map((w) => w.closed), [false, true]);
  pool.prepare(1);
  pool.close();
  assert.equal(opened[2]!.closed, true, "close() closes spares at once");
  assert.equal(pool.take(() => {}).state, "closed", "no new sockets after close");
});

test("a socket that cannot be opened comes back closed with the reason", () => {
  const pool = new SocketPool("not a url", "", () => {
    throw new SyntaxError("Failed to construct 'WebSocket': The URL 'not a url' is invalid.");
  });
  const s = pool.take(() => {});
  assert.equal(s.state, "closed");
  assert.equal(s.closeCode, 1006);
  assert.match(s.closeReason, /is invalid/);
});
