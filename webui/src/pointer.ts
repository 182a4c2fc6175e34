// Pure helpers for mouse input: button bit masks, CSS-to-guest coordinates,
// and relative motion.

/**
 * MouseEvent.buttons bit for each MouseEvent.button number. The two
 * numberings differ: buttons has right at bit 1 and middle at bit 2.
 */
const buttonBits: ReadonlyArray<number> = [1, 4, 2, 8, 16]; // index = MouseEvent.button

/** MouseEvent.button (0 left … 4 forward) for one bit of MouseEvent.buttons. */
export function buttonOfBit(bit: number): number {
  return buttonBits.indexOf(bit);
}

/** The MouseEvent.buttons bit for MouseEvent.button, 0 for unknown buttons. */
export function bitOfButton(button: number): number {
  return buttonBits[button] ?? 0;
}

export interface ButtonChange {
  button: number; // MouseEvent.button numbering, as GoSession.mouseButton takes
  down: boolean;
}

/**
 * The button presses and releases that take prev to next (both
 * MouseEvent.buttons masks), releases first. Pointer events report a second
 * button pressed during a drag only as a pointermove with a new buttons
 * mask, so comparing masks catches every change.
 */
export function buttonChanges(prev: number, next: number): ButtonChange[] {
  const out: ButtonChange[] = [];
  for (const down of [false, true]) {
    for (let button = 0; button < buttonBits.length; button++) {
      const bit = buttonBits[button]!;
      const was = (prev & bit) !== 0;
      const is = (next & bit) !== 0;
      if (was !== is && is === down) out.push({ button, down });
    }
  }
  return out;
}

/** A DOMRect-like box in CSS pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Maps a client (CSS pixel) position to a guest pixel on a canvas of
 * guestW×guestH drawn scaled into box, clamped to the canvas so that a drag
 * past the edge pins the guest pointer to the edge.
 */
export function toGuest(clientX: number, clientY: number, box: Box, guestW: number, guestH: number): { x: number; y: number } {
  if (box.width <= 0 || box.height <= 0 || guestW <= 0 || guestH <= 0) return { x: 0, y: 0 };
  const x = Math.floor(((clientX - box.left) * guestW) / box.width);
  const y = Math.floor(((clientY - box.top) * guestH) / box.height);
  return { x: clamp(x, 0, guestW - 1), y: clamp(y, 0, guestH - 1) };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Converts pointer-lock movement (CSS pixels) into whole guest pixels at the
 * current display scale, carrying the fractions so slow motion on a
 * scaled-down screen is not lost.
 */
export class MotionAccumulator {
  private fx = 0;
  private fy = 0;

  /** scale is guest pixels per CSS pixel (canvas.width / displayed width). */
  add(movementX: number, movementY: number, scale: number): { dx: number; dy: number } {
    if (!Number.isFinite(scale) || scale <= 0) scale = 1;
    this.fx += (Number.isFinite(movementX) ? movementX : 0) * scale;
    this.fy += (Number.isFinite(movementY) ? movementY : 0) * scale;
    const dx = Math.trunc(this.fx);
    const dy = Math.trunc(this.fy);
    this.fx -= dx;
    this.fy -= dy;
    return { dx: dx === 0 ? 0 : dx, dy: dy === 0 ? 0 : dy }; // not -0
  }

  reset(): void {
    this.fx = 0;
    this.fy = 0;
  }
}
