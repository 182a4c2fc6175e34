package vdagent

import "encoding/binary"

// reader walks a message's data. The first out-of-bounds read records
// ErrShort and later reads return zero, so Decode methods read every field
// and check err once (as in package spice).
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = ErrShort
		r.off = len(r.b)
		return nil
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p
}

func (r *reader) u8() uint8 {
	if p := r.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if p := r.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if p := r.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if p := r.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (r *reader) rest() []byte {
	if r.err != nil {
		return nil
	}
	p := r.b[r.off:]
	r.off = len(r.b)
	return p
}

func (r *reader) left() int { return len(r.b) - r.off }

// selection reads the selection byte and its three reserved bytes, which
// precede clipboard messages when the peer has CapClipboardSelection.
func (r *reader) selection(peer Caps) uint8 {
	if !peer.Has(CapClipboardSelection) {
		return SelectionClipboard
	}
	s := r.take(4)
	if s == nil {
		return 0
	}
	return s[0]
}

func put8(b []byte, v uint8) []byte   { return append(b, v) }
func put16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func put32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func put64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

func putSelection(b []byte, sel uint8, peer Caps) []byte {
	if !peer.Has(CapClipboardSelection) {
		return b
	}
	return append(b, sel, 0, 0, 0)
}
