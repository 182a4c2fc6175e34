//go:build js && wasm

// Command wasm is the decoder benchmark compiled to WebAssembly: the
// bench package's Cases, driven by bench/web/bench.js. It installs
// globalThis.spicewebBench and waits forever:
//
//	load(descriptor JSON, [Uint8Array per part]) -> {id, bytes, shape, sum} | {error}
//	run(id, n) -> "" or an error message     n decodes, timed by the caller
//	check(id) -> "" or an error message      one more decode, compared with the first
//
// Timing is left to the page (performance.now around run) so that the Go
// and JavaScript decoders are timed by the same clock. mjpeg.go adds the
// MJPEG benchmark's functions (bench/web/mjpeg.js).
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"spiceweb/bench"
)

func main() {
	var cases []*bench.Case
	get := func(v js.Value) (*bench.Case, error) {
		id := v.Int()
		if id < 0 || id >= len(cases) {
			return nil, fmt.Errorf("no case %d", id)
		}
		return cases[id], nil
	}
	load := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 2 {
			return errorObject(fmt.Errorf("load wants (descriptor, parts)"))
		}
		var f bench.Fixture
		if err := json.Unmarshal([]byte(args[0].String()), &f); err != nil {
			return errorObject(err)
		}
		parts := args[1]
		if parts.Length() != len(f.Parts) {
			return errorObject(fmt.Errorf("%s: %d parts in the descriptor, %d arrays", f.ID(), len(f.Parts), parts.Length()))
		}
		for i := range f.Parts {
			a := parts.Index(i)
			f.Parts[i].Data = make([]byte, a.Length())
			js.CopyBytesToGo(f.Parts[i].Data, a)
		}
		c, err := bench.NewCase(&f)
		if err != nil {
			return errorObject(err)
		}
		cases = append(cases, c)
		return map[string]any{
			"id":    len(cases) - 1,
			"bytes": c.Bytes,
			"shape": c.Shape,
			"sum":   fmt.Sprintf("%08x", c.Sum()),
		}
	})
	run := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 2 {
			return "run wants (id, n)"
		}
		c, err := get(args[0])
		if err == nil {
			err = c.Run(args[1].Int())
		}
		return errorString(err)
	})
	check := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 1 {
			return "check wants (id)"
		}
		c, err := get(args[0])
		if err == nil {
			err = c.Check()
		}
		return errorString(err)
	})
	// The functions live as long as the program, so they are never
	// released.
	api := map[string]any{"load": load, "run": run, "check": check}
	installMJPEG(api)
	js.Global().Set("spicewebBench", api)
	select {}
}

func errorObject(err error) map[string]any { return map[string]any{"error": err.Error()} }

func errorString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
