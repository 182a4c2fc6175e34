import assert from "node:assert/strict";
import { test } from "node:test";
import { type ClipboardAccess, type ClipboardEnv, type ClipboardItemLike, ClipboardSync, type PermissionLike, signature } from "./clipboard";
import type { ClipboardData } from "./goapi";

type Perm = "granted" | "denied" | "prompt";

class FakePermission implements PermissionLike {
  private fns: Array<() => void> = [];
  constructor(public state: Perm) {}
  addEventListener(_: "change", fn: () => void): void {
    this.fns.push(fn);
  }
  set(s: Perm): void {
    this.state = s;
    for (const f of this.fns) f();
  }
}

// A browser: a clipboard holding text or a PNG, permissions, focus.
class FakeBrowser {
  local: ClipboardData = { type: "text", text: "" };
  focus = true;
  readPerm = new FakePermission("granted");
  writePerm = new FakePermission("granted");
  reads = 0;
  writes: ClipboardData[] = [];
  /** What the browser stores instead of what was written (line endings, re-encoded PNGs). */
  transform = (d: ClipboardData): ClipboardData => d;

  env(over: Partial<ClipboardEnv> = {}): ClipboardEnv {
    const allowed = (p: FakePermission) => {
      if (p.state !== "granted") throw Object.assign(new Error("denied"), { name: "NotAllowedError" });
      if (!this.focus) throw Object.assign(new Error("Document is not focused."), { name: "NotAllowedError" });
    };
    const items = (): ClipboardItemLike[] => {
      const d = this.local;
      const type = d.type === "text" ? "text/plain" : "image/png";
      return [{ types: [type], getType: async () => new Blob([d.type === "text" ? d.text : (d.data as Uint8Array<ArrayBuffer>)]) }];
    };
    return {
      secure: true,
      framed: false,
      hasFocus: () => this.focus,
      clipboard: {
        readText: async () => {
          allowed(this.readPerm);
          this.reads++;
          return this.local.type === "text" ? this.local.text : "";
        },
        writeText: async (text) => {
          allowed(this.writePerm);
          this.writes.push({ type: "text", text });
          this.local = this.transform({ type: "text", text });
        },
        read: async () => {
          allowed(this.readPerm);
          this.reads++;
          return items();
        },
        write: async (its) => {
          allowed(this.writePerm);
          const blob = await (its[0] as unknown as { blob: Blob }).blob;
          const d: ClipboardData = { type: "image", mime: "image/png", data: new Uint8Array(await blob.arrayBuffer()) };
          this.writes.push(d);
          this.local = this.transform(d);
        },
      },
      queryPermission: async (name) => (name === "clipboard-read" ? this.readPerm : this.writePerm),
      // "Pixels": the bytes without the trailing zeros the fake's re-encoding adds.
      imageKey: async (png) => {
        let n = png.length;
        while (n > 0 && png[n - 1] === 0) n--;
        return Array.from(png.subarray(0, n)).join(",");
      },
      pngItem: (png) => ({ blob: png }) as unknown as ClipboardItem,
      ...over,
    };
  }
}

function host(agent = { text: true, images: false }) {
  const sent: string[] = [];
  const access: ClipboardAccess[] = [];
  return {
    sent,
    access,
    agent,
    h: {
      agent: () => agent,
      send: (d: ClipboardData) => sent.push(d.type === "text" ? d.text : `png:${d.data.length}`),
      accessChanged: (a: ClipboardAccess) => access.push(a),
      log: () => {},
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function dataTransfer(text: string): DataTransfer {
  return { getData: (t: string) => (t === "text/plain" ? text : ""), items: [] } as unknown as DataTransfer;
}

test("insecure context: nothing automatic, and says why", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const c = new ClipboardSync(b.env({ secure: false }), h);
  await c.whenReady();
  assert.equal(c.access.read, false);
  assert.equal(c.access.write, false);
  assert.match(c.access.reason, /not served over https/);
  b.local = { type: "text", text: "local" };
  await c.focused();
  assert.deepEqual(sent, [], "read the clipboard without access");
  c.fromGuest({ type: "text", text: "guest" });
  await settle();
  assert.deepEqual(b.writes, [], "wrote the clipboard without access");
  assert.deepEqual(c.guestData, { type: "text", text: "guest" });
  // The paste event works everywhere.
  assert.equal(await c.pasted(dataTransfer("pasted\r\ntext")), true);
  assert.deepEqual(sent, ["pasted\ntext"]);
});

test("granted: focus sends local changes once, guest copies are written locally", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  assert.deepEqual(c.access, { read: true, write: true, reason: "", canAsk: false });
  b.local = { type: "text", text: "one" };
  await c.focused();
  await c.focused();
  assert.deepEqual(sent, ["one"], "the same content was sent twice");
  // The guest copies: written locally, and not echoed back on focus.
  b.transform = (d) => (d.type === "text" ? { type: "text", text: d.text.replace(/\n/g, "\r\n") } : d);
  c.fromGuest({ type: "text", text: "from\nguest" });
  await settle();
  await settle();
  assert.deepEqual(b.local, { type: "text", text: "from\r\nguest" });
  await c.focused();
  assert.deepEqual(sent, ["one"], "the guest's own copy came back to it");
  // A local copy after that goes.
  b.local = { type: "text", text: "two" };
  await c.focused();
  assert.deepEqual(sent, ["one", "two"]);
  // An unchanged clipboard pasted with Ctrl+V: nothing new to send.
  assert.equal(await c.pasted(dataTransfer("two")), false);
});

test("a local copy right after the guest's is not taken for its echo", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  c.fromGuest({ type: "text", text: "guest" });
  await settle();
  b.local = { type: "text", text: "user copy" }; // before anything else ran
  await settle();
  await settle();
  await c.focused();
  assert.deepEqual(sent, ["user copy"]);
});

test("a read that races a clipboard change is tried again", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const env = b.env();
  const read = env.clipboard!.readText;
  let fails = 2;
  env.clipboard!.readText = () => (fails-- > 0 ? Promise.reject(Object.assign(new Error("Clipboard data has changed"), { name: "InvalidStateError" })) : read());
  const c = new ClipboardSync(env, h);
  await c.whenReady();
  b.local = { type: "text", text: "after the change" };
  await c.focused();
  assert.deepEqual(sent, ["after the change"]);
});

test("a focus while the guest's copy is being written sends nothing", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const env = b.env();
  const write = env.clipboard!.writeText;
  // A slow write: the clipboard changes only when it resolves.
  env.clipboard!.writeText = (text) => new Promise((r) => setTimeout(() => r(write(text)), 20));
  const c = new ClipboardSync(env, h);
  await c.whenReady();
  b.local = { type: "text", text: "old local" };
  await c.focused();
  c.fromGuest({ type: "text", text: "from the guest" });
  await c.focused(); // before the write has landed
  await c.focused();
  assert.deepEqual(b.local, { type: "text", text: "from the guest" });
  assert.deepEqual(sent, ["old local"], "the guest was sent stale or its own clipboard");
});

test("a write while the page has no focus waits for focus", async () => {
  const b = new FakeBrowser();
  const { h } = host();
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  b.focus = false;
  c.fromGuest({ type: "text", text: "first" });
  c.fromGuest({ type: "text", text: "latest" });
  await settle();
  assert.deepEqual(b.writes, []);
  b.focus = true;
  c.windowFocused();
  await settle();
  assert.deepEqual(b.writes, [{ type: "text", text: "latest" }], "only the latest content is written");
  assert.equal(c.access.write, true);
});

test("a refused write turns automatic writes off, with the reason", async () => {
  const b = new FakeBrowser();
  const { h, access } = host();
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  b.writePerm.state = "denied"; // refused without a permission change (Firefox without a click)
  c.fromGuest({ type: "text", text: "x" });
  await settle();
  await settle();
  assert.equal(c.access.write, false);
  assert.equal(c.access.read, true);
  assert.match(c.access.reason, /refused to write/);
  assert.ok(access.length > 0, "no access change reported");
});

test("a write refused for want of a click waits for the next gesture (Firefox)", async () => {
  const b = new FakeBrowser();
  const { h } = host();
  let active = false;
  const env = b.env({ activation: () => active });
  const writeText = env.clipboard!.writeText;
  // Firefox: no permissions to query, writes only during a gesture.
  env.queryPermission = async () => {
    throw new TypeError("'clipboard-write' is not a valid value for enumeration PermissionName.");
  };
  env.clipboard!.writeText = (text) =>
    active ? writeText(text) : Promise.reject(Object.assign(new Error("Clipboard write was blocked due to lack of user activation."), { name: "NotAllowedError" }));
  const c = new ClipboardSync(env, h);
  await c.whenReady();
  assert.equal(c.access.write, true);
  c.fromGuest({ type: "text", text: "unattended" });
  await settle();
  await settle();
  assert.deepEqual(b.writes, []);
  assert.equal(c.access.write, true, "a refusal without a gesture turned writing off");
  c.fromGuest({ type: "text", text: "latest" });
  await settle();
  await settle();
  active = true;
  c.gesture();
  await settle();
  assert.deepEqual(b.writes, [{ type: "text", text: "latest" }], "the gesture wrote the latest copy");
  c.fromGuest({ type: "text", text: "right after a click" });
  await settle();
  assert.deepEqual(b.writes.at(-1), { type: "text", text: "right after a click" });
  // A refusal during a gesture is the browser's final word.
  env.clipboard!.writeText = () => Promise.reject(Object.assign(new Error("denied"), { name: "NotAllowedError" }));
  c.fromGuest({ type: "text", text: "refused" });
  await settle();
  await settle();
  assert.equal(c.access.write, false);
});

test("an image the browser cannot take does not turn writing off", async () => {
  const b = new FakeBrowser();
  const { h } = host({ text: true, images: true });
  const env = b.env();
  env.clipboard!.write = () => Promise.reject(Object.assign(new Error("Failed to read or decode ClipboardItemData for type image/png."), { name: "DataError" }));
  const c = new ClipboardSync(env, h);
  await c.whenReady();
  c.fromGuest({ type: "image", mime: "image/png", data: new Uint8Array([1, 2, 3]) });
  await settle();
  await settle();
  assert.equal(c.access.write, true);
  c.fromGuest({ type: "text", text: "next" });
  await settle();
  assert.deepEqual(b.writes, [{ type: "text", text: "next" }]);
});

test("permission prompt: ask() from a click turns reading on", async () => {
  const b = new FakeBrowser();
  b.readPerm = new FakePermission("prompt");
  const { h, sent, access } = host();
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  assert.equal(c.access.read, false);
  assert.equal(c.access.canAsk, true);
  assert.match(c.access.reason, /not been allowed/);
  await c.focused();
  assert.equal(b.reads, 0, "read without permission");
  // The user allows in the browser's prompt: the read succeeds.
  b.local = { type: "text", text: "allowed" };
  const orig = b.readPerm;
  orig.state = "granted";
  const a = await c.ask();
  assert.equal(a.read, true);
  assert.deepEqual(sent, ["allowed"]);
  assert.ok(access.some((x) => x.read));
});

test("permission changes are followed", async () => {
  const b = new FakeBrowser();
  const { h, access } = host();
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  const before = access.length;
  b.readPerm.set("denied");
  assert.equal(c.access.read, false);
  assert.match(c.access.reason, /blocked for this site/);
  b.readPerm.set("granted");
  assert.equal(c.access.read, true);
  assert.equal(access.length - before, 2);
});

test("a frame without clipboard permission names the embedder", async () => {
  const b = new FakeBrowser();
  b.readPerm = new FakePermission("denied");
  b.writePerm = new FakePermission("denied");
  const { h } = host();
  const c = new ClipboardSync(b.env({ framed: true }), h);
  await c.whenReady();
  assert.deepEqual([c.access.read, c.access.write], [false, false]);
  assert.match(c.access.reason, /allow="clipboard-read; clipboard-write"/);
});

test("no agent clipboard: nothing is read or sent", async () => {
  const b = new FakeBrowser();
  const { h, sent, agent } = host({ text: false, images: false });
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  b.local = { type: "text", text: "x" };
  await c.focused();
  assert.equal(await c.pasted(dataTransfer("y")), false);
  assert.equal(c.sendToGuest({ type: "text", text: "z" }), false);
  assert.deepEqual(sent, []);
  assert.equal(b.reads, 0);
  // The agent arrives: what was seen before is still news to it.
  agent.text = true;
  c.reset();
  await c.focused();
  assert.deepEqual(sent, ["x"]);
});

test("images: read on focus when the agent takes them, written back locally", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host({ text: true, images: true });
  const c = new ClipboardSync(b.env(), h);
  await c.whenReady();
  b.local = { type: "image", mime: "image/png", data: new Uint8Array([137, 80, 78, 71, 1, 2, 3]) };
  await c.focused();
  assert.deepEqual(sent, ["png:7"]);
  // The browser re-encodes the guest's PNG: read back, not sent back.
  b.transform = (d) => (d.type === "image" ? { ...d, data: new Uint8Array([...d.data, 0]) } : d);
  c.fromGuest({ type: "image", mime: "image/png", data: new Uint8Array([137, 80, 78, 71, 9]) });
  await settle();
  await settle();
  await settle();
  assert.equal(b.writes.length, 1);
  await c.focused();
  assert.deepEqual(sent, ["png:7"], "the re-encoded guest image was sent back");
});

test("turned off by the embedder: nothing automatic, paste events still go", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const c = new ClipboardSync(b.env(), h, false);
  await c.whenReady();
  assert.deepEqual(c.access, { read: false, write: false, reason: "the page embedding this console turned automatic clipboard sync off", canAsk: false });
  b.local = { type: "text", text: "x" };
  await c.focused();
  c.fromGuest({ type: "text", text: "g" });
  await settle();
  assert.deepEqual([b.reads, b.writes.length], [0, 0]);
  assert.equal(await c.pasted(dataTransfer("pasted")), true);
  assert.deepEqual(sent, ["pasted"]);
});

test("a frame blocked by the permissions policy, whatever the permission says", async () => {
  const b = new FakeBrowser(); // both permissions "granted", as Chrome answers in such a frame
  const { h } = host();
  const c = new ClipboardSync(b.env({ framed: true, policyAllows: () => false }), h);
  await c.whenReady();
  assert.deepEqual(c.access, {
    read: false,
    write: false,
    reason: 'the page this console is embedded in does not let it use the clipboard (its iframe needs allow="clipboard-read; clipboard-write")',
    canAsk: false,
  });
});

test("a read refused by the permissions policy (a browser that cannot tell beforehand)", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const env = b.env({ framed: true });
  const orig = env.clipboard!.readText;
  env.clipboard!.readText = () => Promise.reject(new Error("The Clipboard API has been blocked because of a permissions policy applied to the current document."));
  delete env.clipboard!.read;
  const c = new ClipboardSync(env, h);
  await c.whenReady();
  assert.equal(c.access.read, true);
  await c.focused();
  assert.equal(c.access.read, false);
  assert.match(c.access.reason, /allow="clipboard-read; clipboard-write"/);
  env.clipboard!.readText = orig;
  await c.focused();
  assert.deepEqual(sent, [], "read again after the policy refused");
});

test("signature tells contents apart", () => {
  const png = (b: number[]) => signature({ type: "image", mime: "image/png", data: new Uint8Array(b) });
  assert.notEqual(png([1, 2, 3]), png([1, 2, 4]));
  assert.equal(png([1, 2, 3]), png([1, 2, 3]));
  assert.notEqual(signature({ type: "text", text: "a" }), signature({ type: "text", text: "b" }));
});

test("too large: not sent", async () => {
  const b = new FakeBrowser();
  const { h, sent } = host();
  const c = new ClipboardSync(b.env(), h);
  assert.equal(c.sendToGuest({ type: "text", text: "x".repeat((16 << 20) + 1) }), false);
  assert.deepEqual(sent, []);
});
