// Decoder benchmark page: the bench package's Cases compiled to wasm
// (bench.wasm, bench/wasm/main.go) and spice-html5's own JavaScript
// decoders, loaded from the Debian package at /spice-html5/ exactly as
// spice-html5's page loads them (ES modules), fed the same fixtures.
//
// The page only times batches; e2e/bench_test.go decides how many
// iterations, repeats and compares. API on window.bench:
//   init()             load everything; resolves to one entry per fixture
//   time(i, impl, n)   milliseconds for n decodes of fixture i; impl "wasm" or "js"
//   check(i)           "" or why a repeated wasm decode differs from the first
//   jsImage(i)         spice-html5's last output for fixture i: {w, h, data (base64 RGBA)}

const html5 = "/spice-html5/";

// SPICE image types and QUIC/LZ stream types (spice.proto, enums.js),
// for building the image spice-html5 parses and naming what it lacks.
const IMAGE_BITMAP = 0, IMAGE_QUIC = 1, IMAGE_LZ_RGB = 101;
const quicTypes = { 1: "GRAY", 2: "RGB16", 3: "RGB24", 4: "RGB32", 5: "RGBA" };
const lzTypes = { 1: "PLT1_LE", 2: "PLT1_BE", 3: "PLT4_LE", 4: "PLT4_BE", 5: "PLT8", 6: "RGB16", 7: "RGB24", 8: "RGB32", 9: "RGBA", 10: "XXXA", 11: "A8" };

/** What spice-html5 cannot decode at all, by codec. */
const missing = {
  glz: "spice-html5 has no GLZ decoder (it announces no GLZ window, so servers send it LZ)",
  lz4: "spice-html5 has no LZ4 decoder",
  jpeg: "spice-html5 hands JPEG to an <img> element (asynchronous browser decode), not comparable",
};

let spice; // spice-html5's modules
let ctx2d; // a 2d context for createImageData, as spice-html5 uses its canvas's
const cases = [];

async function loadGo() {
  const go = new Go();
  const { instance } = await WebAssembly.instantiateStreaming(fetch("bench.wasm"), go.importObject);
  go.run(instance); // runs until main blocks, after it has set spicewebBench
  if (!globalThis.spicewebBench) throw new Error("bench.wasm did not install spicewebBench");
  return globalThis.spicewebBench;
}

async function loadSpiceHTML5() {
  const [types, view, quic, lz, bitmap] = await Promise.all(
    ["spicetype.js", "spicedataview.js", "quic.js", "lz.js", "bitmap.js"].map((f) => import(html5 + f)),
  );
  return {
    SpiceImage: types.SpiceImage,
    SpiceDataView: view.SpiceDataView,
    quicToWeb: quic.convert_spice_quic_to_web,
    lzToWeb: lz.convert_spice_lz_to_web,
    bitmapToWeb: bitmap.convert_spice_bitmap_to_web,
  };
}

async function fetchBytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/**
 * The wire form of a SpiceImage (spice.proto Image) around a payload, as
 * spice-html5 receives it in a draw_copy: descriptor (id u64, type u8,
 * flags u8, width u32, height u32), then the type's own fields.
 */
function spiceImage(type, w, h, head, payload) {
  const buf = new ArrayBuffer(18 + head.length + payload.length);
  const dv = new DataView(buf);
  dv.setUint8(8, type);
  dv.setUint32(10, w, true);
  dv.setUint32(14, h, true);
  const u8 = new Uint8Array(buf);
  u8.set(head, 18);
  u8.set(payload, 18 + head.length);
  return buf;
}

function u32le(...vs) {
  const b = new Uint8Array(4 * vs.length);
  const dv = new DataView(b.buffer);
  vs.forEach((v, i) => dv.setUint32(4 * i, v, true));
  return b;
}

/**
 * How spice-html5 decodes fixture f: a function doing what its display
 * channel does per image (parse the SpiceImage, convert it to ImageData),
 * or a string saying why it cannot.
 */
function html5Decoder(f, data) {
  if (missing[f.codec]) return missing[f.codec];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let mb, field, convert;
  switch (f.codec) {
    case "quic": {
      const t = view.getUint32(8, true);
      if (t !== 3 && t !== 4 && t !== 5) return `spice-html5 quic.js has no ${quicTypes[t] || t} output`;
      mb = spiceImage(IMAGE_QUIC, view.getUint32(12, true), view.getUint32(16, true), u32le(data.length), data);
      [field, convert] = ["quic", spice.quicToWeb];
      break;
    }
    case "lz": {
      const t = view.getUint32(8, false);
      if (f.palette) return `spice-html5 parses no LZ_PLT images (${lzTypes[t]})`;
      if (t !== 8 && t !== 9 && t !== 10) return `spice-html5 lz.js has no ${lzTypes[t] || t} output`;
      mb = spiceImage(IMAGE_LZ_RGB, view.getUint32(12, false), view.getUint32(16, false), u32le(data.length), data);
      [field, convert] = ["lz_rgb", spice.lzToWeb];
      break;
    }
    case "bitmap": {
      if (f.format !== 8 && f.format !== 9) return `spice-html5 bitmap.js has no format ${f.format}`;
      const head = new Uint8Array(18);
      head[0] = f.format;
      head[1] = f.topDown ? 4 : 0;
      head.set(u32le(f.width, f.height, f.stride, 0), 2); // palette offset 0: none
      mb = spiceImage(IMAGE_BITMAP, f.width, f.height, head, data);
      [field, convert] = ["bitmap", spice.bitmapToWeb];
      break;
    }
    default:
      return `unknown codec ${f.codec}`;
  }
  const decode = () => {
    const img = new spice.SpiceImage();
    img.from_dv(new spice.SpiceDataView(mb), 0, mb);
    const out = img[field] && convert(ctx2d, img[field]);
    if (!out) throw new Error(`spice-html5 returned no image for ${f.codec}/${f.name}`);
    return out;
  };
  try {
    decode();
  } catch (e) {
    return `spice-html5 failed: ${e instanceof Error ? e.message : e}`;
  }
  return decode;
}

async function init() {
  const [goBench, mods, fixtures] = await Promise.all([
    loadGo(),
    loadSpiceHTML5(),
    fetch("fixtures.json").then((r) => r.json()),
  ]);
  spice = mods;
  ctx2d = document.createElement("canvas").getContext("2d");
  const out = [];
  for (const f of fixtures) {
    const parts = await Promise.all(f.parts.map((p) => fetchBytes(`fixtures/${f.codec}/testdata/${p.file}`)));
    const r = goBench.load(JSON.stringify(f), parts);
    if (r.error) throw new Error(`bench.wasm: ${r.error}`);
    const js = parts.length === 1 ? html5Decoder(f, parts[0]) : missing[f.codec] || "spice-html5: sequences not supported";
    cases.push({ wasm: r.id, js: typeof js === "function" ? js : null, last: null });
    out.push({ id: `${f.codec}/${f.name}`, bytes: r.bytes, shape: r.shape, sum: r.sum, jsNote: typeof js === "string" ? js : "" });
  }
  document.getElementById("status").textContent = `${out.length} cases loaded`;
  return out;
}

function time(i, impl, n) {
  const c = cases[i];
  if (impl === "wasm") {
    const t0 = performance.now();
    const err = globalThis.spicewebBench.run(c.wasm, n);
    const t1 = performance.now();
    if (err) throw new Error(err);
    return t1 - t0;
  }
  if (impl !== "js" || !c.js) throw new Error(`case ${i} has no ${impl} decoder`);
  const decode = c.js;
  let last = null;
  const t0 = performance.now();
  for (let k = 0; k < n; k++) last = decode();
  const t1 = performance.now();
  c.last = last; // keeps the result observable
  return t1 - t0;
}

function check(i) {
  return globalThis.spicewebBench.check(cases[i].wasm);
}

function jsImage(i) {
  const c = cases[i];
  const img = c.last || c.js();
  let s = "";
  for (let k = 0; k < img.data.length; k += 0x8000) s += String.fromCharCode.apply(null, img.data.subarray(k, k + 0x8000));
  return { w: img.width, h: img.height, data: btoa(s) };
}

window.bench = { init, time, check, jsImage };
