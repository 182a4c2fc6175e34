// The contract between the page (TypeScript) and the client (Go compiled to
// WebAssembly). Go implements GoModule in wasm/jsbridge; this file is the
// single description of it. Change both sides together.

/** What the wasm module installs as globalThis.spicewebGo once it runs. */
export interface GoModule {
  /** Client version string. */
  readonly version: string;
  /** Starts a session: opens the main channel websocket, then the others. */
  connect(opts: ConnectOptions, events: SessionEvents): GoSession;
}

export interface ConnectOptions {
  /** Websocket URL used for every channel (token already in the query). */
  url: string;
  /** SPICE ticket password; "" when none. */
  password: string;
  /** The screen canvas. Go sizes its backing store and draws into it. */
  canvas: HTMLCanvasElement;
  /** Websocket subprotocol to offer; "binary" unless overridden. "" offers none. */
  protocol: string;
  /**
   * Image compression to ask the server for, when it lets clients choose:
   * "off", "auto_glz", "auto_lz", "quic", "glz", "lz" or "lz4". Absent or
   * unknown: the server's own setting.
   */
  compression?: string;
}

export type SessionState =
  | "connecting" // sockets opening, link in progress
  | "connected" // main channel linked and display showing
  | "auth-failed" // the server refused the password: ask for another, do not retry
  | "disconnected"; // the session ended (message says why); a new connect() may follow

export type MouseMode = "server" | "client";

/** Callbacks Go makes into the page. All are synchronous and must not throw. */
export interface SessionEvents {
  status(state: SessionState, message: string): void;
  /** The primary surface changed size; Go has already resized the canvas. */
  resize(width: number, height: number): void;
  /** The first complete frame (display MARK) has been drawn. */
  firstFrame(): void;
  /**
   * New cursor shape. rgba is width*height*4 bytes of straight-alpha RGBA,
   * valid only during the call (copy it). null rgba means hide the cursor.
   */
  cursor(rgba: Uint8ClampedArray | null, width: number, height: number, hotX: number, hotY: number): void;
  /** Server mouse mode: where the guest cursor is, in guest pixels. */
  cursorPosition(x: number, y: number, visible: boolean): void;
  mouseMode(mode: MouseMode): void;
  /** Diagnostics for the console. level: "debug" | "info" | "warn" | "error". */
  log(level: string, message: string): void;
}

/** Handle returned by connect(). Input calls are ignored while not connected. */
export interface GoSession {
  /**
   * A key went down or up. code is KeyboardEvent.code. Returns false when
   * the code has no PC scancode (the caller may let the browser handle it).
   */
  key(code: string, down: boolean): boolean;
  /** Client mouse mode: absolute position in guest pixels. */
  mousePosition(x: number, y: number): void;
  /** Server mouse mode: relative motion in guest pixels. */
  mouseMotion(dx: number, dy: number): void;
  /** A mouse button changed. button is MouseEvent.button (0 left, 1 middle, 2 right, 3 back, 4 forward). */
  mouseButton(button: number, down: boolean): void;
  /** Wheel: positive steps scroll down, negative up; one step per notch. */
  wheel(steps: number): void;
  /** Releases every key and button Go believes is held (focus loss). */
  releaseAll(): void;
  /** Sends Ctrl+Alt+Delete as scancodes. */
  ctrlAltDel(): void;
  /** Closes every channel; status("disconnected") follows. */
  disconnect(): void;
}
