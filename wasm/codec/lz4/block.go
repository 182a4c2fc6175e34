package lz4

import "encoding/binary"

var le = binary.LittleEndian

// The LZ4 block format (lz4_Block_format.md in the lz4 repository): a
// block is a run of sequences. Each sequence is a token byte whose high
// nibble is the literal count and low nibble the match length minus 4
// (the minimum match), extended by bytes while they are 255 when the
// nibble is 15; then the literals; then, except in the last sequence, a
// 16-bit little-endian offset back into the output (1 to 65535) and the
// match length's extension bytes. A match may overlap the bytes it
// produces, which repeats the last offset bytes.

// minMatch is the match length a low nibble of 0 stands for.
const minMatch = 4

// inflateBlock decodes the LZ4 block src into out[pos:], the bytes before
// pos being the output of earlier blocks of the stream, which matches may
// copy from (LZ4_decompress_safe_continue over one contiguous buffer: an
// offset of at most 65535 never reaches further back than the 64 KiB
// history). It returns the position after the block's output, or ok false
// when the block is corrupt: a length or offset that leaves src, out or
// the history.
//
// Like the library this replaces (github.com/pierrec/lz4/v4), it accepts
// a block that ends right after a match instead of with a literal-only
// sequence; every position is checked before it is used, so no input can
// make it panic or write outside out[pos:].
func inflateBlock(src, out []byte, pos int) (end int, ok bool) {
	ip, op := 0, pos
	for ip < len(src) {
		token := src[ip]
		ip++

		n := int(token >> 4)
		if n == 15 {
			if n, ip, ok = extendLen(src, ip, n); !ok {
				return 0, false
			}
		}
		if n > len(src)-ip || n > len(out)-op {
			return 0, false
		}
		if n <= 16 && len(src)-ip >= 16 && len(out)-op >= 16 {
			// Short runs dominate. copy would call memmove, which on
			// wasm costs more than the move itself; two 8-byte loads
			// and stores are four instructions. (A [16]byte
			// assignment also becomes a memmove call there, and a
			// helper function is too big to be inlined.) The bytes
			// moved past n are overwritten by what follows.
			from, to := src[ip:ip+16:ip+16], out[op:op+16:op+16]
			a, b := le.Uint64(from), le.Uint64(from[8:])
			le.PutUint64(to, a)
			le.PutUint64(to[8:], b)
		} else {
			copy(out[op:], src[ip:ip+n])
		}
		op += n
		ip += n

		m := int(token & 15)
		if ip == len(src) && m == 0 {
			break // the last sequence: literals only
		}
		if len(src)-ip < 2 {
			return 0, false
		}
		off := int(src[ip]) | int(src[ip+1])<<8
		ip += 2
		if off == 0 || off > op {
			return 0, false
		}
		if m == 15 {
			if m, ip, ok = extendLen(src, ip, m); !ok {
				return 0, false
			}
		}
		m += minMatch
		if m > len(out)-op {
			return 0, false
		}
		if m <= 16 && m <= off && len(out)-op >= 16 {
			// As for literals. m <= off: the m bytes wanted all lie
			// before op, and both words are loaded before either is
			// stored, so they arrive intact.
			from, to := out[op-off:op-off+16:op-off+16], out[op:op+16:op+16]
			a, b := le.Uint64(from), le.Uint64(from[8:])
			le.PutUint64(to, a)
			le.PutUint64(to[8:], b)
			op += m
			continue
		}
		from, stop := op-off, op+m
		switch {
		case off >= 8 && m <= 64 && len(out)-op >= m+8:
			// Word by word: each word read lies at least 8 bytes
			// back, so it is complete. The last may overshoot stop
			// by up to 7 bytes, which what follows overwrites.
			for to := op; to < stop; to += 8 {
				le.PutUint64(out[to:to+8:to+8], le.Uint64(out[to-off:to-off+8:to-off+8]))
			}
			op = stop
		case off < 8 && m <= 32:
			// A short run of a short pattern (a few pixels of one
			// colour): byte by byte, which costs less than the
			// several copy calls below.
			w := out[from:stop]
			for i := off; i < len(w); i++ {
				w[i] = w[i-off]
			}
			op = stop
		default:
			// Copying out[from:op] onward repeats the off bytes
			// before op; each copy doubles what is available, so an
			// overlapping match takes log2(m/off) copies and a
			// distant one a single copy.
			for op < stop {
				op += copy(out[op:stop], out[from:op])
			}
		}
	}
	return op, true
}

// extendLen adds the extension bytes of a length whose nibble was 15:
// each byte is added, and a byte of 255 means another follows. It fails
// when src ends first. The sum cannot overflow: it grows by at most 255
// per byte of src.
func extendLen(src []byte, ip, n int) (int, int, bool) {
	for ip < len(src) {
		b := src[ip]
		ip++
		n += int(b)
		if b != 255 {
			return n, ip, true
		}
	}
	return 0, 0, false
}
