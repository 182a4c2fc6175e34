// Files sent to the guest: the page's list of transfers and their states.
// Go reports each file's progress (SessionEvents.fileProgress); this keeps
// what the page shows consistent whatever order the reports come in.

import type { FileState } from "./goapi";

/** One file given to SpiceConsole.sendFile. */
export interface FileTransfer {
  /** The page's id, unique within the console. */
  id: number;
  name: string;
  /** Bytes sent so far and the file's size. */
  sent: number;
  total: number;
  state: FileState;
  /** Why it ended, in words (from the agent, or the page's own reason). */
  message: string;
  /** performance.now() when sending began (NaN before), for the rate. */
  startedAt: number;
  /** performance.now() of the last report. */
  updatedAt: number;
}

/** Whether a transfer has ended: nothing changes it after that. */
export function finished(state: FileState): boolean {
  return state === "done" || state === "cancelled" || state === "failed";
}

/** The transfers of one console. */
export class Transfers {
  private readonly items = new Map<number, FileTransfer>();
  private nextID = 1;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Adds a queued transfer and returns it. */
  add(name: string, size: number): FileTransfer {
    const t: FileTransfer = {
      id: this.nextID++,
      name,
      sent: 0,
      total: size,
      state: "queued",
      message: "",
      startedAt: Number.NaN,
      updatedAt: this.now(),
    };
    this.items.set(t.id, t);
    return t;
  }

  get(id: number): FileTransfer | undefined {
    return this.items.get(id);
  }

  /** Every transfer, oldest first. */
  list(): FileTransfer[] {
    return [...this.items.values()];
  }

  /** Those not finished. */
  active(): FileTransfer[] {
    return this.list().filter((t) => !finished(t.state));
  }

  /**
   * Applies a report. Returns the updated transfer, or undefined when the
   * report changes nothing: an unknown id, a transfer already finished (a
   * late report after a cancel), or a step back from sending to queued.
   */
  update(id: number, state: FileState, sent: number, total: number, message: string): FileTransfer | undefined {
    const t = this.items.get(id);
    if (!t || finished(t.state)) return undefined;
    if (state === "queued" && t.state === "sending") return undefined;
    const now = this.now();
    if (state === "sending" && t.state !== "sending") t.startedAt = now;
    t.state = state;
    if (total > 0 && Number.isFinite(total)) t.total = total;
    // Progress never goes back, and never past the size.
    if (Number.isFinite(sent)) t.sent = Math.min(Math.max(t.sent, sent), t.total);
    if (state === "done") t.sent = t.total;
    t.message = message;
    t.updatedAt = now;
    return t;
  }

  /** Ends every unfinished transfer with state and message; returns those it ended. */
  endAll(state: "failed" | "cancelled", message: string): FileTransfer[] {
    const out: FileTransfer[] = [];
    for (const t of this.active()) {
      const u = this.update(t.id, state, t.sent, t.total, message);
      if (u) out.push(u);
    }
    return out;
  }

  /** Forgets the finished transfers. */
  clearFinished(): void {
    for (const t of this.list()) if (finished(t.state)) this.items.delete(t.id);
  }
}

/** Bytes per second since sending began; 0 before there is anything to say. */
export function transferRate(t: FileTransfer, now: number): number {
  const secs = ((finished(t.state) ? t.updatedAt : now) - t.startedAt) / 1000;
  if (!(secs > 0.2) || t.sent <= 0) return 0;
  return t.sent / secs;
}

/** 1536 → "1.5 KB"; decimal units, as file managers show sizes. */
export function formatBytes(n: number): string {
  if (!(n >= 0)) return "?";
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** The line the transfer list shows under a file's name. */
export function describeTransfer(t: FileTransfer, now: number): string {
  switch (t.state) {
    case "queued":
      return `Waiting · ${formatBytes(t.total)}`;
    case "sending": {
      const rate = transferRate(t, now);
      return `${formatBytes(t.sent)} of ${formatBytes(t.total)}${rate > 0 ? ` · ${formatBytes(rate)}/s` : ""}`;
    }
    case "done":
      return t.message ? `Sent · ${t.message}` : `Sent · ${formatBytes(t.total)}`;
    case "cancelled":
      return t.message ? `Cancelled · ${t.message}` : "Cancelled";
    case "failed":
      return `Failed: ${t.message || "the guest did not take the file"}`;
  }
}
