package quic

import "encoding/binary"

// The one-channel pass: the GRAY plane, or the alpha plane of an RGBA image
// coded after each colour row. It has its own adaptation state, bucket
// model and residual row (d.one, d.models[3], d.ctx1) and always uses
// 8-bit samples. The sample is byte off of each 4-byte output pixel.
// matches spice-common quic_tmpl.c instantiated for ONE_BYTE / FOUR_BYTE.

// oneRow decodes one row of the pass; prev is nil on the first row.
func (d *Decoder) oneRow(prev, cur []byte, off, width int) error {
	st := &d.one
	pos := 0
	for {
		if st.wmidx < wmiMax && int(st.wmileft) <= width-pos {
			if st.wmileft > 0 {
				end := pos + int(st.wmileft)
				if err := d.oneSeg(prev, cur, off, pos, end); err != nil {
					return err
				}
				pos = end
			}
			st.wmidx++
			st.wmileft = wmiNext
			continue
		}
		if pos < width {
			if err := d.oneSeg(prev, cur, off, pos, width); err != nil {
				return err
			}
			if st.wmidx < wmiMax {
				st.wmileft -= uint(width - pos)
			}
		}
		return nil
	}
}

// oneSeg decodes pixels [i, end) of the pass, with the same prediction and
// run rules as the colour pass (rgbSegN) applied to one sample.
func (d *Decoder) oneSeg(prev, cur []byte, off, i, end int) error {
	f := family8
	st := &d.one
	waitMask := uint(1)<<(st.wmidx&7) - 1
	trigger := triggers[st.wmidx&7]
	c := d.ctx1
	m := &d.models[3]
	src := d.br.src
	acc, n, p := d.br.acc, d.br.n, d.br.p
	wait, seed := st.wait, st.seed
	var bad uint
	runIndex := 0
	// Views starting at the sample so that pixel i's sample is s[4*i].
	cur = cur[off:]
	if prev != nil {
		prev = prev[off:]
	}
	// Samples of pixels i-1 and i-2 of this row and i-1 of the row above;
	// only read where they exist.
	var left, left2, upLeft uint
	if i > 0 {
		left = uint(cur[4*i-4])
		if prev != nil {
			upLeft = uint(prev[4*i-4])
		}
		if i > 1 {
			left2 = uint(cur[4*i-8])
		}
	}
	x := c[i] // residual of pixel i-1: the context
loop:
	for i < end {
		var pred, up uint
		switch {
		case prev == nil:
			pred = left
		case i == 0:
			up = uint(prev[0])
			pred = up
		default:
			up = uint(prev[4*i])
			if (upLeft^up)|(left^left2) == 0 && i > 2 && i != runIndex {
				runIndex = i
				d.br.acc, d.br.n, d.br.p = acc, n, p
				runLen, err := d.run(st, end-i)
				if err != nil {
					return err
				}
				acc, n, p = d.br.acc, d.br.n, d.br.p
				if runLen > 0 {
					fillSample(cur[4*i:4*(i+runLen)-off], byte(left))
					if i += runLen; i == end {
						break loop
					}
					left2, upLeft = left, uint(prev[4*i-4])
					x = c[i]
				}
				continue
			}
			pred = (left + up) >> 1
		}

		b := f.bucket[x]
		v, k := f.sym(uint(m.best[b&7]), acc)
		bad |= v
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		ox := x
		x = uint8(v)
		c[i+1] = x
		s := (l2u(v) + pred) & 0xff
		cur[4*i] = byte(s)
		left2, left, upLeft = left, s, up

		if wait == 0 {
			seed++
			wait = uint(tabrand[seed])&waitMask + 1
			// updateModels for one 8-bit channel, inlined by hand as in
			// rgbSegN. Keep the two in step.
			b := f.bucket[ox] & 7
			cn, ln := &m.cnt[b], &f.lens[x]
			lo, hi := cn[0]+ln[0], cn[1]+ln[1]
			best, bl := uint8(7), hi>>48
			if x := hi >> 32 & 0xffff; x < bl {
				best, bl = 6, x
			}
			if x := hi >> 16 & 0xffff; x < bl {
				best, bl = 5, x
			}
			if x := hi & 0xffff; x < bl {
				best, bl = 4, x
			}
			if x := lo >> 48; x < bl {
				best, bl = 3, x
			}
			if x := lo >> 32 & 0xffff; x < bl {
				best, bl = 2, x
			}
			if x := lo >> 16 & 0xffff; x < bl {
				best, bl = 1, x
			}
			if x := lo & 0xffff; x < bl {
				best, bl = 0, x
			}
			if bl > uint64(trigger) {
				lo, hi = lo>>1&halve16, hi>>1&halve16
			}
			cn[0], cn[1] = lo, hi
			m.best[b] = best
		}
		wait--
		i++
	}
	st.wait, st.seed = wait, seed
	d.br.acc, d.br.n, d.br.p = acc, n, p
	if bad > f.max {
		d.corrupt = true
	}
	return nil
}

// fillSample sets every fourth byte of q, from q[0] on, to a: the sample
// of a run of pixels in a one-channel pass. Where the run spans whole
// 8-byte words it merges two samples per word, 8 per step; q may end
// right after its last sample.
func fillSample(q []byte, a byte) {
	le := binary.LittleEndian
	p := uint64(a) | uint64(a)<<32
	const lanes = 0x000000ff000000ff
	j := 0
	for ; j+32 <= len(q); j += 32 {
		w := q[j : j+32 : j+32]
		le.PutUint64(w, le.Uint64(w)&^lanes|p)
		le.PutUint64(w[8:], le.Uint64(w[8:])&^lanes|p)
		le.PutUint64(w[16:], le.Uint64(w[16:])&^lanes|p)
		le.PutUint64(w[24:], le.Uint64(w[24:])&^lanes|p)
	}
	for ; j < len(q); j += 4 {
		q[j] = a
	}
}
