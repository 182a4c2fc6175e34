// Keyboard and mouse capture on the screen canvas, forwarded to the Go
// session. The arithmetic lives in pointer.ts and wheel.ts; this file is
// only DOM wiring.

import type { GoSession, MouseMode } from "./goapi";
import { MotionAccumulator, buttonChanges, toGuest } from "./pointer";
import { WheelAccumulator } from "./wheel";

/** What InputCapture needs from its owner. */
export interface InputHost {
  /** The session to send to, or null when not connected. */
  session(): GoSession | null;
  mouseMode(): MouseMode;
  /** The guest screen's size in pixels (the canvas may be a worker's placeholder). */
  screenSize(): { width: number; height: number };
  /**
   * Where the element's pixel (0, 0) is on the session's canvas: a window
   * showing one monitor (monitors.ts) is that monitor's part of it.
   * Absent: (0, 0).
   */
  offset?(): { x: number; y: number };
  /** Pointer lock was taken or released (server mouse mode). */
  lockChanged(locked: boolean): void;
  log(level: string, message: string): void;
  /**
   * Consulted before a key goes to the guest: "pass" sends it, "browser"
   * holds it back and leaves it to the browser (a paste shortcut, whose
   * paste event must come), "drop" holds it back and stops the browser.
   */
  interceptKey?(e: KeyboardEvent, down: boolean): "pass" | "browser" | "drop";
}

export class InputCapture {
  private readonly abort = new AbortController();
  private readonly wheel = new WheelAccumulator();
  private readonly motion = new MotionAccumulator();
  private buttons = 0; // MouseEvent.buttons mask the guest believes is held
  private lastX = -1;
  private lastY = -1;
  private locked = false;
  private readonly doc: Document;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly host: InputHost,
  ) {
    const opts = { signal: this.abort.signal };
    const active = { signal: this.abort.signal, passive: false };
    // The element's own window: a monitor's window is not the page's.
    const doc = canvas.ownerDocument;
    const win = doc.defaultView ?? window;
    this.doc = doc;
    canvas.tabIndex = 0;
    canvas.addEventListener("keydown", (e) => this.onKey(e, true), opts);
    canvas.addEventListener("keyup", (e) => this.onKey(e, false), opts);
    canvas.addEventListener("pointerdown", (e) => this.onPointer(e), active);
    canvas.addEventListener("pointermove", (e) => this.onPointer(e), active);
    canvas.addEventListener("pointerup", (e) => this.onPointer(e), active);
    canvas.addEventListener("pointercancel", () => this.releaseButtons(), opts);
    canvas.addEventListener("wheel", (e) => this.onWheel(e), active);
    // The guest gets right clicks; the browser's menu and the back/forward
    // navigation of the side buttons must not happen as well.
    canvas.addEventListener("contextmenu", (e) => e.preventDefault(), active);
    canvas.addEventListener("auxclick", (e) => e.preventDefault(), active);
    canvas.addEventListener("mouseup", (e) => e.button > 2 && e.preventDefault(), active);
    // Keys and buttons held when focus leaves would stay down in the guest:
    // their key-up goes elsewhere.
    canvas.addEventListener("blur", () => this.releaseAll(), opts);
    win.addEventListener("blur", () => this.releaseAll(), opts);
    doc.addEventListener("visibilitychange", () => doc.hidden && this.releaseAll(), opts);
    doc.addEventListener("pointerlockchange", () => this.onLockChange(), opts);
    doc.addEventListener("pointerlockerror", () => host.log("warn", "pointer lock refused by the browser"), opts);
  }

  /** Removes every listener and gives up pointer lock. */
  detach(): void {
    this.releaseAll();
    this.abort.abort();
    if (this.locked) this.doc.exitPointerLock();
  }

  /** Releases everything held, locally and in the guest. */
  releaseAll(): void {
    this.buttons = 0;
    this.wheel.reset();
    this.motion.reset();
    this.host.session()?.releaseAll();
  }

  /** The mouse mode changed: client mode needs no lock. */
  modeChanged(mode: MouseMode): void {
    this.lastX = this.lastY = -1;
    if (mode === "client" && this.locked) this.doc.exitPointerLock();
  }

  private onKey(e: KeyboardEvent, down: boolean): void {
    const s = this.host.session();
    // keyCode 229 is an IME at work in browsers that lack isComposing.
    if (!s || e.isComposing || e.keyCode === 229 || e.code === "") return;
    const how = this.host.interceptKey?.(e, down) ?? "pass";
    if (how === "drop") e.preventDefault();
    if (how !== "pass") return;
    // Auto-repeat is forwarded as further key-downs: guests expect the
    // client to provide typematic repeat.
    if (s.key(e.code, down)) e.preventDefault();
  }

  private onPointer(e: PointerEvent): void {
    if (!e.isPrimary) return; // one pointer drives the guest; extra fingers are ignored
    if (e.type === "pointerdown") this.canvas.focus({ preventScroll: true });
    const s = this.host.session();
    if (!s) return;
    e.preventDefault();
    if (this.host.mouseMode() === "server") {
      this.serverPointer(s, e);
      return;
    }
    // Keep receiving moves and the release when a drag leaves the canvas.
    if (e.type === "pointerdown" && e.pointerType === "mouse") {
      try {
        this.canvas.setPointerCapture(e.pointerId);
      } catch {
        // The pointer may already be gone; nothing to capture.
      }
    }
    this.sendPosition(s, e.clientX, e.clientY);
    this.sendButtons(s, e.buttons);
  }

  // Client mode: the guest pointer goes where the local one is.
  private sendPosition(s: GoSession, clientX: number, clientY: number): void {
    const size = this.host.screenSize();
    const at = toGuest(clientX, clientY, this.canvas.getBoundingClientRect(), size.width, size.height);
    const off = this.host.offset?.() ?? { x: 0, y: 0 };
    const x = at.x + off.x;
    const y = at.y + off.y;
    if (x !== this.lastX || y !== this.lastY) {
      this.lastX = x;
      this.lastY = y;
      s.mousePosition(x, y);
    }
  }

  private serverPointer(s: GoSession, e: PointerEvent): void {
    if (!this.locked) {
      // The click that takes the lock is not the guest's.
      if (e.type === "pointerdown" && e.button === 0) this.requestLock();
      return;
    }
    if (e.movementX || e.movementY) {
      const rect = this.canvas.getBoundingClientRect();
      const { dx, dy } = this.motion.add(e.movementX, e.movementY, rect.width > 0 ? this.host.screenSize().width / rect.width : 1);
      if (dx || dy) s.mouseMotion(dx, dy);
    }
    this.sendButtons(s, e.buttons);
  }

  private sendButtons(s: GoSession, mask: number): void {
    for (const c of buttonChanges(this.buttons, mask)) s.mouseButton(c.button, c.down);
    this.buttons = mask;
  }

  private releaseButtons(): void {
    const s = this.host.session();
    if (s) this.sendButtons(s, 0);
    this.buttons = 0;
  }

  private onWheel(e: WheelEvent): void {
    const s = this.host.session();
    if (!s) return;
    e.preventDefault();
    if (this.host.mouseMode() === "server") {
      if (!this.locked) return;
    } else {
      // Scroll where the pointer is, even if no move was seen first.
      this.sendPosition(s, e.clientX, e.clientY);
    }
    const steps = this.wheel.addEvent(e);
    if (steps !== 0) s.wheel(steps);
  }

  private requestLock(): void {
    try {
      // Older browsers return undefined instead of a promise.
      const p = this.canvas.requestPointerLock() as Promise<void> | undefined;
      p?.catch((err: unknown) => this.host.log("warn", `pointer lock refused: ${String(err)}`));
    } catch (err) {
      this.host.log("warn", `pointer lock refused: ${String(err)}`);
    }
  }

  private onLockChange(): void {
    const locked = this.doc.pointerLockElement === this.canvas;
    if (locked === this.locked) return;
    this.locked = locked;
    this.motion.reset();
    if (!locked) this.releaseButtons();
    this.host.lockChanged(locked);
  }
}
