package quic

import "encoding/binary"

// The colour pass: three channels coded per pixel in the order r, g, b,
// sharing one adaptation state (rgb_state) but with a bucket model and a
// residual row each. Samples go straight into the RGBA output (bytes 0-2;
// byte 3 is set to 255 and, for RGBA images, overwritten by the alpha
// pass). RGB16 images are decoded here as 5-bit samples and widened by the
// caller once the row is no longer needed for prediction.
//
// Residual rows: corr[c][k+1] is channel c's coded residual at pixel k, and
// corr[c][0] stands for pixel -1: 0 on the first row, then the previous
// row's first residual. A run does not write corr, so the pixel after a run
// takes its context from whatever the row above left there, as the encoder
// does.
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
				st.wmileft -= uint32(width - pos)
			}
		}
		return nil
	}
}

func (d *Decoder) rgbSeg(f *family, prev, cur []byte, i, end int) error {
	if prev == nil {
		d.rgbSeg0(f, cur, i, end)
		return nil
	}
	return d.rgbSegN(f, prev, cur, i, end)
}

// rgbSeg0 decodes pixels [i, end) of the first row: pixel 0 is coded as
// is, the others as the difference from their left neighbour.
func (d *Decoder) rgbSeg0(f *family, cur []byte, i, end int) {
	st := &d.rgb
	waitMask := uint32(1)<<st.wmidx - 1
	trigger := triggers[st.wmidx]
	mx := f.max
	cr, cg, cb := d.corr[0], d.corr[1], d.corr[2]
	mr, mg, mb := &d.model[0], &d.model[1], &d.model[2]
	src := d.br.src
	acc, n, p := d.br.acc, d.br.n, d.br.p
	wait, seed := st.wait, st.seed
	var bad uint32
	var left uint32 // pixel i-1 as r | g<<8 | b<<16
	if i > 0 {
		left = le32(cur[4*i-4:])
	}
	xr, xg, xb := cr[i], cg[i], cb[i] // residuals of pixel i-1: the contexts
	for ; i < end; i++ {
		br, bg, bb := f.bucket[xr], f.bucket[xg], f.bucket[xb]

		v, k := f.sym(uint32(mr.best[br&7]), uint32(acc>>32))
		bad |= v
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		xr = uint8(v)
		px := (l2u(v) + left) & mx

		v, k = f.sym(uint32(mg.best[bg&7]), uint32(acc>>32))
		bad |= v
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		xg = uint8(v)
		px |= (l2u(v) + left>>8) & mx << 8

		v, k = f.sym(uint32(mb.best[bb&7]), uint32(acc>>32))
		bad |= v
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		xb = uint8(v)
		px |= (l2u(v) + left>>16) & mx << 16

		cr[i+1], cg[i+1], cb[i+1] = xr, xg, xb
		binary.LittleEndian.PutUint32(cur[4*i:], px|0xff000000)
		left = px

		if wait == 0 {
			seed++
			wait = tabrand[seed] & waitMask
			mr.update(f, br, xr, trigger)
			mg.update(f, bg, xg, trigger)
			mb.update(f, bb, xb, trigger)
		} else {
			wait--
		}
	}
	st.wait, st.seed = wait, seed
	d.br.acc, d.br.n, d.br.p = acc, n, p
	if bad > mx {
		d.corrupt = true
	}
}

// rgbSegN decodes pixels [i, end) of a later row: pixel 0 predicts from the
// pixel above, the others from the mean of left and above. Where the row
// above is flat and the last two pixels repeat, a run length is coded
// instead; a run never crosses the segment end.
func (d *Decoder) rgbSegN(f *family, prev, cur []byte, i, end int) error {
	st := &d.rgb
	waitMask := uint32(1)<<st.wmidx - 1
	trigger := triggers[st.wmidx]
	mx := f.max
	cr, cg, cb := d.corr[0], d.corr[1], d.corr[2]
	mr, mg, mb := &d.model[0], &d.model[1], &d.model[2]
	src := d.br.src
	acc, n, p := d.br.acc, d.br.n, d.br.p
	wait, seed := st.wait, st.seed
	var bad uint32
	runIndex := 0
	// Pixels as r | g<<8 | b<<16 (alpha masked off): left is cur[i-1],
	// left2 cur[i-2], upLeft prev[i-1]. They are only read for i > 0.
	var left, left2, upLeft uint32
	if i > 0 {
		left, upLeft = le32(cur[4*i-4:])&0xffffff, le32(prev[4*i-4:])&0xffffff
		if i > 1 {
			left2 = le32(cur[4*i-8:]) & 0xffffff
		}
	}
	xr, xg, xb := cr[i], cg[i], cb[i] // residuals of pixel i-1: the contexts
	for i < end {
		up := le32(prev[4*i:]) & 0xffffff
		var pr, pg, pb uint32
		if i == 0 {
			pr, pg, pb = up&0xff, up>>8&0xff, up>>16
		} else {
			if upLeft == up && left == left2 && i > 2 && i != runIndex {
				runIndex = i
				d.br.acc, d.br.n, d.br.p = acc, n, p
				runLen, err := d.run(st, end-i)
				if err != nil {
					return err
				}
				acc, n, p = d.br.acc, d.br.n, d.br.p
				if runLen > 0 {
					fillPixels(cur, i, runLen)
					if i += runLen; i == end {
						break
					}
					// The run left the residual row alone: the next
					// pixel's context is whatever the row above put there.
					left2, upLeft = left, le32(prev[4*i-4:])&0xffffff
					xr, xg, xb = cr[i], cg[i], cb[i]
				}
				continue
			}
			pr = (left&0xff + up&0xff) >> 1
			pg = (left>>8&0xff + up>>8&0xff) >> 1
			pb = (left>>16 + up>>16) >> 1
		}
		br, bg, bb := f.bucket[xr], f.bucket[xg], f.bucket[xb]

		v, k := f.sym(uint32(mr.best[br&7]), uint32(acc>>32))
		bad |= v
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		xr = uint8(v)
		px := (l2u(v) + pr) & mx

		v, k = f.sym(uint32(mg.best[bg&7]), uint32(acc>>32))
		bad |= v
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		xg = uint8(v)
		px |= (l2u(v) + pg) & mx << 8

		v, k = f.sym(uint32(mb.best[bb&7]), uint32(acc>>32))
		bad |= v
		acc <<= k & 63
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		xb = uint8(v)
		px |= (l2u(v) + pb) & mx << 16

		cr[i+1], cg[i+1], cb[i+1] = xr, xg, xb
		binary.LittleEndian.PutUint32(cur[4*i:], px|0xff000000)
		left2, left, upLeft = left, px, up

		if wait == 0 {
			seed++
			wait = tabrand[seed] & waitMask
			mr.update(f, br, xr, trigger)
			mg.update(f, bg, xg, trigger)
			mb.update(f, bb, xb, trigger)
		} else {
			wait--
		}
		i++
	}
	st.wait, st.seed = wait, seed
	d.br.acc, d.br.n, d.br.p = acc, n, p
	if bad > mx {
		d.corrupt = true
	}
	return nil
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// fillPixels repeats pixel i-1 over pixels [i, i+n).
func fillPixels(row []byte, i, n int) {
	px := le32(row[4*i-4:])
	for j := 4 * i; j < 4*(i+n); j += 4 {
		binary.LittleEndian.PutUint32(row[j:], px)
	}
}
