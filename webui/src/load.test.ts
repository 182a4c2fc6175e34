import assert from "node:assert/strict";
import { test } from "node:test";
import { describeNonWasm, formatBytes, isGzip, isWasm, versionedModuleURL } from "./load";

test("module sniffing", () => {
  const gz = Uint8Array.of(0x1f, 0x8b, 8, 0);
  const wasm = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0);
  assert.equal(isGzip(gz), true);
  assert.equal(isGzip(wasm), false);
  assert.equal(isGzip(Uint8Array.of(0x1f)), false);
  assert.equal(isWasm(wasm), true);
  assert.equal(isWasm(gz), false);
  assert.equal(isWasm(new Uint8Array(0)), false);
});

test("describeNonWasm", () => {
  const html = new TextEncoder().encode("\n  <!DOCTYPE html><html><title>404 Not Found</title>");
  assert.match(describeNonWasm(html), /web page instead of the client module/);
  assert.match(describeNonWasm(Uint8Array.of(1, 2, 3)), /damaged/);
});

test("formatBytes", () => {
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(2500), "3 kB");
  assert.equal(formatBytes(3_400_000), "3.4 MB");
});

test("versionedModuleURL", () => {
  const base = "https://console.example/spice/spice_auto.html?token=x";
  assert.equal(versionedModuleURL("app.wasm.gz", "0123abcd", base), "https://console.example/spice/app.wasm?v=0123abcd");
  assert.equal(versionedModuleURL("https://cdn.example/c/app.wasm.gz?x=1", "v1", base), "https://cdn.example/c/app.wasm?v=v1");
  assert.equal(versionedModuleURL("app.wasm.gz", "", base), null, "an unversioned build never reads a possibly stale cache");
  assert.equal(versionedModuleURL("client.bin", "v1", base), null);
});
