// A stand-in for wasm_exec.js plus the Go client, for browser tests of the
// page (browser_test.go serves it as wasm_exec.js). Not shipped.
//
// globalThis.Go mimics wasm_exec.js's class closely enough for load.ts:
// run(instance) installs globalThis.spicewebGo and never resolves, as a
// running Go program does. spicewebGo.connect draws a test pattern on the
// canvas, echoes every input into globalThis.fakeSpice.calls, and lets the
// test play the server through fakeSpice.session.events.
"use strict";

// Knobs come from the page URL's fragment, which the page itself ignores:
// #fake-password=secret&fake-size=800x600, or from the directory's name
// (/plain;fake-agent=all/spice_auto.html), which reaches the client's
// worker too: its location is app.js's. Guest agent knobs:
// fake-agent=clipboard,images,resize,files (or "all"): an agent with these
// connects right after the session; fake-guest-clipboard=TEXT: the guest
// copies TEXT once the agent is there; fake-file-delay=MS: the pause
// between 64 KiB pieces of a file.
const knobs = new URLSearchParams(location.hash.slice(1));
for (const kv of (location.pathname.split("/").at(-2) || "").split(";").slice(1)) {
  const [k, v] = kv.split("=");
  if (!knobs.has(k)) knobs.set(decodeURIComponent(k), decodeURIComponent(v || ""));
}
const size = /^(\d+)x(\d+)$/.exec(knobs.get("fake-size") || "") || [0, 1024, 768];

globalThis.fakeSpice = {
  width: Number(size[1]),
  height: Number(size[2]),
  requirePassword: knobs.get("fake-password") || "", // other passwords get "auth-failed"
  connectDelayMs: 20,
  // What happened.
  runs: 0, // Go.run calls
  connects: [], // ConnectOptions seen (url, password, protocol)
  calls: [], // input calls: [name, ...args]
  ports: [], // audioPort calls: {kind, epoch, port}
  session: null, // the latest session: {opts, events, closed}
  agent: agentKnob(knobs.get("fake-agent")),
  guestClipboard: knobs.get("fake-guest-clipboard"),
  fileDelayMs: Number(knobs.get("fake-file-delay") || 0),
  // Files the fake received completely: {id, name, size, fnv}.
  files: [],
  // A name that makes the fake guest refuse a file, and its words.
  refuse: { name: "full.bin", message: "not enough space in the guest" },
  // Plays the guest: the agent comes or goes, the guest copies.
  setAgent(state) {
    const s = this.session;
    if (s && !s.closed) {
      s.agent = { ...state };
      s.events.agent({ ...state });
    }
  },
  guestCopy(data) {
    const s = this.session;
    if (s && !s.closed) s.events.clipboard(data);
  },
};

function agentKnob(v) {
  const on = new Set((v || "").split(",").filter(Boolean));
  const all = on.has("all");
  const has = (k) => all || on.has(k);
  return {
    connected: on.size > 0,
    clipboard: has("clipboard"),
    clipboardImages: has("images"),
    resize: has("resize"),
    files: has("files"),
  };
}

// The US-layout rule of GoSession.typeText.
function typeable(text) {
  const n = Math.min(text.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x20 && c <= 0x7e) || c === 10 || c === 9)) return i;
  }
  return n;
}

// FNV-1a of a file's bytes, what the tests compare (crypto.subtle is
// missing on plain-http pages).
function fnv(bytes, h) {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

globalThis.Go = class {
  constructor() {
    this.importObject = {};
    this.argv = ["js"];
    this.env = {};
  }

  run(instance) {
    if (!(instance instanceof WebAssembly.Instance)) throw new Error("Go.run: WebAssembly.Instance expected");
    fakeSpice.runs++;
    globalThis.spicewebGo = { version: "fake", keyCodes: () => keyCodes, connect };
    return new Promise(() => {});
  }
};

// The codes the fake accepts, as the real module lists its keymap's.
const keyCodes = ["KeyA", "KeyB", "KeyV", "Tab", "Enter", "Escape", "ControlLeft", "AltLeft", "Delete", "ShiftLeft", "Insert"];

function connect(opts, events) {
  const f = globalThis.fakeSpice;
  f.connects.push({ url: opts.sockets.url, password: opts.password, protocol: opts.sockets.protocol });
  const s = { opts, events, closed: false, agent: null, files: [], cancelled: new Set(), sending: false };
  f.session = s;
  events.status("connecting", `Connecting to ${opts.url}…`);
  setTimeout(() => {
    if (s.closed) return;
    if (f.requirePassword !== "" && opts.password !== f.requirePassword) {
      s.closed = true;
      events.status("auth-failed", opts.password === "" ? "The server needs a password" : "Wrong password");
      return;
    }
    const c = opts.canvas;
    c.width = f.width;
    c.height = f.height;
    events.resize(c.width, c.height);
    drawPattern(c, "");
    events.mouseMode("client");
    events.cursor(arrow(), 12, 16, 1, 1);
    events.status("connected", "Connected (fake)");
    events.firstFrame();
    events.agent({ connected: false, clipboard: false, clipboardImages: false, resize: false, files: false });
    if (f.agent.connected) {
      s.agent = { ...f.agent };
      events.agent({ ...f.agent });
      if (f.guestClipboard) events.clipboard({ type: "text", text: f.guestClipboard });
    }
  }, f.connectDelayMs);

  // One file at a time, in order, read in pieces as Go does.
  const pump = async () => {
    if (s.sending) return;
    s.sending = true;
    while (s.files.length > 0 && !s.closed) {
      const { id, file, name } = s.files.shift();
      if (s.cancelled.has(id)) continue;
      if (name === f.refuse.name) {
        events.fileProgress(id, "failed", 0, file.size, f.refuse.message);
        continue;
      }
      let sent = 0;
      let h = 0x811c9dc5;
      events.fileProgress(id, "sending", 0, file.size, "");
      while (sent < file.size && !s.cancelled.has(id) && !s.closed) {
        const piece = new Uint8Array(await file.slice(sent, sent + 65536).arrayBuffer());
        h = fnv(piece, h);
        sent += piece.length;
        if (f.fileDelayMs > 0) await new Promise((r) => setTimeout(r, f.fileDelayMs));
        if (!s.cancelled.has(id)) events.fileProgress(id, "sending", sent, file.size, "");
      }
      if (s.cancelled.has(id) || s.closed) continue;
      f.files.push({ id, name, size: sent, fnv: h >>> 0 });
      events.log("debug", `fake file: ${JSON.stringify({ id, name, size: sent, fnv: h >>> 0 })}`);
      events.fileProgress(id, "done", sent, file.size, "");
    }
    s.sending = false;
  };

  // Calls are also logged, so that a test can see them when the fake runs
  // in the client's worker, where fakeSpice is out of the page's reach.
  const record = (...call) => {
    if (s.closed) return;
    f.calls.push(call);
    events.log("debug", `fake call: ${JSON.stringify(call)}`);
    drawPattern(opts.canvas, call.join(" "));
  };
  return {
    key(code, down) {
      if (!keyCodes.includes(code)) return false;
      record("key", code, down);
      return true;
    },
    mousePosition: (x, y) => record("mousePosition", x, y),
    mouseMotion: (dx, dy) => record("mouseMotion", dx, dy),
    mouseButton: (b, down) => record("mouseButton", b, down),
    wheel: (steps) => record("wheel", steps),
    releaseAll: () => record("releaseAll"),
    ctrlAltDel: () => record("ctrlAltDel"),
    typeText(text) {
      const n = typeable(text);
      record("typeText", text.slice(0, n));
      return n;
    },
    setClipboard(data) {
      if (!s.agent || !s.agent.clipboard) return;
      record("setClipboard", data.type, data.type === "text" ? data.text : data.data.length);
    },
    setDisplaySize(w, h) {
      record("setDisplaySize", w, h);
      if (!s.agent || !s.agent.resize) return;
      // The guest takes the size a moment later, as a real one does.
      setTimeout(() => {
        if (s.closed) return;
        const c = opts.canvas;
        c.width = w;
        c.height = h;
        events.resize(w, h);
        drawPattern(c, `resized to ${w}x${h}`);
      }, 30);
    },
    sendFile(id, file, name) {
      record("sendFile", id, name, file.size);
      if (!s.agent || !s.agent.files) {
        setTimeout(() => events.fileProgress(id, "failed", 0, file.size, "the guest agent is not connected"), 0);
        return;
      }
      s.files.push({ id, file, name });
      setTimeout(() => {
        events.fileProgress(id, "queued", 0, file.size, "");
        pump();
      }, 0);
    },
    cancelFile(id) {
      record("cancelFile", id);
      if (s.cancelled.has(id)) return;
      s.cancelled.add(id);
      setTimeout(() => events.fileProgress(id, "cancelled", 0, 0, ""), 0);
    },
    // Sound ports: kept (the test may play the worklet's peer) and logged.
    audioPort(kind, epoch, port) {
      f.ports.push({ kind, epoch, port });
      record("audioPort", kind, epoch, port !== null);
    },
    stats: () => ({ callbacks: 0, calls: f.calls.length, frames: 0, rects: 0, presentedBytes: 0 }),
    disconnect() {
      if (s.closed) return;
      s.closed = true;
      f.calls.push(["disconnect"]);
      // The real client reports the end asynchronously too.
      setTimeout(() => events.status("disconnected", "Closed by the client"), 0);
    },
  };
}

// Colour bars, a 64-px grid with corner markers (to check scaling and
// coordinate mapping by eye) and the last input call.
function drawPattern(c, text) {
  const ctx = c.getContext("2d");
  const w = c.width;
  const h = c.height;
  const bars = ["#c0c0c0", "#c0c000", "#00c0c0", "#00c000", "#c000c0", "#c00000", "#0000c0"];
  bars.forEach((col, i) => {
    ctx.fillStyle = col;
    ctx.fillRect(Math.floor((i * w) / bars.length), 0, Math.ceil(w / bars.length), h);
  });
  ctx.strokeStyle = "rgba(0,0,0,.35)";
  for (let x = 0; x <= w; x += 64) ctx.strokeRect(x + 0.5, -1, 0, h + 2);
  for (let y = 0; y <= h; y += 64) ctx.strokeRect(-1, y + 0.5, w + 2, 0);
  ctx.fillStyle = "#fff";
  for (const [x, y] of [[0, 0], [w - 16, 0], [0, h - 16], [w - 16, h - 16]]) ctx.fillRect(x, y, 16, 16);
  ctx.fillStyle = "rgba(0,0,0,.75)";
  ctx.fillRect(0, h / 2 - 30, w, 60);
  ctx.fillStyle = "#fff";
  ctx.font = "28px sans-serif";
  ctx.fillText(`fake guest ${w}×${h}  ${text}`, 24, h / 2 + 10);
}

// A 12×16 black arrow with a white outline, straight-alpha RGBA.
function arrow() {
  const w = 12;
  const h = 16;
  const px = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    const span = Math.min(y, w - 1);
    for (let x = 0; x <= span; x++) {
      if (y > 11 && x > 5) continue;
      const edge = x === 0 || x === span || y === h - 1 || (y > 11 && x === 5);
      const v = edge ? 255 : 0;
      px.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return px;
}
