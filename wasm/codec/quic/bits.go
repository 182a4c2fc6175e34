package quic

import (
	"encoding/binary"
	"math/bits"
)

// bitReader reads QUIC's bit stream: 32-bit little-endian words, each read
// from its most significant bit down. Past the end of src it reads zero
// words and keeps counting, so the hot loops need no end test per code;
// overrun then tells, once per row, whether the decoder looked beyond the
// data, which spice-common treats as an error.
// matches spice-common quic.c: init_decode_io, decode_eatbits, read_io_word.
type bitReader struct {
	src []byte // whole words only
	acc uint64 // unread bits, most significant first; the low 64-n bits are 0
	n   uint   // valid bits in acc, at least 32 between codewords
	p   int    // byte offset of the next word; may run past len(src)
}

func (r *bitReader) init(src []byte, p int) {
	r.src, r.acc, r.n, r.p = src, 0, 0, p
	r.acc, r.n, r.p = fill(r.src, r.acc, r.n, r.p)
}

// fill appends the next word to acc. Callers keep the reader's fields in
// locals in the hot loops and call it when n drops below 32, so a 32-bit
// window (acc>>32) is always valid.
func fill(src []byte, acc uint64, n uint, p int) (uint64, uint, int) {
	var w uint32
	if p >= 0 && p+4 <= len(src) {
		w = binary.LittleEndian.Uint32(src[p:])
	}
	return acc | uint64(w)<<((32-n)&63), n + 32, p + 4
}

// overrun reports whether the 32-bit window reaches past the data. The
// reference decoder keeps its window full and fails as soon as it would
// need a word that is not there; the position only grows, so checking
// after the fact gives the same verdict.
func (r *bitReader) overrun() bool {
	return int64(r.p)*8-int64(r.n)+32 > int64(len(r.src))*8
}

// sym decodes one codeword with Golomb parameter l (< f.bpc) from the top
// of the bit buffer acc and returns the value and the codeword length. A
// plain codeword is l-adjusted unary: z zeros, a one, then the l low bits
// of the value. When the first bits are all zero (acc <= grMask) it is an
// escape instead: a fixed-length suffix holds v - nGR. An escape may name a
// value beyond the sample range, which no encoder produces; callers OR the
// values together and check the result against f.max once per segment.
// matches spice-common quic_family_tmpl.c: golomb_decoding.
func (f *family) sym(l uint, acc uint64) (v, n uint) {
	l &= 7
	if acc > f.grMask[l] {
		// acc's top 32 bits are not all zero here, so counting over 64
		// bits gives the window's leading zeros.
		z := uint(bits.LeadingZeros64(acc))
		n = z + 1 + l
		return z<<l | uint(acc>>((64-n)&63))&(1<<l-1), n
	}
	n = f.escLen[l]
	return f.nGR[l] + uint(acc>>((64-n)&63))&f.escMask[l], n
}

// run decodes a run length with the adaptive MELCODE: each leading 1 bit
// stands for 2^melcLen pixels and moves the coder to a longer expected run;
// a 0 bit ends the hits and is followed by melcLen bits of remainder, after
// which the coder steps back one state. limit is the number of pixels left
// in the row segment; a longer run is an error.
// matches spice-common quic.c: decode_state_run.
func (d *Decoder) run(st *state, limit int) (int, error) {
	// The reader and the coder state in locals, refilled inline: in wasm
	// calls to the reader's methods cost more than the bits they read.
	src, acc, n, p := d.br.src, d.br.acc, d.br.n, d.br.p
	ms, ml := st.melcState, st.melcLen
	runLen := 0
	for {
		ones := uint(bits.LeadingZeros32(^uint32(acc >> 32)))
		for range ones {
			runLen += 1 << ml
			if ms < melcStates-1 {
				ms++
				ml = melcLen[ms]
			}
		}
		if runLen > limit {
			return 0, errRunLength
		}
		k := min(ones+1, 32)
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		if ones < 32 {
			break
		}
	}
	if ml > 0 {
		runLen += int(acc >> (64 - ml))
		acc <<= ml & 63
		if n -= ml; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
	}
	if ms > 0 {
		ms--
		ml = melcLen[ms]
	}
	st.melcState, st.melcLen = ms, ml
	d.br.acc, d.br.n, d.br.p = acc, n, p
	if runLen > limit {
		return 0, errRunLength
	}
	return runLen, nil
}
