// Starting a session next to the Go module, wherever the module runs (the
// worker, or the page when there is no worker): the one place that turns
// connect options into a running GoSession.

import type { GoModule, GoSession, GoStats, SessionEvents } from "./goapi";
import { errorText } from "./load";
import { SocketPool, type SocketStats } from "./sockets";

/** What a session needs besides the module and the canvas. */
export interface SessionOptions {
  /** Websocket URL for every channel, token included. */
  url: string;
  /** Websocket subprotocol; "" offers none. */
  protocol: string;
  password: string;
  compression?: string;
  /** Open the sound channels (ConnectOptions.audio). */
  audio?: boolean;
  videoCodecs?: string;
}

/** Counters of one session: the Go side's and its sockets'. */
export interface SessionStats extends GoStats {
  sockets: SocketStats;
}

export const zeroGoStats: GoStats = { callbacks: 0, calls: 0, frames: 0, rects: 0, presentedBytes: 0 };

/**
 * Starts a session on the module go resolves to. The main channel's
 * websocket opens at once, while the module may still be downloading and
 * compiling; Go takes it when it starts. The returned handle works at
 * once: input before Go runs is dropped (nothing is connected yet), and
 * disconnect() before it runs cancels the start.
 */
export function startSession(
  go: Promise<GoModule>,
  canvas: HTMLCanvasElement | OffscreenCanvas,
  opts: SessionOptions,
  events: SessionEvents,
): GoSession & { sessionStats(): SessionStats } {
  const pool = new SocketPool(opts.url, opts.protocol);
  pool.prepare(1);
  let s: GoSession | null = null;
  let ended = false;
  const end = () => {
    ended = true;
    pool.close();
  };
  const wrapped: SessionEvents = {
    ...events,
    status: (state, message) => {
      // A session that has ended has no use for spare sockets.
      if (state === "disconnected" || state === "auth-failed") end();
      events.status(state, message);
    },
  };
  go.then(
    (mod) => {
      if (ended) return;
      s = mod.connect(
        {
          password: opts.password,
          canvas,
          sockets: pool,
          ...(opts.compression ? { compression: opts.compression } : {}),
          ...(opts.audio ? { audio: true } : {}),
          ...(opts.videoCodecs ? { videoCodecs: opts.videoCodecs } : {}),
        },
        wrapped,
      );
      if (!s) {
        // connect failed inside Go (it logged why to the console): say so
        // rather than stay "connecting" for ever.
        end();
        events.status("disconnected", "Could not start the client (the browser's console says why)");
      }
    },
    (e: unknown) => {
      if (ended) return;
      end();
      events.status("disconnected", `Could not start the client: ${errorText(e)}`);
    },
  );
  const stats = (): GoStats => s?.stats() ?? zeroGoStats;
  return {
    key: (code, down) => s?.key(code, down) ?? false,
    mousePosition: (x, y) => s?.mousePosition(x, y),
    mouseMotion: (dx, dy) => s?.mouseMotion(dx, dy),
    mouseButton: (b, down) => s?.mouseButton(b, down),
    wheel: (steps) => s?.wheel(steps),
    releaseAll: () => s?.releaseAll(),
    ctrlAltDel: () => s?.ctrlAltDel(),
    typeText: (text) => s?.typeText(text) ?? 0,
    setClipboard: (data) => s?.setClipboard(data),
    setDisplaySize: (w, h) => s?.setDisplaySize(w, h),
    sendFile: (id, file, name) => s?.sendFile(id, file, name),
    cancelFile: (id) => s?.cancelFile(id),
    presentByTimer: (on) => s?.presentByTimer(on),
    reportFrames: (on) => s?.reportFrames(on),
    monitorCanvas: (key, x, y, width, height, canvas) => s?.monitorCanvas(key, x, y, width, height, canvas) ?? false,
    removeMonitorCanvas: (key) => s?.removeMonitorCanvas(key),
    // A port that comes before Go runs has no stream to go to.
    audioPort: (kind, epoch, port) => (s ? s.audioPort(kind, epoch, port) : port?.close()),
    disconnect: () => {
      if (s) s.disconnect();
      else end();
    },
    stats,
    sessionStats: () => {
      const sockets = { ...pool.stats };
      pool.stats.queuedPeak = 0; // a peak per stats() call, as Go's video.pendingPeak
      return { ...zeroGoStats, ...stats(), sockets };
    },
  };
}
