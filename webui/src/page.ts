// The spice_auto.html page: reads the URL, runs one SpiceConsole, and keeps
// the top bar (status line, buttons, password form) in step with it.

import { setupAgentBar } from "./agentbar";
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
  };
}

/** Runs the page. Returns the console, or null when the URL is unusable. */
export function runPage(doc: Document, loc: Location): SpiceConsole | null {
  const el = elements(doc);
  const params = parseParams(loc.href);
  if (params.title) {
    doc.title = params.title;
    el.title.textContent = displayTitle(params.title);
    el.title.title = params.title;
  }
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
  const con = new SpiceConsole(el.screen, {
    url,
    ...(scaling ? { scaling } : {}),
    ...(hidpi !== undefined ? { hidpi } : {}),
    password: params.password,
    protocol: params.protocol,
    ...(params.compression ? { compression: params.compression } : {}),
    ...(params.videoCodecs ? { videoCodecs: params.videoCodecs } : {}),
    ...(params.worker !== undefined ? { worker: params.worker } : {}),
  });
  con.addEventListener("status", (e) => {
    const { state, message } = e.detail;
    showState(doc, el, state, message);
    if (state === "auth-failed") askPassword(el, message);
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

  void con.connect();
  return con;
}

function showState(doc: Document, el: PageElements, state: SessionState, message: string): void {
  doc.body.dataset.state = state;
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
