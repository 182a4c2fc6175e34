package raster

import (
	"encoding/binary"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// ROP is a binary raster operation of src and dest, with the values and
// meanings of X11's GX functions (spice-common pixman_utils.h SpiceROP).
// As there, the operation applies to the whole pixel word, alpha included;
// the surface format then decides what is kept (see Surface).
type ROP uint8

const (
	RopClear        ROP = iota // 0
	RopAnd                     // src AND dst
	RopAndReverse              // src AND NOT dst
	RopCopy                    // src
	RopAndInverted             // NOT src AND dst
	RopNoop                    // dst
	RopXor                     // src XOR dst
	RopOr                      // src OR dst
	RopNor                     // NOT src AND NOT dst
	RopEquiv                   // NOT src XOR dst
	RopInvert                  // NOT dst
	RopOrReverse               // src OR NOT dst
	RopCopyInverted            // NOT src
	RopOrInverted              // NOT src OR dst
	RopNand                    // NOT src OR NOT dst
	RopSet                     // 1
)

var ropNames = [16]string{"CLEAR", "AND", "AND_REVERSE", "COPY", "AND_INVERTED", "NOOP", "XOR", "OR",
	"NOR", "EQUIV", "INVERT", "OR_REVERSE", "COPY_INVERTED", "OR_INVERTED", "NAND", "SET"}

func (r ROP) String() string {
	if r < 16 {
		return ropNames[r]
	}
	return "ROP(" + errfmt.Int(r) + ")"
}

// eval computes the operation on one bit (or a word, bit by bit). The GX
// code is the truth table: bit 3-(2*src+dst) holds the result.
func (r ROP) eval(src, dst uint64) uint64 {
	m := r.masks()
	return src&dst&m[3] | src&^dst&m[2] | dst&^src&m[1] | ^(src|dst)&m[0]
}

// masks returns, for index 2*src+dst, all ones when the op yields 1 for
// that input pair, else 0; eval ORs the minterms together.
func (r ROP) masks() (m [4]uint64) {
	for i := range m {
		m[i] = -(uint64(r) >> (3 - i) & 1)
	}
	return m
}

// RopInput names what plays the part of an operand in a ROP descriptor.
type RopInput uint8

const (
	RopInputSrc   RopInput = iota // the draw's image
	RopInputBrush                 // the draw's brush
	RopInputDest                  // the surface
)

// RopFromDescriptor turns a SPICE ropd bit set into a ROP, with src and
// dest naming the operands of the resulting binary op: FILL uses
// (RopInputBrush, RopInputDest), COPY and BLEND (RopInputSrc,
// RopInputDest), OPAQUE (RopInputBrush, RopInputSrc), where the already
// copied image is the dest. The INVERS flag of each role inverts that
// operand; the first OP flag present wins in the order PUT, OR, AND, XOR,
// BLACKNESS, WHITENESS, INVERS, and no OP flag means COPY.
// Matches spice-common canvas_base.c ropd_descriptor_to_rop, derived here
// from truth tables instead of a case list.
func RopFromDescriptor(desc uint16, src, dest RopInput) ROP {
	invMask := [3]uint16{spice.RopdInversSrc, spice.RopdInversBrush, spice.RopdInversDest}
	var invS, invD uint64
	if src < 3 && desc&invMask[src] != 0 {
		invS = 1
	}
	if dest < 3 && desc&invMask[dest] != 0 {
		invD = 1
	}
	var invR uint64
	if desc&spice.RopdInversRes != 0 {
		invR = 1
	}
	var op func(s, d uint64) uint64
	switch {
	case desc&spice.RopdOpPut != 0:
		op = func(s, d uint64) uint64 { return s }
	case desc&spice.RopdOpOr != 0:
		op = func(s, d uint64) uint64 { return s | d }
	case desc&spice.RopdOpAnd != 0:
		op = func(s, d uint64) uint64 { return s & d }
	case desc&spice.RopdOpXor != 0:
		op = func(s, d uint64) uint64 { return s ^ d }
	case desc&spice.RopdOpBlackness != 0:
		return RopClear
	case desc&spice.RopdOpWhiteness != 0:
		return RopSet
	case desc&spice.RopdOpInvers != 0:
		return RopInvert
	default:
		return RopCopy
	}
	var code ROP
	for s := uint64(0); s < 2; s++ {
		for d := uint64(0); d < 2; d++ {
			if (op(s^invS, d^invD)^invR)&1 != 0 {
				code |= 1 << (3 - (2*s + d))
			}
		}
	}
	return code
}

// ropSpan sets dst = r(src, dst)&and | or for the pixels of two
// equal-length byte spans; and/or let the 32-bit formats fix their alpha
// in the same pass. Bitwise ops are done on 64-bit words (two pixels at
// a time).
func ropSpan(r ROP, dst, src []byte, and, or uint64) {
	m := r.masks()
	m0, m1, m2, m3 := m[0], m[1], m[2], m[3]
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		s := binary.LittleEndian.Uint64(src[i:])
		d := binary.LittleEndian.Uint64(dst[i:])
		binary.LittleEndian.PutUint64(dst[i:], (s&d&m3|s&^d&m2|d&^s&m1|^(s|d)&m0)&and|or)
	}
	if i+4 <= n {
		s := uint64(binary.LittleEndian.Uint32(src[i:]))
		d := uint64(binary.LittleEndian.Uint32(dst[i:]))
		binary.LittleEndian.PutUint32(dst[i:], uint32((s&d&m3|s&^d&m2|d&^s&m1|^(s|d)&m0)&and|or))
	}
}
