package jsbridge

import (
	"context"
	"errors"
	"io"
	"syscall/js"

	"spiceweb/wasm/internal/errfmt"
)

// socket adapts a GoSocket (webui/src/sockets.ts) to io.ReadWriteCloser: a
// byte stream, since SPICE messages do not line up with websocket frames.
// The page queues incoming messages; Read takes all of them with one call
// and, when none are waiting, blocks its goroutine (never the event loop)
// until the page's wake callback says more came.
type socket struct {
	v      js.Value
	read   js.Value // v.read and v.send, bound once: Invoke passes no
	send   js.Value // method name, which costs a string decode per call
	wakeFn js.Func
	signal chan struct{}

	buf    []byte // received, unread bytes are buf[r:]
	r      int
	err    error // set once the socket is closed or failed
	closed bool
}

// uint8Array is the Uint8Array constructor, looked up once.
var uint8Array = js.Global().Get("Uint8Array")

// dialSocket takes a socket from the pool and waits until it is open.
func dialSocket(ctx context.Context, pool js.Value) (*socket, error) {
	s := &socket{signal: make(chan struct{}, 1)}
	s.wakeFn = js.FuncOf(func(js.Value, []js.Value) any {
		counters.callbacks++
		select {
		case s.signal <- struct{}{}:
		default:
		}
		return nil
	})
	s.v = pool.Call("take", s.wakeFn)
	s.read = s.v.Get("read").Call("bind", s.v)
	s.send = s.v.Get("send").Call("bind", s.v)
	for {
		switch s.v.Get("state").String() {
		case "open":
			return s, nil
		case "closed":
			if code := s.v.Get("closeCode").Int(); code == 1000 || code == 1005 || code == 1008 {
				// A close frame: the websocket did open, and the proxy
				// closed it before Go looked (the page can see both
				// events in one task). Hand it over; the first read
				// ends it, which the session reports as a refusal.
				return s, nil
			}
			err := s.closeError()
			s.Close()
			return nil, errfmt.Wrap("cannot open the websocket", err)
		}
		s.read.Invoke() // nothing can be waiting yet; this arms the wake
		select {
		case <-s.signal:
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		}
	}
}

// closeError turns the socket's close code into the error readers see. A
// normal close is io.EOF; anything else keeps the browser's code.
func (s *socket) closeError() error {
	code := s.v.Get("closeCode").Int()
	reason := s.v.Get("closeReason").String()
	if code == 1000 || code == 1005 {
		return io.EOF
	}
	if code == 1008 {
		// Policy violation: how serve/ refuses a console (bad token,
		// origin, target). Before any byte the session reports it as
		// it reports nova's refusal, a close without a word
		// (session.ErrProxyRefused).
		return io.EOF
	}
	if reason != "" {
		return errors.New("websocket closed (code " + errfmt.Int(code) + ": " + reason + ")")
	}
	if code == 1006 {
		// Abnormal closure: no close frame, which includes a proxy that
		// dropped the TCP connection.
		return io.EOF
	}
	return errors.New("websocket closed (code " + errfmt.Int(code) + ")")
}

// Read implements io.Reader.
func (s *socket) Read(p []byte) (int, error) {
	for {
		if s.r < len(s.buf) {
			n := copy(p, s.buf[s.r:])
			s.r += n
			return n, nil
		}
		if s.err != nil {
			return 0, s.err
		}
		if s.closed {
			return 0, io.ErrClosedPipe
		}
		counters.calls++
		u8 := s.read.Invoke()
		switch u8.Type() {
		case js.TypeNull: // nothing yet: the page wakes us
			<-s.signal
			continue
		case js.TypeBoolean: // closed, and everything read
			s.err = s.closeError()
			continue
		}
		counters.calls += 2
		n := u8.Length()
		if cap(s.buf) < n || cap(s.buf) > 4<<20 && n < 64<<10 {
			// Grow for a big batch; give back what an occasional huge
			// one took.
			s.buf = make([]byte, n, max(n, 64<<10))
		}
		s.buf = s.buf[:n]
		s.r = 0
		js.CopyBytesToGo(s.buf, u8)
	}
}

// Buffered reports how many received bytes Read holds.
func (s *socket) Buffered() int { return len(s.buf) - s.r }

// Write implements io.Writer: one websocket message per call (the session
// batches its messages). The browser queues it; send never blocks.
func (s *socket) Write(p []byte) (int, error) {
	if s.closed {
		return 0, io.ErrClosedPipe
	}
	if s.err != nil {
		return 0, s.err
	}
	counters.calls += 3
	u8 := uint8Array.New(len(p))
	js.CopyBytesToJS(u8, p)
	s.send.Invoke(u8)
	return len(p), nil
}

// Close closes the socket and releases the wake callback; a blocked Read
// returns io.ErrClosedPipe.
func (s *socket) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.v.Call("close") // the page calls wake no more after this
	s.wakeFn.Release()
	select {
	case s.signal <- struct{}{}:
	default:
	}
	return nil
}
