// The client's dedicated Worker: app.js runs here too (main.ts tells the
// two apart), loads the Go module, and runs the sessions the page asks for
// with the page's screen as an OffscreenCanvas. Decoding, drawing and every
// websocket live here; the page keeps only the DOM.

import type { GoModule, GoSession, SessionEvents } from "./goapi";
import { startSession } from "./host";
import { errorText, loadGo, loadTimes } from "./load";
import type { Call, FromWorker, ToWorker } from "./workerproto";

/** The parts of DedicatedWorkerGlobalScope used here (the DOM lib has no worker types). */
interface WorkerScope {
  importScripts(...urls: string[]): void;
  postMessage(msg: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: "message", fn: (ev: MessageEvent<ToWorker>) => void): void;
  addEventListener(type: "error" | "unhandledrejection", fn: (ev: Event) => void): void;
}

type Handle = GoSession & { sessionStats(): ReturnType<ReturnType<typeof startSession>["sessionStats"]> };

/** Runs the worker side; scope is the worker's global object. */
export function runWorker(scope: WorkerScope): void {
  const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
  let go: Promise<GoModule> | null = null;
  let canvas: OffscreenCanvas | null = null;
  const sessions = new Map<number, Handle>();

  // The page's prefetch of the module, once its "module" message comes.
  let moduleArrived: ((m: WebAssembly.Module | null) => void) | null = null;
  let moduleFailed: ((e: Error) => void) | null = null;

  const start = (wasmURL: string, wasmExecURL: string, prefetch: boolean) => {
    const module = prefetch
      ? new Promise<WebAssembly.Module | null>((resolve, reject) => {
          moduleArrived = resolve;
          moduleFailed = reject;
        })
      : undefined;
    if (typeof (globalThis as { Go?: unknown }).Go !== "function") {
      try {
        scope.importScripts(wasmExecURL);
      } catch (e) {
        go = Promise.reject(new Error(`could not load Go's loader (${wasmExecURL}): ${errorText(e)}`));
      }
    }
    go ??= loadGo({ wasmURL, onProgress: (message) => post({ t: "progress", message }), ...(module ? { module } : {}) });
    go.then(
      (mod) => post({ t: "ready", version: mod.version, keyCodes: mod.keyCodes(), times: { ...loadTimes } }),
      (e: unknown) => post({ t: "failed", message: errorText(e) }),
    );
  };

  const events = (id: number): SessionEvents => {
    const send = (e: keyof SessionEvents, a: unknown[], transfer: Transferable[] = []) => post({ t: "event", id, e, a }, transfer);
    return {
      status: (state, message) => {
        if (state === "disconnected" || state === "auth-failed") sessions.delete(id);
        send("status", [state, message]);
      },
      resize: (w, h) => send("resize", [w, h]),
      firstFrame: () => send("firstFrame", []),
      monitors: (list, w, h) => send("monitors", [list.map((m) => ({ ...m })), w, h]),
      frame: (x, y, w, h) => send("frame", [x, y, w, h]),
      cursor: (rgba, w, h, hx, hy) => {
        // rgba is Go's reused buffer: send a copy, moved rather than cloned.
        const copy = rgba ? rgba.slice() : null;
        send("cursor", [copy, w, h, hx, hy], copy ? [copy.buffer] : []);
      },
      cursorPosition: (x, y, visible) => send("cursorPosition", [x, y, visible]),
      mouseMode: (mode) => send("mouseMode", [mode]),
      guestName: (name) => send("guestName", [name]),
      notice: (message) => send("notice", [message]),
      log: (level, message) => send("log", [level, message]),
      agent: (state) => send("agent", [{ ...state }]),
      clipboard: (data) => {
        if (data.type === "text") {
          send("clipboard", [{ type: "text", text: data.text }]);
          return;
        }
        // Valid only during the call, like the cursor's pixels: copy, move.
        const copy = data.data.slice();
        send("clipboard", [{ type: "image", mime: data.mime, data: copy }], [copy.buffer]);
      },
      fileProgress: (fileID, state, sent, total, message) => send("fileProgress", [fileID, state, sent, total, message]),
      playback: (info) => send("playback", [info]),
      record: (info) => send("record", [info]),
    };
  };

  scope.addEventListener("message", (ev) => {
    const m = ev.data;
    switch (m.t) {
      case "init":
        if (!go) start(m.wasmURL, m.wasmExecURL, m.prefetch);
        return;
      case "module":
        if (m.error !== undefined) moduleFailed?.(new Error(m.error));
        else moduleArrived?.(m.module);
        moduleArrived = moduleFailed = null;
        return;
      case "connect": {
        if (m.canvas) canvas = m.canvas;
        if (!go || !canvas) {
          post({ t: "event", id: m.id, e: "status", a: ["disconnected", "The client's worker was not given its module or screen"] });
          return;
        }
        sessions.get(m.id)?.disconnect();
        sessions.set(m.id, startSession(go, canvas, m.opts, events(m.id)));
        return;
      }
      case "call": {
        const s = sessions.get(m.id);
        if (s) callSession(s, m);
        return;
      }
      case "audioPort": {
        const s = sessions.get(m.id);
        if (s) s.audioPort(m.kind, m.epoch, m.port);
        else m.port?.close();
        return;
      }
      case "monitorCanvas":
        sessions.get(m.id)?.monitorCanvas(m.key, m.x, m.y, m.width, m.height, m.canvas);
        return;
      case "disconnect":
        sessions.get(m.id)?.disconnect();
        return;
      case "stats":
        post({ t: "stats", q: m.q, stats: sessions.get(m.id)?.sessionStats() ?? null });
        return;
    }
  });
  // What escapes Go's and the handlers' own error handling still reaches the page.
  scope.addEventListener("error", (ev) => post({ t: "error", message: (ev as ErrorEvent).message || "error in the client's worker" }));
  scope.addEventListener("unhandledrejection", (ev) =>
    post({ t: "error", message: `unhandled rejection in the client's worker: ${errorText((ev as PromiseRejectionEvent).reason)}` }),
  );
  post({ t: "hello" });
}

// One forwarded call, each method named so that the type checker matches
// the arguments to it (a new SessionCall without a case does not compile).
function callSession(s: GoSession, c: Call): void {
  switch (c.m) {
    case "key":
      s.key(...c.a);
      return;
    case "mousePosition":
      s.mousePosition(...c.a);
      return;
    case "mouseMotion":
      s.mouseMotion(...c.a);
      return;
    case "mouseButton":
      s.mouseButton(...c.a);
      return;
    case "wheel":
      s.wheel(...c.a);
      return;
    case "releaseAll":
      s.releaseAll();
      return;
    case "ctrlAltDel":
      s.ctrlAltDel();
      return;
    case "typeText":
      s.typeText(...c.a);
      return;
    case "setClipboard":
      s.setClipboard(...c.a);
      return;
    case "setDisplaySize":
      s.setDisplaySize(...c.a);
      return;
    case "sendFile":
      s.sendFile(...c.a);
      return;
    case "cancelFile":
      s.cancelFile(...c.a);
      return;
    case "presentByTimer":
      s.presentByTimer(...c.a);
      return;
    case "reportFrames":
      s.reportFrames(...c.a);
      return;
    case "removeMonitorCanvas":
      s.removeMonitorCanvas(...c.a);
      return;
    default: {
      const never: never = c;
      void never;
    }
  }
}
