import assert from "node:assert/strict";
import { test } from "node:test";
import type { GoModule, SessionEvents } from "./goapi";
import { startSession } from "./host";

// A WebSocket that never opens: startSession opens the main channel's at once.
class IdleWS {
  binaryType = "blob";
  readyState = 0;
  addEventListener(): void {}
  send(): void {}
  close(): void {}
}

test("a module whose connect fails ends the session with a message, not 'connecting' for ever", async () => {
  const g = globalThis as { WebSocket?: unknown };
  const saved = g.WebSocket;
  g.WebSocket = IdleWS;
  try {
    const states: Array<[string, string]> = [];
    const events = { status: (state: string, message: string) => states.push([state, message]) } as unknown as SessionEvents;
    // Go's connect answers null when it failed inside (it logged why).
    const mod = { version: "test", keyCodes: () => [], connect: () => null } as unknown as GoModule;
    startSession(Promise.resolve(mod), {} as OffscreenCanvas, { url: "ws://127.0.0.1:1/", protocol: "", password: "" }, events);
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(states.length, 1, `states ${JSON.stringify(states)}`);
    assert.equal(states[0]?.[0], "disconnected");
    assert.match(states[0]?.[1] ?? "", /Could not start the client/);
  } finally {
    g.WebSocket = saved;
  }
});
