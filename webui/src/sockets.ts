// The session's websockets, on the page side of the Go contract
// (GoSocketPool, GoSocket in goapi.ts).
//
// A websocket message used to reach Go as a Go callback that made five
// more calls into JavaScript to fetch its bytes. Here a message only
// queues its bytes (no Go involved); a waiting Go is woken once when the
// message's task is over and takes everything queued in one read (one
// callback and three calls per batch).

import type { GoSocket, GoSocketPool } from "./goapi";

/** At most this many sockets per session (main included), whatever the server lists. */
export const maxSocketsPerSession = 16;

/** A socket whose reader falls this far behind is closed rather than let grow. */
export const maxQueuedBytes = 256 << 20;

/** Spares not taken within this time are closed: the server had fewer channels. */
export const spareLifetimeMs = 15000;

/** Counters for benchmarks and diagnostics, shared by a pool's sockets. */
export interface SocketStats {
  /** websockets opened */
  opened: number;
  /** websocket messages received and their bytes */
  messages: number;
  bytesIn: number;
  /** batches Go read, and the wakes that told it to */
  reads: number;
  wakes: number;
  /** sends (Go's batches) and their bytes */
  sends: number;
  bytesOut: number;
  /** the most bytes one socket held unread by Go; the session's stats() restarts it */
  queuedPeak: number;
}

export function newSocketStats(): SocketStats {
  return { opened: 0, messages: 0, bytesIn: 0, reads: 0, wakes: 0, sends: 0, bytesOut: 0, queuedPeak: 0 };
}

/**
 * Runs callbacks once the current task is over (a microtask), never during
 * a call into Go, and all that were posted meanwhile together.
 *
 * A task of its own (a MessageChannel message) was tried first, so that
 * messages arriving while Go was busy would gather into one wake: profiled
 * with a scrolling xterm, Chromium delivered nearly every websocket message
 * in a task of its own anyway (1.16 messages per wake), and posting the
 * task cost more main-thread time than the calls into Go it saved.
 */
class TaskQueue {
  private readonly pending: Array<() => void> = [];

  post(fn: () => void): void {
    this.pending.push(fn);
    if (this.pending.length === 1) queueMicrotask(() => this.run());
  }

  private run(): void {
    const fns = this.pending.splice(0);
    for (const fn of fns) fn();
  }
}

const tasks = new TaskQueue();

/** Resolves after the tasks posted so far have run (for tests). */
export function afterPostedTasks(): Promise<void> {
  return new Promise((resolve) => tasks.post(resolve));
}

/** Joins chunks into one array (the common single chunk is not copied). */
export function concatChunks(chunks: ArrayBuffer[], total: number): Uint8Array {
  if (chunks.length === 1) return new Uint8Array(chunks[0]!);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(new Uint8Array(c), off);
    off += c.byteLength;
  }
  return out;
}

/** What PooledSocket needs of a WebSocket (a fake in tests). */
export interface WebSocketLike {
  binaryType: BinaryType;
  readonly readyState: number;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "close" | "error" | "message", listener: (ev: Event) => void): void;
}

export class PooledSocket implements GoSocket {
  state: "connecting" | "open" | "closed" = "connecting";
  closeCode = 0;
  closeReason = "";
  private chunks: ArrayBuffer[] = [];
  private queued = 0;
  private wakeFn: (() => void) | null = null;
  private armed = false;
  private wakePosted = false;

  constructor(
    private readonly ws: WebSocketLike | null,
    private readonly stats: SocketStats,
    failure = "",
  ) {
    if (!ws) {
      this.finish(1006, failure);
      return;
    }
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => {
      if (this.state !== "connecting") return;
      this.state = "open";
      this.notify();
    });
    ws.addEventListener("message", (ev) => this.onMessage((ev as MessageEvent).data));
    ws.addEventListener("close", (ev) => {
      const ce = ev as CloseEvent;
      this.finish(ce.code, ce.reason);
    });
    // The browser hides error details; the close event that follows has the code.
  }

  /** Gives the socket to Go: wake is how Go hears of data or a state change. */
  attach(wake: () => void): void {
    this.wakeFn = wake;
    if (this.armed || this.chunks.length > 0 || this.state !== "connecting") this.notify();
  }

  read(): Uint8Array | null | false {
    if (this.chunks.length === 0) {
      if (this.state === "closed") return false;
      this.armed = true;
      return null;
    }
    this.armed = false;
    this.stats.reads++;
    const out = concatChunks(this.chunks, this.queued);
    this.chunks = [];
    this.queued = 0;
    return out;
  }

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.state !== "open" || !this.ws) return;
    this.stats.sends++;
    this.stats.bytesOut += data.byteLength;
    this.ws.send(data);
  }

  close(): void {
    this.wakeFn = null;
    this.chunks = [];
    this.queued = 0;
    if (this.state === "closed") return;
    this.state = "closed";
    this.closeCode = 1000;
    // Always with a code: websockify echoes a bare close frame back as 1005,
    // a reserved code Chromium reports as a broken close frame (a console error).
    this.ws?.close(1000);
  }

  private onMessage(data: unknown): void {
    if (this.state === "closed" || !(data instanceof ArrayBuffer)) return; // text frames are not SPICE
    this.stats.messages++;
    this.stats.bytesIn += data.byteLength;
    this.chunks.push(data);
    this.queued += data.byteLength;
    if (this.queued > this.stats.queuedPeak) this.stats.queuedPeak = this.queued;
    if (this.queued > maxQueuedBytes) {
      this.chunks = [];
      this.queued = 0;
      this.ws?.close(1000);
      this.finish(1006, "the client fell more than 256 MiB behind the server");
      return;
    }
    this.notify();
  }

  private finish(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.closeCode = code;
    this.closeReason = reason;
    this.notify();
  }

  // Wakes Go if it is waiting, once the current task is over.
  private notify(): void {
    if (!this.armed || this.wakePosted || !this.wakeFn) return;
    this.wakePosted = true;
    tasks.post(() => {
      this.wakePosted = false;
      if (!this.armed || !this.wakeFn) return;
      this.armed = false;
      this.stats.wakes++;
      this.wakeFn();
    });
  }
}

/** Opens websockets; a parameter so that tests can fake it. */
export type SocketOpener = () => WebSocketLike;

/** The sockets of one session. */
export class SocketPool implements GoSocketPool {
  readonly stats = newSocketStats();
  private readonly spares: Array<{ sock: PooledSocket; timer: ReturnType<typeof setTimeout> }> = [];
  private opened = 0;
  private closed = false;

  constructor(
    readonly url: string,
    readonly protocol: string,
    private readonly open: SocketOpener = () => (protocol === "" ? new WebSocket(url) : new WebSocket(url, protocol)),
    private readonly limit = maxSocketsPerSession,
    private readonly spareMs = spareLifetimeMs,
  ) {}

  take(wake: () => void): GoSocket {
    const spare = this.spares.shift();
    const sock = spare ? (clearTimeout(spare.timer), spare.sock) : this.newSocket();
    sock.attach(wake);
    return sock;
  }

  prepare(n: number): void {
    for (let i = 0; i < n && this.opened < this.limit && !this.closed; i++) {
      const sock = this.newSocket();
      const timer = setTimeout(() => {
        const i = this.spares.findIndex((s) => s.sock === sock);
        if (i >= 0) this.spares.splice(i, 1);
        sock.close();
      }, this.spareMs);
      this.spares.push({ sock, timer });
    }
  }

  /** Closes the spares; sockets Go took are Go's to close. */
  close(): void {
    this.closed = true;
    for (const s of this.spares.splice(0)) {
      clearTimeout(s.timer);
      s.sock.close();
    }
  }

  private newSocket(): PooledSocket {
    if (this.closed) return new PooledSocket(null, this.stats, "the session has ended");
    if (this.opened >= this.limit) {
      return new PooledSocket(null, this.stats, `more than ${this.limit} websockets for one session`);
    }
    this.opened++;
    this.stats.opened++;
    try {
      return new PooledSocket(this.open(), this.stats);
    } catch (e) {
      // The constructor throws a SyntaxError for a malformed URL.
      return new PooledSocket(null, this.stats, e instanceof Error ? e.message : String(e));
    }
  }
}
