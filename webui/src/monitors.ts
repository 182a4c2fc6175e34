// Several guest monitors. Go draws every monitor into the one screen
// canvas, side by side (SessionEvents.monitors says where each is). The
// console shows that canvas whole ("side"), or only the first monitor
// while every other monitor gets a browser window of its own ("windows"),
// and sends its pointer and keys to the same session.
//
// A window's canvas is handed to Go (GoSession.monitorCanvas; to the
// worker as an OffscreenCanvas), which puts each frame's changed part of
// that monitor into it from the same ImageData as the screen's: no copy.
// A window copying its part from the screen canvas with drawImage instead
// cost 76% of a core while the monitors changed 10 times a second,
// against 5% for the window Go draws (BenchmarkMultimonWindow, software
// rendering); that copy remains only as the fallback where the canvas
// cannot be handed over, and then copies only what Go reports changed.

import type { GoSession, MonitorInfo, MouseMode } from "./goapi";
import { InputCapture } from "./input";
import { fitScreen } from "./layout";

/** How several monitors are shown: side by side in the console, or one per browser window. */
export type MonitorsMode = "side" | "windows";

/** The MonitorsMode that s names ("window" too), or undefined. */
export function parseMonitorsMode(s: string | null | undefined): MonitorsMode | undefined {
  const v = (s ?? "").trim().toLowerCase();
  if (v === "side") return "side";
  if (v === "windows" || v === "window") return "windows";
  return undefined;
}

/** A monitor's own window: open, blocked by the browser, or closed by the user. */
export interface MonitorWindowState {
  /** Index in MonitorsDetail.list. */
  index: number;
  state: "open" | "blocked" | "closed";
  /** Why it is not open, in words for the user; "" when open. */
  reason: string;
  /** The window while open (same origin: an embedder may move or resize it). */
  window: Window | null;
}

/** The monitors event's detail and SpiceConsole.monitors. */
export interface MonitorsDetail {
  mode: MonitorsMode;
  /** Every guest monitor, where it is on the canvas (canvas pixels). */
  list: MonitorInfo[];
  /** The windows of monitors 2 and up, in "windows" mode with more than one monitor. */
  windows: MonitorWindowState[];
}

/**
 * The part of the canvas the console shows: all of it ("side", or a
 * single monitor), else the first monitor.
 */
export function shownArea(mode: MonitorsMode, list: readonly MonitorInfo[], canvasW: number, canvasH: number): MonitorInfo {
  const first = list[0];
  if (mode === "side" || list.length < 2 || !first) return { channel: 0, id: 0, x: 0, y: 0, width: canvasW, height: canvasH };
  return first;
}

/** What a monitor's window needs from the console. */
export interface MonitorWindowsHost {
  session(): GoSession | null;
  mouseMode(): MouseMode;
  /** The console's screen canvas, which holds every monitor. */
  screen(): HTMLCanvasElement;
  /** The window's title prefix (the page's title). */
  title(): string;
  /** A window opened, was blocked or closed. */
  changed(): void;
  log(level: string, message: string): void;
  interceptKey?(e: KeyboardEvent, down: boolean): "pass" | "browser" | "drop";
}

const popupBlocked = "the browser blocked the new window (pop-ups are blocked for this page): allow pop-ups for it, or open the window with the button";

/** The windows of monitors 2 and up. */
export class MonitorWindows {
  private list: MonitorInfo[] = [];
  private readonly wins = new Map<number, MonitorWindow>();
  private readonly states = new Map<number, MonitorWindowState>();
  private timer = 0;

  private readonly onPageHide = () => this.closeAll();

  constructor(private readonly host: MonitorWindowsHost) {
    // The windows go with the console's page.
    window.addEventListener("pagehide", this.onPageHide);
  }

  /** Closes every window and stops watching the page (the console is destroyed). */
  detach(): void {
    this.closeAll();
    window.removeEventListener("pagehide", this.onPageHide);
  }

  /** The states of the windows, by monitor index. */
  get windows(): MonitorWindowState[] {
    return [...this.states.values()].sort((a, b) => a.index - b.index).map((s) => ({ ...s }));
  }

  /**
   * The monitors or the mode changed: opens the windows that are missing
   * (the browser may block them without a click), moves the open ones to
   * their monitor, closes the rest.
   */
  update(mode: MonitorsMode, list: MonitorInfo[]): void {
    this.list = list;
    const wanted = mode === "windows" ? list.length : 0;
    for (const [i, w] of this.wins) {
      if (i >= wanted) {
        w.close();
        this.wins.delete(i);
      }
    }
    for (const i of [...this.states.keys()]) if (i >= wanted || i === 0) this.states.delete(i);
    for (let i = 1; i < wanted; i++) {
      const w = this.wins.get(i);
      if (w) w.setMonitor(list[i]!);
      else if (this.states.get(i)?.state !== "closed") this.open(i);
    }
    if (this.wins.size > 0 && this.timer === 0) this.timer = window.setInterval(() => this.poll(), 500);
    this.host.changed();
  }

  /** Opens monitor index's window (call it from a click where the browser blocks pop-ups). */
  open(index: number): boolean {
    const m = this.list[index];
    if (!m || index === 0) return false;
    const old = this.wins.get(index);
    if (old && !old.closed) {
      old.focus();
      return true;
    }
    let win: Window | null = null;
    try {
      win = window.open("", `spiceweb-monitor-${index}`, `popup,width=${m.width},height=${m.height}`);
    } catch {
      win = null;
    }
    if (!win) {
      this.states.set(index, { index, state: "blocked", reason: popupBlocked, window: null });
      this.host.log("warn", `monitor ${index + 1}: ${popupBlocked}`);
      this.host.changed();
      return false;
    }
    const w = new MonitorWindow(win, index, m, `${this.host.title()} — monitor ${index + 1}`, this.host);
    this.wins.set(index, w);
    this.states.set(index, { index, state: "open", reason: "", window: win });
    if (this.timer === 0) this.timer = window.setInterval(() => this.poll(), 500);
    this.host.changed();
    return true;
  }

  /** A presented frame changed this area of the canvas. */
  changed(x: number, y: number, width: number, height: number): void {
    for (const w of this.wins.values()) w.damage({ x, y, width, height });
  }

  /** The mouse mode changed. */
  modeChanged(mode: MouseMode): void {
    for (const w of this.wins.values()) {
      w.input.modeChanged(mode);
      w.syncCursor();
    }
  }

  /** The console's canvas changed its pointer shape. */
  cursorChanged(): void {
    for (const w of this.wins.values()) w.syncCursor();
  }

  /** Whether an open window copies from the screen (and so needs the frame event). */
  get copying(): boolean {
    for (const w of this.wins.values()) if (!w.goDraws && !w.closed) return true;
    return false;
  }

  /** Releases keys and buttons held in any window (the session ends). */
  releaseAll(): void {
    for (const w of this.wins.values()) w.input.releaseAll();
  }

  closeAll(): void {
    for (const w of this.wins.values()) w.close();
    this.wins.clear();
    this.states.clear();
    window.clearInterval(this.timer);
    this.timer = 0;
  }

  // A window the user closed stays closed until they open it again.
  private poll(): void {
    let changed = false;
    for (const [i, w] of this.wins) {
      if (!w.closed) continue;
      w.close();
      this.wins.delete(i);
      this.states.set(i, { index: i, state: "closed", reason: "its window was closed", window: null });
      changed = true;
    }
    if (this.wins.size === 0) {
      window.clearInterval(this.timer);
      this.timer = 0;
    }
    if (changed) this.host.changed();
  }
}

/** One monitor's window: a canvas copying its part of the screen, and input. */
class MonitorWindow {
  readonly input: InputCapture;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D | null;
  /**
   * Go presents into this window's canvas itself (GoSession.monitorCanvas),
   * from the frame's own pixels: no copy here. Otherwise (the canvas could
   * not be handed over) the window copies from the screen canvas what each
   * frame changed, which costs far more (BenchmarkMultimonWindow).
   */
  readonly goDraws: boolean;
  private frame = 0;
  private done = false;
  // The part of the monitor (its own pixels) to copy, and how many more
  // frames to copy it at: the screen canvas of a worker's OffscreenCanvas
  // may show a frame a little after Go reported it.
  private dirty: Area | null = null;
  private copies = 0;

  constructor(
    private readonly win: Window,
    private readonly key: number,
    private monitor: MonitorInfo,
    title: string,
    private readonly host: MonitorWindowsHost,
  ) {
    const doc = win.document;
    doc.title = title;
    doc.body.style.cssText = "margin:0;background:#000;overflow:hidden;display:flex;height:100vh;";
    doc.body.replaceChildren();
    const canvas = () => {
      const c = doc.createElement("canvas");
      c.className = "spiceweb-monitor";
      c.style.cssText = "display:block;margin:auto;outline:none;touch-action:none;";
      c.setAttribute("aria-label", title);
      return c;
    };
    this.canvas = canvas();
    const m = monitor;
    this.goDraws = host.session()?.monitorCanvas(key, m.x, m.y, m.width, m.height, this.canvas) ?? false;
    if (!this.goDraws) {
      // A canvas handed to the worker in vain is no use here any more.
      let ctx: CanvasRenderingContext2D | null = null;
      try {
        ctx = this.canvas.getContext("2d", { alpha: false });
      } catch {
        this.canvas = canvas();
        ctx = this.canvas.getContext("2d", { alpha: false });
      }
      this.ctx = ctx;
      host.log("info", `monitor ${key + 1}: its window copies from the screen`);
    } else {
      this.ctx = null;
    }
    doc.body.append(this.canvas);
    this.input = new InputCapture(this.canvas, {
      session: () => host.session(),
      mouseMode: () => host.mouseMode(),
      screenSize: () => ({ width: this.monitor.width, height: this.monitor.height }),
      offset: () => ({ x: this.monitor.x, y: this.monitor.y }),
      lockChanged: () => {},
      log: (level, message) => host.log(level, message),
      ...(host.interceptKey ? { interceptKey: host.interceptKey } : {}),
    });
    win.addEventListener("resize", () => this.layout());
    this.layout();
    this.damage(monitor);
    this.syncCursor();
  }

  get closed(): boolean {
    return this.done || this.win.closed;
  }

  focus(): void {
    this.win.focus();
  }

  setMonitor(m: MonitorInfo): void {
    this.monitor = m;
    if (this.goDraws) this.host.session()?.monitorCanvas(this.key, m.x, m.y, m.width, m.height);
    this.layout();
    this.damage(m);
  }

  /** Part of the canvas changed (canvas pixels). */
  damage(r: Area): void {
    if (this.goDraws) return;
    const m = this.monitor;
    const part = intersect(r, m);
    if (!part) return;
    const local = { x: part.x - m.x, y: part.y - m.y, width: part.width, height: part.height };
    this.dirty = this.dirty ? union(this.dirty, local) : local;
    this.copies = copiesPerChange;
    this.schedule();
  }

  /** Wears the guest's pointer shape, as the console's canvas does. */
  syncCursor(): void {
    const c = this.host.screen().style.cursor;
    if (this.canvas.style.cursor !== c) this.canvas.style.cursor = c;
  }

  // An animation frame only while there is something to copy: a window
  // waiting at every frame for nothing still cost 4% of a core.
  private schedule(): void {
    if (this.frame !== 0 || this.done || this.win.closed) return;
    this.frame = this.win.requestAnimationFrame(this.draw);
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.input.detach();
    if (this.goDraws) this.host.session()?.removeMonitorCanvas(this.key);
    if (!this.win.closed) {
      if (this.frame !== 0) this.win.cancelAnimationFrame(this.frame);
      this.win.close();
    }
  }

  private layout(): void {
    const m = this.monitor;
    // (Go sizes a canvas it draws into; a worker's placeholder refuses.)
    if (!this.goDraws && (this.canvas.width !== m.width || this.canvas.height !== m.height)) {
      this.canvas.width = m.width;
      this.canvas.height = m.height;
      this.damage(m);
    }
    const fit = fitScreen(this.win.innerWidth, this.win.innerHeight, m.width, m.height, "fit");
    this.canvas.style.width = `${fit.width}px`;
    this.canvas.style.height = `${fit.height}px`;
    this.canvas.style.imageRendering = fit.scale > 1 ? "pixelated" : "auto";
  }

  // Copies what changed of the monitor's part of the screen, at this
  // window's frames (they stop while it is hidden).
  private readonly draw = (): void => {
    this.frame = 0;
    if (this.closed) return;
    const m = this.monitor;
    const src = this.host.screen();
    const d = this.dirty;
    if (d && this.ctx && src.width >= m.x + m.width && src.height >= m.y + m.height) {
      this.ctx.drawImage(src, m.x + d.x, m.y + d.y, d.width, d.height, d.x, d.y, d.width, d.height);
      if (--this.copies <= 0) this.dirty = null;
    }
    if (this.dirty) this.schedule();
  };
}

/** How many frames a change is copied at (see MonitorWindow.dirty). */
const copiesPerChange = 3;

/** A rectangle in pixels. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The part of a inside b, or null when they do not overlap. */
export function intersect(a: Area, b: Area): Area | null {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** The smallest rectangle holding a and b. */
export function union(a: Area, b: Area): Area {
  const x0 = Math.min(a.x, b.x);
  const y0 = Math.min(a.y, b.y);
  return { x: x0, y: y0, width: Math.max(a.x + a.width, b.x + b.width) - x0, height: Math.max(a.y + a.height, b.y + b.height) - y0 };
}
