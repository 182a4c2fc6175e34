package quic

// Model adaptation. The encoder does not update its statistics after every
// sample: it waits a pseudo-random number of pixels (drawn from tabrand)
// between updates, and the wait grows as the image goes on. The decoder
// must update at exactly the same pixels to stay in step.
const (
	wmiMax     = 6    // DEFwmimax: the wait mask stops growing at 2^6-1
	wmiNext    = 2048 // DEFwminext: pixels coded before the wait mask grows
	melcStates = 32   // MELCSTATES
)

// triggers[wmidx] is the counter sum above which a bucket's counters are
// halved, for DEFevol = 3 (wmidx <= wmiMax; the last entry pads the table
// to a power of two so that indexing needs no bounds check).
// matches spice-common quic.c: besttrigtab[DEFevol / 2], set_wm_trigger.
var triggers = [8]uint32{110, 550, 900, 800, 550, 400, 350, 350}

// melcLen[state] is log2 of the run length one "hit" bit stands for.
// matches spice-common quic.c: J.
var melcLen = [melcStates]uint{
	0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
	4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15,
}

// state is the adaptation state shared by the channels coded together: one
// for the three colour channels, one for the alpha or gray channel.
// matches spice-common quic.c: CommonState.
type state struct {
	wait    uint  // pixels left before the next model update (waitcnt)
	seed    uint8 // position in tabrand, pre-incremented (tabrand_seed)
	wmidx   uint  // current wait mask is 2^wmidx - 1
	wmileft uint  // pixels before wmidx grows

	melcState uint // run-length coder state (melcstate)
	melcLen   uint // melcLen[melcState]
}

func (s *state) reset() {
	// stabrand() starts the seed at TABRAND_SEEDMASK, so the first draw
	// is tabrand[0].
	*s = state{seed: 0xff, wmileft: wmiNext}
}

// model is the per-channel statistics: for each bucket, the current Golomb
// parameter and the accumulated code length every parameter would have
// produced.
// matches spice-common quic.c: s_bucket, FamilyStat.
type model struct {
	best [8]uint8
	cnt  [8][8]uint32
}

func (m *model) reset(f *family) {
	m.cnt = [8][8]uint32{}
	for i := range m.best {
		m.best[i] = uint8(f.bpc - 1)
	}
}

// updateModels updates model ms[c] after a sampled pixel, for each
// channel c coded together: byte c of ctx (the channel's previous residual)
// chose the bucket, byte c of v is the residual just decoded. For each
// parameter the code length v would have had is added to the bucket's
// counter, and the cheapest parameter becomes current. Scanning down from
// bpc-1 and replacing only on a strictly smaller sum, ties keep the larger
// parameter, as the encoder does. When the best sum exceeds trigger all
// the bucket's counters are halved.
// matches spice-common quic_family_tmpl.c: update_model.
func updateModels(ms []model, f *family, ctx, v uint, trigger uint32) {
	if f.bpc != 8 {
		for c := range ms {
			ms[c].update(f, f.bucket[uint8(ctx>>(8*c))], uint8(v>>(8*c)), trigger)
		}
		return
	}
	// The 8-bit case unrolled, and with all channels in one call: this
	// runs for every sampled pixel and dominates the start of an image,
	// where the wait between updates is short, and calls are expensive
	// in wasm.
	for c := range ms {
		m := &ms[c]
		b := f.bucket[uint8(ctx>>(8*c))] & 7
		cn, ln := &m.cnt[b], &f.lens[uint8(v>>(8*c))]
		c0, c1, c2, c3 := cn[0]+uint32(ln[0]), cn[1]+uint32(ln[1]), cn[2]+uint32(ln[2]), cn[3]+uint32(ln[3])
		c4, c5, c6, c7 := cn[4]+uint32(ln[4]), cn[5]+uint32(ln[5]), cn[6]+uint32(ln[6]), cn[7]+uint32(ln[7])
		best, bl := uint8(7), c7
		if c6 < bl {
			best, bl = 6, c6
		}
		if c5 < bl {
			best, bl = 5, c5
		}
		if c4 < bl {
			best, bl = 4, c4
		}
		if c3 < bl {
			best, bl = 3, c3
		}
		if c2 < bl {
			best, bl = 2, c2
		}
		if c1 < bl {
			best, bl = 1, c1
		}
		if c0 < bl {
			best, bl = 0, c0
		}
		if bl > trigger {
			c0, c1, c2, c3, c4, c5, c6, c7 = c0>>1, c1>>1, c2>>1, c3>>1, c4>>1, c5>>1, c6>>1, c7>>1
		}
		*cn = [8]uint32{c0, c1, c2, c3, c4, c5, c6, c7}
		m.best[b] = best
	}
}

// update is updateModels for one model of any depth (used for 5 bits).
func (m *model) update(f *family, b uint8, v uint8, trigger uint32) {
	c := &m.cnt[b&7]
	ln := &f.lens[v]
	best := f.bpc - 1
	c[best] += uint32(ln[best])
	bestLen := c[best]
	for i := int(best) - 1; i >= 0; i-- {
		c[i] += uint32(ln[i])
		if c[i] < bestLen {
			best, bestLen = uint(i), c[i]
		}
	}
	m.best[b&7] = uint8(best)
	if bestLen > trigger {
		for i := range f.bpc {
			c[i] >>= 1
		}
	}
}
