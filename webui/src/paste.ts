// Ctrl+V (Cmd+V, Shift+Insert) in the console: the browser's paste event
// carries the local clipboard, in every context and without any
// permission, but only if the key press is left to the browser. So the
// paste keystroke is held back from the guest until the paste event has
// handed the clipboard over, then sent: the guest pastes what the user
// copied locally.

/** The key fields PasteKeys looks at (KeyboardEvent has them). */
export interface KeyLike {
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  repeat: boolean;
}

export interface PasteHost {
  /** Whether to hold paste keys back: the agent shares the clipboard. */
  active(): boolean;
  /** Sends a key to the guest (GoSession.key). */
  key(code: string, down: boolean): void;
  /**
   * Hands the paste event's data to the guest. Resolves to true when it
   * sent something new (the guest then needs a moment to take it).
   */
  paste(dt: DataTransfer): Promise<boolean>;
}

export interface PasteTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: PasteTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Whether a paste event is the console screen's: Chrome fires it at the
 * focused element (the screen canvas), Firefox at the document's body
 * while the canvas keeps the focus (a canvas is not editable).
 */
export function pasteForScreen(target: unknown, screen: unknown, active: unknown, body: unknown): boolean {
  return screen != null && (target === screen || (target === body && active === screen));
}

/** Whether the key press is a paste shortcut. */
export function isPasteKey(e: KeyLike): boolean {
  if (e.altKey) return false;
  if (e.code === "KeyV") return e.ctrlKey || e.metaKey;
  return e.code === "Insert" && e.shiftKey && !e.ctrlKey && !e.metaKey;
}

type Held = { code: string; queue: Array<[string, boolean]> };
type State =
  | { s: "idle" }
  | ({ s: "waiting"; timer: unknown } & Held) // key held back, no paste event yet
  | ({ s: "sending" } & Held); // paste data on its way

export interface PasteOptions {
  /**
   * How long to wait for the browser's paste event before sending the key
   * anyway (a browser that fires none for a canvas). Chrome fires it
   * within the key's own task.
   */
  waitMs?: number;
  /**
   * After new clipboard data, how long the keystroke waits: the data goes
   * to the agent on the main channel and the key on the inputs channel,
   * and the guest application asks the agent for the clipboard as soon as
   * it sees the key; the agent must have taken ownership by then.
   */
  settleMs?: number;
  timers?: PasteTimers;
}

/**
 * The paste key's journey; InputCapture consults it for every key. While
 * the paste key is held back, every other key event is held back too and
 * replayed after it, in order: a user who lets go of Ctrl before the data
 * has gone must still paste, not type a "v".
 */
export class PasteKeys {
  private st: State = { s: "idle" };
  private readonly waitMs: number;
  private readonly settleMs: number;
  private readonly timers: PasteTimers;

  constructor(
    private readonly host: PasteHost,
    opts: PasteOptions = {},
  ) {
    this.waitMs = opts.waitMs ?? 250;
    this.settleMs = opts.settleMs ?? 100;
    this.timers = opts.timers ?? realTimers;
  }

  /**
   * A key event in the console. Returns "pass" to let InputCapture send it
   * as usual, "browser" when PasteKeys took it and the browser must still
   * act on it (no preventDefault: the paste event must come), "drop" when
   * PasteKeys took it and the browser must not (preventDefault).
   */
  key(e: KeyLike, down: boolean): "pass" | "browser" | "drop" {
    const st = this.st;
    if (st.s === "idle") {
      if (!down || e.repeat || !isPasteKey(e) || !this.host.active()) return "pass";
      const timer = this.timers.set(() => this.release(this.st), this.waitMs);
      this.st = { s: "waiting", code: e.code, queue: [], timer };
      return "browser";
    }
    // Auto-repeat of the held key: more browser pastes, and nothing the
    // guest needs (it repeats a held key itself).
    if (e.code === st.code && down) return "drop";
    st.queue.push([e.code, down]);
    // Released without a paste event: none is coming.
    if (st.s === "waiting" && e.code === st.code) this.release(st);
    return "drop";
  }

  /**
   * A paste event in the console. Returns true when it was handled (the
   * caller prevents the browser's own handling).
   */
  paste(dt: DataTransfer | null): boolean {
    const st = this.st;
    if (!this.host.active() || !dt) {
      this.release(st);
      return false;
    }
    if (st.s !== "waiting") {
      // A paste without the key (the browser's menu): data only.
      void this.host.paste(dt).catch(() => false);
      return true;
    }
    this.timers.clear(st.timer);
    const sending: State = { s: "sending", code: st.code, queue: st.queue };
    this.st = sending;
    this.host.paste(dt).then(
      (sent) => (sent && this.settleMs > 0 ? this.timers.set(() => this.release(sending), this.settleMs) : this.release(sending)),
      () => this.release(sending),
    );
    return true;
  }

  /** Focus left or the session ended: forget any key held back (the guest's keys are released anyway). */
  reset(): void {
    if (this.st.s === "waiting") this.timers.clear(this.st.timer);
    this.st = { s: "idle" };
  }

  // The keystroke, then what was held back behind it.
  private release(st: State): void {
    if (this.st !== st || st.s === "idle") return; // reset, or released already
    if (st.s === "waiting") this.timers.clear(st.timer);
    this.st = { s: "idle" };
    this.host.key(st.code, true);
    for (const [code, down] of st.queue) this.host.key(code, down);
  }
}
