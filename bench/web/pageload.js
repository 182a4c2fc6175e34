// Page-load probe, injected by e2e/bench_test.go (BenchmarkPageLoad) into
// every new document before the page's own scripts run, as
// `(<this function>)(config)`. It times, from navigation start
// (performance.now() is relative to it), when the client's screen canvas
// first shows the desktop the X server has: every probe pixel equal. The
// same check serves our client and spice-html5, so the figure means the
// same for both; it is taken once per animation frame (what a user could
// see), so it is late by at most one frame.
//
// config: {w, h, selectors: [CSS selector of each client's screen canvas],
//          rows: [[y, [x...], [r, g, b, ...]], ...]} (probe pixels by row)
// Result: window.__spicewebLoad = {done: Promise, complete, connected,
//         firstframe, checks} (times in ms; 0 = never seen).
(cfg) => {
  const t = { complete: 0, connected: 0, firstframe: 0, checks: 0 };
  t.done = new Promise((resolve) => {
    t.resolve = resolve;
  });
  window.__spicewebLoad = t;

  // A canvas whose pixels come from a worker (the placeholder of an
  // OffscreenCanvas) has no context of its own: read it through a copy.
  let scratch = null;
  function context2d(c) {
    try {
      const g = c.getContext("2d");
      if (g) return g;
    } catch {
      // transferred to a worker
    }
    if (!scratch) {
      scratch = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    }
    scratch.canvas.width = c.width;
    scratch.canvas.height = c.height;
    scratch.drawImage(c, 0, 0);
    return scratch;
  }

  function matches() {
    let c = null;
    for (const sel of cfg.selectors) {
      c = document.querySelector(sel);
      if (c) break;
    }
    if (!(c instanceof HTMLCanvasElement) || c.width !== cfg.w || c.height !== cfg.h) return false;
    const g = context2d(c);
    if (!g) return false;
    t.checks++;
    // Row by row, stopping at the first difference: cheap while the
    // screen is still incomplete, which is nearly every check.
    for (const [y, xs, rgb] of cfg.rows) {
      const d = g.getImageData(0, y, cfg.w, 1).data;
      for (let i = 0; i < xs.length; i++) {
        const o = 4 * xs[i];
        if (d[o] !== rgb[3 * i] || d[o + 1] !== rgb[3 * i + 1] || d[o + 2] !== rgb[3 * i + 2]) return false;
      }
    }
    return true;
  }

  function frame() {
    if (matches()) {
      t.complete = performance.now();
      t.resolve({ complete: t.complete, connected: t.connected, firstframe: t.firstframe, checks: t.checks });
      return;
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
