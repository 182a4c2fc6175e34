package glz

import (
	"encoding/binary"
	"math/bits"
)

// A DEFLATE decoder (RFC 1951) for ZLIB_GLZ_RGB. compress/flate reads its
// input through an io.ByteReader, one interface call per byte, and in wasm
// those calls and its per-bit loops were most of a ZLIB_GLZ decode. This
// one works on the whole message in memory: a 64-bit bit buffer refilled
// 8 bytes at a time, 9-bit lookup tables for the Huffman codes, and
// matches copied 8 bytes at a time. It accepts and rejects what
// compress/flate does (FuzzInflate compares the two), so that the choice
// of decoder changes no verdict.

// Limits of the format (RFC 1951 section 3.2.5, 3.2.7).
const (
	maxCodeLen = 15  // longest Huffman code
	numLitLen  = 288 // literal/length alphabet, 286 and 287 never valid
	maxLitLen  = 286 // most literal/length codes a dynamic block may send
	maxDist    = 30  // distance codes
	endOfBlock = 256
	fastBits   = 9 // bits resolved by one table lookup
)

// errDeflate is the corrupt-input error; inflater.inflate wraps it the way
// the compress/flate errors were wrapped before.
type deflateError string

func (e deflateError) Error() string { return string(e) }

var (
	errCorrupt = deflateError("corrupt deflate data")
	errEOF     = deflateError("unexpected end of deflate data")
	errTooLong = deflateError("inflates past its size")
)

// huffman is a canonical Huffman code. fast[b] holds, for the next
// fastBits input bits b, sym<<4 | len for codes up to fastBits long, and 0
// where the code is longer (or invalid): then decodeSlow walks the code
// length by length with count and symbols (as zlib's puff.c does).
type huffman struct {
	fast    [1 << fastBits]uint16
	count   [maxCodeLen + 1]uint16
	symbols [numLitLen]uint16
}

// build makes the code for lengths (0: symbol unused). Like compress/flate
// (huffmanDecoder.init) it rejects over-subscribed and incomplete codes,
// except a single code of length 1 and an empty code, which fail only if
// a symbol is then read with them.
func (h *huffman) build(lengths []uint8) bool {
	h.count = [maxCodeLen + 1]uint16{}
	maxLen := 0
	for _, l := range lengths {
		h.count[l]++
		maxLen = max(maxLen, int(l))
	}
	h.count[0] = 0
	if maxLen == 0 {
		clear(h.fast[:])
		return true
	}
	// Complete: the codes fill all 2^maxLen codes of the longest length.
	code := 0
	for l := 1; l <= maxLen; l++ {
		code = code<<1 + int(h.count[l])
	}
	if code != 1<<maxLen && !(code == 1 && maxLen == 1) {
		return false
	}
	var offs [maxCodeLen + 2]uint16
	for l := 1; l <= maxCodeLen; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	// Symbols sorted by code length, then value: the canonical order.
	for sym, l := range lengths {
		if l != 0 {
			h.symbols[offs[l]] = uint16(sym)
			offs[l]++
		}
	}
	// Fill the table: the codes of each length are consecutive, and the
	// stream sends them most significant bit first, so the table index is
	// the code reversed. Growing the table one length at a time, each
	// shorter code is repeated over the new half by one copy, and each
	// code of the new length takes one entry.
	h.fast[0] = 0
	next, i := 0, 0
	for l := 1; l <= fastBits; l++ {
		copy(h.fast[1<<(l-1):1<<l], h.fast[:1<<(l-1)])
		for range h.count[l] {
			rev := int(bits.Reverse16(uint16(next)) >> (16 - l))
			h.fast[rev&(1<<fastBits-1)] = h.symbols[i]<<4 | uint16(l)
			next++
			i++
		}
		next <<= 1
	}
	return true
}

// decodeSlow decodes a code longer than fastBits (or an invalid one) from
// the low bits of b, returning the symbol and its length, or length 0.
func (h *huffman) decodeSlow(b uint64) (sym, n uint) {
	code, first, index := 0, 0, 0
	for l := 1; l <= maxCodeLen; l++ {
		code |= int(b & 1)
		b >>= 1
		c := int(h.count[l])
		if code-first < c {
			return uint(h.symbols[index+code-first]), uint(l)
		}
		index += c
		first = (first + c) << 1
		code <<= 1
	}
	return 0, 0
}

// Base values and extra bits of the length codes 257..285 and the
// distance codes 0..29 (RFC 1951 section 3.2.5).
var (
	lenBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase = [32]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtr = [32]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// order of the code length code lengths (RFC 1951 section 3.2.7)
var clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// deflate is the state of one decode.
type deflate struct {
	src   []byte
	p     int    // next byte of src to load into b
	b     uint64 // bit buffer, next bit lowest
	nb    uint   // valid bits in b
	out   []byte // output so far is out[:pos]; len(out) is its room
	pos   int
	size  int  // the output may not exceed size bytes
	fixed bool // lit and dist hold the fixed codes
	lit   *huffman
	dist  *huffman
}

// refill tops b up to at least 56 bits. Past the end of src it adds zero
// bytes but counts them, so that overrun can tell.
func (d *deflate) refill() {
	if d.p+8 <= len(d.src) {
		d.b |= binary.LittleEndian.Uint64(d.src[d.p:]) << d.nb
		d.p += int(63-d.nb) >> 3
		d.nb |= 56
		return
	}
	for d.nb < 56 {
		if d.p < len(d.src) {
			d.b |= uint64(d.src[d.p]) << d.nb
		}
		d.p++
		d.nb += 8
	}
}

// overrun reports whether more bits were consumed than src holds.
func (d *deflate) overrun() bool {
	return d.p*8-int(d.nb) > len(d.src)*8
}

// take consumes n <= 32 bits (refilling first) and returns them.
func (d *deflate) take(n uint) uint {
	if d.nb < n {
		d.refill()
	}
	v := uint(d.b & (1<<n - 1))
	d.b >>= n
	d.nb -= n
	return v
}

// run decodes the blocks of a raw DEFLATE stream into d.out and returns
// the number of src bytes it used, up to the byte holding the last bit.
func (d *deflate) run() (int, error) {
	for {
		hdr := d.take(3)
		var err error
		switch hdr >> 1 {
		case 0:
			err = d.stored()
		case 1:
			if !d.fixed {
				// The fixed distance code has 32 codes of 5 bits, of
				// which 30 and 31 are invalid (rejected when read).
				var l [numLitLen + 32]uint8
				for i := range l[:numLitLen] {
					switch {
					case i < 144:
						l[i] = 8
					case i < 256:
						l[i] = 9
					case i < 280:
						l[i] = 7
					default:
						l[i] = 8
					}
				}
				for i := range l[numLitLen:] {
					l[numLitLen+i] = 5
				}
				d.lit.build(l[:numLitLen])
				d.dist.build(l[numLitLen:])
				d.fixed = true
			}
			err = d.codes()
		case 2:
			d.fixed = false
			if err = d.dynamic(); err == nil {
				err = d.codes()
			}
		default:
			err = errCorrupt
		}
		if err == nil && d.overrun() {
			err = errEOF
		}
		if err != nil {
			return 0, err
		}
		if hdr&1 != 0 {
			return d.p - int(d.nb)/8, nil
		}
	}
}

// stored copies a stored block (RFC 1951 section 3.2.4).
func (d *deflate) stored() error {
	d.take(d.nb % 8) // to a byte boundary
	n := d.take(16)
	if nn := d.take(16); nn != n^0xffff {
		return errCorrupt
	}
	if d.overrun() {
		return errEOF
	}
	// Restart reading at the byte after NLEN, dropping what b holds.
	start := d.p - int(d.nb)/8
	d.b, d.nb = 0, 0
	if int(n) > len(d.src)-start {
		return errEOF
	}
	if err := d.room(int(n)); err != nil {
		return err
	}
	d.pos += copy(d.out[d.pos:], d.src[start:start+int(n)])
	d.p = start + int(n)
	return nil
}

// room makes len(d.out) >= d.pos+n, or fails if that passes size.
func (d *deflate) room(n int) error {
	if n > d.size-d.pos {
		return errTooLong
	}
	if need := d.pos + n; need > len(d.out) {
		// Grow with the data actually produced, so that a short message
		// cannot make a large allocation.
		b := make([]byte, min(max(need, 2*len(d.out), 64<<10), d.size))
		copy(b, d.out[:d.pos])
		d.out = b
	}
	return nil
}

// dynamic reads the code definitions of a dynamic block (RFC 1951
// section 3.2.7) into d.lit and d.dist.
func (d *deflate) dynamic() error {
	nlit := int(d.take(5)) + 257
	ndist := int(d.take(5)) + 1
	nclen := int(d.take(4)) + 4
	if nlit > maxLitLen || ndist > maxDist {
		return errCorrupt
	}
	var cl [19]uint8
	for i := range nclen {
		cl[clOrder[i]] = uint8(d.take(3))
	}
	// The code length code goes in d.dist for now.
	if !d.dist.build(cl[:]) {
		return errCorrupt
	}
	var l [maxLitLen + maxDist]uint8
	for i := 0; i < nlit+ndist; {
		d.refill()
		sym, n := d.decode(d.dist)
		if n == 0 {
			return errCorrupt
		}
		d.b >>= n
		d.nb -= n
		if sym < 16 {
			l[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return errCorrupt
			}
			v, rep = l[i-1], 3+int(d.take(2))
		case 17:
			rep = 3 + int(d.take(3))
		default:
			rep = 11 + int(d.take(7))
		}
		if rep > nlit+ndist-i {
			return errCorrupt
		}
		for range rep {
			l[i] = v
			i++
		}
	}
	if d.overrun() {
		return errEOF
	}
	if l[endOfBlock] == 0 || !d.lit.build(l[:nlit]) || !d.dist.build(l[nlit:nlit+ndist]) {
		return errCorrupt
	}
	return nil
}

// decode returns the next symbol of h in d.b (which must hold at least 15
// bits) and its length, 0 if there is no such code.
func (d *deflate) decode(h *huffman) (uint, uint) {
	e := h.fast[d.b&(1<<fastBits-1)]
	if e != 0 {
		return uint(e >> 4), uint(e & 15)
	}
	return h.decodeSlow(d.b)
}

// codes decodes the compressed data of a block with d.lit and d.dist.
// The loop keeps the reader and the output in locals; each iteration
// refills once, which covers the longest sequence (15+5 bits of length,
// 15+13 of distance: 48 <= 56), and a literal followed by another literal
// stores both.
func (d *deflate) codes() error {
	le := binary.LittleEndian
	lit, dist := d.lit, d.dist
	src, p, b, nb := d.src, d.p, d.b, d.nb
	out, pos := d.out, d.pos
	for {
		if p+8 <= len(src) {
			b |= le.Uint64(src[p:]) << nb
			p += int(63-nb) >> 3
			nb |= 56
		} else {
			d.p, d.b, d.nb = p, b, nb
			d.refill()
			if d.overrun() {
				return errEOF
			}
			p, b, nb = d.p, d.b, d.nb
		}
		sym, n := uint(0), uint(0)
		if e := lit.fast[b&(1<<fastBits-1)]; e != 0 {
			sym, n = uint(e>>4), uint(e&15)
		} else if sym, n = lit.decodeSlow(b); n == 0 {
			return errCorrupt
		}
		b >>= n
		nb -= n
		if sym < endOfBlock {
			if pos+2 > len(out) {
				d.out, d.pos = out, pos
				if err := d.room(1); err != nil {
					return err
				}
				out = d.out
				out[pos] = byte(sym)
				pos++
				continue
			}
			out[pos] = byte(sym)
			pos++
			// A second literal, if its code is in the table: at least
			// 56-15-... bits remain, enough for a 9-bit code.
			if e := lit.fast[b&(1<<fastBits-1)]; e != 0 && e>>4 < endOfBlock {
				out[pos] = byte(e >> 4)
				pos++
				b >>= e & 15
				nb -= uint(e & 15)
			}
			continue
		}
		if sym == endOfBlock {
			d.p, d.b, d.nb = p, b, nb
			d.out, d.pos = out, pos
			return nil
		}
		sym -= 257
		if sym >= uint(len(lenBase)) {
			return errCorrupt
		}
		x := uint(lenExtra[sym])
		length := int(lenBase[sym]) + int(b&(1<<x-1))
		b >>= x
		nb -= x

		if e := dist.fast[b&(1<<fastBits-1)]; e != 0 {
			sym, n = uint(e>>4), uint(e&15)
		} else if sym, n = dist.decodeSlow(b); n == 0 {
			return errCorrupt
		}
		b >>= n
		nb -= n
		if sym >= maxDist {
			return errCorrupt
		}
		x = uint(distExtr[sym])
		off := int(distBase[sym]) + int(b&(1<<x-1))
		b >>= x
		nb -= x
		if off > pos {
			return errCorrupt
		}

		from := pos - off
		if len(out)-pos < length+16 {
			d.out, d.pos = out, pos
			if err := d.room(length); err != nil {
				return err
			}
			out = d.out
			if len(out)-pos < length+16 {
				// Exact, at the very end of the output.
				for i := range length {
					out[pos+i] = out[from+i]
				}
				pos += length
				continue
			}
		}
		if off >= 8 {
			// 16 bytes per step, possibly past the match (room was
			// checked); each load reads bytes already in place.
			for i := 0; i < length; i += 16 {
				s, w := out[from+i:from+i+16:from+i+16], out[pos+i:pos+i+16:pos+i+16]
				le.PutUint64(w, le.Uint64(s))
				le.PutUint64(w[8:], le.Uint64(s[8:]))
			}
		} else {
			for i := range length {
				out[pos+i] = out[from+i]
			}
		}
		pos += length
	}
}
