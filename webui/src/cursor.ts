// Presenting the guest's cursor.
//
// Client mouse mode: the local pointer is the guest pointer, so the shape
// becomes the screen canvas's CSS cursor. Server mouse mode: the local
// pointer is locked and hidden, and the shape is drawn on an overlay at the
// position the guest reports.

import type { MouseMode } from "./goapi";

// Browsers ignore CSS cursor images larger than this (Chromium: 128×128)
// and fall back to the next value.
const MAX_CSS_CURSOR = 128;

interface Shape {
  image: HTMLCanvasElement; // at guest size
  hotX: number;
  hotY: number;
}

export class CursorView {
  private shape: Shape | null | undefined; // undefined: none received yet; null: hidden
  private mode: MouseMode = "client";
  private scale = 1;
  private x = 0;
  private y = 0;
  private visible = false;
  private cssCursor = ""; // cached for the current shape and scale
  private locked = false;

  constructor(
    private readonly screen: HTMLCanvasElement,
    private readonly overlay: HTMLCanvasElement,
  ) {
    overlay.style.position = "absolute";
    overlay.style.pointerEvents = "none";
    overlay.style.display = "none";
    this.apply();
  }

  /** Back to the state before any session: client mode, no shape yet. */
  reset(): void {
    this.shape = undefined;
    this.cssCursor = "";
    this.mode = "client";
    this.visible = false;
    this.locked = false;
    this.apply();
  }

  /** A new shape from Go; rgba is straight-alpha RGBA valid only during the call. */
  setShape(rgba: Uint8ClampedArray | null, width: number, height: number, hotX: number, hotY: number): void {
    this.cssCursor = "";
    if (rgba === null || width <= 0 || height <= 0 || rgba.length < width * height * 4) {
      this.shape = null;
      this.apply();
      return;
    }
    const image = document.createElement("canvas");
    image.width = width;
    image.height = height;
    const ctx = image.getContext("2d");
    if (!ctx) {
      this.shape = null;
      this.apply();
      return;
    }
    // ImageData copies, so rgba may be reused by Go after this returns.
    ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.subarray(0, width * height * 4)), width, height), 0, 0);
    this.shape = { image, hotX: clampInt(hotX, 0, width - 1), hotY: clampInt(hotY, 0, height - 1) };
    this.apply();
  }

  setMode(mode: MouseMode): void {
    this.mode = mode;
    this.apply();
  }

  setLocked(locked: boolean): void {
    this.locked = locked;
    this.apply();
  }

  /** CSS pixels per guest pixel of the displayed screen. */
  setScale(scale: number): void {
    if (scale === this.scale) return;
    this.scale = scale;
    this.cssCursor = "";
    this.apply();
  }

  /** Server mode: the guest pointer position in guest pixels. */
  setPosition(x: number, y: number, visible: boolean): void {
    this.x = x;
    this.y = y;
    this.visible = visible;
    this.placeOverlay();
  }

  private apply(): void {
    if (this.mode === "client") {
      this.overlay.style.display = "none";
      this.screen.style.cursor = this.clientCursor();
      return;
    }
    // Server mode: while locked the browser hides the pointer; before the
    // user clicks to lock, the local arrow shows where the click lands.
    this.screen.style.cursor = this.locked ? "none" : "default";
    this.drawOverlay();
  }

  private clientCursor(): string {
    if (this.shape === undefined) return "default";
    if (this.shape === null) return "none";
    if (this.cssCursor === "") this.cssCursor = cssCursorFor(this.shape, this.scale);
    return this.cssCursor;
  }

  private drawOverlay(): void {
    const s = this.shape;
    if (!s) {
      this.overlay.style.display = "none";
      return;
    }
    if (this.overlay.width !== s.image.width || this.overlay.height !== s.image.height) {
      this.overlay.width = s.image.width;
      this.overlay.height = s.image.height;
    }
    const ctx = this.overlay.getContext("2d");
    if (ctx) {
      ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
      ctx.drawImage(s.image, 0, 0);
    }
    this.overlay.style.width = `${s.image.width * this.scale}px`;
    this.overlay.style.height = `${s.image.height * this.scale}px`;
    this.placeOverlay();
  }

  private placeOverlay(): void {
    const s = this.shape;
    if (this.mode !== "server" || !s || !this.visible) {
      this.overlay.style.display = "none";
      return;
    }
    this.overlay.style.left = `${(this.x - s.hotX) * this.scale}px`;
    this.overlay.style.top = `${(this.y - s.hotY) * this.scale}px`;
    this.overlay.style.display = "block";
  }
}

/**
 * The CSS cursor value for a shape shown at scale: the image is scaled with
 * the screen so the pointer matches what the guest draws, capped at the
 * size browsers accept.
 */
function cssCursorFor(s: Shape, scale: number): string {
  let w = Math.max(1, Math.round(s.image.width * scale));
  let h = Math.max(1, Math.round(s.image.height * scale));
  const fit = Math.min(1, MAX_CSS_CURSOR / Math.max(w, h));
  w = Math.max(1, Math.floor(w * fit));
  h = Math.max(1, Math.floor(h * fit));
  let src = s.image;
  if (w !== s.image.width || h !== s.image.height) {
    src = document.createElement("canvas");
    src.width = w;
    src.height = h;
    const ctx = src.getContext("2d");
    if (ctx) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(s.image, 0, 0, w, h);
    }
  }
  const hx = clampInt(Math.round((s.hotX * w) / s.image.width), 0, w - 1);
  const hy = clampInt(Math.round((s.hotY * h) / s.image.height), 0, h - 1);
  return `url("${src.toDataURL("image/png")}") ${hx} ${hy}, auto`;
}

function clampInt(v: number, lo: number, hi: number): number {
  v = Math.round(v);
  return v < lo ? lo : v > hi ? hi : v;
}
