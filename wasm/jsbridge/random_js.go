package jsbridge

import (
	"errors"
	"syscall/js"
)

// cryptoRandom reads from the browser's crypto.getRandomValues, which
// exists in secure and insecure contexts alike (unlike crypto.subtle).
type cryptoRandom struct{}

// maxRandomRead is getRandomValues' limit per call (65536 bytes).
const maxRandomRead = 65536

func (cryptoRandom) Read(p []byte) (int, error) {
	c := js.Global().Get("crypto")
	if c.Type() != js.TypeObject {
		return 0, errors.New("the browser has no crypto.getRandomValues")
	}
	n := min(len(p), maxRandomRead)
	buf := js.Global().Get("Uint8Array").New(n)
	c.Call("getRandomValues", buf)
	js.CopyBytesToGo(p[:n], buf)
	return n, nil
}
