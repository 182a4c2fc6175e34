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
  /**
   * The compiled module when someone else compiled it (the page, for its
   * worker, so that download and compilation start before the worker
   * runs); resolving to null means compile it here after all.
   */
  module?: Promise<WebAssembly.Module | null>;
}

// The build stamps the module's content hash here (esbuild define), so
// that the uncompressed module's URL changes with every build.
declare const __SPICEWEB_WASM_VERSION__: string | undefined;
const wasmVersion: string = typeof __SPICEWEB_WASM_VERSION__ === "string" ? __SPICEWEB_WASM_VERSION__ : "";

/**
 * The uncompressed module next to app.wasm.gz, versioned: what the browser
 * can keep compiled. Chrome caches compiled WebAssembly only for
 * compileStreaming on an HTTP response with the application/wasm type, by
 * URL; app.wasm.gz inflated here is neither. null when the build did not
 * stamp a version or the URL is not app.wasm.gz's form.
 */
export function cachedModuleURL(gz: string | URL): string | null {
  return versionedModuleURL(gz, wasmVersion, typeof location !== "undefined" ? location.href : "http://localhost/");
}

/** The uncompressed module's URL for app.wasm.gz's (relative to base) at version; null without either. */
export function versionedModuleURL(gz: string | URL, version: string, base: string): string | null {
  if (!version) return null;
  const u = new URL(String(gz), base);
  if (!u.pathname.endsWith(".wasm.gz")) return null;
  u.pathname = u.pathname.slice(0, -3);
  u.search = `?v=${encodeURIComponent(version)}`;
  return u.href;
}

/**
 * Compiles the client module. A repeat visit takes the uncompressed,
 * versioned module from the HTTP cache when it is there (only-if-cached:
 * never the network), which lets Chrome reuse the code it compiled and
 * cached last time. Otherwise the compressed module is downloaded and
 * compiled as it arrives, and once the session runs the uncompressed one is
 * fetched into the cache for the next visit (warmCache).
 */
export async function compileClient(wasmURL: string | URL, progress: (m: string) => void = () => {}): Promise<WebAssembly.Module> {
  const m = await compileModule(wasmURL, progress);
  loadTimes.compiled = epochNow();
  return m;
}

// The page remembers (localStorage) which uncompressed module it fetched
// into the cache: asking the cache for one that is not there would still
// show as a failed request in the browser's console.
const cachedKey = "spiceweb.cachedModule";

function storage(): Storage | null {
  try {
    return typeof localStorage === "object" ? localStorage : null;
  } catch {
    return null; // storage disabled, or an opaque origin
  }
}

async function compileModule(wasmURL: string | URL, progress: (m: string) => void): Promise<WebAssembly.Module> {
  const raw = cachedModuleURL(wasmURL);
  const store = storage();
  if (raw && store?.getItem(cachedKey) === raw && typeof WebAssembly.compileStreaming === "function") {
    const early = takeEarlyModule(raw);
    if (early) {
      try {
        const m = await early.module;
        loadTimes.response = early.response || epochNow();
        loadTimes.fromCache = true;
        return m;
      } catch {
        // Not in the cache after all, or damaged: download below.
      }
      store.removeItem(cachedKey);
      return download(wasmURL, progress);
    }
    let cached: Response | null = null;
    try {
      cached = await fetch(raw, { cache: "only-if-cached", mode: "same-origin", credentials: "same-origin" });
    } catch {
      // not in the cache
    }
    if (cached?.ok && /^application\/wasm\b/.test(cached.headers.get("Content-Type") ?? "")) {
      loadTimes.response = epochNow();
      loadTimes.fromCache = true;
      try {
        return await WebAssembly.compileStreaming(cached);
      } catch {
        // A damaged cache entry: the download below replaces it.
      }
    }
    store.removeItem(cachedKey); // evicted since
  }
  return download(wasmURL, progress);
}

// The cached module's compilation when startCachedModule began it.
let early: { url: string; response: number; module: Promise<WebAssembly.Module> } | null = null;

/**
 * Begins compiling the cached module of the default URL now, if a previous
 * visit left it in the HTTP cache; compileClient takes it. main.ts calls
 * this first thing on spice_auto.html, where the default URL is the one
 * used: on a repeat visit this starts the compilation ~100 ms before the
 * console asks for it (measured with the page-load probe).
 */
export function startCachedModule(): void {
  const raw = cachedModuleURL(defaultWasmURL());
  if (!raw || early || storage()?.getItem(cachedKey) !== raw || typeof WebAssembly.compileStreaming !== "function") return;
  const e = { url: raw, response: 0, module: null as unknown as Promise<WebAssembly.Module> };
  e.module = fetch(raw, { cache: "only-if-cached", mode: "same-origin", credentials: "same-origin" }).then((r) => {
    if (!r.ok || !/^application\/wasm\b/.test(r.headers.get("Content-Type") ?? "")) throw new Error("not cached");
    e.response = epochNow();
    return WebAssembly.compileStreaming(r);
  });
  e.module.catch(() => {}); // taken and handled by compileClient
  early = e;
}

function takeEarlyModule(url: string): typeof early {
  const e = early;
  early = null;
  return e?.url === url ? e : null;
}

async function download(wasmURL: string | URL, progress: (m: string) => void): Promise<WebAssembly.Module> {
  progress("Loading the client…");
  let resp: Response;
  try {
    resp = await fetchModule(wasmURL);
  } catch (e) {
    throw new Error(`could not download the client (${String(wasmURL)}): ${errorText(e)}`);
  }
  if (!resp.ok) throw new Error(`could not download the client: HTTP ${resp.status} for ${resp.url || String(wasmURL)}`);
  loadTimes.response = epochNow();
  return compile(resp, progress);
}

let warmed = false;

/**
 * Fetches the uncompressed module into the HTTP cache for the next visit
 * (see compileClient), at low priority, once per page; call it when the
 * session has shown its first frame. Does nothing when it is cached already
 * or the build has no version.
 */
export function warmCache(wasmURL: string | URL): void {
  const raw = cachedModuleURL(wasmURL);
  const store = storage();
  if (!raw || !store || warmed || loadTimes.fromCache) return;
  warmed = true;
  const init: RequestInit & { priority?: string } = { credentials: "same-origin", priority: "low" };
  fetch(raw, init)
    .then(async (r) => {
      await r.arrayBuffer();
      // Only a response the cache may keep is worth asking for next time.
      if (r.ok && !/no-store/i.test(r.headers.get("Cache-Control") ?? "")) store.setItem(cachedKey, raw);
    })
    .catch(() => {});
}

/**
 * When the module's load reached each step, in milliseconds since the
 * epoch (performance.timeOrigin + now(), comparable between the worker and
 * the page): the response's headers, compiled, instantiated, Go ready.
 */
export interface LoadTimes {
  /** The module came from the HTTP cache, uncompressed (a repeat visit). */
  fromCache?: boolean;
  response?: number;
  compiled?: number;
  instantiated?: number;
  ready?: number;
}

/** The steps of the module's load in this context (empty before it starts). */
export const loadTimes: LoadTimes = {};

/** Now, in milliseconds since the epoch, sub-millisecond where the browser allows. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Fetches the module the way the loader does (same credentials), for a prefetch. */
export function fetchModule(url: string | URL): Promise<Response> {
  return fetch(url, { credentials: "same-origin" });
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
export const scriptURL: string | undefined =
  typeof document !== "undefined" && document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : undefined;

/** The default location of the module: next to app.js (in the worker, app.js is its location), else next to the page. */
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
  const module = (await opts.module) ?? (await compileClient(url, progress));


  progress("Starting the client…");
  const go = new GoClass();
  const instance = await WebAssembly.instantiate(module, go.importObject);
  loadTimes.instantiated = epochNow();
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
  const mod = await waitReady(() => exited, opts.readyTimeoutMs ?? 15000);
  loadTimes.ready = epochNow();
  return mod;
}

/**
 * Compiles the module while it downloads: the body is inflated as it
 * arrives (unless the server already did) and fed to compileStreaming
 * under the application/wasm type that no proxy serving the page can be
 * relied on to send. Browsers without streaming compilation or without
 * response streams get the whole download compiled at once.
 */
async function compile(resp: Response, progress: (m: string) => void): Promise<WebAssembly.Module> {
  const total = Number(resp.headers.get("Content-Length")) || 0;
  if (!resp.body || typeof WebAssembly.compileStreaming !== "function" || typeof TransformStream !== "function") {
    let bytes = await readWithProgress(resp, total, progress);
    if (isGzip(bytes)) bytes = await inflate(new Blob([bytes as BlobPart]).stream());
    if (!isWasm(bytes)) throw new Error(describeNonWasm(bytes));
    return compileChecked(() => WebAssembly.compile(bytes as BufferSource));
  }
  // The first bytes tell gzip from a module from an error page.
  const reader = resp.body.getReader();
  const head = await readHead(reader, 64);
  if (!isGzip(head) && !isWasm(head)) {
    void reader.cancel();
    throw new Error(describeNonWasm(head));
  }
  let got = 0;
  let lastReport = 0;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      if (head.length > 0) c.enqueue(head);
    },
    async pull(c) {
      const { done, value } = await reader.read();
      if (done) {
        c.close();
        return;
      }
      got += value.length;
      if (got - lastReport >= 256 * 1024) {
        lastReport = got;
        progress(loadingMessage(got + head.length, total));
      }
      c.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  let stream: ReadableStream<Uint8Array> = body;
  if (isGzip(head)) {
    if (typeof DecompressionStream !== "function") throw new Error("this browser lacks DecompressionStream, needed to unpack the client");
    stream = body.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  }
  const wasmResp = new Response(stream as ReadableStream<Uint8Array<ArrayBuffer>>, { headers: { "Content-Type": "application/wasm" } });
  return compileChecked(() => WebAssembly.compileStreaming(wasmResp));
}

// compileChecked turns what a broken download looks like to the compiler
// (a CompileError, a TypeError from the inflater) into words for the user.
async function compileChecked(run: () => Promise<WebAssembly.Module>): Promise<WebAssembly.Module> {
  try {
    return await run();
  } catch (e) {
    throw new Error(`the client module is damaged: ${errorText(e)}`);
  }
}

async function inflate(src: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  if (typeof DecompressionStream !== "function") throw new Error("this browser lacks DecompressionStream, needed to unpack the client");
  try {
    const out = src.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    return new Uint8Array(await new Response(out as ReadableStream<Uint8Array<ArrayBuffer>>).arrayBuffer());
  } catch (e) {
    throw new Error(`the client module is damaged: ${errorText(e)}`);
  }
}

// readHead reads until it has at least n bytes or the stream ends.
async function readHead(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
  }
  return concat(chunks, got);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function loadingMessage(got: number, total: number): string {
  return total >= got ? `Loading the client… ${formatBytes(got)} of ${formatBytes(total)}` : `Loading the client… ${formatBytes(got)}`;
}

async function readWithProgress(resp: Response, total: number, progress: (m: string) => void): Promise<Uint8Array> {
  const reader = resp.body?.getReader();
  if (!reader) return new Uint8Array(await resp.arrayBuffer());
  // Content-Length is the encoded size when the server compresses on the
  // fly, so it is only a hint; never trust it for the buffer size.
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
      progress(loadingMessage(got, total));
    }
  }
  return concat(chunks, got);
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
