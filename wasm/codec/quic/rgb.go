package quic

import "encoding/binary"

// The colour pass: three channels coded per pixel in the order r, g, b,
// sharing one adaptation state (rgb_state) but with a bucket model and a
// residual row each. Samples go straight into the RGBA output (bytes 0-2;
// byte 3 is set to 255 and, for RGBA images, overwritten by the alpha
// pass). RGB16 images are decoded here as 5-bit samples and widened by the
// caller once the row is no longer needed for prediction.
//
// Residual row: ctx3[k+1] packs the coded residuals of pixel k as
// r | g<<8 | b<<16, and ctx3[0] stands for pixel -1: 0 on the first row,
// then the previous row's first residuals. A pixel's residuals are the
// bucket contexts of the next pixel of the same channel. A run does not
// write ctx3, so the pixel after a run takes its contexts from whatever the
// row above left there, as the encoder does.
// matches spice-common quic_tmpl.c: uncompress_row0, uncompress_row and
// their _seg helpers, instantiated for QUIC_RGB32 / QUIC_RGB16_TO_32.

// rgbRow decodes one row of the colour pass. prev is nil on the first row.
// The row is cut into segments where the wait mask grows, so that each
// segment codes with one mask and one halving trigger.
func (d *Decoder) rgbRow(f *family, prev, cur []byte, width int) error {
	st := &d.rgb
	pos := 0
	for {
		if st.wmidx < wmiMax && int(st.wmileft) <= width-pos {
			if st.wmileft > 0 {
				end := pos + int(st.wmileft)
				if err := d.rgbSeg(f, prev, cur, pos, end); err != nil {
					return err
				}
				pos = end
			}
			st.wmidx++
			st.wmileft = wmiNext
			continue
		}
		if pos < width {
			if err := d.rgbSeg(f, prev, cur, pos, width); err != nil {
				return err
			}
			if st.wmidx < wmiMax {
				st.wmileft -= uint(width - pos)
			}
		}
		return nil
	}
}

func (d *Decoder) rgbSeg(f *family, prev, cur []byte, i, end int) error {
	if prev == nil {
		// The first row reads a row of zeros above it: rgbSegN then
		// only needs to predict from the left and never start a run.
		return d.rgbSegN(f, d.zeros[:len(cur)], cur, i, end, true)
	}
	return d.rgbSegN(f, prev, cur, i, end, false)
}

// rgbSegN decodes pixels [i, end) of a row. In the first row (first, prev
// all zeros) pixel 0 is coded as is and the others as the difference from
// their left neighbour. In later rows pixel 0 predicts from the pixel
// above, the others from the mean of left and above, and where the row
// above is flat and the last two pixels repeat, a run length is coded
// instead; a run never crosses the segment end.
// matches spice-common quic_tmpl.c: uncompress_row0_seg, uncompress_row_seg.
func (d *Decoder) rgbSegN(f *family, prev, cur []byte, i, end int, first bool) error {
	ms := (*[3]model)(d.models[:3])
	ctx := d.ctx3
	mx := f.max
	src := d.br.src
	acc, n, p := d.br.acc, d.br.n, d.br.p
	wait, seed := d.rgb.wait, d.rgb.seed
	var bad uint
	runIndex := 0
	// Pixels as r | g<<8 | b<<16 (alpha masked off): left is cur[i-1],
	// left2 cur[i-2], upLeft prev[i-1]. They are only read for i > 0.
	var left, left2, upLeft uint
	if i > 0 {
		left, upLeft = le32(cur[4*i-4:])&0xffffff, le32(prev[4*i-4:])&0xffffff
		if i > 1 {
			left2 = le32(cur[4*i-8:]) & 0xffffff
		}
	}
	if i == 0 {
		// Pixel 0 predicts from the pixel above; with left equal to it
		// the mean below gives just that. The run test needs i > 2.
		left = le32(prev) & 0xffffff
	}
	// Nonzero in the first row, which has no runs: it fails the run test
	// with the same comparison that tests the pixels.
	var noRun uint
	if first {
		noRun = 1
	}
	x := uint(ctx[i])
	for i < end {
		up := le32(prev[4*i:]) & 0xffffff
		{
			if (upLeft^up)|(left^left2)|noRun == 0 && i > 2 && i != runIndex {
				runIndex = i
				d.br.acc, d.br.n, d.br.p = acc, n, p
				runLen, err := d.run(&d.rgb, end-i)
				if err != nil {
					return err
				}
				acc, n, p = d.br.acc, d.br.n, d.br.p
				if runLen > 0 {
					fillPixels(cur, i, runLen)
					if i += runLen; i == end {
						break
					}
					left2, upLeft = left, le32(prev[4*i-4:])&0xffffff
					x = uint(ctx[i])
				}
				continue
			}
		}
		// (left + up) >> 1 in each byte lane, without carries; the first
		// row predicts from the left only.
		pred := left&up + (left^up)&0xfefefe>>1
		if first {
			pred = left
		}
		v0, k := f.sym(uint(ms[0].best[f.bucket[uint8(x)]&7]), acc)
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		v1, k := f.sym(uint(ms[1].best[f.bucket[uint8(x>>8)]&7]), acc)
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		v2, k := f.sym(uint(ms[2].best[f.bucket[uint8(x>>16)]&7]), acc)
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		bad |= v0 | v1 | v2
		ox := x
		x = v0&0xff | (v1&0xff)<<8 | (v2&0xff)<<16
		ctx[i+1] = uint32(x)
		px := (l2u(v0)+pred)&mx | (l2u(v1)+pred>>8)&mx<<8 | (l2u(v2)+pred>>16)&mx<<16
		binary.LittleEndian.PutUint32(cur[4*i:], uint32(px)|0xff000000)
		left2, left, upLeft = left, px, up

		if wait == 0 {
			seed++
			wait = uint(tabrand[seed])&(1<<(d.rgb.wmidx&7)-1) + 1
			t := triggers[d.rgb.wmidx&7]
			if f.bpc != 8 {
				updateModels(d.models[:3], f, ox, x, t)
				wait--
				i++
				continue
			}
			// updateModels' 8-bit case, inlined by hand: the call is a
			// large part of an update in wasm, and small images update
			// at nearly every pixel. Keep the two in step.
			for c := range 3 {
				m := &ms[c]
				b := f.bucket[uint8(ox>>(8*c))] & 7
				cn, ln := &m.cnt[b], &f.lens[uint8(x>>(8*c))]
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
				if bl > uint64(t) {
					lo, hi = lo>>1&halve16, hi>>1&halve16
				}
				cn[0], cn[1] = lo, hi
				m.best[b] = best
			}
		}
		wait--
		i++
	}
	d.rgb.wait, d.rgb.seed = wait, seed
	d.br.acc, d.br.n, d.br.p = acc, n, p
	if bad > mx {
		d.corrupt = true
	}
	return nil
}

func le32(b []byte) uint { return uint(binary.LittleEndian.Uint32(b)) }

// fillPixels repeats pixel i-1 over pixels [i, i+n), 16 pixels per step:
// in wasm each loop iteration costs a trip through the function's jump
// table (golang/go#65440), so a run of a whole row must not take one per
// pixel.
func fillPixels(row []byte, i, n int) {
	le := binary.LittleEndian
	px := uint64(le.Uint32(row[4*i-4:]))
	px |= px << 32
	q := row[4*i : 4*(i+n)]
	j := 0
	for ; j+64 <= len(q); j += 64 {
		w := q[j : j+64 : j+64]
		le.PutUint64(w, px)
		le.PutUint64(w[8:], px)
		le.PutUint64(w[16:], px)
		le.PutUint64(w[24:], px)
		le.PutUint64(w[32:], px)
		le.PutUint64(w[40:], px)
		le.PutUint64(w[48:], px)
		le.PutUint64(w[56:], px)
	}
	for ; j+8 <= len(q); j += 8 {
		le.PutUint64(q[j:], px)
	}
	if j < len(q) {
		le.PutUint32(q[j:], uint32(px))
	}
}
