package vdagent

import "encoding/binary"

// The agent stream: messages (header and data) back to back, carried in
// AGENT_DATA of at most MaxDataSize bytes. The server forwards the
// agent's chunks as they come, so an AGENT_DATA may hold the end of one
// message and the start of the next, and a message may span many.

// DefaultMaxClipboard is the largest clipboard the client takes from the
// guest, announced with MAX_CLIPBOARD: the page copies it at least twice
// (Go, then JavaScript), and a browser tab is not the place for more.
const DefaultMaxClipboard = 16 << 20

// maxSmallMessage bounds every other message from the agent: the largest
// it sends besides CLIPBOARD are capabilities and statuses of a few bytes.
const maxSmallMessage = 64 << 10

// maxFileData bounds a FILE_XFER_DATA message.
const maxFileData = 1 << 20

// clipboardOverhead is a CLIPBOARD message's fields before its data.
const clipboardOverhead = 8

// Limit returns the largest data size the Reader keeps for type t, with
// maxClipboard the clipboard limit in force.
func Limit(t MsgType, maxClipboard int) int {
	switch t {
	case MsgClipboard:
		return maxClipboard + clipboardOverhead
	case MsgFileXferData:
		// Only clients send these; a peer playing the agent (tests,
		// tools) reads spice-gtk's 64 KiB pieces and ours.
		return maxFileData
	}
	return maxSmallMessage
}

// Incoming is one message the Reader put together. Data is only valid
// during the callback. Err is set, and Data nil, for a message the Reader
// skipped: larger than its limit (*TooLargeError), or of another protocol
// version (ProtocolError).
type Incoming struct {
	Header
	Data []byte
	Err  error
}

// Reader reassembles agent messages from AGENT_DATA payloads. Its memory
// is bounded by the limits: a message over its type's limit is skipped as
// it streams past, never gathered. The zero value is ready, with
// DefaultMaxClipboard.
type Reader struct {
	// MaxClipboard is the clipboard limit; 0 means DefaultMaxClipboard.
	MaxClipboard int

	hdr   [HeaderSize]byte
	nhdr  int    // header bytes gathered
	h     Header // valid once nhdr == HeaderSize
	data  []byte // data gathered of the current message
	skip  bool   // the current message is skipped
	left  uint32 // data bytes still to come
	fault error  // why the current message is skipped
}

// Feed consumes one AGENT_DATA payload and calls fn for every message it
// completes, in order. An error from fn stops Feed and is returned; the
// stream state is then undefined and the Reader should be Reset.
func (r *Reader) Feed(p []byte, fn func(Incoming) error) error {
	for len(p) > 0 {
		if r.nhdr < HeaderSize {
			n := copy(r.hdr[r.nhdr:], p)
			r.nhdr += n
			p = p[n:]
			if r.nhdr < HeaderSize {
				return nil
			}
			r.start()
		}
		n := min(uint32(len(p)), r.left)
		if !r.skip {
			r.data = append(r.data, p[:n]...)
		}
		p = p[n:]
		r.left -= n
		if r.left == 0 {
			if err := r.finish(fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Reader) start() {
	r.h = Header{
		Protocol: binary.LittleEndian.Uint32(r.hdr[0:]),
		Type:     MsgType(binary.LittleEndian.Uint32(r.hdr[4:])),
		Opaque:   binary.LittleEndian.Uint64(r.hdr[8:]),
		Size:     binary.LittleEndian.Uint32(r.hdr[16:]),
	}
	r.left = r.h.Size
	r.skip, r.fault = false, nil
	maxClip := r.MaxClipboard
	if maxClip <= 0 {
		maxClip = DefaultMaxClipboard
	}
	switch limit := Limit(r.h.Type, maxClip); {
	case r.h.Protocol != Protocol:
		r.skip, r.fault = true, ProtocolError(r.h.Protocol)
	case uint64(r.h.Size) > uint64(limit):
		r.skip, r.fault = true, &TooLargeError{Type: r.h.Type, Size: r.h.Size, Limit: limit}
	}
	r.data = r.data[:0]
}

func (r *Reader) finish(fn func(Incoming) error) error {
	in := Incoming{Header: r.h, Data: r.data, Err: r.fault}
	if r.skip {
		in.Data = nil
	}
	r.nhdr = 0
	err := fn(in)
	// Keep a small buffer for the next message; let a big one go.
	if cap(r.data) > maxSmallMessage {
		r.data = nil
	}
	r.data = r.data[:0]
	return err
}

// Pending reports whether a message has started and not completed.
func (r *Reader) Pending() bool { return r.nhdr > 0 }

// Reset drops any partial message (the agent went away mid-message).
func (r *Reader) Reset() {
	r.nhdr, r.left, r.skip, r.fault = 0, 0, false, nil
	r.data = nil
}

// Writer queues outgoing agent messages and hands them out as AGENT_DATA
// payloads: at most MaxDataSize bytes each, cut from one message only (the
// first holding its header, as spice-gtk cuts them), so that the server's
// per-chunk forwarding never mixes two messages.
type Writer struct {
	q      []outMsg
	off    int // bytes of q[0] handed out
	pieces int // payloads waiting, in all of q
	bytes  int // bytes waiting, in all of q
}

type outMsg struct {
	b   []byte
	tag uint32
}

func piecesOf(n int) int { return (n + MaxDataSize - 1) / MaxDataSize }

// Queue encodes m for a peer with caps and queues it. tag marks the
// message for Drop (file transfers use their id; 0 is no tag).
func (w *Writer) Queue(m Message, peer Caps, tag uint32) {
	b := AppendMessage(nil, m, peer)
	w.q = append(w.q, outMsg{b: b, tag: tag})
	w.pieces += piecesOf(len(b))
	w.bytes += len(b)
}

// Next returns the next payload, or nil when nothing waits. It stays
// valid until the next call that changes the Writer.
func (w *Writer) Next() []byte {
	if len(w.q) == 0 {
		return nil
	}
	m := w.q[0].b
	end := min(w.off+MaxDataSize, len(m))
	p := m[w.off:end]
	w.off = end
	w.pieces--
	w.bytes -= len(p)
	if end == len(m) {
		w.q[0] = outMsg{}
		w.q = w.q[1:]
		w.off = 0
		if len(w.q) == 0 {
			w.q = nil // let the backing array go
		}
	}
	return p
}

// Pieces is the number of payloads waiting; Bytes their total size.
func (w *Writer) Pieces() int { return w.pieces }
func (w *Writer) Bytes() int  { return w.bytes }

// Drop removes the queued messages tagged tag that have not started to go
// out (one that has must be finished, or the agent's stream breaks), and
// returns how many it removed.
func (w *Writer) Drop(tag uint32) int {
	if tag == 0 {
		return 0
	}
	n := 0
	kept := w.q[:0]
	for i, m := range w.q {
		if m.tag == tag && !(i == 0 && w.off > 0) {
			w.pieces -= piecesOf(len(m.b))
			w.bytes -= len(m.b)
			n++
			continue
		}
		kept = append(kept, m)
	}
	clear(w.q[len(kept):])
	w.q = kept
	return n
}

// Reset drops everything queued (the agent went away: the server drops
// what it had of ours too).
func (w *Writer) Reset() { *w = Writer{} }
