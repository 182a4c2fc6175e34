package raster

import (
	"encoding/binary"
	"testing"

	"spiceweb/wasm/spice"
)

// The formulas of spice-common pixman_utils.h, written out one by one.
var ropFormulas = [16]func(s, d uint32) uint32{
	func(s, d uint32) uint32 { return 0 },
	func(s, d uint32) uint32 { return s & d },
	func(s, d uint32) uint32 { return s &^ d },
	func(s, d uint32) uint32 { return s },
	func(s, d uint32) uint32 { return ^s & d },
	func(s, d uint32) uint32 { return d },
	func(s, d uint32) uint32 { return s ^ d },
	func(s, d uint32) uint32 { return s | d },
	func(s, d uint32) uint32 { return ^s & ^d },
	func(s, d uint32) uint32 { return ^s ^ d },
	func(s, d uint32) uint32 { return ^d },
	func(s, d uint32) uint32 { return s | ^d },
	func(s, d uint32) uint32 { return ^s },
	func(s, d uint32) uint32 { return ^s | d },
	func(s, d uint32) uint32 { return ^s | ^d },
	func(s, d uint32) uint32 { return 0xffffffff },
}

func TestROPSpan(t *testing.T) {
	src := []uint32{0x00000000, 0xffffffff, 0x12345678, 0xdeadbeef, 0x0f0f0f0f}
	dst := []uint32{0xffffffff, 0x00000000, 0x9abcdef0, 0x00ff00ff, 0xf0f0f0f0}
	for r := RopClear; r <= RopSet; r++ {
		t.Run(r.String(), func(t *testing.T) {
			// odd length: exercises the 64-bit loop and the 32-bit tail
			sb, db := make([]byte, 4*len(src)), make([]byte, 4*len(dst))
			for i := range src {
				binary.LittleEndian.PutUint32(sb[4*i:], src[i])
				binary.LittleEndian.PutUint32(db[4*i:], dst[i])
			}
			ropSpan(r, db, sb, ^uint64(0), 0)
			for i := range src {
				want := ropFormulas[r](src[i], dst[i])
				if got := binary.LittleEndian.Uint32(db[4*i:]); got != want {
					t.Errorf("%s(%08x, %08x) = %08x, want %08x", r, src[i], dst[i], got, want)
				}
				if got := uint32(r.eval(uint64(src[i]), uint64(dst[i]))); got != want {
					t.Errorf("eval %s(%08x, %08x) = %08x, want %08x", r, src[i], dst[i], got, want)
				}
			}
		})
	}
}

// TestRopFromDescriptor checks the cases spelled out in spice-common's
// ropd_descriptor_to_rop, for each role assignment the draws use.
func TestRopFromDescriptor(t *testing.T) {
	const (
		iS, iB, iD        = spice.RopdInversSrc, spice.RopdInversBrush, spice.RopdInversDest
		put, or, and, xor = spice.RopdOpPut, spice.RopdOpOr, spice.RopdOpAnd, spice.RopdOpXor
		res               = spice.RopdInversRes
	)
	tests := []struct {
		desc      uint16
		src, dest RopInput
		want      ROP
	}{
		{put, RopInputSrc, RopInputDest, RopCopy},
		{0, RopInputSrc, RopInputDest, RopCopy},
		{put | iS, RopInputSrc, RopInputDest, RopCopyInverted},
		{put | iS | res, RopInputSrc, RopInputDest, RopCopy},
		{put | res, RopInputSrc, RopInputDest, RopCopyInverted},
		{put | iB, RopInputSrc, RopInputDest, RopCopy}, // brush flag is not src's
		{put | iB, RopInputBrush, RopInputDest, RopCopyInverted},
		{put | iD, RopInputSrc, RopInputDest, RopCopy},
		{or, RopInputSrc, RopInputDest, RopOr},
		{or | iS, RopInputSrc, RopInputDest, RopOrInverted},
		{or | iD, RopInputSrc, RopInputDest, RopOrReverse},
		{or | iS | iD, RopInputSrc, RopInputDest, RopNand},
		{or | res, RopInputSrc, RopInputDest, RopNor},
		{or | res | iS, RopInputSrc, RopInputDest, RopAndReverse},
		{or | res | iD, RopInputSrc, RopInputDest, RopAndInverted},
		{or | res | iS | iD, RopInputSrc, RopInputDest, RopAnd},
		{and, RopInputSrc, RopInputDest, RopAnd},
		{and | iS, RopInputSrc, RopInputDest, RopAndInverted},
		{and | iD, RopInputSrc, RopInputDest, RopAndReverse},
		{and | iS | iD, RopInputSrc, RopInputDest, RopNor},
		{and | res, RopInputSrc, RopInputDest, RopNand},
		{and | res | iS, RopInputSrc, RopInputDest, RopOrReverse},
		{and | res | iD, RopInputSrc, RopInputDest, RopOrInverted},
		{and | res | iS | iD, RopInputSrc, RopInputDest, RopOr},
		{xor, RopInputSrc, RopInputDest, RopXor},
		{xor | iS, RopInputSrc, RopInputDest, RopEquiv},
		{xor | iD, RopInputSrc, RopInputDest, RopEquiv},
		{xor | iS | iD, RopInputSrc, RopInputDest, RopXor},
		{xor | res, RopInputSrc, RopInputDest, RopEquiv},
		{xor | res | iS, RopInputSrc, RopInputDest, RopXor},
		{xor | res | iD, RopInputSrc, RopInputDest, RopXor},
		{xor | res | iS | iD, RopInputSrc, RopInputDest, RopEquiv},
		{spice.RopdOpBlackness | res | iS, RopInputSrc, RopInputDest, RopClear},
		{spice.RopdOpWhiteness | iD, RopInputSrc, RopInputDest, RopSet},
		{spice.RopdOpInvers | res, RopInputSrc, RopInputDest, RopInvert},
		{put | or | xor, RopInputSrc, RopInputDest, RopCopy}, // PUT wins
		{or | and, RopInputSrc, RopInputDest, RopOr},         // OR beats AND
		{xor | spice.RopdOpBlackness, RopInputSrc, RopInputDest, RopXor},
		// FILL: brush is src, dest is dest
		{xor | iB, RopInputBrush, RopInputDest, RopEquiv},
		{xor | iS, RopInputBrush, RopInputDest, RopXor}, // src flag ignored
		// OPAQUE: brush is src, the copied image is dest
		{and | iS, RopInputBrush, RopInputSrc, RopAndReverse},
		{and | iB, RopInputBrush, RopInputSrc, RopAndInverted},
		{and | iD, RopInputBrush, RopInputSrc, RopAnd}, // dest flag ignored
	}
	for _, tt := range tests {
		if got := RopFromDescriptor(tt.desc, tt.src, tt.dest); got != tt.want {
			t.Errorf("RopFromDescriptor(%#x, %d, %d) = %v, want %v", tt.desc, tt.src, tt.dest, got, tt.want)
		}
	}
}

// TestRop3Codes is rop3.c's self-test: with pattern 0xf0, source 0xcc and
// destination 0xaa in every byte, each code yields itself.
func TestRop3Codes(t *testing.T) {
	pat := []byte{0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0}
	src := []byte{0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc}
	for code := 0; code < 256; code++ {
		dst := []byte{0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}
		rop3Span(uint8(code), dst, src, pat)
		for i, v := range dst {
			if v != byte(code) {
				t.Fatalf("code %#02x: byte %d = %#02x", code, i, v)
			}
		}
	}
}

// TestRop3MatchesROP: the ROP3 codes that ignore the pattern are the
// binary ROPs, e.g. 0xCC (S), 0x66 (S xor D), 0x88 (S and D).
func TestRop3MatchesROP(t *testing.T) {
	for r := RopClear; r <= RopSet; r++ {
		// build the rop3 code: bit p<<2|s<<1|d = r(s, d)
		var code uint8
		for k := 0; k < 8; k++ {
			s, d := uint64(k>>1&1), uint64(k&1)
			if r.eval(s, d)&1 == 1 {
				code |= 1 << k
			}
		}
		src := []byte{1, 2, 3, 4, 0xff, 0, 0x5a, 0xa5}
		d1 := []byte{9, 8, 7, 6, 0x0f, 0xf0, 0xff, 0}
		d2 := append([]byte(nil), d1...)
		rop3Span(code, d1, src, []byte{0x13, 0x37, 0, 0xff, 1, 2, 3, 4})
		ropSpan(r, d2, src, ^uint64(0), 0)
		if string(d1) != string(d2) {
			t.Errorf("%v (rop3 %#02x): %x, want %x", r, code, d1, d2)
		}
	}
}
