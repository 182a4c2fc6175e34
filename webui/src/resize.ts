// The guest's resolution following the console area ("remote" scaling):
// what size to ask for, and when.

/** A guest screen size in guest pixels. */
export interface GuestSize {
  width: number;
  height: number;
}

/**
 * Sizes never asked for: below, desktops and installers lay out badly;
 * above, the canvas alone would take hundreds of MB.
 */
export const minGuestSize: GuestSize = { width: 320, height: 200 };
export const maxGuestSize: GuestSize = { width: 8192, height: 8192 };

/**
 * The guest size for a console area of cssW×cssH CSS pixels: device pixels
 * when hidpi (times devicePixelRatio), rounded down to a multiple of 8 as
 * Xorg's drivers want (spice-html5 does the same; other guests lose at most
 * 7 pixels), within minGuestSize and maxGuestSize. null when the area is
 * empty (a hidden or collapsed console): nothing should be asked then.
 */
export function remoteSize(cssW: number, cssH: number, dpr: number, hidpi: boolean): GuestSize | null {
  if (!(cssW > 0 && cssH > 0)) return null;
  const ratio = hidpi && dpr > 0 && Number.isFinite(dpr) ? dpr : 1;
  const side = (css: number, lo: number, hi: number) => {
    const px = Math.floor(Math.floor(css * ratio + 1e-6) / 8) * 8;
    return Math.min(hi, Math.max(lo, px));
  };
  return {
    width: side(cssW, minGuestSize.width, maxGuestSize.width),
    height: side(cssH, minGuestSize.height, maxGuestSize.height),
  };
}

/** setTimeout and clearTimeout, replaceable in tests. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => performance.now(),
};

/**
 * Runs fn once the triggers stop for delayMs, or maxWaitMs after the first
 * of a run of triggers that does not stop (dragging a window edge for
 * seconds should still resize the guest on the way).
 */
export class Debouncer {
  private handle: unknown = null;
  private first = -1; // when the pending run of triggers began

  constructor(
    private readonly fn: () => void,
    private readonly delayMs: number,
    private readonly maxWaitMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  get pending(): boolean {
    return this.handle !== null;
  }

  trigger(): void {
    const now = this.timers.now();
    if (this.handle !== null) this.timers.clear(this.handle);
    if (this.first < 0) this.first = now;
    const wait = Math.max(0, Math.min(this.delayMs, this.first + this.maxWaitMs - now));
    this.handle = this.timers.set(() => this.fire(), wait);
  }

  /** Runs fn now if a call is pending. */
  flush(): void {
    if (this.handle !== null) this.fire();
  }

  cancel(): void {
    if (this.handle !== null) this.timers.clear(this.handle);
    this.handle = null;
    this.first = -1;
  }

  private fire(): void {
    this.cancel();
    this.fn();
  }
}

/**
 * Decides when to ask the guest for a new size. The console reports its
 * area and the guest's size; while enabled (remote scaling and an agent
 * that resizes), a changed area is asked for once it settles. A size is
 * asked for once: a guest that keeps another size (it refused, or the user
 * changed it inside) is not asked again until the area changes.
 */
export class RemoteSizer {
  private enabled = false;
  private want: GuestSize | null = null;
  private sent: GuestSize | null = null;
  private guestSize: GuestSize | null = null;
  private readonly debounce: Debouncer;

  constructor(
    private readonly send: (size: GuestSize) => void,
    opts: { delayMs?: number; maxWaitMs?: number; timers?: Timers } = {},
  ) {
    this.debounce = new Debouncer(() => this.flush(), opts.delayMs ?? 200, opts.maxWaitMs ?? 1000, opts.timers ?? realTimers);
  }

  /** The size the area asks for (null before any area, or when it is empty). */
  get target(): GuestSize | null {
    return this.want;
  }

  /**
   * Turns requests on or off. Turning on asks for the current area at once:
   * the agent has just connected, or the user has just chosen "remote".
   */
  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    if (!on) {
      this.debounce.cancel();
      return;
    }
    this.flush();
  }

  /** The console area is now cssW×cssH CSS pixels at this devicePixelRatio. */
  area(cssW: number, cssH: number, dpr: number, hidpi: boolean): void {
    const next = remoteSize(cssW, cssH, dpr, hidpi);
    if (next === null || same(next, this.want)) return;
    this.want = next;
    if (this.enabled) this.debounce.trigger();
  }

  /** The guest screen is now this size. */
  guest(width: number, height: number): void {
    this.guestSize = { width, height };
  }

  /** A new session: nothing has been asked of it yet. */
  reset(): void {
    this.debounce.cancel();
    this.sent = null;
    this.guestSize = null;
  }

  private flush(): void {
    this.debounce.cancel();
    const want = this.want;
    if (!this.enabled || want === null || same(want, this.sent) || same(want, this.guestSize)) return;
    this.sent = want;
    this.send(want);
  }
}

function same(a: GuestSize | null, b: GuestSize | null): boolean {
  return a !== null && b !== null && a.width === b.width && a.height === b.height;
}
