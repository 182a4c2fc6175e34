package session

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

// gateWriter records writes; each Write waits for a token on gate first.
type gateWriter struct {
	gate   chan struct{}
	mu     sync.Mutex
	writes [][]byte
	err    error
}

func (w *gateWriter) Write(p []byte) (int, error) {
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), w.err
}

func (w *gateWriter) snapshot() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.writes...)
}

func appendByte(b byte) func([]byte) []byte {
	return func(dst []byte) []byte { return append(dst, b) }
}

func waitDone(t *testing.T, q *sendQueue) {
	t.Helper()
	select {
	case <-q.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the writer did not stop")
	}
}

// TestSendQueueBatches: what is queued while a write is under way goes
// out in the next single write, in order.
func TestSendQueueBatches(t *testing.T) {
	w := &gateWriter{gate: make(chan struct{})}
	q := newSendQueue()
	go q.run(w, func() {})
	if err := q.add(appendByte(0)); err != nil {
		t.Fatal(err)
	}
	// Let the writer pick up message 0 and block in Write, then queue more.
	time.Sleep(10 * time.Millisecond)
	for i := 1; i <= 9; i++ {
		if err := q.add(appendByte(byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	w.gate <- struct{}{} // message 0
	w.gate <- struct{}{} // everything else
	deadline := time.Now().Add(5 * time.Second)
	for len(w.snapshot()) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	q.close()
	waitDone(t, q)
	got := w.snapshot()
	want := [][]byte{{0}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}
	if len(got) != len(want) || !bytes.Equal(got[0], want[0]) || !bytes.Equal(got[1], want[1]) {
		t.Errorf("writes %v, want %v", got, want)
	}
}

// TestSendQueueOverflow: a peer that stops reading ends the queue with a
// clear error instead of growing it without bound.
func TestSendQueueOverflow(t *testing.T) {
	w := &gateWriter{gate: make(chan struct{})}
	q := newSendQueue()
	go q.run(w, func() {})
	q.add(appendByte(0))
	time.Sleep(10 * time.Millisecond) // the writer is now stuck in Write
	chunk := make([]byte, 4<<20)
	var err error
	for i := 0; i < 5 && err == nil; i++ {
		err = q.add(func(dst []byte) []byte { return append(dst, chunk...) })
	}
	if !errors.Is(err, errSendOverflow) {
		t.Fatalf("after 20 MiB queued: %v, want errSendOverflow", err)
	}
	if err := q.add(appendByte(1)); !errors.Is(err, errSendOverflow) {
		t.Errorf("a later send: %v, want errSendOverflow", err)
	}
	close(w.gate)
	waitDone(t, q)
}

// TestSendQueueWriteError: a failed write ends the queue, calls fail (so
// the connection closes), and later sends return the error.
func TestSendQueueWriteError(t *testing.T) {
	w := &gateWriter{gate: make(chan struct{}), err: io.ErrClosedPipe}
	close(w.gate)
	q := newSendQueue()
	failed := make(chan struct{})
	go q.run(w, func() { close(failed) })
	q.add(appendByte(0))
	select {
	case <-failed:
	case <-time.After(5 * time.Second):
		t.Fatal("fail was not called")
	}
	waitDone(t, q)
	if err := q.add(appendByte(1)); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("send after a failed write: %v, want the write's error", err)
	}
}

// TestSendQueueClose: close stops the writer and later sends fail.
func TestSendQueueClose(t *testing.T) {
	w := &gateWriter{gate: make(chan struct{})}
	close(w.gate)
	q := newSendQueue()
	go q.run(w, func() {})
	q.close()
	waitDone(t, q)
	if err := q.add(appendByte(1)); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("send after close: %v, want io.ErrClosedPipe", err)
	}
}
