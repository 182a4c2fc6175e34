// How the guest screen is fitted into its container.

/**
 * "remote": the guest's resolution follows the container (through the
 * guest agent); shown 1:1, shrunk only while the guest has not caught up;
 * "fit": shrink or enlarge to fit, keeping the aspect ratio;
 * "none": always 1:1, the container scrolls;
 * "down": shrink to fit, never enlarge.
 */
export type Scaling = "remote" | "fit" | "none" | "down";

export const scalings: readonly Scaling[] = ["remote", "fit", "none", "down"];

/** The Scaling that s names, or undefined. */
export function parseScaling(s: string | null | undefined): Scaling | undefined {
  const v = (s ?? "").trim().toLowerCase();
  return (scalings as readonly string[]).includes(v) ? (v as Scaling) : undefined;
}

export interface Fit {
  /** Displayed size in CSS pixels. */
  width: number;
  height: number;
  /** CSS pixels per guest pixel. */
  scale: number;
}

/**
 * The displayed size of a guestW×guestH screen in a containerW×containerH
 * box, keeping the aspect ratio. The canvas backing store stays at guest
 * resolution; only its CSS size changes. pixelRatio is guest pixels per
 * CSS pixel at "1:1" for "remote": devicePixelRatio when the guest was
 * sized in device pixels (HiDPI), else 1.
 */
export function fitScreen(containerW: number, containerH: number, guestW: number, guestH: number, scaling: Scaling, pixelRatio = 1): Fit {
  if (guestW <= 0 || guestH <= 0) return { width: 0, height: 0, scale: 1 };
  const natural = scaling === "remote" && pixelRatio > 0 ? 1 / pixelRatio : 1;
  let scale = natural;
  if (scaling !== "none" && containerW > 0 && containerH > 0) {
    scale = Math.min(containerW / guestW, containerH / guestH);
    if (scaling === "down" || scaling === "remote") scale = Math.min(scale, natural);
  }
  // Whole CSS pixels keep 1:1 crisp and avoid a sub-pixel scrollbar.
  const width = Math.max(1, Math.floor(guestW * scale));
  const height = Math.max(1, Math.floor(guestH * scale));
  return { width, height, scale: width / guestW };
}
