// The MJPEG benchmark in a dedicated worker, where the client will run:
// bench.wasm loaded as on the page, its spicewebBench functions called
// by message. Request {id, op, args}; reply {id, result} or {id, error}.
importScripts("wasm_exec.js");

const api = (async () => {
  const go = new Go();
  const { instance } = await WebAssembly.instantiateStreaming(fetch("bench.wasm"), go.importObject);
  go.run(instance); // returns once main blocks, after it has set spicewebBench
  if (!globalThis.spicewebBench) throw new Error("bench.wasm did not install spicewebBench");
  return globalThis.spicewebBench;
})();

onmessage = async (e) => {
  const { id, op, args } = e.data;
  try {
    if (op === "env") {
      postMessage({ id, result: { secure: self.isSecureContext, imageDecoder: typeof ImageDecoder === "function" } });
      return;
    }
    const b = await api;
    const result = await b[op](...args);
    postMessage({ id, result });
  } catch (err) {
    postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
