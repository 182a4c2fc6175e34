module spiceweb

go 1.26

require (
	github.com/chromedp/chromedp v0.23.0 // drives headless Chromium in e2e/ (tests only)
	github.com/coder/websocket v1.8.15 // websocket proxy in serve/
	github.com/evanw/esbuild v0.28.2 // bundles webui/ (build tool, webui tests)
	github.com/pierrec/lz4/v4 v4.1.33 // reference LZ4 decoder for wasm/codec/lz4 tests (package-notes.md)
)

require (
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect
)
