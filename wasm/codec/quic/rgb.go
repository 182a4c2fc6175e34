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
	for ; i < end; i++ {
		px := cur[4*i : 4*i+4 : 4*i+4]
		var ar, ag, ab uint32
		if i > 0 {
			left := cur[4*i-4 : 4*i : 4*i]
			ar, ag, ab = uint32(left[0]), uint32(left[1]), uint32(left[2])
		}
		br := f.bucket[cr[i]]
		v, k := d.sym(f, uint32(mr.best[br&7]), uint32(acc>>32))
		acc <<= k
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		cr[i+1] = uint8(v)
		px[0] = uint8((l2u(v) + ar) & mx)

		bg := f.bucket[cg[i]]
		v, k = d.sym(f, uint32(mg.best[bg&7]), uint32(acc>>32))
		acc <<= k
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		cg[i+1] = uint8(v)
		px[1] = uint8((l2u(v) + ag) & mx)

		bb := f.bucket[cb[i]]
		v, k = d.sym(f, uint32(mb.best[bb&7]), uint32(acc>>32))
		acc <<= k
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		cb[i+1] = uint8(v)
		px[2] = uint8((l2u(v) + ab) & mx)
		px[3] = 0xff

		if wait == 0 {
			seed++
			wait = tabrand[seed] & waitMask
			mr.update(f, br, cr[i+1], trigger)
			mg.update(f, bg, cg[i+1], trigger)
			mb.update(f, bb, cb[i+1], trigger)
		} else {
			wait--
		}
	}
	st.wait, st.seed = wait, seed
	d.br.acc, d.br.n, d.br.p = acc, n, p
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
	runIndex := 0
	for i < end {
		px := cur[4*i : 4*i+4 : 4*i+4]
		up := prev[4*i : 4*i+4 : 4*i+4]
		var pr, pg, pb uint32
		if i == 0 {
			pr, pg, pb = uint32(up[0]), uint32(up[1]), uint32(up[2])
		} else {
			if i > 2 && i != runIndex &&
				samePixel(prev, i-1, i) && samePixel(cur, i-1, i-2) {
				runIndex = i
				d.br.acc, d.br.n, d.br.p = acc, n, p
				runLen, err := d.run(st, end-i)
				if err != nil {
					return err
				}
				acc, n, p = d.br.acc, d.br.n, d.br.p
				fillPixels(cur, i, runLen)
				if i += runLen; i == end {
					break
				}
				continue
			}
			left := cur[4*i-4 : 4*i : 4*i]
			pr = (uint32(left[0]) + uint32(up[0])) >> 1
			pg = (uint32(left[1]) + uint32(up[1])) >> 1
			pb = (uint32(left[2]) + uint32(up[2])) >> 1
		}

		br := f.bucket[cr[i]]
		v, k := d.sym(f, uint32(mr.best[br&7]), uint32(acc>>32))
		acc <<= k
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		cr[i+1] = uint8(v)
		px[0] = uint8((l2u(v) + pr) & mx)

		bg := f.bucket[cg[i]]
		v, k = d.sym(f, uint32(mg.best[bg&7]), uint32(acc>>32))
		acc <<= k
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		cg[i+1] = uint8(v)
		px[1] = uint8((l2u(v) + pg) & mx)

		bb := f.bucket[cb[i]]
		v, k = d.sym(f, uint32(mb.best[bb&7]), uint32(acc>>32))
		acc <<= k
		if n -= k; n < 32 {
			acc, n, p = fill(src, acc, n, p)
		}
		cb[i+1] = uint8(v)
		px[2] = uint8((l2u(v) + pb) & mx)
		px[3] = 0xff

		if wait == 0 {
			seed++
			wait = tabrand[seed] & waitMask
			mr.update(f, br, cr[i+1], trigger)
			mg.update(f, bg, cg[i+1], trigger)
			mb.update(f, bb, cb[i+1], trigger)
		} else {
			wait--
		}
		i++
	}
	st.wait, st.seed = wait, seed
	d.br.acc, d.br.n, d.br.p = acc, n, p
	return nil
}

// samePixel compares the colour bytes of pixels a and b of row.
// matches spice-common quic_tmpl.c: SAME_PIXEL (r, g and b only).
func samePixel(row []byte, a, b int) bool {
	return binary.LittleEndian.Uint32(row[4*a:])&0xffffff == binary.LittleEndian.Uint32(row[4*b:])&0xffffff
}

// fillPixels repeats pixel i-1 over pixels [i, i+n).
func fillPixels(row []byte, i, n int) {
	if n == 0 {
		return
	}
	px := binary.LittleEndian.Uint32(row[4*i-4:])
	for j := 4 * i; j < 4*(i+n); j += 4 {
		binary.LittleEndian.PutUint32(row[j:], px)
	}
}
