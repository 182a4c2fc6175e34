package glz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/raster"
)

// refPass is the plain pass this package used before its copies were
// widened: one pixel per step. Tests compare pass with it.
func (d *decoder) refPass(in, out []byte, k kind) (int, error) {
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
			refLiteral(out[op*4:(op+cnt)*4], in[ip:ip+cnt*u.bytes], k)
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

		var from []byte // the pixels to copy, then the ones after them
		if dist == 0 {
			ofs++ // in-image distances are coded minus one
			if ofs > op {
				return 0, errBadRef
			}
			if k != kindAlpha {
				refCopyPixels(out, op*4, (op-ofs)*4, length*4)
				op += length
				continue
			}
			from = out[(op-ofs)*4:]
		} else {
			ref, err := d.ref(uint64(dist))
			if err != nil {
				return 0, err
			}
			if ofs+length > len(ref)/4 {
				return 0, FormatError(fmt.Sprintf("match past the end of image %d", d.id-uint64(dist)))
			}
			if k != kindAlpha {
				copy(out[op*4:(op+length)*4], ref[ofs*4:])
				op += length
				continue
			}
			from = ref[ofs*4:]
		}
		// Alpha passes copy only byte 3, forward so that overlapping
		// in-image matches repeat their pattern.
		to := out[op*4 : (op+length)*4]
		if dist == 0 && ofs == 1 {
			// A run (most of an all-opaque or all-clear plane): fill
			// instead of reading back each byte just written.
			a := from[3]
			for i := 3; i < len(to); i += 4 {
				to[i] = a
			}
		} else {
			from = from[:len(to)]
			for i := 3; i < len(to); i += 4 {
				to[i] = from[i]
			}
		}
		op += length
	}
	return ip, nil
}

// refLiteral converts coded bytes s into the pixels of d.
func refLiteral(d, s []byte, k kind) {
	switch k {
	case kindRGB:
		for len(s) >= 3 && len(d) >= 4 {
			d[0], d[1], d[2], d[3] = s[2], s[1], s[0], 0xff
			s, d = s[3:], d[4:]
		}
	case kindRGB16:
		for len(s) >= 2 && len(d) >= 4 {
			binary.LittleEndian.PutUint32(d, rgb16(s[0], s[1]))
			s, d = s[2:], d[4:]
		}
	case kindAlpha:
		for i, a := range s {
			d[i*4+3] = a
		}
	}
}

// refCopyPixels copies n bytes from off src to off dst of b, dst > src, the
// way LZ matches do: overlapping bytes are read after being written, so a
// short distance repeats its pattern. Each copy doubles the pattern.
func refCopyPixels(b []byte, dst, src, n int) {
	for n > 0 {
		k := copy(b[dst:dst+n], b[src:dst])
		dst += k
		n -= k
	}
}

// passFixture is a window holding image 0 (RGB32) and image 1 (RGBA),
// 64x2 each, for passes of a third image to copy from.
func passFixture(t testing.TB) (*Window, [2][]byte) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 8))
	var coded [2][]byte
	w := NewWindow(1 << 16)
	for id, typ := range []lz.Type{lz.TypeRGB32, lz.TypeRGBA} {
		u := make([]byte, 64*2*3)
		for i := range u {
			u[i] = byte(rng.IntN(4) * 60)
		}
		src := encodePass(glzHeader(typ, 64, 2, true, uint64(id), uint32(id)), u, 3, 0, nil)
		if typ == lz.TypeRGBA {
			a := make([]byte, 64*2)
			for i := range a {
				a[i] = byte(rng.IntN(3) * 100)
			}
			src = encodePass(src, a, 1, 2, nil)
			coded[1] = a
		} else {
			coded[0] = u
		}
		var dst raster.Image
		if err := w.Decode(done, src, &dst); err != nil {
			t.Fatal(err)
		}
	}
	return w, coded
}

// FuzzPass compares pass with refPass on arbitrary pass data. The input
// is a kind byte (its low bits pick the kind, bit 7 the alpha flag of the
// image), the pixel count-1, then the pass bytes; the output starts as a
// fixed pattern, since the alpha pass keeps the colour bytes.
func FuzzPass(f *testing.F) {
	w, coded := passFixture(f)
	rng := rand.New(rand.NewPCG(9, 10))
	for _, k := range []kind{kindRGB, kindRGB16, kindAlpha} {
		for _, n := range []int{1, 5, 37, 100, 200} {
			ub := coded[0]
			var refs []refImage
			b := byte(k)
			switch k {
			case kindRGB:
				refs = []refImage{{2, coded[0]}}
			case kindRGB16:
				ub = nil
			case kindAlpha:
				ub = coded[1]
				refs = []refImage{{1, coded[1]}}
				b |= 0x80
			}
			bpp := units[k].bytes
			u := make([]byte, n*bpp)
			for i := 0; i < len(u); {
				if ub != nil && rng.IntN(2) == 0 {
					s := ub[rng.IntN(len(ub)/bpp)*bpp:]
					i += copy(u[i:], s[:min(len(u)-i, 30, len(s))])
				} else {
					u[i] = byte(rng.IntN(3))
					i++
				}
			}
			f.Add(append([]byte{b, byte(n - 1)}, encodePass(nil, u, bpp, units[k].bias, refs)...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		k := kind(data[0] & 3 % 3)
		n := int(data[1]) + 1
		in := data[2:]
		var outs [2][]byte
		var used [2]int
		var errs [2]error
		for i := range outs {
			outs[i] = make([]byte, 4*n)
			for j := range outs[i] {
				outs[i][j] = byte(j * 31)
			}
			d := decoder{w: w, ctx: done, gen: w.gen, id: 2, alpha: data[0]&0x80 != 0}
			w.mu.Lock()
			if i == 0 {
				used[i], errs[i] = d.pass(in, outs[i], k)
			} else {
				used[i], errs[i] = d.refPass(in, outs[i], k)
			}
			w.mu.Unlock()
		}
		if fmt.Sprint(errs[0]) != fmt.Sprint(errs[1]) {
			t.Fatalf("error %v, reference %v", errs[0], errs[1])
		}
		if errs[0] == nil && (used[0] != used[1] || !bytes.Equal(outs[0], outs[1])) {
			t.Fatalf("used %d, reference %d\n got %x\nwant %x", used[0], used[1], outs[0], outs[1])
		}
	})
}
