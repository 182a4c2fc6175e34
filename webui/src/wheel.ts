// Turning WheelEvent deltas into SPICE wheel notches.

/** WheelEvent.deltaMode values. */
export const DOM_DELTA_PIXEL = 0;
export const DOM_DELTA_LINE = 1;
export const DOM_DELTA_PAGE = 2;

// One notch of a common mouse wheel: Chromium reports 100 px (at zoom 1),
// Firefox 3 lines when it reports lines. A page is rare (a setting in some
// desktops); treat it as one notch.
const PIXELS_PER_NOTCH = 100;
const LINES_PER_NOTCH = 3;
const PAGES_PER_NOTCH = 1;

/**
 * Accumulates vertical wheel deltas so that touchpads, which send many small
 * deltas, scroll at the same rate as a notched wheel, and a notched wheel
 * gives exactly one step per notch.
 */
export class WheelAccumulator {
  private acc = 0; // in notches

  /**
   * Adds a wheel event and returns whole steps to send (positive: down).
   * deltaMode is read first: Firefox reports a notched wheel in lines only
   * to pages that look at deltaMode before deltaY; to the others it gives
   * the lines converted to pixels (about 50 per notch, not Chromium's 100),
   * which would take two notches per step.
   */
  addEvent(e: { readonly deltaMode: number; readonly deltaY: number }): number {
    const mode = e.deltaMode;
    return this.add(e.deltaY, mode);
  }

  /** Adds one event's deltaY and returns whole steps to send (positive: down). */
  add(deltaY: number, deltaMode: number): number {
    if (!Number.isFinite(deltaY) || deltaY === 0) return 0;
    let notches: number;
    switch (deltaMode) {
      case DOM_DELTA_LINE:
        notches = deltaY / LINES_PER_NOTCH;
        break;
      case DOM_DELTA_PAGE:
        notches = deltaY / PAGES_PER_NOTCH;
        break;
      default:
        notches = deltaY / PIXELS_PER_NOTCH;
    }
    // Reversing direction starts afresh rather than first paying back what
    // was left over from the other way.
    if (this.acc !== 0 && Math.sign(notches) !== Math.sign(this.acc)) this.acc = 0;
    this.acc += notches;
    // The epsilon keeps float error from turning ten 0.1-notch deltas into
    // 0.9999… and losing the step.
    const steps = Math.trunc(this.acc + Math.sign(this.acc) * 1e-9);
    this.acc -= steps;
    if (Math.abs(this.acc) < 1e-9) this.acc = 0;
    return steps === 0 ? 0 : steps; // not -0
  }

  reset(): void {
    this.acc = 0;
  }
}
