// Loading the Go WebAssembly module.
//
// The page is served by websockify, nova's Python proxy or our Go server.
// None can be relied on for the application/wasm MIME type or for
// Content-Encoding, so the module is fetched as plain bytes: gzip is
// inflated here unless the server already decoded it.

import type { GoModule } from "./goapi";

/** wasm_exec.js's Go class (globalThis.Go), as far as the loader uses it. */
interface GoRuntime {
  importObject: WebAssembly.Imports;
  argv: string[];
  env: Record<string, string>;
  run(instance: WebAssembly.Instance): Promise<void>;
}
type GoRuntimeClass = new () => GoRuntime;

export interface LoadOptions {
  /** Where app.wasm.gz is; default: next to the script that defines SpiceWeb. */
  wasmURL?: string | URL;
  /** Progress messages for the status line. */
  onProgress?: (message: string) => void;
  /** How long Go may take to install spicewebGo after it starts (default 15 s). */
  readyTimeoutMs?: number;
}

/** True when b starts with the gzip magic 1f 8b. */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** True when b starts with the WebAssembly magic "\0asm". */
export function isWasm(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x00 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;
}

/** "1.2 MB" style sizes for progress messages. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1000 * 1000) return `${(n / 1000).toFixed(0)} kB`;
  return `${(n / (1000 * 1000)).toFixed(1)} MB`;
}

/** Why the bytes fetched are not a module, for the status line. */
export function describeNonWasm(b: Uint8Array): string {
  const head = new TextDecoder().decode(b.subarray(0, 64)).trimStart().toLowerCase();
  if (head.startsWith("<")) return "the server sent a web page instead of the client module (is app.wasm.gz deployed next to spice_auto.html?)";
  return "the client module is damaged (neither gzip nor WebAssembly)";
}

// The script URL has to be read while the bundle first runs: afterwards
// document.currentScript is null.
const scriptURL: string | undefined =
  typeof document !== "undefined" && document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : undefined;

/** The default location of the module: next to app.js, else next to the page. */
export function defaultWasmURL(): URL {
  return new URL("app.wasm.gz", scriptURL || (typeof location !== "undefined" ? location.href : "http://localhost/"));
}

let pending: Promise<GoModule> | undefined;

/**
 * Returns the Go module, loading and starting it on the first call. Later
 * calls share the first load; after a failure the next call tries again.
 */
export function loadGo(opts: LoadOptions = {}): Promise<GoModule> {
  const ready = (globalThis as { spicewebGo?: GoModule }).spicewebGo;
  if (ready) return Promise.resolve(ready);
  if (!pending) {
    pending = load(opts);
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}

async function load(opts: LoadOptions): Promise<GoModule> {
  const progress = opts.onProgress ?? (() => {});
  const GoClass = (globalThis as { Go?: GoRuntimeClass }).Go;
  if (typeof GoClass !== "function") {
    throw new Error("wasm_exec.js is not loaded: the page must include it before app.js");
  }
  if (typeof WebAssembly !== "object") throw new Error("this browser does not support WebAssembly");
  const url = opts.wasmURL ?? defaultWasmURL();

  progress("Loading the client…");
  let resp: Response;
  try {
    resp = await fetch(url, { credentials: "same-origin" });
  } catch (e) {
    throw new Error(`could not download the client (${String(url)}): ${errorText(e)}`);
  }
  if (!resp.ok) throw new Error(`could not download the client: HTTP ${resp.status} for ${resp.url || String(url)}`);
  let bytes = await readWithProgress(resp, progress);

  if (isGzip(bytes)) {
    if (typeof DecompressionStream !== "function") throw new Error("this browser lacks DecompressionStream, needed to unpack the client");
    progress("Unpacking the client…");
    const body = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
    try {
      bytes = new Uint8Array(await new Response(body).arrayBuffer());
    } catch (e) {
      throw new Error(`the client module is damaged: ${errorText(e)}`);
    }
  }
  if (!isWasm(bytes)) throw new Error(describeNonWasm(bytes));

  progress("Starting the client…");
  const go = new GoClass();
  const { instance } = await WebAssembly.instantiate(bytes as BufferSource, go.importObject);
  // run resolves only when Go exits, which must not happen while the page
  // lives; if it does, waitReady fails with the reason.
  let exited: string | undefined;
  go.run(instance).then(
    () => {
      exited = "the client exited";
    },
    (e: unknown) => {
      exited = `the client crashed: ${errorText(e)}`;
    },
  );
  return waitReady(() => exited, opts.readyTimeoutMs ?? 15000);
}

async function readWithProgress(resp: Response, progress: (m: string) => void): Promise<Uint8Array> {
  const reader = resp.body?.getReader();
  if (!reader) return new Uint8Array(await resp.arrayBuffer());
  // Content-Length is the encoded size when the server compresses on the
  // fly, so it is only a hint; never trust it for the buffer size.
  const total = Number(resp.headers.get("Content-Length")) || 0;
  const chunks: Uint8Array[] = [];
  let got = 0;
  let lastReport = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    if (got - lastReport >= 256 * 1024) {
      lastReport = got;
      progress(total >= got ? `Loading the client… ${formatBytes(got)} of ${formatBytes(total)}` : `Loading the client… ${formatBytes(got)}`);
    }
  }
  const out = new Uint8Array(got);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function waitReady(exited: () => string | undefined, timeoutMs: number): Promise<GoModule> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const mod = (globalThis as { spicewebGo?: GoModule }).spicewebGo;
      if (mod) return resolve(mod);
      const why = exited();
      if (why) return reject(new Error(why));
      if (Date.now() - start > timeoutMs) return reject(new Error("the client did not start in time"));
      setTimeout(poll, 10);
    };
    poll();
  });
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
