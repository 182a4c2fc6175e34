//go:build js && wasm

// Command wasm is the browser SPICE client: it installs the API object the
// page uses (globalThis.spicewebGo) and then waits forever, since the
// sessions run on goroutines driven by browser events.
package main

import "spiceweb/wasm/jsbridge"

func main() {
	jsbridge.Install()
	select {}
}
