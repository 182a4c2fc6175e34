// Package webui holds the console page's TypeScript (src/) and no Go code.
// Its tests bundle the TypeScript with esbuild's Go API and run it: the unit
// tests (src/*.test.ts) under Node, and the page against a fake Go module
// (testdata/fake-go.js) in headless Chromium. Each skips with a message when
// its runtime is not installed. They are built only off js (//go:build !js):
// they run host tools, and chromedp does not build for js/wasm.
package webui
