// SpiceConsole: the embedder API. It owns the screen canvas, input capture
// and cursor presentation, and drives one Go session at a time.

import { CursorView } from "./cursor";
import type { GoModule, GoSession, MouseMode, SessionEvents, SessionState } from "./goapi";
import { InputCapture } from "./input";
import { type Scaling, fitScreen } from "./layout";
import { errorText, loadGo } from "./load";

export interface ConsoleOptions {
  /** Websocket URL for every channel, token included (see socketURL). */
  url: string;
  /** SPICE ticket password; "" when none. */
  password?: string;
  /** Websocket subprotocol; default "binary". "" offers none. */
  protocol?: string;
  /** Image compression to ask the server for; see ConnectOptions.compression. */
  compression?: string;
  /** How the screen fits the container; default "down" (shrink only). */
  scaling?: Scaling;
  /** Focus the screen when connected, so typing works at once; default true. */
  autoFocus?: boolean;
  /** Where app.wasm.gz is; default next to app.js. */
  wasmURL?: string | URL;
  /** A Go module to use instead of loading app.wasm.gz (tests, custom loaders). */
  go?: GoModule;
  /** Show "click to control the mouse" in server mouse mode; default true. */
  hints?: boolean;
}

export interface StatusDetail {
  state: SessionState;
  message: string;
}
export interface ResizeDetail {
  width: number;
  height: number;
}
export interface DisconnectDetail {
  message: string;
  /** The server refused the password: ask for another, do not retry. */
  authFailed: boolean;
}
export interface LogDetail {
  level: string;
  message: string;
}

/** The events SpiceConsole dispatches; all are CustomEvents. */
export interface ConsoleEventMap {
  status: CustomEvent<StatusDetail>;
  resize: CustomEvent<ResizeDetail>;
  firstframe: CustomEvent<null>;
  disconnect: CustomEvent<DisconnectDetail>;
  mousemode: CustomEvent<{ mode: MouseMode }>;
  log: CustomEvent<LogDetail>;
}

// Styles the console needs whatever page it is embedded in, set inline so
// no stylesheet has to come with it.
// The stage is centred with margin:auto rather than justify-content so that
// with scaling "none" a screen larger than the container still scrolls to
// its left and top edges.
const rootStyle = "position:relative;width:100%;height:100%;overflow:hidden;display:flex;";
const stageStyle = "position:relative;flex:none;margin:auto;overflow:hidden;user-select:none;-webkit-user-select:none;";
const canvasStyle = "display:block;width:100%;height:100%;outline:none;touch-action:none;";
const hintStyle =
  "position:absolute;left:50%;bottom:12px;transform:translateX(-50%);pointer-events:none;display:none;" +
  "padding:4px 10px;border-radius:4px;background:rgba(0,0,0,.7);color:#fff;font:13px/1.4 system-ui,sans-serif;white-space:nowrap;";

export class SpiceConsole extends EventTarget {
  /** The screen. Go sizes its backing store to the guest resolution. */
  readonly canvas: HTMLCanvasElement;
  private readonly root: HTMLDivElement;
  private readonly stage: HTMLDivElement;
  private readonly hint: HTMLDivElement;
  private readonly cursor: CursorView;
  private readonly input: InputCapture;
  private readonly resizeObserver: ResizeObserver;
  private readonly opts: ConsoleOptions;
  private password: string;
  private session: GoSession | null = null;
  private generation = 0; // events from older sessions are dropped
  private live = false; // the current session has not ended
  private connected = false;
  private locked = false;
  private mode: MouseMode = "client";
  private statusDetail: StatusDetail = { state: "disconnected", message: "" };

  constructor(container: HTMLElement, options: ConsoleOptions) {
    super();
    this.opts = { ...options };
    this.password = options.password ?? "";
    this.root = document.createElement("div");
    this.root.className = "spiceweb-console";
    this.root.style.cssText = rootStyle + (options.scaling === "none" ? "overflow:auto;" : "");
    this.stage = document.createElement("div");
    this.stage.style.cssText = stageStyle;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "spiceweb-screen";
    this.canvas.style.cssText = canvasStyle;
    this.canvas.width = 0;
    this.canvas.height = 0;
    this.canvas.setAttribute("aria-label", "Remote screen");
    const overlay = document.createElement("canvas");
    overlay.setAttribute("aria-hidden", "true");
    this.hint = document.createElement("div");
    this.hint.style.cssText = hintStyle;
    this.hint.textContent = "Click to control the mouse · Esc releases it";
    this.stage.append(this.canvas, overlay, this.hint);
    this.root.append(this.stage);
    container.append(this.root);

    this.cursor = new CursorView(this.canvas, overlay);
    this.input = new InputCapture(this.canvas, {
      session: () => (this.connected ? this.session : null),
      mouseMode: () => this.mode,
      lockChanged: (locked) => {
        this.locked = locked;
        this.cursor.setLocked(locked);
        this.updateHint();
      },
      log: (level, message) => this.emit("log", { level, message }),
    });
    // The container may change size without the window doing so (a
    // sidebar, Horizon's iframe), so watch the element itself.
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(this.root);
    this.layout();
  }

  /** The last status: state and message. */
  get status(): StatusDetail {
    return { ...this.statusDetail };
  }

  get mouseMode(): MouseMode {
    return this.mode;
  }

  /**
   * Loads the client if needed and connects. A session already running is
   * closed first. password, when given, replaces the one in the options
   * (for the password form after "auth-failed"). Resolves when the attempt
   * has started; progress and the outcome come as events.
   */
  async connect(password?: string): Promise<void> {
    if (password !== undefined) this.password = password;
    // A new generation first, so the old session's farewell events are dropped.
    const gen = ++this.generation;
    this.endSession(true);
    this.live = true;
    this.mode = "client"; // until the new session says otherwise
    this.cursor.reset();
    this.input.modeChanged("client");
    this.setStatus("connecting", "Loading the client…");
    let go: GoModule;
    try {
      // The load is shared by every connect() until it finishes, so its
      // progress is shown for whichever attempt is current.
      const onProgress = (m: string) => this.live && !this.session && this.setStatus("connecting", m);
      go = this.opts.go ?? (await loadGo({ ...(this.opts.wasmURL ? { wasmURL: this.opts.wasmURL } : {}), onProgress }));
    } catch (e) {
      if (gen === this.generation) this.ended(`Could not start the client: ${errorText(e)}`, false);
      return;
    }
    if (gen !== this.generation) return; // disconnect() or another connect() came first
    this.setStatus("connecting", "Connecting…");
    try {
      const s = go.connect(
        {
          url: this.opts.url,
          password: this.password,
          canvas: this.canvas,
          protocol: this.opts.protocol ?? "binary",
          ...(this.opts.compression ? { compression: this.opts.compression } : {}),
        },
        this.events(gen),
      );
      if (gen === this.generation && this.live) this.session = s;
      else s.disconnect(); // it ended during connect(); make sure Go lets go
    } catch (e) {
      if (gen === this.generation) this.ended(`Could not connect: ${errorText(e)}`, false);
    }
  }

  /** Closes the session. Emits status "disconnected" and a disconnect event. */
  disconnect(): void {
    if (!this.live) return;
    this.generation++;
    this.endSession(true);
    this.ended("Disconnected", false);
  }

  /** Sends Ctrl+Alt+Delete to the guest and gives the keyboard back to the screen. */
  sendCtrlAltDel(): void {
    if (this.connected) this.session?.ctrlAltDel();
    this.focus();
  }

  focus(): void {
    this.canvas.focus({ preventScroll: true });
  }

  /** Disconnects and removes the console's elements and listeners. */
  destroy(): void {
    this.generation++;
    this.endSession(true);
    this.live = false;
    this.input.detach();
    this.resizeObserver.disconnect();
    this.root.remove();
  }

  override addEventListener<K extends keyof ConsoleEventMap>(
    type: K,
    listener: (ev: ConsoleEventMap[K]) => void,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends keyof ConsoleEventMap>(
    type: K,
    listener: (ev: ConsoleEventMap[K]) => void,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options);
  }

  // The callbacks for one session; they do nothing once it is superseded.
  private events(gen: number): SessionEvents {
    const current = () => gen === this.generation && this.live;
    return {
      status: (state, message) => {
        if (!current()) return;
        if (state === "connected") {
          this.connected = true;
          this.setStatus(state, message);
          this.updateHint();
          if (this.opts.autoFocus ?? true) this.focus();
        } else if (state === "auth-failed") {
          this.ended(message, true);
        } else if (state === "disconnected") {
          this.ended(message, false);
        } else {
          this.setStatus(state, message);
        }
      },
      resize: (width, height) => {
        if (!current()) return;
        this.layout();
        this.emit("resize", { width, height });
      },
      firstFrame: () => current() && this.emit("firstframe", null),
      cursor: (rgba, width, height, hotX, hotY) => current() && this.cursor.setShape(rgba, width, height, hotX, hotY),
      cursorPosition: (x, y, visible) => current() && this.cursor.setPosition(x, y, visible),
      mouseMode: (mode) => {
        if (!current() || mode === this.mode) return;
        this.mode = mode;
        this.cursor.setMode(mode);
        this.input.modeChanged(mode);
        this.updateHint();
        this.emit("mousemode", { mode });
      },
      log: (level, message) => {
        if (gen === this.generation) this.emit("log", { level, message });
      },
    };
  }

  // Stops input to the current session and, if asked, tells Go to close it.
  private endSession(closeIt: boolean): void {
    const s = this.session;
    if (this.connected) this.input.releaseAll();
    this.session = null;
    this.connected = false;
    this.updateHint();
    if (closeIt) s?.disconnect();
  }

  private ended(message: string, authFailed: boolean): void {
    this.endSession(false);
    this.live = false;
    if (this.locked) document.exitPointerLock();
    this.setStatus(authFailed ? "auth-failed" : "disconnected", message);
    this.emit("disconnect", { message, authFailed });
  }

  private setStatus(state: SessionState, message: string): void {
    this.statusDetail = { state, message };
    this.emit("status", { state, message });
  }

  private emit<K extends keyof ConsoleEventMap>(type: K, detail: ConsoleEventMap[K]["detail"]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  private updateHint(): void {
    const show = (this.opts.hints ?? true) && this.connected && this.mode === "server" && !this.locked;
    this.hint.style.display = show ? "block" : "none";
  }

  // Sizes the stage (and so the canvas) to fit the container.
  private layout(): void {
    const scaling = this.opts.scaling ?? "down";
    const fit = fitScreen(this.root.clientWidth, this.root.clientHeight, this.canvas.width, this.canvas.height, scaling);
    this.stage.style.width = `${fit.width}px`;
    this.stage.style.height = `${fit.height}px`;
    this.stage.style.visibility = this.canvas.width > 0 ? "visible" : "hidden";
    // Enlarged pixels stay sharp; reduced ones are smoothed.
    this.canvas.style.imageRendering = fit.scale > 1 ? "pixelated" : "auto";
    this.cursor.setScale(fit.scale);
  }
}
