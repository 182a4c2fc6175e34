package spice

import "encoding/binary"

// reader walks a message body. The first out-of-bounds read records
// ErrShort and every later read returns zero, so Decode methods read all
// fields and check r.err once, the way bufio.Scanner reports errors.
type reader struct {
	body []byte // the whole message body: pointers are offsets into it
	off  int
	err  error
}

func newReader(body []byte) *reader { return &reader{body: body} }

// at returns a reader positioned at offset off of the same body, for
// following a pointer field.
func (r *reader) at(off uint32) *reader {
	n := &reader{body: r.body, off: int(off)}
	if uint64(off) > uint64(len(r.body)) {
		n.fail(FormatError("pointer past end of message"))
	}
	return n
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.off = len(r.body)
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.body)-r.off < n {
		r.fail(ErrShort)
		return nil
	}
	b := r.body[r.off : r.off+n]
	r.off += n
	return b
}

func (r *reader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) i16() int16 { return int16(r.u16()) }
func (r *reader) i32() int32 { return int32(r.u32()) }
func (r *reader) i64() int64 { return int64(r.u64()) }

// rest returns the bytes from the current position to the end of the body.
func (r *reader) rest() []byte {
	if r.err != nil {
		return nil
	}
	b := r.body[r.off:]
	r.off = len(r.body)
	return b
}

// count reads a u32 element count and checks that count elements of size
// bytes can still follow, so callers can allocate count elements safely.
func (r *reader) count32(size int) int {
	n := r.u32()
	if r.err == nil && uint64(n)*uint64(size) > uint64(len(r.body)-r.off) {
		r.fail(FormatError("element count exceeds message"))
		return 0
	}
	return int(n)
}

func (r *reader) count16(size int) int {
	n := r.u16()
	if r.err == nil && uint64(n)*uint64(size) > uint64(len(r.body)-r.off) {
		r.fail(FormatError("element count exceeds message"))
		return 0
	}
	return int(n)
}

func (r *reader) count8(size int) int {
	n := r.u8()
	if r.err == nil && uint64(n)*uint64(size) > uint64(len(r.body)-r.off) {
		r.fail(FormatError("element count exceeds message"))
		return 0
	}
	return int(n)
}

// Append-style little-endian writers for Encode methods.
func put8(b []byte, v uint8) []byte   { return append(b, v) }
func put16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func put32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func put64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
