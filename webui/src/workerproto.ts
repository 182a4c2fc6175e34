// The messages between the page (remote.ts) and the client's worker
// (worker.ts). Both sides import these types; nothing else crosses.

import type { GoSession, SessionEvents } from "./goapi";
import type { SessionOptions, SessionStats } from "./host";
import type { LoadTimes } from "./load";

/**
 * The GoSession methods the page forwards as they are. Their arguments
 * cross by structured clone: sendFile's Blob is a handle to the same bytes
 * (nothing is copied), setClipboard's image bytes are copied.
 */
export type SessionCall =
  | "key"
  | "mousePosition"
  | "mouseMotion"
  | "mouseButton"
  | "wheel"
  | "releaseAll"
  | "ctrlAltDel"
  | "typeText"
  | "setClipboard"
  | "setDisplaySize"
  | "sendFile"
  | "cancelFile"
  | "presentByTimer"
  | "reportFrames"
  | "removeMonitorCanvas";

/** One forwarded call: the method and its arguments, typed together. */
export type Call = { [M in SessionCall]: { t: "call"; id: number; m: M; a: Parameters<GoSession[M]> } }[SessionCall];

export type ToWorker =
  /**
   * First message: where Go's loader and the module are. With prefetch the
   * page compiles the module and a "module" message follows; otherwise the
   * worker fetches and compiles it at once.
   */
  | { t: "init"; wasmURL: string; wasmExecURL: string; prefetch: boolean }
  /**
   * The module the page compiled (download and compilation start before
   * the worker runs); null: the page could not send it, compile it.
   * error: it could not be downloaded or compiled.
   */
  | { t: "module"; module: WebAssembly.Module | null; error?: string }
  /** canvas comes with the first connect only; later sessions draw into the same one. */
  | { t: "connect"; id: number; opts: SessionOptions; canvas?: OffscreenCanvas }
  | Call
  /** GoSession.audioPort: the port comes transferred. */
  | { t: "audioPort"; id: number; kind: "playback" | "record"; epoch: number; port: MessagePort | null }
  /** GoSession.monitorCanvas: the canvas, when given, comes transferred. */
  | { t: "monitorCanvas"; id: number; key: number; x: number; y: number; width: number; height: number; canvas?: OffscreenCanvas }
  | { t: "disconnect"; id: number }
  | { t: "stats"; id: number; q: number };

export type FromWorker =
  /** The worker's script runs: the page may hand over the canvas. */
  | { t: "hello" }
  /** The module runs; keyCodes are the codes GoSession.key accepts. */
  | { t: "ready"; version: string; keyCodes: string[]; times: LoadTimes }
  /** The module could not be loaded; every session ends with this. */
  | { t: "failed"; message: string }
  | { t: "progress"; message: string }
  | { t: "event"; id: number; e: keyof SessionEvents; a: unknown[] }
  | { t: "stats"; q: number; stats: SessionStats | null }
  /** Something in the worker threw outside Go's own error handling. */
  | { t: "error"; message: string };
