// MJPEG decode benchmark page: bench.wasm (bench/wasm) decodes recorded
// MJPEG streams with Go's decoder and with the browser decoders the
// client uses (wasm/jsbridge/jpeg_js.go), on the main thread and in a
// dedicated worker (mjpeg-worker.js), so that each context's figures come
// from the same page and run.
//
// The page only times batches; e2e/bench_mjpeg_test.go decides how many
// iterations, repeats and compares. API on window.mjpeg:
//   init()               load everything; resolves to the cases: one per
//                        thread and sequence, with the ways it has
//   time(i, way, n)      milliseconds for n passes over case i's stream with way
//   check(i, way)        errors of way against Go's decode and the pictures

let cases = [];

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The main thread's bench.wasm, called directly. */
async function mainThread() {
  const go = new Go();
  const { instance } = await WebAssembly.instantiateStreaming(fetch("bench.wasm"), go.importObject);
  go.run(instance);
  const b = globalThis.spicewebBench;
  if (!b) throw new Error("bench.wasm did not install spicewebBench");
  return {
    env: async () => ({ secure: globalThis.isSecureContext, imageDecoder: typeof ImageDecoder === "function" }),
    call: async (op, ...args) => b[op](...args),
  };
}

/** A worker's bench.wasm, called by message. */
function worker() {
  const w = new Worker("mjpeg-worker.js");
  let next = 1;
  const pending = new Map();
  w.onmessage = (e) => {
    const p = pending.get(e.data.id);
    pending.delete(e.data.id);
    if (e.data.error !== undefined) p.reject(new Error(e.data.error));
    else p.resolve(e.data.result);
  };
  w.onerror = (e) => {
    for (const p of pending.values()) p.reject(new Error(`worker: ${e.message}`));
    pending.clear();
  };
  const call = (op, ...args) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      w.postMessage({ id, op, args });
    });
  return { env: () => call("env"), call };
}

async function init() {
  const seqs = await fetch("mjpeg.json").then((r) => r.json());
  const threads = { main: await mainThread(), worker: worker() };
  const out = [];
  for (const [thread, t] of Object.entries(threads)) {
    const env = await t.env();
    for (const s of seqs) {
      const frames = await Promise.all(s.frames.map((f) => fetchBytes(`fixtures/jpeg/testdata/${f.file}`)));
      const r = await t.call("mjpegLoad", JSON.stringify(s), frames);
      if (r.error) throw new Error(`${thread}: bench.wasm: ${r.error}`);
      if (s.sources) {
        const src = await Promise.all(s.sources.map((u) => fetchBytes(u)));
        const err = await t.call("mjpegSources", r.id, src);
        if (err) throw new Error(`${thread}: ${err}`);
      }
      cases.push({ t, id: r.id });
      out.push({ thread, secure: env.secure, name: s.name, ways: r.ways, width: r.width, height: r.height, frames: r.frames });
    }
  }
  document.getElementById("status").textContent = `${out.length} cases loaded`;
  return out;
}

async function time(i, way, n) {
  const c = cases[i];
  return c.t.call("mjpegTime", c.id, way, n);
}

async function check(i, way) {
  const c = cases[i];
  return c.t.call("mjpegCheck", c.id, way);
}

window.mjpeg = { init, time, check };
