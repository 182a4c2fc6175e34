// How the guest screen is fitted into its container.

/**
 * "down": shrink to fit, never enlarge (the default);
 * "fit": shrink or enlarge to fit;
 * "none": always 1:1, the container scrolls.
 */
export type Scaling = "down" | "fit" | "none";

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
 * resolution; only its CSS size changes.
 */
export function fitScreen(containerW: number, containerH: number, guestW: number, guestH: number, scaling: Scaling): Fit {
  if (guestW <= 0 || guestH <= 0) return { width: 0, height: 0, scale: 1 };
  let scale = 1;
  if (scaling !== "none" && containerW > 0 && containerH > 0) {
    scale = Math.min(containerW / guestW, containerH / guestH);
    if (scaling === "down") scale = Math.min(scale, 1);
  }
  // Whole CSS pixels keep 1:1 crisp and avoid a sub-pixel scrollbar.
  const width = Math.max(1, Math.floor(guestW * scale));
  const height = Math.max(1, Math.floor(guestH * scale));
  return { width, height, scale: width / guestW };
}
