// The page's side of the client's worker: starts it, hands it the screen,
// and stands in for the Go module (GoSession) across postMessage.

import type { GoSession, GoStats, SessionEvents } from "./goapi";
import type { SessionOptions, SessionStats } from "./host";
import { zeroGoStats } from "./host";
import { type LoadTimes, compileClient, errorText } from "./load";
import { typeablePrefix } from "./typing";
import type { Call, FromWorker, SessionCall, ToWorker } from "./workerproto";

/**
 * Whether this browser can run the client in a worker: a Worker that can
 * draw into the page's canvas through an OffscreenCanvas 2D context.
 */
export function workerSupported(): boolean {
  if (typeof Worker !== "function" || typeof OffscreenCanvas !== "function") return false;
  if (typeof HTMLCanvasElement === "undefined" || typeof HTMLCanvasElement.prototype.transferControlToOffscreen !== "function") return false;
  try {
    return new OffscreenCanvas(1, 1).getContext("2d") !== null;
  } catch {
    return false;
  }
}

/** Where the worker's script and what it loads are. */
export interface WorkerURLs {
  /** app.js: the worker runs the same bundle as the page. */
  script: string;
  wasm: string;
  wasmExec: string;
}

/** What the page hears from the worker outside a session. */
export interface WorkerListener {
  progress(message: string): void;
  /** The worker failed as a whole (it crashed, or its module cannot load). */
  failed(message: string): void;
  log(level: string, message: string): void;
}

/** A running worker and the sessions in it. */
export class ClientWorker {
  private readonly worker: Worker;
  private readonly sessions = new Map<number, SessionEvents>();
  private readonly statsWaiters = new Map<number, (s: SessionStats | null) => void>();
  private keyCodes: Set<string> | null = null;
  /** When the worker's module load reached each step (see LoadTimes). */
  times: LoadTimes = {};
  private nextID = 1;
  private nextQuery = 1;
  private canvasSent = false;
  private dead = "";
  /** Resolves when the worker's script runs; rejects if it cannot start. */
  readonly started: Promise<void>;

  private constructor(worker: Worker, private readonly listener: WorkerListener) {
    this.worker = worker;
    this.started = new Promise((resolve, reject) => {
      let hello = false;
      worker.addEventListener("message", (ev: MessageEvent<FromWorker>) => {
        if (ev.data.t === "hello") {
          hello = true;
          resolve();
        }
        this.onMessage(ev.data);
      });
      worker.addEventListener("error", (ev) => {
        ev.preventDefault();
        const message = ev.message || "the client's worker could not start";
        if (!hello) reject(new Error(message));
        else this.fail(`the client's worker failed: ${message}`);
      });
    });
  }

  /**
   * Starts a worker running app.js, or returns null where the browser
   * refuses to (a cross-origin script that no blob worker can import
   * either, a Content-Security-Policy without worker-src).
   */
  static start(urls: WorkerURLs, listener: WorkerListener): ClientWorker | null {
    let w: Worker | null = null;
    try {
      w = new Worker(urls.script, { name: "spiceweb" });
    } catch {
      // A script from another origin cannot be a worker; a blob worker
      // may import it.
      try {
        const src = `importScripts(${JSON.stringify(urls.script)});`;
        w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })), { name: "spiceweb" });
      } catch {
        return null;
      }
    }
    const cw = new ClientWorker(w, listener);
    // The download and compilation start now, on the page (the compiler
    // runs on threads of its own), while the worker starts; the worker
    // gets the compiled module.
    cw.post({ t: "init", wasmURL: urls.wasm, wasmExecURL: urls.wasmExec, prefetch: true });
    compileClient(urls.wasm, listener.progress).then(
      (module) => {
        try {
          cw.post({ t: "module", module });
        } catch {
          cw.post({ t: "module", module: null }); // not cloneable here: the worker compiles
        }
      },
      (e: unknown) => cw.post({ t: "module", module: null, error: errorText(e) }),
    );
    return cw;
  }

  /** Whether the worker has failed; a new one is needed for more sessions. */
  get failed(): boolean {
    return this.dead !== "";
  }

  /** Whether the worker holds the page's canvas (it cannot be given back). */
  get hasCanvas(): boolean {
    return this.canvasSent;
  }

  /** Starts a session in the worker; the first one takes canvas over for good. */
  connect(canvas: HTMLCanvasElement, opts: SessionOptions, events: SessionEvents): GoSession & { readonly id: number } {
    const id = this.nextID++;
    this.sessions.set(id, events);
    if (this.dead) {
      const why = this.dead;
      queueMicrotask(() => this.endSession(id, why));
    } else if (!this.canvasSent) {
      const off = canvas.transferControlToOffscreen();
      this.canvasSent = true;
      this.post({ t: "connect", id, opts, canvas: off }, [off]);
    } else {
      this.post({ t: "connect", id, opts });
    }
    const call = <M extends SessionCall>(m: M, ...a: Parameters<GoSession[M]>) => this.post({ t: "call", id, m, a } as Call);
    return {
      id,
      key: (code, down) => {
        // The answer is needed now (to keep the key from the browser), so
        // it comes from the list the module gave, not from the worker.
        const known = this.keyCodes ? this.keyCodes.has(code) : code !== "" && code !== "Unidentified";
        if (known) call("key", code, down);
        return known;
      },
      mousePosition: (x, y) => call("mousePosition", x, y),
      mouseMotion: (dx, dy) => call("mouseMotion", dx, dy),
      mouseButton: (b, down) => call("mouseButton", b, down),
      wheel: (steps) => call("wheel", steps),
      releaseAll: () => call("releaseAll"),
      ctrlAltDel: () => call("ctrlAltDel"),
      typeText: (text) => {
        // Go's count would come back too late for a synchronous answer;
        // the rule it follows is typeablePrefix's (SpiceConsole sends only
        // that prefix anyway).
        call("typeText", text);
        return typeablePrefix(text);
      },
      setClipboard: (data) => call("setClipboard", data),
      setDisplaySize: (w, h) => call("setDisplaySize", w, h),
      sendFile: (fileID, file, name) => call("sendFile", fileID, file, name),
      cancelFile: (fileID) => call("cancelFile", fileID),
      presentByTimer: (on) => call("presentByTimer", on),
      reportFrames: (on) => call("reportFrames", on),
      removeMonitorCanvas: (key) => call("removeMonitorCanvas", key),
      monitorCanvas: (key, x, y, width, height, canvas) => {
        // A canvas of the page (a monitor's window) is handed over as an
        // OffscreenCanvas, as the screen is.
        let off: OffscreenCanvas | undefined;
        try {
          if (canvas && "transferControlToOffscreen" in canvas) off = canvas.transferControlToOffscreen();
          else if (canvas) off = canvas;
          this.post({ t: "monitorCanvas", id, key, x, y, width, height, ...(off ? { canvas: off } : {}) }, off ? [off] : []);
          return !this.dead;
        } catch {
          return false;
        }
      },
      audioPort: (kind, epoch, port) => this.post({ t: "audioPort", id, kind, epoch, port }, port ? [port] : []),
      disconnect: () => {
        this.sessions.delete(id);
        this.post({ t: "disconnect", id });
      },
      // The worker's counters need a round trip; SpiceConsole.stats() does it.
      stats: (): GoStats => ({ ...zeroGoStats }),
    };
  }

  /** The counters of session id (GoSession.id), from the worker. */
  stats(id: number): Promise<SessionStats | null> {
    if (this.dead) return Promise.resolve(null);
    const q = this.nextQuery++;
    return new Promise((resolve) => {
      this.statsWaiters.set(q, resolve);
      this.post({ t: "stats", id, q });
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.fail("the client's worker was stopped");
  }

  private post(m: ToWorker, transfer: Transferable[] = []): void {
    if (this.dead) return;
    this.worker.postMessage(m, transfer);
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case "hello":
        return;
      case "ready":
        this.keyCodes = new Set(m.keyCodes);
        this.times = m.times;
        this.listener.log("info", `client ${m.version} running in a worker`);
        return;
      case "failed":
        this.fail(m.message);
        return;
      case "progress":
        this.listener.progress(m.message);
        return;
      case "error":
        this.listener.log("error", m.message);
        return;
      case "stats": {
        const w = this.statsWaiters.get(m.q);
        this.statsWaiters.delete(m.q);
        w?.(m.stats);
        return;
      }
      case "event": {
        const ev = this.sessions.get(m.id);
        if (!ev) return;
        if (m.e === "status" && (m.a[0] === "disconnected" || m.a[0] === "auth-failed")) this.sessions.delete(m.id);
        (ev[m.e] as (...a: unknown[]) => void)(...m.a);
        return;
      }
    }
  }

  private fail(message: string): void {
    if (this.dead) return;
    this.dead = message;
    this.listener.failed(message);
    for (const id of [...this.sessions.keys()]) this.endSession(id, message);
    for (const w of this.statsWaiters.values()) w(null);
    this.statsWaiters.clear();
  }

  private endSession(id: number, message: string): void {
    const ev = this.sessions.get(id);
    this.sessions.delete(id);
    ev?.status("disconnected", `Could not start the client: ${message}`);
  }
}
