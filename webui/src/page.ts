// The spice_auto.html page: reads the URL, runs one SpiceConsole, and keeps
// the top bar (status line, buttons, password form) in step with it.

import { setupAgentBar } from "./agentbar";
import type { MicrophoneDetail, PlaybackDetail } from "./audio/sound";
import { SpiceConsole } from "./console";
import type { SessionState } from "./goapi";
import { displayTitle, parseParams, socketURL, tokenCookie } from "./params";
import { loadSettings, pageStorage } from "./settings";

/** The page's elements, looked up by id in spice_auto.html. */
interface PageElements {
  status: HTMLElement;
  title: HTMLElement;
  screen: HTMLElement;
  passwordForm: HTMLFormElement;
  passwordInput: HTMLInputElement;
  passwordMessage: HTMLElement;
  reconnect: HTMLButtonElement;
  ctrlAltDel: HTMLButtonElement;
  fullscreen: HTMLButtonElement;
  notice: HTMLElement;
  noticeText: HTMLElement;
  noticeClose: HTMLButtonElement;
  sound: HTMLButtonElement;
  mic: HTMLButtonElement;
}

function elements(doc: Document): PageElements {
  const get = <T extends HTMLElement>(id: string, type: new () => T): T => {
    const el = doc.getElementById(id);
    if (!(el instanceof type)) throw new Error(`spice_auto.html: #${id} is missing`);
    return el;
  };
  return {
    status: get("status", HTMLElement),
    title: get("title", HTMLElement),
    screen: get("screen", HTMLElement),
    passwordForm: get("password-form", HTMLFormElement),
    passwordInput: get("password", HTMLInputElement),
    passwordMessage: get("password-message", HTMLElement),
    reconnect: get("reconnect", HTMLButtonElement),
    ctrlAltDel: get("ctrl-alt-del", HTMLButtonElement),
    fullscreen: get("fullscreen", HTMLButtonElement),
    notice: get("notice", HTMLElement),
    noticeText: get("notice-text", HTMLElement),
    noticeClose: get("notice-close", HTMLButtonElement),
    sound: get("sound", HTMLButtonElement),
    mic: get("mic", HTMLButtonElement),
  };
}

/** Runs the page. Returns the console, or null when the URL is unusable. */
export function runPage(doc: Document, loc: Location): SpiceConsole | null {
  const el = elements(doc);
  const params = parseParams(loc.href);
  if (params.title) showTitle(doc, el, params.title);
  if (params.token) doc.cookie = tokenCookie(params.token, loc.protocol === "https:");

  let url: string;
  try {
    url = socketURL(params, loc);
  } catch (e) {
    // Nothing to reconnect to until the URL is fixed.
    showState(doc, el, "disconnected", e instanceof Error ? e.message : String(e));
    el.reconnect.hidden = true;
    return null;
  }

  // The URL's display choices win over the remembered ones.
  const storage = pageStorage();
  const saved = loadSettings(storage);
  const scaling = params.scaling ?? saved.scaling;
  const hidpi = params.hidpi ?? saved.hidpi;
  const monitors = params.monitors ?? saved.monitors;
  const con = new SpiceConsole(el.screen, {
    url,
    ...(scaling ? { scaling } : {}),
    ...(hidpi !== undefined ? { hidpi } : {}),
    password: params.password,
    protocol: params.protocol,
    ...(params.compression ? { compression: params.compression } : {}),
    ...(params.videoCodecs ? { videoCodecs: params.videoCodecs } : {}),
    ...(params.worker !== undefined ? { worker: params.worker } : {}),
    ...(params.audio !== undefined ? { audio: params.audio } : {}),
    ...(monitors ? { monitors } : {}),
  });
  con.addEventListener("status", (e) => {
    const { state, message } = e.detail;
    showState(doc, el, state, message);
    if (state === "auth-failed") askPassword(el, message);
  });
  con.addEventListener("guestname", (e) => {
    // A title in the URL (Horizon's) names the console already.
    if (!params.title && e.detail.name) showTitle(doc, el, e.detail.name);
  });
  con.addEventListener("notice", (e) => {
    el.noticeText.textContent = e.detail.message;
    el.notice.hidden = false;
  });
  el.noticeClose.addEventListener("click", () => {
    el.notice.hidden = true;
  });
  con.addEventListener("log", (e) => {
    const { level, message } = e.detail;
    const log = level === "error" ? console.error : level === "warn" ? console.warn : level === "info" ? console.info : console.debug;
    log(`spiceweb: ${message}`);
  });

  el.passwordForm.addEventListener("submit", (e) => {
    e.preventDefault();
    el.passwordForm.hidden = true;
    void con.connect(el.passwordInput.value);
    el.passwordInput.value = "";
  });
  el.reconnect.addEventListener("click", () => void con.connect());
  el.ctrlAltDel.addEventListener("click", () => con.sendCtrlAltDel());
  setupFullscreen(doc, el, con);
  setupAgentBar(doc, con, storage);
  setupSound(el, con);

  void con.connect();
  return con;
}

function showTitle(doc: Document, el: PageElements, title: string): void {
  doc.title = title;
  el.title.textContent = displayTitle(title);
  el.title.title = title;
}

function showState(doc: Document, el: PageElements, state: SessionState, message: string): void {
  doc.body.dataset.state = state;
  // A new session's server says again what it has to say.
  if (state === "connecting") el.notice.hidden = true;
  el.status.textContent = message || defaultMessage[state];
  el.status.title = el.status.textContent;
  el.ctrlAltDel.disabled = state !== "connected";
  // A refused password gets the form, never an automatic retry.
  el.reconnect.hidden = state !== "disconnected";
  if (state !== "auth-failed") el.passwordForm.hidden = true;
}

const defaultMessage: Record<SessionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  "auth-failed": "The server refused the password",
  disconnected: "Disconnected",
};

function askPassword(el: PageElements, message: string): void {
  el.passwordMessage.textContent = message || defaultMessage["auth-failed"];
  el.passwordForm.hidden = false;
  el.passwordInput.focus();
}

function setupFullscreen(doc: Document, el: PageElements, con: SpiceConsole): void {
  // Inside an iframe without allow="fullscreen" the API is present but
  // refuses; fullscreenEnabled says so up front.
  if (!doc.fullscreenEnabled) return;
  el.fullscreen.hidden = false;
  el.fullscreen.addEventListener("click", () => {
    if (doc.fullscreenElement) {
      void doc.exitFullscreen();
      return;
    }
    doc.documentElement.requestFullscreen().then(
      () => {
        // Where supported (secure contexts), keys such as Esc and Alt+Tab
        // then reach the guest too.
        const kb = (navigator as { keyboard?: { lock?: () => Promise<void> } }).keyboard;
        kb?.lock?.().catch(() => {});
        con.focus();
      },
      () => {},
    );
  });
  doc.addEventListener("fullscreenchange", () => {
    const on = doc.fullscreenElement !== null;
    el.fullscreen.setAttribute("aria-pressed", String(on));
    el.fullscreen.title = on ? "Leave full screen" : "Full screen";
  });
}

// The speaker and microphone buttons follow the console's sound.
function setupSound(el: PageElements, con: SpiceConsole): void {
  const label = (b: HTMLElement, text: string) => {
    const l = b.querySelector(".label");
    if (l) l.textContent = text;
  };
  const showPlayback = (d: PlaybackDetail) => {
    const b = el.sound;
    b.hidden = d.state === "off";
    b.dataset.state = d.state;
    const silent = d.state === "blocked" || d.muted || d.serverMuted;
    b.dataset.muted = String(silent);
    b.setAttribute("aria-pressed", String(d.muted));
    if (d.state === "blocked") {
      label(b, "Click to enable sound");
      b.title = "The browser waits for a click before it plays sound";
    } else {
      label(b, "");
      b.title = d.muted ? "Unmute sound" : d.serverMuted ? "The guest muted its sound" : "Mute sound";
    }
    b.setAttribute("aria-label", d.state === "blocked" ? "Enable sound" : d.muted ? "Unmute sound" : "Mute sound");
  };
  const showMic = (d: MicrophoneDetail) => {
    const b = el.mic;
    // No record channel, or sound off: no button. Unavailable for another
    // reason (not a secure context): the button stays and says why.
    b.hidden = d.state === "unavailable" && (d.reason === "the server has no microphone channel" || d.reason === "sound is turned off");
    b.dataset.state = d.state;
    b.setAttribute("aria-disabled", String(d.state === "unavailable"));
    b.setAttribute("aria-pressed", String(d.state === "waiting" || d.state === "live"));
    const titles: Record<MicrophoneDetail["state"], string> = {
      unavailable: `Microphone unavailable: ${d.reason}`,
      off: d.requested ? "The guest is listening: turn the microphone on" : "Turn the microphone on",
      waiting: "Microphone on: it opens when the guest listens; click to turn it off",
      live: "Microphone live: click to turn it off",
      error: `Microphone: ${d.reason}; click to try again`,
    };
    b.title = titles[d.state];
    b.setAttribute("aria-label", b.title);
    label(b, d.state === "live" ? "Live" : "");
  };
  con.addEventListener("playback", (e) => showPlayback(e.detail));
  con.addEventListener("microphone", (e) => showMic(e.detail));
  el.sound.addEventListener("click", () => {
    if (con.playback.state === "blocked") void con.enableSound();
    else con.mute(!con.muted);
    con.focus();
  });
  el.mic.addEventListener("click", () => {
    const d = con.microphone;
    if (d.state === "unavailable") {
      el.status.textContent = `Microphone unavailable: ${d.reason}`;
      return;
    }
    if (d.state === "waiting" || d.state === "live") con.stopMicrophone();
    else con.startMicrophone().catch(() => {}); // the microphone event says why
    con.focus();
  });
  showPlayback(con.playback);
  showMic(con.microphone);
}
