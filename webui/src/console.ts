// SpiceConsole: the embedder API. It owns the screen canvas, input capture
// and cursor presentation, and drives one Go session at a time.

import { AgentFeatures, type AgentEventMap, type ScalingDetail, type ScalingSetting } from "./agent";
import { type MicrophoneDetail, type PlaybackDetail, Sound } from "./audio/sound";
import type { ClipboardAccess } from "./clipboard";
import { CursorView } from "./cursor";
import type { AgentState, ClipboardData, GoModule, GoSession, MonitorInfo, MouseMode, SessionEvents, SessionState } from "./goapi";
import { type SessionOptions, type SessionStats, startSession } from "./host";
import { InputCapture } from "./input";
import { fitScreen } from "./layout";
import { type LoadTimes, defaultWasmURL, loadGo, loadTimes, scriptURL, warmCache } from "./load";
import { MonitorBar } from "./monitorbar";
import { type MonitorsDetail, type MonitorsMode, MonitorWindows, shownArea } from "./monitors";
import { ClientWorker, workerSupported } from "./remote";
import type { FileTransfer } from "./transfers";

export interface ConsoleOptions {
  /** Websocket URL for every channel, token included (see socketURL). */
  url: string;
  /** SPICE ticket password; "" when none. */
  password?: string;
  /** Websocket subprotocol; default "binary". "" offers none. */
  protocol?: string;
  /** Image compression to ask the server for; see ConnectOptions.compression. */
  compression?: string;
  /** Video codecs in order of preference; see ConnectOptions.videoCodecs. */
  videoCodecs?: string;
  /**
   * How the screen fits the container: "remote" (the guest's resolution
   * follows the container, through the guest agent), "fit", "none" (1:1,
   * scrolling) or "down" (shrink only). Default "auto": remote when the
   * guest agent can resize the guest, fit otherwise.
   */
  scaling?: ScalingSetting;
  /** With remote scaling, size the guest in device pixels (devicePixelRatio); default false. */
  hidpi?: boolean;
  /**
   * Keep the local clipboard and the guest's in step automatically where
   * the browser allows (secure context, permission); default true. Ctrl+V
   * in the console sends the local clipboard either way.
   */
  clipboard?: boolean;
  /** Send files dropped onto the screen to the guest; default true. */
  fileDrop?: boolean;
  /** Focus the screen when connected, so typing works at once; default true. */
  autoFocus?: boolean;
  /** Where app.wasm.gz is; default next to app.js. */
  wasmURL?: string | URL;
  /** A Go module to use instead of loading app.wasm.gz (tests, custom loaders). */
  go?: GoModule;
  /** Show "click to control the mouse" in server mouse mode; default true. */
  hints?: boolean;
  /**
   * Run the client in a dedicated Worker that draws through an
   * OffscreenCanvas, leaving the page's thread to the page. Default: where
   * the browser supports it; false runs it on the page. Ignored with `go`.
   */
  worker?: boolean;
  /**
   * Sound: play the guest's audio and offer it the microphone, when the
   * server has playback and record channels. Default true; false keeps
   * those channels closed.
   */
  audio?: boolean;
  /**
   * A guest with several monitors: "side" (default) shows them side by
   * side in the console; "windows" shows the first in the console and
   * every other one in a browser window of its own (where the browser
   * blocks the window, the console says why and offers a button).
   */
  monitors?: MonitorsMode;
}

/** Counters of the running session (see SpiceConsole.stats). */
export interface ConsoleStats extends SessionStats {
  /** Where the client runs: "worker" or "page". */
  mode: "worker" | "page";
  /**
   * When the client's load reached each step, in ms since the page's
   * navigation started: module response, compiled, instantiated, Go ready.
   */
  load: { response?: number; compiled?: number; instantiated?: number; ready?: number; fromCache?: boolean };
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
export interface ConsoleEventMap extends AgentEventMap {
  status: CustomEvent<StatusDetail>;
  resize: CustomEvent<ResizeDetail>;
  firstframe: CustomEvent<null>;
  disconnect: CustomEvent<DisconnectDetail>;
  mousemode: CustomEvent<{ mode: MouseMode }>;
  guestname: CustomEvent<{ name: string }>;
  notice: CustomEvent<{ message: string }>;
  log: CustomEvent<LogDetail>;
  /** The guest's sound changed state (see PlaybackDetail). */
  playback: CustomEvent<PlaybackDetail>;
  /** The microphone changed state (see MicrophoneDetail). */
  microphone: CustomEvent<MicrophoneDetail>;
  /** The guest's monitors, how they are shown, or a monitor's window changed (see MonitorsDetail). */
  monitors: CustomEvent<MonitorsDetail>;
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
  private screen: HTMLCanvasElement;
  private readonly root: HTMLDivElement;
  private readonly stage: HTMLDivElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly hint: HTMLDivElement;
  private cursor: CursorView;
  private input: InputCapture;
  private readonly resizeObserver: ResizeObserver;
  private readonly opts: ConsoleOptions;
  private readonly agentUI: AgentFeatures;
  private password: string;
  private session: GoSession | null = null;
  private sessionStats: (() => Promise<SessionStats | null>) | null = null;
  private worker: ClientWorker | null = null;
  private workerRefused = false; // the browser would not start one: stay on the page
  private screenW = 0; // the guest screen, from Go's resize
  private screenH = 0;
  private generation = 0; // events from older sessions are dropped
  private live = false; // the current session has not ended
  private connected = false;
  private locked = false;
  private mode: MouseMode = "client";
  private statusDetail: StatusDetail = { state: "disconnected", message: "" };
  private readonly sound: Sound;
  private monitorList: MonitorInfo[] = [];
  private monitorsMode: MonitorsMode;
  private readonly monitorWindows: MonitorWindows;
  private readonly monitorBar: MonitorBar;
  private presentByTimer = false; // asked of the session (updateFrames)
  private reportFrames = false;
  private readonly onVisibility = () => this.updateFrames();

  constructor(container: HTMLElement, options: ConsoleOptions) {
    super();
    this.opts = { ...options };
    this.password = options.password ?? "";
    this.root = document.createElement("div");
    this.root.className = "spiceweb-console";
    this.root.style.cssText = rootStyle;
    this.stage = document.createElement("div");
    this.stage.style.cssText = stageStyle;
    this.screen = newScreenCanvas();
    this.overlay = document.createElement("canvas");
    this.overlay.setAttribute("aria-hidden", "true");
    this.hint = document.createElement("div");
    this.hint.style.cssText = hintStyle;
    this.hint.textContent = "Click to control the mouse · Esc releases it";
    this.stage.append(this.screen, this.overlay, this.hint);
    this.root.append(this.stage);
    container.append(this.root);
    this.monitorsMode = options.monitors ?? "side";
    this.monitorWindows = new MonitorWindows({
      session: () => (this.connected ? this.session : null),
      mouseMode: () => this.mode,
      screen: () => this.screen,
      title: () => document.title || "Remote screen",
      changed: () => this.monitorsChanged(),
      log: (level, message) => this.emit("log", { level, message }),
      interceptKey: (e, down) => this.agentUI.interceptKey(e, down),
    });
    this.monitorBar = new MonitorBar(this.root, (i) => this.openMonitorWindow(i));
    document.addEventListener("visibilitychange", this.onVisibility);

    this.cursor = new CursorView(this.screen, this.overlay);
    this.agentUI = new AgentFeatures(
      {
        session: () => (this.connected ? this.session : null),
        root: this.root,
        screen: () => this.screen,
        layout: () => this.layout(),
        emit: (type, detail) => this.emit(type, detail),
        log: (level, message) => this.emit("log", { level, message }),
      },
      {
        ...(options.scaling ? { scaling: options.scaling } : {}),
        ...(options.hidpi !== undefined ? { hidpi: options.hidpi } : {}),
        ...(options.clipboard !== undefined ? { clipboard: options.clipboard } : {}),
        ...(options.fileDrop !== undefined ? { fileDrop: options.fileDrop } : {}),
      },
    );
    this.input = this.capture();
    this.sound = new Sound(
      {
        session: () => this.session,
        playbackChanged: (d) => this.emit("playback", d),
        microphoneChanged: (d) => this.emit("microphone", d),
        log: (level, message) => this.emit("log", { level, message }),
      },
      options.audio ?? true,
    );
    // The container may change size without the window doing so (a
    // sidebar, Horizon's iframe), so watch the element itself.
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(this.root);
    this.layout();
  }

  /**
   * The screen: its pixels are the guest's, one canvas pixel per guest
   * pixel, whatever the CSS scaling. When the client runs in a worker this
   * is the placeholder of the worker's OffscreenCanvas: getContext() on it
   * throws, but drawImage(console.canvas, 0, 0) into another canvas gives
   * the guest's pixels (as do screenshots and toDataURL()).
   */
  get canvas(): HTMLCanvasElement {
    return this.screen;
  }

  /** The guest screen's size in pixels; 0×0 before the first frame. */
  get screenSize(): { width: number; height: number } {
    return { width: this.screenW, height: this.screenH };
  }

  /**
   * Counters of the running session: calls between Go and JavaScript,
   * frames presented, websocket messages and the batches Go read and sent.
   * null when no session runs.
   */
  async stats(): Promise<ConsoleStats | null> {
    const get = this.sessionStats;
    if (!get) return null;
    const s = await get();
    if (!s) return null;
    const w = this.worker;
    const inWorker = w !== null && w.hasCanvas;
    // In the worker's case the page compiled the module and the worker ran it.
    const times: LoadTimes = w && inWorker ? { ...loadTimes, ...w.times, ...pick(loadTimes) } : loadTimes;
    const load: ConsoleStats["load"] = {};
    if (times.fromCache) load.fromCache = true;
    for (const k of ["response", "compiled", "instantiated", "ready"] as const) {
      const v = times[k];
      if (v !== undefined) load[k] = v - performance.timeOrigin;
    }
    return { ...s, mode: inWorker ? "worker" : "page", load };
  }

  /** The last status: state and message. */
  get status(): StatusDetail {
    return { ...this.statusDetail };
  }

  get mouseMode(): MouseMode {
    return this.mode;
  }

  /** The guest's sound: state, mute, volume, stream (the playback event's detail). */
  get playback(): PlaybackDetail {
    return this.sound.playback;
  }

  /** The microphone's state (the microphone event's detail). */
  get microphone(): MicrophoneDetail {
    return this.sound.microphone;
  }

  /** Whether the guest's sound is muted on this page. */
  get muted(): boolean {
    return this.sound.isMuted;
  }

  /** Mutes (true, the default) or unmutes the guest's sound on this page. */
  mute(muted = true): void {
    this.sound.mute(muted);
  }

  /**
   * Lets sound play where the browser waits for a user gesture (playback
   * state "blocked"): call it from a click or key handler. Any click or key
   * on the page does the same. Resolves whether sound can play.
   */
  enableSound(): Promise<boolean> {
    return this.sound.enable();
  }

  /**
   * Turns the microphone on: it opens (asking the user's permission) when
   * the guest records, at once if it does now, and closes when the guest
   * stops, on stopMicrophone() and on disconnect. Rejects with the reason
   * when it cannot (no record channel, not a secure context, refused).
   */
  startMicrophone(): Promise<void> {
    return this.sound.startMicrophone();
  }

  /** Turns the microphone off. */
  stopMicrophone(): void {
    this.sound.stopMicrophone();
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
    this.agentUI.sessionStarted();
    this.setStatus("connecting", "Loading the client…");
    const opts: SessionOptions = {
      url: this.opts.url,
      protocol: this.opts.protocol ?? "binary",
      password: this.password,
      ...(this.opts.compression ? { compression: this.opts.compression } : {}),
      ...(this.sound.enabled ? { audio: true } : {}),
      ...(this.opts.videoCodecs ? { videoCodecs: this.opts.videoCodecs } : {}),
    };
    const events = this.events(gen);

    const worker = await this.startWorker();
    if (gen !== this.generation) return; // disconnect() or another connect() came first
    if (worker) {
      const s = worker.connect(this.screen, opts, events);
      this.session = s;
      this.sessionStats = () => worker.stats(s.id);
      return;
    }
    // On the page: the same start as in the worker.
    const go = this.opts.go ? Promise.resolve(this.opts.go) : loadGo({ ...(this.opts.wasmURL ? { wasmURL: this.opts.wasmURL } : {}), onProgress: this.progress });
    const s = startSession(go, this.screen, opts, events);
    this.session = s;
    this.sessionStats = () => Promise.resolve(s.sessionStats());
  }

  // Shows load progress while the current session has not connected.
  private readonly progress = (message: string): void => {
    if (this.live && !this.connected) this.setStatus("connecting", message);
  };

  // The worker to run the session in, started on first use; null to run
  // it on the page (no support, turned off, or the browser refused).
  private async startWorker(): Promise<ClientWorker | null> {
    if (this.opts.go || this.workerRefused || !(this.opts.worker ?? workerSupported())) return null;
    if (this.worker?.failed) {
      // Its canvas went with it: the next worker needs a fresh one.
      if (this.worker.hasCanvas) this.replaceScreen();
      this.worker = null;
    }
    if (!this.worker) {
      const wasm = this.opts.wasmURL ? new URL(this.opts.wasmURL, location.href) : defaultWasmURL();
      const script = scriptURL ?? new URL("app.js", location.href).href;
      this.worker = ClientWorker.start(
        { script, wasm: wasm.href, wasmExec: wasmExecURL(script) },
        {
          progress: this.progress,
          failed: (message) => this.emit("log", { level: "error", message: `client worker: ${message}` }),
          log: (level, message) => this.emit("log", { level, message }),
        },
      );
      if (!this.worker) {
        this.workerRefused = true;
        this.emit("log", { level: "warn", message: "the browser refused to start the client's worker; running it on the page" });
        return null;
      }
    }
    const w = this.worker;
    try {
      await w.started;
      return w;
    } catch (e) {
      // It never ran, so it never had the canvas: run on the page.
      this.worker = null;
      this.workerRefused = true;
      this.emit("log", { level: "warn", message: `the client's worker did not start (${e instanceof Error ? e.message : String(e)}); running it on the page` });
      w.terminate();
      return null;
    }
  }

  // A screen canvas to replace one given to a worker that has died.
  private replaceScreen(): void {
    this.input.detach();
    const fresh = newScreenCanvas();
    this.screen.replaceWith(fresh);
    this.screen = fresh;
    this.screenW = this.screenH = 0;
    this.cursor = new CursorView(this.screen, this.overlay);
    this.input = this.capture();
    this.layout();
  }

  private capture(): InputCapture {
    return new InputCapture(this.screen, {
      session: () => (this.connected ? this.session : null),
      mouseMode: () => this.mode,
      screenSize: () => this.screenSize,
      lockChanged: (locked) => {
        this.locked = locked;
        this.cursor.setLocked(locked);
        this.updateHint();
      },
      log: (level, message) => this.emit("log", { level, message }),
      interceptKey: (e, down) => this.agentUI.interceptKey(e, down),
    });
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
    this.screen.focus({ preventScroll: true });
  }

  /** Disconnects and removes the console's elements and listeners. */
  destroy(): void {
    this.generation++;
    this.endSession(true);
    this.live = false;
    this.input.detach();
    this.agentUI.detach();
    this.monitorWindows.detach();
    document.removeEventListener("visibilitychange", this.onVisibility);
    this.resizeObserver.disconnect();
    this.sound.close();
    this.worker?.terminate();
    this.worker = null;
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
          this.updateFrames();
          this.agentUI.sessionConnected();
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
      monitors: (list, width, height) => {
        if (!current()) return;
        this.screenW = width;
        this.screenH = height;
        this.monitorList = list.map((m) => ({ ...m }));
        this.layout();
        this.monitorWindows.update(this.monitorsMode, this.monitorList);
      },
      frame: (x, y, width, height) => current() && this.monitorWindows.changed(x, y, width, height),
      resize: (width, height) => {
        if (!current()) return;
        this.screenW = width;
        this.screenH = height;
        this.agentUI.guestResized(width, height);
        this.layout();
        this.emit("resize", { width, height });
      },
      firstFrame: () => {
        if (!current()) return;
        this.emit("firstframe", null);
        // The session is up: now the next visit's module can be fetched.
        if (!this.opts.go) warmCache(this.opts.wasmURL ?? defaultWasmURL());
      },
      cursor: (rgba, width, height, hotX, hotY) => {
        if (!current()) return;
        this.cursor.setShape(rgba, width, height, hotX, hotY);
        this.monitorWindows.cursorChanged();
      },
      cursorPosition: (x, y, visible) => current() && this.cursor.setPosition(x, y, visible),
      mouseMode: (mode) => {
        if (!current() || mode === this.mode) return;
        this.mode = mode;
        this.cursor.setMode(mode);
        this.input.modeChanged(mode);
        this.monitorWindows.modeChanged(mode);
        this.updateHint();
        this.emit("mousemode", { mode });
      },
      guestName: (name) => current() && this.emit("guestname", { name }),
      notice: (message) => current() && this.emit("notice", { message }),
      log: (level, message) => {
        if (gen === this.generation) this.emit("log", { level, message });
      },
      agent: (state) => current() && this.agentUI.agent(state),
      clipboard: (data) => current() && this.agentUI.clipboard(data),
      fileProgress: (id, state, sent, total, message) => current() && this.agentUI.fileProgress(id, state, sent, total, message),
      playback: (info) => current() && this.sound.onPlayback(info),
      record: (info) => current() && this.sound.onRecord(info),
    };
  }

  // Stops input to the current session and, if asked, tells Go to close it.
  private endSession(closeIt: boolean): void {
    const s = this.session;
    if (this.connected) {
      this.input.releaseAll();
      this.monitorWindows.releaseAll();
    }
    this.sound.reset();
    this.session = null;
    this.sessionStats = null;
    this.connected = false;
    this.presentByTimer = false;
    this.reportFrames = false;
    this.updateHint();
    if (closeIt) s?.disconnect();
  }

  private ended(message: string, authFailed: boolean): void {
    this.endSession(false);
    this.live = false;
    this.monitorList = [];
    this.monitorWindows.closeAll();
    this.monitorsChanged();
    this.agentUI.sessionEnded(message);
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

  // Sizes the stage (and so the canvas) to fit the container, and tells
  // the agent features the area the guest may be sized to.
  private layout(): void {
    const { scaling, pixelRatio } = this.agentUI.display();
    this.root.style.overflow = scaling === "none" ? "auto" : "hidden";
    // In "windows" mode the console shows the first monitor's part of the
    // canvas: the canvas is larger than the stage and moved under it.
    const area = shownArea(this.monitorsMode, this.monitorList, this.screenW, this.screenH);
    const fit = fitScreen(this.root.clientWidth, this.root.clientHeight, area.width, area.height, scaling, pixelRatio);
    this.stage.style.width = `${fit.width}px`;
    this.stage.style.height = `${fit.height}px`;
    const whole = area.width === this.screenW && area.height === this.screenH;
    this.screen.style.position = whole ? "" : "absolute";
    this.screen.style.width = whole ? "100%" : `${this.screenW * fit.scale}px`;
    this.screen.style.height = whole ? "100%" : `${this.screenH * fit.scale}px`;
    this.screen.style.left = whole ? "" : `${-area.x * fit.scale}px`;
    this.screen.style.top = whole ? "" : `${-area.y * fit.scale}px`;
    this.stage.style.visibility = this.screenW > 0 ? "visible" : "hidden";
    // Enlarged pixels stay sharp; reduced ones are smoothed.
    this.screen.style.imageRendering = fit.scale > 1 ? "pixelated" : "auto";
    this.cursor.setScale(fit.scale);
    // With each monitor in a window of its own, every monitor may take the
    // console's size: Go divides the width among them.
    const heads = this.monitorsMode === "windows" ? Math.max(1, this.monitorList.length) : 1;
    this.agentUI.area(this.root.clientWidth * heads, this.root.clientHeight);
  }

  // ---- several monitors (monitors.ts) ----

  /** The guest's monitors, how they are shown, and the state of their windows. */
  get monitors(): MonitorsDetail {
    return { mode: this.monitorsMode, list: this.monitorList.map((m) => ({ ...m })), windows: this.monitorWindows.windows };
  }

  /**
   * Shows several monitors side by side in the console ("side") or each
   * beyond the first in a window of its own ("windows"). Call it from a
   * click: the browser may block windows opened otherwise.
   */
  setMonitors(mode: MonitorsMode): void {
    if (mode === this.monitorsMode) return;
    this.monitorsMode = mode;
    this.layout();
    this.monitorWindows.update(mode, this.monitorList);
  }

  /**
   * Opens (or brings up) the window of monitor index (1 and up), in
   * "windows" mode; call it from a click. false when the browser blocked it.
   */
  openMonitorWindow(index: number): boolean {
    if (this.monitorsMode !== "windows") return false;
    return this.monitorWindows.open(index);
  }

  // While this page is hidden its animation frames stop, and with them
  // the client's presenting; a monitor's open window still shows, so the
  // client presents at a timer meanwhile.
  // A window that copies from the screen copies only what a frame
  // changed, so Go reports frames while one is open (monitors.ts).
  private updateFrames(): void {
    const open = this.connected && this.monitorWindows.windows.some((w) => w.state === "open");
    const copying = this.connected && this.monitorWindows.copying;
    if (copying !== this.reportFrames) {
      this.reportFrames = copying;
      this.session?.reportFrames(copying);
    }
    const byTimer = open && document.hidden;
    if (byTimer !== this.presentByTimer) {
      this.presentByTimer = byTimer;
      this.session?.presentByTimer(byTimer);
    }
  }

  private monitorsChanged(): void {
    this.updateFrames();
    const d = this.monitors;
    this.monitorBar.show(d.windows.filter((w) => w.state !== "open"));
    this.emit("monitors", d);
  }

  // ---- the guest agent: clipboard, size, files (agent.ts does the work) ----

  /** What the guest agent can do now; all false without one. */
  get agent(): AgentState {
    return this.agentUI.agentState;
  }

  /** What the browser lets the console do with the local clipboard, and why not. */
  get clipboardAccess(): ClipboardAccess {
    return this.agentUI.clipboardAccess;
  }

  /** The guest's latest clipboard content (what it last copied), or null. */
  get guestClipboard(): ClipboardData | null {
    return this.agentUI.guestClipboard;
  }

  /**
   * Asks the browser to let the console read the clipboard (call it from a
   * click: the browser asks the user). Resolves to the access then.
   */
  allowClipboard(): Promise<ClipboardAccess> {
    return this.agentUI.allowClipboard();
  }

  /**
   * Makes text or a PNG image the guest's clipboard. false when no agent
   * shares the clipboard (see clipboardReason) or the data is too large.
   */
  setClipboard(data: string | ClipboardData): boolean {
    return this.agentUI.setClipboard(data);
  }

  /**
   * Types text into the guest as key presses, as a US keyboard would (for
   * guests without an agent). Stops at the first character a US keyboard
   * cannot type, and after 4096; returns how many characters it typed.
   */
  typeText(text: string): number {
    return this.agentUI.typeText(text);
  }

  /**
   * Sends a file to the guest through the agent; files queue. Returns the
   * transfer (its id for cancelFile); fileprogress events follow. Without
   * an agent that takes files it fails at once, with the reason.
   */
  sendFile(file: Blob, name?: string): FileTransfer {
    return this.agentUI.sendFile(file, name);
  }

  /** Cancels a queued or running file. */
  cancelFile(id: number): void {
    this.agentUI.cancelFile(id);
  }

  /** Every file sent in this console, oldest first. */
  get transfers(): FileTransfer[] {
    return this.agentUI.transfers;
  }

  /** Forgets the finished transfers. */
  clearTransfers(): void {
    this.agentUI.clearTransfers();
  }

  /** The scaling in effect, the setting, and HiDPI. */
  get scaling(): ScalingDetail {
    return this.agentUI.scaling;
  }

  /** Changes the scaling (and HiDPI); "auto" is remote with an agent that resizes, fit otherwise. */
  setScaling(setting: ScalingSetting, hidpi?: boolean): void {
    this.agentUI.setScaling(setting, hidpi);
  }

  /** Why a feature of the agent is unavailable now, in words; "" when it is available. */
  unavailable(feature: "clipboard" | "resize" | "files"): string {
    return feature === "clipboard" ? this.agentUI.clipboardReason() : feature === "resize" ? this.agentUI.resizeReason() : this.agentUI.fileReason();
  }
}

// The steps of a load that happen where the module is compiled.
function pick(t: LoadTimes): LoadTimes {
  const out: LoadTimes = {};
  if (t.response !== undefined) out.response = t.response;
  if (t.compiled !== undefined) out.compiled = t.compiled;
  if (t.fromCache) out.fromCache = true;
  return out;
}

function newScreenCanvas(): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.className = "spiceweb-screen";
  c.style.cssText = canvasStyle;
  c.width = 0;
  c.height = 0;
  c.setAttribute("aria-label", "Remote screen");
  return c;
}

// Go's loader next to app.js, or wherever the page loaded it from.
function wasmExecURL(script: string): string {
  if (typeof document !== "undefined") {
    for (const el of Array.from(document.scripts)) {
      if (/(^|\/)wasm_exec\.js(\?|#|$)/.test(el.src)) return el.src;
    }
  }
  return new URL("wasm_exec.js", script).href;
}
