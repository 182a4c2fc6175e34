// Page-load probe, injected by e2e/bench_test.go (BenchmarkPageLoad) into
// every new document before the page's own scripts run, as
// `(<this function>)(config)`. It finds, from navigation start
// (performance.now() is relative to it), when the client's screen canvas
// first shows the desktop the X server has: every probe pixel equal. The
// same check serves our client and spice-html5, so the figure means the
// same for both.
//
// The screen canvas is read with one drawImage per check into a canvas of
// our own, never with getContext on it: ours is the placeholder of a
// worker's OffscreenCanvas, where getContext throws. Such a copy costs
// ~8 ms of CPU here whatever its size (a snapshot of the worker's frame),
// against well under 1 ms for an ordinary canvas, so checks are spaced to
// keep the probe under a tenth of a core: every animation frame for
// spice-html5, every fifth or so for a placeholder. The probe reports the
// check that first matched and the one before it (lastMiss); the
// benchmark then takes the displayed frame that showed the change (the
// display compositor's trace; bench.ChangeShown), so the spacing costs no
// precision.
//
// config: {w, h, selectors: [CSS selector of each client's screen canvas],
//          rows: [[y, [x...], [r, g, b, ...]], ...]} (probe pixels by row)
// Result: window.__spicewebLoad = {done: Promise, complete, lastMiss,
//         connected, firstframe, checks, checkMs} (times in ms; 0 = never).
(cfg) => {
  const t = { complete: 0, lastMiss: 0, connected: 0, firstframe: 0, checks: 0, checkMs: 0 };
  let copy = null;
  t.done = new Promise((resolve) => {
    t.resolve = resolve;
  });
  window.__spicewebLoad = t;

  function matches() {
    let c = null;
    for (const sel of cfg.selectors) {
      c = document.querySelector(sel);
      if (c) break;
    }
    // Not c.width and c.height: those of an OffscreenCanvas placeholder
    // need not follow the bitmap; the probe pixels decide.
    if (!(c instanceof HTMLCanvasElement) || c.width === 0 || c.height === 0) return false;
    if (!copy) {
      const k = document.createElement("canvas");
      k.width = cfg.w;
      k.height = cfg.h;
      copy = k.getContext("2d", { willReadFrequently: true });
    }
    t.checks++;
    copy.clearRect(0, 0, cfg.w, cfg.h);
    copy.drawImage(c, 0, 0);
    // Row by row, stopping at the first difference: cheap while the
    // screen is still incomplete, which is nearly every check.
    for (const [y, xs, rgb] of cfg.rows) {
      const d = copy.getImageData(0, y, cfg.w, 1).data;
      for (let i = 0; i < xs.length; i++) {
        const o = 4 * xs[i];
        if (d[o] !== rgb[3 * i] || d[o + 1] !== rgb[3 * i + 1] || d[o + 2] !== rgb[3 * i + 2]) return false;
      }
    }
    return true;
  }

  let next = 0; // no check before this time
  function frame(now) {
    if (now >= next) {
      const t0 = performance.now();
      const ok = matches();
      const cost = performance.now() - t0;
      t.checkMs = Math.max(t.checkMs, cost);
      if (ok) {
        t.complete = t0;
        t.resolve({ complete: t.complete, lastMiss: t.lastMiss, connected: t.connected, firstframe: t.firstframe,
          checks: t.checks, checkMs: t.checkMs });
        return;
      }
      t.lastMiss = t0;
      next = t0 + 10 * cost;
    }
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);

  // Our page's own signals, recorded for comparison with the pixel check:
  // body[data-state=connected] and the console's firstframe event.
  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.spiceweb !== "page") return;
    new MutationObserver(() => {
      if (!t.connected && document.body.dataset.state === "connected") t.connected = performance.now();
    }).observe(document.body, { attributes: true, attributeFilter: ["data-state"] });
    // app.js starts the page from its own DOMContentLoaded listener, which
    // was added after this one; look for the console once it has run.
    setTimeout(() => {
      const con = globalThis.SpiceWeb && globalThis.SpiceWeb.pageConsole;
      if (con) con.addEventListener("firstframe", () => { if (!t.firstframe) t.firstframe = performance.now(); });
    }, 0);
  });
};
