// The client's dedicated Worker: app.js runs here too (main.ts tells the
// two apart), loads the Go module, and runs the sessions the page asks for
// with the page's screen as an OffscreenCanvas. Decoding, drawing and every
// websocket live here; the page keeps only the DOM.

import type { GoModule, GoSession, SessionEvents } from "./goapi";
import { startSession } from "./host";
import { errorText, loadGo, loadTimes } from "./load";
import type { FromWorker, ToWorker } from "./workerproto";

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
      cursor: (rgba, w, h, hx, hy) => {
        // rgba is Go's reused buffer: send a copy, moved rather than cloned.
        const copy = rgba ? rgba.slice() : null;
        send("cursor", [copy, w, h, hx, hy], copy ? [copy.buffer] : []);
      },
      cursorPosition: (x, y, visible) => send("cursorPosition", [x, y, visible]),
      mouseMode: (mode) => send("mouseMode", [mode]),
      log: (level, message) => send("log", [level, message]),
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
        if (!s) return;
        const a = m.a;
        switch (m.m) {
          case "key":
            s.key(String(a[0]), Boolean(a[1]));
            return;
          case "mousePosition":
            s.mousePosition(Number(a[0]), Number(a[1]));
            return;
          case "mouseMotion":
            s.mouseMotion(Number(a[0]), Number(a[1]));
            return;
          case "mouseButton":
            s.mouseButton(Number(a[0]), Boolean(a[1]));
            return;
          case "wheel":
            s.wheel(Number(a[0]));
            return;
          case "releaseAll":
            s.releaseAll();
            return;
          case "ctrlAltDel":
            s.ctrlAltDel();
            return;
        }
        return;
      }
      case "audioPort": {
        const s = sessions.get(m.id);
        if (s) s.audioPort(m.kind, m.epoch, m.port);
        else m.port?.close();
        return;
      }
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
