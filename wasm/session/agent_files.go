package session

import (
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/vdagent"
)

// File transfer to the guest (spice-gtk's spice-file-transfer-task.c):
// files queue and go one at a time. START names the file; the agent
// answers CAN_SEND_DATA, then the file streams in DATA pieces read from
// its source as the server's token window drains, so at most a piece and
// fileLowWater AGENT_DATA of it are in memory whatever its size; the
// agent's final STATUS ends it.

const (
	// filePiece is what one read from the source and one DATA message
	// carry: just under 64 KiB (spice-gtk reads 64 KiB), so that the
	// message with its two headers fills exactly fileLowWater AGENT_DATA
	// of 2048 bytes; 64 KiB of data would need a 33rd AGENT_DATA of 32
	// bytes, and so 3% more tokens and round trips.
	filePiece = fileLowWater*vdagent.MaxDataSize - vdagent.HeaderSize - 12
	// fileLowWater: the next piece is read once fewer AGENT_DATA than
	// this wait for tokens (one piece's worth).
	fileLowWater = 32
	// maxQueuedFiles bounds the queue a page can build.
	maxQueuedFiles = 1024
	// progressEvery is the longest time between two "sending" reports.
	progressEvery = 250 * time.Millisecond
)

type xfer struct {
	id      int
	agentID uint32
	src     FileSource
	name    string
	size    int64
	sent    int64
	started bool          // START went out
	sending bool          // the agent said CAN_SEND_DATA
	ended   bool          // finished one way or another
	done    chan struct{} // closed when ended
	lastPct int64
	lastAt  time.Time
}

type fileQueue struct {
	q      []*xfer // in order; q[0] is the one started, if any
	nextID uint32  // the agent's id for the next transfer
}

func (c *Client) agentSink() AgentSink {
	if s, ok := c.cfg.Sink.(AgentSink); ok {
		return s
	}
	return nopAgentSink{}
}

// SendFile queues src to be sent to the guest as name; id is the caller's
// and comes back in FileProgress.
func (c *Client) SendFile(id int, src FileSource, name string) {
	a := c.agentFor()
	if a == nil {
		c.agentSink().FileProgress(id, FileFailed, 0, src.Size(), "the guest agent is not connected")
		return
	}
	a.mu.Lock()
	defer a.unlock()
	fail := func(msg string) { a.later(func() { a.sink.FileProgress(id, FileFailed, 0, src.Size(), msg) }) }
	switch {
	case !a.connected || a.closed:
		fail("the guest agent is not connected")
		return
	case a.capsKnown && a.caps.Has(vdagent.CapFileXferDisabled):
		fail("the host has disabled file transfer")
		return
	case src.Size() < 0:
		fail("the file's size is unknown")
		return
	case len(a.files.q) >= maxQueuedFiles:
		fail("too many files are waiting")
		return
	}
	for _, x := range a.files.q {
		if x.id == id {
			fail("a file with this id is already queued")
			return
		}
	}
	x := &xfer{id: id, src: src, name: guestFileName(name), size: src.Size(), done: make(chan struct{}), lastPct: -1}
	a.files.q = append(a.files.q, x)
	a.later(func() { a.sink.FileProgress(id, FileQueued, 0, x.size, "") })
	a.files.next(a)
}

// CancelFile cancels a queued or running transfer.
func (c *Client) CancelFile(id int) {
	a := c.agentFor()
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.unlock()
	for _, x := range a.files.q {
		if x.id == id {
			if x.started {
				a.queue(&vdagent.FileXferStatus{ID: x.agentID, Result: vdagent.XferCancelled}, 0)
			}
			a.files.finish(a, x, FileCancelled, "")
			return
		}
	}
}

// guestFileName makes a name the agent can save: no directories, no
// control characters, valid UTF-8 of at most MaxXferName bytes.
func guestFileName(name string) string {
	out := make([]byte, 0, min(len(name), vdagent.MaxXferName))
	for _, r := range name { // invalid UTF-8 comes as RuneError
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f || r == utf8.RuneError {
			r = '_'
		}
		if len(out)+utf8.RuneLen(r) > vdagent.MaxXferName {
			break
		}
		out = utf8.AppendRune(out, r)
	}
	if n := string(out); n != "" && n != "." && n != ".." {
		return n
	}
	return "file"
}

// next starts the first transfer if none runs; called with mu held.
func (f *fileQueue) next(a *agent) {
	for len(f.q) > 0 && !f.q[0].started && a.ready() {
		x := f.q[0]
		if a.caps.Has(vdagent.CapFileXferDisabled) {
			f.finish(a, x, FileFailed, "the host has disabled file transfer")
			continue
		}
		x.started = true
		x.agentID = f.nextID
		f.nextID++
		a.queue(&vdagent.FileXferStart{ID: x.agentID, Name: x.name, Size: uint64(x.size)}, x.agentID)
		f.progress(a, x, true)
	}
}

// progress reports sending at most every 1% or progressEvery; called with
// mu held.
func (f *fileQueue) progress(a *agent, x *xfer, force bool) {
	pct := int64(100)
	if x.size > 0 {
		pct = x.sent * 100 / x.size
	}
	now := time.Now()
	if !force && pct == x.lastPct && now.Sub(x.lastAt) < progressEvery {
		return
	}
	x.lastPct, x.lastAt = pct, now
	id, sent, size := x.id, x.sent, x.size
	a.later(func() { a.sink.FileProgress(id, FileSending, sent, size, "") })
}

// finish ends x and starts the next; called with mu held.
func (f *fileQueue) finish(a *agent, x *xfer, st FileState, msg string) {
	if x.ended {
		return
	}
	x.ended = true
	close(x.done)
	for i, y := range f.q {
		if y == x {
			f.q = append(f.q[:i], f.q[i+1:]...)
			break
		}
	}
	if x.started {
		a.w.Drop(x.agentID)
	}
	id, sent, size := x.id, x.sent, x.size
	if st == FileDone {
		sent = size
	}
	a.later(func() { a.sink.FileProgress(id, st, sent, size, msg) })
	f.next(a)
}

// failAll ends every transfer (the agent or the session went away).
func (f *fileQueue) failAll(a *agent, why string) {
	for len(f.q) > 0 {
		x := f.q[0]
		x.started = false // nothing to drop or stop: the writer is reset
		f.q = f.q[1:]
		x.ended = true
		close(x.done)
		id, sent, size := x.id, x.sent, x.size
		a.later(func() { a.sink.FileProgress(id, FileFailed, sent, size, why) })
	}
}

// xferStatus: the agent's answer about a transfer.
func (a *agent) xferStatus(m *vdagent.FileXferStatus) {
	var x *xfer
	if q := a.files.q; len(q) > 0 && q[0].started && q[0].agentID == m.ID {
		x = q[0]
	}
	if x == nil {
		a.log("debug", "guest agent: status "+errfmt.Int(m.Result)+" for file transfer "+errfmt.Int(m.ID)+", which is not running")
		return
	}
	switch m.Result {
	case vdagent.XferCanSendData:
		if !x.sending {
			x.sending = true
			go a.pump(x)
		}
	case vdagent.XferSuccess:
		a.files.finish(a, x, FileDone, "")
	default:
		a.files.finish(a, x, FileFailed, xferMessage(m, x.size))
	}
}

// xferMessage says in words why the agent stopped a transfer.
func xferMessage(m *vdagent.FileXferStatus, size int64) string {
	switch m.Result {
	case vdagent.XferCancelled:
		return "the guest cancelled the transfer"
	case vdagent.XferError:
		if code, ok := m.IOError(); ok {
			return "the guest could not save the file (I/O error " + errfmt.Int(code) + ")"
		}
		return "the guest could not save the file"
	case vdagent.XferNotEnoughSpace:
		if free, ok := m.FreeSpace(); ok {
			return "not enough space in the guest (" + sizeText(free) + " free, " + sizeText(uint64(size)) + " needed)"
		}
		return "not enough space in the guest"
	case vdagent.XferSessionLocked:
		return "the guest's session is locked: unlock it and try again"
	case vdagent.XferVDAgentNotConnected:
		return "the agent of the guest's desktop session is not running"
	case vdagent.XferDisabled:
		return "file transfer is disabled in the guest"
	}
	return "the guest answered with unknown status " + errfmt.Int(m.Result)
}

func sizeText(n uint64) string {
	switch {
	case n >= 10<<30:
		return errfmt.Int(n>>30) + " GiB"
	case n >= 10<<20:
		return errfmt.Int(n>>20) + " MiB"
	case n >= 10<<10:
		return errfmt.Int(n>>10) + " KiB"
	}
	return errfmt.Int(n) + " bytes"
}

// pump streams x's data to the agent: it reads a piece when the queue of
// AGENT_DATA has drained below fileLowWater, so memory stays bounded.
func (a *agent) pump(x *xfer) {
	buf := make([]byte, min(int64(filePiece), x.size))
	var off int64
	for {
		// Wait for room in the server's window.
		for {
			a.mu.Lock()
			ended, full := x.ended, a.w.Pieces() >= fileLowWater
			a.mu.Unlock()
			if ended {
				return
			}
			if !full {
				break
			}
			select {
			case <-a.room:
			case <-x.done:
				return
			}
		}
		n := min(int64(len(buf)), x.size-off)
		k, err := x.src.ReadAt(buf[:n], off)
		if int64(k) == n && errors.Is(err, io.EOF) {
			err = nil
		} else if int64(k) < n && err == nil {
			err = io.ErrUnexpectedEOF
		}
		a.mu.Lock()
		if x.ended {
			a.unlock()
			return
		}
		if err != nil {
			a.queue(&vdagent.FileXferStatus{ID: x.agentID, Result: vdagent.XferError}, 0)
			a.files.finish(a, x, FileFailed, "cannot read the file: "+err.Error())
			a.unlock()
			return
		}
		a.queue(&vdagent.FileXferData{ID: x.agentID, Data: buf[:n]}, x.agentID)
		off += n
		x.sent = off
		a.files.progress(a, x, false)
		last := off >= x.size
		a.unlock()
		if last {
			return // the agent's STATUS ends it
		}
	}
}
