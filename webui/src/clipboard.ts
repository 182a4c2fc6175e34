// The local clipboard and the guest's: what the browser lets the page do
// with the clipboard, and keeping the two in step without echoes.
//
// Two ways in and out:
//   - The async Clipboard API (secure contexts, with permission): the
//     local clipboard is read when the console gains focus and the guest's
//     is written to it when the guest copies.
//   - Everywhere: a paste event (Ctrl+V in the console, see paste.ts)
//     carries the local clipboard to the guest; the page's clipboard panel
//     shows the guest's text for the user to copy.
// Everything the browser gives is reached through ClipboardEnv, so the
// logic runs under Node with fakes.

import type { ClipboardData } from "./goapi";
import { normalizeNewlines } from "./typing";

/** What happens without the user's help, and why not when it does not. */
export interface ClipboardAccess {
  /** The local clipboard goes to the guest when the console gains focus. */
  read: boolean;
  /** The guest's clipboard is written to the local one when the guest copies. */
  write: boolean;
  /** Why read or write is off, for the user; "" when both are on. */
  reason: string;
  /** A click may turn read on (the browser would ask the user): see ClipboardSync.ask. */
  canAsk: boolean;
}

/** Clipboard contents larger than these are not sent (the agent's own limit is usually lower). */
export const maxClipboardText = 16 << 20; // UTF-16 code units
export const maxClipboardImage = 32 << 20; // bytes of PNG

type PermState = "granted" | "denied" | "prompt" | "unsupported";

/** The part of PermissionStatus used here. */
export interface PermissionLike {
  readonly state: PermissionState;
  addEventListener(type: "change", fn: () => void): void;
}

/** The part of ClipboardItem used here. */
export interface ClipboardItemLike {
  readonly types: ReadonlyArray<string>;
  getType(type: string): Promise<Blob>;
}

/** The browser as ClipboardSync sees it; browserEnv() is the real one. */
export interface ClipboardEnv {
  /** isSecureContext: the async Clipboard API exists only there. */
  secure: boolean;
  /** The page runs in a frame (a frame's clipboard access is its embedder's to allow). */
  framed: boolean;
  clipboard?: {
    readText(): Promise<string>;
    writeText(text: string): Promise<void>;
    read?(): Promise<ReadonlyArray<ClipboardItemLike>>;
    write?(items: ClipboardItem[]): Promise<void>;
  };
  /** navigator.permissions.query for the clipboard's permissions; absent where unsupported. */
  queryPermission?(name: "clipboard-read" | "clipboard-write"): Promise<PermissionLike>;
  /** A ClipboardItem of one PNG; absent where the browser has no ClipboardItem. */
  pngItem?(png: Blob): ClipboardItem;
  /** document.hasFocus(): Chrome refuses clipboard access to a page without focus. */
  hasFocus(): boolean;
  /**
   * navigator.userActivation.isActive: the user clicked or typed in the
   * page within the last few seconds. Firefox and Safari write the
   * clipboard only then; absent where the browser cannot say.
   */
  activation?(): boolean;
  /**
   * Whether the permissions policy lets this document use a feature:
   * false in a cross-origin frame without allow="clipboard-read;
   * clipboard-write", where Chrome still answers "granted" to a
   * permission query. Absent where the browser cannot say (Firefox).
   */
  policyAllows?(feature: "clipboard-read" | "clipboard-write"): boolean;
  /**
   * An identity of a PNG's pixels: the browser stores a PNG written to the
   * clipboard as a bitmap and gives back another encoding of it, so bytes
   * cannot tell that what is read is what was written. Absent: bytes.
   */
  imageKey?(png: Uint8Array): Promise<string | null>;
}

/** The real browser's ClipboardEnv. */
export function browserEnv(): ClipboardEnv {
  const nav = typeof navigator !== "undefined" ? navigator : undefined;
  let framed = false;
  try {
    framed = window.top !== window;
  } catch {
    framed = true;
  }
  const env: ClipboardEnv = {
    secure: typeof isSecureContext === "boolean" ? isSecureContext : false,
    framed,
    hasFocus: () => typeof document !== "undefined" && document.hasFocus(),
  };
  const ua = (nav as { userActivation?: { isActive: boolean } } | undefined)?.userActivation;
  if (ua && typeof ua.isActive === "boolean") env.activation = () => ua.isActive;
  const cb = nav?.clipboard;
  if (cb && typeof cb.readText === "function" && typeof cb.writeText === "function") {
    env.clipboard = {
      readText: () => cb.readText(),
      writeText: (t) => cb.writeText(t),
      ...(typeof cb.read === "function" ? { read: () => cb.read() } : {}),
      ...(typeof cb.write === "function" ? { write: (items: ClipboardItem[]) => cb.write(items) } : {}),
    };
  }
  const perms = nav?.permissions;
  if (perms && typeof perms.query === "function") {
    env.queryPermission = (name) => perms.query({ name } as unknown as PermissionDescriptor);
  }
  if (typeof ClipboardItem === "function") env.pngItem = (png) => new ClipboardItem({ "image/png": png });
  const policy = (typeof document !== "undefined" ? (document as { featurePolicy?: { allowsFeature(f: string): boolean } }).featurePolicy : undefined) ?? undefined;
  if (policy && typeof policy.allowsFeature === "function") env.policyAllows = (f) => policy.allowsFeature(f);
  if (typeof createImageBitmap === "function" && typeof OffscreenCanvas === "function") env.imageKey = pixelKey;
  return env;
}

/** What ClipboardSync needs from the console. */
export interface ClipboardHost {
  /** What the agent shares now: text, and PNG images. */
  agent(): { text: boolean; images: boolean };
  /** Makes data the guest's clipboard (GoSession.setClipboard). */
  send(data: ClipboardData): void;
  /** access changed. */
  accessChanged(access: ClipboardAccess): void;
  log(level: string, message: string): void;
}

/** A cheap identity for clipboard contents, to tell whether they changed. */
export function signature(d: ClipboardData): string {
  if (d.type === "text") return "t" + d.text;
  return `i${d.data.length}:${fnv(d.data)}`;
}

// FNV-1a: enough to tell two images apart.
function fnv(b: Uint8Array | Uint8ClampedArray): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h >>> 0).toString(16);
}

// The browser's ClipboardEnv.imageKey: size and a hash of the decoded pixels.
async function pixelKey(png: Uint8Array): Promise<string | null> {
  try {
    const bmp = await createImageBitmap(new Blob([png as Uint8Array<ArrayBuffer>], { type: "image/png" }));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext("2d");
    if (!g) return null;
    g.drawImage(bmp, 0, 0);
    bmp.close();
    return `${c.width}x${c.height}:${fnv(g.getImageData(0, 0, c.width, c.height).data)}`;
  } catch {
    return null;
  }
}

const insecureReason = "the page is not served over https, and browsers give plain-http pages no clipboard access";
const frameReason = 'the page this console is embedded in does not let it use the clipboard (its iframe needs allow="clipboard-read; clipboard-write")';

// A refusal by the permissions policy rather than by the user.
function policyError(e: unknown): boolean {
  return e instanceof Error && /permissions? policy/i.test(e.message);
}

/**
 * Keeps the local clipboard and the guest's in step as far as the browser
 * allows. One instance per console; the agent and the session come and go
 * through the host.
 */
export class ClipboardSync {
  private state: ClipboardAccess;
  private readPerm: PermState = "unsupported";
  private writePerm: PermState = "unsupported";
  private writeRefused = ""; // why a write failed for a reason other than focus
  private readBlocked = false; // a read failed on the permissions policy
  /** The local clipboard as last seen (read, pasted, or written by us). */
  private lastLocal: string | null = null;
  private pendingWrite: ClipboardData | null = null;
  /**
   * Reads and writes of the local clipboard, one after another: a read
   * that overlapped a write of the guest's copy could see either content
   * and compare it with a lastLocal from before or after the write, and
   * send the guest a stale or its own clipboard.
   */
  private queue: Promise<unknown> = Promise.resolve();
  private readQueued: Promise<void> | null = null; // a read waiting its turn
  private guest: ClipboardData | null = null;
  private readonly ready: Promise<void>;

  /** auto false: the embedder keeps the local clipboard to itself (ConsoleOptions.clipboard). */
  constructor(
    private readonly env: ClipboardEnv,
    private readonly host: ClipboardHost,
    private readonly auto = true,
  ) {
    this.state = this.compute();
    this.ready = this.init();
  }

  /** Resolves once the permissions have been looked at. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  get access(): ClipboardAccess {
    return { ...this.state };
  }

  /** The guest's latest clipboard content, or null. */
  get guestData(): ClipboardData | null {
    return this.guest;
  }

  private async init(): Promise<void> {
    if (!this.auto || !this.env.secure || !this.env.clipboard) return;
    const q = this.env.queryPermission;
    if (!q) {
      this.update();
      return;
    }
    const watch = async (name: "clipboard-read" | "clipboard-write", set: (s: PermState) => void) => {
      try {
        const st = await q(name);
        set(st.state);
        st.addEventListener("change", () => {
          set(st.state);
          this.update();
        });
      } catch {
        set("unsupported"); // Firefox and Safari know no clipboard permissions
      }
    };
    await Promise.all([watch("clipboard-read", (s) => (this.readPerm = s)), watch("clipboard-write", (s) => (this.writePerm = s))]);
    this.update();
  }

  private update(): void {
    const next = this.compute();
    const prev = this.state;
    this.state = next;
    if (next.read !== prev.read || next.write !== prev.write || next.reason !== prev.reason || next.canAsk !== prev.canAsk) {
      this.host.accessChanged({ ...next });
    }
    if (next.write && this.pendingWrite && this.env.hasFocus()) this.flushWrite();
  }

  private compute(): ClipboardAccess {
    if (!this.auto) return { read: false, write: false, reason: "the page embedding this console turned automatic clipboard sync off", canAsk: false };
    if (!this.env.secure) return { read: false, write: false, reason: insecureReason, canAsk: false };
    if (!this.env.clipboard) return { read: false, write: false, reason: "this browser gives pages no clipboard access", canAsk: false };
    const readPolicy = !this.readBlocked && (this.env.policyAllows?.("clipboard-read") ?? true);
    const writePolicy = this.env.policyAllows?.("clipboard-write") ?? true;
    const read = readPolicy && this.readPerm === "granted";
    // Without a permission to look at (Firefox, Safari), writing is tried
    // and given up on when refused.
    const write = writePolicy && this.writeRefused === "" && (this.writePerm === "granted" || this.writePerm === "unsupported" || this.writePerm === "prompt");
    let reason = "";
    if (!readPolicy || (!writePolicy && !write)) {
      reason = frameReason;
    } else if (!read) {
      switch (this.readPerm) {
        case "denied":
          reason = this.env.framed ? frameReason : "clipboard access is blocked for this site in the browser's settings";
          break;
        case "prompt":
          reason = "the browser has not been allowed to share the clipboard with this page yet";
          break;
        default:
          reason = "this browser asks before every clipboard read";
      }
    } else if (!write) {
      reason = this.writeRefused || "the browser does not let this page write to the clipboard";
    }
    return { read, write, reason, canAsk: readPolicy && this.readPerm === "prompt" };
  }

  /**
   * Asks the browser for read access; call it from a click (the browser
   * asks the user). Then sends the local clipboard if it changed.
   */
  async ask(): Promise<ClipboardAccess> {
    await this.ready;
    const cb = this.env.clipboard;
    if (!this.auto || !this.env.secure || !cb) return this.access;
    return this.serial(async () => {
      await this.askNow(cb);
      return this.access;
    });
  }

  private async askNow(cb: NonNullable<ClipboardEnv["clipboard"]>): Promise<void> {
    try {
      const text = await cb.readText();
      // Browsers without permission events learn the answer here.
      if (this.readPerm !== "granted") {
        this.readPerm = "granted";
        this.update();
      }
      await this.seenLocal({ type: "text", text: normalizeNewlines(text) });
    } catch (e) {
      this.host.log("info", `clipboard: read refused: ${errorName(e)}`);
      if (policyError(e)) {
        this.readBlocked = true;
        this.update();
      } else if (this.readPerm === "prompt" || this.readPerm === "unsupported") {
        this.readPerm = "denied";
        this.update();
      }
    }
  }

  // Runs fn after every clipboard operation before it.
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * The console gained focus: send the local clipboard to the guest if it
   * changed since it was last seen, where the browser lets the page read it.
   */
  focused(): Promise<void> {
    if (this.pendingWrite && this.state.write) this.flushWrite();
    if (!this.state.read || !this.host.agent().text) return Promise.resolve();
    // Focus events come in pairs (window and element): a read still
    // waiting its turn serves both.
    this.readQueued ??= this.serial(() => {
      this.readQueued = null;
      return this.readLocal();
    });
    return this.readQueued;
  }

  private async readLocal(): Promise<void> {
    const cb = this.env.clipboard;
    if (!cb) return;
    let data: ClipboardData | null = null;
    try {
      // Chrome fails a read whose clipboard changed between read() and
      // getType() (InvalidStateError): read it again, a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          if (this.host.agent().images && cb.read) {
            data = await fromItems(await cb.read());
          } else {
            data = { type: "text", text: normalizeNewlines(await cb.readText()) };
          }
          break;
        } catch (e) {
          if (attempt >= 3 || !(e instanceof Error) || e.name !== "InvalidStateError") throw e;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    } catch (e) {
      // NotAllowedError while the document lost focus again, or an empty
      // clipboard in some browsers: nothing to send, nothing to report.
      // The permissions policy is another matter: it will not change.
      this.host.log("debug", `clipboard: local read failed: ${errorName(e)}`);
      if (policyError(e)) {
        this.readBlocked = true;
        this.update();
      }
      return;
    }
    if (data) await this.seenLocal(data);
  }

  /**
   * A paste event in the console: its data is the local clipboard. Sends
   * it when it changed since last seen; resolves to whether it sent.
   */
  pasted(dt: DataTransfer): Promise<boolean> {
    if (!this.host.agent().text) return Promise.resolve(false);
    // The event's data can only be taken while it is dispatched: now.
    const taken = takeDataTransfer(dt, this.host.agent().images);
    return this.serial(async () => {
      const data = await taken;
      return data ? this.seenLocal(data) : false;
    });
  }

  /** Sends data to the guest whatever it was before (the panel's Send, the embedder's setClipboard). */
  sendToGuest(data: ClipboardData): boolean {
    if (!this.host.agent().text || (data.type === "image" && !this.host.agent().images) || tooLarge(data, this.host)) return false;
    this.host.send(data);
    return true;
  }

  /**
   * A new agent (a new session, or the agent restarted in the guest): it
   * has none of what was sent before, and its clipboard is not the last
   * one seen.
   */
  reset(): void {
    this.lastLocal = null;
    this.guest = null;
    this.pendingWrite = null;
  }

  // The local clipboard holds data: send it if it is new.
  private async seenLocal(data: ClipboardData): Promise<boolean> {
    if (!this.host.agent().text) return false;
    if (data.type === "text" && data.text === "") return false;
    const sig = await this.key(data);
    if (sig === this.lastLocal) return false;
    this.lastLocal = sig;
    const sent = this.sendToGuest(data);
    if (sent) this.host.log("debug", `clipboard: the local ${describe(data)} sent to the guest`);
    return sent;
  }

  /** The guest's clipboard changed: keep it, and write it locally where allowed. */
  fromGuest(data: ClipboardData): void {
    this.guest = data;
    if (!this.state.write) return;
    if (data.type === "image" && (!this.env.pngItem || !this.env.clipboard?.write)) return;
    this.pendingWrite = data;
    // Chrome refuses a page without focus; the write waits for focus.
    if (this.env.hasFocus()) this.flushWrite();
  }

  /** The window or console gained focus: a write that waited for it goes now. */
  windowFocused(): void {
    if (this.pendingWrite && this.state.write) this.flushWrite();
  }

  /**
   * The user clicked or pressed a key in the page: a write that the
   * browser refused for want of such a gesture goes now.
   */
  gesture(): void {
    if (this.pendingWrite && this.state.write && this.env.hasFocus()) this.flushWrite();
  }

  private flushWrite(): void {
    void this.serial(() => this.writeNow());
  }

  private async writeNow(): Promise<void> {
    // The latest guest data when this write's turn comes.
    const data = this.pendingWrite;
    const cb = this.env.clipboard;
    if (!data || !cb || !this.state.write) return;
    this.pendingWrite = null;
    // Whether the user's gesture was still fresh when the write began.
    const active = this.env.activation?.();
    try {
      if (data.type === "text") await cb.writeText(data.text);
      else if (cb.write && this.env.pngItem) await cb.write([this.env.pngItem(new Blob([data.data as Uint8Array<ArrayBuffer>], { type: "image/png" }))]);
      else return;
      await this.wroteLocal(data);
    } catch (e) {
      if (!this.env.hasFocus()) {
        // Focus left between the check and the write: try again on focus,
        // unless newer data has taken its place.
        this.pendingWrite ??= data;
        return;
      }
      if (active === false && e instanceof Error && e.name === "NotAllowedError" && !policyError(e)) {
        // Firefox and Safari write only within a few seconds of the
        // user's click or key; the guest copied without one (at connect,
        // or by itself). The next gesture writes it, unless newer data
        // has taken its place; a refusal during a gesture is final.
        this.pendingWrite ??= data;
        this.host.log("debug", `clipboard: the guest's copy waits for a click or key in the page (${errorName(e)})`);
        return;
      }
      this.host.log("info", `clipboard: write refused: ${errorName(e)}`);
      // Only a refusal of the page turns writing off; bad data (an image
      // the browser cannot decode: DataError) is this write's problem.
      if (!(e instanceof Error) || e.name !== "NotAllowedError") return;
      this.writeRefused = policyError(e) ? frameReason : "the browser refused to write to the clipboard";
      this.update();
    }
  }

  // What was written is now the local clipboard: not news to send back.
  // The browser may store it differently: line endings (reads are
  // normalized), a re-encoded PNG (images are told apart by their pixels).
  // Not by reading it back, which could read a newer copy of the user's
  // and take it for the echo.
  private async wroteLocal(data: ClipboardData): Promise<void> {
    this.lastLocal = await this.key(data);
  }

  private async key(d: ClipboardData): Promise<string> {
    if (d.type === "image" && this.env.imageKey) {
      const k = await this.env.imageKey(d.data);
      if (k !== null) return "p" + k;
    }
    return signature(d);
  }
}

function describe(d: ClipboardData): string {
  return d.type === "text" ? `text (${d.text.length} characters)` : `image (${d.data.length} bytes of PNG)`;
}

function tooLarge(d: ClipboardData, host: ClipboardHost): boolean {
  const big = d.type === "text" ? d.text.length > maxClipboardText : d.data.length > maxClipboardImage;
  if (big) host.log("warn", `clipboard: not sent: the ${d.type} is larger than the page sends (${d.type === "text" ? "16 Mi characters" : "32 MiB"})`);
  return big;
}

// The clipboard items' best content for the guest: text when there is
// any (an office suite offers both text and a picture of it), else a PNG.
async function fromItems(items: ReadonlyArray<ClipboardItemLike>): Promise<ClipboardData | null> {
  for (const item of items) {
    if (item.types.includes("text/plain")) {
      const text = await (await item.getType("text/plain")).text();
      if (text !== "") return { type: "text", text: normalizeNewlines(text) };
    }
  }
  for (const item of items) {
    if (item.types.includes("image/png")) {
      return { type: "image", mime: "image/png", data: new Uint8Array(await (await item.getType("image/png")).arrayBuffer()) };
    }
  }
  return null;
}

// A paste event's data, the same way round. What the event holds is
// taken before the first await: a DataTransfer is empty once its event
// has been dispatched.
async function takeDataTransfer(dt: DataTransfer, images: boolean): Promise<ClipboardData | null> {
  const text = dt.getData("text/plain");
  if (text !== "") return { type: "text", text: normalizeNewlines(text) };
  if (!images) return null;
  const files = Array.from(dt.items)
    .filter((item) => item.kind === "file" && item.type.startsWith("image/"))
    .map((item) => ({ file: item.getAsFile(), png: item.type === "image/png" }));
  for (const { file, png } of files) {
    if (!file) continue;
    const blob = png ? file : await toPNG(file);
    if (blob) return { type: "image", mime: "image/png", data: new Uint8Array(await blob.arrayBuffer()) };
  }
  return null;
}

// Other image types as PNG, where the browser can decode and encode them.
async function toPNG(img: Blob): Promise<Blob | null> {
  if (typeof createImageBitmap !== "function" || typeof OffscreenCanvas !== "function") return null;
  try {
    const bmp = await createImageBitmap(img);
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    c.getContext("2d")?.drawImage(bmp, 0, 0);
    bmp.close();
    return await c.convertToBlob({ type: "image/png" });
  } catch {
    return null;
  }
}

function errorName(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
