package quic

import (
	"math/bits"
)

// maxCodeLen bounds every codeword: the escape code of a parameter is sized
// so that no value costs more than this many bits.
// matches spice-common quic.c: DEFmaxclen.
const maxCodeLen = 26

// family holds the length-limited Golomb-Rice code and the context buckets
// for one sample depth (8 bits for RGB24/32, RGBA and GRAY; 5 bits for
// RGB16). The two families are built once and only read afterwards.
// matches spice-common quic.c: QuicFamily, family_init, golomb_coding_slow.
//
// The decoding fields are uint (64-bit): Go's wasm backend keeps every
// integer in a 64-bit local and must re-mask 32-bit results after most
// operations, which the hot loops cannot afford.
type family struct {
	bpc uint // bits per sample
	max uint // 2^bpc - 1, also the mask for modular prediction

	// Per Golomb parameter l (the bucket's bestcode, always < bpc):
	grMask  [8]uint64 // a bit buffer above grMask[l] starts with a plain GR codeword (notGRprefixmask, widened to 64 bits)
	nGR     [8]uint   // values 0..nGR[l]-1 use plain GR codewords (nGRcodewords)
	escLen  [8]uint   // length of the escape codeword: zero prefix + suffix (notGRcwlen)
	escMask [8]uint   // mask of the escape suffix (bppmask[notGRsuffixlen])

	// lens[v] holds the codeword length of value v under each parameter l
	// (golomb_code_len) in 16-bit lane l&3 of word l>>2, the layout of the
	// bucket counters, so that the model update adds them two words at a
	// time.
	lens [256][2]uint64

	// bucket maps a context (the previous residual of the same channel) to
	// its bucket: sizes 1, 2, 4, 8, ... with the last one absorbing the
	// rest (find_model_params with DEFevol = 3).
	bucket   [256]uint8
	nbuckets int
}

var (
	family8 = newFamily(8)
	family5 = newFamily(5)
)

func newFamily(bpc uint) *family {
	f := &family{bpc: bpc, max: 1<<bpc - 1}
	for l := range bpc {
		// The escape prefix is as long as the code limit allows, but never
		// longer than needed to cover every value with plain codewords.
		prefix := maxCodeLen - bpc
		if lim := uint(1)<<(bpc-l) - 1; prefix > lim {
			prefix = lim
		}
		nGR := prefix << l
		suffix := ceilLog2(f.max + 1 - nGR)
		f.nGR[l] = nGR
		f.escLen[l] = prefix + suffix
		f.escMask[l] = 1<<suffix - 1
		// The prefix zeros are the top bits of the 32-bit window; the
		// low half of the 64-bit buffer may hold anything.
		f.grMask[l] = (1<<(32-prefix)-1)<<32 | 0xffffffff
		for v := range f.max + 1 {
			n := prefix + suffix
			if v < nGR {
				n = v>>l + l + 1
			}
			f.lens[v][l>>2] |= uint64(n) << (16 * (l & 3))
		}
	}

	levels := int(f.max) + 1
	start, size := 0, 1
	for {
		end := start + size - 1
		if end+size >= levels {
			end = levels - 1
		}
		for v := start; v <= end; v++ {
			f.bucket[v] = uint8(f.nbuckets)
		}
		f.nbuckets++
		if end == levels-1 {
			break
		}
		start, size = end+1, size*2
	}
	// Residuals are always <= max; keep the rest of the table harmless.
	for v := levels; v < len(f.bucket); v++ {
		f.bucket[v] = f.bucket[v&int(f.max)]
	}
	return f
}

// ceilLog2 returns ceil(log2(v)) for v >= 1.
func ceilLog2(v uint) uint {
	return uint(bits.Len(v - 1))
}

// l2u maps a coded residual back to a signed difference modulo 2^bpc:
// even values are 0, 1, 2, ... and odd values -1, -2, ... The result must
// still be masked with max.
// matches spice-common quic.c: correlate_init (xlatL2U).
func l2u(v uint) uint {
	return v>>1 ^ -(v & 1)
}
