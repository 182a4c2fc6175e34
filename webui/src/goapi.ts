// The contract between the page (TypeScript) and the client (Go compiled to
// WebAssembly). Go implements GoModule in wasm/jsbridge; this file is the
// single description of it. Change both sides together.
//
// The Go module runs in a dedicated Worker when the browser can draw there
// (OffscreenCanvas 2D), otherwise on the page itself; the contract is the
// same in both places. worker.ts and remote.ts carry it across postMessage.

/** What the wasm module installs as globalThis.spicewebGo once it runs. */
export interface GoModule {
  /** Client version string. */
  readonly version: string;
  /** Every KeyboardEvent.code that has a PC scancode (GoSession.key returns true for exactly these). */
  keyCodes(): string[];
  /**
   * Starts a session: takes the main channel's socket from opts.sockets,
   * then the others. null when it could not (the reason is on the console).
   */
  connect(opts: ConnectOptions, events: SessionEvents): GoSession | null;
}

export interface ConnectOptions {
  /** SPICE ticket password; "" when none. */
  password: string;
  /** The screen: Go sizes its backing store and draws into it (2D context). */
  canvas: HTMLCanvasElement | OffscreenCanvas;
  /** Where the session's websockets come from (sockets.ts). */
  sockets: GoSocketPool;
  /**
   * Image compression to ask the server for, when it lets clients choose:
   * "off", "auto_glz", "auto_lz", "quic", "glz", "lz" or "lz4". Absent or
   * unknown: the server's own setting.
   */
  compression?: string;
  /**
   * Open the server's playback and record channels (sound). Absent or
   * false: sound is off and those channels stay closed.
   */
  audio?: boolean;
  /**
   * Video codecs in order of preference, comma-separated ("h264,vp8"; names
   * mjpeg, vp8, vp9, h264, h265), sent to the server; codecs this browser
   * cannot decode here are left out. Absent: the cheapest to decode first.
   */
  videoCodecs?: string;
}

/**
 * The websockets of one session. The pool knows the URL and subprotocol;
 * it may have opened sockets before Go asks (the main channel's, while the
 * module compiles; the other channels' as soon as the session id is known).
 */
export interface GoSocketPool {
  /** Where every socket connects, and the subprotocol offered ("" for none); for diagnostics. */
  readonly url: string;
  readonly protocol: string;
  /**
   * A socket for the next channel: an opened spare if there is one, else a
   * new one. wake is called (from a microtask, never during a Go
   * call) once after read() returned null, when data arrives or the state
   * changes. Never throws: a socket that cannot be opened comes back closed.
   */
  take(wake: () => void): GoSocket;
  /** The session will take n more sockets soon: open them now (bounded by the pool's limit). */
  prepare(n: number): void;
}

/** A websocket as Go reads it: the page queues what arrives, Go takes it all in one call. */
export interface GoSocket {
  readonly state: "connecting" | "open" | "closed";
  /** Once closed: the close code (1006 when the connection failed) and reason. */
  readonly closeCode: number;
  readonly closeReason: string;
  /**
   * Everything received since the last read; null when nothing is waiting
   * (which arms wake); false once nothing is waiting and the socket is
   * closed (then state, closeCode and closeReason tell how).
   */
  read(): Uint8Array | null | false;
  /** Sends one batch; ignored unless open. */
  send(data: Uint8Array<ArrayBuffer>): void;
  /** Closes the socket; wake is never called after this. */
  close(): void;
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
  /** The first complete frame (display MARK) has been presented. */
  firstFrame(): void;
  /**
   * Where each guest monitor is on the canvas (width × height, the size the
   * last resize gave): side by side, left to right. Comes after resize
   * whenever the monitors change: several heads on one display channel
   * (MONITORS_CONFIG) or several display channels. mousePosition takes
   * canvas pixels and Go sends them to the monitor there.
   */
  monitors(list: MonitorInfo[], width: number, height: number): void;
  /**
   * A frame was presented and changed this area of the canvas (the union
   * of its rectangles); only after GoSession.reportFrames(true).
   */
  frame(x: number, y: number, width: number, height: number): void;
  /**
   * New cursor shape. rgba is width*height*4 bytes of straight-alpha RGBA,
   * valid only during the call (copy it). null rgba means hide the cursor.
   */
  cursor(rgba: Uint8ClampedArray | null, width: number, height: number, hotX: number, hotY: number): void;
  /** Server mouse mode: where the guest cursor is, in guest pixels. */
  cursorPosition(x: number, y: number, visible: boolean): void;
  mouseMode(mode: MouseMode): void;
  /** The server's name for the guest (the SPICE main channel's NAME), for a title. */
  guestName(name: string): void;
  /**
   * A message the server wants the user to read: a NOTIFY of severity info
   * and high visibility (serve's recorded demo says it is a recording with
   * one). Warnings and errors only reach log.
   */
  notice(message: string): void;
  /** Diagnostics for the console. level: "debug" | "info" | "warn" | "error". */
  log(level: string, message: string): void;
  /**
   * The guest agent (spice-vdagent) connected, went away, or announced
   * what it can do. Comes once after connect with connected false, then on
   * every change.
   */
  agent(state: AgentState): void;
  /**
   * The guest's clipboard has new content (the guest grabbed it and Go
   * fetched it at once, since the page cannot fetch lazily). Text has "\n"
   * line endings whatever the guest uses. Images are PNG, valid only
   * during the call (copy them).
   */
  clipboard(data: ClipboardData): void;
  /**
   * A file given to sendFile moved on. Comes at "queued", at least every
   * 1% or 250 ms while "sending", and once at the end ("done", "cancelled"
   * or "failed", with message saying why in words a user reads: "the host
   * has disabled file transfer", "not enough space in the guest", ...).
   */
  fileProgress(id: number, state: FileState, sent: number, total: number, message: string): void;
  /**
   * The playback channel's state changed (audio.go PlaybackState). When a
   * stream starts (active, with a new epoch), the page answers with
   * GoSession.audioPort("playback", epoch, port).
   */
  playback(info: PlaybackInfo): void;
  /**
   * The record channel's state changed. While active, the page may open
   * the microphone and hand its port over with audioPort("record", ...).
   */
  record(info: RecordInfo): void;
}

/** One guest monitor and its area of the canvas, in canvas pixels. */
export interface MonitorInfo {
  /** The display channel showing it. */
  channel: number;
  /** Its id in that channel's MONITORS_CONFIG (0 without one). */
  id: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The playback channel, as Go reports it. */
export interface PlaybackInfo {
  /** The server has a playback channel and it is open. */
  linked: boolean;
  /** A stream plays (START to STOP); epoch numbers the streams of a session. */
  active: boolean;
  epoch: number;
  rate: number;
  channels: number;
  /** "raw" or "opus" */
  codec: string;
  /** Per channel, 0 to 1 (the server's 0 to 65535); [] until it sets one. */
  volume: number[];
  mute: boolean;
  /** The playback delay the server asked for (LATENCY), ms; 0 if none. */
  latencyMs: number;
}

/** The record channel, as Go reports it. */
export interface RecordInfo {
  linked: boolean;
  /** The server records (START to STOP). */
  active: boolean;
  epoch: number;
  rate: number;
  channels: number;
  volume: number[];
  mute: boolean;
}

/** What the guest agent can do right now. All false while it is not connected. */
export interface AgentState {
  connected: boolean;
  /** Text clipboard sharing, both ways. */
  clipboard: boolean;
  /** The guest takes PNG images on its clipboard and offers them. */
  clipboardImages: boolean;
  /** setDisplaySize reaches the guest (MONITORS_CONFIG). */
  resize: boolean;
  /** sendFile reaches the guest; false also when the host disabled file transfer. */
  files: boolean;
}

export type ClipboardData = { type: "text"; text: string } | { type: "image"; mime: "image/png"; data: Uint8Array };

export type FileState = "queued" | "sending" | "done" | "cancelled" | "failed";

/** Handle returned by connect(). Input calls are ignored while not connected. */
export interface GoSession {
  /**
   * A key went down or up. code is KeyboardEvent.code. Returns false when
   * the code has no PC scancode (the caller may let the browser handle it).
   */
  key(code: string, down: boolean): boolean;
  /** Client mouse mode: absolute position in canvas pixels (the monitor there gets it, see SessionEvents.monitors). */
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
  /**
   * Types text as key presses, US layout, for guests without an agent
   * (firmware, installers, login screens). Returns how many characters it
   * typed: it stops at the first one a US keyboard cannot type ("\n" and
   * "\t" are Enter and Tab) and types at most 4096.
   */
  typeText(text: string): number;
  /**
   * Makes data the guest's clipboard content (the client grabs the guest's
   * clipboard and answers the agent's requests from data). Ignored without
   * an agent that shares the clipboard; text line endings are converted to
   * the guest's.
   */
  setClipboard(data: ClipboardData): void;
  /**
   * Asks the guest to take this size, in guest pixels (MONITORS_CONFIG to
   * the agent). The page debounces; Go sends at most one request in flight
   * and the latest size wins. Ignored unless AgentState.resize.
   */
  setDisplaySize(width: number, height: number): void;
  /**
   * Sends a file to the guest through the agent, read from file in pieces
   * (never whole). id is the page's, unique within the session; progress
   * comes as SessionEvents.fileProgress(id, ...). Files queue: one is sent
   * at a time, in order.
   */
  sendFile(id: number, file: Blob, name: string): void;
  /** Cancels a queued or running file; fileProgress(id, "cancelled") follows. */
  cancelFile(id: number): void;
  /**
   * Present at a timer (about 60 per second) instead of at animation
   * frames, or back: animation frames stop while the console's page is
   * hidden, and a monitor's own window (monitors.ts) copies from the
   * canvas all the same.
   */
  presentByTimer(on: boolean): void;
  /**
   * Report each presented frame's changed area (SessionEvents.frame), or
   * stop: a monitor's window copies its part of the canvas only when it
   * changed.
   */
  reportFrames(on: boolean): void;
  /**
   * Also present the canvas area (x, y, width × height, canvas pixels) into
   * canvas, a monitor's own window, under key; Go sizes canvas to the area
   * and paints it at once. Without canvas, moves key's area. key is the
   * monitor's index in SessionEvents.monitors' list: when the monitors
   * change, Go moves the area to that monitor's before the page hears. Returns
   * whether Go draws there (false: no 2D context, or it could not be handed
   * to the client's worker; the canvas may then be unusable).
   */
  monitorCanvas(key: number, x: number, y: number, width: number, height: number, canvas?: HTMLCanvasElement | OffscreenCanvas): boolean;
  /** Stops presenting into key's canvas. */
  removeMonitorCanvas(key: number): void;
  /** Closes every channel; status("disconnected") follows. */
  disconnect(): void;
  /** Counters of the Go side since connect (see SessionStats). */
  stats(): GoStats;
  /**
   * Hands Go the MessagePort of a sound stream (playback, or a record
   * epoch's microphone); port null tells Go the microphone closed. The
   * other end of a playback port belongs to the player (worklet.ts
   * PlaybackMessage); of a record port, to the capture worklet
   * (CaptureMessage). Ports for an epoch that is over are closed.
   */
  audioPort(kind: "playback" | "record", epoch: number, port: MessagePort | null): void;
}

/** What Go counts, for benchmarks and diagnostics. */
export interface GoStats {
  /** Calls from JavaScript into Go: socket wakes, animation frames, API calls. */
  callbacks: number;
  /** Calls from Go into JavaScript on the hot paths: socket reads and sends, presenting. */
  calls: number;
  /** Frames presented and rectangles put into the canvas. */
  frames: number;
  rects: number;
  /** Bytes copied into the canvas's ImageData. */
  presentedBytes: number;
  /** Sound, when the session has it. */
  audio?: AudioStats;
  /** Video streams of the screen (display channel 0). */
  video?: VideoStats;
}

/** Video counters of a session (session.VideoStats). */
export interface VideoStats {
  /** The last stream's codec ("mjpeg", "vp8", ...); "" before any. */
  codec: string;
  /** Streams created; frames arrived; pictures drawn; frames dropped (late, or no picture); late on arrival; streams reported undecodable. */
  streams: number;
  frames: number;
  shown: number;
  dropped: number;
  late: number;
  failed: number;
  /** Pictures handed to the canvas, and presentLatencyMs[ms] how many waited that long from ready (decoded and due) to the canvas; the last bucket holds the rest. */
  presented: number;
  presentLatencyMs: number[];
  /** Of the dropped: frames the decoder gave no picture for; pictures that came after their frame's time. */
  noPicture: number;
  decodedLate: number;
  /** marginMs[i]: frames that arrived (i - marginOffset) * marginStepMs ahead of the clock (negative: late); the ends are open. */
  marginMs: number[];
  marginStepMs: number;
  marginOffset: number;
  /** The most frames a decoder held without a picture at once, since the previous stats() call. */
  pendingPeak: number;
  /** The longest time between the stamps (mm-time) of two successive frames of a stream, since the previous stats() call: the source's own worst stall. */
  gapPeakMs: number;
}

/** Sound counters of a session (session.AudioStats and the ports). */
export interface AudioStats {
  /** Frames from the server; cut and repeated for drift; discarded to catch up; dropped while nothing played. */
  pushed: number;
  cut: number;
  repeated: number;
  discarded: number;
  stale: number;
  /** Batches posted to the player, their bytes, and the times it ran dry. */
  batches: number;
  bytes: number;
  underruns: number;
  /** Reports from the player. */
  reports: number;
  /** The current playback delay, ms (0 without a stream). */
  delayMs: number;
  /** Frames sent to the record channel. */
  recordFrames: number;
  /** Opus packets dropped because the decoder was behind. */
  opusDropped: number;
  /** The longest wait between two of the player's reports, ms. */
  maxReportGapMs: number;
}
