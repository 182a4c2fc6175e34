// Query parameters of spice_auto.html and the websocket URL built from them.
//
// Compatible with spice-html5's spice_auto.html (host, port, path, password,
// token, title), plus encrypt and protocol. Everything here is a pure
// function of strings so it can be tested without a browser.

import { type Scaling, parseScaling } from "./layout";
import { type MonitorsMode, parseMonitorsMode } from "./monitors";

/** What the page URL asks for. Absent parameters are undefined. */
export interface Params {
  host?: string;
  port?: string;
  /** Websocket path; spice-html5's default is "websockify". */
  path: string;
  password: string;
  token?: string;
  title?: string;
  /** true: wss, false: ws, undefined: follow the page (https → wss). */
  encrypt?: boolean;
  /** Websocket subprotocol; "binary" unless the URL says otherwise ("" offers none). */
  protocol: string;
  /**
   * Image compression to ask the server for (off, auto_glz, auto_lz, quic,
   * glz, lz, lz4); undefined leaves the server's choice.
   */
  compression?: string;
  /** videocodecs=h264,vp8: video codecs in order of preference; undefined: the cheapest to decode first. */
  videoCodecs?: string;
  /** worker=0 runs the client on the page, worker=1 in a worker; undefined: where supported. */
  worker?: boolean;
  /** How the guest screen fits the page (remote, fit, none, down); undefined: the remembered choice or the default. */
  scaling?: Scaling;
  /** hidpi=1: with remote scaling, size the guest in device pixels; undefined: the remembered choice (off). */
  hidpi?: boolean;
  /** audio=0 turns sound off (no playback or record channel); undefined: on. */
  audio?: boolean;
  /** monitors=side or monitors=windows: how several guest monitors are shown; undefined: the remembered choice (side). */
  monitors?: MonitorsMode;
}

/** The parts of window.location the defaults come from. */
export interface PageLocation {
  protocol: string; // "http:" or "https:"
  hostname: string; // "[::1]" for IPv6, as browsers report it
  port: string; // "" when the scheme's default
}

// A "?" inside the query starts a new parameter only when a parameter name
// and "=" follow it. nova builds its console URL as base + "?token=" + token,
// so a base URL that already has a query ends up with two "?"; a value that
// merely contains "?" (a password) stays whole.
const nestedQuery = /\?(?=[A-Za-z][A-Za-z0-9_-]*=)/;

/**
 * Splits the query of href into name/value pairs in order. Tolerates nova's
 * second "?" and treats "+" as a space, like spice-html5's spice_query_var.
 */
export function queryPairs(href: string): Array<[string, string]> {
  const hash = href.indexOf("#");
  if (hash >= 0) href = href.slice(0, hash);
  const q = href.indexOf("?");
  if (q < 0) return [];
  const pairs: Array<[string, string]> = [];
  for (const piece of href.slice(q + 1).split("&")) {
    for (const part of piece.split(nestedQuery)) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? "" : part.slice(eq + 1);
      pairs.push([decode(name), decode(value)]);
    }
  }
  return pairs;
}

function decode(s: string): string {
  s = s.replace(/\+/g, " ");
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // a stray "%" is kept as typed rather than failing the page
  }
}

/** Parses the page URL. The first occurrence of a name wins, as in spice-html5. */
export function parseParams(href: string): Params {
  const seen = new Map<string, string>();
  for (const [name, value] of queryPairs(href)) {
    if (!seen.has(name)) seen.set(name, value);
  }
  const p: Params = {
    path: seen.get("path") ?? "websockify",
    password: seen.get("password") ?? "",
    protocol: seen.get("protocol") ?? "binary",
  };
  const host = seen.get("host");
  if (host) p.host = host;
  const port = seen.get("port");
  if (port) p.port = port;
  const token = seen.get("token");
  if (token) p.token = token;
  const title = seen.get("title");
  if (title) p.title = title;
  const compression = seen.get("compression");
  if (compression) p.compression = compression;
  const videoCodecs = seen.get("videocodecs");
  if (videoCodecs) p.videoCodecs = videoCodecs;
  const encrypt = seen.get("encrypt");
  if (encrypt !== undefined) p.encrypt = parseBool(encrypt);
  const worker = seen.get("worker");
  if (worker !== undefined) p.worker = parseBool(worker);
  const scaling = parseScaling(seen.get("scaling"));
  if (scaling) p.scaling = scaling;
  const hidpi = seen.get("hidpi");
  if (hidpi !== undefined) p.hidpi = parseBool(hidpi);
  const audio = seen.get("audio");
  if (audio !== undefined) p.audio = parseBool(audio);
  const monitors = parseMonitorsMode(seen.get("monitors"));
  if (monitors) p.monitors = monitors;
  return p;
}

/** "" (a bare ?encrypt) counts as true; anything not clearly false is true. */
export function parseBool(v: string): boolean {
  return !["0", "false", "no", "off"].includes(v.trim().toLowerCase());
}

/**
 * Builds the websocket URL every channel connects to. Throws an Error with a
 * message fit for the status line when host or port is unusable.
 */
export function socketURL(p: Params, page: PageLocation): string {
  const secure = p.encrypt ?? page.protocol === "https:";
  let host = (p.host ?? page.hostname).trim();
  if (host === "") throw new Error("no host to connect to: add ?host= to the page URL");
  if (/[\s/?#@]/.test(host)) throw new Error(`invalid host "${host}"`);
  // A bare IPv6 literal needs brackets in a URL.
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  // Without a port parameter use the page's; when that is the scheme's
  // default, leave it out so the ws/wss default applies.
  const port = (p.port ?? page.port).trim();
  if (port !== "" && !validPort(port)) throw new Error(`invalid port "${port}"`);
  let path = p.path;
  if (!path.startsWith("/")) path = "/" + path;
  let url = `${secure ? "wss" : "ws"}://${host}${port === "" ? "" : ":" + port}${path}`;
  // Proxies that route by token (websockify's token plugins, nova) read it
  // from the websocket URL; a cookie does not reach them from a cross-site
  // iframe.
  if (p.token !== undefined && !/[?&]token=/.test(path)) {
    url += (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(p.token);
  }
  return url;
}

function validPort(s: string): boolean {
  if (!/^[0-9]{1,5}$/.test(s)) return false;
  const n = Number(s);
  return n >= 1 && n <= 65535;
}

/**
 * The document.cookie assignment spice-html5 makes for nova's proxy, which
 * reads the token from a cookie when the URL has none. A session cookie:
 * every page load sets it again.
 */
export function tokenCookie(token: string, secure: boolean): string {
  return `token=${encodeURIComponent(token)}; path=/; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/**
 * The name to show for a title such as Horizon's "instance-name(uuid)":
 * spice-html5 shows the part before the "(".
 */
export function displayTitle(title: string): string {
  const m = /^(.*\S)\s*\([^()]*\)\s*$/.exec(title);
  return m?.[1] ?? title;
}
