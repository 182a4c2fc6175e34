package session

import (
	"errors"
	"io"
	"sync"
)

// maxPendingSend bounds what a channel may have waiting to be written: a
// connection that stops taking data (natively a blocked TCP write) must
// not let the queue grow without limit.
const maxPendingSend = 16 << 20

// errSendOverflow ends a channel whose peer stopped reading.
var errSendOverflow = errors.New("the connection is not taking data: more than 16 MiB waiting to be sent")

// sendQueue gathers a channel's outgoing messages and writes them in
// batches: senders append to a buffer and a writer goroutine writes all
// that has gathered, in one Write, each time it runs.
//
// In the browser Go runs on one thread, and a woken goroutine runs only
// once the running one blocks. So the ACKs, PONGs and input a turn of the
// event loop produces leave in one websocket send per channel, instead of
// one send (and one JS call) each. Natively batches are just smaller.
type sendQueue struct {
	mu      sync.Mutex
	pending []byte
	err     error // first write error, or errSendOverflow; final
	closed  bool
	wake    chan struct{} // capacity 1: something to write, or closed
	done    chan struct{} // closed when run returns
}

func newSendQueue() *sendQueue {
	return &sendQueue{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// add appends one message with appendMsg under the queue's lock (which
// also orders the framing serials) and wakes the writer. It returns the
// error that ended the queue, if any.
func (q *sendQueue) add(appendMsg func(dst []byte) []byte) error {
	q.mu.Lock()
	if q.err != nil {
		err := q.err
		q.mu.Unlock()
		return err
	}
	if q.closed {
		q.mu.Unlock()
		return io.ErrClosedPipe
	}
	q.pending = appendMsg(q.pending)
	if len(q.pending) > maxPendingSend {
		q.err = errSendOverflow
		q.pending = nil
	}
	err := q.err
	q.mu.Unlock()
	q.signal()
	return err
}

func (q *sendQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run writes batches to w until close is called or a write fails; on
// failure it records the error and calls fail (which closes the
// connection, so that the channel's reader ends too).
func (q *sendQueue) run(w io.Writer, fail func()) {
	defer close(q.done)
	var spare []byte
	for range q.wake {
		q.mu.Lock()
		batch := q.pending
		q.pending = spare[:0]
		closed := q.closed || q.err != nil
		q.mu.Unlock()
		if closed {
			return
		}
		if len(batch) == 0 {
			spare = batch
			continue
		}
		if _, err := w.Write(batch); err != nil {
			q.mu.Lock()
			if q.err == nil {
				q.err = err
			}
			q.mu.Unlock()
			fail()
			return
		}
		// Keep the buffer for the next batch unless an occasional big
		// message grew it.
		if cap(batch) <= 64<<10 {
			spare = batch
		} else {
			spare = nil
		}
	}
}

// close stops the writer; what has not been written is dropped.
func (q *sendQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}
