package jsbridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"syscall/js"
)

// WebSocket adapts the browser's WebSocket to io.ReadWriteCloser: a byte
// stream, since SPICE messages do not line up with websocket frames.
// Browser callbacks only append to a buffer and signal; Read blocks the
// calling goroutine, never the JavaScript event loop.
type WebSocket struct {
	ws  js.Value
	fns []js.Func

	mu     sync.Mutex
	buf    []byte // received, unread bytes are buf[r:]
	r      int
	err    error // set once the socket is closed or failed
	signal chan struct{}

	opened chan struct{}
}

// DialWebSocket opens a websocket to url offering protocol ("" for none)
// and waits until it is open.
func DialWebSocket(ctx context.Context, url, protocol string) (*WebSocket, error) {
	ctor := js.Global().Get("WebSocket")
	var ws js.Value
	var openErr error
	func() {
		// The constructor throws a SyntaxError for a malformed URL.
		defer func() {
			if r := recover(); r != nil {
				openErr = fmt.Errorf("websocket: %v", r)
			}
		}()
		if protocol == "" {
			ws = ctor.New(url)
		} else {
			ws = ctor.New(url, protocol)
		}
	}()
	if openErr != nil {
		return nil, openErr
	}
	ws.Set("binaryType", "arraybuffer")
	w := &WebSocket{ws: ws, signal: make(chan struct{}, 1), opened: make(chan struct{})}

	w.on("open", func(js.Value) { close(w.opened) })
	w.on("message", func(ev js.Value) {
		data := ev.Get("data")
		if data.Type() != js.TypeObject {
			return // text frames are not part of the protocol
		}
		u8 := js.Global().Get("Uint8Array").New(data)
		n := u8.Length()
		w.mu.Lock()
		if w.r == len(w.buf) {
			w.buf, w.r = w.buf[:0], 0
		} else if w.r > len(w.buf)/2 {
			w.buf = w.buf[:copy(w.buf, w.buf[w.r:])]
			w.r = 0
		}
		start := len(w.buf)
		w.buf = slices.Grow(w.buf, n)[:start+n]
		js.CopyBytesToGo(w.buf[start:], u8)
		w.mu.Unlock()
		w.wake()
	})
	w.on("close", func(ev js.Value) {
		code := ev.Get("code").Int()
		reason := ev.Get("reason").String()
		w.fail(closeError(code, reason))
	})
	w.on("error", func(js.Value) {
		// The browser hides error details from scripts; the close event
		// that always follows carries the code.
	})

	select {
	case <-w.opened:
		return w, nil
	case <-w.signal:
		w.mu.Lock()
		err := w.err
		w.mu.Unlock()
		w.Close()
		if err == nil {
			err = errors.New("websocket closed before opening")
		}
		return nil, fmt.Errorf("cannot open websocket %s: %w", url, err)
	case <-ctx.Done():
		w.Close()
		return nil, ctx.Err()
	}
}

func (w *WebSocket) on(event string, f func(js.Value)) {
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		f(args[0])
		return nil
	})
	w.fns = append(w.fns, fn)
	w.ws.Call("addEventListener", event, fn)
}

func (w *WebSocket) wake() {
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

func (w *WebSocket) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.wake()
}

// closeError turns a close event into the error readers see. A normal
// close is io.EOF; anything else keeps the browser's code for diagnosis.
func closeError(code int, reason string) error {
	if code == 1000 || code == 1005 {
		return io.EOF
	}
	if reason != "" {
		return fmt.Errorf("websocket closed (code %d: %s)", code, reason)
	}
	if code == 1006 {
		// Abnormal closure: no close frame, which includes a proxy that
		// dropped the TCP connection.
		return io.EOF
	}
	return fmt.Errorf("websocket closed (code %d)", code)
}

// Read implements io.Reader.
func (w *WebSocket) Read(p []byte) (int, error) {
	for {
		w.mu.Lock()
		if w.r < len(w.buf) {
			n := copy(p, w.buf[w.r:])
			w.r += n
			w.mu.Unlock()
			return n, nil
		}
		err := w.err
		w.mu.Unlock()
		if err != nil {
			return 0, err
		}
		<-w.signal
	}
}

// Buffered reports how many received bytes are waiting to be read, so the
// session can present a frame when it has caught up with the stream.
func (w *WebSocket) Buffered() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.buf) - w.r
}

// Write implements io.Writer. The browser queues the data; send never blocks.
func (w *WebSocket) Write(p []byte) (int, error) {
	w.mu.Lock()
	err := w.err
	w.mu.Unlock()
	if err != nil {
		return 0, err
	}
	u8 := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(u8, p)
	w.ws.Call("send", u8)
	return len(p), nil
}

// Close closes the socket and releases the callbacks.
func (w *WebSocket) Close() error {
	w.mu.Lock()
	if w.fns == nil {
		w.mu.Unlock()
		return nil
	}
	fns := w.fns
	w.fns = nil
	if w.err == nil {
		w.err = io.ErrClosedPipe
	}
	w.mu.Unlock()
	w.ws.Call("close")
	// Removing the listeners before releasing them keeps a late event
	// from calling a released function.
	w.removeListeners(fns)
	w.wake()
	return nil
}

func (w *WebSocket) removeListeners(fns []js.Func) {
	events := []string{"open", "message", "close", "error"}
	for i, fn := range fns {
		w.ws.Call("removeEventListener", events[i], fn)
		fn.Release()
	}
}
