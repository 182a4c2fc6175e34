package glz

import (
	"encoding/binary"

	"spiceweb/wasm/internal/errfmt"
)

// The pass loop copies several pixels per step with 64-bit loads and
// stores, and keeps its common cases inline. Go's wasm backend sends every
// loop back-edge and every call through the function's jump table
// (golang/go#65440), so one-pixel loops and small helper calls cost more
// there than the work they do; natively the wide steps help too.
//
// The colour passes (kindRGB, kindRGB16) may write up to 12 bytes past a
// literal run or match where the image has room: those pixels have not
// been decoded yet and the pass writes all 4 bytes of every pixel in
// order, so they are overwritten before anything reads them. The alpha
// pass only replaces byte 3 of pixels whose colour is already decoded, so
// it never writes past its run.

// Byte lanes of two packed RGBA pixels.
const (
	lane0  = 0x000000ff000000ff // R (or the coded B before the swap)
	lane13 = 0xff00ff00ff00ff00 // G and A
	alphas = 0xff000000ff000000 // A
)

// bgr2 turns two coded B,G,R units, one in the low 24 bits of each
// 32-bit half of v, into two R,G,B,255 pixels.
func bgr2(v uint64) uint64 {
	return v&lane13 | v>>16&lane0 | v&lane0<<16 | alphas
}

// wideCopy is the longest match, in bytes, copied in 16-byte steps;
// longer ones go to copy (memory.copy in wasm), whose fixed cost is then
// repaid.
const wideCopy = 128

// pass runs one GLZ pass (decode-glz-tmpl.c decode) over in, filling all
// len(out)/4 pixels of out, and returns the bytes consumed.
func (d *decoder) pass(in, out []byte, k kind) (int, error) {
	le := binary.LittleEndian
	u := units[k]
	ip, op, n := 0, 0, len(out)/4
	for op < n {
		if ip >= len(in) {
			return 0, errShort
		}
		ctrl := int(in[ip])
		ip++
		if ctrl < maxCopy {
			cnt := ctrl + 1
			if cnt > n-op {
				return 0, errOverrun
			}
			if cnt*u.bytes > len(in)-ip {
				return 0, errShort
			}
			switch k {
			case kindRGB:
				// 4 pixels (12 coded bytes) per step; where both slices
				// have room the last step may run past the literal run.
				g := (cnt + 3) / 4
				if ip+12*g <= len(in) && (op+4*g)*4 <= len(out) {
					for i, j := op*4, ip; i < (op+cnt)*4; i, j = i+16, j+12 {
						s, q := in[j:j+12:j+12], out[i:i+16:i+16]
						a, b := le.Uint64(s), uint64(le.Uint32(s[8:]))
						le.PutUint64(q, bgr2(a&0xffffff|a&0xffffff000000<<8))
						le.PutUint64(q[8:], bgr2(a>>48|b&0xff<<16|b>>8<<32))
					}
				} else {
					for i, j := op*4, ip; i < (op+cnt)*4; i, j = i+4, j+3 {
						s := in[j : j+3 : j+3]
						le.PutUint32(out[i:], uint32(bgr2(uint64(s[0])|uint64(s[1])<<8|uint64(s[2])<<16)))
					}
				}
			case kindRGB16:
				s, q := in[ip:ip+2*cnt], out[op*4:(op+cnt)*4]
				for i := 0; i < cnt; i++ {
					le.PutUint32(q[4*i:], rgb16(s[2*i], s[2*i+1]))
				}
			case kindAlpha:
				s, q := in[ip:ip+cnt], out[op*4:(op+cnt)*4]
				i := 0
				for ; i+8 <= cnt; i += 8 {
					a, w := le.Uint64(s[i:i+8:i+8]), q[4*i:4*i+32:4*i+32]
					le.PutUint64(w, le.Uint64(w)&^alphas|a&0xff<<24|a>>8&0xff<<56)
					le.PutUint64(w[8:], le.Uint64(w[8:])&^alphas|a>>16&0xff<<24|a>>24&0xff<<56)
					le.PutUint64(w[16:], le.Uint64(w[16:])&^alphas|a>>32&0xff<<24|a>>40&0xff<<56)
					le.PutUint64(w[24:], le.Uint64(w[24:])&^alphas|a>>48&0xff<<24|a>>56<<56)
				}
				for ; i < cnt; i++ {
					q[4*i+3] = s[i]
				}
			}
			ip += cnt * u.bytes
			op += cnt
			continue
		}

		// Match: ctrl holds 3 bits of length, a flag for pixel offsets of
		// 12 bits or more, and the offset's low 4 bits. Then come more
		// length bytes, 8 offset bits, and a byte whose top 2 bits count
		// the image-distance bytes that follow (glz-encode-match.tmpl.c).
		length := ctrl >> 5
		if length == 7 {
			for {
				if ip >= len(in) {
					return 0, errShort
				}
				c := int(in[ip])
				ip++
				length += c
				if c != 255 {
					break
				}
				if length > n { // also keeps the sum from overflowing
					return 0, errOverrun
				}
			}
		}
		if len(in)-ip < 2 {
			return 0, errShort
		}
		ofs := ctrl&0x0f | int(in[ip])<<4
		c := int(in[ip+1])
		ip += 2
		extra := c >> 6
		var dist int
		if ctrl&0x10 == 0 {
			// short offset: 6 bits of image distance here, 8 per extra byte
			dist = c & 0x3f
			if len(in)-ip < extra {
				return 0, errShort
			}
			for i := 0; i < extra; i++ {
				dist |= int(in[ip+i]) << (6 + 8*i)
			}
			ip += extra
		} else {
			// medium offset: 5 more offset bits here; long: 8 more after
			// the image distance
			long := c&0x20 != 0
			ofs |= (c & 0x1f) << 12
			need := extra
			if long {
				need++
			}
			if len(in)-ip < need {
				return 0, errShort
			}
			for i := 0; i < extra; i++ {
				dist |= int(in[ip+i]) << (8 * i)
			}
			if long {
				ofs |= int(in[ip+extra]) << 17
			}
			ip += need
		}
		length += u.bias
		if length > n-op {
			return 0, errOverrun
		}

		to, nb := op*4, length*4
		var from []byte // the pixels to copy, then the ones after them
		if dist == 0 {
			ofs++ // in-image distances are coded minus one
			if ofs > op {
				return 0, errBadRef
			}
			if k == kindAlpha {
				if ofs == 1 {
					// A run (most of an all-opaque or all-clear plane):
					// fill instead of reading back each byte just written.
					a := out[to-1]
					fillAlpha(out[to:to+nb], a)
					op += length
					continue
				}
				from = out[to-ofs*4:]
			} else {
				fr := to - ofs*4
				switch {
				case nb > wideCopy || len(out)-to < nb+12:
					copyPixels(out, to, fr, nb)
				case ofs == 1:
					// A run: the pixel repeated in both halves.
					v := uint64(le.Uint32(out[fr:]))
					v |= v << 32
					for i := to; i < to+nb; i += 16 {
						q := out[i : i+16 : i+16]
						le.PutUint64(q, v)
						le.PutUint64(q[8:], v)
					}
				default:
					// ofs >= 2: every 8-byte load reads bytes at least 8
					// behind the store, already written (loads and stores
					// keep their order).
					for i := 0; i < nb; i += 16 {
						s, q := out[fr+i:fr+i+16:fr+i+16], out[to+i:to+i+16:to+i+16]
						le.PutUint64(q, le.Uint64(s))
						le.PutUint64(q[8:], le.Uint64(s[8:]))
					}
				}
				op += length
				continue
			}
		} else {
			ref := d.refPix[dist%len(d.refPix)]
			if d.refDist[dist%len(d.refDist)] != dist {
				var err error
				if ref, err = d.ref(uint64(dist)); err != nil {
					return 0, err
				}
			}
			if ofs+length > len(ref)/4 {
				return 0, FormatError("match past the end of image " + errfmt.Int(d.id-uint64(dist)))
			}
			if k != kindAlpha {
				fr := ofs * 4
				if nb > wideCopy || len(out)-to < nb+12 || len(ref)-fr < nb+12 {
					copy(out[to:to+nb], ref[fr:])
				} else {
					for i := 0; i < nb; i += 16 {
						s, q := ref[fr+i:fr+i+16:fr+i+16], out[to+i:to+i+16:to+i+16]
						le.PutUint64(q, le.Uint64(s))
						le.PutUint64(q[8:], le.Uint64(s[8:]))
					}
				}
				op += length
				continue
			}
			from = ref[ofs*4:]
		}
		copyAlpha(out[to:to+nb], from[:nb])
		op += length
	}
	return ip, nil
}

// copyAlpha copies byte 3 of every pixel of from to the same byte of to,
// 8 pixels per step. from may lie 8 or more bytes before to in the same
// image: each word is loaded after the stores before it, so an
// overlapping match repeats its pattern as a byte-by-byte copy would.
func copyAlpha(to, from []byte) {
	le := binary.LittleEndian
	i := 0
	for ; i+32 <= len(to) && i+32 <= len(from); i += 32 {
		f, q := from[i:i+32:i+32], to[i:i+32:i+32]
		le.PutUint64(q, le.Uint64(q)&^alphas|le.Uint64(f)&alphas)
		le.PutUint64(q[8:], le.Uint64(q[8:])&^alphas|le.Uint64(f[8:])&alphas)
		le.PutUint64(q[16:], le.Uint64(q[16:])&^alphas|le.Uint64(f[16:])&alphas)
		le.PutUint64(q[24:], le.Uint64(q[24:])&^alphas|le.Uint64(f[24:])&alphas)
	}
	for ; i+4 <= len(to) && i+4 <= len(from); i += 4 {
		to[i+3] = from[i+3]
	}
}

// fillAlpha sets byte 3 of every pixel of to to a, 8 pixels per step.
func fillAlpha(to []byte, a byte) {
	le := binary.LittleEndian
	p := uint64(a)<<24 | uint64(a)<<56
	i := 0
	for ; i+32 <= len(to); i += 32 {
		q := to[i : i+32 : i+32]
		le.PutUint64(q, le.Uint64(q)&^alphas|p)
		le.PutUint64(q[8:], le.Uint64(q[8:])&^alphas|p)
		le.PutUint64(q[16:], le.Uint64(q[16:])&^alphas|p)
		le.PutUint64(q[24:], le.Uint64(q[24:])&^alphas|p)
	}
	for ; i+4 <= len(to); i += 4 {
		to[i+3] = a
	}
}

// rgb16 expands a x1r5g5b5 pixel coded high byte first to R, G, B, 255
// packed little-endian, replicating each channel's top bits into its low
// bits (decode-glz-tmpl.c LZ_RGB16 TO_RGB32).
func rgb16(hi, lo byte) uint32 {
	v := uint32(hi)<<8 | uint32(lo)
	r, g, b := v>>10&31, v>>5&31, v&31
	r, g, b = r<<3|r>>2, g<<3|g>>2, b<<3|b>>2
	return r | g<<8 | b<<16 | 0xff<<24
}

// copyPixels copies n bytes from off src to off dst of b, dst > src, the
// way LZ matches do: overlapping bytes are read after being written, so a
// short distance repeats its pattern. Each copy doubles the pattern.
func copyPixels(b []byte, dst, src, n int) {
	for n > 0 {
		k := copy(b[dst:dst+n], b[src:dst])
		dst += k
		n -= k
	}
}
