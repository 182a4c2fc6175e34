// What the guest agent (spice-vdagent) adds to a console: the shared
// clipboard, the guest's resolution following the console ("remote"
// scaling) and files sent to the guest. SpiceConsole owns one AgentFeatures
// and forwards the session's agent events to it; the public methods of the
// console delegate here.

import { type ClipboardAccess, ClipboardSync, browserEnv } from "./clipboard";
import type { AgentState, ClipboardData, FileState, GoSession } from "./goapi";
import type { Scaling } from "./layout";
import { PasteKeys, pasteForScreen } from "./paste";
import { RemoteSizer } from "./resize";
import { type FileTransfer, Transfers, finished } from "./transfers";
import { normalizeNewlines, typeablePrefix } from "./typing";

/** AgentState with everything off: no agent. */
export const noAgent: AgentState = { connected: false, clipboard: false, clipboardImages: false, resize: false, files: false };

/** The scaling setting: a mode, or "auto" for the default. */
export type ScalingSetting = Scaling | "auto";

export interface ScalingDetail {
  /** The mode in effect: "auto" resolved, and "remote" shown as "fit" while no agent can resize. */
  mode: Scaling;
  /** What was asked for (option, URL, menu). */
  setting: ScalingSetting;
  /** With "remote", the guest is sized in device pixels (devicePixelRatio). */
  hidpi: boolean;
}

/** The events AgentFeatures adds to SpiceConsole's. */
export interface AgentEventMap {
  /** The agent connected, went away, or changed what it can do. */
  agent: CustomEvent<AgentState>;
  /** The guest's clipboard changed (the guest copied). Image bytes are the listener's to keep. */
  clipboard: CustomEvent<{ data: ClipboardData }>;
  /** What the browser lets the console do with the local clipboard changed. */
  clipboardaccess: CustomEvent<ClipboardAccess>;
  /** A file moved on: queued, sending, done, cancelled or failed. */
  fileprogress: CustomEvent<FileTransfer>;
  /** The scaling mode or its setting changed. */
  scaling: CustomEvent<ScalingDetail>;
}

/** What AgentFeatures needs from SpiceConsole. */
export interface AgentHost {
  /** The connected session, or null. */
  session(): GoSession | null;
  /** The console's outer element: the area the guest is sized to, and the drop target. */
  readonly root: HTMLElement;
  /** The screen canvas (it may be replaced, so asked each time). */
  screen(): HTMLCanvasElement;
  /** Lays the screen out again (the scaling changed). */
  layout(): void;
  emit<K extends keyof AgentEventMap>(type: K, detail: AgentEventMap[K]["detail"]): void;
  log(level: string, message: string): void;
}

export interface AgentOptions {
  scaling?: ScalingSetting;
  hidpi?: boolean;
  /** Read and write the local clipboard where the browser allows; default true. */
  clipboard?: boolean;
  /** Take files dropped onto the screen; default true. */
  fileDrop?: boolean;
}

const dropStyle =
  "position:absolute;inset:0;z-index:2;display:none;align-items:center;justify-content:center;pointer-events:none;" +
  "box-sizing:border-box;border:3px dashed rgba(255,255,255,.8);background:rgba(20,40,80,.55);color:#fff;" +
  "font:600 16px/1.4 system-ui,sans-serif;text-align:center;padding:16px;";

export class AgentFeatures {
  private state: AgentState = { ...noAgent };
  private setting: ScalingSetting;
  private hidpiOn: boolean;
  private effective: Scaling = "fit";
  private readonly clip: ClipboardSync;
  private readonly pasteKeys: PasteKeys;
  private readonly sizer: RemoteSizer;
  private readonly files = new Transfers();
  private readonly abort = new AbortController();
  private readonly dropHint: HTMLDivElement;
  private dprQuery: MediaQueryList | null = null;
  private readonly autoClipboard: boolean;

  constructor(
    private readonly host: AgentHost,
    opts: AgentOptions,
  ) {
    this.setting = opts.scaling ?? "auto";
    this.hidpiOn = opts.hidpi ?? false;
    this.autoClipboard = opts.clipboard ?? true;
    this.effective = this.resolve();
    // With clipboard: false the embedder keeps the local clipboard to
    // itself: only paste events and explicit calls reach the guest.
    this.clip = new ClipboardSync(
      browserEnv(),
      {
        agent: () => ({ text: this.connected() && this.state.clipboard, images: this.connected() && this.state.clipboardImages }),
        send: (data) => this.host.session()?.setClipboard(data),
        accessChanged: (a) => host.emit("clipboardaccess", a),
        log: (level, message) => host.log(level, message),
      },
      this.autoClipboard,
    );
    this.pasteKeys = new PasteKeys({
      active: () => this.connected() && this.state.clipboard,
      key: (code, down) => void this.host.session()?.key(code, down),
      paste: (dt) => this.clip.pasted(dt),
    });
    this.sizer = new RemoteSizer((size) => {
      host.log("debug", `asking the guest for ${size.width}x${size.height}`);
      this.host.session()?.setDisplaySize(size.width, size.height);
    });

    const signal = this.abort.signal;
    const root = host.root;
    // focusin bubbles, and catches a replaced screen canvas too.
    root.addEventListener("focusin", (e) => e.target === host.screen() && void this.clip.focused(), { signal });
    root.addEventListener("focusout", (e) => e.target === host.screen() && this.pasteKeys.reset(), { signal });
    // A click or key is what Firefox and Safari write the clipboard after.
    for (const type of ["pointerdown", "keydown"]) root.addEventListener(type, () => this.clip.gesture(), { capture: true, passive: true, signal });
    // On the document: Firefox fires the paste event at the body, which
    // is outside root.
    const doc = root.ownerDocument;
    doc.addEventListener(
      "paste",
      (e) => {
        if (pasteForScreen(e.target, host.screen(), doc.activeElement, doc.body) && this.pasteKeys.paste(e.clipboardData)) e.preventDefault();
      },
      { capture: true, signal },
    );
    window.addEventListener(
      "focus",
      () => {
        this.clip.windowFocused();
        if (document.activeElement === host.screen()) void this.clip.focused();
      },
      { signal },
    );

    this.dropHint = document.createElement("div");
    this.dropHint.className = "spiceweb-drop";
    this.dropHint.style.cssText = dropStyle;
    root.append(this.dropHint);
    if (opts.fileDrop ?? true) this.watchDrops(root, signal);
    this.watchPixelRatio();
  }

  /** Removes listeners (SpiceConsole.destroy). */
  detach(): void {
    this.abort.abort();
    this.sizer.setEnabled(false);
    this.dprQuery = null;
  }

  // ---- what SpiceConsole forwards ----

  /** A new session is starting: it has no agent yet, and the last one's files are over. */
  sessionStarted(): void {
    this.sizer.reset();
    this.pasteKeys.reset();
    for (const t of this.files.endAll("failed", "the console connected again")) this.host.emit("fileprogress", { ...t });
    this.setAgent({ ...noAgent }, true);
  }

  /** The session ended: unfinished transfers fail, the agent is gone. */
  sessionEnded(message: string): void {
    this.pasteKeys.reset();
    for (const t of this.files.endAll("failed", `the session ended${message ? ` (${message})` : ""}`)) this.host.emit("fileprogress", { ...t });
    this.setAgent({ ...noAgent }, true);
  }

  /** The session reached "connected": input and agent calls now reach it. */
  sessionConnected(): void {
    this.rescale(false);
    this.updateDropHint();
  }

  /** SessionEvents.agent. */
  agent(s: AgentState): void {
    this.setAgent({ ...s }, true);
  }

  /** SessionEvents.clipboard: the guest copied. */
  clipboard(data: ClipboardData): void {
    // Image bytes are only valid during the call on the page; keep a copy.
    const kept: ClipboardData = data.type === "image" ? { type: "image", mime: data.mime, data: data.data.slice() } : { type: "text", text: data.text };
    this.host.log("debug", `clipboard: the guest copied ${kept.type === "text" ? `text (${kept.text.length} characters)` : `an image (${kept.data.length} bytes of PNG)`}`);
    this.clip.fromGuest(kept);
    this.host.emit("clipboard", { data: kept.type === "image" ? { ...kept, data: kept.data.slice() } : kept });
  }

  /** SessionEvents.fileProgress. */
  fileProgress(id: number, state: FileState, sent: number, total: number, message: string): void {
    const t = this.files.update(id, state, sent, total, message);
    if (t) this.host.emit("fileprogress", { ...t });
  }

  /** SessionEvents.resize: the guest's screen size. */
  guestResized(width: number, height: number): void {
    this.sizer.guest(width, height);
  }

  /** The console area (CSS pixels) after a layout. */
  area(width: number, height: number): void {
    this.sizer.area(width, height, devicePixelRatio, this.hidpiOn);
  }

  /** How the screen is to be laid out now. */
  display(): { scaling: Scaling; pixelRatio: number } {
    return { scaling: this.effective, pixelRatio: this.effective === "remote" && this.hidpiOn ? devicePixelRatio : 1 };
  }

  /**
   * InputCapture asks about every key: "pass" sends it as usual, "browser"
   * holds it back and lets the browser act (the paste event), "drop" holds
   * it back and stops the browser.
   */
  interceptKey(e: KeyboardEvent, down: boolean): "pass" | "browser" | "drop" {
    return this.pasteKeys.key(e, down);
  }

  // ---- the embedder API (SpiceConsole delegates) ----

  get agentState(): AgentState {
    return { ...this.state };
  }

  get clipboardAccess(): ClipboardAccess {
    return this.clip.access;
  }

  get guestClipboard(): ClipboardData | null {
    const d = this.clip.guestData;
    return d && d.type === "image" ? { ...d, data: d.data.slice() } : d;
  }

  /** Asks the browser for clipboard access (call from a click). */
  allowClipboard(): Promise<ClipboardAccess> {
    return this.clip.ask();
  }

  /** Makes data (text or a PNG) the guest's clipboard. false: no agent shares the clipboard, or too large. */
  setClipboard(data: string | ClipboardData): boolean {
    const d: ClipboardData = typeof data === "string" ? { type: "text", text: normalizeNewlines(data) } : data;
    if (d.type === "text" && d.text === "") return false;
    return this.connected() ? this.clip.sendToGuest(d) : false;
  }

  /**
   * Types text as key presses (US layout), up to the first character a US
   * keyboard cannot type and at most 4096. Returns how many were typed.
   */
  typeText(text: string): number {
    const s = this.host.session();
    if (!s) return 0;
    const t = normalizeNewlines(text);
    const n = typeablePrefix(t);
    if (n > 0) s.typeText(t.slice(0, n));
    return n;
  }

  /** Why files cannot be sent now; "" when they can. */
  fileReason(): string {
    if (!this.host.session()) return "the console is not connected";
    if (!this.state.connected) return "the guest agent (spice-vdagent) is not running in the guest";
    if (!this.state.files) return "the guest agent does not take files (the host may have disabled file transfer)";
    return "";
  }

  /** Why "remote" scaling cannot resize the guest now; "" when it can. */
  resizeReason(): string {
    if (!this.host.session()) return "the console is not connected";
    if (!this.state.connected) return "the guest agent (spice-vdagent) is not running in the guest";
    if (!this.state.resize) return "the guest agent cannot change the resolution";
    return "";
  }

  /** Why the clipboard is not shared with the guest; "" when it is. */
  clipboardReason(): string {
    if (!this.host.session()) return "the console is not connected";
    if (!this.state.connected) return "the guest agent (spice-vdagent) is not running in the guest";
    if (!this.state.clipboard) return "the guest agent does not share the clipboard";
    return "";
  }

  /** Sends a file (or any Blob, with a name) to the guest; it queues behind the others. */
  sendFile(file: Blob, name?: string): FileTransfer {
    const fileName = (name ?? (file instanceof File ? file.name : "")).trim() || "file";
    const t = this.files.add(fileName, file.size);
    const why = this.fileReason();
    const s = this.host.session();
    if (why || !s) {
      this.files.update(t.id, "failed", 0, file.size, why);
    } else {
      s.sendFile(t.id, file, fileName);
    }
    const now = this.files.get(t.id) ?? t;
    this.host.emit("fileprogress", { ...now });
    return { ...now };
  }

  /** Cancels a queued or running file; a fileprogress event ("cancelled") follows. */
  cancelFile(id: number): void {
    const t = this.files.get(id);
    if (!t || finished(t.state)) return;
    const s = this.host.session();
    if (s) {
      s.cancelFile(id);
      return;
    }
    const u = this.files.update(id, "cancelled", t.sent, t.total, "");
    if (u) this.host.emit("fileprogress", { ...u });
  }

  /** Every transfer, oldest first. */
  get transfers(): FileTransfer[] {
    return this.files.list().map((t) => ({ ...t }));
  }

  /** Forgets the finished transfers. */
  clearTransfers(): void {
    this.files.clearFinished();
  }

  get scaling(): ScalingDetail {
    return { mode: this.effective, setting: this.setting, hidpi: this.hidpiOn };
  }

  /** Changes the scaling; "auto" is remote with an agent that resizes, fit otherwise. */
  setScaling(setting: ScalingSetting, hidpi: boolean = this.hidpiOn): void {
    if (setting === this.setting && hidpi === this.hidpiOn) return;
    this.setting = setting;
    this.hidpiOn = hidpi;
    this.watchPixelRatio();
    this.rescale(true);
  }

  // ---- internals ----

  private connected(): boolean {
    return this.host.session() !== null && this.state.connected;
  }

  private setAgent(s: AgentState, emit: boolean): void {
    const was = this.state;
    this.state = s;
    if (s.connected && !was.connected) {
      // A fresh agent: it has none of what the last one was given.
      this.clip.reset();
      if (document.activeElement === this.host.screen()) void this.clip.focused();
    }
    const changed = (Object.keys(noAgent) as Array<keyof AgentState>).some((k) => was[k] !== s[k]);
    if (emit && changed) this.host.emit("agent", { ...s });
    this.rescale(false);
    this.updateDropHint();
  }

  private resolve(): Scaling {
    const canResize = this.state.connected && this.state.resize;
    if (this.setting === "auto") return canResize ? "remote" : "fit";
    if (this.setting === "remote" && !canResize) return "fit";
    return this.setting;
  }

  // Applies the setting and the agent's abilities; force: emit even when
  // the mode in effect stayed (the setting changed).
  private rescale(force: boolean): void {
    const mode = this.resolve();
    const changed = mode !== this.effective;
    this.effective = mode;
    if (changed || force) {
      this.host.layout();
      this.host.emit("scaling", this.scaling);
    }
    this.sizer.setEnabled(mode === "remote" && this.host.session() !== null);
  }

  // With HiDPI, a new devicePixelRatio (browser zoom, another monitor)
  // means a new guest size for the same area.
  private watchPixelRatio(): void {
    if (typeof matchMedia !== "function") return;
    const q = this.hidpiOn ? matchMedia(`(resolution: ${devicePixelRatio}dppx)`) : null;
    this.dprQuery = q;
    q?.addEventListener(
      "change",
      () => {
        if (this.dprQuery !== q) return;
        this.host.layout();
        this.watchPixelRatio();
      },
      { once: true, signal: this.abort.signal },
    );
  }

  private watchDrops(root: HTMLElement, signal: AbortSignal): void {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
    let depth = 0; // dragenter/dragleave pairs over the console's children
    const hide = () => {
      depth = 0;
      this.dropHint.style.display = "none";
    };
    root.addEventListener(
      "dragenter",
      (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        depth++;
        this.updateDropHint();
        this.dropHint.style.display = "flex";
      },
      { signal },
    );
    root.addEventListener(
      "dragover",
      (e) => {
        if (!hasFiles(e)) return;
        // Always claim the drop: a file let through would make the browser
        // navigate away from the console to show it.
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = this.fileReason() ? "none" : "copy";
      },
      { signal },
    );
    root.addEventListener(
      "dragleave",
      (e) => {
        if (!hasFiles(e)) return;
        if (--depth <= 0) hide();
      },
      { signal },
    );
    root.addEventListener(
      "drop",
      (e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        hide();
        // Each file gets a line in the transfer list, those that cannot go
        // with the reason.
        for (const f of droppedFiles(e.dataTransfer)) {
          if (f.folder) {
            const t = this.files.add(f.file.name, 0);
            const u = this.files.update(t.id, "failed", 0, 0, "a folder cannot be sent; drop the files in it");
            this.host.emit("fileprogress", { ...(u ?? t) });
          } else {
            this.sendFile(f.file);
          }
        }
      },
      { signal },
    );
  }

  private updateDropHint(): void {
    const why = this.fileReason();
    this.dropHint.textContent = why ? `Files cannot be sent: ${why}` : "Drop files to send them to the guest";
  }
}

// The files of a drop, with folders told apart (a folder comes as a File
// whose bytes cannot be read).
function droppedFiles(dt: DataTransfer | null): Array<{ file: File; folder: boolean }> {
  if (!dt) return [];
  const out: Array<{ file: File; folder: boolean }> = [];
  const items = Array.from(dt.items).filter((i) => i.kind === "file");
  if (items.length === dt.files.length) {
    items.forEach((item, i) => {
      const entry = typeof item.webkitGetAsEntry === "function" ? item.webkitGetAsEntry() : null;
      out.push({ file: dt.files[i]!, folder: entry?.isDirectory ?? false });
    });
    return out;
  }
  return Array.from(dt.files, (file) => ({ file, folder: false }));
}
