// Console benchmark probe, evaluated by e2e/console_bench_test.go in each
// client page (ours and spice-html5) once it is loaded, as
// `window.__consoleProbe = (<this function>)()`. It only reads the screen
// canvas: one copy per check drawn with drawImage into a canvas of the
// probe's own, never getContext on the screen canvas itself (ours is the
// placeholder of a worker's OffscreenCanvas, where that throws). Such a
// copy costs ~8 ms of CPU here whatever its size, against well under 1 ms
// for an ordinary canvas, so the polling checks are spaced to keep the
// probe under a tenth of a core, and report the check before the one that
// matched: the benchmark takes the displayed frame that showed the change
// (see pageload.js). The polling is used for the latency samples only,
// never while CPU or frames are being measured.
() => {
  const scratch = document.createElement("canvas");
  const g = scratch.getContext("2d", { willReadFrequently: true });
  let lastKey = 0; // timeStamp of the last keydown the page received
  window.addEventListener("keydown", (e) => { lastKey = e.timeStamp; }, true);

  function screen(sel) {
    const c = document.querySelector(sel);
    if (!(c instanceof HTMLCanvasElement)) throw new Error("no canvas matches " + sel);
    return c;
  }

  // read returns the RGBA bytes of the rectangle (x, y, w, h) of canvas c.
  function read(c, x, y, w, h) {
    if (scratch.width < w || scratch.height < h) {
      scratch.width = Math.max(scratch.width, w);
      scratch.height = Math.max(scratch.height, h);
    }
    g.clearRect(0, 0, w, h);
    g.drawImage(c, x, y, w, h, 0, 0, w, h);
    return new Uint32Array(g.getImageData(0, 0, w, h).data.buffer);
  }

  function same(a, b) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // shows: whether every point [x, y] of the screen shows colour rgb
  // ([r, g, b]), read with one copy of the rectangle around them.
  function shows(c, points, rgb) {
    const x0 = Math.min(...points.map((p) => p[0])), y0 = Math.min(...points.map((p) => p[1]));
    const w = Math.max(...points.map((p) => p[0])) - x0 + 1, h = Math.max(...points.map((p) => p[1])) - y0 + 1;
    const d = new Uint8Array(read(c, x0, y0, w, h).buffer);
    for (const [x, y] of points) {
      const o = 4 * ((y - y0) * w + (x - x0));
      if (d[o] !== rgb[0] || d[o + 1] !== rgb[1] || d[o + 2] !== rgb[2]) return false;
    }
    return true;
  }

  // poll resolves with {seen, miss}: performance.now() at the check that
  // first found done() true and at the check before it (or the call, when
  // the condition did not hold yet), or rejects after timeoutMs. Checks run
  // on animation frames, spaced by ten times what the last one cost.
  function poll(done, timeoutMs, what) {
    const t0 = performance.now();
    let miss = t0, next = 0;
    return new Promise((resolve, reject) => {
      const tick = (frame) => {
        if (frame >= next) {
          const now = performance.now();
          try {
            if (done()) return resolve({ seen: now, miss });
          } catch (e) {
            return reject(e);
          }
          miss = now;
          next = now + 10 * (performance.now() - now);
          if (now - t0 > timeoutMs) return reject(new Error(`${what}: not within ${timeoutMs} ms`));
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  }

  const probe = {
    pending: null,
    now: () => performance.now(),
    shows: (sel, points, rgb) => shows(screen(sel), points, rgb),

    // armChange starts watching rect [x, y, w, h] of the screen for any
    // change from what it shows now; result() gives when it was seen (and
    // missed before) and the time of the keydown the page received in
    // between.
    armChange(sel, rect, timeoutMs) {
      const c = screen(sel);
      const base = read(c, ...rect);
      lastKey = 0;
      probe.pending = poll(() => !same(read(c, ...rect), base), timeoutMs, "a change of the screen").then((r) => {
        if (!lastKey) throw new Error("the screen changed but no keydown reached the page");
        return { ...r, start: lastKey };
      });
      probe.pending.catch(() => {}); // reported by result()
    },

    // armColour starts watching until every point shows rgb.
    armColour(sel, points, rgb, timeoutMs) {
      const c = screen(sel);
      probe.pending = poll(() => shows(c, points, rgb), timeoutMs, "the new colour").then((r) => ({ ...r, start: 0 }));
      probe.pending.catch(() => {});
    },

    result: () => probe.pending,

    // stats: the page's own counters, where it has them (ours, later:
    // SpiceWeb.pageConsole.stats()); null otherwise.
    async stats() {
      const con = globalThis.SpiceWeb && globalThis.SpiceWeb.pageConsole;
      if (!con || typeof con.stats !== "function") return null;
      return await con.stats();
    },
  };
  return probe;
};
