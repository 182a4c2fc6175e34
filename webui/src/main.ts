// Entry point of app.js. In the client's worker it runs the worker side
// (worker.ts). On a page it always installs globalThis.SpiceWeb, and runs
// spice_auto.html's page only when the page asks for it with
// <body data-spiceweb="page">, so embedders can load app.js for the API alone.

import type { SpiceConsole } from "./console";
import * as api from "./index";
import { startCachedModule } from "./load";
import { runPage } from "./page";
import { runWorker } from "./worker";

interface SpiceWebGlobal {
  SpiceConsole: typeof api.SpiceConsole;
  loadGo: typeof api.loadGo;
  defaultWasmURL: typeof api.defaultWasmURL;
  parseParams: typeof api.parseParams;
  socketURL: typeof api.socketURL;
  tokenCookie: typeof api.tokenCookie;
  displayTitle: typeof api.displayTitle;
  /** The console spice_auto.html runs, once it runs one. */
  pageConsole: SpiceConsole | null;
}

declare global {
  var SpiceWeb: SpiceWebGlobal;
}

// WorkerGlobalScope exists only in workers (the DOM lib does not declare it).
const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === "function" && typeof document === "undefined";
if (inWorker) runWorker(globalThis as unknown as Parameters<typeof runWorker>[0]);
else startPage();

function startPage(): void {
  // Our page uses the default module URL: on a repeat visit its cached
  // compilation can begin before anything else runs.
  if (document.body?.dataset.spiceweb === "page") startCachedModule();
  const spiceWeb: SpiceWebGlobal = {
    SpiceConsole: api.SpiceConsole,
    loadGo: api.loadGo,
    defaultWasmURL: api.defaultWasmURL,
    parseParams: api.parseParams,
    socketURL: api.socketURL,
    tokenCookie: api.tokenCookie,
    displayTitle: api.displayTitle,
    pageConsole: null,
  };
  globalThis.SpiceWeb = spiceWeb;

  function start(): void {
    if (document.body?.dataset.spiceweb !== "page") return;
    try {
      spiceWeb.pageConsole = runPage(document, location);
    } catch (e) {
      // Markup out of step with the script: say so where it can be seen.
      const msg = `spiceweb: ${e instanceof Error ? e.message : String(e)}`;
      console.error(msg);
      const status = document.getElementById("status");
      if (status) status.textContent = msg;
    }
  }

  // app.js normally comes last in <body>; if an embedder puts it in <head>,
  // wait for the body.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
}
