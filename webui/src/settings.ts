// The choices spice_auto.html remembers in localStorage: how the screen is
// scaled, and HiDPI. One JSON object under one key, so that settings added
// later do not need keys of their own; anything unreadable counts as unset.

import { type Scaling, parseScaling } from "./layout";
import { type MonitorsMode, parseMonitorsMode } from "./monitors";

export interface Settings {
  /** undefined: the default (remote with an agent that resizes, fit otherwise). */
  scaling?: Scaling;
  hidpi?: boolean;
  /** How several guest monitors are shown; undefined: side by side. */
  monitors?: MonitorsMode;
}

export const settingsKey = "spiceweb.settings";

/** The part of Storage used here. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** localStorage, or null where the page may not use it (blocked storage in a cross-site frame). */
export function pageStorage(): StorageLike | null {
  try {
    return typeof localStorage !== "undefined" ? localStorage : null;
  } catch {
    return null;
  }
}

/** The remembered settings; {} when there are none or they cannot be read. */
export function loadSettings(store: StorageLike | null): Settings {
  let raw: unknown;
  try {
    raw = JSON.parse(store?.getItem(settingsKey) ?? "{}");
  } catch {
    return {};
  }
  if (typeof raw !== "object" || raw === null) return {};
  const r = raw as Record<string, unknown>;
  const out: Settings = {};
  const scaling = typeof r.scaling === "string" ? parseScaling(r.scaling) : undefined;
  if (scaling) out.scaling = scaling;
  if (typeof r.hidpi === "boolean") out.hidpi = r.hidpi;
  const monitors = typeof r.monitors === "string" ? parseMonitorsMode(r.monitors) : undefined;
  if (monitors) out.monitors = monitors;
  return out;
}

/** Remembers s; false when the storage refused (quota, blocked). */
export function saveSettings(store: StorageLike | null, s: Settings): boolean {
  if (!store) return false;
  try {
    store.setItem(settingsKey, JSON.stringify(s));
    return true;
  } catch {
    return false;
  }
}
