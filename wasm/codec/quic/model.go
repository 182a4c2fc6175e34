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
// produced. The counters of parameters 0-3 and 4-7 are packed as 16-bit
// lanes in two words: they never reach 2^15, since every codeword is 1 to
// 26 bits long, so no counter exceeds 26 times the smallest one plus 26,
// and the smallest is halved once it passes the trigger (at most 900).
// matches spice-common quic.c: s_bucket, FamilyStat.
type model struct {
	best [8]uint8
	cnt  [8][2]uint64
}

func (m *model) reset(f *family) {
	m.cnt = [8][2]uint64{}
	for i := range m.best {
		m.best[i] = uint8(f.bpc - 1)
	}
}

// halve16 halves every 16-bit lane of w.
const halve16 = 0x7fff7fff7fff7fff

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
	t := uint64(trigger)
	if f.bpc != 8 {
		for c := range ms {
			ms[c].update(f, f.bucket[uint8(ctx>>(8*c))], uint8(v>>(8*c)), t)
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
		if bl > t {
			lo, hi = lo>>1&halve16, hi>>1&halve16
		}
		cn[0], cn[1] = lo, hi
		m.best[b] = best
	}
}

// update is updateModels for one model of any depth (used for 5 bits).
func (m *model) update(f *family, b uint8, v uint8, trigger uint64) {
	c := &m.cnt[b&7]
	c[0] += f.lens[v][0]
	c[1] += f.lens[v][1]
	lane := func(i uint) uint64 { return c[i>>2&1] >> (16 * (i & 3)) & 0xffff }
	best := f.bpc - 1
	bestLen := lane(best)
	for i := best; i > 0; {
		i--
		if x := lane(i); x < bestLen {
			best, bestLen = i, x
		}
	}
	m.best[b&7] = uint8(best)
	if bestLen > trigger {
		c[0] = c[0] >> 1 & halve16
		c[1] = c[1] >> 1 & halve16
	}
}
